/**
 * POST /api/pixel: untrusted checkout_completed reports from the web pixel, through the real route, and the
 * signed webhook that later confirms the order.
 */
import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { dispatch } from "../../test/app-routes";
import { createConversation, createReportShop } from "../../test/report-fixtures";
import { orderFixture } from "../../test/fixtures";
import { APP_URL, webhookRequest } from "../../test/shopify-requests";
import { prisma } from "../db.server";
import { dayInZone, reportRange } from "../domain/reports/date-range";
import { loadSummaryReport } from "../domain/reports/summary-report.server";
import { STOREFRONT_MAX_DELAY_MS } from "../domain/events/ingest-events.server";
import { MAX_UNVERIFIED_ORDERS_PER_HOUR, UNVERIFIED_CAP_FLAG } from "../domain/pixel/ingest-pixel.server";
import { PIXEL_SHOP_LIMIT } from "../http/rate-limits";

let shop: Awaited<ReturnType<typeof createReportShop>>;

function pixelBody(
  overrides: {
    orderId?: string | null;
    token?: string;
    attributes?: { key: string; value: string }[];
    totalPrice?: number;
    eventId?: string;
  } = {},
) {
  return {
    v: 1,
    eventId: overrides.eventId ?? `sh-${randomUUID()}`,
    clientId: "client-1",
    timestamp: new Date().toISOString(),
    shop: shop.domain,
    accountId: shop.pixelAccountId,
    checkout: {
      orderId:
        overrides.orderId === undefined
          ? `gid://shopify/Order/${Date.now()}${Math.floor(Math.random() * 1000)}`
          : overrides.orderId,
      token: overrides.token ?? `checkout-${randomUUID()}`,
      currencyCode: shop.currency,
      totalPrice: overrides.totalPrice ?? 59.8,
      subtotalPrice: 59.8,
      attributes: overrides.attributes ?? [
        { key: "_chat_session_id", value: "c_pixel" },
        { key: "_chat_visitor_id", value: "v_pixel" },
      ],
      lineItems: [
        {
          productId: "gid://shopify/Product/632910392",
          variantId: "gid://shopify/ProductVariant/39072856",
          quantity: 2,
          finalLinePrice: 59.8,
          properties: [],
        },
      ],
    },
  };
}

/** Shopify's fixture order as order `id`, placed and updated now. */
const shopifyOrder = (id: number, extra: Record<string, unknown> = {}) => ({
  ...orderFixture(),
  id,
  name: `#${id % 10_000}`,
  processed_at: new Date().toISOString(),
  updated_at: new Date().toISOString(),
  ...extra,
});

/** Shopify's signed orders/paid for this test's shop. */
const deliverOrder = (body: unknown) =>
  dispatch(webhookRequest({ path: "/webhooks/orders", topic: "orders/paid", shop: shop.domain, body }));

/** As the pixel sends it: a text body, no Content-Type (a CORS simple request), from the checkout's origin. */
const send = (body: unknown, init: RequestInit = {}) =>
  dispatch(
    new Request(`${APP_URL}/api/pixel`, {
      method: "POST",
      body: typeof body === "string" ? body : JSON.stringify(body),
      headers: { Origin: "https://checkout.example" },
      ...init,
    }),
  );

describe("POST /api/pixel", () => {
  beforeEach(async () => {
    // The shared fixture order is in USD.
    shop = await createReportShop({ currency: "USD" });
    const answeredAt = new Date(Date.now() - 30 * 60_000).toISOString();
    await createConversation(shop, { externalId: "c_pixel", startedAt: answeredAt, touches: [{ at: answeredAt }] });
  });

  it("answers the CORS preflight and marks every answer readable from any origin", async () => {
    const preflight = await dispatch(
      new Request(`${APP_URL}/api/pixel`, {
        method: "OPTIONS",
        headers: { Origin: "https://checkout.example", "Access-Control-Request-Method": "POST" },
      }),
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(preflight.headers.get("Access-Control-Allow-Methods")).toContain("POST");
    const response = await send(pixelBody());
    expect(response.status).toBe(200);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect((await send("{not json")).headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect((await dispatch(new Request(`${APP_URL}/api/pixel`))).status).toBe(405);
  });

  it.each([
    ["not JSON", "{not json", 400, null],
    [
      "no checkout",
      JSON.stringify({
        v: 1,
        eventId: "e",
        timestamp: new Date().toISOString(),
        shop: "x.myshopify.com",
        accountId: randomUUID(),
      }),
      400,
      "checkout",
    ],
    ["a negative total", "NEGATIVE", 400, "checkout.totalPrice"],
    ["an infinite total", "INFINITE", 400, "checkout.totalPrice"],
    ["a shop that is not a myshopify domain", "BAD_SHOP", 400, "shop"],
    ["a NUL character in an attribute (found by the fuzz run)", "NUL", 400, "checkout.attributes.0.value"],
  ])("refuses %s with 400 and stores nothing", async (_name, raw, status, field) => {
    const body =
      raw === "NEGATIVE"
        ? JSON.stringify({ ...pixelBody(), checkout: { ...pixelBody().checkout, totalPrice: -5 } })
        : raw === "INFINITE"
          ? JSON.stringify(pixelBody()).replace('"totalPrice":59.8', '"totalPrice":1e999')
          : raw === "BAD_SHOP"
            ? JSON.stringify({ ...pixelBody(), shop: "evil.example.com" })
            : raw === "NUL"
              ? JSON.stringify(pixelBody({ attributes: [{ key: "_chat_session_id", value: "c\u0000" }] }))
              : raw;
    const response = await send(body);
    expect(response.status).toBe(status);
    if (field) expect((await response.json()).errors).toContainEqual(expect.objectContaining({ field }));
    expect(await prisma.pixelHit.count({ where: { shopId: shop.id } })).toBe(0);
  });

  it("refuses an oversized body, an unknown shop and an account id that is not the shop's", async () => {
    expect((await send("x".repeat(70_000))).status).toBe(413);
    expect((await send({ ...pixelBody(), shop: "nobody-here.myshopify.com" })).status).toBe(404);
    expect((await send({ ...pixelBody(), accountId: randomUUID() })).status).toBe(403);
    expect(await prisma.pixelHit.count({ where: { shopId: shop.id } })).toBe(0);
  });

  it("creates a pixel-only order as unverified (no money, out of every total) until the webhook confirms it", async () => {
    const webhook: Record<string, any> = {
      ...orderFixture(),
      id: 7700001,
      name: "#7701",
      checkout_token: "checkout-confirmed",
      note_attributes: [],
      processed_at: new Date().toISOString(),
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
    };
    const response = await send(pixelBody({ orderId: "gid://shopify/Order/7700001", token: "checkout-confirmed" }));
    expect(await response.json()).toEqual({
      status: "STORED",
      orderId: "7700001",
      linked: true,
      createdUnverifiedOrder: true,
      flagged: [],
    });
    const unverified = await prisma.order.findUniqueOrThrow({
      where: { shopId_shopifyOrderId: { shopId: shop.id, shopifyOrderId: "7700001" } },
      include: { attribution: true },
    });
    expect(unverified).toMatchObject({ verified: false, source: "PIXEL", grossAmount: null, netAmount: null });
    expect(unverified.attribution).toMatchObject({
      classification: "LED",
      matchedBy: "CHECKOUT_TOKEN",
      excludedReason: "UNVERIFIED",
    });
    const today = dayInZone(new Date(), shop.timezone);
    const todayOnly = { range: reportRange(today, today, shop.timezone), preset: null, surface: null };
    const before = await loadSummaryReport(prisma, shop, todayOnly);
    expect(before.totals.attributed.orders).toBe(0);
    expect(before.excluded).toMatchObject({ unverified: 1 });

    // Shopify's signed webhook: the order becomes verified, with its money, led through the checkout token.
    const delivered = await deliverOrder(webhook);
    expect(delivered.status).toBe(200);
    const verified = await prisma.order.findUniqueOrThrow({
      where: { id: unverified.id },
      include: { attribution: true },
    });
    expect(verified.verified).toBe(true);
    expect(verified.grossAmount?.toString()).toBe(webhook.total_price_set.shop_money.amount.replace(/\.?0+$/, ""));
    expect(verified.attribution).toMatchObject({
      classification: "LED",
      matchedBy: "CHECKOUT_TOKEN",
      excludedReason: null,
    });
    const after = await loadSummaryReport(prisma, shop, todayOnly);
    expect(after.totals.attributed.orders).toBe(1);
  });

  it("never changes the money of an order a webhook gave, whatever totals the pixel claims", async () => {
    await deliverOrder(shopifyOrder(7700002));
    const before = await prisma.order.findUniqueOrThrow({
      where: { shopId_shopifyOrderId: { shopId: shop.id, shopifyOrderId: "7700002" } },
      include: { lineItems: true },
    });
    const forged = await send(pixelBody({ orderId: "7700002", totalPrice: 999_999 }));
    expect(await forged.json()).toMatchObject({ status: "STORED", createdUnverifiedOrder: false, flagged: [] });
    const after = await prisma.order.findUniqueOrThrow({ where: { id: before.id }, include: { lineItems: true } });
    expect([
      after.grossAmount?.toString(),
      after.netAmount?.toString(),
      after.verified,
      after.lineItems.length,
    ]).toEqual([before.grossAmount?.toString(), before.netAmount?.toString(), true, before.lineItems.length]);
  });

  it("is idempotent per event id and per order id with its checkout token, and flags figures outside the shop's bounds", async () => {
    const body = pixelBody({ orderId: "7700003", totalPrice: 5_000_000, token: "checkout-7700003" });
    expect(await (await send(body)).json()).toMatchObject({
      status: "STORED",
      flagged: [expect.stringContaining("outlier threshold")],
    });
    expect(await (await send(body)).json()).toEqual({ status: "DUPLICATE_EVENT" });
    // The thank-you page and the first upsell page can both report the checkout: a new event id, the same order.
    expect(await (await send({ ...body, eventId: `sh-${randomUUID()}` })).json()).toEqual({
      status: "DUPLICATE_ORDER",
      orderId: "7700003",
    });
    expect(await prisma.pixelHit.count({ where: { shopId: shop.id } })).toBe(1);
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(1);
  });

  it("keeps a later report of an order with another checkout token: a forged first one cannot shut out the genuine", async () => {
    // Before the fix the forged hit (any token, no chat session) took the order id and the genuine one was
    // answered DUPLICATE_ORDER, its checkout link never made.
    const forged = await send(pixelBody({ orderId: "7700004", token: "forged-token", attributes: [] }));
    expect(await forged.json()).toMatchObject({ status: "STORED", linked: false, createdUnverifiedOrder: true });
    const genuine = await send(pixelBody({ orderId: "7700004", token: "checkout-7700004" }));
    expect(await genuine.json()).toMatchObject({ status: "STORED", linked: true, createdUnverifiedOrder: false });
    expect(
      await prisma.cartLink.findUnique({
        where: { shopId_kind_token: { shopId: shop.id, kind: "CHECKOUT_TOKEN", token: "checkout-7700004" } },
      }),
    ).toMatchObject({ conversationExternalId: "c_pixel", source: "PIXEL" });
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(1);

    // Shopify's webhook carries the genuine checkout token: the order is led through the genuine hit's link.
    await deliverOrder(shopifyOrder(7700004, { checkout_token: "checkout-7700004", note_attributes: [] }));
    const order = await prisma.order.findUniqueOrThrow({
      where: { shopId_shopifyOrderId: { shopId: shop.id, shopifyOrderId: "7700004" } },
      include: { attribution: true },
    });
    expect(order.attribution).toMatchObject({ classification: "LED", matchedBy: "CHECKOUT_TOKEN" });
  });

  it("stores only the chat stamps and flags of a hit, never the checkout it describes", async () => {
    const body = pixelBody({
      orderId: "7700005",
      attributes: [
        { key: "_chat_session_id", value: "c_pixel" },
        { key: "_chat_visitor_id", value: "v_pixel" },
        { key: "gift_message", value: "Happy birthday, Alice Example" },
      ],
    });
    expect((await send(body)).status).toBe(200);
    const hit = await prisma.pixelHit.findFirstOrThrow({ where: { shopId: shop.id } });
    // Before the fix the whole body was kept: the line items, prices and every cart attribute.
    expect(hit.payload).toEqual({ chatSessionId: "c_pixel", chatVisitorId: "v_pixel", flagged: [] });
  });

  it("dates a hit no earlier than the storefront's delay before it arrived", async () => {
    const dayAgo = new Date(Date.now() - 86_400_000).toISOString();
    expect((await send({ ...pixelBody({ orderId: "7700006" }), timestamp: dayAgo })).status).toBe(200);
    const order = await prisma.order.findUniqueOrThrow({
      where: { shopId_shopifyOrderId: { shopId: shop.id, shopifyOrderId: "7700006" } },
    });
    // Before the fix the order was placed a day back, outside the hour the cap on unverified orders counts.
    expect(order.processedAt.getTime()).toBeGreaterThanOrEqual(Date.now() - STOREFRONT_MAX_DELAY_MS - 60_000);
  });

  it("creates at most the hourly cap of unverified orders a shop, and still links the hit past it", async () => {
    await prisma.order.createMany({
      data: Array.from({ length: MAX_UNVERIFIED_ORDERS_PER_HOUR }, (_, index) => ({
        shopId: shop.id,
        shopifyOrderId: String(8_800_000 + index),
        processedAt: new Date(Date.now() - 10 * 60_000),
        currency: shop.currency,
        verified: false,
        source: "PIXEL" as const,
      })),
    });
    const response = await send(pixelBody({ orderId: "7700007", token: "checkout-7700007" }));
    // Before the fix every sprayed id became an order (10,000 forged ids, 10,000 unverified orders).
    expect(await response.json()).toMatchObject({
      status: "STORED",
      linked: true,
      createdUnverifiedOrder: false,
      flagged: [UNVERIFIED_CAP_FLAG],
    });
    expect(await prisma.order.count({ where: { shopId: shop.id } })).toBe(MAX_UNVERIFIED_ORDERS_PER_HOUR);
    expect(
      await prisma.cartLink.count({ where: { shopId: shop.id, kind: "CHECKOUT_TOKEN", token: "checkout-7700007" } }),
    ).toBe(1);
    // An order a webhook brought is still linked by a hit past the cap (it needs no unverified placeholder).
    await deliverOrder(shopifyOrder(7700008));
    expect(await (await send(pixelBody({ orderId: "7700008" }))).json()).toMatchObject({
      status: "STORED",
      flagged: [],
    });
  });

  it("holds all clients of a shop to the shop's limit, whatever client ids they claim", async () => {
    const body = pixelBody({ orderId: null });
    expect((await send(body)).status).toBe(200);
    vi.useFakeTimers({ toFake: ["Date"] });
    const statuses: number[] = [];
    try {
      // Each a new client id (its own bucket) and the same event (answered DUPLICATE_EVENT, nothing written).
      for (let i = 0; i < PIXEL_SHOP_LIMIT.points + 1; i++)
        statuses.push((await send({ ...body, clientId: `spray-${i}` })).status);
    } finally {
      vi.useRealTimers();
    }
    // Before the fix all of them were answered: the limit was per claimed client only.
    expect(statuses.slice(0, PIXEL_SHOP_LIMIT.points - 1).every((status) => status === 200)).toBe(true);
    expect(statuses.slice(PIXEL_SHOP_LIMIT.points - 1)).toEqual([429, 429]);
  });

  it("stores a checkout without attributes without linking it, and rate-limits a client that replays in a loop", async () => {
    expect(await (await send(pixelBody({ attributes: [] }))).json()).toMatchObject({ status: "STORED", linked: false });
    expect(await prisma.cartLink.count({ where: { shopId: shop.id } })).toBe(0);
    // The clock stands still, so the bucket of 20 cannot refill during the loop on a slow machine.
    vi.useFakeTimers({ toFake: ["Date"] });
    const statuses: number[] = [];
    let limited: Response | undefined;
    try {
      for (let i = 0; i < 21; i++) {
        const response = await send(pixelBody({ orderId: null }));
        statuses.push(response.status);
        limited = response;
      }
    } finally {
      vi.useRealTimers();
    }
    // The first request of this test went through above; 19 more fit in the bucket, the next is refused.
    expect(statuses.slice(0, 19).every((status) => status === 200)).toBe(true);
    expect(statuses.slice(19)).toEqual([429, 429]);
    expect(limited?.headers.get("Retry-After")).toMatch(/^\d+$/);
  });
});
