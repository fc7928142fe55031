/**
 * Reconciliation against a stand-in Admin GraphQL endpoint over HTTP: missed orders arrive through the webhook's
 * own parse and ingest, newer copies update, older ones do not, pixel-only orders get confirmed, and the sync
 * point only moves forward after a run that saw everything.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { graphqlOrder, startAdminStandIn, type AdminStandIn } from "../../../test/admin-graphql-standin";
import { createConversation, createReportShop } from "../../../test/report-fixtures";
import { prisma } from "../../db.server";
import { reconcileShopOrders } from "./reconcile-orders.server";

let shopify: AdminStandIn;
let shop: Awaited<ReturnType<typeof createReportShop>>;
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const storedOrder = (id: number) =>
  prisma.order.findUnique({
    where: { shopId_shopifyOrderId: { shopId: shop.id, shopifyOrderId: String(id) } },
    include: { attribution: true },
  });

beforeEach(async () => {
  shopify = await startAdminStandIn();
  shop = await createReportShop({ currency: "EUR" });
});

afterEach(async () => {
  await shopify.close();
});

describe("reconcileShopOrders", () => {
  it("brings in an order whose webhook never came, attributed through the same ingest as a webhook", async () => {
    await createConversation(shop, {
      externalId: "c_missed",
      visitorKey: "v_missed",
      startedAt: minutesAgo(40),
      touches: [{ at: minutesAgo(35) }],
    });
    shopify.orders.push(
      graphqlOrder(91001, {
        customAttributes: [
          { key: "_chat_session_id", value: "c_missed" },
          { key: "_chat_visitor_id", value: "v_missed" },
        ],
        updatedAt: minutesAgo(10),
        processedAt: minutesAgo(10),
      }),
    );
    const summary = await reconcileShopOrders(prisma, shop, shopify.admin);
    expect(summary).toMatchObject({
      fetched: 1,
      outcomes: { CREATED: 1, UPDATED: 0, STALE: 0, REJECTED: 0 },
      complete: true,
    });
    const order = await storedOrder(91001);
    expect(order).toMatchObject({ verified: true, source: "RECONCILIATION", name: "#91001" });
    expect(order?.grossAmount?.toString()).toBe("59.8");
    expect(order?.attribution).toMatchObject({ classification: "LED", matchedBy: "CART_ATTRIBUTE" });
    expect((await prisma.shop.findUniqueOrThrow({ where: { id: shop.id } })).lastOrderSyncAt?.toISOString()).toBe(
      summary.syncedTo,
    );
  });

  it("updates an order Shopify changed since, and leaves one it holds a newer copy of", async () => {
    shopify.orders.push(graphqlOrder(91002, { updatedAt: minutesAgo(20) }));
    shopify.orders.push(graphqlOrder(91003, { updatedAt: minutesAgo(20) }));
    await reconcileShopOrders(prisma, shop, shopify.admin);
    // Later: 91002 was partly refunded in Shopify; 91003 arrives again unchanged.
    shopify.orders[0] = {
      ...shopify.orders[0],
      updatedAt: minutesAgo(1),
      currentTotalPriceSet: { shopMoney: { amount: "29.90", currencyCode: "EUR" } },
    };
    const fresh = await prisma.shop.findUniqueOrThrow({ where: { id: shop.id } });
    const second = await reconcileShopOrders(
      prisma,
      { ...fresh, lastOrderSyncAt: new Date(Date.now() - 30 * 60_000) },
      shopify.admin,
    );
    expect(second.outcomes).toMatchObject({ UPDATED: 1, STALE: 1 });
    expect((await storedOrder(91002))?.netAmount?.toString()).toBe("29.9");
  });

  it("pages through a backlog, and asks only for orders updated since the last sync (with a small overlap)", async () => {
    for (let i = 0; i < 5; i++) shopify.orders.push(graphqlOrder(92000 + i, { updatedAt: minutesAgo(50 - i) }));
    const first = await reconcileShopOrders(prisma, shop, shopify.admin, { pageSize: 2 });
    expect(first).toMatchObject({ fetched: 5, complete: true, outcomes: { CREATED: 5 } });
    expect(shopify.requests.filter((r) => r.operation === "OrdersUpdatedSince").map((r) => r.variables.after)).toEqual([
      null,
      "2",
      "4",
    ]);

    shopify.requests.length = 0;
    const synced = await prisma.shop.findUniqueOrThrow({ where: { id: shop.id } });
    await reconcileShopOrders(prisma, synced, shopify.admin);
    const asked = String(shopify.requests[0].variables.query);
    expect(asked).toBe(`updated_at:>='${new Date(synced.lastOrderSyncAt!.getTime() - 5 * 60_000).toISOString()}'`);
  });

  it("continues a backlog longer than one run from the last order it saw", async () => {
    for (let i = 0; i < 5; i++) shopify.orders.push(graphqlOrder(93000 + i, { updatedAt: minutesAgo(50 - i) }));
    const cut = await reconcileShopOrders(prisma, shop, shopify.admin, { pageSize: 2, maxPages: 1 });
    expect(cut).toMatchObject({ fetched: 2, complete: false, syncedTo: shopify.orders[1].updatedAt });
    const rest = await reconcileShopOrders(
      prisma,
      await prisma.shop.findUniqueOrThrow({ where: { id: shop.id } }),
      shopify.admin,
      { pageSize: 10 },
    );
    expect(rest.outcomes.CREATED).toBe(3);
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(5);
  });

  it("confirms a pixel-only order that no webhook confirmed, by asking for it by id", async () => {
    const pixelOnly = await prisma.order.create({
      data: {
        shopId: shop.id,
        shopifyOrderId: "94001",
        processedAt: new Date(minutesAgo(120)),
        currency: "EUR",
        verified: false,
        source: "PIXEL",
        createdAt: new Date(minutesAgo(120)),
      },
    });
    // Shopify's search no longer lists it as recently updated, so only the by-id lookup finds it.
    const shopifyCopy = graphqlOrder(94001, { updatedAt: minutesAgo(119), amount: "120.00" });
    shopify.orders.push(shopifyCopy);
    const summary = await reconcileShopOrders(
      prisma,
      { ...shop, lastOrderSyncAt: new Date(minutesAgo(30)) },
      shopify.admin,
    );
    expect(summary).toMatchObject({ unverifiedChecked: 1, unverifiedConfirmed: 1 });
    expect(shopify.requests.map((r) => r.operation)).toEqual(["OrdersUpdatedSince", "ReconciledOrderById"]);
    const confirmed = await prisma.order.findUniqueOrThrow({ where: { id: pixelOnly.id } });
    expect(confirmed).toMatchObject({ verified: true });
    expect(confirmed.grossAmount?.toString()).toBe("120");
  });

  it("removes a pixel-only order Shopify does not know, so forged ids cannot hold the by-id window", async () => {
    const forged = Array.from({ length: 101 }, (_, index) => ({
      shopId: shop.id,
      shopifyOrderId: String(95_000 + index),
      processedAt: new Date(minutesAgo(120)),
      currency: "EUR",
      verified: false,
      source: "PIXEL" as const,
      createdAt: new Date(minutesAgo(120 - index / 1000)),
    }));
    await prisma.order.createMany({ data: forged });
    // A genuine pixel-only order reported after them: before the fix the forged ones were asked for on every
    // run and this one never.
    await prisma.order.create({
      data: { ...forged[0], shopifyOrderId: "94002", createdAt: new Date(minutesAgo(90)) },
    });
    shopify.orders.push(graphqlOrder(94002, { updatedAt: minutesAgo(89), amount: "80.00" }));
    const synced = { ...shop, lastOrderSyncAt: new Date(minutesAgo(30)) };
    const first = await reconcileShopOrders(prisma, synced, shopify.admin);
    expect(first).toMatchObject({ unverifiedChecked: 100, unverifiedConfirmed: 0, unverifiedRetired: 100 });
    const second = await reconcileShopOrders(prisma, synced, shopify.admin);
    expect(second).toMatchObject({ unverifiedChecked: 2, unverifiedConfirmed: 1, unverifiedRetired: 1 });
    expect(
      await prisma.order.findMany({ where: { shopId: shop.id }, select: { shopifyOrderId: true, verified: true } }),
    ).toEqual([{ shopifyOrderId: "94002", verified: true }]);
  });

  it("uses Shopify's partial answer for a shop without protected-customer-data access (customer denied, order complete)", async () => {
    shopify.customerAccessDenied = true;
    shopify.orders.push(graphqlOrder(7101, { amount: "42.00", customer: { id: "gid://shopify/Customer/555" } }));
    const summary = await reconcileShopOrders(prisma, shop, shopify.admin);
    expect(summary).toMatchObject({ fetched: 1, complete: true, outcomes: { CREATED: 1 } });
    const order = await storedOrder(7101);
    expect(order).toMatchObject({ verified: true, source: "RECONCILIATION", customerId: null });
    expect(order!.grossAmount?.toString()).toBe("42");
  });

  it("refuses an answer carrying any other error beside its data", async () => {
    const admin = {
      graphql: async () =>
        Response.json({
          data: { orders: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] } },
          errors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }],
        }),
    };
    await expect(reconcileShopOrders(prisma, shop, admin)).rejects.toThrow("Admin API: Throttled");
    expect((await prisma.shop.findUniqueOrThrow({ where: { id: shop.id } })).lastOrderSyncAt).toBeNull();
  });

  it("fails without moving the sync point when the Admin API is down or refuses the token", async () => {
    shopify.failWith = 503;
    await expect(reconcileShopOrders(prisma, shop, shopify.admin)).rejects.toThrow("Admin API: Service unavailable");
    shopify.failWith = null;
    await expect(reconcileShopOrders(prisma, shop, shopify.clientWithToken("shpat_revoked"))).rejects.toThrow(
      "Admin API: [API] Invalid API key or access token",
    );
    expect((await prisma.shop.findUniqueOrThrow({ where: { id: shop.id } })).lastOrderSyncAt).toBeNull();
  });
});
