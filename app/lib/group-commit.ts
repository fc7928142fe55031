/**
 * Group commit: requests that arrive while earlier ones are being written wait a moment and are written together,
 * in one transaction, instead of one transaction each. Under load a transaction then carries many requests and
 * its fixed cost (round trips, statement planning, triggers, commit) is paid once for all of them; when requests
 * are sparse each still goes alone, at once. Every request is answered only after its own batch committed, so an
 * answer still means "stored". See docs/decisions/006-group-commit.md.
 */
export interface GroupCommitOptions {
  /** The most requests one transaction takes. */
  maxBatch?: number;
  /**
   * Transactions in flight at once. One by default: on the order webhooks and storefront events two or three
   * measured no better (smaller batches cost more per request than the overlap gained).
   */
  maxInFlight?: number;
  /**
   * Told when a whole batch failed, before its requests are written again one by one. Those retries hide the
   * batch's error (each request then succeeds or fails on its own), and a run of failing batches is a
   * throughput collapse — every request of the batch pays its own transaction — that would otherwise leave no trace.
   */
  onBatchFailed?: (error: unknown, batchSize: number) => void;
}

function warnBatchFailed(error: unknown, batchSize: number) {
  console.warn(
    `[group commit] a batch of ${batchSize} failed, writing its requests one by one:`,
    error instanceof Error ? error.message : error,
  );
}

export type Submit<Item, Result> = (item: Item) => Promise<Result>;

/**
 * `write` gets a batch and returns one result per item, in order. A batch that fails is written again one item
 * at a time, so one bad item (or a transaction lost to a deadlock) fails only its own request.
 */
export function groupCommit<Item, Result>(
  write: (items: Item[]) => Promise<Result[]>,
  { maxBatch = 64, maxInFlight = 1, onBatchFailed = warnBatchFailed }: GroupCommitOptions = {},
): Submit<Item, Result> {
  type Waiting = { item: Item; resolve: (result: Result) => void; reject: (error: unknown) => void };
  const queue: Waiting[] = [];
  let inFlight = 0;

  async function writeOne(waiting: Waiting) {
    try {
      waiting.resolve((await write([waiting.item]))[0]);
    } catch (error) {
      waiting.reject(error);
    }
  }

  async function writeBatch(batch: Waiting[]) {
    if (batch.length === 1) return writeOne(batch[0]);
    let results: Result[];
    try {
      results = await write(batch.map((waiting) => waiting.item));
    } catch (error) {
      onBatchFailed(error, batch.length);
      for (const waiting of batch) await writeOne(waiting);
      return;
    }
    for (const [index, waiting] of batch.entries()) waiting.resolve(results[index]);
  }

  function pump() {
    while (inFlight < maxInFlight && queue.length > 0) {
      inFlight++;
      void writeBatch(queue.splice(0, maxBatch)).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  return (item) =>
    new Promise<Result>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      pump();
    });
}
