/**
 * Whole-shop re-attribution, after a settings change or on demand. Orders are recomputed in batches in
 * primary-key order; each batch commits together with the job's cursor, so a crash leaves every order either
 * fully recomputed or untouched, and a rerun continues after the last committed batch. Two runners (the
 * server's background loop and the CLI) cannot both commit the same batch: the cursor update is conditional.
 */
import type { ReattributionJob } from "@prisma/client";
import { prismaSql, type Db, type DbTx } from "../../db.server";
import { attributeStoredOrders } from "./attribute-order.server";

export const DEFAULT_BATCH_SIZE = 200;

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

const UNFINISHED = ["PENDING", "RUNNING"] as const;

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
      cursorOrderId: null,
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

/** Jobs not yet DONE or FAILED, of one shop or of all, oldest first. */
export async function unfinishedReattributions(db: DbTx, shopId?: string): Promise<ReattributionJob[]> {
  return db.reattributionJob.findMany({
    where: { ...(shopId ? { shopId } : {}), status: { in: [...UNFINISHED] } },
    orderBy: { createdAt: "asc" },
  });
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
}

/** Runs (or resumes) a job to the end. Returns the job as it was left. */
export async function runReattribution(db: Db, jobId: string, options: RunOptions = {}): Promise<ReattributionJob> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  let batches = 0;
  for (;;) {
    const job = await db.reattributionJob.findUniqueOrThrow({ where: { id: jobId } });
    if (job.status === "DONE" || job.status === "FAILED") return job;
    if (options.maxBatches !== undefined && batches >= options.maxBatches) return job;
    if (options.signal?.aborted) return job;
    batches++;
    try {
      const next = await db.$transaction(async (tx) => {
        const shop = await tx.shop.findUniqueOrThrow({ where: { id: job.shopId } });
        const orders = await tx.order.findMany({
          where: { shopId: job.shopId, ...(job.cursorOrderId ? { id: { gt: job.cursorOrderId } } : {}) },
          orderBy: { id: "asc" },
          take: batchSize,
          select: { id: true },
        });
        // An order the engine fails on is stored unattributed with its error and counted; the job goes on.
        const { failedOrderIds } = await attributeStoredOrders(
          prismaSql(tx),
          shop,
          orders.map((order) => order.id),
        );
        const done = orders.length < batchSize;
        const moved = await tx.reattributionJob.updateMany({
          where: {
            id: job.id,
            cursorOrderId: job.cursorOrderId,
            settingsVersion: job.settingsVersion,
            status: job.status,
          },
          data: {
            status: done ? "DONE" : "RUNNING",
            cursorOrderId: orders.at(-1)?.id ?? job.cursorOrderId,
            processed: job.processed + orders.length,
            failedOrders: job.failedOrders + failedOrderIds.length,
            // Orders created since the job was queued are included too.
            total: Math.max(job.total, job.processed + orders.length),
            startedAt: job.startedAt ?? new Date(),
            error: null,
            finishedAt: done ? new Date() : null,
          },
        });
        if (moved.count !== 1) throw new CursorMoved();
        return tx.reattributionJob.findUniqueOrThrow({ where: { id: job.id } });
      });
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
