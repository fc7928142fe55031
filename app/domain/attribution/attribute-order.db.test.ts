/**
 * Every kind of evidence, read from the database: order ingest attributes an order before writing it (from the
 * payload in memory), re-attribution from the stored rows; both must find the same conversation by the same link,
 * and neither may see another shop's chats, tokens or shoppers that happen to carry the same ids.
 */
import { englishSteps, storedSteps } from "./engine";

import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { orderFixture, storedEmailOf } from "../../../test/fixtures";
import { prisma, sqlTransaction } from "../../db.server";
import { handleOrderWebhooks } from "../orders/order-webhook.server";
import { installShop } from "../shops.server";
import { processDeliveryBatch } from "../webhook-deliveries.server";
import { attributeStoredOrders } from "./attribute-order.server";

const ORDER_TIME = new Date(orderFixture().processed_at).getTime();
const minutesBefore = (minutes: number) => new Date(ORDER_TIME - minutes * 60_000);

/**
 * The same chats in every shop: `answered` says whether their assistant answers found something (only then do
 * they qualify), so a shop whose orders find the other shop's chats would credit them.
 */
async function seedChats(domain: string, answered: boolean) {
  const shop = await installShop(prisma, { domain, currency: "USD" });
  const shopId = shop.id;
  const visitor = (key: string) =>
    prisma.visitor.create({
      data: { shopId, visitorKey: key, firstSeenAt: minutesBefore(600), lastSeenAt: minutesBefore(60) },
    });
  const conversation = async (externalId: string, visitorId: string | null, answerMinutesBefore: number) => {
    const created = await prisma.conversation.create({
      data: { shopId, externalId, visitorId, startedAt: minutesBefore(answerMinutesBefore + 5) },
    });
    await prisma.touchpoint.create({
      data: {
        shopId,
        conversationId: created.id,
        kind: "ASSISTANT_ANSWER",
        answerFound: answered,
        source: "STOREFRONT",
        occurredAt: minutesBefore(answerMinutesBefore),
      },
    });
    return created;
  };
  const chatAdd = (visitorId: string, conversationId: string, minutes: number) =>
    prisma.cartEvent.create({
      data: {
        shopId,
        visitorId,
        conversationId,
        type: "ITEM_ADDED",
        productId: "8101",
        unitValue: "34.90",
        currency: "USD",
        quantity: 1,
        fromChat: true,
        occurredAt: minutesBefore(minutes),
        source: "STOREFRONT",
      },
    });
  const cartLink = (kind: "CHECKOUT_TOKEN" | "CART_TOKEN", token: string, conversationExternalId: string) =>
    prisma.cartLink.create({
      data: { shopId, kind, token, conversationExternalId, seenAt: minutesBefore(40), source: "STOREFRONT" },
    });

  await conversation("c_stamp", (await visitor("v_stamp")).id, 30);
  await conversation("c_checkout", null, 30);
  await cartLink("CHECKOUT_TOKEN", "checkout-tok-1", "c_checkout");
  await conversation("c_cart", null, 30);
  await cartLink("CART_TOKEN", "cart-tok-1", "c_cart");
  // Identity matches need a chat add-to-cart in the window: the customer's is in the credited conversation, the
  // e-mail shopper's in an earlier conversation of theirs that had no answer.
  const customer = await visitor("v_customer");
  await prisma.visitorIdentity.create({
    data: { shopId, visitorId: customer.id, kind: "CUSTOMER_ID", value: "777", seenAt: minutesBefore(100) },
  });
  const customerChat = await conversation("c_customer", customer.id, 120);
  await chatAdd(customer.id, customerChat.id, 110);
  const mailer = await visitor("v_mail");
  await prisma.visitorIdentity.create({
    data: {
      shopId,
      visitorId: mailer.id,
      kind: "EMAIL_HASH",
      value: storedEmailOf(domain, "mail@example.com"),
      seenAt: minutesBefore(100),
    },
  });
  await conversation("c_mail", mailer.id, 120);
  const earlier = await prisma.conversation.create({
    data: { shopId, externalId: "c_mail_earlier", visitorId: mailer.id, startedAt: minutesBefore(900) },
  });
  await chatAdd(mailer.id, earlier.id, 890);
  // Issue 32.5: a visitor's two conversations; the cart names the later one (its stamp follows the last answer).
  const twice = await visitor("v_twice");
  await conversation("c_first", twice.id, 300);
  await conversation("c_second", twice.id, 30);
  const lapsed = await visitor("v_lapsed");
  await conversation("c_ten_days_ago", lapsed.id, 10 * 24 * 60);
  await conversation("c_today", lapsed.id, 30);
  return shop;
}

type Evidence = {
  note?: string;
  lineItemStamp?: string;
  visitor?: string;
  checkoutToken?: string;
  cartToken?: string;
  customerId?: number;
  email?: string;
};

function payload(id: number, evidence: Evidence) {
  const fixture = orderFixture();
  return {
    ...fixture,
    id,
    name: `#E${id}`,
    // The embed stamps the visitor beside every session it stamps.
    note_attributes: [
      ...(evidence.note ? [{ name: "_chat_session_id", value: evidence.note }] : []),
      ...(evidence.note || evidence.lineItemStamp
        ? [{ name: "_chat_visitor_id", value: evidence.visitor ?? "v_stamp" }]
        : []),
    ],
    line_items: fixture.line_items.map((item: Record<string, unknown>, index: number) => ({
      ...item,
      properties:
        index === 0 && evidence.lineItemStamp ? [{ name: "_chat_session_id", value: evidence.lineItemStamp }] : [],
    })),
    checkout_token: evidence.checkoutToken ?? null,
    cart_token: evidence.cartToken ?? null,
    customer: evidence.customerId ? { id: evidence.customerId, email: null } : null,
    email: evidence.email ?? null,
    contact_email: null,
  };
}

const CASES: {
  name: string;
  evidence: Evidence;
  classification: string;
  matchedBy: string | null;
  conversation: string | null;
}[] = [
  {
    name: "cart attribute",
    evidence: { note: "c_stamp" },
    classification: "LED",
    matchedBy: "CART_ATTRIBUTE",
    conversation: "c_stamp",
  },
  {
    name: "line item property",
    evidence: { lineItemStamp: "c_stamp" },
    classification: "LED",
    matchedBy: "LINE_ITEM_PROPERTY",
    conversation: "c_stamp",
  },
  {
    name: "checkout token",
    evidence: { checkoutToken: "checkout-tok-1" },
    classification: "LED",
    matchedBy: "CHECKOUT_TOKEN",
    conversation: "c_checkout",
  },
  // Shopify's 2024 cart token form (prefix and key) is normalised before the lookup.
  {
    name: "cart token",
    evidence: { cartToken: "c1-cart-tok-1?key=abc" },
    classification: "LED",
    matchedBy: "CART_TOKEN",
    conversation: "c_cart",
  },
  {
    name: "customer id",
    evidence: { customerId: 777 },
    classification: "ASSISTED",
    matchedBy: "CUSTOMER_ID",
    conversation: "c_customer",
  },
  {
    name: "e-mail, chat add in another conversation",
    evidence: { email: "Mail@Example.com " },
    classification: "ASSISTED",
    matchedBy: "EMAIL",
    conversation: "c_mail",
  },
  // Issue 25.2: a conversation id stamped onto another visitor's cart (or with no visitor stamp) credits nothing.
  {
    name: "cart attribute from another visitor's cart",
    evidence: { note: "c_stamp", visitor: "v_other" },
    classification: "UNATTRIBUTED",
    matchedBy: null,
    conversation: null,
  },
  {
    name: "line item property from another visitor's cart",
    evidence: { lineItemStamp: "c_stamp", visitor: "v_other" },
    classification: "UNATTRIBUTED",
    matchedBy: null,
    conversation: null,
  },
  // First touch per visitor: the visitor's earlier qualifying conversation inside the window takes the credit.
  {
    name: "cart attribute naming the visitor's later conversation",
    evidence: { note: "c_second", visitor: "v_twice" },
    classification: "LED",
    matchedBy: "CART_ATTRIBUTE",
    conversation: "c_first",
  },
  {
    name: "cart attribute, the visitor's earlier conversation outside every window",
    evidence: { note: "c_today", visitor: "v_lapsed" },
    classification: "LED",
    matchedBy: "CART_ATTRIBUTE",
    conversation: "c_today",
  },
  {
    name: "nothing that names a chat",
    evidence: {
      customerId: 999,
      email: "someone@example.com",
      checkoutToken: "unknown",
      note: "c_unknown",
      visitor: "v_unknown",
    },
    classification: "UNATTRIBUTED",
    matchedBy: null,
    conversation: null,
  },
];

async function deliverAll(domain: string) {
  const deliveries = CASES.map((c, index) => ({
    webhookId: `${domain}:${index}`,
    shopDomain: domain,
    topic: "ORDERS_PAID",
    payload: payload(1000 + index, c.evidence),
  }));
  await processDeliveryBatch(sqlTransaction, deliveries, handleOrderWebhooks);
}

async function attributions(shopId: string) {
  const rows = await prisma.attribution.findMany({ where: { shopId }, include: { order: true, conversation: true } });
  return new Map(rows.map((row) => [row.order.shopifyOrderId, row]));
}

describe("evidence for a set of orders", () => {
  let domain: string;
  let twin: string;
  beforeEach(() => {
    const suffix = randomUUID().slice(0, 8);
    domain = `evidence-${suffix}.myshopify.com`;
    twin = `evidence-twin-${suffix}.myshopify.com`;
  });

  it("finds each kind of link on ingest and again on re-attribution, and nothing of a shop with the same ids", async () => {
    const shop = await seedChats(domain, true);
    const twinShop = await seedChats(twin, false);
    // Both shops' orders in one batch: one transaction, one evidence read per shop.
    await processDeliveryBatch(
      sqlTransaction,
      [domain, twin].flatMap((d) =>
        CASES.map((c, index) => ({
          webhookId: `${d}:${index}`,
          shopDomain: d,
          topic: "ORDERS_PAID",
          payload: payload(1000 + index, c.evidence),
        })),
      ),
      handleOrderWebhooks,
    );

    const ingested = await attributions(shop.id);
    const twinRows = await attributions(twinShop.id);
    CASES.forEach((c, index) => {
      const row = ingested.get(String(1000 + index))!;
      expect({
        case: c.name,
        classification: row.classification,
        matchedBy: row.matchedBy,
        conversation: row.conversation?.externalId ?? null,
      }).toEqual({
        case: c.name,
        classification: c.classification,
        matchedBy: c.matchedBy,
        conversation: c.conversation,
      });
      if (row.conversation) expect(row.conversation.shopId).toBe(shop.id);
      // The twin's chats never answered: its orders find its own conversations and credit none.
      const twinRow = twinRows.get(String(1000 + index))!;
      expect({ case: c.name, classification: twinRow.classification }).toEqual({
        case: c.name,
        classification: "UNATTRIBUTED",
      });
    });

    const foreign = ingested.get(
      String(1000 + CASES.findIndex((c) => c.name === "cart attribute from another visitor's cart")),
    )!;
    expect(storedSteps(foreign.evidence)[0]).toBe(
      `Order #E${foreign.order.shopifyOrderId} carries cart attribute _chat_session_id = c_stamp — not counted: its _chat_visitor_id names another visitor than the one who chatted.`,
    );

    const firstTouch = ingested.get(
      String(1000 + CASES.findIndex((c) => c.name === "cart attribute naming the visitor's later conversation")),
    )!;
    expect(storedSteps(firstTouch.evidence)).toEqual([
      `Order #E${firstTouch.order.shopifyOrderId} carries cart attribute _chat_visitor_id of the visitor who chatted in c_first.`,
      `Order #E${firstTouch.order.shopifyOrderId} carries cart attribute _chat_session_id = c_second.`,
      "Conversation c_first (chat widget) had 1 qualifying answer, the last at 10 Jan, 11:00 UTC.",
      "The order was placed 5 hours 0 minutes later — inside the 24-hour led window.",
      "1 other qualifying conversation came later: first touch gets the credit.",
      "→ Led.",
    ]);

    const orderIds = [...ingested.values()].map((row) => row.orderId);
    const { results: recomputed } = await sqlTransaction((sql) =>
      attributeStoredOrders(sql, { ...shop, maxOrderValue: shop.maxOrderValue }, orderIds),
    );
    for (const row of ingested.values()) {
      const again = recomputed.get(row.orderId)!;
      expect({
        order: row.order.shopifyOrderId,
        classification: again.classification,
        matchedBy: again.matchedBy,
        conversationId: again.conversationId,
        steps: englishSteps(again.facts),
      }).toEqual({
        order: row.order.shopifyOrderId,
        classification: row.classification,
        matchedBy: row.matchedBy,
        conversationId: row.conversationId,
        steps: storedSteps(row.evidence),
      });
    }
  });

  it("stores the same attributions whether the orders come one by one or as one batch", async () => {
    const shop = await seedChats(domain, true);
    await deliverAll(domain);
    const batched = await attributions(shop.id);
    await prisma.order.deleteMany({ where: { shopId: shop.id } });
    await prisma.webhookDelivery.deleteMany({ where: { shopDomain: domain } });
    for (const [index, c] of CASES.entries()) {
      await processDeliveryBatch(
        sqlTransaction,
        [
          {
            webhookId: `${domain}:${index}`,
            shopDomain: domain,
            topic: "ORDERS_PAID",
            payload: payload(1000 + index, c.evidence),
          },
        ],
        handleOrderWebhooks,
      );
    }
    const single = await attributions(shop.id);
    const summary = (
      rows: Map<
        string,
        { classification: string; matchedBy: string | null; conversationId: string | null; evidence: unknown }
      >,
    ) =>
      [...rows]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([id, row]) => [id, row.classification, row.matchedBy, row.conversationId, storedSteps(row.evidence)]);
    expect(summary(single)).toEqual(summary(batched));
  });

  it("stores the order of a returning customer whose chat qualified before the window and whose chat add came inside it", async () => {
    // Issue 25.1: the engine threw on this shopper and the webhook answered 500 on every retry.
    const shop = await installShop(prisma, { domain, currency: "USD" });
    const visitor = await prisma.visitor.create({
      data: {
        shopId: shop.id,
        visitorKey: "v_returning",
        firstSeenAt: minutesBefore(15 * 1440),
        lastSeenAt: minutesBefore(1440),
      },
    });
    await prisma.visitorIdentity.create({
      data: {
        shopId: shop.id,
        visitorId: visitor.id,
        kind: "CUSTOMER_ID",
        value: "4242",
        seenAt: minutesBefore(10 * 1440),
      },
    });
    const old = await prisma.conversation.create({
      data: {
        shopId: shop.id,
        externalId: "c_ten_days",
        visitorId: visitor.id,
        startedAt: minutesBefore(10 * 1440 + 5),
      },
    });
    await prisma.touchpoint.create({
      data: {
        shopId: shop.id,
        conversationId: old.id,
        kind: "ASSISTANT_ANSWER",
        answerFound: true,
        source: "STOREFRONT",
        occurredAt: minutesBefore(10 * 1440),
      },
    });
    const yesterday = await prisma.conversation.create({
      data: { shopId: shop.id, externalId: "c_yesterday", visitorId: visitor.id, startedAt: minutesBefore(1445) },
    });
    await prisma.cartEvent.create({
      data: {
        shopId: shop.id,
        visitorId: visitor.id,
        conversationId: yesterday.id,
        type: "ITEM_ADDED",
        productId: "8101",
        unitValue: "34.90",
        currency: "USD",
        quantity: 1,
        fromChat: true,
        occurredAt: minutesBefore(1440),
        source: "STOREFRONT",
      },
    });

    const [outcome] = await processDeliveryBatch(
      sqlTransaction,
      [
        {
          webhookId: `${domain}:returning`,
          shopDomain: domain,
          topic: "ORDERS_PAID",
          payload: payload(4242, { customerId: 4242 }),
        },
      ],
      handleOrderWebhooks,
    );
    expect(outcome.status).toBe("PROCESSED");
    const row = (await attributions(shop.id)).get("4242")!;
    expect(row).toMatchObject({ classification: "UNATTRIBUTED", conversationId: null, error: null });
    expect(row.order.grossAmount?.toString()).toBe(orderFixture().total_price_set.shop_money.amount);
    expect(storedSteps(row.evidence).join(" ")).toContain("outside the 7-day assisted window");
  });
});
