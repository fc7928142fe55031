import "@shopify/shopify-app-remix/adapters/node";
import { ApiVersion, AppDistribution, shopifyApp } from "@shopify/shopify-app-remix/server";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { appConfig } from "./config.server";
import { prisma } from "./db.server";

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
});

export default shopify;
export const apiVersion = ApiVersion.July26;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const sessionStorage = shopify.sessionStorage;
