/**
 * A web-pixel checkout_completed, stored once per event id and once per order id. What it may do, because
 * anyone can send it (event-protocol and attribution-spec: "Verified"):
 * - link the checkout token to the chat session the cart carried (evidence CHECKOUT_TOKEN);
 * - create the order as **unverified** when no webhook has brought it yet: no money, excluded from every total
 *   until Shopify's signed webhook confirms it;
 * - re-attribute an order that exists, with the new link. It never writes an order's money or line items.
 */
import type { Prisma, Shop } from "@prisma/client";
import { sqlIn, type DbTx } from "../../db.server";
import { attributeStoredOrder } from "../attribution/attribute-order.server";
import { CHAT_SESSION_KEY, CHAT_VISITOR_KEY, chatStampOf } from "../orders/order-payload";
import type { PixelEvent } from "./pixel-event";

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
  // checkout_completed can fire again for the same order (thank-you page and first upsell page, replays after
  // consent): the first report of an order is the one kept.
  if (
    orderId &&
    (await db.pixelHit.findFirst({ where: { shopId: shop.id, shopifyOrderId: orderId }, select: { id: true } }))
  ) {
    return { status: "DUPLICATE_ORDER", orderId };
  }
  const flagged = flagsOf(event, shop);
  const occurredAt = new Date(Math.min(Date.parse(event.timestamp), now.getTime()));
  await db.pixelHit.create({
    data: {
      shopId: shop.id,
      eventId: event.eventId,
      shopifyOrderId: orderId,
      checkoutToken: event.checkout.token ?? null,
      clientId: event.clientId ?? null,
      payload: { ...event, flagged } as unknown as Prisma.InputJsonValue,
      occurredAt,
    },
  });

  // The cart's attributes, read with the same rule as an order's note_attributes.
  const attributes = event.checkout.attributes.map(({ key, value }) => ({ name: key, value }));
  const session = chatStampOf(attributes, CHAT_SESSION_KEY);
  const linked = Boolean(session && event.checkout.token);
  if (session && event.checkout.token) {
    await db.cartLink.upsert({
      where: { shopId_kind_token: { shopId: shop.id, kind: "CHECKOUT_TOKEN", token: event.checkout.token } },
      create: {
        shopId: shop.id,
        kind: "CHECKOUT_TOKEN",
        token: event.checkout.token,
        conversationExternalId: session,
        visitorKey: chatStampOf(attributes, CHAT_VISITOR_KEY)?.slice(0, 64) ?? null,
        seenAt: occurredAt,
        source: "PIXEL",
      },
      update: {},
    });
  }
  if (!orderId) return { status: "STORED", orderId, linked, createdUnverifiedOrder: false, flagged };

  const existing = await db.order.findUnique({
    where: { shopId_shopifyOrderId: { shopId: shop.id, shopifyOrderId: orderId } },
  });
  const order =
    existing ??
    (await db.order.create({
      data: {
        shopId: shop.id,
        shopifyOrderId: orderId,
        processedAt: occurredAt,
        currency: shop.currency,
        checkoutToken: event.checkout.token ?? null,
        verified: false,
        source: "PIXEL",
      },
    }));
  // An order a webhook already brought keeps its money, line items and tokens; the pixel only adds evidence.
  await attributeStoredOrder(sqlIn(db), shop, order.id);
  return { status: "STORED", orderId, linked, createdUnverifiedOrder: !existing, flagged };
}
