/**
 * The demo shop: a shop row with currency and time zone, and an offline Shopify session so that the real
 * authenticate.admin accepts session tokens for it without a token exchange (which needs Shopify).
 */
import { Session } from "@shopify/shopify-api";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { ACCESS_SCOPES, DEMO_SHOP_DOMAIN } from "../config.server";
import type { Db } from "../db.server";
import { installShop } from "../domain/shops.server";
import { recordSubscription, subscriptionFactsOf } from "../domain/billing/subscription.server";
import { demoSubscription } from "./storefront/app-metafields-api";

export const DEMO_SHOP_PROFILE = {
  domain: DEMO_SHOP_DOMAIN,
  currency: "EUR",
  timezone: "Europe/Berlin",
  locale: "en",
};

export async function seedDemoShop(db: Db, now: Date = new Date()) {
  const shop = await installShop(db, DEMO_SHOP_PROFILE);
  await storeOfflineSession(db, DEMO_SHOP_DOMAIN, now);
  // What the app reads from Shopify at install: the demo shop is on a test trial of Pro (the simulator says the same).
  await recordSubscription(db, shop.id, subscriptionFactsOf(demoSubscription(now)), now);
  return shop;
}

/** An offline session as OAuth would have stored it: what lets authenticate.admin accept the shop's session tokens. */
export async function storeOfflineSession(db: Db, domain: string, now: Date = new Date()) {
  const storage = new PrismaSessionStorage(db, { connectionRetries: 1, connectionRetryIntervalMs: 100 });
  const session = new Session({
    id: `offline_${domain}`,
    shop: domain,
    state: "demo",
    isOnline: false,
    scope: ACCESS_SCOPES.join(","),
    accessToken: "demo-offline-access-token",
    expires: new Date(now.getTime() + 365 * 24 * 3600 * 1000),
  });
  await storage.storeSession(session);
}
