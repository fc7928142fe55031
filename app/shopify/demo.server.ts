/**
 * Demo mode: the admin in a plain local browser, with the real authenticate.admin in the loop. Session
 * tokens are minted for the demo shop with the app secret, exactly as App Bridge's would be. Every
 * function here refuses to work unless demo mode is on (and demo mode refuses NODE_ENV=production).
 */
import { appConfig, assertDemoModeAllowed, DEMO_SHOP_DOMAIN, isDemoMode } from "../config.server";
import { adminHostParam, signSessionToken } from "./signing.server";

export function requireDemoMode(): void {
  assertDemoModeAllowed();
  if (!isDemoMode()) throw new Response("Not found", { status: 404 });
}

export function mintDemoSessionToken(): string {
  requireDemoMode();
  const config = appConfig();
  return signSessionToken(config.apiSecret, { shop: DEMO_SHOP_DOMAIN, apiKey: config.apiKey });
}

/** The URL Shopify's admin would load in the app iframe, session token included. */
export function demoAdminUrl(path = "/app"): string {
  const params = new URLSearchParams({
    embedded: "1",
    shop: DEMO_SHOP_DOMAIN,
    host: adminHostParam(DEMO_SHOP_DOMAIN),
    id_token: mintDemoSessionToken(),
  });
  return `${path}?${params}`;
}

/**
 * Stand-in for https://cdn.shopify.com/shopifycloud/app-bridge.js, which cannot load offline. Like App
 * Bridge it exposes `shopify.idToken()` and adds `Authorization: Bearer <session token>` to the app's
 * own fetches, so loaders and the report API go through authenticate.admin unchanged.
 */
export function demoAppBridgeScript(): string {
  requireDemoMode();
  const config = appConfig();
  return `(() => {
  const tokenUrl = "/demo/session-token";
  let cached = null;
  async function idToken() {
    if (cached && cached.expires > Date.now() + 5000) return cached.token;
    const response = await originalFetch(tokenUrl, { credentials: "same-origin" });
    const token = await response.text();
    cached = { token, expires: Date.now() + 55000 };
    return token;
  }
  const originalFetch = window.fetch.bind(window);
  window.fetch = async (input, init = {}) => {
    const url = new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url, location.href);
    if (url.origin !== location.origin || url.pathname === tokenUrl) return originalFetch(input, init);
    const headers = new Headers(init.headers || (input instanceof Request ? input.headers : undefined));
    if (!headers.has("Authorization")) headers.set("Authorization", "Bearer " + (await idToken()));
    return originalFetch(input, { ...init, headers });
  };
  window.shopify = {
    config: { apiKey: ${JSON.stringify(config.apiKey)}, shop: ${JSON.stringify(DEMO_SHOP_DOMAIN)} },
    idToken,
    toast: { show(message) { console.info("[toast]", message); } },
    loading() {},
  };
})();
`;
}
