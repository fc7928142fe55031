/**
 * Stores an order from a verified webhook and attributes it. Shopify delivers at least once and out of
 * order, sometimes a day late: the stored order is the newest by `updated_at`, and an older payload never
 * overwrites it (it only confirms the order as verified).
 */
import type { DbTx } from "../../db.server";
import { attributeStoredOrder } from "../attribution/attribute-order.server";
import { ensureShop } from "../shops.server";
import type { ParsedOrder } from "./order-payload";

export type IngestOutcome = "CREATED" | "UPDATED" | "STALE";

export async function ingestVerifiedOrder(db: DbTx, shopDomain: string, parsed: ParsedOrder): Promise<IngestOutcome> {
  const shop = (await db.shop.findUnique({ where: { domain: shopDomain } })) ?? (await ensureShop(db, { domain: shopDomain, currency: parsed.currency }));
  const existing = await db.order.findUnique({
    where: { shopId_shopifyOrderId: { shopId: shop.id, shopifyOrderId: parsed.shopifyOrderId } },
    select: { id: true, shopifyUpdatedAt: true, verified: true },
  });
  const isStale =
    existing?.verified && existing.shopifyUpdatedAt && existing.shopifyUpdatedAt.getTime() >= parsed.shopifyUpdatedAt.getTime();
  if (existing && isStale) return "STALE";

  const fields = {
    name: parsed.name,
    processedAt: parsed.processedAt,
    shopifyCreatedAt: parsed.shopifyCreatedAt,
    shopifyUpdatedAt: parsed.shopifyUpdatedAt,
    test: parsed.test,
    financialStatus: parsed.financialStatus,
    cancelledAt: parsed.cancelledAt,
    currency: parsed.currency,
    presentmentCurrency: parsed.presentmentCurrency,
    grossAmount: parsed.grossAmount,
    netAmount: parsed.netAmount,
    checkoutToken: parsed.checkoutToken,
    cartToken: parsed.cartToken,
    customerId: parsed.customerId,
    emailSha256: parsed.emailSha256,
    noteAttributes: parsed.noteAttributes,
    verified: true,
  };
  const order = existing
    ? await db.order.update({ where: { id: existing.id }, data: fields })
    : await db.order.create({ data: { shopId: shop.id, shopifyOrderId: parsed.shopifyOrderId, source: "WEBHOOK", ...fields } });
  await db.orderLineItem.deleteMany({ where: { orderId: order.id } });
  await db.orderLineItem.createMany({
    data: parsed.lineItems.map((item) => ({ shopId: shop.id, orderId: order.id, ...item })),
  });
  await db.shop.update({ where: { id: shop.id }, data: { lastWebhookAt: new Date() } });
  await attributeStoredOrder(db, shop, order.id);
  return existing ? "UPDATED" : "CREATED";
}
