/**
 * Order deliveries stored as a batch (the webhook route's group commit) must leave exactly what storing them one
 * at a time leaves: the same orders, nets, line items, attributions and delivery records.
 */

import { storedSteps } from "../attribution/engine";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { orderFixture } from "../../../test/fixtures";
import { prisma, sqlTransaction } from "../../db.server";
import { installShop } from "../shops.server";
import { processDeliveryBatch, type DeliveryMeta } from "../webhook-deliveries.server";
import { handleOrderWebhooks, type OrderDelivery } from "./order-webhook.server";

type Delivery = DeliveryMeta & OrderDelivery;

const processedAt = new Date(orderFixture().processed_at);

async function shopWithConversation() {
  const domain = `batch-${randomUUID().slice(0, 8)}.myshopify.com`;
  const shop = await installShop(prisma, { domain, currency: "USD" });
  const conversation = await prisma.conversation.create({
    data: { shopId: shop.id, externalId: "c_batch", startedAt: new Date(processedAt.getTime() - 7_200_000) },
  });
  await prisma.touchpoint.create({
    data: {
      shopId: shop.id,
      conversationId: conversation.id,
      kind: "ASSISTANT_ANSWER",
      answerFound: true,
      source: "STOREFRONT",
      occurredAt: new Date(processedAt.getTime() - 1_800_000),
    },
  });
  return domain;
}

/** A burst as Shopify sends it: new orders, a copy, two versions of one order (newer first), a refund, junk. */
function burst(domain: string): Delivery[] {
  const order = (id: number, extra: Record<string, unknown> = {}) => ({
    ...orderFixture(),
    id,
    name: `#${id}`,
    refunds: [],
    current_total_price_set: orderFixture().total_price_set,
    ...extra,
  });
  const delivery = (webhookId: string, topic: string, payload: unknown): Delivery => ({
    webhookId: `${domain}:${webhookId}`,
    shopDomain: domain,
    topic,
    payload,
  });
  const stamped = { note_attributes: [{ name: "_chat_session_id", value: "c_batch" }] };
  return [
    delivery("w1", "ORDERS_PAID", order(1, stamped)),
    delivery("w2", "ORDERS_PAID", order(2)),
    delivery("w1", "ORDERS_PAID", order(1, stamped)), // Shopify's retry of w1
    delivery(
      "w3",
      "ORDERS_CANCELLED",
      order(3, { updated_at: "2008-01-12T10:00:00-05:00", cancelled_at: "2008-01-12T10:00:00-05:00" }),
    ),
    delivery("w4", "ORDERS_PAID", order(3, { updated_at: "2008-01-10T11:00:00-05:00" })), // older: must not win
    delivery("w5", "REFUNDS_CREATE", {
      ...orderFixture().refunds[0],
      id: 77,
      order_id: 2,
      transactions: [{ amount: "100.00", currency: "USD", kind: "refund", status: "success" }],
    }),
    delivery("w6", "ORDERS_PAID", { id: 9, title: "not an order" }),
    delivery("w7", "ORDERS_UPDATED", order(2, { ...stamped, updated_at: "2008-01-11T09:00:00-05:00" })), // a newer version of order 2, now stamped
  ];
}

async function snapshot(domain: string) {
  const orders = await prisma.order.findMany({
    where: { shop: { domain } },
    orderBy: { shopifyOrderId: "asc" },
    include: { lineItems: { orderBy: { shopifyLineItemId: "asc" } }, attribution: true },
  });
  const deliveries = await prisma.webhookDelivery.findMany({
    where: { shopDomain: domain },
    orderBy: { webhookId: "asc" },
  });
  return {
    orders: orders.map((o) => ({
      shopifyOrderId: o.shopifyOrderId,
      cancelled: o.cancelledAt !== null,
      updatedAt: o.shopifyUpdatedAt?.toISOString(),
      gross: o.grossAmount?.toFixed(2),
      net: o.netAmount?.toFixed(2),
      lineItems: o.lineItems.map((li) => [li.shopifyLineItemId, li.amount.toFixed(2), li.chatSessionId]),
      classification: o.attribution?.classification,
      matchedBy: o.attribution?.matchedBy,
      steps: storedSteps(o.attribution?.evidence),
    })),
    deliveries: deliveries.map((d) => [d.webhookId.split(":")[1], d.topic, d.status, d.reason?.slice(0, 13) ?? null]),
  };
}

describe("order deliveries in one batch", () => {
  it("leave the same rows as the same deliveries stored one at a time, and report each outcome", async () => {
    const batched = await shopWithConversation();
    const results = await processDeliveryBatch(sqlTransaction, burst(batched), handleOrderWebhooks);
    expect(results.map((r) => r.status)).toEqual([
      "PROCESSED",
      "PROCESSED",
      "DUPLICATE",
      "PROCESSED",
      "PROCESSED",
      "PROCESSED",
      "REJECTED",
      "PROCESSED",
    ]);

    const oneByOne = await shopWithConversation();
    for (const delivery of burst(oneByOne)) await processDeliveryBatch(sqlTransaction, [delivery], handleOrderWebhooks);

    const stored = await snapshot(batched);
    expect(stored).toEqual(await snapshot(oneByOne));
    expect(stored.orders.map((o) => [o.shopifyOrderId, o.classification, o.net, o.cancelled])).toEqual([
      ["1", "LED", "598.94", false],
      ["2", "LED", "498.94", false], // refund of 100 deducted, second version's stamp attributed
      ["3", "UNATTRIBUTED", "0.00", true], // the cancelled version stands
    ]);
    expect(stored.deliveries.map(([id, , status]) => [id, status])).toEqual([
      ["w1", "PROCESSED"],
      ["w2", "PROCESSED"],
      ["w3", "PROCESSED"],
      ["w4", "PROCESSED"],
      ["w5", "PROCESSED"],
      ["w6", "REJECTED"],
      ["w7", "PROCESSED"],
    ]);
  });

  it("answers a batch delivered again with duplicates only, changing nothing", async () => {
    const domain = await shopWithConversation();
    await processDeliveryBatch(sqlTransaction, burst(domain), handleOrderWebhooks);
    const before = await snapshot(domain);
    const again = await processDeliveryBatch(sqlTransaction, burst(domain), handleOrderWebhooks);
    expect(new Set(again.map((r) => r.status))).toEqual(new Set(["DUPLICATE"]));
    expect(await snapshot(domain)).toEqual(before);
  });

  it("processes each delivery once when overlapping batches race (on PostgreSQL, for real)", async () => {
    const domain = await shopWithConversation();
    const deliveries = burst(domain);
    const racing = await Promise.all([
      processDeliveryBatch(sqlTransaction, deliveries, handleOrderWebhooks),
      processDeliveryBatch(sqlTransaction, [...deliveries].reverse(), handleOrderWebhooks),
      processDeliveryBatch(sqlTransaction, deliveries.slice(3), handleOrderWebhooks),
    ]);
    const processedTimes = new Map<string, number>();
    for (const [index, results] of racing.entries()) {
      const sent = index === 0 ? deliveries : index === 1 ? [...deliveries].reverse() : deliveries.slice(3);
      results.forEach((result, i) => {
        if (result.status !== "DUPLICATE")
          processedTimes.set(sent[i].webhookId, (processedTimes.get(sent[i].webhookId) ?? 0) + 1);
      });
    }
    expect([...processedTimes.values()].every((times) => times === 1)).toBe(true);
    expect(processedTimes.size).toBe(7);
    const oneByOne = await shopWithConversation();
    for (const delivery of burst(oneByOne)) await processDeliveryBatch(sqlTransaction, [delivery], handleOrderWebhooks);
    // Racing batches apply the versions of order 3 in whichever order they won; the newest stands either way.
    expect(await snapshot(domain)).toEqual(await snapshot(oneByOne));
  });

  it("keeps two shops apart in one batch, even for the same Shopify order id", async () => {
    const [first, second] = [await shopWithConversation(), await shopWithConversation()];
    const deliveries = [...burst(first), ...burst(second)];
    const results = await processDeliveryBatch(sqlTransaction, deliveries, handleOrderWebhooks);
    expect(results.filter((r) => r.status === "DUPLICATE")).toHaveLength(2);
    const oneByOne = await shopWithConversation();
    for (const delivery of burst(oneByOne)) await processDeliveryBatch(sqlTransaction, [delivery], handleOrderWebhooks);
    const expected = await snapshot(oneByOne);
    expect(await snapshot(first)).toEqual(expected);
    expect(await snapshot(second)).toEqual(expected);
    // Each shop's order 1 is credited to that shop's own conversation.
    for (const domain of [first, second]) {
      const order = await prisma.order.findFirstOrThrow({
        where: { shop: { domain }, shopifyOrderId: "1" },
        include: { attribution: { include: { conversation: true } } },
      });
      expect(order.attribution?.conversation?.shopId).toBe(order.shopId);
    }
  });
});
