/**
 * The routes served directly (server/resource-routes.ts) get a Request without the client's abort signal: they
 * must never read one. Each is sent a request it accepts and stores, through the real route and its real
 * verification, in a Request that counts every read of `signal` (and hands out one already aborted, so a route
 * that reads it could not go on as if nothing had happened).
 */
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { prisma } from "../app/db.server";
import { createApiKey } from "../app/domain/api-keys/api-keys.server";
import { installShop } from "../app/domain/shops.server";
import { DIRECT_RESOURCE_ROUTES } from "../server/resource-routes";
import { dispatch } from "./app-routes";
import { orderFixture } from "./fixtures";
import { APP_URL, appProxyRequest, webhookRequest } from "./shopify-requests";

class SignalCountingRequest extends Request {
  signalReads = 0;
  override get signal(): AbortSignal {
    this.signalReads += 1;
    return AbortSignal.abort();
  }
}

let shop: Awaited<ReturnType<typeof installShop>>;
let apiKey: string;

const conversationEvents = (conversationId: string, visitorId?: string) => [
  {
    id: randomUUID(),
    type: "conversation_started",
    occurredAt: new Date().toISOString(),
    conversationId,
    surface: "FAQ",
    ...(visitorId ? { visitorId } : {}),
  },
];

/** A request each direct route accepts, by route id, and how many rows it must have stored afterwards. */
const accepted: Record<string, { request: () => Request; stored: () => Promise<number> }> = {
  "routes/webhooks.orders": {
    request: () =>
      webhookRequest({
        path: "/webhooks/orders",
        topic: "orders/paid",
        shop: shop.domain,
        body: { ...orderFixture(), id: 880_001 },
        webhookId: randomUUID(),
      }),
    stored: () => prisma.order.count({ where: { shopId: shop.id, shopifyOrderId: "880001" } }),
  },
  "routes/proxy.events": {
    request: () =>
      appProxyRequest({
        shop: shop.domain,
        path: "/proxy/events",
        method: "POST",
        body: { events: conversationEvents("c_direct_proxy", "v_direct") },
      }),
    stored: () => prisma.conversation.count({ where: { shopId: shop.id, externalId: "c_direct_proxy" } }),
  },
  "routes/api.v1.events": {
    request: () =>
      new Request(`${APP_URL}/api/v1/events`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ events: conversationEvents("c_direct_api") }),
      }),
    stored: () => prisma.conversation.count({ where: { shopId: shop.id, externalId: "c_direct_api" } }),
  },
  "routes/api.pixel": {
    request: () =>
      new Request(`${APP_URL}/api/pixel`, {
        method: "POST",
        headers: { "Content-Type": "text/plain" },
        body: JSON.stringify({
          v: 1,
          eventId: `sh-${randomUUID()}`,
          clientId: "client-direct",
          timestamp: new Date().toISOString(),
          shop: shop.domain,
          accountId: shop.pixelAccountId,
          checkout: {
            orderId: "gid://shopify/Order/880002",
            token: "checkout-direct",
            currencyCode: shop.currency,
            totalPrice: 10,
            subtotalPrice: 10,
            attributes: [{ key: "_chat_session_id", value: "c_direct_proxy" }],
            lineItems: [],
          },
        }),
      }),
    stored: () => prisma.pixelHit.count({ where: { shopId: shop.id, checkoutToken: "checkout-direct" } }),
  },
};

describe("routes served directly", () => {
  beforeAll(async () => {
    shop = await installShop(prisma, { domain: `direct-${randomUUID().slice(0, 8)}.myshopify.com`, currency: "USD" });
    apiKey = (await createApiKey(prisma, shop.id, "direct routes")).key;
  });

  it("have a request each here", () => {
    expect(Object.keys(accepted).sort()).toEqual([...DIRECT_RESOURCE_ROUTES].sort());
  });

  it.each(DIRECT_RESOURCE_ROUTES)(
    "%s stores what it accepts without reading the request's abort signal",
    async (id) => {
      const route = accepted[id];
      const request = new SignalCountingRequest(route.request());
      const response = await dispatch(request);
      expect(response.status, await response.clone().text()).toBeLessThan(300);
      expect(request.signalReads).toBe(0);
      expect(await route.stored()).toBe(1);
    },
  );
});
