/**
 * Demo mode: the admin in a plain local browser, with the real authenticate.admin in the loop. Session
 * tokens are minted for the demo shop with the app secret, exactly as App Bridge's would be. Every
 * function here refuses to work unless demo mode is on (and demo mode refuses NODE_ENV=production).
 */
import { appConfig, assertDemoModeAllowed, DEMO_SHOP_DOMAIN, isDemoMode } from "../config.server";
import { adminHostParam, signSessionToken } from "./signing.server";
import demoAppBridgeSource from "./demo-app-bridge.js?raw";

export function requireDemoMode(): void {
  assertDemoModeAllowed();
  if (!isDemoMode()) throw new Response("Not found", { status: 404 });
}

export function mintDemoSessionToken(): string {
  requireDemoMode();
  const config = appConfig();
  return signSessionToken(config.apiSecret, { shop: DEMO_SHOP_DOMAIN, apiKey: config.apiKey });
}

/**
 * The URL Shopify's admin would load in the app iframe, session token included, with the admin user's `locale` as
 * Shopify passes it (`/demo?locale=de` opens the demo in German).
 */
export function demoAdminUrl(path = "/app", locale = "en"): string {
  const params = new URLSearchParams({
    embedded: "1",
    shop: DEMO_SHOP_DOMAIN,
    host: adminHostParam(DEMO_SHOP_DOMAIN),
    id_token: mintDemoSessionToken(),
    locale,
  });
  return `${path}?${params}`;
}

/**
 * Stand-in for https://cdn.shopify.com/shopifycloud/app-bridge.js, which cannot load offline: session tokens on the
 * app's own fetches, the title bar, the contextual save bar and its leave confirmation (demo-app-bridge.js).
 */
export function demoAppBridgeScript(): string {
  requireDemoMode();
  const config = { apiKey: appConfig().apiKey, shop: DEMO_SHOP_DOMAIN };
  return `window.__demoAppBridge = ${JSON.stringify(config)};\n${demoAppBridgeSource}`;
}
