/**
 * Order webhooks through a queue (Pub/Sub, EventBridge) against the same deliveries over HTTP, through the real route.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { dispatch } from "../../test/app-routes";
import { orderFixture } from "../../test/fixtures";
import { TEST_API_SECRET } from "../../test/setup-env";
import { webhookRequest } from "../../test/shopify-requests";
import { prisma } from "../db.server";
import { installShop } from "../domain/shops.server";
import { consumeQueuedWebhook, eventBridgeDelivery, pubSubDelivery } from "./queued-webhooks.server";
import { signedWebhookHeaders } from "./signing.server";

/** The headers Shopify sends with a delivery, without the HMAC it sends only over HTTPS. */
function queueHeaders(shop: string, body: string, webhookId = randomUUID(), topic = "orders/paid") {
  const {
    "X-Shopify-Hmac-Sha256": _hmac,
    "Content-Type": _type,
    ...headers
  } = signedWebhookHeaders(TEST_API_SECRET, body, { topic, shop, webhookId });
  return headers;
}

async function storedOrder(shop: string) {
  const row = await prisma.order.findFirstOrThrow({
    where: { shop: { domain: shop } },
    include: { lineItems: { orderBy: { shopifyLineItemId: "asc" } }, attribution: true },
  });
  // E-mail hashes are keyed per shop (decision 010): only whether one was stored can be compared.
  const { id: _id, shopId: _shopId, createdAt: _c, updatedAt: _u, emailHash, lineItems, attribution, ...order } = row;
  return {
    order: { ...order, emailHashed: emailHash !== null },
    lineItems: lineItems.map(({ id: _i, orderId: _o, shopId: _s, ...item }) => item),
    attribution: attribution && { classification: attribution.classification, matchedBy: attribution.matchedBy },
  };
}

const install = (...domains: string[]) =>
  Promise.all(domains.map((domain) => installShop(prisma, { domain, currency: "USD", timezone: "America/New_York" })));

const deliveriesOf = (shop: string) => prisma.webhookDelivery.count({ where: { shopDomain: shop } });

describe("order webhooks through a queue", () => {
  it("store a Pub/Sub delivery and an EventBridge one as the same delivery over HTTP", async () => {
    const body = JSON.stringify(orderFixture());
    await install("over-http.myshopify.com", "via-pubsub.myshopify.com", "via-eventbridge.myshopify.com");
    expect(
      (
        await dispatch(
          webhookRequest({ path: "/webhooks/orders", topic: "orders/paid", shop: "over-http.myshopify.com", body }),
        )
      ).status,
    ).toBe(200);
    const viaPubSub = "via-pubsub.myshopify.com";
    await consumeQueuedWebhook(
      pubSubDelivery({ attributes: queueHeaders(viaPubSub, body), data: Buffer.from(body).toString("base64") }),
    );
    const viaEventBridge = "via-eventbridge.myshopify.com";
    await consumeQueuedWebhook(
      eventBridgeDelivery({ detail: { metadata: queueHeaders(viaEventBridge, body), payload: JSON.parse(body) } }),
    );
    const overHttp = await storedOrder("over-http.myshopify.com");
    expect(overHttp.lineItems.length).toBeGreaterThan(0);
    expect(await storedOrder(viaPubSub)).toEqual(overHttp);
    expect(await storedOrder(viaEventBridge)).toEqual(overHttp);
  });

  it("record a delivery once, whichever way each copy came", async () => {
    const shop = "both-ways.myshopify.com";
    await install(shop);
    const body = JSON.stringify({ ...orderFixture(), id: 8_100_001 });
    const webhookId = randomUUID();
    await dispatch(webhookRequest({ path: "/webhooks/orders", topic: "orders/paid", shop, body, webhookId }));
    expect(
      await consumeQueuedWebhook(
        pubSubDelivery({ attributes: queueHeaders(shop, body, webhookId), data: Buffer.from(body) }),
      ),
    ).toEqual({
      status: "DUPLICATE",
    });
    expect(await deliveriesOf(shop)).toBe(1);
    expect(await prisma.order.count({ where: { shop: { domain: shop } } })).toBe(1);
  });

  it("refuse what the HTTP route refuses, with its status, and check an HMAC that comes along", async () => {
    const shop = "refused.myshopify.com";
    await install(shop);
    const body = JSON.stringify({ ...orderFixture(), id: 8_100_002 });
    const refusal = async (delivery: Parameters<typeof consumeQueuedWebhook>[0]) => {
      const thrown = await consumeQueuedWebhook(delivery).then(
        () => null,
        (error: unknown) => error,
      );
      expect(thrown).toBeInstanceOf(Response);
      const response = thrown as Response;
      return `${response.status} ${await response.text()}`;
    };
    const headers = queueHeaders(shop, body);
    const { "X-Shopify-Topic": _topic, ...withoutTopic } = headers;
    expect(await refusal({ headers: withoutTopic, body: Buffer.from(body) })).toBe(
      "400 webhook headers missing: X-Shopify-Topic",
    );
    expect(
      await refusal({ headers: queueHeaders(shop, body, randomUUID(), "app/uninstalled"), body: Buffer.from(body) }),
    ).toBe("400 topic APP_UNINSTALLED is not delivered to this address");
    expect(
      await refusal({ headers: { ...headers, "X-Shopify-Hmac-Sha256": "Zm9yZ2Vk" }, body: Buffer.from(body) }),
    ).toBe("401 webhook HMAC does not match");
    expect(await refusal({ headers, body: Buffer.from("{not json") })).toMatch(/^400 webhook body is not JSON/);
    expect(await deliveriesOf(shop)).toBe(0);
    // Attribute names are matched whatever their case, as HTTP header names are; the API version may be absent (a
    // queue's delivery carries it in the payload).
    const { "X-Shopify-API-Version": _version, ...unversioned } = headers;
    const lower = Object.fromEntries(Object.entries(unversioned).map(([name, value]) => [name.toLowerCase(), value]));
    await consumeQueuedWebhook({ headers: lower, body: Buffer.from(body) });
    expect(await deliveriesOf(shop)).toBe(1);
  });
});
