/**
 * Whole-shop re-attribution, after a settings change or on demand. Orders are recomputed in batches, newest first by
 * (processedAt, id); each batch commits together with the job's cursor and the roll-ups of the local days it
 * finished (decision 022), so a crash leaves every order either fully recomputed or untouched, a rerun continues
 * after the last committed batch, and reports read every finished day from its roll-up at once. Two runners (the
 * server's background loop and the CLI) cannot both commit the same batch: the cursor update is conditional.
 */
import type { ReattributionJob } from "@prisma/client";
import { sqlTransaction, type Db, type DbTx, type Sql, type SqlTransaction } from "../../db.server";
import { addDays, dayInZone, reportTimezone, startOfDayInZone } from "../reports/date-range";
import { rebuildMarkedDays } from "../reports/report-rollups.server";
import { attributeStoredOrders } from "./attribute-order.server";
import { cursorOf, unfinishedReattributions, type WalkCursor } from "./reattribution-jobs.server";

export const DEFAULT_BATCH_SIZE = 1_000;

export interface JobProgress {
  id: string;
  status: ReattributionJob["status"];
  total: number;
  processed: number;
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

/**
 * The next orders of a shop's walk, newest first by (processedAt, id). The bound on processedAt alone keeps it an
 * index range scan of (shopId, processedAt). The sort names the table's columns: a bare name means the output
 * column, and sorting by those (text, a converted time) scanned and sorted the whole shop for every batch.
 */
export async function walkOrders(sql: Sql, shopId: string, cursor: WalkCursor, batchSize: number) {
  return sql.query<{ id: string; processedAt: Date }>(
    `SELECT o.id::text AS id, o."processedAt" AT TIME ZONE 'UTC' AS "processedAt" FROM "Order" o
     WHERE o."shopId" = $1::uuid ${cursor ? `AND o."processedAt" <= ${UTC(3)} AND (o."processedAt" < ${UTC(3)} OR o.id < $4::uuid)` : ""}
     ORDER BY o."processedAt" DESC, o.id DESC LIMIT $2`,
    cursor ? [shopId, batchSize, cursor.processedAt.toISOString(), cursor.id] : [shopId, batchSize],
  );
}

/**
 * Queues a recompute of every order of the shop under its current settings. An unfinished job is restarted
 * from the beginning rather than duplicated: orders it already did were computed with superseded settings.
 */
export async function requestReattribution(db: Db, shopId: string): Promise<ReattributionJob> {
  return db.$transaction(async (tx) => {
    const shop = await tx.shop.findUniqueOrThrow({ where: { id: shopId } });
    const total = await tx.order.count({ where: { shopId } });
    const [unfinished] = await unfinishedReattributions(tx, shopId); // at most one per shop: this function reuses it
    const fresh = {
      status: "PENDING" as const,
      settingsVersion: shop.settingsVersion,
      total,
      processed: 0,
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

/** Runs (or resumes) a job to the end. Returns the job as it was left. */
export async function runReattribution(db: Db, jobId: string, options: RunOptions = {}): Promise<ReattributionJob> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const transaction = options.transaction ?? sqlTransaction;
  let batches = 0;
  for (;;) {
    const job = await db.reattributionJob.findUniqueOrThrow({ where: { id: jobId } });
    if (job.status === "DONE" || job.status === "FAILED") return job;
    if (options.maxBatches !== undefined && batches >= options.maxBatches) return job;
    if (options.signal?.aborted) return job;
    batches++;
    try {
      // The shop as the batch starts: a settings change meanwhile restarts the job, and the cursor update below fails.
      const shop = await db.shop.findUniqueOrThrow({ where: { id: job.shopId } });
      await transaction(async (sql) => {
        // The roll-up refresh and invalidations take the same lock: they wait for the batch, not the reverse.
        await sql.query(`SELECT report_lock_rollups($1::uuid)::text`, [job.shopId]);
        const orders = await walkOrders(sql, job.shopId, cursorOf(job), batchSize);
        // An order the engine fails on is stored unattributed with its error and counted; the job goes on.
        const { failedOrderIds } = await attributeStoredOrders(
          sql,
          shop,
          orders.map((order) => order.id),
        );
        const done = orders.length < batchSize;
        const last = orders.at(-1);
        // Every day after the last order's is finished (its earlier orders may be in the next batch).
        const timezone = job.timezone ?? reportTimezone(shop);
        const finishedDay = done ? null : last ? addDays(dayInZone(last.processedAt, timezone), 1) : null;
        const recomputedFrom = finishedDay ? startOfDayInZone(finishedDay, timezone) : job.recomputedFrom;
        // Roll-ups of the finished days, in the zone they are kept in (after a zone change, the refresh's job).
        if (timezone === reportTimezone(shop) && (done || recomputedFrom?.getTime() !== job.recomputedFrom?.getTime()))
          await rebuildMarkedDays(sql, shop, {
            from: finishedDay,
            before: job.recomputedFrom ? dayInZone(job.recomputedFrom, timezone) : null,
          });
        const instant = (value: Date | null | undefined) => value?.toISOString() ?? null;
        const updated = await sql.query(
          `UPDATE "ReattributionJob" SET status = $6::"JobStatus", "cursorAt" = ${UTC(7)}, "cursorOrderId" = $8::uuid,
             "recomputedFrom" = ${UTC(9)}, processed = $10, "failedOrders" = $11, total = $12,
             "startedAt" = coalesce("startedAt", ${NOW}), error = NULL, "finishedAt" = CASE WHEN $13 THEN ${NOW} END
           WHERE id = $1::uuid AND "cursorAt" IS NOT DISTINCT FROM ${UTC(2)} AND "cursorOrderId" IS NOT DISTINCT FROM $3::uuid
             AND "settingsVersion" = $4 AND status = $5::"JobStatus"
           RETURNING id`,
          [
            job.id,
            instant(job.cursorAt),
            job.cursorOrderId,
            job.settingsVersion,
            job.status,
            done ? "DONE" : "RUNNING",
            instant(last?.processedAt ?? job.cursorAt),
            last?.id ?? job.cursorOrderId,
            instant(done ? null : recomputedFrom),
            job.processed + orders.length,
            job.failedOrders + failedOrderIds.length,
            // Orders created since the job was queued are included too.
            Math.max(job.total, job.processed + orders.length),
            done,
          ],
        );
        if (updated.length !== 1) throw new CursorMoved();
      });
      const next = await db.reattributionJob.findUniqueOrThrow({ where: { id: job.id } });
      options.onProgress?.(progressOf(next));
    } catch (error) {
      if (error instanceof CursorMoved) continue; // another runner committed this batch, or the job was restarted
      // A run that will be retried keeps its status and shows its error until a batch goes through.
      await db.reattributionJob.update({
        where: { id: job.id },
        data: { ...(options.finalAttempt === false ? {} : { status: "FAILED" }), error: String(error).slice(0, 1000) },
      });
      throw error;
    }
  }
}
