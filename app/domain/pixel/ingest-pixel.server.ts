/**
 * A web-pixel checkout_completed, stored once per event id and once per (order id, checkout token). What it may
 * do, because anyone can send it (attribution-spec.md: "Verified", "Idempotency and bounds"):
 * - link the checkout token to the chat session the cart carried (evidence CHECKOUT_TOKEN);
 * - create the order as **unverified** when no webhook has brought it yet (at most
 *   MAX_UNVERIFIED_ORDERS_PER_HOUR a shop): no money, excluded from every total until Shopify's signed webhook
 *   or reconciliation confirms it, deleted by reconciliation when Shopify has no such order;
 * - re-attribute an order that exists, with the new link. It never writes an order's money or line items.
 * A hit for an order already reported with another checkout token is kept and may add its link: the first report
 * of an order id is a claim like any other and cannot shut out the genuine one.
 */
import type { Shop } from "@prisma/client";
import { type Db, prismaSql, type DbTx } from "../../db.server";
import { isUniqueViolation } from "../../db/unique-violation";
import { attributeStoredOrder } from "../attribution/attribute-order.server";
import { CHAT_SESSION_KEY, CHAT_VISITOR_KEY, chatStampOf } from "../orders/order-payload";
import { heldToArrival } from "../events/ingest-events.server";
import type { PixelEvent } from "./pixel-event";

/**
 * Pixel-only orders a shop may gain in an hour. A genuine one waits seconds for its webhook, so few are ever
 * unverified at once; past the cap a hit still stores its link, and the order comes with its webhook or the next
 * reconciliation. Reconciliation looks up (and retires) up to 100 a run, every 30 minutes by default.
 */
export const MAX_UNVERIFIED_ORDERS_PER_HOUR = 100;
export const UNVERIFIED_CAP_FLAG =
  "the shop's cap on unverified orders this hour is reached: the order waits for Shopify";

export type PixelOutcome =
  | { status: "DUPLICATE_EVENT" }
  | { status: "DUPLICATE_ORDER"; orderId: string }
  | { status: "STORED"; orderId: string | null; linked: boolean; createdUnverifiedOrder: boolean; flagged: string[] };

/** Figures a merchant would not believe are kept in the hit, flagged, and never used. */
function flagsOf(event: PixelEvent, shop: Shop): string[] {
  const flags: string[] = [];
  const max = Number(shop.maxOrderValue.toString());
  if ((event.checkout.totalPrice ?? 0) > max) flags.push(`totalPrice above the shop's outlier threshold (${max})`);
  if (event.checkout.currencyCode && event.checkout.currencyCode !== shop.currency)
    flags.push(`currency ${event.checkout.currencyCode} is not the shop currency`);
  return flags;
}

/** One pixel hit in its own transaction. The same checkout reported twice at once: the other request stored it. */
export async function recordPixelEvent(db: Db, shop: Shop, event: PixelEvent): Promise<PixelOutcome> {
  try {
    return await db.$transaction((tx) => ingestPixelEvent(tx, shop, event));
  } catch (error) {
    if (isUniqueViolation(error)) return { status: "DUPLICATE_EVENT" };
    throw error;
  }
}

export async function ingestPixelEvent(
  db: DbTx,
  shop: Shop,
  event: PixelEvent,
  now = new Date(),
): Promise<PixelOutcome> {
  if (
    await db.pixelHit.findUnique({
      where: { shopId_eventId: { shopId: shop.id, eventId: event.eventId } },
      select: { id: true },
    })
  ) {
    return { status: "DUPLICATE_EVENT" };
  }
  const orderId = event.checkout.orderId ?? null;
  const checkoutToken = event.checkout.token ?? null;
  // checkout_completed can fire again for the same checkout (thank-you page and first upsell page, replays after
  // consent): the first report of an order with its token is the one kept.
  if (
    orderId &&
    (await db.pixelHit.findFirst({
      where: { shopId: shop.id, shopifyOrderId: orderId, checkoutToken },
      select: { id: true },
    }))
  ) {
    return { status: "DUPLICATE_ORDER", orderId };
  }
  const flagged = flagsOf(event, shop);
  // The browser's time, held to the window storefront events are (attribution-spec.md, "Time").
  const occurredAt = heldToArrival(new Date(event.timestamp), now);
  // The cart's attributes, read with the same rule as an order's note_attributes.
  const attributes = event.checkout.attributes.map(({ key, value }) => ({ name: key, value }));
  const session = chatStampOf(attributes, CHAT_SESSION_KEY);
  const visitorKey = chatStampOf(attributes, CHAT_VISITOR_KEY)?.slice(0, 64) ?? null;
  const existing = orderId
    ? await db.order.findUnique({
        where: { shopId_shopifyOrderId: { shopId: shop.id, shopifyOrderId: orderId } },
        select: { id: true },
      })
    : null;
  const overCap = Boolean(
    orderId && !existing && (await unverifiedOrdersThisHour(db, shop, now)) >= MAX_UNVERIFIED_ORDERS_PER_HOUR,
  );
  if (overCap) flagged.push(UNVERIFIED_CAP_FLAG);
  await db.pixelHit.create({
    data: {
      shopId: shop.id,
      eventId: event.eventId,
      shopifyOrderId: orderId,
      checkoutToken,
      clientId: event.clientId ?? null,
      // Only what the app uses: the chat stamps the link was made from and what was flagged (never the checkout).
      payload: { chatSessionId: session, chatVisitorId: visitorKey, flagged },
      occurredAt,
    },
  });

  const linked = Boolean(session && checkoutToken);
  if (session && checkoutToken) {
    await db.cartLink.upsert({
      where: { shopId_kind_token: { shopId: shop.id, kind: "CHECKOUT_TOKEN", token: checkoutToken } },
      create: {
        shopId: shop.id,
        kind: "CHECKOUT_TOKEN",
        token: checkoutToken,
        conversationExternalId: session,
        visitorKey,
        seenAt: occurredAt,
        source: "PIXEL",
      },
      update: {},
    });
  }
  if (!orderId || overCap) return { status: "STORED", orderId, linked, createdUnverifiedOrder: false, flagged };

  const order =
    existing ??
    (await db.order.create({
      data: {
        shopId: shop.id,
        shopifyOrderId: orderId,
        processedAt: occurredAt,
        currency: shop.currency,
        checkoutToken,
        verified: false,
        source: "PIXEL",
      },
      select: { id: true },
    }));
  // An order a webhook already brought keeps its money, line items and tokens; the pixel only adds evidence.
  await attributeStoredOrder(prismaSql(db), shop, order.id);
  return { status: "STORED", orderId, linked, createdUnverifiedOrder: !existing, flagged };
}

/**
 * The shop's pixel-only orders placed in the last hour (their time is the hit's, at most STOREFRONT_MAX_DELAY_MS
 * before it arrived, so the (shopId, processedAt) index finds them).
 */
function unverifiedOrdersThisHour(db: DbTx, shop: Shop, now: Date): Promise<number> {
  return db.order.count({
    where: {
      shopId: shop.id,
      processedAt: { gte: new Date(now.getTime() - 60 * 60_000) },
      verified: false,
      source: "PIXEL",
    },
  });
}
