import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { orderFixture } from "../../../test/fixtures";
import { prisma, prismaSql, sqlTransaction } from "../../db.server";
import { ingestVerifiedOrder } from "../orders/ingest-order.server";
import { parseOrderPayload } from "../orders/order-payload";
import { findOrderAttribution } from "../reports/orders-report.server";
import { settingsFormOf, settingsInputSchema, updateShopSettings } from "../settings.server";
import { installShop } from "../shops.server";
import { requestReattribution, runReattribution, walkOrders, type JobProgress } from "./reattribution.server";

const ORDER_TIME = new Date("2008-01-10T16:00:00Z");
const ORDERS = 10;
let shopDomain: string;
let shopId: string;

/** Ten orders stamped with a conversation answered 30 hours earlier: assisted under the default 24-hour led window. */
async function seedHistory() {
  const conversation = await prisma.conversation.create({
    data: { shopId, externalId: "c_30h", startedAt: new Date(ORDER_TIME.getTime() - 31 * 3_600_000) },
  });
  await prisma.touchpoint.create({
    data: {
      shopId,
      conversationId: conversation.id,
      kind: "ASSISTANT_ANSWER",
      answerFound: true,
      source: "STOREFRONT",
      occurredAt: new Date(ORDER_TIME.getTime() - 30 * 3_600_000),
    },
  });
  for (let i = 0; i < ORDERS; i++) {
    const parsed = parseOrderPayload({
      ...orderFixture(),
      id: 5000 + i,
      name: `#${5000 + i}`,
      note_attributes: [{ name: "_chat_session_id", value: "c_30h" }],
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    await ingestVerifiedOrder(prismaSql(prisma), shopDomain, parsed.order);
  }
}

const classifications = async () =>
  (await prisma.attribution.findMany({ where: { shopId }, orderBy: { orderId: "asc" } })).map(
    (a) => `${a.classification}@v${a.settingsVersion}`,
  );

async function widenLedWindow(hours: number) {
  const shop = await prisma.shop.findUniqueOrThrow({ where: { id: shopId } });
  const input = settingsInputSchema.parse({ ...settingsFormOf(shop), ledWindowHours: String(hours) });
  return updateShopSettings(prisma, shop, input);
}

describe("re-attribution", () => {
  beforeEach(async () => {
    shopDomain = `reattr-${randomUUID().slice(0, 8)}.myshopify.com`;
    shopId = (await installShop(prisma, { domain: shopDomain, currency: "USD" })).id;
    await seedHistory();
  });

  it("a settings change bumps the version, queues a job, and the job recomputes every order in batches", async () => {
    expect(await classifications()).toEqual(Array(ORDERS).fill("ASSISTED@v1"));
    const { shop, job } = await widenLedWindow(48);
    expect(shop.settingsVersion).toBe(2);
    expect(job).toMatchObject({ status: "PENDING", total: ORDERS, processed: 0, settingsVersion: 2 });
    const progress: JobProgress[] = [];
    const finished = await runReattribution(prisma, job!.id, { batchSize: 4, onProgress: (p) => progress.push(p) });
    expect(finished).toMatchObject({ status: "DONE", processed: ORDERS, total: ORDERS });
    expect(progress.map((p) => p.processed)).toEqual([4, 8, 10]);
    expect(await classifications()).toEqual(Array(ORDERS).fill("LED@v2"));
  });

  it("a change that touches no engine setting queues nothing", async () => {
    const shop = await prisma.shop.findUniqueOrThrow({ where: { id: shopId } });
    const { job, shop: updated } = await updateShopSettings(prisma, shop, {
      ...settingsFormOf(shop),
      storeTranscripts: true,
      maxOrderValue: "1000000.00",
    });
    expect(job).toBeNull();
    expect(updated).toMatchObject({ settingsVersion: 1, storeTranscripts: true });
  });

  it("resumes after a crash halfway: committed batches are consistent, a rerun finishes the rest", async () => {
    const { job } = await widenLedWindow(48);
    const crashed = await runReattribution(prisma, job!.id, { batchSize: 3, maxBatches: 2 });
    expect(crashed).toMatchObject({ status: "RUNNING", processed: 6 });
    const midway = await classifications();
    expect(midway.filter((c) => c === "LED@v2")).toHaveLength(6);
    expect(midway.filter((c) => c === "ASSISTED@v1")).toHaveLength(4); // untouched, not half-written
    const resumed = await runReattribution(prisma, job!.id, { batchSize: 3 });
    expect(resumed).toMatchObject({ status: "DONE", processed: ORDERS });
    expect(await classifications()).toEqual(Array(ORDERS).fill("LED@v2"));
  });

  it("two runners on one job never commit the same batch twice", async () => {
    const { job } = await widenLedWindow(48);
    const [a, b] = await Promise.all([
      runReattribution(prisma, job!.id, { batchSize: 2 }),
      runReattribution(prisma, job!.id, { batchSize: 2 }),
    ]);
    expect(a.status).toBe("DONE");
    expect(b.status).toBe("DONE");
    const final = await prisma.reattributionJob.findUniqueOrThrow({ where: { id: job!.id } });
    expect(final.processed).toBe(ORDERS);
    expect(await classifications()).toEqual(Array(ORDERS).fill("LED@v2"));
  });

  it("a second change while a job is unfinished restarts that job under the newest settings", async () => {
    const { job: first } = await widenLedWindow(48);
    await runReattribution(prisma, first!.id, { batchSize: 3, maxBatches: 1 });
    const { job: second } = await widenLedWindow(12);
    expect(second!.id).toBe(first!.id);
    expect(second).toMatchObject({ status: "PENDING", processed: 0, settingsVersion: 3 });
    await runReattribution(prisma, second!.id, { batchSize: 3 });
    expect(await classifications()).toEqual(Array(ORDERS).fill("ASSISTED@v3"));
    expect(await prisma.reattributionJob.count({ where: { shopId } })).toBe(1);
  });

  it("keeps a job unfinished with its error while the queue will retry it, and fails it on the last attempt", async () => {
    const job = await requestReattribution(prisma, shopId);
    // The database refuses every batch's transaction (a connection lost mid-run).
    const failing = { transaction: () => Promise.reject(new Error("connection lost")) };
    await expect(runReattribution(prisma, job.id, { ...failing, finalAttempt: false })).rejects.toThrow(
      "connection lost",
    );
    expect(await prisma.reattributionJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      status: "PENDING",
      error: "Error: connection lost",
    });
    // A retry that gets through clears the error.
    await runReattribution(prisma, job.id, { batchSize: 4, maxBatches: 1 });
    expect(await prisma.reattributionJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      status: "RUNNING",
      error: null,
    });
    await expect(runReattribution(prisma, job.id, { ...failing, finalAttempt: true })).rejects.toThrow(
      "connection lost",
    );
    expect(await prisma.reattributionJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      status: "FAILED",
      error: "Error: connection lost",
    });
  });

  it("stops between batches when told the server is stopping, the job left to resume", async () => {
    const job = await requestReattribution(prisma, shopId);
    const stopping = new AbortController();
    const progress: number[] = [];
    const left = await runReattribution(prisma, job.id, {
      batchSize: 4,
      signal: stopping.signal,
      onProgress: (p) => {
        progress.push(p.processed);
        stopping.abort();
      },
    });
    expect(progress).toEqual([4]);
    expect(left).toMatchObject({ status: "RUNNING", processed: 4 });
    expect(await runReattribution(prisma, job.id, { batchSize: 4 })).toMatchObject({
      status: "DONE",
      processed: ORDERS,
    });
  });

  it("leaves a row the change does not move as it was, and the order says it is the same under the new settings", async () => {
    const parsed = parseOrderPayload({ ...orderFixture(), id: 6000, name: "#6000", note_attributes: [] });
    if (!parsed.ok) throw new Error(parsed.reason);
    await ingestVerifiedOrder(prismaSql(prisma), shopDomain, parsed.order);
    const currentShop = () => prisma.shop.findUniqueOrThrow({ where: { id: shopId } });
    const stored = () => prisma.attribution.findFirstOrThrow({ where: { shopId, order: { shopifyOrderId: "6000" } } });
    const before = await stored();
    expect(before).toMatchObject({ classification: "UNATTRIBUTED", settingsVersion: 1 });
    const { job } = await widenLedWindow(48);
    // Queued, not yet run: the order's result is the one computed under version 1, and nothing says more.
    expect((await findOrderAttribution(prisma, await currentShop(), "6000"))!.attribution).toMatchObject({
      settingsVersion: 1,
      sameUnderSettingsVersion: null,
    });
    await runReattribution(prisma, job!.id);
    // The chat's orders moved (assisted → led) and were rewritten; the order without a chat was not.
    expect(await classifications()).toEqual([...Array(ORDERS).fill("LED@v2"), "UNATTRIBUTED@v1"]);
    const after = await stored();
    expect(after.computedAt).toEqual(before.computedAt);
    expect(after.evidence).toEqual(before.evidence);
    expect((await findOrderAttribution(prisma, await currentShop(), "6000"))!.attribution).toMatchObject({
      settingsVersion: 1,
      sameUnderSettingsVersion: 2,
    });
    expect((await findOrderAttribution(prisma, await currentShop(), "5000"))!.attribution).toMatchObject({
      class: "LED",
      settingsVersion: 2,
      sameUnderSettingsVersion: null,
    });
  });

  describe("after a settings change, recomputes only the orders the change can move", () => {
    /** Orders naming no conversation: one plain, one a test order, one of 100.00 (the fixture's is 598.94). */
    async function seedWithoutChat() {
      for (const [id, extra] of [
        [6000, {}],
        [6001, { test: true }],
        [6002, { gross: "100.00" }],
      ] as const) {
        const fixture = orderFixture();
        if ("gross" in extra) {
          fixture.total_price_set.shop_money.amount = extra.gross;
          fixture.current_total_price_set.shop_money.amount = extra.gross;
        }
        const test = "test" in extra;
        const parsed = parseOrderPayload({ ...fixture, test, id, name: `#${id}`, note_attributes: [] });
        if (!parsed.ok) throw new Error(parsed.reason);
        await ingestVerifiedOrder(prismaSql(prisma), shopDomain, parsed.order);
      }
    }

    /** Every attribution's result and the facts that explain it, by Shopify order id. */
    const results = async () =>
      Object.fromEntries(
        (await prisma.attribution.findMany({ where: { shopId }, include: { order: true } })).map((a) => [
          a.order.shopifyOrderId,
          {
            result: [a.classification, a.conversationId, a.surface, a.matchedBy, a.minutesFromLastTouch, a.error],
            excludedReason: a.excludedReason,
            facts: (a.evidence as { facts: unknown }).facts,
          },
        ]),
      );

    for (const [name, change, recomputed, moved] of [
      ["a wider led window", { ledWindowHours: "48" }, ORDERS, {}],
      ["answers no longer required to have found something", { requireAnswerFound: "false" }, ORDERS, {}],
      // The test order's exclusion goes: it is recomputed, the other orders without a chat are not.
      ["test orders counted", { countTestOrders: "true" }, ORDERS + 1, { "6001": null }],
      // Every order of 598.94 is now an outlier; the order of 100.00 is not recomputed.
      ["a lower maximum order value", { maxOrderValue: "500" }, ORDERS + 1, { "6000": "OUTLIER" }],
    ] as const) {
      it(`${name}: the same attributions as recomputing every order`, async () => {
        await seedWithoutChat();
        const before = await results();
        const shop = await prisma.shop.findUniqueOrThrow({ where: { id: shopId } });
        const { job } = await updateShopSettings(
          prisma,
          shop,
          settingsInputSchema.parse({ ...settingsFormOf(shop), ...change }),
        );
        expect(job).toMatchObject({ scope: "SETTINGS" });
        // Batches of 2 walk past the orders without a chat: each batch recomputes at most 2.
        const progress: JobProgress[] = [];
        const done = await runReattribution(prisma, job!.id, { batchSize: 2, onProgress: (p) => progress.push(p) });
        expect(done).toMatchObject({ status: "DONE", processed: ORDERS + 3, recomputed });
        expect(progress.every((p, i) => p.recomputed - (progress[i - 1]?.recomputed ?? 0) <= 2)).toBe(true);
        const changed = await results();
        for (const [order, excludedReason] of Object.entries(moved)) {
          expect(before[order].excludedReason).not.toBe(excludedReason);
          expect(changed[order].excludedReason).toBe(excludedReason);
        }

        const every = await requestReattribution(prisma, shopId);
        expect(every.scope).toBe("ALL");
        expect(await runReattribution(prisma, every.id)).toMatchObject({
          status: "DONE",
          processed: ORDERS + 3,
          recomputed: ORDERS + 3,
        });
        expect(await results()).toEqual(changed);
      });
    }

    it("a request for every order while a settings change's job is unfinished makes it recompute every order", async () => {
      await seedWithoutChat();
      const { job } = await widenLedWindow(48);
      await runReattribution(prisma, job!.id, { batchSize: 2, maxBatches: 1 });
      const every = await requestReattribution(prisma, shopId);
      expect(every).toMatchObject({ id: job!.id, scope: "ALL", processed: 0, recomputed: 0 });
      // A settings change after it keeps it recomputing every order.
      const { job: again } = await widenLedWindow(12);
      expect(again).toMatchObject({ id: job!.id, scope: "ALL" });
      expect(await runReattribution(prisma, job!.id)).toMatchObject({ processed: ORDERS + 3, recomputed: ORDERS + 3 });
    });

    it("recomputes an order whose attribution failed, or was never stored", async () => {
      await seedWithoutChat();
      const [failed, missing] = await prisma.order.findMany({
        where: { shopId, shopifyOrderId: { in: ["6000", "6002"] } },
        orderBy: { shopifyOrderId: "asc" },
      });
      await prisma.attribution.update({ where: { orderId: failed.id }, data: { error: "engine failed" } });
      await prisma.attribution.delete({ where: { orderId: missing.id } });
      const { job } = await widenLedWindow(48);
      expect(await runReattribution(prisma, job!.id)).toMatchObject({ recomputed: ORDERS + 2 });
      expect(await prisma.attribution.findUniqueOrThrow({ where: { orderId: failed.id } })).toMatchObject({
        error: null,
      });
      expect(await prisma.attribution.findUnique({ where: { orderId: missing.id } })).not.toBeNull();
    });
  });

  it("can be requested on demand without a settings change", async () => {
    const job = await requestReattribution(prisma, shopId);
    await runReattribution(prisma, job.id);
    expect(await classifications()).toEqual(Array(ORDERS).fill("ASSISTED@v1"));
  });

  it("walks a batch by reading that batch from the index, not the shop's orders before it", async () => {
    const ORDERS_MORE = 3_000;
    await prisma.$executeRawUnsafe(
      `INSERT INTO "Order" (id, "shopId", "shopifyOrderId", "processedAt", currency, "grossAmount", "netAmount", verified, source, "updatedAt")
       SELECT gen_random_uuid(), $1::uuid, 'walk-' || n, timestamp '2008-01-01' + (n / 2) * interval '1 minute',
              'USD', 10, 10, true, 'WEBHOOK', now()
       FROM generate_series(1, ${ORDERS_MORE}) AS n`,
      shopId,
    );
    await prisma.$executeRawUnsafe(`ANALYZE "Order"`);
    const all = await prisma.order.findMany({
      where: { shopId },
      select: { id: true, processedAt: true },
      orderBy: [{ processedAt: "desc" }, { id: "desc" }],
    });
    const cursor = { id: all[999].id, processedAt: all[999].processedAt };
    // Newest first after the cursor, ties (two orders a minute) by id: the same orders as the full sort.
    const walked = await walkOrders(prismaSql(prisma), shopId, cursor, 100);
    expect(walked.map((order) => order.id)).toEqual(all.slice(1000, 1100).map((order) => order.id));
    // The plan reads about one batch of the shop's 3,010 orders whatever scan the planner prefers at this size.
    const rowsRead = await sqlTransaction(async (sql) => {
      await sql.query("SET LOCAL enable_seqscan = off");
      await sql.query("SET LOCAL enable_bitmapscan = off");
      const explaining = {
        query: <Row>(text: string, params?: readonly unknown[]) =>
          sql.query<Row>(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, params),
      };
      const [row] = await walkOrders(explaining as never, shopId, cursor, 100);
      type PlanNode = { "Relation Name"?: string; "Actual Rows": number; Plans?: PlanNode[] };
      const plan = (Object.values(row)[0] as unknown as [{ Plan: PlanNode }])[0].Plan;
      const scans = (node: PlanNode): PlanNode[] => [
        ...(node["Relation Name"] === "Order" ? [node] : []),
        ...(node.Plans ?? []).flatMap(scans),
      ];
      return scans(plan).reduce((sum, node) => sum + node["Actual Rows"], 0);
    });
    expect(rowsRead).toBeGreaterThanOrEqual(100);
    expect(rowsRead).toBeLessThan(200);
  });

  it("rejects settings a merchant could not mean, with a reason per field", () => {
    const result = settingsInputSchema.safeParse({
      ledWindowHours: "48",
      assistedWindowDays: "1",
      requireAnswerFound: "on",
      countTestOrders: "false",
      maxOrderValue: "-5",
      storeTranscripts: "false",
    });
    expect(result.success).toBe(false);
    const messages = Object.fromEntries(result.error!.issues.map((i) => [i.path.join("."), i.message]));
    expect(messages).toEqual({
      maxOrderValue: "must be an amount above 0",
      assistedWindowDays: "the assisted window must be at least as long as the led window",
    });
    const fractional = settingsInputSchema.safeParse({
      ledWindowHours: "1.5",
      assistedWindowDays: "7",
      requireAnswerFound: "on",
      countTestOrders: "false",
      maxOrderValue: "10",
      storeTranscripts: "false",
    });
    expect(fractional.error!.issues[0]).toMatchObject({
      path: ["ledWindowHours"],
      message: "must be a whole number of hours",
    });
  });
});
