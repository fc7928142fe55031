import { describe, expect, it } from "vitest";
import { prisma, sqlTransaction } from "../db.server";
import { installShop, findOrCreateIngestShops, markShopUninstalled, redactShop } from "./shops.server";
import { processDeliveryOnce } from "./webhook-deliveries.server";

const domain = "lifecycle.myshopify.com";

async function seedShopWithData(shopDomain: string) {
  const shop = await installShop(prisma, { domain: shopDomain, currency: "USD", timezone: "America/New_York" });
  await prisma.session.create({ data: { id: `offline_${shopDomain}`, shop: shopDomain, state: "", accessToken: "t" } });
  const visitor = await prisma.visitor.create({
    data: { shopId: shop.id, visitorKey: "v1", firstSeenAt: new Date(), lastSeenAt: new Date() },
  });
  const conversation = await prisma.conversation.create({
    data: { shopId: shop.id, externalId: "c1", visitorId: visitor.id, startedAt: new Date() },
  });
  await prisma.touchpoint.create({
    data: {
      shopId: shop.id,
      conversationId: conversation.id,
      kind: "ASSISTANT_ANSWER",
      answerFound: true,
      occurredAt: new Date(),
      source: "STOREFRONT",
    },
  });
  await prisma.visitorIdentity.create({
    data: { shopId: shop.id, visitorId: visitor.id, kind: "CUSTOMER_ID", value: "42", seenAt: new Date() },
  });
  await prisma.order.create({
    data: {
      shopId: shop.id,
      shopifyOrderId: "1",
      processedAt: new Date(),
      currency: "USD",
      grossAmount: "10.00",
      netAmount: "10.00",
      source: "WEBHOOK",
      verified: true,
    },
  });
  await prisma.webhookDelivery.create({
    data: { webhookId: `w-${shopDomain}`, shopDomain, topic: "orders/paid", status: "PROCESSED" },
  });
  return shop;
}

describe("shop lifecycle", () => {
  it("app/uninstalled removes sessions, marks the shop uninstalled and keeps its data; repeats are harmless", async () => {
    const shop = await seedShopWithData(domain);
    await markShopUninstalled(prisma, domain);
    await markShopUninstalled(prisma, domain);
    expect(await prisma.session.count({ where: { shop: domain } })).toBe(0);
    const after = await prisma.shop.findUniqueOrThrow({ where: { id: shop.id } });
    expect(after.status).toBe("UNINSTALLED");
    expect(after.uninstalledAt).not.toBeNull();
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(1);
  });

  it("shop/redact deletes every row of the shop and nothing of another shop", async () => {
    const victim = await seedShopWithData("redact-me.myshopify.com");
    const other = await seedShopWithData("keep-me.myshopify.com");
    // Issue 25.8: an installed shop (or one uninstalled under 48 hours ago) is never erased.
    expect(await redactShop(prisma, "redact-me.myshopify.com")).toEqual({
      status: "REJECTED",
      reason: "shop/redact for a shop that is installed or was uninstalled less than 48 hours ago",
    });
    await markShopUninstalled(prisma, "redact-me.myshopify.com");
    expect((await redactShop(prisma, "redact-me.myshopify.com")).status).toBe("REJECTED");
    expect(await prisma.order.count({ where: { shopId: victim.id } })).toBe(1);
    const twoDaysLater = new Date(Date.now() + 48 * 3_600_000 + 1_000);
    expect(await redactShop(prisma, "redact-me.myshopify.com", twoDaysLater)).toEqual({
      status: "PROCESSED",
      erasedShop: true,
    });

    const tables = [
      prisma.visitor,
      prisma.conversation,
      prisma.touchpoint,
      prisma.visitorIdentity,
      prisma.order,
    ] as unknown as { count: (args: object) => Promise<number> }[];
    for (const table of tables) {
      expect(await table.count({ where: { shopId: victim.id } })).toBe(0);
      expect(await table.count({ where: { shopId: other.id } })).toBe(1);
    }
    expect(await prisma.shop.count({ where: { domain: "redact-me.myshopify.com" } })).toBe(0);
    expect(await prisma.session.count({ where: { shop: "redact-me.myshopify.com" } })).toBe(0);
    expect(await prisma.webhookDelivery.count({ where: { shopDomain: "redact-me.myshopify.com" } })).toBe(0);
    expect(await prisma.webhookDelivery.count({ where: { shopDomain: "keep-me.myshopify.com" } })).toBe(1);
  });
});

describe("webhook deliveries", () => {
  const meta = { webhookId: "delivery-1", shopDomain: domain, topic: "orders/paid" };

  it("runs the work once per webhook id, however often it is delivered", async () => {
    let runs = 0;
    const results = [];
    for (let i = 0; i < 5; i++) {
      results.push(
        await processDeliveryOnce(prisma, meta, async () => {
          runs++;
          return { status: "PROCESSED" };
        }),
      );
    }
    expect(runs).toBe(1);
    expect(results.map((r) => r.status)).toEqual(["PROCESSED", "DUPLICATE", "DUPLICATE", "DUPLICATE", "DUPLICATE"]);
  });

  it("records a rejection with its reason and leaves nothing half-written when the work throws", async () => {
    const rejected = await processDeliveryOnce(prisma, { ...meta, webhookId: "delivery-2" }, async () => ({
      status: "REJECTED",
      reason: "not an order",
    }));
    expect(rejected).toEqual({ status: "REJECTED", reason: "not an order" });
    expect(await prisma.webhookDelivery.findUnique({ where: { webhookId: "delivery-2" } })).toMatchObject({
      status: "REJECTED",
      reason: "not an order",
    });

    await expect(
      processDeliveryOnce(prisma, { ...meta, webhookId: "delivery-3" }, async (tx) => {
        await tx.shop.create({ data: { domain: "half-written.myshopify.com" } });
        throw new Error("crash mid-delivery");
      }),
    ).rejects.toThrow("crash mid-delivery");
    expect(await prisma.shop.count({ where: { domain: "half-written.myshopify.com" } })).toBe(0);
    expect(await prisma.webhookDelivery.count({ where: { webhookId: "delivery-3" } })).toBe(0);
  });
});

describe("findOrCreateIngestShops", () => {
  const heldAdvisoryLocks = (sql: { query<Row>(text: string): Promise<Row[]> }) =>
    sql.query<{ held: number }>(
      `SELECT count(*)::int AS held FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted`,
    );

  it("takes the locks it is given even when none of the shops exists yet, and creates each missing shop once", async () => {
    const [known, fresh] = ["locks-known.myshopify.com", "locks-fresh.myshopify.com"];
    await installShop(prisma, { domain: known, currency: "EUR" });
    const { shops, held } = await sqlTransaction(async (sql) => {
      const shops = await findOrCreateIngestShops(
        sql,
        [
          { domain: fresh, currency: "CAD" },
          { domain: known, currency: "USD" },
          { domain: fresh, currency: "GBP" },
        ],
        [`${fresh}:1`, `${fresh}:2`, `${known}:1`],
      );
      return { shops, held: (await heldAdvisoryLocks(sql))[0].held };
    });
    expect(held).toBe(3);
    expect([...shops.keys()].sort()).toEqual([fresh, known]);
    expect(shops.get(fresh)).toMatchObject({ domain: fresh, currency: "CAD", lastWebhookAt: null });
    expect(shops.get(known)).toMatchObject({ domain: known, currency: "EUR" });
    expect(await prisma.shop.count({ where: { domain: fresh } })).toBe(1);

    const onlyMissing = await sqlTransaction(async (sql) => {
      await findOrCreateIngestShops(sql, [{ domain: "locks-none.myshopify.com" }], ["locks-none.myshopify.com:7"]);
      return (await heldAdvisoryLocks(sql))[0].held;
    });
    expect(onlyMissing).toBe(1);
  });

  it("reads every column the ingest paths use as the shop row holds it (none left undefined by the SQL)", async () => {
    const domain = "ingest-columns.myshopify.com";
    const stored = await installShop(prisma, { domain, currency: "EUR", timezone: "Asia/Tokyo" });
    const read = await sqlTransaction(async (sql) => (await findOrCreateIngestShops(sql, [{ domain }])).get(domain)!);
    const keys: (keyof typeof read)[] = [
      "id",
      "domain",
      "currency",
      "timezone",
      "settingsVersion",
      "ledWindowHours",
      "assistedWindowDays",
      "requireAnswerFound",
      "countTestOrders",
      "storeTranscripts",
    ];
    for (const key of keys) expect({ key, value: read[key] }).toEqual({ key, value: stored[key] });
    expect(read.maxOrderValue.toString()).toBe(stored.maxOrderValue.toFixed(4));
  });
});
