/**
 * What the runner and the reports both ask of the job table: which jobs are unfinished, and how far a job's walk has
 * gone. Its own module because the runner rebuilds roll-ups (reports) and the reports read the runner's progress.
 */
import type { ReattributionJob } from "@prisma/client";
import type { DbTx } from "../../db.server";

const UNFINISHED = ["PENDING", "RUNNING"] as const;

/** Where a walk stands: every order at or after (processedAt, id) is done; null before the first batch. */
export type WalkCursor = { processedAt: Date; id: string } | null;

export const cursorOf = (job: Pick<ReattributionJob, "cursorAt" | "cursorOrderId">): WalkCursor =>
  job.cursorAt && job.cursorOrderId ? { processedAt: job.cursorAt, id: job.cursorOrderId } : null;

/** Whether a walk (newest first by processedAt, then id) standing at `cursor` has done `order`. */
export function walkReached(cursor: WalkCursor, order: { processedAt: Date; id: string }): boolean {
  if (!cursor) return false;
  const at = order.processedAt.getTime();
  const cursorAt = cursor.processedAt.getTime();
  return at > cursorAt || (at === cursorAt && order.id >= cursor.id);
}

/** Jobs not yet DONE or FAILED, of one shop or of all, oldest first (a shop has at most one: it is reused). */
export async function unfinishedReattributions(db: DbTx, shopId?: string): Promise<ReattributionJob[]> {
  return db.reattributionJob.findMany({
    where: { ...(shopId ? { shopId } : {}), status: { in: [...UNFINISHED] } },
    orderBy: { createdAt: "asc" },
  });
}
