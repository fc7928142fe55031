/**
 * Shopify's signing schemes, implemented from Shopify's documentation so that the demo and the tests can
 * produce exactly what Shopify sends. Incoming traffic is verified elsewhere: webhooks by
 * verified-webhook.server.ts and App Proxy requests by app-proxy.server.ts (each held to @shopify/shopify-api's
 * verdicts by its test), session tokens by @shopify/shopify-app-remix. Only the benchmark's floor handler checks
 * with what is here.
 */
import { createHmac, randomUUID } from "node:crypto";
import { ApiVersion } from "@shopify/shopify-api";

/** Webhooks: base64(HMAC-SHA256(client secret, raw body)) in X-Shopify-Hmac-Sha256. */
export function webhookHmac(secret: string, rawBody: string | Buffer): string {
  return createHmac("sha256", secret).update(rawBody).digest("base64");
}

export interface WebhookDeliveryHeaders {
  topic: string;
  shop: string;
  webhookId?: string;
  eventId?: string;
  triggeredAt?: string;
  apiVersion?: string;
}

/** The headers Shopify sends with a webhook delivery, the HMAC taken over exactly `rawBody`. */
export function signedWebhookHeaders(
  secret: string,
  rawBody: string,
  delivery: WebhookDeliveryHeaders,
): Record<string, string> {
  return {
    "Content-Type": "application/json",
    "X-Shopify-Topic": delivery.topic,
    "X-Shopify-Shop-Domain": delivery.shop,
    "X-Shopify-API-Version": delivery.apiVersion ?? ApiVersion.July26,
    "X-Shopify-Webhook-Id": delivery.webhookId ?? randomUUID(),
    "X-Shopify-Event-Id": delivery.eventId ?? randomUUID(),
    "X-Shopify-Triggered-At": delivery.triggeredAt ?? new Date().toISOString(),
    "X-Shopify-Hmac-Sha256": webhookHmac(secret, rawBody),
  };
}

export interface AppProxyForward {
  shop: string;
  loggedInCustomerId?: string;
  pathPrefix: string;
  /** Seconds since the epoch; now by default. */
  timestamp?: number;
}

/**
 * The query string Shopify's App Proxy forwards: the storefront request's own parameters (`query`), plus shop,
 * logged-in customer, path prefix and timestamp, signed.
 */
export function signedAppProxyParams(
  secret: string,
  forward: AppProxyForward,
  query = new URLSearchParams(),
): URLSearchParams {
  const params = new URLSearchParams(query);
  params.set("shop", forward.shop);
  params.set("logged_in_customer_id", forward.loggedInCustomerId ?? "");
  params.set("path_prefix", forward.pathPrefix);
  params.set("timestamp", String(forward.timestamp ?? Math.floor(Date.now() / 1000)));
  params.set("signature", appProxySignature(secret, params));
  return params;
}

/**
 * App Proxy: drop `signature`, join repeated keys' values with ",", sort the `key=value` pairs and
 * concatenate them with no separator; hex HMAC-SHA256 with the client secret.
 */
export function appProxySignature(secret: string, params: URLSearchParams): string {
  const grouped = new Map<string, string[]>();
  for (const [key, value] of params) {
    if (key === "signature") continue;
    grouped.set(key, [...(grouped.get(key) ?? []), value]);
  }
  const message = [...grouped.entries()]
    .map(([key, values]) => `${key}=${values.join(",")}`)
    .sort()
    .join("");
  return createHmac("sha256", secret).update(message).digest("hex");
}

const base64url = (input: Buffer | string) => Buffer.from(input).toString("base64url");

export interface SessionTokenClaims {
  shop: string;
  apiKey: string;
  userId?: string;
  /** Seconds from now until expiry; App Bridge tokens live one minute. */
  ttlSeconds?: number;
  now?: Date;
  /** Overrides of the token's `dest` and `iss` (tests of hostile tokens). */
  dest?: string;
  iss?: string;
}

/** App Bridge session token: an HS256 JWT signed with the client secret, audience = the app's API key. */
export function signSessionToken(secret: string, claims: SessionTokenClaims): string {
  const issuedAt = Math.floor((claims.now ?? new Date()).getTime() / 1000);
  const payload = {
    iss: claims.iss ?? `https://${claims.shop}/admin`,
    dest: claims.dest ?? `https://${claims.shop}`,
    aud: claims.apiKey,
    sub: claims.userId ?? "1",
    exp: issuedAt + (claims.ttlSeconds ?? 60),
    nbf: issuedAt - 5,
    iat: issuedAt,
    jti: randomUUID(),
    sid: randomUUID(),
  };
  const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = base64url(JSON.stringify(payload));
  const signature = createHmac("sha256", secret).update(`${header}.${body}`).digest("base64url");
  return `${header}.${body}.${signature}`;
}

/** The `host` parameter Shopify adds to embedded app URLs: base64 of the admin host + store path. */
export function adminHostParam(shop: string): string {
  const store = shop.replace(/\.myshopify\.com$/, "");
  return Buffer.from(`admin.shopify.com/store/${store}`).toString("base64").replace(/=+$/, "");
}
