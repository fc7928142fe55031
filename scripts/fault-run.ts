/**
 * npm run test:faults [-- --orders N] [--seed S] [--no-build] [--no-restart]
 *
 * Load with a fault: N orders' signed webhooks (paid, some updated, some cancelled; a quarter of deliveries
 * repeated; all shuffled) are delivered by 16 concurrent senders that retry like Shopify (any answer but 2xx,
 * or no answer, is retried with exponential backoff and jitter) while the PostgreSQL server is stopped
 * (immediate shutdown, connections cut) and started again mid-run. Chat sessions for a quarter of the orders
 * are posted first through the App Proxy, so attribution is checked too.
 *
 * Afterwards every order must be stored exactly once, in its newest version, with its line items and one
 * attribution (led where the cart carried an answered chat session), and every webhook id recorded once.
 * Exits 1 with the list of differences otherwise, or if the restart never hit a request.
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import pg from "pg";
import { orderFixture } from "../test/fixtures";
import { closedLoop, LoopbackClient, type Shot } from "./load/http-load";
import { startAppProcess } from "./load/app-process";
import {
  appProxyShot,
  chatSessionBatch,
  orderPayload,
  shopifyOrderIdOf,
  webhookShot,
  type OrderVersion,
} from "./load/traffic";
import { startPostgresCluster } from "./postgres-cluster";
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
const SHOP = "fault-run.myshopify.com";
const SENDERS = 16;
const DOWNTIME_MS = 3_000;

interface Delivery {
  topic: string;
  webhookId: string;
  body: string;
}

function plan() {
  const now = Date.now();
  const expected = new Map<string, OrderVersion & { topic: string }>();
  const deliveries: Delivery[] = [];
  for (let index = 0; index < ORDERS; index++) {
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
let exitCode = 1;
const app = await (async () => {
  await migrate({ ...process.env, DATABASE_URL: cluster.databaseUrl });
  await productionBuild({ reuse: values["no-build"] });
  return startAppProcess({ DATABASE_URL: cluster.databaseUrl, SHOPIFY_API_SECRET: SECRET });
})();
try {
  const client = new LoopbackClient(app.url, SENDERS * 2, 10_000);
  const { expected, deliveries } = plan();
  const chatSessions = Math.ceil(ORDERS / 4);
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
  let restarted = false;
  const restartAt = Math.floor(deliveries.length / 3);
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
      if (attempt >= 6)
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
      if (!restarted && !values["no-restart"] && accepted >= restartAt) {
        restarted = true;
        console.log(
          `[faults] ${accepted}/${deliveries.length} delivered: stopping PostgreSQL (immediate) for ${DOWNTIME_MS / 1000} s`,
        );
        cluster.stopServer();
        setTimeout(() => {
          cluster.startServer();
          console.log("[faults] PostgreSQL started again");
        }, DOWNTIME_MS);
      }
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
  const elapsed = (performance.now() - started) / 1000;
  console.log(
    `[faults] ${deliveries.length} deliveries (${history.size} distinct webhook ids, ${ORDERS} orders) ` +
      `accepted in ${elapsed.toFixed(1)} s; answers retried: ${JSON.stringify(failedAnswers)}`,
  );
  client.close();

  const problems = await verify(expected, history, chatSessions);
  if (Object.keys(failedAnswers).length === 0)
    problems.push("the PostgreSQL restart never failed a request: the run proved nothing");
  if (app.child.exitCode !== null) problems.push(`the app process died (exit ${app.child.exitCode})`);
  if (problems.length) {
    console.error(`[faults] FAILED:\n  ${problems.slice(0, 50).join("\n  ")}`);
  } else {
    console.log(
      "[faults] OK: every order stored exactly once in its newest version, every delivery recorded once, nothing lost or doubled.",
    );
    exitCode = 0;
  }
} catch (error) {
  console.error("[faults] FAILED:", error);
  console.error(app.errors.slice(-20).join("\n"));
} finally {
  await app.stop();
  cluster.destroy();
}
process.exit(exitCode);

async function verify(
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
