/**
 * npm run test:faults [-- --orders N] [--seed S] [--no-build] [--no-restart]
 *
 * Load with a fault: N orders' signed webhooks (paid, some updated, some cancelled; a quarter of deliveries
 * repeated; all shuffled) are delivered by 16 concurrent senders that retry like Shopify (any answer but 2xx,
 * or no answer, is retried with exponential backoff and jitter) while the PostgreSQL server is stopped
 * (immediate shutdown, connections cut) and started again mid-run. Chat sessions for a quarter of the orders
 * are posted first through the App Proxy, so attribution is checked too.
 *
 * Then the same traffic for another shop through 3 app instances on the one PostgreSQL, behind a round-robin proxy
 * (scripts/load/round-robin-proxy.ts): a third of the way in one instance is stopped with SIGTERM (it must answer
 * what it holds and exit 0) and started again on its port; two thirds in another is killed with SIGKILL and started
 * again.
 *
 * After each run every order must be stored exactly once, in its newest version, with its line items and one
 * attribution (led where the cart carried an answered chat session), and every webhook id recorded once: none
 * answered 200 and lost. The instances run their background jobs, reconciling every RECONCILE_PERIOD_S against an
 * Admin API stand-in: with three, each shop must have been reconciled at most once a period (and more than once in
 * all). And one visitor's storefront batches, sent round-robin to the three, must meet the visitor's limit once, not
 * once per instance. Exits 1 with the list of differences otherwise, or if a fault never hit a request.
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import pg from "pg";
import { orderFixture } from "../test/fixtures";
import { closedLoop, LoopbackClient, type Shot } from "./load/http-load";
import { startAppProcess, type AppProcess } from "./load/app-process";
import { startRoundRobinProxy } from "./load/round-robin-proxy";
import {
  appProxyShot,
  chatSessionBatch,
  orderPayload,
  shopifyOrderIdOf,
  webhookShot,
  type OrderVersion,
} from "./load/traffic";
import { startPostgresCluster } from "./postgres-cluster";
import { startAdminStandIn } from "../test/admin-graphql-standin";
import { VISITOR_LIMIT } from "../app/http/rate-limits";
import { migrate, productionBuild } from "./run";
import { seededRandom } from "../app/lib/seeded-random";

const { values } = parseArgs({
  options: {
    orders: { type: "string", default: "400" },
    seed: { type: "string", default: "20261122" },
    "no-restart": { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
  },
});
const ORDERS = Number(values.orders);
const rng = seededRandom(Number(values.seed));
const SECRET = "fault-run-secret";
const SENDERS = 16;
const DOWNTIME_MS = 3_000;
/** How often the instances reconcile with Shopify (RECONCILE_EVERY_MINUTES, here in seconds). */
const RECONCILE_PERIOD_S = 6;

interface Delivery {
  topic: string;
  webhookId: string;
  body: string;
}

function plan(orders: number) {
  const now = Date.now();
  const expected = new Map<string, OrderVersion & { topic: string }>();
  const deliveries: Delivery[] = [];
  for (let index = 0; index < orders; index++) {
    const processedAt = new Date(now - 60_000 + index);
    const chatSessionId = index % 4 === 0 ? `c_bench_${index / 4}` : undefined;
    const versions: (OrderVersion & { topic: string })[] = [
      {
        topic: "orders/paid",
        index,
        processedAt,
        updatedAt: processedAt,
        financialStatus: "paid",
        cancelledAt: null,
        chatSessionId,
      },
    ];
    if (rng.chance(0.4)) {
      versions.push({
        ...versions[0],
        topic: "orders/updated",
        updatedAt: new Date(processedAt.getTime() + 60_000),
        financialStatus: "partially_refunded",
      });
    }
    if (rng.chance(0.2)) {
      const at = new Date(processedAt.getTime() + 120_000);
      versions.push({
        ...versions[0],
        topic: "orders/cancelled",
        updatedAt: at,
        financialStatus: "refunded",
        cancelledAt: at,
      });
    }
    expected.set(shopifyOrderIdOf(index), versions[versions.length - 1]);
    for (const version of versions) {
      const delivery = { topic: version.topic, webhookId: randomUUID(), body: JSON.stringify(orderPayload(version)) };
      deliveries.push(delivery);
      if (rng.chance(0.25)) deliveries.push(delivery); // Shopify's at-least-once: the same webhook id again
    }
  }
  for (let i = deliveries.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
  }
  return { expected, deliveries };
}

for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(1)); // exit handlers clean up
const cluster = await startPostgresCluster();
// Shopify's Admin API for reconciliation: every shop's access token is shpat_<shop>; it has no orders the webhooks miss.
const shopifyAdmin = await startAdminStandIn((token) => token.startsWith("shpat_"));
let exitCode = 1;
try {
  await migrate({ ...process.env, DATABASE_URL: cluster.databaseUrl });
  await productionBuild({ reuse: values["no-build"] });
  const problems = [
    ...(await runScenario({
      name: "PostgreSQL restart",
      shop: "fault-run.myshopify.com",
      instances: 1,
      faults: values["no-restart"]
        ? []
        : [
            {
              at: 1 / 3,
              what: `stopping PostgreSQL (immediate) for ${DOWNTIME_MS / 1000} s`,
              inject: async () => {
                cluster.stopServer();
                setTimeout(() => {
                  cluster.startServer();
                  console.log("[faults] PostgreSQL started again");
                }, DOWNTIME_MS);
              },
            },
          ],
      provesNothingWithoutFailures: !values["no-restart"],
    })),
    ...(values["no-restart"]
      ? []
      : await runScenario({
          name: "3 instances, one restarted gracefully, one killed",
          shop: "fault-run-instances.myshopify.com",
          instances: 3,
          // Three times the traffic: the run must outlast both restarts (an instance takes seconds to start).
          orders: ORDERS * 3,
          faults: [
            {
              at: 1 / 3,
              what: "restarting instance 0 gracefully (SIGTERM, then started again on its port)",
              inject: async ({ restart }) => {
                const code = await restart(0, "SIGTERM");
                if (code !== 0) return [`instance 0 did not stop cleanly on SIGTERM (exit ${code})`];
                return [];
              },
            },
            {
              at: 2 / 3,
              what: "killing instance 1 (SIGKILL), then starting it again on its port",
              inject: async ({ restart }) => {
                await restart(1, "SIGKILL");
                return [];
              },
            },
          ],
          provesNothingWithoutFailures: true,
          sharedAcrossInstances: true,
        })),
  ];
  if (problems.length) {
    console.error(`[faults] FAILED:\n  ${problems.slice(0, 50).join("\n  ")}`);
  } else {
    console.log(
      "[faults] OK: every order stored exactly once in its newest version, every delivery recorded once, nothing lost or doubled; reconciliation at most once a period and one visitor limit across the instances.",
    );
    exitCode = 0;
  }
} catch (error) {
  console.error("[faults] FAILED:", error);
} finally {
  await shopifyAdmin.close();
  cluster.destroy();
}
process.exit(exitCode);

interface FaultContext {
  /** Stops instance `index` with `signal` and starts it again on its port; resolves with its exit code. */
  restart(index: number, signal: "SIGTERM" | "SIGKILL"): Promise<number | null>;
}

interface Scenario {
  name: string;
  shop: string;
  instances: number;
  orders?: number;
  faults: { at: number; what: string; inject(context: FaultContext): Promise<string[] | void> }[];
  /** A fault that failed no request proved nothing. */
  provesNothingWithoutFailures: boolean;
  /** Checks reconciliation ran once a period across the instances, and a visitor's limit held across them. */
  sharedAcrossInstances?: boolean;
}

/**
 * One run: the scenario's instances on the cluster's database (behind a round-robin proxy when there are several),
 * chat sessions through the App Proxy, then every delivery until accepted while the faults happen. Returns what went
 * wrong, checked against the database.
 */
async function runScenario(scenario: Scenario): Promise<string[]> {
  const SHOP = scenario.shop;
  const env = {
    DATABASE_URL: cluster.databaseUrl,
    SHOPIFY_API_SECRET: SECRET,
    LOAD_ADMIN_API_URL: shopifyAdmin.endpoint,
    RECONCILE_EVERY_MINUTES: String(RECONCILE_PERIOD_S / 60),
  };
  const scenarioStarted = Date.now();
  const apps: AppProcess[] = [];
  for (let i = 0; i < scenario.instances; i++) apps.push(await startAppProcess(env));
  const proxy = scenario.instances > 1 ? await startRoundRobinProxy(apps.map((app) => app.url)) : null;
  const problems: string[] = [];
  const errors: string[] = [];
  const context: FaultContext = {
    async restart(index, signal) {
      const app = apps[index];
      const exited = new Promise<number | null>((resolve) => {
        if (app.child.exitCode !== null || app.child.signalCode !== null) resolve(app.child.exitCode);
        else app.child.once("exit", (code) => resolve(code));
      });
      app.child.kill(signal);
      const code = await exited;
      errors.push(...app.errors);
      await app.stop(); // the process is gone: this closes its storefront stand-in
      apps[index] = await startAppProcess(env, { port: Number(new URL(app.url).port) });
      // What a graceful stop held when it began (server/serve.ts logs it), to show the drain had work to do.
      const stopping = app.recent.map((line) => /"inFlight":(\d+).*stopping/.exec(line)).find(Boolean);
      console.log(
        `[faults] instance ${index} is back (it exited with ${code ?? signal}${stopping ? ` after answering ${stopping[1]} request(s) in flight` : ""})`,
      );
      return code;
    },
  };
  console.log(`[faults] ${scenario.name}: ${scenario.instances} instance(s) on one PostgreSQL`);
  try {
    const client = new LoopbackClient(proxy?.url ?? apps[0].url, SENDERS * 2, 10_000);
    const orders = scenario.orders ?? ORDERS;
    const { expected, deliveries } = plan(orders);
    const chatSessions = Math.ceil(orders / 4);
    const chat = await closedLoop(
      client,
      Array.from({ length: chatSessions }, (_, n) => appProxyShot(SECRET, SHOP, chatSessionBatch(n))),
      8,
    );
    if (chat.statuses["200"] !== chatSessions)
      throw new Error(`chat sessions not all accepted: ${JSON.stringify(chat.statuses)}`);

    const failedAnswers: Record<string, number> = {};
    let accepted = 0;
    let next = 0;
    const pending = scenario.faults.map((fault) => ({ ...fault, done: false }));
    let faultChain: Promise<void> = Promise.resolve();
    const started = performance.now();
    /** Per webhook id, every answer it got as `status@seconds`, to show what a lost delivery was told. */
    const history = new Map<string, string[]>();
    const recordAnswer = (webhookId: string, status: number) => {
      const answers = history.get(webhookId) ?? [];
      answers.push(`${status}@${((performance.now() - started) / 1000).toFixed(2)}`);
      history.set(webhookId, answers);
    };

    async function deliverUntilAccepted(delivery: Delivery) {
      for (let attempt = 0; ; attempt++) {
        const shot: Shot = webhookShot(SECRET, SHOP, delivery.topic, delivery.body, delivery.webhookId);
        const answer = await client.send(shot);
        recordAnswer(delivery.webhookId, answer.status);
        if (answer.status >= 200 && answer.status < 300) return;
        failedAnswers[answer.status] = (failedAnswers[answer.status] ?? 0) + 1;
        if (attempt >= 8)
          throw new Error(
            `webhook ${delivery.webhookId} still failing after ${attempt + 1} attempts: ${answer.status} ${answer.body}`,
          );
        const backoff = Math.min(2_000, 100 * 2 ** attempt) * (0.5 + rng.next());
        await new Promise((resolve) => setTimeout(resolve, backoff));
      }
    }

    const sender = async () => {
      while (next < deliveries.length) {
        await deliverUntilAccepted(deliveries[next++]);
        accepted++;
        for (const fault of pending) {
          if (fault.done || accepted < Math.floor(deliveries.length * fault.at)) continue;
          fault.done = true;
          // The senders go on while the fault happens; a fault waits for the one before it to be over.
          faultChain = faultChain
            .then(() => {
              console.log(`[faults] ${accepted}/${deliveries.length} delivered: ${fault.what}`);
              return fault.inject(context);
            })
            .then((found) => {
              problems.push(...(found ?? []));
            });
        }
      }
    };
    await Promise.all(Array.from({ length: SENDERS }, sender));
    await faultChain;
    const elapsed = (performance.now() - started) / 1000;
    console.log(
      `[faults] ${deliveries.length} deliveries (${history.size} distinct webhook ids, ${orders} orders) ` +
        `accepted in ${elapsed.toFixed(1)} s; answers retried: ${JSON.stringify(failedAnswers)}` +
        (proxy ? `; answered per instance: ${proxy.answered.join(", ")}` : ""),
    );
    problems.push(...(await verify(SHOP, expected, history, chatSessions)));
    if (scenario.sharedAcrossInstances) {
      // After the check of what was stored: this visitor's conversation is not one the run counts.
      problems.push(...(await visitorLimitHolds(client, SHOP)));
      problems.push(...reconciledOncePerPeriod(SHOP, scenarioStarted));
    }
    client.close();
    if (scenario.provesNothingWithoutFailures && Object.keys(failedAnswers).length === 0)
      problems.push(`${scenario.name}: the faults never failed a request: the run proved nothing`);
    apps.forEach((app, index) => {
      if (app.child.exitCode !== null || app.child.signalCode !== null)
        problems.push(`instance ${index} died (exit ${app.child.exitCode ?? app.child.signalCode})`);
    });
    if (proxy && proxy.answered.some((count) => count === 0))
      problems.push(`an instance answered nothing: ${proxy.answered.join(", ")}`);
  } catch (error) {
    problems.push(`${scenario.name}: ${error instanceof Error ? error.message : String(error)}`);
    console.error([...errors, ...apps.flatMap((app) => app.errors)].slice(-20).join("\n"));
  } finally {
    await proxy?.close();
    await Promise.all(apps.map((app) => app.stop()));
  }
  return problems.map((problem) => `${scenario.name}: ${problem}`);
}

/**
 * Twice a visitor's limit of the same storefront batch, round-robin across the instances: exactly the limit is
 * answered 200 (the rest 429), where limits per instance would let three times as many through.
 */
async function visitorLimitHolds(client: LoopbackClient, shop: string): Promise<string[]> {
  const batch = chatSessionBatch(10_000_000); // a visitor no other traffic of the run uses
  const shots = Array.from({ length: VISITOR_LIMIT.points * 2 }, () => appProxyShot(SECRET, shop, batch));
  const { statuses } = await closedLoop(client, shots, 6);
  console.log(
    `[faults] one visitor's ${shots.length} batches across the instances were answered ${JSON.stringify(statuses)}`,
  );
  return statuses["200"] === VISITOR_LIMIT.points && statuses["429"] === VISITOR_LIMIT.points
    ? []
    : [`a visitor's limit of ${VISITOR_LIMIT.points} did not hold across instances: ${JSON.stringify(statuses)}`];
}

/** Each reconciliation of a shop asks for its first page of orders once: at most one such ask per period. */
function reconciledOncePerPeriod(shop: string, since: number): string[] {
  const periodMs = RECONCILE_PERIOD_S * 1_000;
  const runs = shopifyAdmin.requests.filter(
    (request) =>
      request.at >= since &&
      request.accessToken === `shpat_${shop}` &&
      request.operation === "OrdersUpdatedSince" &&
      !request.variables.after,
  );
  // Periods are aligned to the clock (pg-boss's throttle slots): count those the run touched.
  const periods = Math.floor(Date.now() / periodMs) - Math.floor(since / periodMs) + 1;
  console.log(`[faults] ${shop} was reconciled ${runs.length} times in ${periods} periods of ${RECONCILE_PERIOD_S} s`);
  if (runs.length < 2) return [`reconciliation ran ${runs.length} time(s) in ${periods} periods`];
  if (runs.length > periods)
    return [`reconciliation ran ${runs.length} times in ${periods} periods: more than once a period`];
  return [];
}

async function verify(
  SHOP: string,
  expected: Map<string, OrderVersion & { topic: string }>,
  answers: Map<string, string[]>,
  chatSessions: number,
): Promise<string[]> {
  const db = new pg.Client({ connectionString: cluster.databaseUrl });
  await db.connect();
  const problems: string[] = [];
  try {
    const orders = await db.query<{
      id: string;
      shopifyOrderId: string;
      financialStatus: string;
      cancelledAt: Date | null;
      shopifyUpdatedAt: Date;
      copies: number;
    }>(
      `SELECT max(o.id::text) AS id, o."shopifyOrderId", max(o."financialStatus") AS "financialStatus", max(o."cancelledAt") AS "cancelledAt",
              max(o."shopifyUpdatedAt") AS "shopifyUpdatedAt", count(*)::int AS copies
       FROM "Order" o JOIN "Shop" s ON s.id = o."shopId" WHERE s.domain = $1 GROUP BY o."shopifyOrderId"`,
      [SHOP],
    );
    const stored = new Map(orders.rows.map((row) => [row.shopifyOrderId, row]));
    for (const [id, version] of expected) {
      const row = stored.get(id);
      if (!row) {
        problems.push(`order ${id} missing`);
        continue;
      }
      if (row.copies !== 1) problems.push(`order ${id} stored ${row.copies} times`);
      if (row.shopifyUpdatedAt.getTime() !== version.updatedAt.getTime()) {
        problems.push(
          `order ${id} holds the version of ${row.shopifyUpdatedAt.toISOString()}, newest is ${version.topic} of ${version.updatedAt.toISOString()}`,
        );
      }
      if (row.financialStatus !== version.financialStatus)
        problems.push(`order ${id} is ${row.financialStatus}, expected ${version.financialStatus}`);
      if ((row.cancelledAt === null) !== (version.cancelledAt === null))
        problems.push(`order ${id} cancelledAt ${row.cancelledAt}, expected ${version.cancelledAt}`);
    }
    if (stored.size !== expected.size) problems.push(`${stored.size} distinct orders stored, ${expected.size} sent`);

    const lineItemsPerOrder = (orderFixture().line_items as unknown[]).length;
    const lines = await db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM "OrderLineItem" li JOIN "Shop" s ON s.id = li."shopId" WHERE s.domain = $1`,
      [SHOP],
    );
    if (lines.rows[0].count !== expected.size * lineItemsPerOrder)
      problems.push(`${lines.rows[0].count} line items, expected ${expected.size * lineItemsPerOrder}`);

    const attributions = await db.query<{ shopifyOrderId: string; classification: string; copies: number }>(
      `SELECT o."shopifyOrderId", max(a.classification::text) AS classification, count(*)::int AS copies
       FROM "Attribution" a JOIN "Order" o ON o.id = a."orderId" JOIN "Shop" s ON s.id = a."shopId" WHERE s.domain = $1 GROUP BY 1`,
      [SHOP],
    );
    const classification = new Map(attributions.rows.map((row) => [row.shopifyOrderId, row]));
    for (const [id, version] of expected) {
      const row = classification.get(id);
      const want = version.chatSessionId ? "LED" : "UNATTRIBUTED";
      if (!row) problems.push(`order ${id} has no attribution`);
      else if (row.copies !== 1) problems.push(`order ${id} has ${row.copies} attributions`);
      else if (row.classification !== want) problems.push(`order ${id} is ${row.classification}, expected ${want}`);
    }

    const recorded = await db.query<{ webhookId: string; copies: number }>(
      `SELECT "webhookId", count(*)::int AS copies FROM "WebhookDelivery" WHERE "shopDomain" = $1 AND status = 'PROCESSED' GROUP BY 1`,
      [SHOP],
    );
    const recordedIds = new Set(recorded.rows.map((row) => row.webhookId));
    for (const [webhookId, history] of answers) {
      if (!recordedIds.has(webhookId))
        problems.push(`delivery ${webhookId} not recorded as processed; it was answered ${history.join(" ")}`);
    }
    if (recorded.rows.length !== answers.size)
      problems.push(`${recorded.rows.length} deliveries recorded, ${answers.size} distinct webhook ids sent`);

    const conversations = await db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM "Conversation" c JOIN "Shop" s ON s.id = c."shopId" WHERE s.domain = $1`,
      [SHOP],
    );
    if (conversations.rows[0].count !== chatSessions)
      problems.push(`${conversations.rows[0].count} conversations, ${chatSessions} posted`);
  } finally {
    await db.end();
  }
  return problems;
}
