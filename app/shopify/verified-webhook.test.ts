/**
 * The app verifies webhooks itself (for speed); @shopify/shopify-api's own validator is the oracle here: for every
 * case both must reach the same verdict, and a valid delivery must read the same topic, shop and ids.
 */
import { WebhookValidationErrorReason } from "@shopify/shopify-api";
import { describe, expect, it } from "vitest";
import { shopifyLibrary } from "../../test/shopify-library";
import { signedWebhookHeaders, webhookHmac } from "./signing.server";
import { verifiedWebhook } from "./verified-webhook.server";

const SECRET = "webhook-secret";
const library = shopifyLibrary(SECRET);

const body = JSON.stringify({ id: 450789469, note: "ünïcode ✓" });
const classic = signedWebhookHeaders(SECRET, body, {
  topic: "orders/paid",
  shop: "a.myshopify.com",
  webhookId: "w-1",
  eventId: "e-1",
  triggeredAt: "2026-11-23T00:00:00Z",
});
const events = {
  "Content-Type": "application/json",
  "shopify-hmac-sha256": webhookHmac(SECRET, body),
  "shopify-topic": "orders/paid",
  "shopify-shop-domain": "a.myshopify.com",
  "shopify-api-version": "2026-07",
  "shopify-webhook-id": "w-2",
  "shopify-triggered-at": "2026-11-23T00:00:00Z",
};
const without = (headers: Record<string, string>, name: string) =>
  Object.fromEntries(Object.entries(headers).filter(([key]) => key !== name));

const cases: { name: string; headers: Record<string, string>; body?: string; status: 200 | 400 | 401 }[] = [
  { name: "a classic delivery", headers: classic, status: 200 },
  { name: "an Events-family delivery", headers: events, status: 200 },
  { name: "a body changed after signing", headers: classic, body: body.replace("450789469", "450789470"), status: 401 },
  {
    name: "a signature made with another secret",
    headers: { ...classic, "X-Shopify-Hmac-Sha256": webhookHmac("other", body) },
    status: 401,
  },
  {
    name: "a signature that is not base64 of anything",
    headers: { ...classic, "X-Shopify-Hmac-Sha256": "not-a-signature" },
    status: 401,
  },
  {
    name: "a hex signature of the right HMAC",
    headers: { ...classic, "X-Shopify-Hmac-Sha256": Buffer.from(webhookHmac(SECRET, body), "base64").toString("hex") },
    status: 401,
  },
  { name: "no signature", headers: without(classic, "X-Shopify-Hmac-Sha256"), status: 400 },
  {
    name: "an empty body",
    headers: { ...classic, "X-Shopify-Hmac-Sha256": webhookHmac(SECRET, "") },
    body: "",
    status: 400,
  },
  ...["X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-API-Version", "X-Shopify-Webhook-Id"].map((name) => ({
    name: `a signed delivery without ${name}`,
    headers: without(classic, name),
    status: 400 as const,
  })),
  {
    name: "an Events delivery without shopify-webhook-id",
    headers: without(events, "shopify-webhook-id"),
    status: 400,
  },
];

const request = (headers: Record<string, string>, text: string, method = "POST") =>
  new Request("https://app.example.com/webhooks/orders", {
    method,
    headers,
    body: method === "POST" ? text : undefined,
  });

async function libraryStatus(headers: Record<string, string>, text: string): Promise<number> {
  const check = await library.webhooks.validate({ rawBody: text, rawRequest: request(headers, text) });
  if (check.valid) return 200;
  return check.reason === WebhookValidationErrorReason.InvalidHmac ? 401 : 400;
}

async function appStatus(headers: Record<string, string>, text: string, method = "POST"): Promise<number> {
  try {
    await verifiedWebhook(request(headers, text, method), SECRET);
    return 200;
  } catch (error) {
    if (error instanceof Response) return error.status;
    throw error;
  }
}

describe("webhook verification agrees with @shopify/shopify-api", () => {
  it.each(cases)("$name → $status", async ({ headers, body: text = body, status }) => {
    expect(await libraryStatus(headers, text)).toBe(status);
    expect(await appStatus(headers, text)).toBe(status);
  });

  it("reads the same fields as the library from a valid delivery of either header family", async () => {
    for (const headers of [classic, events]) {
      const check = await library.webhooks.validate({ rawBody: body, rawRequest: request(headers, body) });
      if (!check.valid) throw new Error("the library rejected a valid delivery");
      const verified = await verifiedWebhook(request(headers, body), SECRET);
      expect(verified).toMatchObject({
        topic: check.topic,
        shop: check.domain,
        webhookId: check.webhookId,
        triggeredAt: check.triggeredAt ?? null,
      });
      expect(verified.eventId).toBe(check.webhookType === "webhooks" ? (check.eventId ?? null) : null);
      expect(verified.topic).toBe("ORDERS_PAID");
      expect(verified.payload).toEqual(JSON.parse(body));
    }
  });

  it("answers 405 to anything but POST, and 400 (not a 500) to a signed body that is not JSON", async () => {
    expect(await appStatus(classic, body, "GET")).toBe(405);
    const notJson = "{not json";
    expect(await appStatus({ ...classic, "X-Shopify-Hmac-Sha256": webhookHmac(SECRET, notJson) }, notJson)).toBe(400);
  });
});
