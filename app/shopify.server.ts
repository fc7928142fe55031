import "@shopify/shopify-app-remix/adapters/node";
import { ApiVersion, AppDistribution, shopifyApp } from "@shopify/shopify-app-remix/server";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { appConfig } from "./config.server";
import { prisma } from "./db.server";
import { queuePlanRefresh, refreshShopPlan } from "./domain/billing/subscription.server";
import { connectWebPixel } from "./domain/pixel/connect-pixel.server";
import { installShop } from "./domain/shops.server";
import { log } from "./lib/log.server";
import { appAdminApi } from "./shopify/admin-api.server";

const config = appConfig();

// Webhook subscriptions are app-specific, declared in shopify.app.toml (Shopify's recommendation),
// so nothing is registered per shop here.
const shopify = shopifyApp({
  apiKey: config.apiKey,
  apiSecretKey: config.apiSecret,
  apiVersion: ApiVersion.July26,
  scopes: config.scopes,
  appUrl: config.appUrl,
  authPathPrefix: "/auth",
  sessionStorage: new PrismaSessionStorage(prisma, { connectionRetries: 1, connectionRetryIntervalMs: 500 }),
  distribution: AppDistribution.AppStore,
  isEmbeddedApp: true,
  // Token exchange (Shopify managed install) instead of the OAuth redirect dance inside the iframe.
  future: { unstable_newEmbeddedAuthStrategy: true, expiringOfflineAccessTokens: true },
  hooks: {
    // Runs once the shop has granted access (install, reinstall, new scopes): a reinstalled shop is installed
    // again (its webhooks were refused while it was not), and the pixel needs the shop's account id and our
    // ingest URL, which only the app can give it. Failures show on the Setup page.
    afterAuth: async ({ session, admin }) => {
      const shop = await installShop(prisma, { domain: session.shop });
      const connection = await connectWebPixel(prisma, shop, admin, config.appUrl);
      if (connection.status === "FAILED")
        log.warn({ shop: session.shop, reason: connection.reason }, "web pixel not connected");
      // The plan a reinstalled shop may already have; asked again by a job if Shopify does not answer now.
      await refreshShopPlan(prisma, shop.id, appAdminApi(admin)).catch(async (error: unknown) => {
        log.warn({ shop: session.shop, err: error }, "subscription not read at install");
        await queuePlanRefresh(session.shop);
      });
    },
  },
});

export default shopify;
export const apiVersion = ApiVersion.July26;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const sessionStorage = shopify.sessionStorage;
