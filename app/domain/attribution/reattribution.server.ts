/**
 * Whole-shop re-attribution, after a settings change (the orders it can move, decision 023) or on demand (every
 * order). Orders are recomputed in batches, newest first by (processedAt, id); each batch commits together with the
 * job's cursor, so a crash leaves every order either fully recomputed or untouched and a rerun continues after the
 * last committed batch. The roll-ups of the local days a batch finished are rebuilt in a transaction of their own
 * while the next batch runs, and only then do reports read those days under the new rules (decision 022). Two
 * runners (the server's background loop and the CLI) cannot both commit the same batch or rebuild: their updates
 * of the job are conditional.
 */
import type { ReattributionJob, Shop } from "@prisma/client";
import { sqlTransaction, type Db, type DbTx, type Sql, type SqlTransaction } from "../../db.server";
import { addDays, dayInZone, reportTimezone, startOfDayInZone, type Day } from "../reports/date-range";
import { rebuildMarkedDays } from "../reports/report-rollups.server";
import { type AttributionShop, attributeStoredOrders } from "./attribute-order.server";
import { cursorOf, unfinishedReattributions, type WalkCursor } from "./reattribution-jobs.server";

export const DEFAULT_BATCH_SIZE = 1_000;

export interface JobProgress {
  id: string;
  status: ReattributionJob["status"];
  total: number;
  processed: number;
  /** Whether it recomputes every order or those the settings change can move (decision 023). */
  scope: ReattributionJob["scope"];
  /** Of the processed orders, those recomputed (the others' results hold under the new settings). */
  recomputed: number;
  settingsVersion: number;
  /** Orders the engine failed on: stored unattributed with their error, retried by reconciliation. */
  failedOrders: number;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export function progressOf(job: ReattributionJob): JobProgress {
  return {
    id: job.id,
    status: job.status,
    total: job.total,
    processed: job.processed,
    scope: job.scope,
    recomputed: job.recomputed,
    settingsVersion: job.settingsVersion,
    failedOrders: job.failedOrders,
    error: job.error,
    createdAt: job.createdAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}

class CursorMoved extends Error {}

/** Timestamps are stored as UTC without a zone, as Prisma stores them. */
const UTC = (parameter: number) => `($${parameter}::timestamptz AT TIME ZONE 'UTC')`;
const NOW = `(now() AT TIME ZONE 'UTC')`;

/** A batch after a settings change walks at most this many batch sizes of orders (most are settled). */
const SETTINGS_WALK_SPAN = 20;

/** The settings a stored conversation-free result depends on: the exclusion's (attribution-spec.md). */
export type ExclusionSettings = Pick<AttributionShop, "countTestOrders" | "maxOrderValue">;

/**
 * Whether the stored result of order `o` holds under any attribution window and answer rule: it names no
 * conversation (the engine's first step says there was none: no link, refused or not), it did not fail, and its
 * exclusion is the one the settings give now (parameters `$p`, `$p+1`). Windows and the answer rule only choose
 * among conversations; later evidence re-attributes the orders it names as it arrives (decision 023). An OUTLIER's
 * steps name the maximum, so it is always recomputed. The exclusion is the engine's (engine.ts, exclusionFor).
 */
const settled = (p: number) => `EXISTS (SELECT 1 FROM "Attribution" a WHERE a."orderId" = o.id AND a.error IS NULL
    AND a.evidence -> 'facts' -> 0 ->> 'key' = 'evidence.noSession' AND a."excludedReason" IS DISTINCT FROM 'OUTLIER'
    AND a."excludedReason" IS NOT DISTINCT FROM (CASE WHEN NOT o.verified THEN 'UNVERIFIED' WHEN o.test AND NOT $${p}::boolean THEN 'TEST'
      WHEN o."grossAmount" IS NULL OR o."grossAmount" < 0 OR o."grossAmount" > $${p + 1}::numeric THEN 'OUTLIER' END)::"ExclusionReason")`;

export interface WalkedOrder {
  id: string;
  processedAt: Date;
  /** Its stored result holds under the settings the walk was given: it need not be recomputed. */
  settled: boolean;
}

/**
 * The next orders of a shop's walk, newest first by (processedAt, id), each said settled or not under `settings`
 * (none: nothing is settled). The bound on processedAt alone keeps it an index range scan of (shopId, processedAt).
 * The sort names the table's columns: a bare name means the output column, and sorting by those (text, a converted
 * time) scanned and sorted the whole shop for every batch.
 */
export async function walkOrders(
  sql: Sql,
  shopId: string,
  cursor: WalkCursor,
  limit: number,
  settings: ExclusionSettings | null = null,
): Promise<WalkedOrder[]> {
  const parameters: unknown[] = [shopId, limit, ...(cursor ? [cursor.processedAt.toISOString(), cursor.id] : [])];
  const settledColumn = settings ? settled(parameters.length + 1) : "false";
  if (settings) parameters.push(settings.countTestOrders, settings.maxOrderValue.toString());
  return sql.query<WalkedOrder>(
    `SELECT o.id::text AS id, o."processedAt" AT TIME ZONE 'UTC' AS "processedAt", ${settledColumn} AS settled
     FROM "Order" o
     WHERE o."shopId" = $1::uuid ${cursor ? `AND o."processedAt" <= ${UTC(3)} AND (o."processedAt" < ${UTC(3)} OR o.id < $4::uuid)` : ""}
     ORDER BY o."processedAt" DESC, o.id DESC LIMIT $2`,
    parameters,
  );
}

/** The walked orders one batch takes: from the first, up to `batchSize` of them not settled. */
function batchOf(walked: readonly WalkedOrder[], batchSize: number): readonly WalkedOrder[] {
  let unsettled = 0;
  for (const [index, order] of walked.entries()) {
    if (!order.settled && ++unsettled === batchSize) return walked.slice(0, index + 1);
  }
  return walked;
}

/**
 * Queues a recompute of the shop's orders under its current settings: after a settings change, those the change can
 * move (`SETTINGS`); on demand, every one (`ALL`). An unfinished job is restarted from the beginning rather than
 * duplicated (orders it already did were computed with superseded settings), recomputing every order if either asks.
 */
export async function requestReattribution(
  db: Db,
  shopId: string,
  scope: ReattributionJob["scope"] = "ALL",
): Promise<ReattributionJob> {
  return db.$transaction(async (tx) => {
    const shop = await tx.shop.findUniqueOrThrow({ where: { id: shopId } });
    const total = await tx.order.count({ where: { shopId } });
    const [unfinished] = await unfinishedReattributions(tx, shopId); // at most one per shop: this function reuses it
    const fresh = {
      status: "PENDING" as const,
      scope: unfinished?.scope === "ALL" ? ("ALL" as const) : scope,
      settingsVersion: shop.settingsVersion,
      total,
      processed: 0,
      recomputed: 0,
      failedOrders: 0,
      cursorAt: null,
      cursorOrderId: null,
      recomputedFrom: null,
      timezone: reportTimezone(shop),
      error: null,
      finishedAt: null,
    };
    return unfinished
      ? tx.reattributionJob.update({ where: { id: unfinished.id }, data: fresh })
      : tx.reattributionJob.create({ data: { shopId, ...fresh } });
  });
}

export async function latestReattribution(db: Db, shopId: string): Promise<ReattributionJob | null> {
  return db.reattributionJob.findFirst({ where: { shopId }, orderBy: { createdAt: "desc" } });
}

export interface RunOptions {
  batchSize?: number;
  onProgress?: (job: JobProgress) => void;
  /** Stop after this many batches (tests use it to stand in for a crash). */
  maxBatches?: number;
  /** False when the queue will retry a failure: the job then stays unfinished, with the error shown (default true). */
  finalAttempt?: boolean;
  /** Aborted: return after the batch in progress, the job unfinished (the server is stopping). */
  signal?: AbortSignal;
  /**
   * Where each batch runs: plain SQL on the driver (decision 003; through Prisma a batch of 1,000 spent ~65 ms more on
   * its queries' parameters and rows). The app's by default; a benchmark passes its own database's.
   */
  transaction?: SqlTransaction;
}

/** A time as a query parameter (null stays null). */
const instant = (value: Date | null | undefined) => value?.toISOString() ?? null;

/**
 * One batch: the next orders of the walk recomputed, committed with the cursor (not yet with the roll-ups of the
 * days it finished: see rebuildFinishedDays). Returns whether the walk is at its end and the first day after the
 * last order's (every day from there on is finished: that day's earlier orders may be in the next batch).
 */
async function recomputeBatch(
  sql: Sql,
  job: ReattributionJob,
  shop: Shop,
  batchSize: number,
): Promise<{ done: boolean; finishedDay: Day | null }> {
  // After a settings change, the walk goes past the orders whose results hold (decision 023).
  const span = job.scope === "SETTINGS" ? batchSize * SETTINGS_WALK_SPAN : batchSize;
  const walked = await walkOrders(sql, job.shopId, cursorOf(job), span, job.scope === "SETTINGS" ? shop : null);
  const orders = batchOf(walked, batchSize);
  const recomputing = orders.filter((order) => !order.settled).map((order) => order.id);
  // An order the engine fails on is stored unattributed with its error and counted; the job goes on.
  const { failedOrderIds } = await attributeStoredOrders(sql, shop, recomputing);
  const done = orders.length === walked.length && walked.length < span;
  const last = orders.at(-1);
  const timezone = job.timezone ?? reportTimezone(shop);
  const updated = await sql.query(
    `UPDATE "ReattributionJob" SET status = 'RUNNING', "cursorAt" = ${UTC(6)}, "cursorOrderId" = $7::uuid,
       processed = $8, recomputed = $9, "failedOrders" = $10, total = $11, "startedAt" = coalesce("startedAt", ${NOW}),
       error = NULL
     WHERE id = $1::uuid AND "cursorAt" IS NOT DISTINCT FROM ${UTC(2)} AND "cursorOrderId" IS NOT DISTINCT FROM $3::uuid
       AND "settingsVersion" = $4 AND status = $5::"JobStatus"
     RETURNING id`,
    [
      job.id,
      instant(job.cursorAt),
      job.cursorOrderId,
      job.settingsVersion,
      job.status,
      instant(last?.processedAt ?? job.cursorAt),
      last?.id ?? job.cursorOrderId,
      job.processed + orders.length,
      job.recomputed + recomputing.length,
      job.failedOrders + failedOrderIds.length,
      // Orders created since the job was queued are included too.
      Math.max(job.total, job.processed + orders.length),
    ],
  );
  if (updated.length !== 1) throw new CursorMoved();
  return { done, finishedDay: last && !done ? addDays(dayInZone(last.processedAt, timezone), 1) : null };
}

/**
 * Rebuilds the roll-ups of the days the committed batches finished and moves `recomputedFrom` to them; at the end of
 * the walk, rebuilds every day left and marks the job done. Its own transaction, under the roll-up lock, so that it
 * runs while the next batch recomputes (the two cores at once; the batch writes only attributions and marks, on
 * days the rebuild does not read). A day the batches finished but no rebuild has yet reached is older than
 * `recomputedFrom`: reports read it as before the change. When the job moved on meanwhile (restarted, or rebuilt by
 * another runner), nothing is written. `shop` is the shop as the batch started.
 */
async function rebuildFinishedDays(
  transaction: SqlTransaction,
  db: Db,
  jobId: string,
  shop: Shop,
  batch: { done: boolean; finishedDay: Day | null },
): Promise<void> {
  const job = await db.reattributionJob.findUniqueOrThrow({ where: { id: jobId } });
  if (job.status !== "RUNNING") return;
  const timezone = job.timezone ?? reportTimezone(shop);
  const recomputedFrom = batch.finishedDay ? startOfDayInZone(batch.finishedDay, timezone) : null;
  // Nothing newly finished, or another runner's rebuild has gone further already.
  if (!batch.done && (!recomputedFrom || (job.recomputedFrom && recomputedFrom >= job.recomputedFrom))) return;
  try {
    await transaction(async (sql) => {
      await sql.query(`SELECT report_lock_rollups($1::uuid)::text`, [job.shopId]);
      // Roll-ups are kept in the shop's zone: after a zone change they are the refresh's job.
      if (timezone === reportTimezone(shop))
        await rebuildMarkedDays(sql, shop, {
          from: batch.finishedDay,
          before: job.recomputedFrom ? dayInZone(job.recomputedFrom, timezone) : null,
        });
      const updated = await sql.query(
        `UPDATE "ReattributionJob" SET "recomputedFrom" = ${UTC(4)},
           status = CASE WHEN $5 THEN 'DONE' ELSE status END, "finishedAt" = CASE WHEN $5 THEN ${NOW} END
         WHERE id = $1::uuid AND "settingsVersion" = $2 AND status = 'RUNNING'
           AND "recomputedFrom" IS NOT DISTINCT FROM ${UTC(3)}
         RETURNING id`,
        [job.id, job.settingsVersion, instant(job.recomputedFrom), instant(recomputedFrom), batch.done],
      );
      if (updated.length !== 1) throw new CursorMoved(); // rolls the rebuild back
    });
  } catch (error) {
    if (!(error instanceof CursorMoved)) throw error;
  }
}

/** Runs (or resumes) a job to the end. Returns the job as it was left. */
export async function runReattribution(db: Db, jobId: string, options: RunOptions = {}): Promise<ReattributionJob> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const transaction = options.transaction ?? sqlTransaction;
  let batches = 0;
  // The rebuild of the days the last batch finished, running while the next batch recomputes.
  let rebuilding: Promise<void> = Promise.resolve();
  const rebuiltJob = async () => {
    await rebuilding;
    return db.reattributionJob.findUniqueOrThrow({ where: { id: jobId } });
  };
  for (;;) {
    try {
      const job = await db.reattributionJob.findUniqueOrThrow({ where: { id: jobId } });
      if (job.status === "DONE" || job.status === "FAILED") return await rebuiltJob();
      if (options.maxBatches !== undefined && batches >= options.maxBatches) return await rebuiltJob();
      if (options.signal?.aborted) return await rebuiltJob();
      batches++;
      // The shop as the batch starts: a settings change meanwhile restarts the job, and the cursor update fails.
      const shop = await db.shop.findUniqueOrThrow({ where: { id: job.shopId } });
      const batch = await transaction((sql) => recomputeBatch(sql, job, shop, batchSize));
      await rebuilding;
      rebuilding = rebuildFinishedDays(transaction, db, job.id, shop, batch);
      rebuilding.catch(() => undefined); // its failure is met where it is awaited, not as an unhandled rejection
      // The last one is waited for: the job is done when it commits.
      if (batch.done) await rebuilding;
      options.onProgress?.(progressOf(await db.reattributionJob.findUniqueOrThrow({ where: { id: job.id } })));
    } catch (error) {
      // A rebuild still running finishes (or fails: the next one, or the last, covers its days) before anything else.
      await rebuilding.catch(() => undefined);
      rebuilding = Promise.resolve();
      if (error instanceof CursorMoved) continue; // another runner committed this batch, or the job was restarted
      // A run that will be retried keeps its status and shows its error until a batch goes through.
      await db.reattributionJob.update({
        where: { id: jobId },
        data: { ...(options.finalAttempt === false ? {} : { status: "FAILED" }), error: String(error).slice(0, 1000) },
      });
      throw error;
    }
  }
}
