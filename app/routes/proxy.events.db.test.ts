/**
 * POST /apps/chat-attribution/events as Shopify's App Proxy forwards it (signed query), through the real
 * route and its signature check (app/shopify/app-proxy.server.ts).
 */

import { storedSteps } from "../domain/attribution/engine";
import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { dispatch } from "../../test/app-routes";
import { orderFixture, storedEmailOf } from "../../test/fixtures";
import { appProxyRequest, webhookRequest } from "../../test/shopify-requests";
import { cartWith, testCarts, testStorefront } from "../../test/storefront-standin";
import { prisma } from "../db.server";
import { emailSha256Of, normaliseCartToken } from "../domain/orders/order-payload";
import { installShop } from "../domain/shops.server";

let shop: string;
let shopId: string;
/** One clock reading per test, so that durations between events are exact. */
let now = Date.now();
const minutesAgo = (minutes: number) => new Date(now - minutes * 60_000).toISOString();

function post(events: unknown[], options: { loggedInCustomerId?: string; secret?: string } = {}) {
  return dispatch(appProxyRequest({ shop, path: "/proxy/events", method: "POST", body: { events }, ...options }));
}

const chat = (conversationId: string, visitorId: string, answeredMinutesAgo = 30) => [
  {
    id: randomUUID(),
    type: "conversation_started",
    occurredAt: minutesAgo(answeredMinutesAgo + 2),
    visitorId,
    conversationId,
    surface: "FAQ",
  },
  {
    id: randomUUID(),
    type: "message",
    occurredAt: minutesAgo(answeredMinutesAgo + 1),
    visitorId,
    conversationId,
    role: "shopper",
    topic: "dry skin",
    text: "my skin is so dry",
  },
  {
    id: randomUUID(),
    type: "message",
    occurredAt: minutesAgo(answeredMinutesAgo),
    visitorId,
    conversationId,
    role: "assistant",
    answerFound: true,
    productIds: ["gid://shopify/Product/632910392"],
  },
];

/** The visitors' cart at Shopify (the Storefront API stand-in): plenty of the fixture's iPod at 199.00. */
const IPOD = { productId: "632910392", variantId: "39072856", unitPrice: "199.00", currency: "USD" };
const CART = cartWith({ ...IPOD, quantity: 999 });

const cart = (visitorId: string, cartType: string, extra: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  type: "cart",
  occurredAt: minutesAgo(20),
  visitorId,
  cartType,
  productId: "632910392",
  variantId: "39072856",
  productName: "IPod Nano - 8gb",
  value: "199.00",
  currency: "USD",
  quantity: 1,
  cartToken: CART,
  ...extra,
});

describe("storefront events through the App Proxy", () => {
  beforeEach(async () => {
    now = Date.now();
    shop = `events-${randomUUID().slice(0, 8)}.myshopify.com`;
    shopId = (await installShop(prisma, { domain: shop, currency: "USD" })).id;
  });

  it("stores a conversation, its touches and a chat add-to-cart; a repeated batch is accepted and ignored", async () => {
    const events = [
      ...chat("c_1", "v_1"),
      cart("v_1", "ITEM_ADDED", {
        conversationId: "c_1",
        fromChat: true,
        cartToken: testCarts.put([{ ...IPOD, quantity: 1 }], "c1-ABCdef"),
      }),
    ];
    const first = await post(events);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ accepted: 4, duplicates: 0, rejected: [] });
    const again = await post(events);
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 4, rejected: [] });

    const conversation = await prisma.conversation.findFirstOrThrow({
      where: { shopId },
      include: { touchpoints: true, cartEvents: true },
    });
    expect(conversation).toMatchObject({ externalId: "c_1", surface: "FAQ" });
    expect(conversation.firstQualifyingTouchAt).not.toBeNull();
    expect(conversation.touchpoints).toHaveLength(2);
    expect(conversation.touchpoints.every((t) => t.text === null)).toBe(true); // transcripts are off by default
    expect(conversation.touchpoints.find((t) => t.kind === "ASSISTANT_ANSWER")!.productIds).toEqual(["632910392"]);
    expect(conversation.cartEvents).toMatchObject([
      { type: "ITEM_ADDED", quantity: 1, fromChat: true, cartToken: "abcdef" },
    ]);
    expect(await prisma.cartLink.findFirst({ where: { shopId } })).toMatchObject({
      kind: "CART_TOKEN",
      token: "abcdef",
      conversationExternalId: "c_1",
    });
  });

  it("keeps chat text only when the shop stores transcripts", async () => {
    await prisma.shop.update({ where: { id: shopId }, data: { storeTranscripts: true } });
    await post(chat("c_t", "v_t"));
    const texts = (await prisma.touchpoint.findMany({ where: { shopId } })).map((t) => t.text);
    expect(texts).toContain("my skin is so dry");
  });

  it("makes a nudge click the conversation's surface", async () => {
    await post([
      {
        id: randomUUID(),
        type: "conversation_started",
        occurredAt: minutesAgo(5),
        visitorId: "v_n",
        conversationId: "c_n",
        nudgeId: "spring-sale",
      },
    ]);
    expect(await prisma.conversation.findFirstOrThrow({ where: { shopId } })).toMatchObject({
      surface: "NUDGE_CLICK",
      nudgeId: "spring-sale",
    });
  });

  it("rejects a batch with an invalid event with 400, a reason per field, and stores nothing", async () => {
    const response = await post([
      ...chat("c_bad", "v_bad"),
      cart("v_bad", "ITEM_ADDED", { quantity: 0, currency: "usd" }),
    ]);
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toEqual([
      { index: 3, field: "currency", message: "must be an ISO 4217 code" },
      { index: 3, field: "quantity", message: "must be at least 1 (a delta, never a total)" },
    ]);
    expect(await prisma.conversation.count({ where: { shopId } })).toBe(0);
    expect(await prisma.clientEvent.count({ where: { shopId } })).toBe(0);
  });

  it.each([
    [
      "in the future",
      { occurredAt: new Date(Date.now() + 10 * 60_000).toISOString() },
      "occurredAt",
      "must not be more than 5 minutes in the future",
    ],
    [
      "too old",
      { occurredAt: new Date(Date.now() - 31 * 86_400_000).toISOString() },
      "occurredAt",
      "must not be older than 30 days",
    ],
    ["without a visitor", { visitorId: undefined }, "visitorId", "is required from the storefront"],
  ])("rejects an event %s", async (_label, change, field, message) => {
    const response = await post([{ ...chat("c_x", "v_x")[0], ...change }]);
    expect(response.status).toBe(400);
    expect((await response.json()).errors).toEqual([{ index: 0, field, message }]);
  });

  it("refuses a raw e-mail from the storefront, accepts the browser's hash", async () => {
    const raw = await post([
      { id: randomUUID(), type: "identify", occurredAt: minutesAgo(1), visitorId: "v_i", email: "a@example.com" },
    ]);
    expect(raw.status).toBe(400);
    const hashed = await post([
      {
        id: randomUUID(),
        type: "identify",
        occurredAt: minutesAgo(1),
        visitorId: "v_i",
        emailSha256: emailSha256Of("a@example.com"),
      },
    ]);
    expect(hashed.status).toBe(200);
    expect(await prisma.visitorIdentity.findFirstOrThrow({ where: { shopId } })).toMatchObject({
      kind: "EMAIL_HASH",
      value: storedEmailOf(shop, "a@example.com"),
    });
  });

  it("rejects an orphan removal (no earlier add) and keeps the rest of the batch", async () => {
    const response = await post([
      cart("v_o", "ITEM_REMOVED"),
      cart("v_o", "ITEM_ADDED", { occurredAt: minutesAgo(10) }),
      cart("v_o", "QUANTITY_DECREASED", { occurredAt: minutesAgo(5) }),
    ]);
    expect(response.status).toBe(200);
    const summary = await response.json();
    expect(summary).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(summary.rejected).toEqual([
      {
        index: 0,
        id: expect.any(String),
        reason: "ITEM_REMOVED of product 632910392 with no earlier add by this visitor",
      },
    ]);
    expect(
      (await prisma.cartEvent.findMany({ where: { shopId }, orderBy: { occurredAt: "asc" } })).map((e) => e.type),
    ).toEqual(["ITEM_ADDED", "QUANTITY_DECREASED"]);
  });

  it("records the signed logged_in_customer_id as an identity of the visitor", async () => {
    await post(chat("c_c", "v_c"), { loggedInCustomerId: "207119551" });
    const identity = await prisma.visitorIdentity.findFirstOrThrow({ where: { shopId }, include: { visitor: true } });
    expect(identity).toMatchObject({ kind: "CUSTOMER_ID", value: "207119551", visitor: { visitorKey: "v_c" } });
  });

  it("never credits an order with storefront evidence that arrived after it, whatever time the evidence claims", async () => {
    // Issue 25.3: this batch, dated 30 minutes back and sent after the order came in, used to make the order LED.
    const orderTime = minutesAgo(10);
    const body = {
      ...orderFixture(),
      processed_at: orderTime,
      created_at: orderTime,
      note_attributes: [{ name: "_chat_session_id", value: "c_late" }],
    };
    await dispatch(webhookRequest({ path: "/webhooks/orders", topic: "orders/paid", shop, body }));
    expect((await prisma.attribution.findFirstOrThrow({ where: { shopId } })).classification).toBe("UNATTRIBUTED");
    expect(await (await post(chat("c_late", "v_late", 30))).json()).toMatchObject({ accepted: 3 });
    expect(await prisma.attribution.findFirstOrThrow({ where: { shopId } })).toMatchObject({
      classification: "UNATTRIBUTED",
      conversationId: null,
    });
    // Stored as evidence all the same, with when it came: a later order of this chat may still count it.
    const touches = await prisma.touchpoint.findMany({ where: { shopId } });
    expect(touches).toHaveLength(2);
    for (const touch of touches) expect(touch.receivedAt!.getTime()).toBeGreaterThanOrEqual(now);
  });

  it("credits an order by LINK when its visitor landed through a link the chat shared, and a forged link credits nothing", async () => {
    // Issue 32.4: the chat shares a link; another visitor (another device) opens it, adds, and orders.
    const shared = {
      id: randomUUID(),
      type: "link_shared",
      occurredAt: minutesAgo(25),
      visitorId: "v_sharer",
      conversationId: "c_shared",
      linkId: "ab12cd34",
      url: "https://shop.example/products/ipod?utm_source=chat&email=someone%40example.com#top",
    };
    const click = (visitorId: string, linkId: string) => ({
      id: randomUUID(),
      type: "link_click",
      occurredAt: minutesAgo(20),
      visitorId,
      conversationId: "c_shared",
      linkId,
    });
    const phoneCart = cartWith({ ...IPOD, quantity: 1 });
    testCarts.stamp(phoneCart, "c_shared");
    const strangerCart = cartWith({ ...IPOD, quantity: 1 });
    testCarts.stamp(strangerCart, "c_shared");
    const response = await post([
      ...chat("c_shared", "v_sharer"),
      shared,
      click("v_phone", "ab12cd34"),
      cart("v_phone", "ITEM_ADDED", { conversationId: "c_shared", cartToken: phoneCart }),
      click("v_stranger", "zz99zz99"),
      cart("v_stranger", "ITEM_ADDED", { conversationId: "c_shared", cartToken: strangerCart }),
      // The token is bound for good: another conversation cannot take it over.
      { ...shared, id: randomUUID(), conversationId: "c_other" },
    ]);
    const summary = await response.json();
    expect(summary.accepted).toBe(8);
    expect(summary.rejected).toEqual([
      expect.objectContaining({ index: 8, reason: expect.stringMatching(/belongs to another conversation/) }),
    ]);

    const link = await prisma.chatLink.findFirstOrThrow({ where: { shopId } });
    expect(link).toMatchObject({ token: "ab12cd34", url: "https://shop.example/products/ipod" }); // no query, no e-mail
    const clicks = await prisma.linkClick.findMany({
      where: { shopId },
      include: { visitor: true, conversation: true },
    });
    expect(
      clicks.map((c) => [c.visitor.visitorKey, c.conversation?.externalId ?? null, c.chatLinkId !== null]),
    ).toEqual([
      ["v_phone", "c_shared", true],
      ["v_stranger", null, false],
    ]);
    // The phone's theme add is linked to the conversation it came through; the stranger's is stored without it.
    const adds = await prisma.cartEvent.findMany({ where: { shopId }, include: { visitor: true, conversation: true } });
    expect(adds.map((e) => [e.visitor.visitorKey, e.conversation?.externalId ?? null])).toEqual([
      ["v_phone", "c_shared"],
      ["v_stranger", null],
    ]);

    const order = (id: number, visitor: string) => ({
      ...orderFixture(),
      id,
      processed_at: minutesAgo(5),
      created_at: minutesAgo(5),
      note_attributes: [
        { name: "_chat_session_id", value: "c_shared" },
        { name: "_chat_visitor_id", value: visitor },
      ],
    });
    for (const [id, visitor] of [
      [9101, "v_phone"],
      [9102, "v_stranger"],
    ] as const)
      await dispatch(
        webhookRequest({ path: "/webhooks/orders", topic: "orders/paid", shop, body: order(id, visitor) }),
      );
    const attributions = await prisma.attribution.findMany({ where: { shopId }, include: { order: true } });
    const of = (id: string) => attributions.find((a) => a.order.shopifyOrderId === id)!;
    expect(of("9101")).toMatchObject({ classification: "LED", matchedBy: "LINK" });
    expect(storedSteps(of("9101").evidence)[0]).toMatch(/stamped when this visitor opened a link the chat shared/);
    expect(of("9102")).toMatchObject({ classification: "UNATTRIBUTED", matchedBy: null });
  });

  it("refuses events for a conversation from another visitor, one by one, in the same batch or a later one", async () => {
    expect(await (await post(chat("c_owned", "v_owner"))).json()).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    const intruder = chat("c_owned", "v_intruder", 5);
    const mixed = [
      ...intruder,
      cart("v_intruder", "ITEM_ADDED", { conversationId: "c_owned", fromChat: true }),
      ...chat("c_own_new", "v_intruder", 5),
    ];
    const answer = await (await post(mixed)).json();
    expect(answer.accepted).toBe(3);
    expect(answer.rejected).toEqual(
      [0, 1, 2, 3].map((index) => ({
        index,
        id: mixed[index].id,
        reason: "conversation c_owned belongs to another visitor",
      })),
    );
    const owned = await prisma.conversation.findFirstOrThrow({
      where: { shopId, externalId: "c_owned" },
      include: { touchpoints: true, cartEvents: true, visitor: true },
    });
    expect(owned.visitor?.visitorKey).toBe("v_owner");
    expect(owned.touchpoints).toHaveLength(2);
    expect(owned.cartEvents).toHaveLength(0);
  });

  it("takes a customer id only from the signed logged-in customer, and at most 3 e-mail addresses per visitor", async () => {
    // Issue 25.4: 10,000 customer ids sprayed through identify events moved attributed revenue by 41 %.
    const identify = (visitorId: string, fields: Record<string, unknown>) => ({
      id: randomUUID(),
      type: "identify",
      occurredAt: minutesAgo(1),
      visitorId,
      ...fields,
    });
    const spray = Array.from({ length: 100 }, (_, i) => identify("v_spray", { customerId: String(1_000_000 + i) }));
    const sprayed = await (await post(spray)).json();
    expect(sprayed.accepted).toBe(0);
    expect(sprayed.rejected).toHaveLength(100);
    expect(sprayed.rejected[0].reason).toBe(
      "customerId is taken from Shopify's signed logged_in_customer_id, never from the storefront body",
    );

    const emails = ["a", "b", "c", "d"].map((name) =>
      identify("v_mail", { emailSha256: emailSha256Of(`${name}@example.com`) }),
    );
    const claimed = await (await post(emails)).json();
    expect(claimed.accepted).toBe(3);
    expect(claimed.rejected).toEqual([
      { index: 3, id: emails[3].id, reason: "a visitor may identify with at most 3 e-mail addresses" },
    ]);
    // The same address again is no new claim; a fourth in a later request is refused as well.
    const again = await (
      await post([
        identify("v_mail", { emailSha256: emailSha256Of("a@example.com") }),
        identify("v_mail", { emailSha256: emailSha256Of("e@example.com") }),
      ])
    ).json();
    expect(again.accepted).toBe(1);
    expect(again.rejected.map((r: { index: number }) => r.index)).toEqual([1]);

    // The signed logged-in customer still counts.
    await post(chat("c_logged", "v_logged"), { loggedInCustomerId: "820982911946154508" });
    const identities = await prisma.visitorIdentity.findMany({
      where: { shopId },
      select: { kind: true, value: true },
    });
    expect(identities.filter((i) => i.kind === "CUSTOMER_ID")).toEqual([
      { kind: "CUSTOMER_ID", value: "820982911946154508" },
    ]);
    expect(identities.filter((i) => i.kind === "EMAIL_HASH")).toHaveLength(3);
  });

  it("bounds a cart event's unit value: above the shop's outlier threshold it is refused, at 10^15 the batch is a 400", async () => {
    // Issue 25.5: one request put EUR 999 trillion on cart GMV.
    const huge = await post([cart("v_value", "ITEM_ADDED", { value: "999999999999999", quantity: 999 })]);
    expect(huge.status).toBe(200);
    expect((await huge.json()).rejected).toEqual([
      expect.objectContaining({
        index: 0,
        reason: expect.stringContaining("exceeds the shop's largest counted order value"),
      }),
    ]);
    const unstorable = await post([cart("v_value", "ITEM_ADDED", { value: "1000000000000000" })]);
    expect(unstorable.status).toBe(400);
    expect((await unstorable.json()).errors).toEqual([
      { index: 0, field: "value", message: "must be less than 1,000,000,000,000,000" },
    ]);
    const atThreshold = await post([
      cart("v_value", "ITEM_ADDED", {
        value: "1000000",
        cartToken: cartWith({ ...IPOD, unitPrice: "1000000.00" }),
      }),
    ]);
    expect(await atThreshold.json()).toMatchObject({ accepted: 1, rejected: [] });
    expect(await prisma.cartEvent.count({ where: { shopId } })).toBe(1);
  });

  it("holds each add to the cart it names at Shopify, event by event, so a script cannot make up cart GMV", async () => {
    // Issue 25.5: the values were the browser's word. One genuine add and six made-up claims in one batch.
    const mine = cartWith({ ...IPOD, quantity: 2 });
    const response = await post([
      ...chat("c_gmv", "v_gmv"),
      cart("v_gmv", "ITEM_ADDED", { conversationId: "c_gmv", fromChat: true, cartToken: mine, value: "179.10" }),
      cart("v_gmv", "ITEM_ADDED", { conversationId: "c_gmv", value: "999.00", cartToken: mine }),
      cart("v_gmv", "ITEM_ADDED", { conversationId: "c_gmv", cartToken: "c1-madeup?key=guess" }),
      cart("v_gmv", "ITEM_ADDED", { conversationId: "c_gmv", cartToken: mine.split("?")[0] }),
      cart("v_gmv", "ITEM_ADDED", { conversationId: "c_gmv", variantId: "1", cartToken: mine }),
      cart("v_gmv", "QUANTITY_INCREASED", { conversationId: "c_gmv", quantity: 5, cartToken: mine }),
      cart("v_gmv", "ITEM_ADDED", { conversationId: "c_gmv", cartToken: undefined }),
    ]);
    expect(response.status).toBe(200);
    const summary = await response.json();
    expect(summary.accepted).toBe(4);
    expect(summary.rejected.map((r: { index: number; reason: string }) => [r.index, r.reason])).toEqual([
      [4, expect.stringMatching(/above Shopify's price for variant 39072856 \(199\.00\)/)],
      [5, expect.stringMatching(/^Shopify has no cart c1-madeup in this shop$/)],
      [6, expect.stringMatching(/with its \?key=/)],
      [7, expect.stringMatching(/variant 1 is not in cart/)],
      [8, expect.stringMatching(/holds 2 of variant 39072856, fewer than the 6 claimed/)],
      [9, expect.stringMatching(/must name the cart/)],
    ]);
    expect(JSON.stringify(summary)).not.toContain(mine.split("?key=")[1]); // the cart's key is never echoed
    const stored = await prisma.cartEvent.findMany({ where: { shopId } });
    expect(stored.map((e) => [e.type, e.unitValue.toFixed(2), e.quantity])).toEqual([["ITEM_ADDED", "179.10", 1]]);

    // The same genuine add sent again under new ids, from this visitor or another: the cart holds 2, no more.
    const replays = await post([
      cart("v_gmv", "ITEM_ADDED", { cartToken: mine }),
      cart("v_gmv", "ITEM_ADDED", { cartToken: mine }),
    ]);
    expect((await replays.json()).rejected).toEqual([expect.objectContaining({ index: 1 })]);
    const otherVisitor = await post([cart("v_other", "ITEM_ADDED", { cartToken: mine })]);
    expect((await otherVisitor.json()).rejected).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/fewer than the 3 claimed/) }),
    ]);
    expect(await prisma.cartEvent.count({ where: { shopId } })).toBe(2);
  });

  it("links a theme's add to the conversation Shopify's cart is stamped with, and stores it unlinked otherwise", async () => {
    // Issue 32.1: the shopper takes the chat's advice with the product page's own Add to cart (fromChat: false).
    const stamped = cartWith({ ...IPOD, quantity: 3 });
    testCarts.stamp(stamped, "c_theme");
    const unstamped = cartWith({ ...IPOD, quantity: 1 });
    const otherStamp = cartWith({ ...IPOD, quantity: 1 });
    testCarts.stamp(otherStamp, "c_someone_else");
    const response = await post([
      ...chat("c_theme", "v_theme"),
      cart("v_theme", "ITEM_ADDED", { conversationId: "c_theme", cartToken: stamped, quantity: 2 }),
      cart("v_theme", "QUANTITY_INCREASED", { conversationId: "c_theme", cartToken: stamped }),
      cart("v_theme", "ITEM_ADDED", { conversationId: "c_theme", cartToken: unstamped }),
      cart("v_theme", "ITEM_ADDED", { conversationId: "c_theme", cartToken: otherStamp }),
    ]);
    expect(await response.json()).toMatchObject({ accepted: 7, rejected: [] });
    // A later decrease of the linked line (no cart read) keeps the visitor's own conversation.
    await post([cart("v_theme", "QUANTITY_DECREASED", { conversationId: "c_theme", cartToken: stamped })]);

    const events = await prisma.cartEvent.findMany({
      where: { shopId },
      orderBy: { id: "asc" },
      include: { conversation: { select: { externalId: true } } },
    });
    expect(events.map((e) => [e.type, e.quantity, e.fromChat, e.conversation?.externalId ?? null])).toEqual([
      ["ITEM_ADDED", 2, false, "c_theme"],
      ["QUANTITY_INCREASED", 1, false, "c_theme"],
      ["ITEM_ADDED", 1, false, null],
      ["ITEM_ADDED", 1, false, null],
      ["QUANTITY_DECREASED", 1, false, "c_theme"],
    ]);
    // Only the stamped cart's token is linked to the conversation.
    const links = await prisma.cartLink.findMany({ where: { shopId } });
    expect(links.map((link) => [link.token, link.conversationExternalId])).toEqual([
      [normaliseCartToken(stamped), "c_theme"],
    ]);
  });

  it("takes an add the shopper undid before the batch was sent, and never takes off more than was put on", async () => {
    // The embed sends cart changes in batches: by the time Shopify is asked, an add may be undone already.
    const mine = cartWith({ ...IPOD, quantity: 1 });
    const emptied = testCarts.put([], undefined, "USD");
    const undone = await post([
      cart("v_undo", "ITEM_ADDED", { cartToken: mine }),
      cart("v_undo", "QUANTITY_INCREASED", { cartToken: mine }),
      cart("v_undo", "QUANTITY_DECREASED", { cartToken: mine }),
      cart("v_undo", "ITEM_ADDED", { cartToken: emptied, value: "180.00" }),
      cart("v_undo", "ITEM_REMOVED", { cartToken: emptied, value: "180.00" }),
      // Undone too, but above the variant's price at Shopify, which is what it is held to once the cart lacks it.
      cart("v_undo", "ITEM_ADDED", { cartToken: emptied, value: "250.00" }),
      cart("v_undo", "ITEM_REMOVED", { cartToken: emptied, value: "250.00" }),
    ]);
    const summary = await undone.json();
    expect(summary.rejected.map((r: { index: number; reason: string }) => [r.index, r.reason])).toEqual([
      [5, expect.stringMatching(/above Shopify's price for variant 39072856 \(199\.00\)/)],
      [6, expect.stringMatching(/ITEM_REMOVED of variant 39072856 with no earlier add in its cart/)],
    ]);
    // A removal of five from a cart whose adds put one on takes one off; a further one takes nothing and is refused.
    const removals = await post([
      cart("v_undo", "ITEM_REMOVED", { cartToken: mine, quantity: 5 }),
      cart("v_undo", "ITEM_REMOVED", { cartToken: mine }),
    ]);
    expect((await removals.json()).rejected).toEqual([expect.objectContaining({ index: 1 })]);
    const stored = await prisma.cartEvent.findMany({ where: { shopId } });
    const held = (token: string) =>
      stored
        .filter((e) => e.cartToken === token.split("?")[0].replace("c1-", "").toLowerCase())
        .map((e) => `${e.type} ${e.quantity}`)
        .sort();
    expect(held(mine)).toEqual(["ITEM_ADDED 1", "ITEM_REMOVED 1", "QUANTITY_DECREASED 1", "QUANTITY_INCREASED 1"]);
    expect(held(emptied)).toEqual(["ITEM_ADDED 1", "ITEM_REMOVED 1"]);
    expect(stored).toHaveLength(6);
  });

  it("answers 503 with Retry-After and stores nothing while Shopify cannot say what the cart holds", async () => {
    const events = [...chat("c_down", "v_down"), cart("v_down", "ITEM_ADDED", { conversationId: "c_down" })];
    testStorefront.failWith(503);
    try {
      const response = await post(events);
      expect(response.status).toBe(503);
      expect(response.headers.get("Retry-After")).toBe("30");
      expect(await prisma.clientEvent.count({ where: { shopId } })).toBe(0);
      expect(await prisma.conversation.count({ where: { shopId } })).toBe(0);
    } finally {
      testStorefront.failWith(null);
    }
    // The embed keeps the batch and sends it again: then it is stored whole.
    expect(await (await post(events)).json()).toEqual({ accepted: 4, duplicates: 0, rejected: [] });
    // A batch with no storefront add never asks Shopify.
    const asked = testStorefront.requests();
    expect((await post(chat("c_talk", "v_talk"))).status).toBe(200);
    expect(testStorefront.requests()).toBe(asked);
  });

  it("holds a storefront event's claimed time to at most 30 minutes before it arrived", async () => {
    const events = chat("c_old", "v_old", 6 * 60); // dated six hours back
    await post(events);
    const touches = await prisma.touchpoint.findMany({ where: { shopId }, orderBy: { occurredAt: "asc" } });
    for (const touch of touches) {
      expect(touch.receivedAt!.getTime() - touch.occurredAt.getTime()).toBeLessThanOrEqual(30 * 60_000);
      expect(touch.occurredAt.getTime()).toBeLessThanOrEqual(touch.receivedAt!.getTime());
    }
  });

  it("answers a bad signature with 401, a body over 256 KB with 413, non-JSON with 400, GET with 405", async () => {
    expect((await post(chat("c_s", "v_s"), { secret: "wrong" })).status).toBe(401);
    const huge = appProxyRequest({
      shop,
      path: "/proxy/events",
      method: "POST",
      body: { events: [{ pad: "x".repeat(300 * 1024) }] },
    });
    expect((await dispatch(huge)).status).toBe(413);
    const notJson = appProxyRequest({ shop, path: "/proxy/events", method: "POST", body: "placeholder" });
    const garbled = new Request(notJson.url, {
      method: "POST",
      body: "{not json",
      headers: { "Content-Type": "application/json" },
    });
    const response = await dispatch(garbled);
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatch(/^body is not JSON/);
    expect((await dispatch(appProxyRequest({ shop, path: "/proxy/events", method: "GET" }))).status).toBe(405);
    expect(await prisma.clientEvent.count({ where: { shopId } })).toBe(0);
  });

  it("answers 429 with Retry-After when one visitor posts too fast", async () => {
    const event = chat("c_r", "v_rate")[0];
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await post([event])).status);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    const limited = await post([event]);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
  });
});
