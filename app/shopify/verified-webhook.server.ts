import { createHmac, timingSafeEqual } from "node:crypto";
import { appConfig } from "../config.server";

/**
 * Verifies a webhook delivery the way @shopify/shopify-api's `webhooks.validate` (which authenticate.webhook
 * calls) does, with the same answers — 405 not POST, 400 empty body or missing headers, 401 bad HMAC — and the
 * same topic form (`orders/paid` → `ORDERS_PAID`). `verified-webhook.test.ts` holds the two to the same verdict
 * on every case.
 *
 * Not the library itself: its path cost about 1 ms of CPU a delivery and a session read no topic here needs, and
 * it answers a signed body that is not JSON with a 500 (Shopify would retry it for two days); that is a 400 here.
 * See docs/decisions/004-verification-in-node-crypto.md.
 */
/**
 * Two header families: classic webhooks (`X-Shopify-*`) and Shopify's newer "Events" subscriptions (un-prefixed
 * `shopify-*`, in developer preview); the library accepts both, and so does this.
 */
const HEADER_FAMILIES = [
  {
    hmac: "shopify-hmac-sha256",
    topic: "shopify-topic",
    shop: "shopify-shop-domain",
    apiVersion: "shopify-api-version",
    webhookId: "shopify-webhook-id",
    eventId: null,
    triggeredAt: "shopify-triggered-at",
  },
  {
    hmac: "X-Shopify-Hmac-Sha256",
    topic: "X-Shopify-Topic",
    shop: "X-Shopify-Shop-Domain",
    apiVersion: "X-Shopify-API-Version",
    webhookId: "X-Shopify-Webhook-Id",
    eventId: "X-Shopify-Event-Id",
    triggeredAt: "X-Shopify-Triggered-At",
  },
] as const;

export interface VerifiedWebhook {
  topic: string;
  shop: string;
  webhookId: string;
  eventId: string | null;
  triggeredAt: string | null;
  payload: unknown;
}

const reject = (status: 400 | 401 | 405, reason: string) => new Response(reason, { status });

/** A shop's permanent domain, as Shopify names it in X-Shopify-Shop-Domain. */
export const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]{0,62}\.myshopify\.com$/;

/** Shopify's mandatory compliance topics (shopify.app.toml's compliance_topics), delivered to /webhooks/compliance. */
export const COMPLIANCE_TOPICS: ReadonlySet<string> = new Set([
  "SHOP_REDACT",
  "CUSTOMERS_REDACT",
  "CUSTOMERS_DATA_REQUEST",
]);

/**
 * The shop a signed body names, for the topics whose body names one: the compliance topics (`shop_domain`) and
 * app/uninstalled (the Shop resource's `myshopify_domain`). Undefined for topics whose body names none.
 */
export function payloadShopOf(topic: string, payload: unknown): string | null | undefined {
  const body = (payload ?? {}) as Record<string, unknown>;
  const field = topic === "APP_UNINSTALLED" ? "myshopify_domain" : COMPLIANCE_TOPICS.has(topic) ? "shop_domain" : null;
  if (!field) return undefined;
  return typeof body[field] === "string" ? (body[field] as string).toLowerCase() : null;
}

/** Refuses (400) a delivery whose signed body names another shop than its header. */
export function assertPayloadShop(webhook: Pick<VerifiedWebhook, "topic" | "shop" | "payload">): void {
  const named = payloadShopOf(webhook.topic, webhook.payload);
  if (named !== undefined && named !== webhook.shop)
    throw reject(400, `the body names shop ${named ?? "(none)"}, not ${webhook.shop}`);
}

/**
 * Refuses (400) a topic its address does not take. The topic header is not signed: without this, any captured
 * delivery replayed to /webhooks/app/uninstalled under its own topic uninstalled the shop its header named.
 */
export function assertTopic(webhook: Pick<VerifiedWebhook, "topic">, topics: ReadonlySet<string>): void {
  if (!topics.has(webhook.topic)) throw reject(400, `topic ${webhook.topic} is not delivered to this address`);
}

/** base64(HMAC-SHA256(secret, raw body)) compared in constant time. */
function hmacMatches(secret: string, rawBody: Buffer, header: string): boolean {
  const expected = createHmac("sha256", secret).update(rawBody).digest();
  const given = Buffer.from(header, "base64");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The verdict on an HTTP delivery; see above. Throws the Response that refuses it. */
export async function verifiedWebhook(
  request: Request,
  secret: string = appConfig().apiSecret,
): Promise<VerifiedWebhook> {
  if (request.method !== "POST") throw reject(405, "webhooks are POSTed");
  const rawBody = Buffer.from(await request.arrayBuffer());
  return webhookOf((name) => request.headers.get(name) || null, rawBody, secret, { hmacRequired: true });
}

/**
 * A delivery through a queue (Google Pub/Sub, Amazon EventBridge; docs/decisions/020-webhooks-through-a-queue.md):
 * the webhook's headers, carried as message attributes or event metadata, and its body.
 */
export interface QueuedDelivery {
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * The same checks as verifiedWebhook on a delivery a queue brought, with the same refusals. The queue admits only
 * Shopify's publisher (Pub/Sub: the topic's IAM grant; EventBridge: the partner event source), so Shopify sends
 * no HMAC there; an HMAC that comes along is checked all the same.
 */
export function verifiedQueuedWebhook(
  delivery: QueuedDelivery,
  secret: string = appConfig().apiSecret,
): VerifiedWebhook {
  const byName = new Map(Object.entries(delivery.headers).map(([name, value]) => [name.toLowerCase(), value]));
  return webhookOf((name) => byName.get(name.toLowerCase()) || null, delivery.body, secret, { hmacRequired: false });
}

function webhookOf(
  header: (name: string) => string | null,
  rawBody: Buffer,
  secret: string,
  { hmacRequired }: { hmacRequired: boolean },
): VerifiedWebhook {
  if (rawBody.length === 0) throw reject(400, "webhook body is empty");
  const named = (name: string | null) => (name ? header(name) : null);
  // Without an HMAC (a queue's delivery), the family is the one its topic header is in.
  const family =
    HEADER_FAMILIES.find((f) => named(f.hmac)) ??
    (hmacRequired ? undefined : HEADER_FAMILIES.find((f) => named(f.topic))) ??
    HEADER_FAMILIES[1];
  const hmac = named(family.hmac);
  if (hmacRequired && !hmac) throw reject(400, `${family.hmac} is missing`);
  if (hmac && !hmacMatches(secret, rawBody, hmac)) throw reject(401, "webhook HMAC does not match");
  // A queue's delivery carries the API version in its payload, not among its headers.
  const required = hmacRequired
    ? [family.topic, family.shop, family.apiVersion, family.webhookId]
    : [family.topic, family.shop, family.webhookId];
  const missing = required.filter((name) => !named(name));
  if (missing.length > 0) throw reject(400, `webhook headers missing: ${missing.join(", ")}`);
  // The HMAC covers the body only: the headers of a captured delivery can be rewritten. The shop header must at
  // least be a shop domain; the routes tie it to the body where the body names its shop (payloadShopOf).
  const shop = named(family.shop)!.toLowerCase();
  if (!SHOP_DOMAIN.test(shop)) throw reject(400, `${family.shop} is not a shop domain`);
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody.toString("utf8"));
  } catch (error) {
    throw reject(400, `webhook body is not JSON: ${(error as Error).message}`);
  }
  return {
    topic: named(family.topic)!.toUpperCase().replace(/\/|\./g, "_"),
    shop,
    webhookId: named(family.webhookId)!,
    eventId: named(family.eventId),
    triggeredAt: named(family.triggeredAt),
    payload,
  };
}
