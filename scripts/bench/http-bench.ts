/**
 * Webhook and event ingest through the app as production runs it (own process, Remix build, real signature
 * checks), against the floor handlers in the same process (scripts/load/app-server.ts). Per way in:
 *   capacity — a closed loop of 16 concurrent senders for a fixed time; for the order webhooks again with
 *     `saturatingConcurrency` senders, which carries the target: the app writes the deliveries that arrive together in
 *     one transaction, so with 16 senders half of them wait for the batch before theirs and the run measures batch
 *     turnaround, not capacity (in one run 309/s with 16 senders, 509/s with 64); the floor gains from more senders
 *     too, and both are measured the same way;
 *   latency at a fixed offered load — an open loop (latency from the scheduled send time, so a server that falls
 *     behind is charged for its queue), and again at half the capacity just measured, where the app is not
 *     saturated. Answers that are not 200 (a saturated pool answers 500 after its 10 s wait) are counted and shown.
 */
import {
  closedLoop,
  failureShare,
  LoopbackClient,
  openLoop,
  percentile,
  pooled,
  type LoadResult,
  type Shot,
} from "../load/http-load";
import { startAppProcess } from "../load/app-process";
import {
  apiEventsShot,
  appProxyShot,
  chatSessionBatch,
  EVENTS_PER_SESSION,
  orderPayload,
  webhookShot,
} from "../load/traffic";
import type { BenchRow } from "./results";

export interface HttpBenchPlan {
  engine: "PGlite" | "PostgreSQL";
  databaseUrl: string;
  concurrency: number;
  /** Senders for the order webhooks' second capacity run (see above). */
  saturatingConcurrency: number;
  /** Length of every run. */
  seconds: number;
  /**
   * Runs at the load a latency target is set for (floor and app taking turns), their latencies pooled: a p99 over
   * one run of `seconds` at 500/s is the 50th-slowest of 5,000 answers, so a single pause anywhere on a shared
   * machine decides it; pooled runs need pauses over 1 % of the whole time to move it. Each run's own p99 is shown.
   */
  targetLoadRuns: number;
  webhooksPerSecond: number;
  eventBatchesPerSecond: number;
  /** Offered load for the server-side API, in requests of API_SESSIONS_PER_BATCH sessions. */
  apiBatchesPerSecond: number;
}

/** A chat backend batches up to 100 events a request (MAX_EVENTS_PER_BATCH): ten sessions of ten events. */
const API_SESSIONS_PER_BATCH = 10;

/**
 * The API's batches take turns over this many keys: one key is limited to 50 requests/s (by design), which the app
 * now exceeds; capacity is the server's, across integrations. In one run with a single key, 53 % were answered 429.
 */
const API_KEYS = 16;

const SECRET = "bench-secret";
const SHOP = "bench.myshopify.com";

export async function runHttpBench(plan: HttpBenchPlan, log: (line: string) => void): Promise<BenchRow[]> {
  const app = await startAppProcess({
    DATABASE_URL: plan.databaseUrl,
    SHOPIFY_API_SECRET: SECRET,
    BENCH_SHOP: SHOP,
    BENCH_API_KEYS: String(API_KEYS),
  });
  const client = new LoopbackClient(app.url, 1024);
  const rows: BenchRow[] = [];
  const durationMs = plan.seconds * 1000;
  // What the app printed to stderr since the last measurement (a failed batch, say: it is retried one request
  // at a time, so it shows in no status code, only in a slower run).
  let errorsSeen = 0;
  const printed = () => {
    const lines = app.errors.slice(errorsSeen);
    errorsSeen = app.errors.length;
    return lines.length > 0 ? ` — the app printed ${lines.length} line(s) to stderr, the first: ${lines[0]}` : "";
  };
  let session = 0;
  let order = 0;
  const now = Date.now();
  // Distinct shoppers per batch (the per-visitor limit is for one browser, not a load) and distinct orders,
  // a quarter of them carrying a chat session that answered: those run the engine's led path.
  const eventShot = (path?: string) => () => appProxyShot(SECRET, SHOP, chatSessionBatch(session++, now), path);
  let apiBatch = 0;
  const apiShot = (path?: string) => () => {
    const first = session;
    session += API_SESSIONS_PER_BATCH;
    return apiEventsShot(app.apiKeys[apiBatch++ % app.apiKeys.length], first, API_SESSIONS_PER_BATCH, now, path);
  };
  const orderShot = (path?: string) => (): Shot => {
    const index = order++;
    const processedAt = new Date(now - 10_000);
    const chatSessionId = index % 4 === 0 && index / 4 < session ? `c_bench_${index / 4}` : undefined;
    const body = JSON.stringify(
      orderPayload({
        index,
        processedAt,
        updatedAt: processedAt,
        financialStatus: "paid",
        cancelledAt: null,
        chatSessionId,
      }),
    );
    return webhookShot(SECRET, SHOP, "orders/paid", body, undefined, path);
  };

  // Both ways in for chat events share the issue's target (events/s on PostgreSQL) and have no latency target.
  const eventWay = (
    name: string,
    floor: () => Shot,
    app: () => Shot,
    floorName: string,
    perRequest: number,
    offered: number,
  ) => ({
    name,
    floor,
    app,
    floorName,
    unit: "events/s",
    perRequest,
    offered,
    offeredUnit: "batches/s",
    capacityTarget: plan.engine === "PostgreSQL" ? { text: "≥ 2,000 events/s", min: 2_000, ratio: false } : undefined,
    p99TargetMs: null as number | null,
    capacitySenders: [plan.concurrency],
  });
  const ways = [
    eventWay(
      "Event ingest (App Proxy)",
      eventShot("/bench/floor/events"),
      eventShot(),
      "floor (verify signature + insert raw body)",
      EVENTS_PER_SESSION,
      plan.eventBatchesPerSecond,
    ),
    eventWay(
      "Event ingest (server-side API)",
      apiShot("/bench/floor/api-events"),
      apiShot(),
      "floor (look up the API key + insert raw body)",
      API_SESSIONS_PER_BATCH * EVENTS_PER_SESSION,
      plan.apiBatchesPerSecond,
    ),
    {
      name: "Order webhooks",
      floor: orderShot("/bench/floor/webhook"),
      app: orderShot(),
      floorName: "floor (verify HMAC + insert raw body)",
      unit: "deliveries/s",
      perRequest: 1,
      offered: plan.webhooksPerSecond,
      offeredUnit: "deliveries/s",
      // PGlite runs the database inside the app's own Node thread, so there the app's six statements and the
      // floor's one insert share one core; the target (like the latency one) is PostgreSQL's, and PGlite is shown.
      capacityTarget: plan.engine === "PostgreSQL" ? { text: "≥ 50 % of the floor", min: 0.5, ratio: true } : undefined,
      p99TargetMs: plan.engine === "PostgreSQL" ? 100 : null,
      capacitySenders: [plan.concurrency, plan.saturatingConcurrency],
    },
  ];

  try {
    // Warm-up: JIT, connection pool, the first compiles; not measured. Events first: they create the
    // conversations the stamped orders then match.
    for (const way of ways)
      await closedLoop(
        client,
        [...Array.from({ length: 100 }, way.floor), ...Array.from({ length: 100 }, way.app)],
        plan.concurrency,
      );

    for (const way of ways) {
      const section = `${way.name} (${plan.engine})`;
      // The target goes with the last (most senders) capacity run; the half-capacity latency run uses the first.
      let measured: LoadResult | undefined;
      for (const [index, senders] of way.capacitySenders.entries()) {
        const floor = await closedLoop(client, way.floor, senders, durationMs);
        const run = await closedLoop(client, way.app, senders, durationMs);
        measured ??= run;
        // Only answers of 200 count: a refusal (429, 500) is fast and would otherwise pass for capacity.
        const value = answeredPerSecond(run) * way.perRequest;
        const ratio = answeredPerSecond(run) / answeredPerSecond(floor);
        log(
          `${section}: capacity with ${senders} senders ${value.toFixed(0)} ${way.unit}, floor ${(answeredPerSecond(floor) * way.perRequest).toFixed(0)}${notOk(run)}${printed()}`,
        );
        const target = index === way.capacitySenders.length - 1 ? way.capacityTarget : undefined;
        rows.push({
          section,
          measure: `capacity: ${senders} concurrent senders for ${plan.seconds} s${way.perRequest > 1 ? `, batches of ${way.perRequest} events` : ""}${notOk(run)}`,
          value,
          unit: way.unit,
          baseline: { name: way.floorName, value: answeredPerSecond(floor) * way.perRequest },
          ratio,
          target: target && {
            text: target.text,
            met: (target.ratio ? ratio : value) >= target.min && failureShare(run) === 0,
          },
        });
      }
      const halfCapacity = Math.max(1, Math.floor(answeredPerSecond(measured!) / 2));
      for (const [rate, label, p99TargetMs] of [
        [way.offered, `${way.offered} ${way.offeredUnit} offered`, way.p99TargetMs],
        [
          halfCapacity,
          `half the capacity measured with ${plan.concurrency} senders (${halfCapacity} ${way.offeredUnit})`,
          null,
        ],
      ] as const) {
        // Every request of the run is built and signed before its clock starts: the sender shares this machine with
        // the app it measures (Shopify's senders do not), and building a 28 KB order body and its HMAC on the
        // schedule took CPU from the app at the moments it was being timed.
        const prepared = (make: () => Shot) => Array.from({ length: Math.round(rate * plan.seconds) }, make);
        const runs = p99TargetMs === null ? 1 : plan.targetLoadRuns;
        const floorRuns: LoadResult[] = [];
        const appRuns: LoadResult[] = [];
        for (let run = 0; run < runs; run++) {
          floorRuns.push(await openLoop(client, prepared(way.floor), rate));
          appRuns.push(await openLoop(client, prepared(way.app), rate));
        }
        const floorAtLoad = pooled(floorRuns);
        const appAtLoad = pooled(appRuns);
        const p99s = (results: LoadResult[]) =>
          results.map((result) => `${percentile(result.latenciesMs, 99).toFixed(1)} ms`).join(", ");
        const duration = runs === 1 ? `${plan.seconds} s` : `${runs} runs of ${plan.seconds} s, pooled`;
        const eachRun = runs === 1 ? "" : ` (p99 of each run: app ${p99s(appRuns)}; floor ${p99s(floorRuns)})`;
        log(
          `${section} at ${rate}/s: p50 ${percentile(appAtLoad.latenciesMs, 50).toFixed(1)} ms, p99 ${percentile(appAtLoad.latenciesMs, 99).toFixed(1)} ms${eachRun}${notOk(appAtLoad)}${printed()}`,
        );
        for (const p of [50, 99] as const) {
          const latency = percentile(appAtLoad.latenciesMs, p);
          rows.push({
            section,
            measure: `p${p} latency at ${label} for ${duration}${p === 99 ? eachRun : ""}${notOk(appAtLoad)}`,
            value: latency,
            unit: "ms",
            baseline: { name: "floor at the same load", value: percentile(floorAtLoad.latenciesMs, p) },
            ratio: latency / percentile(floorAtLoad.latenciesMs, p),
            target:
              p === 99 && p99TargetMs !== null
                ? {
                    text: `p99 < ${p99TargetMs} ms, all answered 200`,
                    met: latency < p99TargetMs && failureShare(appAtLoad) === 0,
                  }
                : undefined,
          });
        }
      }
    }
    return rows;
  } finally {
    client.close();
    await app.stop();
  }
}

const answeredPerSecond = (result: LoadResult) => result.perSecond * (1 - failureShare(result));

function notOk(result: LoadResult): string {
  const share = failureShare(result);
  return share > 0 ? ` — ${(share * 100).toFixed(1)} % not 200 (${JSON.stringify(result.statuses)})` : "";
}
