/**
 * The live state behind the Setup checklist: has each way in (order webhooks, the storefront embed, the
 * web pixel) delivered anything, and do orders arrive with the customer fields identity matching needs
 * (they are redacted until Shopify grants protected customer data access).
 */
import type { Shop } from "@prisma/client";
import type { DbTx } from "../../db.server";

export interface SetupStatus {
  lastWebhook: { topic: string; receivedAt: string; status: "PROCESSED" | "REJECTED" } | null;
  lastStorefrontEvent: string | null;
  /** When a chat backend last used one of the shop's API keys (the server API, tracked links). */
  lastApiKeyUse: string | null;
  pixel: { connected: boolean; lastHitAt: string | null };
  /** Reconciliation with Shopify: when it last completed, its last failure (until one succeeds), orders it owes. */
  reconcile: { lastSyncAt: string | null; failure: { at: string; error: string } | null; ordersWaiting: number };
  /** Of the most recent orders, how many carried a customer id and how many an e-mail (stored only hashed). */
  customerData: { sampled: number; withCustomerId: number; withEmail: number };
}

const CUSTOMER_DATA_SAMPLE = 50;

export async function loadSetupStatus(
  db: DbTx,
  shop: Pick<Shop, "id" | "domain" | "webPixelGid" | "lastOrderSyncAt" | "reconcileError" | "reconcileFailedAt">,
): Promise<SetupStatus> {
  const [delivery, storefrontEvent, serverEvent, pixelHit, recentOrders, ordersWaiting] = await Promise.all([
    db.webhookDelivery.findFirst({ where: { shopDomain: shop.domain }, orderBy: { receivedAt: "desc" } }),
    db.clientEvent.findFirst({ where: { shopId: shop.id, source: "STOREFRONT" }, orderBy: { receivedAt: "desc" } }),
    // A key's last use is the last server API request (a handful of keys per shop; no scan of the event ledger).
    db.apiKey.aggregate({ where: { shopId: shop.id }, _max: { lastUsedAt: true } }),
    db.pixelHit.findFirst({ where: { shopId: shop.id }, orderBy: { receivedAt: "desc" } }),
    db.order.findMany({
      where: { shopId: shop.id, verified: true, customerRedactedAt: null },
      orderBy: { processedAt: "desc" },
      take: CUSTOMER_DATA_SAMPLE,
      select: { customerId: true, emailHash: true },
    }),
    db.reconcileFailure.count({ where: { shopId: shop.id } }),
  ]);
  return {
    lastWebhook: delivery && {
      topic: delivery.topic,
      receivedAt: delivery.receivedAt.toISOString(),
      status: delivery.status,
    },
    lastStorefrontEvent: storefrontEvent?.receivedAt.toISOString() ?? null,
    lastApiKeyUse: serverEvent._max.lastUsedAt?.toISOString() ?? null,
    pixel: { connected: shop.webPixelGid !== null, lastHitAt: pixelHit?.receivedAt.toISOString() ?? null },
    reconcile: {
      lastSyncAt: shop.lastOrderSyncAt?.toISOString() ?? null,
      failure:
        shop.reconcileError && shop.reconcileFailedAt
          ? { at: shop.reconcileFailedAt.toISOString(), error: shop.reconcileError }
          : null,
      ordersWaiting,
    },
    customerData: {
      sampled: recentOrders.length,
      withCustomerId: recentOrders.filter((order) => order.customerId !== null).length,
      withEmail: recentOrders.filter((order) => order.emailHash !== null).length,
    },
  };
}
