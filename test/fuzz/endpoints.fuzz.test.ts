/**
 * Fuzz: FUZZ_CASES (default 10,000) hostile bodies for each way in — the signed order webhook, the App Proxy
 * events route, the web pixel endpoint and the server-side events API — through the real routes and their real
 * verification (bodies are signed or keyed properly, so validation, not authentication, is what is exercised).
 * Nothing may answer 5xx or throw, and nothing may be stored that the body did not validly carry.
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { prisma } from "../../app/db.server";
import { apiKeyHash } from "../../app/domain/api-keys/api-keys.server";
import { parseOrderPayload } from "../../app/domain/orders/order-payload";
import { installShop } from "../../app/domain/shops.server";
import { signedWebhookHeaders } from "../../app/shopify/signing.server";
import { dispatch } from "../app-routes";
import { orderFixture } from "../fixtures";
import { TEST_API_SECRET } from "../setup-env";
import { APP_URL, appProxyRequest } from "../shopify-requests";
import { hostileBody } from "./generate";
import { errorMessage } from "../../app/lib/error-message";

const CASES = Number(process.env.FUZZ_CASES || 10_000);
const SEED = Number(process.env.FUZZ_SEED || 20261122);

let shop: Awaited<ReturnType<typeof installShop>>;
const now = () => new Date().toISOString();
const eventBatch = () => ({
  events: [
    {
      id: randomUUID(),
      type: "conversation_started",
      occurredAt: now(),
      visitorId: "v_fuzz",
      conversationId: "c_fuzz",
      surface: "CHAT_WIDGET",
    },
    {
      id: randomUUID(),
      type: "message",
      occurredAt: now(),
      visitorId: "v_fuzz",
      conversationId: "c_fuzz",
      role: "assistant",
      answerFound: true,
      productIds: ["8101"],
    },
    {
      id: randomUUID(),
      type: "cart",
      occurredAt: now(),
      visitorId: "v_fuzz",
      conversationId: "c_fuzz",
      cartType: "ITEM_ADDED",
      productId: "8101",
      variantId: "48101",
      value: "34.90",
      currency: "EUR",
      quantity: 1,
      fromChat: true,
    },
    { id: randomUUID(), type: "identify", occurredAt: now(), visitorId: "v_fuzz", emailSha256: "a".repeat(64) },
  ],
});

/**
 * In-process requests on PGlite resolve as microtasks, so a loop of them never reaches the event loop's poll phase,
 * and vitest's worker reads no reply to its own progress calls: past its fixed 60 s RPC timeout a green run exits 1.
 * Yielding a macrotask every few cases lets the reply in.
 */
const breathe = () => new Promise((resolve) => setImmediate(resolve));
const BREATHE_EVERY = 100;

/** Runs every case, collecting failures instead of stopping at the first, so one run reports them all. */
async function fuzz(name: string, template: unknown, send: (body: string, index: number) => Promise<Response>) {
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  let accepted = 0;
  for (let index = 0; index < CASES; index++) {
    if (index % BREATHE_EVERY === 0) await breathe();
    const body = hostileBody(template, SEED, index);
    try {
      const response = await send(body, index);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status >= 500)
        failures.push(`case ${index} (seed ${SEED}): ${response.status} for ${body.slice(0, 120)}`);
      if (response.status === 200) {
        // Events routes answer {accepted}, the pixel {status: "STORED"}, a webhook nothing.
        const text = await response.text();
        const answer = text ? (JSON.parse(text) as { accepted?: number; status?: string }) : {};
        accepted += Number(answer.accepted) || (answer.status === "STORED" ? 1 : 0);
      }
    } catch (error) {
      failures.push(`case ${index} (seed ${SEED}): threw ${errorMessage(error)} for ${body.slice(0, 120)}`);
    }
  }
  console.log(`[fuzz] ${name}: ${CASES} bodies, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  return { failures, accepted };
}

describe(`fuzz (${CASES} bodies per endpoint, seed ${SEED})`, () => {
  beforeAll(async () => {
    shop = await installShop(prisma, { domain: `fuzz-${randomUUID().slice(0, 8)}.myshopify.com`, currency: "EUR" });
  });

  it("order webhook: signed hostile bodies never 5xx, and only bodies that are orders become orders", async () => {
    const validIds = new Set<string>();
    const { failures } = await fuzz("webhooks/orders", orderFixture(), (body, index) => {
      try {
        const parsed = parseOrderPayload(JSON.parse(body));
        if (parsed.ok) validIds.add(parsed.order.shopifyOrderId);
      } catch {}
      return dispatch(
        new Request(`${APP_URL}/webhooks/orders`, {
          method: "POST",
          body,
          headers: signedWebhookHeaders(TEST_API_SECRET, body, {
            topic: "orders/paid",
            shop: shop.domain,
            webhookId: `fuzz-${index}`,
            eventId: `fuzz-${index}`,
          }),
        }),
      );
    });
    expect(failures).toEqual([]);
    const stored = await prisma.order.findMany({ where: { shopId: shop.id }, select: { shopifyOrderId: true } });
    expect(stored.filter((order) => !validIds.has(order.shopifyOrderId))).toEqual([]);
  });

  it("App Proxy events: signed hostile bodies never 5xx, and the events stored are exactly those accepted", async () => {
    const before = await prisma.clientEvent.count({ where: { shopId: shop.id } });
    // Each case gets its own visitor, so the per-visitor rate limit does not hide validation.
    const template = eventBatch();
    const { failures, accepted } = await fuzz("proxy/events", template, (body, index) => {
      const request = appProxyRequest({ shop: shop.domain, path: "/proxy/events", method: "POST" });
      return dispatch(
        new Request(request.url, {
          method: "POST",
          body: body.replaceAll("v_fuzz", `v_fuzz_${index}`),
          headers: { "Content-Type": "application/json" },
        }),
      );
    });
    expect(failures).toEqual([]);
    expect((await prisma.clientEvent.count({ where: { shopId: shop.id } })) - before).toBe(accepted);
  });

  it("web pixel endpoint: hostile bodies never 5xx, and pixel hits stored are exactly those it reported STORED", async () => {
    const template = {
      v: 1,
      eventId: "sh-fuzz",
      clientId: "client-fuzz",
      timestamp: now(),
      shop: shop.domain,
      accountId: shop.pixelAccountId,
      checkout: {
        orderId: "gid://shopify/Order/555",
        token: "tok-fuzz",
        currencyCode: "EUR",
        totalPrice: 59.8,
        subtotalPrice: 59.8,
        attributes: [{ key: "_chat_session_id", value: "c_fuzz" }],
        lineItems: [{ productId: "8101", variantId: "48101", quantity: 1, finalLinePrice: 59.8, properties: [] }],
      },
    };
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const { failures, accepted } = await fuzz("api/pixel", template, (body, index) =>
        // A distinct client and event per case: the per-client limit and idempotency must not mask validation.
        dispatch(
          new Request(`${APP_URL}/api/pixel`, {
            method: "POST",
            body: body
              .replace("client-fuzz", `client-${index}`)
              .replace("sh-fuzz", `sh-${index}`)
              .replace("gid://shopify/Order/555", `gid://shopify/Order/${555_000 + index}`),
          }),
        ),
      );
      expect(failures).toEqual([]);
      expect(await prisma.pixelHit.count({ where: { shopId: shop.id } })).toBe(accepted);
    } finally {
      vi.useRealTimers();
    }
  });

  it("server-side events API: keyed hostile bodies never 5xx, and the events stored are exactly those accepted", async () => {
    const apiShop = await installShop(prisma, {
      domain: `fuzz-api-${randomUUID().slice(0, 8)}.myshopify.com`,
      currency: "EUR",
    });
    // A key per 100 cases and a clock that stands still: the per-key limit (100) never answers instead of validation.
    // Created directly: a shop may hold only 20 active keys through Settings, and this needs one per 100 cases.
    const keys = Array.from({ length: Math.ceil(CASES / 100) }, () => `ca_${randomUUID().replaceAll("-", "")}`);
    await prisma.apiKey.createMany({
      data: keys.map((key, i) => ({
        shopId: apiShop.id,
        name: `fuzz ${i}`,
        prefix: key.slice(0, 11),
        keyHash: apiKeyHash(key),
      })),
    });
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const { failures, accepted } = await fuzz("api/v1/events", eventBatch(), (body, index) =>
        dispatch(
          new Request(`${APP_URL}/api/v1/events`, {
            method: "POST",
            body,
            headers: { Authorization: `Bearer ${keys[Math.floor(index / 100)]}`, "Content-Type": "application/json" },
          }),
        ),
      );
      expect(failures).toEqual([]);
      expect(await prisma.clientEvent.count({ where: { shopId: apiShop.id } })).toBe(accepted);
    } finally {
      vi.useRealTimers();
    }
  });
});
