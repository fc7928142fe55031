/**
 * An order is never lost because of attribution, and one bad order never stops the others: the engine (and,
 * for reconciliation, the order write) is made to fail on chosen orders, and every path is checked to store the
 * rest, keep the failing order's money, report it, and compute it again later.
 */

import { storedSteps } from "../attribution/engine";
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { graphqlOrder, startAdminStandIn, type AdminStandIn } from "../../../test/admin-graphql-standin";
import { orderFixture } from "../../../test/fixtures";
import { createConversation } from "../../../test/report-fixtures";
import { prisma, sqlTransaction } from "../../db.server";
import { requestReattribution, runReattribution } from "../attribution/reattribution.server";
import { installShop } from "../shops.server";
import { processDeliveryBatch } from "../webhook-deliveries.server";
import { handleOrderWebhooks } from "./order-webhook.server";
import { reconcileShopOrders } from "./reconcile-orders.server";

const failing = vi.hoisted(() => ({ engineOn: new Set<string>(), ingestOf: new Set<string>() }));

vi.mock("../attribution/engine", async (importOriginal) => {
  const real = await importOriginal<typeof import("../attribution/engine")>();
  return {
    ...real,
    attributeOrder: (...args: Parameters<typeof real.attributeOrder>) => {
      if (failing.engineOn.has(args[0].name)) throw new Error("engine stand-in failed");
      return real.attributeOrder(...args);
    },
  };
});

vi.mock("./ingest-order.server", async (importOriginal) => {
  const real = await importOriginal<typeof import("./ingest-order.server")>();
  return {
    ...real,
    ingestVerifiedOrder: (...args: Parameters<typeof real.ingestVerifiedOrder>) => {
      if (failing.ingestOf.has(args[2].shopifyOrderId))
        throw new Error("value too long for type character varying(64)");
      return real.ingestVerifiedOrder(...args);
    },
  };
});

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
let domain: string;

function payload(id: number, session: string) {
  const now = new Date().toISOString();
  return {
    ...orderFixture(),
    id,
    name: `#F${id}`,
    processed_at: now,
    created_at: now,
    updated_at: now,
    note_attributes: [
      { name: "_chat_session_id", value: session },
      { name: "_chat_visitor_id", value: `v_${session}` },
    ],
  };
}

async function deliver(ids: number[], session: string) {
  return processDeliveryBatch(
    sqlTransaction,
    ids.map((id) => ({
      webhookId: `${domain}:${id}`,
      shopDomain: domain,
      topic: "ORDERS_PAID",
      payload: payload(id, session),
    })),
    handleOrderWebhooks,
  );
}

const stored = async (shopId: string, id: number) =>
  prisma.order.findUnique({
    where: { shopId_shopifyOrderId: { shopId, shopifyOrderId: String(id) } },
    include: { attribution: true },
  });

beforeEach(() => {
  domain = `isolation-${randomUUID().slice(0, 8)}.myshopify.com`;
  failing.engineOn.clear();
  failing.ingestOf.clear();
});

describe("an order whose attribution fails", () => {
  it("is stored with its money by the webhook, its attribution unattributed with the error, and its batch is unharmed", async () => {
    const shop = await installShop(prisma, { domain, currency: "USD" });
    await createConversation(shop, {
      externalId: "c_iso",
      visitorKey: "v_c_iso",
      startedAt: minutesAgo(40),
      touches: [{ at: minutesAgo(30) }],
    });
    failing.engineOn.add("#F701");
    const results = await deliver([700, 701, 702], "c_iso");
    expect(results.map((r) => r.status)).toEqual(["PROCESSED", "PROCESSED", "PROCESSED"]);

    const broken = await stored(shop.id, 701);
    expect(broken?.grossAmount?.toString()).toBe(orderFixture().total_price_set.shop_money.amount);
    expect(broken?.attribution).toMatchObject({
      classification: "UNATTRIBUTED",
      conversationId: null,
      error: "engine stand-in failed",
    });
    expect(storedSteps(broken!.attribution!.evidence)[0]).toContain("could not be computed");
    for (const id of [700, 702])
      expect((await stored(shop.id, id))?.attribution).toMatchObject({ classification: "LED", error: null });

    // The shop's next reconciliation computes it again, now that the engine works.
    failing.engineOn.clear();
    const shopify = await startAdminStandIn();
    try {
      const summary = await reconcileShopOrders(prisma, shop, shopify.admin);
      expect(summary).toMatchObject({ attributionsRetried: 1, attributionsStillFailing: 0 });
    } finally {
      await shopify.close();
    }
    expect((await stored(shop.id, 701))?.attribution).toMatchObject({ classification: "LED", error: null });
  });

  it("is skipped and counted by a re-attribution job, which finishes every other order", async () => {
    const shop = await installShop(prisma, { domain, currency: "USD" });
    await createConversation(shop, {
      externalId: "c_job",
      visitorKey: "v_c_job",
      startedAt: minutesAgo(40),
      touches: [{ at: minutesAgo(30) }],
    });
    await deliver([710, 711, 712, 713, 714], "c_job");
    failing.engineOn.add("#F712");
    const job = await requestReattribution(prisma, shop.id);
    const finished = await runReattribution(prisma, job.id, { batchSize: 2 });
    expect(finished).toMatchObject({ status: "DONE", processed: 5, failedOrders: 1, error: null });
    const rows = await prisma.attribution.findMany({
      where: { shopId: shop.id },
      include: { order: true },
      orderBy: { order: { shopifyOrderId: "asc" } },
    });
    expect(rows.map((row) => [row.order.shopifyOrderId, row.classification, row.error])).toEqual([
      ["710", "LED", null],
      ["711", "LED", null],
      ["712", "UNATTRIBUTED", "engine stand-in failed"],
      ["713", "LED", null],
      ["714", "LED", null],
    ]);
  });
});

describe("reconciliation meeting an order it cannot store", () => {
  let shopify: AdminStandIn;
  beforeEach(async () => {
    shopify = await startAdminStandIn();
  });
  afterEach(async () => {
    await shopify.close();
  });

  it("records it, stores the orders after it, moves the sync point, and stores it on a later run", async () => {
    const shop = await installShop(prisma, { domain, currency: "EUR" });
    for (let i = 0; i < 3; i++) shopify.orders.push(graphqlOrder(93000 + i, { updatedAt: minutesAgo(30 - i) }));
    failing.ingestOf.add("93001");
    const first = await reconcileShopOrders(prisma, shop, shopify.admin);
    expect(first).toMatchObject({ fetched: 3, complete: true, outcomes: { CREATED: 2, FAILED: 1 } });
    expect(await stored(shop.id, 93000)).not.toBeNull();
    expect(await stored(shop.id, 93002)).not.toBeNull();
    expect(await stored(shop.id, 93001)).toBeNull();
    expect(await prisma.reconcileFailure.findMany({ where: { shopId: shop.id } })).toMatchObject([
      { shopifyOrderId: "93001", attempts: 1, error: "value too long for type character varying(64)" },
    ]);
    const synced = await prisma.shop.findUniqueOrThrow({ where: { id: shop.id } });
    expect(synced.lastOrderSyncAt?.toISOString()).toBe(first.syncedTo);

    // Still failing: asked for again by id, the attempt counted.
    shopify.requests.length = 0;
    const second = await reconcileShopOrders(prisma, synced, shopify.admin);
    expect(second).toMatchObject({ failuresRetried: 1, failuresResolved: 0 });
    expect(shopify.requests.filter((r) => r.operation === "ReconciledOrderById").map((r) => r.variables.id)).toEqual([
      "gid://shopify/Order/93001",
    ]);
    expect((await prisma.reconcileFailure.findMany({ where: { shopId: shop.id } }))[0].attempts).toBe(2);

    failing.ingestOf.clear();
    const third = await reconcileShopOrders(
      prisma,
      await prisma.shop.findUniqueOrThrow({ where: { id: shop.id } }),
      shopify.admin,
    );
    expect(third).toMatchObject({ failuresRetried: 1, failuresResolved: 1 });
    expect(await stored(shop.id, 93001)).not.toBeNull();
    expect(await prisma.reconcileFailure.count({ where: { shopId: shop.id } })).toBe(0);
  });
});
