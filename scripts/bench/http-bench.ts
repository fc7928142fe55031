/**
 * Webhook and event ingest through the app as production runs it (own process, Remix build, real signature
 * checks), against the floor handlers in the same process (scripts/load/app-server.ts): capacity with a closed
 * loop, latency at a fixed offered load with an open loop.
 */
import { closedLoop, LoopbackClient, openLoop, percentile, type LoadResult, type Shot } from "../load/http-load";
import { startAppProcess } from "../load/app-process";
import { appProxyShot, chatSessionBatch, EVENTS_PER_SESSION, orderPayload, webhookShot } from "../load/traffic";
import type { BenchRow } from "./results";

export interface HttpBenchPlan {
  engine: "PGlite" | "PostgreSQL";
  databaseUrl: string;
  /** Requests per closed-loop run (each of floor and app). */
  requests: number;
  concurrency: number;
  webhooksPerSecond: number;
  eventBatchesPerSecond: number;
  /** Length of each open-loop run. */
  seconds: number;
}

const SECRET = "bench-secret";
const SHOP = "bench.myshopify.com";

function expectAllOk(what: string, result: LoadResult) {
  const notOk = Object.entries(result.statuses).filter(([status]) => status !== "200");
  if (notOk.length) throw new Error(`${what}: not every request answered 200: ${JSON.stringify(result.statuses)}`);
}

export async function runHttpBench(plan: HttpBenchPlan, log: (line: string) => void): Promise<BenchRow[]> {
  const app = await startAppProcess({ DATABASE_URL: plan.databaseUrl, SHOPIFY_API_SECRET: SECRET });
  const client = new LoopbackClient(app.url, 512);
  const rows: BenchRow[] = [];
  const section = (name: string) => `${name} (${plan.engine})`;
  let session = 0;
  let order = 0;
  const now = Date.now();
  // Distinct shoppers per batch (the per-visitor limit is for one browser, not a load) and distinct orders,
  // a quarter of them carrying a chat session that answered: those run the engine's led path.
  const eventShots = (count: number, path?: string): Shot[] =>
    Array.from({ length: count }, () => appProxyShot(SECRET, SHOP, chatSessionBatch(session++, now), path));
  const webhookShots = (count: number, path?: string): Shot[] =>
    Array.from({ length: count }, () => {
      const index = order++;
      const processedAt = new Date(now - 10_000);
      const chatSessionId = index % 4 === 0 && index / 4 < session ? `c_bench_${index / 4}` : undefined;
      const body = JSON.stringify(orderPayload({ index, processedAt, updatedAt: processedAt, financialStatus: "paid", cancelledAt: null, chatSessionId }));
      return webhookShot(SECRET, SHOP, "orders/paid", body, undefined, path);
    });

  try {
    // Warm-up: JIT, connection pool, Prisma's query plans; not measured.
    expectAllOk("warm-up", await closedLoop(client, [...eventShots(100, "/bench/floor/events"), ...eventShots(100)], plan.concurrency));
    expectAllOk("warm-up", await closedLoop(client, [...webhookShots(100, "/bench/floor/webhook"), ...webhookShots(100)], plan.concurrency));

    const capacity = async (what: string, floorShots: Shot[], appShots: Shot[]) => {
      const floor = await closedLoop(client, floorShots, plan.concurrency);
      expectAllOk(`${what} floor`, floor);
      const measured = await closedLoop(client, appShots, plan.concurrency);
      expectAllOk(what, measured);
      log(`${section(what)}: app ${measured.perSecond.toFixed(0)}/s, floor ${floor.perSecond.toFixed(0)}/s`);
      return { floor, measured };
    };
    const atLoad = async (what: string, rate: number, floorShots: Shot[], appShots: Shot[]) => {
      const floor = await openLoop(client, floorShots, rate);
      expectAllOk(`${what} floor`, floor);
      const measured = await openLoop(client, appShots, rate);
      expectAllOk(what, measured);
      log(`${section(what)} at ${rate}/s: app p50 ${percentile(measured.latenciesMs, 50).toFixed(1)} ms p99 ${percentile(measured.latenciesMs, 99).toFixed(1)} ms`);
      return { floor, measured };
    };

    // Events first: they create the conversations the stamped orders then match.
    const events = await capacity("event ingest", eventShots(plan.requests, "/bench/floor/events"), eventShots(plan.requests));
    const eventsPerSecond = events.measured.perSecond * EVENTS_PER_SESSION;
    rows.push({
      section: section("Event ingest (App Proxy)"),
      measure: `capacity, ${plan.concurrency} concurrent batches of ${EVENTS_PER_SESSION} events`,
      value: eventsPerSecond,
      unit: "events/s",
      baseline: { name: "floor (verify signature + insert raw body)", value: events.floor.perSecond * EVENTS_PER_SESSION },
      ratio: events.measured.perSecond / events.floor.perSecond,
      target: plan.engine === "PostgreSQL" ? { text: "≥ 2,000 events/s", met: eventsPerSecond >= 2_000 } : undefined,
    });
    const eventCount = Math.round(plan.eventBatchesPerSecond * plan.seconds);
    const eventLatency = await atLoad("event ingest", plan.eventBatchesPerSecond, eventShots(eventCount, "/bench/floor/events"), eventShots(eventCount));
    rows.push(...latencyRows(section("Event ingest (App Proxy)"), `${plan.eventBatchesPerSecond} batches/s offered for ${plan.seconds} s`, eventLatency, null));

    const webhooks = await capacity("order webhooks", webhookShots(plan.requests, "/bench/floor/webhook"), webhookShots(plan.requests));
    const throughputRatio = webhooks.measured.perSecond / webhooks.floor.perSecond;
    rows.push({
      section: section("Order webhooks"),
      measure: `capacity, ${plan.concurrency} concurrent deliveries`,
      value: webhooks.measured.perSecond,
      unit: "deliveries/s",
      baseline: { name: "floor (verify HMAC + insert raw body)", value: webhooks.floor.perSecond },
      ratio: throughputRatio,
      target: { text: "≥ 50 % of the floor", met: throughputRatio >= 0.5 },
    });
    const webhookCount = Math.round(plan.webhooksPerSecond * plan.seconds);
    const webhookLatency = await atLoad("order webhooks", plan.webhooksPerSecond, webhookShots(webhookCount, "/bench/floor/webhook"), webhookShots(webhookCount));
    rows.push(
      ...latencyRows(
        section("Order webhooks"),
        `${plan.webhooksPerSecond} deliveries/s offered for ${plan.seconds} s`,
        webhookLatency,
        plan.engine === "PostgreSQL" && plan.webhooksPerSecond >= 500 ? 100 : null,
      ),
    );
    return rows;
  } finally {
    client.close();
    await app.stop();
  }
}

function latencyRows(section: string, load: string, result: { floor: LoadResult; measured: LoadResult }, p99TargetMs: number | null): BenchRow[] {
  return ([50, 99] as const).map((p) => {
    const value = percentile(result.measured.latenciesMs, p);
    const floor = percentile(result.floor.latenciesMs, p);
    return {
      section,
      measure: `p${p} latency at ${load} (achieved ${result.measured.perSecond.toFixed(0)}/s)`,
      value,
      unit: "ms",
      baseline: { name: "floor", value: floor },
      ratio: value / floor,
      target: p === 99 && p99TargetMs !== null ? { text: `p99 < ${p99TargetMs} ms`, met: value < p99TargetMs } : undefined,
    };
  });
}
