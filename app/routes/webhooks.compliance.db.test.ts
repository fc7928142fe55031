/**
 * customers/redact and customers/data_request through the real route, signed as Shopify signs them. The
 * redaction test reads back every row of every table and looks for the customer's identifiers.
 */

import { storedSteps } from "../domain/attribution/engine";
import { randomUUID } from "node:crypto";
import { Prisma } from "@prisma/client";
import { beforeEach, describe, expect, it } from "vitest";
import { dispatch } from "../../test/app-routes";
import { orderFixture, storedEmailOf } from "../../test/fixtures";
import { webhookRequest } from "../../test/shopify-requests";
import { prisma, prismaSql } from "../db.server";
import { attributeStoredOrder } from "../domain/attribution/attribute-order.server";
import { requestReattribution, runReattribution } from "../domain/attribution/reattribution.server";
import { findOrderAttribution } from "../domain/reports/orders-report.server";
import { emailSha256Of } from "../domain/orders/order-payload";
import { installShop, markShopUninstalled } from "../domain/shops.server";

const CUSTOMER_ID = "7391167000123";
const EMAIL = "John.Shopper@Example.com";
const CHAT_TEXT = "Hi, I am John Shopper from 12 Elm Street";
const OTHER_CHAT_TEXT = "Hello, this is the other shopper";
const OTHER_CUSTOMER_ID = "8800000000001";
const ORDER_TIME = new Date("2008-01-10T16:00:00Z"); // the fixture's processed_at

let shop: string;
let shopId: string;

const compliance = (topic: string, body: unknown, webhookId = randomUUID()) =>
  dispatch(webhookRequest({ path: "/webhooks/compliance", topic, shop, body, webhookId }));

/** A shopper who chatted (with transcripts on), identified themselves, added from chat and then ordered. */
async function seedIdentifiedShopper(customerId: string, email: string, externalId: string, text: string) {
  const visitor = await prisma.visitor.create({
    data: {
      shopId,
      visitorKey: `v_${externalId}`,
      firstSeenAt: new Date(ORDER_TIME.getTime() - 7_200_000),
      lastSeenAt: ORDER_TIME,
    },
  });
  await prisma.visitorIdentity.createMany({
    data: [
      { shopId, visitorId: visitor.id, kind: "CUSTOMER_ID", value: customerId, seenAt: ORDER_TIME },
      { shopId, visitorId: visitor.id, kind: "EMAIL_HASH", value: storedEmailOf(shop, email), seenAt: ORDER_TIME },
    ],
  });
  const conversation = await prisma.conversation.create({
    data: { shopId, externalId, visitorId: visitor.id, startedAt: new Date(ORDER_TIME.getTime() - 3_600_000) },
  });
  await prisma.touchpoint.createMany({
    data: [
      {
        shopId,
        conversationId: conversation.id,
        kind: "SHOPPER_MESSAGE",
        text,
        source: "STOREFRONT",
        occurredAt: new Date(ORDER_TIME.getTime() - 3_000_000),
      },
      {
        shopId,
        conversationId: conversation.id,
        kind: "ASSISTANT_ANSWER",
        answerFound: true,
        source: "STOREFRONT",
        occurredAt: new Date(ORDER_TIME.getTime() - 2_900_000),
      },
    ],
  });
  await prisma.cartEvent.create({
    data: {
      shopId,
      visitorId: visitor.id,
      conversationId: conversation.id,
      type: "ITEM_ADDED",
      productId: "632910392",
      unitValue: "199.00",
      currency: "USD",
      quantity: 1,
      fromChat: true,
      source: "STOREFRONT",
      occurredAt: new Date(ORDER_TIME.getTime() - 2_800_000),
    },
  });
}

async function deliverOrder(id: number, customerId: string, email: string) {
  const body = {
    ...orderFixture(),
    id,
    name: `#${id}`,
    email,
    contact_email: email,
    customer: { ...orderFixture().customer, id: Number(customerId), email },
    checkout_token: `chk${id}token`,
    cart_token: `cart${id}token`,
  };
  const response = await dispatch(webhookRequest({ path: "/webhooks/orders", topic: "orders/paid", shop, body }));
  expect(response.status).toBe(200);
  const order = await prisma.order.findFirstOrThrow({ where: { shopId, shopifyOrderId: String(id) } });
  await prisma.pixelHit.create({
    data: {
      shopId,
      eventId: `px_${id}`,
      shopifyOrderId: String(id),
      clientId: `client_${customerId}`,
      occurredAt: ORDER_TIME,
      payload: { email, customerId },
    },
  });
  return order;
}

/** Every row of every model that belongs to this test's shop, as text: what a look for leftovers has to search. */
async function everything(): Promise<string> {
  const ofThisShop = (row: Record<string, unknown>) =>
    row.shopId === shopId || row.id === shopId || row.shopDomain === shop || row.shop === shop;
  const dumps = await Promise.all(
    Object.values(Prisma.ModelName).map(async (model) => {
      const delegate = (prisma as unknown as Record<string, { findMany(): Promise<Record<string, unknown>[]> }>)[
        model[0].toLowerCase() + model.slice(1)
      ];
      const rows = (await delegate.findMany()).filter(ofThisShop);
      return JSON.stringify(rows, (_key, value) => (typeof value === "bigint" ? value.toString() : value));
    }),
  );
  return dumps.join("\n");
}

describe("customer compliance webhooks", () => {
  beforeEach(async () => {
    shop = `privacy-${randomUUID().slice(0, 8)}.myshopify.com`;
    shopId = (await installShop(prisma, { domain: shop, currency: "USD" })).id;
    await prisma.shop.update({ where: { id: shopId }, data: { storeTranscripts: true } });
    await seedIdentifiedShopper(CUSTOMER_ID, EMAIL, "c_john", CHAT_TEXT);
    await seedIdentifiedShopper(OTHER_CUSTOMER_ID, "other@example.com", "c_other", OTHER_CHAT_TEXT);
  });

  it("customers/data_request assembles what is held for the customer, for the merchant to download", async () => {
    await deliverOrder(1001, CUSTOMER_ID, EMAIL);
    await deliverOrder(2002, OTHER_CUSTOMER_ID, "other@example.com");
    const body = {
      shop_id: 1,
      shop_domain: shop,
      customer: { id: Number(CUSTOMER_ID), email: EMAIL },
      orders_requested: [1001],
      data_request: { id: 9999 },
    };
    expect((await compliance("customers/data_request", body)).status).toBe(200);
    expect((await compliance("customers/data_request", body)).status).toBe(200); // a retry with a new id
    const requests = await prisma.customerDataRequest.findMany({ where: { shopId } });
    expect(requests).toHaveLength(1);
    const report = requests[0].report as any;
    expect(report.customer).toEqual({ id: CUSTOMER_ID, emailHash: storedEmailOf(shop, EMAIL) });
    expect(report.identities.map((i: { kind: string }) => i.kind).sort()).toEqual(["CUSTOMER_ID", "EMAIL_HASH"]);
    expect(report.visitors).toHaveLength(1);
    expect(report.visitors[0].conversations[0]).toMatchObject({ conversationId: "c_john", surface: "CHAT_WIDGET" });
    expect(report.visitors[0].conversations[0].touches[0].text).toBe(CHAT_TEXT);
    expect(report.visitors[0].cartEvents).toHaveLength(1);
    expect(report.orders).toEqual([
      expect.objectContaining({ shopifyOrderId: "1001", classification: "ASSISTED", grossAmount: "598.94" }),
    ]);
    expect(JSON.stringify(report)).not.toContain(OTHER_CUSTOMER_ID);
    expect(JSON.stringify(report)).not.toContain(EMAIL.toLowerCase());
  });

  it("customers/redact leaves nothing identifying the customer; orders keep money and classification", async () => {
    const order = await deliverOrder(1001, CUSTOMER_ID, EMAIL);
    await deliverOrder(2002, OTHER_CUSTOMER_ID, "other@example.com");
    await compliance("customers/data_request", {
      shop_id: 1,
      shop_domain: shop,
      customer: { id: Number(CUSTOMER_ID), email: EMAIL },
      orders_requested: [1001],
      data_request: { id: 7 },
    });
    const before = await prisma.attribution.findUniqueOrThrow({ where: { orderId: order.id } });
    expect(before).toMatchObject({ classification: "ASSISTED", matchedBy: "CUSTOMER_ID" });
    expect(await everything()).toContain(CUSTOMER_ID);

    const redact = {
      shop_id: 1,
      shop_domain: shop,
      customer: { id: Number(CUSTOMER_ID), email: EMAIL, phone: "555-625-1199" },
      orders_to_redact: [1001],
    };
    const webhookId = randomUUID();
    for (let i = 0; i < 3; i++) expect((await compliance("customers/redact", redact, webhookId)).status).toBe(200);

    const leftovers = await everything();
    // Issue 25.11: the cart and checkout tokens that tie the customer's browser to their orders go too.
    for (const identifying of [
      CUSTOMER_ID,
      storedEmailOf(shop, EMAIL),
      emailSha256Of(EMAIL)!,
      EMAIL,
      EMAIL.toLowerCase(),
      CHAT_TEXT,
      `client_${CUSTOMER_ID}`,
      "chk1001token",
      "cart1001token",
    ]) {
      expect(leftovers, identifying).not.toContain(identifying);
    }
    // The other customer is untouched.
    for (const kept of [
      OTHER_CUSTOMER_ID,
      storedEmailOf(shop, "other@example.com"),
      `client_${OTHER_CUSTOMER_ID}`,
      OTHER_CHAT_TEXT,
      "chk2002token",
    ])
      expect(leftovers).toContain(kept);

    const after = await prisma.order.findUniqueOrThrow({ where: { id: order.id }, include: { attribution: true } });
    expect(after).toMatchObject({ customerId: null, emailHash: null });
    expect(after.grossAmount!.toFixed(2)).toBe("598.94");
    expect(after.attribution).toMatchObject({
      classification: "ASSISTED",
      matchedBy: "CUSTOMER_ID",
      conversationId: before.conversationId,
    });
    // Recomputing (a settings change) cannot re-read the erased evidence, so the classification stands.
    const shopRow = await prisma.shop.findUniqueOrThrow({ where: { id: shopId } });
    expect(await attributeStoredOrder(prismaSql(prisma), shopRow, order.id)).toBeNull();
    expect((await prisma.attribution.findUniqueOrThrow({ where: { orderId: order.id } })).classification).toBe(
      "ASSISTED",
    );
    // After a whole recompute under new settings, its explanation says the credit was kept, not found the same; the
    // other customer's unchanged order is the same under the new version.
    const changed = await prisma.shop.update({
      where: { id: shopId },
      data: { settingsVersion: { increment: 1 }, countTestOrders: !shopRow.countTestOrders },
    });
    const job = await requestReattribution(prisma, shopId);
    expect((await runReattribution(prisma, job.id)).status).toBe("DONE");
    expect((await findOrderAttribution(prisma, changed, "1001"))?.attribution).toMatchObject({
      settingsVersion: shopRow.settingsVersion,
      keptAfterRedaction: true,
      sameUnderSettingsVersion: null,
    });
    expect((await findOrderAttribution(prisma, changed, "2002"))?.attribution).toMatchObject({
      settingsVersion: shopRow.settingsVersion,
      keptAfterRedaction: false,
      sameUnderSettingsVersion: changed.settingsVersion,
    });

    // Shopify may send the same request again under a new webhook id: the evidence says it once.
    expect((await compliance("customers/redact", redact)).status).toBe(200);
    const { evidence } = await prisma.attribution.findUniqueOrThrow({ where: { orderId: order.id } });
    const erasedSteps = storedSteps(evidence).filter((step) => step.includes("identifiers were erased"));
    expect(erasedSteps).toHaveLength(1);
  });

  it("acknowledges a payload of the wrong shape and records why", async () => {
    const webhookId = randomUUID();
    expect((await compliance("customers/redact", { shop_domain: shop }, webhookId)).status).toBe(200);
    const delivery = await prisma.webhookDelivery.findUniqueOrThrow({ where: { webhookId } });
    expect(delivery).toMatchObject({
      status: "REJECTED",
      reason: expect.stringMatching(/^not a customers\/redact payload: customer/),
    });
  });

  it("refuses a signed body replayed under another shop's headers, and a shop header that is no shop domain", async () => {
    // Issue 25.8: one captured delivery replayed with other headers erased another installed tenant.
    const victim = `victim-${randomUUID().slice(0, 8)}.myshopify.com`;
    const victimId = (await installShop(prisma, { domain: victim, currency: "USD" })).id;
    await markShopUninstalled(prisma, victim, new Date(Date.now() - 72 * 3_600_000));
    const replayed = await dispatch(
      webhookRequest({
        path: "/webhooks/compliance",
        topic: "shop/redact",
        shop: victim,
        body: { shop_id: 1, shop_domain: shop },
      }),
    );
    expect(replayed.status).toBe(400);
    expect(await replayed.text()).toBe(`the body names shop ${shop}, not ${victim}`);
    const uninstall = await dispatch(
      webhookRequest({
        path: "/webhooks/app/uninstalled",
        topic: "app/uninstalled",
        shop: victim,
        body: { id: 1, myshopify_domain: shop },
      }),
    );
    expect(uninstall.status).toBe(400);
    const notAShop = await dispatch(
      webhookRequest({
        path: "/webhooks/compliance",
        topic: "shop/redact",
        shop: "evil.example.com",
        body: { shop_id: 1, shop_domain: "evil.example.com" },
      }),
    );
    expect(notAShop.status).toBe(400);
    expect(await prisma.shop.findUnique({ where: { id: victimId } })).not.toBeNull();
    expect(await prisma.shop.findUnique({ where: { id: shopId } })).toMatchObject({ status: "INSTALLED" });
  });

  it("refuses a captured delivery replayed to an address under a topic it does not take", async () => {
    // The topic header is not signed. Before the fix an orders/paid body replayed to /webhooks/app/uninstalled
    // under its own topic (no shop named in an order's body) uninstalled the shop its header named.
    const orderBody = { ...orderFixture(), id: 990_001 };
    await prisma.session.create({ data: { id: `offline_${shop}`, shop, state: "", accessToken: "t" } });
    const sessionsBefore = 1;
    for (const [path, topic] of [
      ["/webhooks/app/uninstalled", "orders/paid"],
      ["/webhooks/app/uninstalled", "customers/redact"],
      ["/webhooks/compliance", "orders/paid"],
      ["/webhooks/orders", "app/uninstalled"],
      ["/webhooks/orders", "shop/redact"],
    ] as const) {
      const webhookId = randomUUID();
      const response = await dispatch(webhookRequest({ path, topic, shop, body: orderBody, webhookId }));
      expect([path, topic, response.status, await response.text()]).toEqual([
        path,
        topic,
        400,
        `topic ${topic.toUpperCase().replace("/", "_")} is not delivered to this address`,
      ]);
      expect(await prisma.webhookDelivery.count({ where: { webhookId } })).toBe(0);
    }
    expect(await prisma.shop.findUnique({ where: { id: shopId } })).toMatchObject({ status: "INSTALLED" });
    expect(await prisma.session.count({ where: { shop } })).toBe(sessionsBefore);
  });

  it("erases a shop on shop/redact only once it has been uninstalled for 48 hours", async () => {
    const early = await compliance("shop/redact", { shop_id: 1, shop_domain: shop });
    expect(early.status).toBe(200);
    expect(await prisma.shop.findUnique({ where: { id: shopId } })).not.toBeNull();
    await markShopUninstalled(prisma, shop, new Date(Date.now() - 49 * 3_600_000));
    expect((await compliance("shop/redact", { shop_id: 1, shop_domain: shop })).status).toBe(200);
    expect(await prisma.shop.findUnique({ where: { id: shopId } })).toBeNull();
  });
});
