import { createHmac, timingSafeEqual } from "node:crypto";
import { appConfig } from "../config.server";
import { jsonResponse } from "../http/json";

/**
 * Verifies an App Proxy request the way @shopify/shopify-app-remix's authenticate.public.appProxy does (its
 * signature check is `api.utils.validateHmac(…, { signator: "appProxy" })`): the `signature` parameter is the hex
 * HMAC-SHA256, with the client secret, of the other parameters sorted by key, each `key=value` with repeated
 * values joined by ",", concatenated; `timestamp` within 90 s; `shop`, `signature`, `timestamp` and `hmac` at most
 * once. app-proxy.test.ts holds this and the library to the same verdict on every case.
 *
 * Not the library itself: under load it cost about 1.6 ms of CPU per storefront request (its WebCrypto HMAC, and
 * a read of the shop's offline session for Admin and Storefront clients that the event endpoints never use).
 * The library answers a bad signature with 400; the event protocol promises 401. The shop comes only from the
 * signed parameters.
 */
const SINGLE_VALUE_PARAMS = ["hmac", "shop", "signature", "timestamp"];
const TIMESTAMP_TOLERANCE_SECONDS = 90;

function signatureOf(secret: string, params: URLSearchParams): string {
  const values = new Map<string, string[]>();
  for (const [key, value] of params) {
    if (key === "signature" || key === "hmac") continue;
    values.set(key, [...(values.get(key) ?? []), value]);
  }
  const message = [...values.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, list]) => `${key}=${list.join(",")}`)
    .join("");
  return createHmac("sha256", secret).update(message).digest("hex");
}

function signedBy(secret: string, params: URLSearchParams, signature: string): boolean {
  const expected = Buffer.from(signatureOf(secret, params));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Whether the URL carries a valid App Proxy signature made with `secret` at most 90 s from `nowSeconds`. */
export function isSignedAppProxyUrl(url: URL, secret: string, nowSeconds = Math.trunc(Date.now() / 1000)): boolean {
  const params = new URLSearchParams(url.search);
  if (SINGLE_VALUE_PARAMS.some((key) => params.getAll(key).length > 1)) return false;
  const signature = params.get("signature");
  const timestamp = params.get("timestamp");
  if (!signature || timestamp === null || !Number.isInteger(Number(timestamp))) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS) return false;
  if (!params.get("index")) params.delete("index");
  if (signedBy(secret, params, signature)) return true;
  // Remix strips its `_data` parameter from the URL an action sees, but Shopify signed the URL with it (a Remix
  // fetch through the proxy): the library tries the two forms it can have, and so does this.
  const route = `routes%2F${url.pathname.replace(/^\//, "").replace(/\/$/, "").replaceAll("/", ".")}`;
  const query = url.search.replace(/^\?/, "");
  return [`_data=${route}&${params.toString()}`, `_data=${route}._index&${query}`].some((variant) =>
    signedBy(secret, new URLSearchParams(variant), signature),
  );
}

export async function verifyAppProxyRequest(request: Request, secret: string = appConfig().apiSecret) {
  const url = new URL(request.url);
  // Shopify always forwards `shop`; a signed URL without one names no shop to store anything for.
  if (!isSignedAppProxyUrl(url, secret) || !url.searchParams.get("shop"))
    throw jsonResponse({ error: "invalid app proxy signature" }, { status: 401 });
  return {
    shop: url.searchParams.get("shop")!,
    loggedInCustomerId: url.searchParams.get("logged_in_customer_id") || null,
  };
}
