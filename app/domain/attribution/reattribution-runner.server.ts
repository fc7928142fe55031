/**
 * Re-attribution runs as a job (app/jobs/queue.server.ts; the handler is in server/jobs.ts): the request that asked
 * for it returns at once and the admin polls the job's progress, which is in the database.
 */
import { jobQueue } from "../../jobs/queue.server";

/** Queues ReattributionJob `jobId`; queued twice, it is waiting once. */
export async function queueReattribution(jobId: string): Promise<void> {
  await jobQueue().send("reattribute", { jobId }, jobId);
}
