/**
 * Signed order webhooks built from Shopify's fixture, through the real route and its HMAC check (app/shopify/verified-webhook.server.ts).
 */

import { storedSteps } from "../domain/attribution/engine";
import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { dispatch } from "../../test/app-routes";
import { orderFixture } from "../../test/fixtures";
import { webhookRequest } from "../../test/shopify-requests";
import { prisma } from "../db.server";
import { installShop } from "../domain/shops.server";

const PROCESSED_AT = new Date("2008-01-10T16:00:00Z"); // the fixture's processed_at
let shop: string;

function deliver(body: unknown, { topic = "orders/paid", webhookId = randomUUID() } = {}) {
  return dispatch(webhookRequest({ path: "/webhooks/orders", topic, shop, body, webhookId }));
}

async function seedConversation(shopDomain: string, externalId: string, answeredMinutesBefore: number) {
  const s = await prisma.shop.findUniqueOrThrow({ where: { domain: shopDomain } });
  const conversation = await prisma.conversation.create({
    data: { shopId: s.id, externalId, startedAt: new Date(PROCESSED_AT.getTime() - 3_600_000 * 48) },
  });
  await prisma.touchpoint.create({
    data: {
      shopId: s.id,
      conversationId: conversation.id,
      kind: "ASSISTANT_ANSWER",
      answerFound: true,
      source: "STOREFRONT",
      occurredAt: new Date(PROCESSED_AT.getTime() - answeredMinutesBefore * 60_000),
    },
  });
}

const stamped = (sessionId: string) => ({
  ...orderFixture(),
  note_attributes: [{ name: "_chat_session_id", value: sessionId }],
});

describe("order webhooks", () => {
  beforeEach(async () => {
    shop = `orders-${randomUUID().slice(0, 8)}.myshopify.com`;
    await installShop(prisma, { domain: shop, currency: "USD", timezone: "America/New_York" });
  });

  it("stores the fixture order with shop-money amounts and classifies a stamped order as led", async () => {
    await seedConversation(shop, "c_8a3c", 45);
    expect((await deliver(stamped("c_8a3c"))).status).toBe(200);
    const order = await prisma.order.findFirstOrThrow({
      where: { shop: { domain: shop } },
      include: { attribution: true, lineItems: true },
    });
    expect(order).toMatchObject({ shopifyOrderId: "450789469", name: "#1001", verified: true, currency: "USD" });
    expect(order.grossAmount!.toFixed(2)).toBe("598.94");
    expect(order.netAmount!.toFixed(2)).toBe("199.65");
    expect(order.lineItems).toHaveLength(3);
    expect(order.attribution).toMatchObject({
      classification: "LED",
      matchedBy: "CART_ATTRIBUTE",
      minutesFromLastTouch: 45,
      surface: "CHAT_WIDGET",
    });
    expect(storedSteps(order.attribution!.evidence)[0]).toBe(
      "Order #1001 carries cart attribute _chat_session_id = c_8a3c.",
    );
  });

  it("classifies an order without chat evidence as unattributed", async () => {
    await deliver(orderFixture());
    const attribution = await prisma.attribution.findFirstOrThrow({ where: { shop: { domain: shop } } });
    expect(attribution).toMatchObject({ classification: "UNATTRIBUTED", conversationId: null });
  });

  it("counts a delivery repeated ×5 once, by webhook id and by order", async () => {
    await seedConversation(shop, "c_x", 30);
    const webhookId = randomUUID();
    for (let i = 0; i < 5; i++) expect((await deliver(stamped("c_x"), { webhookId })).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await deliver(stamped("c_x"), { topic: "orders/updated" })).status).toBe(200);
    expect(await prisma.order.count({ where: { shop: { domain: shop } } })).toBe(1);
    expect(await prisma.attribution.count({ where: { shop: { domain: shop } } })).toBe(1);
    expect(await prisma.orderLineItem.count({ where: { shop: { domain: shop } } })).toBe(3);
    expect(await prisma.webhookDelivery.count({ where: { shopDomain: shop } })).toBe(6);
  });

  it("never lets an older payload overwrite a newer one", async () => {
    const newer = {
      ...orderFixture(),
      updated_at: "2008-01-12T10:00:00-05:00",
      cancelled_at: "2008-01-12T10:00:00-05:00",
      financial_status: "refunded",
    };
    const older = { ...orderFixture(), updated_at: "2008-01-10T11:00:00-05:00" };
    await deliver(newer, { topic: "orders/cancelled" });
    await deliver(older, { topic: "orders/paid" });
    const order = await prisma.order.findFirstOrThrow({ where: { shop: { domain: shop } } });
    expect(order.financialStatus).toBe("refunded");
    expect(order.netAmount!.toFixed(2)).toBe("0.00");
    expect(order.cancelledAt).not.toBeNull();
  });

  it("records every one of many versions of one order delivered at once, and keeps the newest", async () => {
    // Shopify sends paid/updated/cancelled for one order within moments; on PostgreSQL these really run in parallel.
    const versions = Array.from({ length: 8 }, (_, i) => ({
      ...orderFixture(),
      updated_at: new Date(Date.UTC(2008, 0, 11, 0, i)).toISOString(),
      financial_status: i === 5 ? "refunded" : "paid",
      cancelled_at: i === 5 ? new Date(Date.UTC(2008, 0, 11, 0, i)).toISOString() : null,
    }));
    const newestFirst = [5, 7, 6].map((i) => ({
      ...versions[i],
      updated_at: new Date(Date.UTC(2008, 0, 11, 1, 8 - i)).toISOString(),
    }));
    const answers = await Promise.all(
      [...versions, ...newestFirst].map((body, i) =>
        deliver(body, { topic: i % 2 ? "orders/updated" : "orders/paid" }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
    expect(await prisma.webhookDelivery.count({ where: { shopDomain: shop, status: "PROCESSED" } })).toBe(11);
    const orders = await prisma.order.findMany({
      where: { shop: { domain: shop } },
      include: { lineItems: true, attribution: true },
    });
    expect(orders).toHaveLength(1);
    // The newest version is the first of newestFirst: index 5 moved to 01:03, the latest updated_at sent.
    expect(orders[0].shopifyUpdatedAt!.toISOString()).toBe("2008-01-11T01:03:00.000Z");
    expect(orders[0].financialStatus).toBe("refunded");
    expect(orders[0].lineItems).toHaveLength(3);
    expect(orders[0].attribution).not.toBeNull();
  });

  it("acknowledges JSON that is not an order, records why, and stores nothing", async () => {
    const webhookId = randomUUID();
    const response = await deliver({ id: 1, title: "a product" }, { webhookId });
    expect(response.status).toBe(200);
    expect(await prisma.order.count({ where: { shop: { domain: shop } } })).toBe(0);
    const delivery = await prisma.webhookDelivery.findUniqueOrThrow({ where: { webhookId } });
    expect(delivery.status).toBe("REJECTED");
    expect(delivery.reason).toMatch(/^not an order: /);
  });

  it("stores nothing for a shop the app is not installed on, and creates no shop for it", async () => {
    // Before the fix a signed delivery for any domain created that shop and stored its order.
    const stranger = `never-installed-${randomUUID().slice(0, 8)}.myshopify.com`;
    const uninstalled = `uninstalled-${randomUUID().slice(0, 8)}.myshopify.com`;
    await installShop(prisma, { domain: uninstalled, currency: "USD" });
    await prisma.shop.update({ where: { domain: uninstalled }, data: { status: "UNINSTALLED" } });
    for (const [domain, topic, body] of [
      [stranger, "orders/paid", orderFixture()],
      [uninstalled, "orders/updated", orderFixture()],
      [uninstalled, "refunds/create", orderFixture().refunds[0]],
    ] as const) {
      const webhookId = randomUUID();
      const response = await dispatch(
        webhookRequest({ path: "/webhooks/orders", topic, shop: domain, body, webhookId }),
      );
      // Acknowledged (Shopify would otherwise retry for 48 hours) and recorded with why.
      expect(response.status).toBe(200);
      const delivery = await prisma.webhookDelivery.findUniqueOrThrow({ where: { webhookId } });
      expect(delivery).toMatchObject({ status: "REJECTED", reason: expect.stringContaining("not installed") });
    }
    expect(await prisma.shop.count({ where: { domain: stranger } })).toBe(0);
    expect(await prisma.order.count({ where: { shop: { domain: { in: [stranger, uninstalled] } } } })).toBe(0);
    expect(await prisma.refund.count({ where: { shop: { domain: uninstalled } } })).toBe(0);
  });

  it("answers a correctly signed body that is not JSON with 400, not a server error (found by the fuzz run)", async () => {
    for (const body of ['{"id": 1,,}', "[[[[", "not json at all"]) {
      const response = await deliver(body);
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(/^webhook body is not JSON/);
    }
    expect(await prisma.order.count({ where: { shop: { domain: shop } } })).toBe(0);
  });

  describe("refunds/create", () => {
    // The fixture before any refund: the full total is current and no refund is listed.
    const unrefunded = () => ({
      ...orderFixture(),
      financial_status: "paid",
      refunds: [],
      current_total_price_set: orderFixture().total_price_set,
    });
    const refund = (id: number, amount: string) => ({
      ...orderFixture().refunds[0],
      id,
      transactions: [{ amount, currency: "USD", kind: "refund", status: "success" }],
    });
    const net = async () =>
      (await prisma.order.findFirstOrThrow({ where: { shop: { domain: shop } } })).netAmount!.toFixed(2);

    it("deducts a partial refund from an order already stored, once however often it is delivered", async () => {
      await deliver(unrefunded());
      const webhookId = randomUUID();
      for (let i = 0; i < 3; i++) await deliver(refund(1, "100.00"), { topic: "refunds/create", webhookId });
      await deliver(refund(1, "100.00"), { topic: "refunds/create" }); // same refund, new delivery id
      expect(await net()).toBe("498.94");
      expect(await prisma.refund.count({ where: { shop: { domain: shop } } })).toBe(1);
    });

    it("keeps a refund that arrives before its order and applies it when the order comes", async () => {
      expect((await deliver(refund(2, "98.94"), { topic: "refunds/create" })).status).toBe(200);
      expect(await prisma.order.count({ where: { shop: { domain: shop } } })).toBe(0);
      await deliver(unrefunded());
      expect(await net()).toBe("500.00");
    });

    it("does not deduct twice once orders/updated reflects the refund", async () => {
      await deliver(unrefunded());
      await deliver({ ...orderFixture().refunds[0] }, { topic: "refunds/create" }); // 209.00, id 509562969
      expect(await net()).toBe("389.94");
      const reflected = { ...orderFixture(), updated_at: "2025-04-02T11:30:30-05:00" }; // lists 509562969, current 199.65
      await deliver(reflected, { topic: "orders/updated" });
      expect(await net()).toBe("199.65");
    });

    it("takes a full refund to zero net; the order keeps its gross and classification", async () => {
      await seedConversation(shop, "c_full", 30);
      await deliver({ ...unrefunded(), note_attributes: [{ name: "_chat_session_id", value: "c_full" }] });
      await deliver(refund(3, "598.94"), { topic: "refunds/create" });
      const order = await prisma.order.findFirstOrThrow({
        where: { shop: { domain: shop } },
        include: { attribution: true },
      });
      expect(order.netAmount!.toFixed(2)).toBe("0.00");
      expect(order.grossAmount!.toFixed(2)).toBe("598.94");
      expect(order.attribution!.classification).toBe("LED");
    });

    it("acknowledges a refunds/create body that is not a refund and records why", async () => {
      const webhookId = randomUUID();
      expect((await deliver({ id: 5 }, { topic: "refunds/create", webhookId })).status).toBe(200);
      const delivery = await prisma.webhookDelivery.findUniqueOrThrow({ where: { webhookId } });
      expect(delivery).toMatchObject({ status: "REJECTED", reason: expect.stringMatching(/^not a refund: /) });
      expect(await prisma.refund.count({ where: { shop: { domain: shop } } })).toBe(0);
    });
  });
});
