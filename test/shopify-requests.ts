/**
 * Requests built exactly as Shopify sends them, signed with the test app's secret, for driving the real
 * verification code (authenticate.webhook, authenticate.public.appProxy, authenticate.admin).
 */
import { randomUUID } from "node:crypto";
import { adminHostParam, appProxySignature, signSessionToken, webhookHmac } from "../app/shopify/signing.server";
import { TEST_API_KEY, TEST_API_SECRET } from "./setup-env";

export const APP_URL = "https://chat-attribution.test";

export interface WebhookRequestOptions {
  topic: string;
  shop: string;
  body: unknown;
  path: string;
  webhookId?: string;
  secret?: string;
  apiVersion?: string;
  triggeredAt?: string;
}

export function webhookRequest(options: WebhookRequestOptions): Request {
  const raw = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  return new Request(`${APP_URL}${options.path}`, {
    method: "POST",
    body: raw,
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Topic": options.topic,
      "X-Shopify-Shop-Domain": options.shop,
      "X-Shopify-API-Version": options.apiVersion ?? "2026-07",
      "X-Shopify-Webhook-Id": options.webhookId ?? randomUUID(),
      "X-Shopify-Event-Id": randomUUID(),
      "X-Shopify-Triggered-At": options.triggeredAt ?? new Date().toISOString(),
      "X-Shopify-Hmac-Sha256": webhookHmac(options.secret ?? TEST_API_SECRET, raw),
    },
  });
}

export interface AppProxyRequestOptions {
  shop: string;
  path: string;
  method?: "GET" | "POST";
  body?: unknown;
  loggedInCustomerId?: string;
  pathPrefix?: string;
  timestamp?: number;
  secret?: string;
}

/** What Shopify forwards for https://<shop>/apps/<subpath>/<path>: the signed query parameters added. */
export function appProxyRequest(options: AppProxyRequestOptions): Request {
  const params = new URLSearchParams({
    shop: options.shop,
    logged_in_customer_id: options.loggedInCustomerId ?? "",
    path_prefix: options.pathPrefix ?? "/apps/chat-attribution",
    timestamp: String(options.timestamp ?? Math.floor(Date.now() / 1000)),
  });
  params.set("signature", appProxySignature(options.secret ?? TEST_API_SECRET, params));
  return new Request(`${APP_URL}${options.path}?${params}`, {
    method: options.method ?? "POST",
    ...(options.body === undefined
      ? {}
      : { body: JSON.stringify(options.body), headers: { "Content-Type": "application/json" } }),
  });
}

export function sessionToken(shop: string, secret = TEST_API_SECRET): string {
  return signSessionToken(secret, { shop, apiKey: TEST_API_KEY });
}

/** A fetch from inside the embedded admin: App Bridge adds the session token as a bearer header. */
export function adminFetchRequest(path: string, shop: string, init: RequestInit = {}, secret?: string): Request {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${sessionToken(shop, secret)}`);
  headers.set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36");
  return new Request(`${APP_URL}${path}`, { ...init, headers });
}

/** The document request Shopify's admin makes when it loads the app in its iframe. */
export function adminDocumentRequest(path: string, shop: string): Request {
  const params = new URLSearchParams({ embedded: "1", shop, host: adminHostParam(shop), id_token: sessionToken(shop) });
  return new Request(`${APP_URL}${path}?${params}`, {
    headers: { "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36" },
  });
}
