/**
 * Requests exactly as Shopify sends them to the app, for load runs: signed order webhooks built from Shopify's
 * own order payload (test/fixtures), and storefront event batches forwarded and signed by the App Proxy.
 */
import { createHash, randomUUID } from "node:crypto";
import type { StandInShop } from "../../app/demo/storefront/storefront-api";
import { signedAppProxyParams, signedWebhookHeaders } from "../../app/shopify/signing.server";
import { orderFixture } from "../../test/fixtures";
import type { Shot } from "./http-load";

export interface OrderVersion {
  /** Order number within the run; the Shopify id is derived from it. */
  index: number;
  updatedAt: Date;
  processedAt: Date;
  financialStatus: "paid" | "partially_refunded" | "refunded";
  cancelledAt: Date | null;
  /** Stamps the cart with this chat session (a led order when the conversation answered). */
  chatSessionId?: string;
}

export const shopifyOrderIdOf = (index: number) => String(5_000_000_000 + index);

/**
 * Read and parsed once: a load generator that reread the 28 KB fixture for every delivery spent ~0.3 ms of CPU
 * on it, on the machine whose CPU the app under test needs. Frozen, because every payload shares its nested
 * values.
 */
let sharedFixture: Record<string, unknown> | undefined;
function fixtureOnce(): Record<string, unknown> {
  sharedFixture ??= deepFreeze(orderFixture());
  return sharedFixture;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Shopify's order payload for one version of an order (ids, times, status and stamps replaced); read-only. */
export function orderPayload(version: OrderVersion): Readonly<Record<string, unknown>> {
  const fixture = fixtureOnce();
  const id = shopifyOrderIdOf(version.index);
  return {
    ...fixture,
    id: Number(id),
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: `#B${version.index}`,
    order_number: 100_000 + version.index,
    token: createHash("sha256").update(id).digest("hex").slice(0, 32),
    checkout_token: null,
    cart_token: null,
    test: false,
    created_at: version.processedAt.toISOString(),
    processed_at: version.processedAt.toISOString(),
    updated_at: version.updatedAt.toISOString(),
    financial_status: version.financialStatus,
    cancelled_at: version.cancelledAt?.toISOString() ?? null,
    cancel_reason: version.cancelledAt ? "customer" : null,
    // The embed stamps the visitor with the session: conversation c_bench_<n> is visitor v_bench_<n>'s.
    note_attributes: version.chatSessionId
      ? [
          { name: "_chat_session_id", value: version.chatSessionId },
          { name: "_chat_visitor_id", value: version.chatSessionId.replace(/^c_bench_/, "v_bench_") },
        ]
      : [],
  };
}

export function webhookShot(
  secret: string,
  shop: string,
  topic: string,
  body: string,
  webhookId?: string,
  path = "/webhooks/orders",
): Shot {
  return { path, body, headers: signedWebhookHeaders(secret, body, { topic, shop, webhookId }) };
}

/** What Shopify's App Proxy forwards for POST https://<shop>/apps/chat-attribution/events. */
export function appProxyShot(secret: string, shop: string, body: string, path = "/proxy/events"): Shot {
  const params = signedAppProxyParams(secret, { shop, pathPrefix: "/apps/chat-attribution" });
  return { path: `${path}?${params}`, body, headers: { "Content-Type": "application/json" } };
}

export const EVENTS_PER_SESSION = 10;

/**
 * One shopper's chat session as the storefront SDK batches it: start, two questions with found answers, a
 * chat add and a quantity change, an identify. Conversation `c_<n>`, visitor `v_<n>`, times within the
 * last minutes.
 */
export function chatSessionBatch(n: number, now = Date.now()): string {
  return JSON.stringify({ events: chatSessionEvents(n, now) });
}

/** A server-side API request: `sessions` consecutive chat sessions from `first` in one batch, with the shop's key. */
export function apiEventsShot(
  apiKey: string,
  first: number,
  sessions: number,
  now = Date.now(),
  path = "/api/v1/events",
): Shot {
  const events = Array.from({ length: sessions }, (_, i) => chatSessionEvents(first + i, now)).flat();
  return {
    path,
    body: JSON.stringify({ events }),
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${apiKey}` },
  };
}

const productOf = (n: number) => String(8_000 + (n % 40));
/** Session n's cart, as /cart.js would name it: the two units of its product its two cart events add. */
const trafficCartToken = (n: number) => `c1-traffic${n}?key=k${n}`;

/** The carts and variants the traffic's sessions name, for the Storefront API stand-in of a load run. */
export const trafficShop: StandInShop = {
  cartOf: (cartGid) => {
    const n = /^gid:\/\/shopify\/Cart\/c1-traffic(\d+)\?key=k(\d+)$/.exec(cartGid);
    if (!n || n[1] !== n[2]) return null;
    const productId = productOf(Number(n[1]));
    return {
      currency: "USD",
      lines: [{ productId, variantId: `4${productId}`, quantity: 2, unitPrice: "34.90", currency: "USD" }],
    };
  },
  variantOf: (variantGid) => {
    const id = /^gid:\/\/shopify\/ProductVariant\/4(8\d{3})$/.exec(variantGid)?.[1];
    return id ? { productId: id, price: "34.90", currency: "USD" } : null;
  },
};

function chatSessionEvents(n: number, now: number) {
  const visitorId = `v_bench_${n}`;
  const conversationId = `c_bench_${n}`;
  const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString();
  const productId = productOf(n);
  const cartToken = trafficCartToken(n);
  return [
    {
      type: "conversation_started",
      conversationId,
      surface: n % 10 === 0 ? "FAQ" : "CHAT_WIDGET",
      occurredAt: at(300),
    },
    {
      type: "message",
      conversationId,
      role: "shopper",
      topic: ["dry skin", "gift ideas", "shipping times"][n % 3],
      occurredAt: at(290),
    },
    {
      type: "message",
      conversationId,
      role: "assistant",
      answerFound: true,
      productIds: [productId],
      occurredAt: at(285),
    },
    {
      type: "cart",
      conversationId,
      cartType: "ITEM_ADDED",
      productId,
      variantId: `4${productId}`,
      value: "34.90",
      currency: "USD",
      quantity: 1,
      fromChat: true,
      cartToken,
      occurredAt: at(280),
    },
    { type: "message", conversationId, role: "shopper", occurredAt: at(200) },
    {
      type: "message",
      conversationId,
      role: "assistant",
      answerFound: n % 4 !== 0,
      productIds: [],
      occurredAt: at(195),
    },
    {
      type: "cart",
      conversationId,
      cartType: "QUANTITY_INCREASED",
      productId,
      variantId: `4${productId}`,
      value: "34.90",
      currency: "USD",
      quantity: 1,
      fromChat: false,
      cartToken,
      occurredAt: at(150),
    },
    { type: "message", conversationId, role: "shopper", occurredAt: at(100) },
    { type: "message", conversationId, role: "assistant", answerFound: true, productIds: [], occurredAt: at(95) },
    {
      type: "identify",
      emailSha256: createHash("sha256").update(`shopper${n}@example.com`).digest("hex"),
      occurredAt: at(60),
    },
  ].map((event) => ({ id: randomUUID(), visitorId, ...event }));
}
