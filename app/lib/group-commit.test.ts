import { describe, expect, it } from "vitest";
import { groupCommit } from "./group-commit";

const tick = () => new Promise((resolve) => setImmediate(resolve));

/**
 * A writer that records every batch it gets and holds the first one until `release()`, so the test can submit
 * more requests while a transaction is "in flight"; `write` does the rest of the work for each batch.
 */
function holdingFirstBatch<Result>(
  write: (items: number[]) => Result[],
  onBatchFailed?: (error: unknown, batchSize: number) => void,
) {
  const batches: number[][] = [];
  let release!: () => void;
  const firstHeld = new Promise<void>((resolve) => (release = resolve));
  const writer = async (items: number[]) => {
    batches.push(items);
    if (batches.length === 1) await firstHeld;
    return write(items);
  };
  return { batches, release, submit: groupCommit<number, Result>(writer, { onBatchFailed }) };
}

describe("groupCommit", () => {
  it("writes a request alone when nothing else is waiting, and the requests that arrive meanwhile together", async () => {
    const { batches, release, submit } = holdingFirstBatch((items) => items.map((item) => `done ${item}`));
    const first = submit(1);
    await tick();
    const later = [2, 3, 4].map(submit);
    await tick();
    expect(batches).toEqual([[1]]); // 2–4 wait while 1 is being written
    release();
    expect(await Promise.all([first, ...later])).toEqual(["done 1", "done 2", "done 3", "done 4"]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it("caps a batch at maxBatch and keeps maxInFlight batches running at once", async () => {
    const batches: number[][] = [];
    let running = 0;
    let mostRunning = 0;
    const submit = groupCommit<number, number>(
      async (items) => {
        batches.push(items);
        mostRunning = Math.max(mostRunning, ++running);
        await tick();
        running--;
        return items;
      },
      { maxBatch: 3, maxInFlight: 2 },
    );
    const results = await Promise.all(Array.from({ length: 10 }, (_, index) => submit(index)));
    expect(results).toEqual(Array.from({ length: 10 }, (_, index) => index));
    expect(Math.max(...batches.map((batch) => batch.length))).toBe(3);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(results);
    expect(mostRunning).toBe(2);
  });

  it("fails only the bad request of a failed batch: the others are written again one by one", async () => {
    const failedBatches: [string, number][] = [];
    const {
      batches: writes,
      release,
      submit,
    } = holdingFirstBatch(
      (items) => {
        if (items.includes(13)) throw new Error("unlucky");
        return items.map((item) => item * 2);
      },
      (error, batchSize) => failedBatches.push([(error as Error).message, batchSize]),
    );
    const first = submit(1);
    await tick();
    const batch = [12, 13, 14].map((item) =>
      submit(item).then(
        (value) => ({ value }),
        (error: Error) => ({ error: error.message }),
      ),
    );
    release();
    expect(await first).toBe(2);
    expect(await Promise.all(batch)).toEqual([{ value: 24 }, { error: "unlucky" }, { value: 28 }]);
    expect(writes).toEqual([[1], [12, 13, 14], [12], [13], [14]]);
    // The batch's failure is reported once, for the batch; the single retry that fails again is its request's answer.
    expect(failedBatches).toEqual([["unlucky", 3]]);
  });
});
