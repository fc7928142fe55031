/**
 * One PostgreSQL holding many shops (most small, a few large): a quiet shop's order webhooks at a steady rate, timed
 * while the database is otherwise idle and again while the largest shop recomputes its history (re-attribution and
 * roll-ups, as a settings change queues it). The recompute runs in its own process, as on another instance. The
 * baseline is the quiet shop's own latency without the recompute, in the same run (decision 022).
 */
import { startAppProcess } from "../load/app-process";
import { LoopbackClient, openLoop, percentile, pooled, failureShare, type LoadResult } from "../load/http-load";
import { orderPayload, webhookShot } from "../load/traffic";
import { requestReattribution, runReattribution } from "../../app/domain/attribution/reattribution.server";
import type { PostgresCluster } from "../postgres-cluster";
import { freshDatabase } from "./database";
import type { BenchRow } from "./results";
import { DEFAULT_SHAPE, generateShopHistory } from "./scale-data";

const SECRET = "fleet-secret";
const QUIET_SHOP = "quiet.myshopify.com";

export interface FleetPlan {
  /** Orders per shop, largest first; the first shop is the one that recomputes. */
  shops: number[];
  deliveriesPerSecond: number;
  seconds: number;
  runs: number;
}

/** 1,000 shops: two of 100 K orders, 18 of 10 K, the rest of 100 (the quiet shop, made by the app, is one of them). */
export const FLEET: FleetPlan = {
  shops: [100_000, 100_000, ...Array(18).fill(10_000), ...Array(979).fill(100)],
  deliveriesPerSecond: 100,
  seconds: 10,
  runs: 3,
};

export const QUICK_FLEET: FleetPlan = {
  shops: [2_000, ...Array(9).fill(50)],
  deliveriesPerSecond: 50,
  seconds: 2,
  runs: 1,
};

export async function runFleetBench(
  cluster: PostgresCluster,
  plan: FleetPlan,
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const database = await freshDatabase(cluster, "fleet");
  const started = performance.now();
  const shopIds: string[] = [];
  for (const [index, orders] of plan.shops.entries())
    shopIds.push(
      await generateShopHistory(
        database.sql,
        `fleet-${index}.myshopify.com`,
        { orders, ...DEFAULT_SHAPE, analyze: false },
        () => {},
      ),
    );
  await database.sql.query("ANALYZE");
  const total = plan.shops.reduce((sum, orders) => sum + orders, 0);
  log(
    `fleet: ${plan.shops.length + 1} shops, ${total.toLocaleString("en-US")} orders, generated in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );

  const app = await startAppProcess({ DATABASE_URL: database.url, SHOPIFY_API_SECRET: SECRET, BENCH_SHOP: QUIET_SHOP });
  const client = new LoopbackClient(app.url, 1024);
  let order = 0;
  const delivery = () => {
    const processedAt = new Date(Date.now() - 10_000);
    const body = JSON.stringify(
      orderPayload({ index: order++, processedAt, updatedAt: processedAt, financialStatus: "paid", cancelledAt: null }),
    );
    return webhookShot(SECRET, QUIET_SHOP, "orders/paid", body);
  };
  // Signed before the clock starts: the sender shares the machine with what it measures (http-bench.ts).
  const measure = async () => {
    const results: LoadResult[] = [];
    for (let run = 0; run < plan.runs; run++) {
      const shots = Array.from({ length: plan.deliveriesPerSecond * plan.seconds }, delivery);
      results.push(await openLoop(client, shots, plan.deliveriesPerSecond));
    }
    return pooled(results);
  };
  try {
    await openLoop(client, Array.from({ length: 200 }, delivery), plan.deliveriesPerSecond); // warm-up
    const quiet = await measure();

    // The largest shop recomputes, again and again, for as long as the quiet shop is measured.
    const busy = shopIds[0];
    const stop = new AbortController();
    let recomputed = 0;
    const recomputing = (async () => {
      while (!stop.signal.aborted) {
        const job = await requestReattribution(database.prisma, busy);
        const left = await runReattribution(database.prisma, job.id, {
          transaction: database.transaction,
          signal: stop.signal,
        });
        recomputed += left.processed;
      }
    })();
    const recomputeStarted = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // under way before the first delivery
    const during = await measure();
    stop.abort();
    await recomputing;
    const perSecond = recomputed / ((performance.now() - recomputeStarted) / 1000);

    const p99 = (result: LoadResult) => percentile(result.latenciesMs, 99);
    const failures = failureShare(quiet) + failureShare(during);
    log(
      `fleet: quiet shop's webhooks at ${plan.deliveriesPerSecond}/s, p99 ${p99(quiet).toFixed(1)} ms alone, ${p99(during).toFixed(1)} ms while a ${plan.shops[0].toLocaleString("en-US")}-order shop recomputes (${perSecond.toFixed(0)} orders/s meanwhile)`,
    );
    const ratio = p99(during) / p99(quiet);
    return [
      {
        section: "Many shops on one PostgreSQL",
        measure: `${plan.shops.length + 1} shops, ${total.toLocaleString("en-US")} orders: a quiet shop's order webhooks, p99 at ${plan.deliveriesPerSecond}/s for ${plan.runs} × ${plan.seconds} s while a ${plan.shops[0].toLocaleString("en-US")}-order shop recomputes (${perSecond.toFixed(0)} orders/s)`,
        value: p99(during),
        unit: "ms",
        baseline: { name: "the same webhooks without the recompute", value: p99(quiet) },
        ratio,
        target: { text: "≤ 2× the quiet p99, all answered 200", met: ratio <= 2 && failures === 0 },
      },
    ];
  } finally {
    client.close();
    await app.stop();
    await database.close();
  }
}
