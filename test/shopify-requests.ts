/**
 * Requests built exactly as Shopify sends them, signed with the test app's secret, for driving the real
 * verification code (authenticate.webhook, authenticate.public.appProxy, authenticate.admin).
 */
import { randomUUID } from "node:crypto";
import {
  adminHostParam,
  signedAppProxyParams,
  signedWebhookHeaders,
  signSessionToken,
  type WebhookDeliveryHeaders,
} from "../app/shopify/signing.server";
import { TEST_API_KEY, TEST_API_SECRET } from "./setup-env";

export const APP_URL = "https://chat-attribution.test";

export interface WebhookRequestOptions extends WebhookDeliveryHeaders {
  body: unknown;
  path: string;
  secret?: string;
}

export function webhookRequest(options: WebhookRequestOptions): Request {
  const raw = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  return new Request(`${APP_URL}${options.path}`, {
    method: "POST",
    body: raw,
    headers: signedWebhookHeaders(options.secret ?? TEST_API_SECRET, raw, options),
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
  const params = signedAppProxyParams(options.secret ?? TEST_API_SECRET, {
    ...options,
    pathPrefix: options.pathPrefix ?? "/apps/chat-attribution",
  });
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
