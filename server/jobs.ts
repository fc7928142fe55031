/**
 * The server's background work, as jobs in the queue (app/jobs/queue.server.ts, decision 018): pg-boss on PostgreSQL,
 * so with several instances each job runs once, on whichever claims it; in this process on PGlite. Every instance
 * asks for the periodic jobs; the queue keeps one per period. `npm run reattribute` and `npm run reconcile` run the
 * same domain code by hand.
 */
import { isDemoMode } from "../app/config.server";
import { type Db, sqlTransaction } from "../app/db.server";
import { databaseUrl, isPostgresUrl } from "../app/db/database-url";
import { runReattribution } from "../app/domain/attribution/reattribution.server";
import { unfinishedReattributions } from "../app/domain/attribution/reattribution-jobs.server";
import { keyStoredEmailHashes } from "../app/domain/email-hash.server";
import { reconcileShop, type AdminFor } from "../app/domain/orders/reconciliation-runner.server";
import { refreshAllReportRollups } from "../app/domain/reports/report-rollups.server";
import { inProcessQueue, type JobQueue, setJobQueue, startPgBossQueue } from "../app/jobs/queue.server";
import { log } from "../app/lib/log.server";
import { refreshShopPlan } from "../app/domain/billing/subscription.server";
import { chosenAppAdminApi } from "../app/shopify/admin-api.server";

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
    // 0 turns it off: this instance neither asks for nor runs reconciliations (another instance may).
    reconcileMs: demo || reconcileMinutes === 0 ? undefined : reconcileMinutes * 60_000,
  };
}

export interface BackgroundJobOptions {
  intervals?: JobIntervals;
  /** The Admin API of a shop, for reconciliation: the shop's offline session by default. */
  adminFor?: AdminFor;
  /** The queue: pg-boss on a PostgreSQL DATABASE_URL, else in this process. */
  queue?: JobQueue;
  /** How long a stop waits for jobs running (SHUTDOWN_GRACE_SECONDS by default, via serve.ts). */
  stopTimeoutMs?: number;
}

/** Before the server listens: hashes stored before per-shop keys are re-keyed before a request compares against them. */
export async function prepareStoredData(): Promise<void> {
  const rekeyed = await keyStoredEmailHashes(sqlTransaction);
  if (rekeyed.length > 0) log.info({ shops: rekeyed.length }, "e-mail hashes re-keyed per shop");
}

const sessionAdmin: AdminFor = async (shop) => {
  const { unauthenticated } = await import("../app/shopify.server");
  return (await unauthenticated.admin(shop)).admin;
};

/** Asks for `name` once per `periodMs`, checking twice a period (capped at a minute) so no period is missed. */
function everyPeriod(periodMs: number, ask: () => Promise<unknown>): () => void {
  const tick = () => void ask().catch((error: unknown) => log.warn({ err: error }, "could not queue a periodic job"));
  tick();
  const timer = setInterval(tick, Math.min(periodMs / 2, 60_000));
  timer.unref();
  return () => clearInterval(timer);
}

/** Starts the queue and this instance's workers; the function returned stops them, waiting for jobs running. */
export async function startBackgroundJobs(
  db: Db,
  { intervals = jobIntervals(), adminFor = sessionAdmin, queue, stopTimeoutMs = 10_000 }: BackgroundJobOptions = {},
): Promise<() => Promise<void>> {
  const url = databaseUrl();
  const jobs = queue ?? (isPostgresUrl(url) ? await startPgBossQueue(url) : inProcessQueue());
  setJobQueue(jobs);

  await jobs.work<{ jobId: string }>("reattribute", async ({ jobId }, attempt, stopping) => {
    const job = await runReattribution(db, jobId, { finalAttempt: attempt.final, signal: stopping });
    // Stopped between batches: queued again, for an instance that stays (or this one, restarted).
    if (job.status === "PENDING" || job.status === "RUNNING") await jobs.send("reattribute", { jobId }, jobId);
  });
  // Report days that changed are recomputed; until then the report computes them live, so this only sets speed.
  await jobs.work("report-rollups", (_data, _attempt, stopping) =>
    refreshAllReportRollups(db, (line) => log.warn({ job: "report-rollups" }, line), stopping),
  );
  const stops = [
    everyPeriod(intervals.reportRollupMs, () =>
      jobs.sendOncePer("report-rollups", {}, intervals.reportRollupMs / 1_000),
    ),
  ];
  // Webhooks are not guaranteed: Shopify asks apps to reconcile. Once a period for all instances, a job per shop.
  const { reconcileMs } = intervals;
  if (reconcileMs !== undefined) {
    await jobs.work("reconcile-all", async () => {
      const shops = await db.shop.findMany({ where: { status: "INSTALLED" }, select: { domain: true } });
      for (const { domain } of shops) await jobs.send("reconcile-shop", { shop: domain }, domain);
    });
    await jobs.work<{ shop: string }>("reconcile-shop", async ({ shop }) => {
      const summary = await reconcileShop(db, adminFor, shop);
      if (summary)
        log.info(
          { job: "reconcile-shop", fetched: summary.fetched, added: summary.outcomes.CREATED },
          "shop reconciled",
        );
    });
    stops.push(everyPeriod(reconcileMs, () => jobs.sendOncePer("reconcile-all", {}, reconcileMs / 1_000)));
  }
  // The shop's subscription, asked again after app_subscriptions/update or when the record is stale.
  await jobs.work<{ shop: string }>("refresh-plan", async ({ shop }) => {
    const known = await db.shop.findUnique({ where: { domain: shop } });
    if (!known || known.status !== "INSTALLED") return;
    await refreshShopPlan(db, known.id, chosenAppAdminApi() ?? (await adminFor(shop)));
  });
  // A re-attribution interrupted by a restart carries on from its last committed batch.
  for (const job of await unfinishedReattributions(db)) await jobs.send("reattribute", { jobId: job.id }, job.id);

  return async () => {
    for (const stop of stops) stop();
    await jobs.stop(stopTimeoutMs);
    setJobQueue(null);
  };
}
