/**
 * Runs re-attribution jobs inside the server process without holding up the request that queued them. The
 * job's state is in the database, so a restart loses nothing: the server resumes unfinished jobs on start.
 */
import type { Db } from "../../db.server";
import { log } from "../../lib/log.server";
import { runReattribution, unfinishedReattributions } from "./reattribution.server";

const running = new Map<string, Promise<void>>();

export function runInBackground(db: Db, jobId: string): Promise<void> {
  const existing = running.get(jobId);
  if (existing) return existing;
  const run = runReattribution(db, jobId)
    .then(() => undefined)
    .catch((error) => log.error({ err: error, jobId }, "re-attribution failed"))
    .finally(() => running.delete(jobId));
  running.set(jobId, run);
  return run;
}

export async function resumeUnfinishedReattributions(db: Db): Promise<void> {
  for (const job of await unfinishedReattributions(db)) void runInBackground(db, job.id);
}
