/**
 * Stores a validated batch of chat and cart events for one shop, idempotently (one row per client event id),
 * in one transaction, then re-attributes the orders the new evidence can change. The shop comes from the
 * caller (the App Proxy's signed `shop`, or the API key), never from the events.
 */
import type { Prisma, Shop } from "@prisma/client";
import type { DbTx } from "../../db.server";
import { attributeStoredOrder } from "../attribution/attribute-order.server";
import { CHAT_SESSION_KEY, emailHash, normaliseCartToken } from "../orders/order-payload";
import type { CartWireEvent, ClientEvent } from "./event-schema";

export type EventSource = "STOREFRONT" | "SERVER_API";

export interface IngestContext {
  source: EventSource;
  /** App Proxy `logged_in_customer_id`: an identity of every visitor in the batch. */
  loggedInCustomerId?: string | null;
}

export interface IngestSummary {
  accepted: number;
  duplicates: number;
  /** Valid events the counting rules refuse, e.g. a removal with no earlier add (no negative cart GMV). */
  rejected: { index: number; id: string; reason: string }[];
  reattributedOrders: number;
}

/** What changed, so that only the orders this evidence can touch are recomputed. */
interface Touched {
  conversationExternalIds: Set<string>;
  visitorIds: Set<string>;
  cartTokens: Set<string>;
  earliest: Date | null;
}

/** Cart events that put items in; a decrease or removal needs one of these before it. */
const ADDS: readonly CartWireEvent["cartType"][] = ["ITEM_ADDED", "QUANTITY_INCREASED"];

export async function ingestEvents(db: DbTx, shop: Shop, events: ClientEvent[], context: IngestContext): Promise<IngestSummary> {
  const known = new Set(
    (await db.clientEvent.findMany({ where: { shopId: shop.id, eventId: { in: events.map((e) => e.id) } }, select: { eventId: true } })).map((e) => e.eventId),
  );
  const fresh = events.map((event, index) => ({ event, index })).filter(({ event }) => !known.has(event.id));
  const touched: Touched = { conversationExternalIds: new Set(), visitorIds: new Set(), cartTokens: new Set(), earliest: null };
  const rejected: IngestSummary["rejected"] = [];
  const visitors = new Map<string, string>(); // visitor key → row id
  const conversationIds = new Map<string, string>(); // external id → row id
  const conversationsWithNewTouches = new Set<string>();
  // Rows are collected and written with one statement per table after the loop: every statement is a round trip
  // and, with Prisma 6's query compiler, a compile on the event loop (see the Performance section of the README).
  const touchpointRows: Prisma.TouchpointCreateManyInput[] = [];
  const cartEventRows: Prisma.CartEventCreateManyInput[] = [];
  const ledgerRows: Prisma.ClientEventCreateManyInput[] = [];

  const visitorFor = async (key: string | undefined, at: Date): Promise<string | null> => {
    if (!key) return null;
    const cached = visitors.get(key);
    if (cached) return cached;
    const row = await db.visitor.upsert({
      where: { shopId_visitorKey: { shopId: shop.id, visitorKey: key } },
      create: { shopId: shop.id, visitorKey: key, firstSeenAt: at, lastSeenAt: at },
      update: { lastSeenAt: at },
    });
    visitors.set(key, row.id);
    touched.visitorIds.add(row.id);
    return row.id;
  };

  /** The conversation's row id, created on first sight (a message may arrive before its conversation_started). */
  const conversationFor = async (
    externalId: string,
    visitorId: string | null,
    at: Date,
    start?: { surface: "CHAT_WIDGET" | "FAQ" | "NUDGE_CLICK"; nudgeId?: string },
  ): Promise<string> => {
    touched.conversationExternalIds.add(externalId);
    const cached = conversationIds.get(externalId);
    if (cached && !start) return cached;
    // The surface is decided by the conversation's first event: NUDGE_CLICK when it carries a nudgeId.
    const surface = start?.nudgeId ? "NUDGE_CLICK" : (start?.surface ?? "CHAT_WIDGET");
    const nudgeId = start?.nudgeId ?? null;
    const existing = await db.conversation.findUnique({ where: { shopId_externalId: { shopId: shop.id, externalId } } });
    const id = existing?.id ?? (await db.conversation.create({ data: { shopId: shop.id, externalId, visitorId, startedAt: at, surface, nudgeId } })).id;
    if (existing && start && at < existing.startedAt) {
      await db.conversation.update({ where: { id }, data: { startedAt: at, surface, nudgeId, visitorId: existing.visitorId ?? visitorId } });
    } else if (existing && !existing.visitorId && visitorId) {
      await db.conversation.update({ where: { id }, data: { visitorId } });
    }
    conversationIds.set(externalId, id);
    return id;
  };

  const addIdentity = async (visitorId: string | null, kind: "CUSTOMER_ID" | "EMAIL_SHA256", value: string, at: Date) => {
    if (!visitorId) return;
    await db.visitorIdentity.upsert({
      where: { shopId_visitorId_kind_value: { shopId: shop.id, visitorId, kind, value } },
      create: { shopId: shop.id, visitorId, kind, value, seenAt: at },
      update: {},
    });
    touched.visitorIds.add(visitorId);
  };

  /** A removal must follow an add of the same product by the same visitor, in the store or earlier in this batch. */
  const hasEarlierAdd = async (visitorId: string, event: CartWireEvent, at: Date) =>
    cartEventRows.some(
      (row) => row.visitorId === visitorId && row.productId === event.productId && ADDS.includes(row.type) && new Date(row.occurredAt) <= at,
    ) ||
    (await db.cartEvent.count({
      where: { shopId: shop.id, visitorId, productId: event.productId, type: { in: [...ADDS] }, occurredAt: { lte: at } },
    })) > 0;

  let accepted = 0;
  for (const { event, index } of fresh) {
    const at = new Date(event.occurredAt);
    const visitorId = await visitorFor(event.visitorId, at);
    switch (event.type) {
      case "conversation_started":
        await conversationFor(event.conversationId, visitorId, at, { surface: event.surface, nudgeId: event.nudgeId });
        break;
      case "message": {
        const conversationId = await conversationFor(event.conversationId, visitorId, at);
        touchpointRows.push({
          shopId: shop.id,
          conversationId,
          kind: event.role === "assistant" ? "ASSISTANT_ANSWER" : "SHOPPER_MESSAGE",
          answerFound: event.role === "assistant" ? (event.answerFound ?? null) : null,
          productIds: event.productIds,
          topic: event.topic ?? null,
          // Chat text is personal data: kept only when the merchant turned transcripts on.
          text: shop.storeTranscripts ? (event.text ?? null) : null,
          occurredAt: at,
          source: context.source,
        });
        conversationsWithNewTouches.add(conversationId);
        break;
      }
      case "cart": {
        if (!visitorId) {
          rejected.push({ index, id: event.id, reason: "a cart event needs the visitor it belongs to" });
          continue;
        }
        if (!ADDS.includes(event.cartType) && !(await hasEarlierAdd(visitorId, event, at))) {
          rejected.push({ index, id: event.id, reason: `${event.cartType} of product ${event.productId} with no earlier add by this visitor` });
          continue;
        }
        const conversationId = event.conversationId ? await conversationFor(event.conversationId, visitorId, at) : null;
        const cartToken = normaliseCartToken(event.cartToken);
        cartEventRows.push({
          shopId: shop.id,
          visitorId,
          conversationId,
          type: event.cartType,
          productId: event.productId,
          variantId: event.variantId ?? null,
          productName: event.productName ?? null,
          unitValue: event.value,
          currency: event.currency,
          quantity: event.quantity,
          fromChat: event.fromChat,
          cartToken,
          occurredAt: at,
          source: context.source,
        });
        if (cartToken && event.conversationId) {
          await db.cartLink.upsert({
            where: { shopId_kind_token: { shopId: shop.id, kind: "CART_TOKEN", token: cartToken } },
            create: { shopId: shop.id, kind: "CART_TOKEN", token: cartToken, conversationExternalId: event.conversationId, visitorKey: event.visitorId ?? null, seenAt: at, source: context.source },
            update: { conversationExternalId: event.conversationId, seenAt: at },
          });
          touched.cartTokens.add(cartToken);
        }
        break;
      }
      case "identify": {
        const hash = event.emailSha256 ?? emailHash(event.email);
        if (hash) await addIdentity(visitorId, "EMAIL_SHA256", hash, at);
        if (event.customerId) await addIdentity(visitorId, "CUSTOMER_ID", event.customerId, at);
        break;
      }
    }
    ledgerRows.push({ shopId: shop.id, eventId: event.id, type: event.type, source: context.source });
    accepted++;
    if (!touched.earliest || at < touched.earliest) touched.earliest = at;
  }
  if (touchpointRows.length) await db.touchpoint.createMany({ data: touchpointRows });
  if (cartEventRows.length) await db.cartEvent.createMany({ data: cartEventRows });
  // The ledger's primary key is what makes a concurrent copy of this batch collide (and retry as duplicates).
  if (ledgerRows.length) await db.clientEvent.createMany({ data: ledgerRows });
  // Once per conversation, after all of the batch's touches are in.
  for (const conversationId of conversationsWithNewTouches) await refreshConversationTimes(db, conversationId, shop.requireAnswerFound);
  if (context.loggedInCustomerId) {
    for (const visitorId of visitors.values()) await addIdentity(visitorId, "CUSTOMER_ID", context.loggedInCustomerId, touched.earliest ?? new Date());
  }
  const reattributedOrders = accepted > 0 ? await reattributeTouchedOrders(db, shop, touched) : 0;
  return { accepted, duplicates: events.length - fresh.length, rejected, reattributedOrders };
}

async function refreshConversationTimes(db: DbTx, conversationId: string, requireAnswerFound: boolean) {
  await db.$executeRaw`
    UPDATE "Conversation" c SET
      "firstQualifyingTouchAt" = (SELECT min(t."occurredAt") FROM "Touchpoint" t
        WHERE t."conversationId" = c.id AND t.kind = 'ASSISTANT_ANSWER' AND (${!requireAnswerFound} OR t."answerFound" IS TRUE)),
      "lastTouchAt" = (SELECT max(t."occurredAt") FROM "Touchpoint" t WHERE t."conversationId" = c.id)
    WHERE c.id = ${conversationId}::uuid`;
}

/**
 * Orders placed at or after the earliest new event (touches after an order never count) that name a touched
 * conversation, carry a touched cart token, or were placed by a touched visitor's identities.
 */
async function reattributeTouchedOrders(db: DbTx, shop: Shop, touched: Touched): Promise<number> {
  if (!touched.earliest) return 0;
  const sessions = [...touched.conversationExternalIds];
  const identities = touched.visitorIds.size
    ? await db.visitorIdentity.findMany({ where: { shopId: shop.id, visitorId: { in: [...touched.visitorIds] } } })
    : [];
  const customerIds = identities.filter((i) => i.kind === "CUSTOMER_ID").map((i) => i.value);
  const emailHashes = identities.filter((i) => i.kind === "EMAIL_SHA256").map((i) => i.value);
  const or = [
    ...sessions.map((value) => ({ noteAttributes: { array_contains: [{ name: CHAT_SESSION_KEY, value }] } })),
    sessions.length ? { lineItems: { some: { chatSessionId: { in: sessions } } } } : null,
    touched.cartTokens.size ? { cartToken: { in: [...touched.cartTokens] } } : null,
    customerIds.length ? { customerId: { in: customerIds } } : null,
    emailHashes.length ? { emailSha256: { in: emailHashes } } : null,
  ].filter((clause) => clause !== null);
  if (or.length === 0) return 0;
  const orders = await db.order.findMany({ where: { shopId: shop.id, processedAt: { gte: touched.earliest }, OR: or }, select: { id: true } });
  for (const order of orders) await attributeStoredOrder(db, shop, order.id);
  return orders.length;
}
