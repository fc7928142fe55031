/**
 * Stores an order from a verified webhook and attributes it. Shopify delivers at least once and out of
 * order, sometimes a day late: the stored order is the newest by `updated_at`, and an older payload never
 * overwrites it (it only confirms the order as verified).
 */
import type { DbTx } from "../../db.server";
import { attributeStoredOrder } from "../attribution/attribute-order.server";
import { findOrCreateShop } from "../shops.server";
import type { ParsedOrder } from "./order-payload";
import { netAmountOf, parseRefundPayload } from "./refunds";

export type IngestOutcome = "CREATED" | "UPDATED" | "STALE";

/**
 * Shopify sends orders/paid, orders/updated, orders/cancelled and refunds/create for one order close together
 * and concurrently. Without a lock two versions could both read "stored is older than me" and the older one
 * write last, or a refund and its order could each miss the other. A transaction-scoped advisory lock per
 * (shop, order) serialises them; it is released at commit or rollback.
 */
async function lockOrder(db: DbTx, shopId: string, shopifyOrderId: string): Promise<void> {
  await db.$queryRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`${shopId}:${shopifyOrderId}`}, 0))::text AS locked`;
}

/** `source` says how Shopify's own data reached us: a signed webhook, or the Admin API during reconciliation. */
export async function ingestVerifiedOrder(db: DbTx, shopDomain: string, parsed: ParsedOrder, source: "WEBHOOK" | "RECONCILIATION" = "WEBHOOK"): Promise<IngestOutcome> {
  const shop = await findOrCreateShop(db, { domain: shopDomain, currency: parsed.currency });
  await lockOrder(db, shop.id, parsed.shopifyOrderId);
  const existing = await db.order.findUnique({
    where: { shopId_shopifyOrderId: { shopId: shop.id, shopifyOrderId: parsed.shopifyOrderId } },
    select: { id: true, shopifyUpdatedAt: true, verified: true },
  });
  const isStale =
    existing?.verified && existing.shopifyUpdatedAt && existing.shopifyUpdatedAt.getTime() >= parsed.shopifyUpdatedAt.getTime();
  if (isStale) return "STALE";

  // The chat stamps stay in noteAttributes and line items; the rest of the parsed order maps onto columns.
  const { shopifyOrderId, lineItems, chatSessionId: _cartStamp, chatVisitorId: _visitorStamp, ...columns } = parsed;
  const refunds = await db.refund.findMany({ where: { shopId: shop.id, shopifyOrderId } });
  const fields = { ...columns, netAmount: netAmountOf(columns, refunds), verified: true };
  const order = existing
    ? await db.order.update({ where: { id: existing.id }, data: fields })
    : await db.order.create({ data: { shopId: shop.id, shopifyOrderId, source, ...fields } });
  if (existing) await db.orderLineItem.deleteMany({ where: { orderId: order.id } });
  await db.orderLineItem.createMany({
    data: lineItems.map((item) => ({ shopId: shop.id, orderId: order.id, ...item })),
  });
  // When the shop's orders last arrived, to the minute: a busy shop should not rewrite its row for every order.
  const now = new Date();
  if (!shop.lastWebhookAt || now.getTime() - shop.lastWebhookAt.getTime() > 60_000) {
    await db.shop.update({ where: { id: shop.id }, data: { lastWebhookAt: now } });
  }
  await attributeStoredOrder(db, shop, order.id);
  return existing ? "UPDATED" : "CREATED";
}

export type RefundOutcome = { status: "PROCESSED" } | { status: "REJECTED"; reason: string };

/**
 * refunds/create: the refund is kept whether or not its order is here yet (deliveries arrive out of order);
 * an order already stored gets its net recomputed, and an order that arrives later deducts it on ingest.
 */
export async function ingestRefund(db: DbTx, shopDomain: string, payload: unknown): Promise<RefundOutcome> {
  const shop = await findOrCreateShop(db, { domain: shopDomain });
  const parsed = parseRefundPayload(payload, shop.currency);
  if (!parsed.ok) return { status: "REJECTED", reason: parsed.reason };
  const { shopifyRefundId, ...refund } = parsed.refund;
  await lockOrder(db, shop.id, refund.shopifyOrderId);
  await db.refund.upsert({
    where: { shopId_shopifyRefundId: { shopId: shop.id, shopifyRefundId } },
    create: { shopId: shop.id, shopifyRefundId, ...refund },
    update: {},
  });
  const order = await db.order.findUnique({ where: { shopId_shopifyOrderId: { shopId: shop.id, shopifyOrderId: refund.shopifyOrderId } } });
  if (order?.currentTotalAmount) {
    const refunds = await db.refund.findMany({ where: { shopId: shop.id, shopifyOrderId: order.shopifyOrderId } });
    const netAmount = netAmountOf({ ...order, currentTotalAmount: order.currentTotalAmount }, refunds);
    await db.order.update({ where: { id: order.id }, data: { netAmount } });
  }
  return { status: "PROCESSED" };
}
