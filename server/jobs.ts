/**
 * The server's jobs, all inside its process; their state is in the database, so a restart loses nothing
 * (docs/ARCHITECTURE.md, "Jobs"). `npm run reattribute` and `npm run reconcile` run the same domain code by hand.
 */
import { isDemoMode } from "../app/config.server";
import { type Db, sqlTransaction } from "../app/db.server";
import { resumeUnfinishedReattributions } from "../app/domain/attribution/reattribution-runner.server";
import { keyStoredEmailHashes } from "../app/domain/email-hash.server";
import { scheduleReconciliation } from "../app/domain/orders/reconciliation-runner.server";
import { scheduleReportRollupRefresh } from "../app/domain/reports/report-rollups.server";
import { log } from "../app/lib/log.server";

export interface JobIntervals {
  /** Report roll-up refresh (REPORT_ROLLUP_EVERY_SECONDS, 10 s). */
  reportRollupMs: number;
  /** Reconciliation with Shopify (RECONCILE_EVERY_MINUTES, 30 min); none in the demo, which has no Shopify. */
  reconcileMs: number | undefined;
}

export function jobIntervals(env: Record<string, string | undefined> = process.env, demo = isDemoMode()): JobIntervals {
  const reconcileMinutes = Number(env.RECONCILE_EVERY_MINUTES || 30);
  return {
    reportRollupMs: Number(env.REPORT_ROLLUP_EVERY_SECONDS || 10) * 1_000,
    // 0 turns it off on this instance: with several, one reconciles (each would spend the shop's Admin API budget).
    reconcileMs: demo || reconcileMinutes === 0 ? undefined : reconcileMinutes * 60_000,
  };
}

/** Before the server listens: hashes stored before per-shop keys are re-keyed before a request compares against them. */
export async function prepareStoredData(): Promise<void> {
  const rekeyed = await keyStoredEmailHashes(sqlTransaction);
  if (rekeyed.length > 0) log.info({ shops: rekeyed.length }, "e-mail hashes re-keyed per shop");
}

/** Starts the background jobs; the function returned stops their timers and waits for runs in progress. */
export async function startBackgroundJobs(
  db: Db,
  intervals: JobIntervals = jobIntervals(),
): Promise<() => Promise<void>> {
  const jobLog = (job: string) => (line: string) => log.info({ job }, line);
  // A re-attribution interrupted by a restart carries on from its last committed batch.
  await resumeUnfinishedReattributions(db);
  // Report days that changed are recomputed; until then the report computes them live, so this only sets speed.
  const stops = [scheduleReportRollupRefresh(db, intervals.reportRollupMs, jobLog("report roll-ups"))];
  // Webhooks are not guaranteed: Shopify asks apps to reconcile.
  if (intervals.reconcileMs !== undefined) {
    const { unauthenticated } = await import("../app/shopify.server");
    const adminFor = async (shop: string) => (await unauthenticated.admin(shop)).admin;
    stops.push(scheduleReconciliation(db, adminFor, intervals.reconcileMs, jobLog("reconciliation")));
  }
  return async () => {
    await Promise.all(stops.map((stop) => stop()));
  };
}
