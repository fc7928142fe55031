/**
 * Which re-attribution jobs are unfinished: the one question both the runner and the reports ask of the job table.
 * Its own module because the runner rebuilds roll-ups (reports) and the reports read the runner's progress.
 */
import type { ReattributionJob } from "@prisma/client";
import type { DbTx } from "../../db.server";

const UNFINISHED = ["PENDING", "RUNNING"] as const;

/** Jobs not yet DONE or FAILED, of one shop or of all, oldest first (a shop has at most one: it is reused). */
export async function unfinishedReattributions(db: DbTx, shopId?: string): Promise<ReattributionJob[]> {
  return db.reattributionJob.findMany({
    where: { ...(shopId ? { shopId } : {}), status: { in: [...UNFINISHED] } },
    orderBy: { createdAt: "asc" },
  });
}
