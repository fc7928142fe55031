/**
 * One PostgreSQL holding many shops (most small, a few large): a quiet shop's order webhooks at a steady rate, timed
 * while the database is otherwise idle, and again while the largest shop recomputes its history (re-attribution and
 * roll-ups): after settings changes (the orders a change can move), then every order. The recompute runs outside the
 * app's process, as on another instance. The baseline is the quiet shop's own latency without the recompute, in the
 * same run (decisions 022, 023).
 */
import { startAppProcess } from "../load/app-process";
import { LoopbackClient, openLoop, percentile, pooled, failureShare, type LoadResult } from "../load/http-load";
import { orderPayload, webhookShot } from "../load/traffic";
import type { ReattributionJob } from "@prisma/client";
import { requestReattribution, runReattribution } from "../../app/domain/attribution/reattribution.server";
import type { PostgresCluster } from "../postgres-cluster";
import { freshDatabase, setLedWindow } from "./database";
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
    const busy = shopIds[0];
    // The generator's attributions carry no steps: the engine's first pass makes the history a shop has.
    const first = await runReattribution(database.prisma, (await requestReattribution(database.prisma, busy)).id, {
      transaction: database.transaction,
    });
    if (first.status !== "DONE") throw new Error(`the first pass ended ${first.status}: ${first.error}`);
    await database.sql.query("ANALYZE");
    await openLoop(client, Array.from({ length: 200 }, delivery), plan.deliveriesPerSecond); // warm-up
    const quiet = await measure();

    /** The quiet shop's webhooks while the largest shop recomputes, again and again, queued by `queue`. */
    const whileRecomputing = async (queue: () => Promise<ReattributionJob>) => {
      const stop = new AbortController();
      let recomputed = 0;
      const recomputing = (async () => {
        while (!stop.signal.aborted) {
          const left = await runReattribution(database.prisma, (await queue()).id, {
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
      return { during, perSecond: recomputed / ((performance.now() - recomputeStarted) / 1000) };
    };
    // A merchant changing the led window back and forth: what a settings change queues (decision 023).
    let hours = 24;
    const settingsChange = await whileRecomputing(() => {
      hours = hours === 24 ? 48 : 24;
      return setLedWindow(database.prisma, busy, hours);
    });
    // "Recompute all orders now": every order read again.
    const everyOrder = await whileRecomputing(() => requestReattribution(database.prisma, busy));

    const p99 = (result: LoadResult) => percentile(result.latenciesMs, 99);
    const row = (kind: string, { during, perSecond }: { during: LoadResult; perSecond: number }, target: boolean) => {
      const failures = failureShare(quiet) + failureShare(during);
      const ratio = p99(during) / p99(quiet);
      log(
        `fleet: quiet shop's webhooks at ${plan.deliveriesPerSecond}/s, p99 ${p99(quiet).toFixed(1)} ms alone, ${p99(during).toFixed(1)} ms while a ${plan.shops[0].toLocaleString("en-US")}-order shop recomputes ${kind} (${perSecond.toFixed(0)} orders/s meanwhile)`,
      );
      return {
        section: "Many shops on one PostgreSQL",
        measure: `${plan.shops.length + 1} shops, ${total.toLocaleString("en-US")} orders: a quiet shop's order webhooks, p99 at ${plan.deliveriesPerSecond}/s for ${plan.runs} × ${plan.seconds} s while a ${plan.shops[0].toLocaleString("en-US")}-order shop recomputes ${kind} (${perSecond.toFixed(0)} orders/s)`,
        value: p99(during),
        unit: "ms",
        baseline: { name: "the same webhooks without the recompute", value: p99(quiet) },
        ratio,
        target: target
          ? { text: "≤ 2× the quiet p99, all answered 200", met: ratio <= 2 && failures === 0 }
          : undefined,
      } satisfies BenchRow;
    };
    return [
      row("after settings changes", settingsChange, true),
      row("every order (Recompute all orders now)", everyOrder, false),
    ];
  } finally {
    client.close();
    await app.stop();
    await database.close();
  }
}
