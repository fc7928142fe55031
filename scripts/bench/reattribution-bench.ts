/**
 * Re-attribution (the job a settings change queues) over a generated shop on PostgreSQL, against the floor of
 * the same job without the engine or its evidence: the same batches read, and every attribution row of a batch
 * rewritten unchanged with one statement (as the job writes them).
 * And the pure engine in memory, against JSON.parse of Shopify's order payload (the least any order costs).
 */
import {
  attributeOrder,
  DEFAULT_SETTINGS,
  type CandidateConversation,
  type EngineOrder,
} from "../../app/domain/attribution/engine";
import {
  requestReattribution,
  runReattribution,
  DEFAULT_BATCH_SIZE,
  walkOrders,
} from "../../app/domain/attribution/reattribution.server";
import type { WalkCursor } from "../../app/domain/attribution/reattribution-jobs.server";
import { orderFixtureText } from "../../test/fixtures";
import type { PostgresCluster } from "../postgres-cluster";
import { freshDatabase } from "./database";
import type { BenchRow } from "./results";
import { DEFAULT_SHAPE, generateShopHistory } from "./scale-data";
import { phrase } from "../../app/domain/attribution/evidence-text";

export async function runReattributionBench(
  cluster: PostgresCluster,
  orders: number,
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const database = await freshDatabase(cluster, "reattribution");
  try {
    const shopId = await generateShopHistory(
      database.sql,
      "reattribution.myshopify.com",
      { orders, ...DEFAULT_SHAPE },
      () => {},
    );
    const db = database.prisma;

    const floorStarted = performance.now();
    for (let cursor: WalkCursor = null; ; ) {
      const batch = await database.transaction(async (sql) => {
        const walked = await walkOrders(sql, shopId, cursor, DEFAULT_BATCH_SIZE);
        await sql.query(
          `UPDATE "Attribution" SET "computedAt" = now() AT TIME ZONE 'UTC' WHERE "orderId" = ANY($1::uuid[])`,
          [walked.map(({ id }) => id)],
        );
        return walked;
      });
      cursor = batch.at(-1) ?? cursor;
      if (batch.length < DEFAULT_BATCH_SIZE) break;
    }
    const floorPerSecond = orders / ((performance.now() - floorStarted) / 1000);

    const started = performance.now();
    const job = await runReattribution(db, (await requestReattribution(db, shopId)).id, {
      transaction: database.transaction,
    });
    if (job.status !== "DONE" || job.processed !== orders)
      throw new Error(`re-attribution ended ${job.status} after ${job.processed} of ${orders}`);
    const perSecond = orders / ((performance.now() - started) / 1000);
    log(`re-attribution of ${orders} orders: ${perSecond.toFixed(0)} orders/s (floor ${floorPerSecond.toFixed(0)}/s)`);
    return [
      {
        section: "Re-attribution (PostgreSQL)",
        measure: `${orders.toLocaleString("en-US")} generated orders, newest first in batches of ${DEFAULT_BATCH_SIZE}, engine + evidence reads + writes + each finished day's roll-ups`,
        value: perSecond,
        unit: "orders/s",
        baseline: {
          name: "same walk, attribution rows rewritten in one statement, no evidence, engine or roll-ups",
          value: floorPerSecond,
        },
        ratio: perSecond / floorPerSecond,
      },
    ];
  } finally {
    await database.close();
  }
}

export function runEngineBench(iterations: number, log: (line: string) => void): BenchRow[] {
  const orderTime = new Date("2026-11-20T12:00:00Z");
  const at = (minutesBefore: number) => new Date(orderTime.getTime() - minutesBefore * 60_000);
  const order: EngineOrder = {
    name: "#1001",
    orderTime,
    test: false,
    verified: true,
    grossAmount: "129.90",
    currency: "USD",
  };
  // Three candidates as a busy shopper produces them: the stamped conversation, an older one by the same
  // customer, and one by the same e-mail; five touches and two cart events each.
  const candidate = (
    n: number,
    by: CandidateConversation["links"][number]["by"],
    ageMinutes: number,
  ): CandidateConversation => ({
    id: `conv-${n}`,
    externalId: `c_${n}`,
    surface: "CHAT_WIDGET",
    links: [{ by, detail: phrase("evidence.link.customer", { conversation: `c_${n}` }) }],
    touches: [0, 1, 2, 3, 4].map((k) => ({
      kind: k % 2 ? "ASSISTANT_ANSWER" : "SHOPPER_MESSAGE",
      answerFound: k % 2 ? true : null,
      occurredAt: at(ageMinutes - k),
    })),
    cartEvents: [
      { type: "ITEM_ADDED", occurredAt: at(ageMinutes - 5), fromChat: true, inConversation: true },
      { type: "QUANTITY_INCREASED", occurredAt: at(ageMinutes - 6), fromChat: false, inConversation: true },
    ],
  });
  const candidates = [
    candidate(1, "CART_ATTRIBUTE", 90),
    candidate(2, "CUSTOMER_ID", 3 * 1440),
    candidate(3, "EMAIL", 6 * 1440),
  ];
  const payload = orderFixtureText();

  const time = (work: () => unknown) => {
    for (let i = 0; i < Math.min(iterations, 2_000); i++) work(); // warm-up
    const started = performance.now();
    let sink = 0;
    for (let i = 0; i < iterations; i++) sink += work() ? 1 : 0;
    if (sink !== iterations) throw new Error("benchmark work returned nothing");
    return iterations / ((performance.now() - started) / 1000);
  };
  const engine = time(() => attributeOrder(order, candidates, DEFAULT_SETTINGS).classification === "LED");
  const parse = time(() => JSON.parse(payload) !== null);
  log(`engine: ${engine.toFixed(0)} orders/s; JSON.parse of the order payload: ${parse.toFixed(0)}/s`);
  return [
    {
      section: "Attribution engine (pure, in memory)",
      measure: `one order, 3 candidate conversations × (5 touches + 2 cart events), ${iterations.toLocaleString("en-US")} runs`,
      value: engine,
      unit: "orders/s",
      baseline: { name: "JSON.parse of Shopify's order payload", value: parse },
      ratio: engine / parse,
    },
  ];
}
