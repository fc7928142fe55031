/**
 * What the admin home shows before any report exists: the shop's settings and whether each way in
 * (webhooks, storefront events, pixel) has delivered anything yet.
 */
import type { DbTx } from "../db.server";

export interface ShopOverview {
  domain: string;
  currency: string;
  timezone: string;
  settings: {
    ledWindowHours: number;
    assistedWindowDays: number;
    requireAnswerFound: boolean;
    countTestOrders: boolean;
    maxOrderValue: string;
  };
  counts: { orders: number; conversations: number; cartEvents: number; pixelHits: number };
  lastWebhookAt: string | null;
}

export async function loadShopOverview(db: DbTx, domain: string): Promise<ShopOverview | null> {
  const shop = await db.shop.findUnique({ where: { domain } });
  if (!shop) return null;
  const [orders, conversations, cartEvents, pixelHits, lastDelivery] = await Promise.all([
    db.order.count({ where: { shopId: shop.id } }),
    db.conversation.count({ where: { shopId: shop.id } }),
    db.cartEvent.count({ where: { shopId: shop.id } }),
    db.pixelHit.count({ where: { shopId: shop.id } }),
    db.webhookDelivery.findFirst({ where: { shopDomain: domain }, orderBy: { receivedAt: "desc" } }),
  ]);
  return {
    domain: shop.domain,
    currency: shop.currency,
    timezone: shop.timezone,
    settings: {
      ledWindowHours: shop.ledWindowHours,
      assistedWindowDays: shop.assistedWindowDays,
      requireAnswerFound: shop.requireAnswerFound,
      countTestOrders: shop.countTestOrders,
      maxOrderValue: shop.maxOrderValue.toFixed(2),
    },
    counts: { orders, conversations, cartEvents, pixelHits },
    lastWebhookAt: lastDelivery?.receivedAt.toISOString() ?? null,
  };
}
