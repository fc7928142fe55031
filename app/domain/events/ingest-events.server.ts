/**
 * Stores a validated batch of chat and cart events for one shop, idempotently (one row per client event id),
 * in one transaction, then re-attributes the orders the new evidence can change. The shop comes from the
 * caller (the App Proxy's signed `shop`, or the API key), never from the events.
 */
import type { Prisma, Shop } from "@prisma/client";
import { sqlIn, type DbTx } from "../../db.server";
import { attributeStoredOrders } from "../attribution/attribute-order.server";
import { uuidv7 } from "../../lib/uuid";
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
  const conversationsWithNewTouches = new Set<string>();
  // Rows are collected and written with one statement per table after the loop, whatever the batch size: every
  // statement is a round trip and, with Prisma 6's query compiler, a compile on the event loop (see the
  // Performance section of the README). Only visitors (needed as foreign keys) and the batch's known
  // conversations are read before it.
  const touchpointRows: Prisma.TouchpointCreateManyInput[] = [];
  const cartEventRows: Prisma.CartEventCreateManyInput[] = [];
  const ledgerRows: Prisma.ClientEventCreateManyInput[] = [];
  const identityRows = new Map<string, Prisma.VisitorIdentityCreateManyInput>();

  const freshEvents = fresh.map(({ event }) => event);
  // Every visitor of the batch is touched: its identities may match orders placed before this batch.
  const visitors = await upsertVisitors(db, shop.id, freshEvents);
  for (const id of visitors.values()) touched.visitorIds.add(id);
  const conversations = await knownConversations(db, shop.id, freshEvents);

  /** The conversation's row id, created on first sight (a message may arrive before its conversation_started). */
  const conversationFor = (
    externalId: string,
    visitorId: string | null,
    at: Date,
    start?: { surface: "CHAT_WIDGET" | "FAQ" | "NUDGE_CLICK"; nudgeId?: string },
  ): string => {
    touched.conversationExternalIds.add(externalId);
    const conversation = conversations.get(externalId);
    if (conversation?.seen && !start) return conversation.row.id;
    // The surface is decided by the conversation's first event: NUDGE_CLICK when it carries a nudgeId.
    const surface = start?.nudgeId ? "NUDGE_CLICK" : (start?.surface ?? "CHAT_WIDGET");
    const nudgeId = start?.nudgeId ?? null;
    if (!conversation) {
      const row = { id: uuidv7(), shopId: shop.id, externalId, visitorId, startedAt: at, surface, nudgeId };
      conversations.set(externalId, { row, isNew: true, changed: true, seen: true });
      return row.id;
    }
    conversation.seen = true;
    const { row } = conversation;
    if (start && at < row.startedAt) {
      Object.assign(row, { startedAt: at, surface, nudgeId, visitorId: row.visitorId ?? visitorId });
      conversation.changed = true;
    } else if (!row.visitorId && visitorId) {
      row.visitorId = visitorId;
      conversation.changed = true;
    }
    return row.id;
  };

  /** Kept with the time it was first seen: an identity already stored stays as it is. */
  const addIdentity = (visitorId: string | null, kind: "CUSTOMER_ID" | "EMAIL_SHA256", value: string, at: Date) => {
    if (!visitorId) return;
    const key = `${visitorId} ${kind} ${value}`;
    if (!identityRows.has(key)) identityRows.set(key, { shopId: shop.id, visitorId, kind, value, seenAt: at });
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
    const visitorId = event.visitorId ? visitors.get(event.visitorId)! : null;
    switch (event.type) {
      case "conversation_started":
        conversationFor(event.conversationId, visitorId, at, { surface: event.surface, nudgeId: event.nudgeId });
        break;
      case "message": {
        const conversationId = conversationFor(event.conversationId, visitorId, at);
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
        const conversationId = event.conversationId ? conversationFor(event.conversationId, visitorId, at) : null;
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
        if (hash) addIdentity(visitorId, "EMAIL_SHA256", hash, at);
        if (event.customerId) addIdentity(visitorId, "CUSTOMER_ID", event.customerId, at);
        break;
      }
    }
    ledgerRows.push({ shopId: shop.id, eventId: event.id, type: event.type, source: context.source });
    accepted++;
    if (!touched.earliest || at < touched.earliest) touched.earliest = at;
  }
  const newConversations = [...conversations.values()].filter((c) => c.isNew).map((c) => c.row);
  if (newConversations.length) await db.conversation.createMany({ data: newConversations });
  for (const { row, isNew, changed } of conversations.values()) {
    if (changed && !isNew) await db.conversation.update({ where: { id: row.id }, data: { startedAt: row.startedAt, surface: row.surface, nudgeId: row.nudgeId, visitorId: row.visitorId } });
  }
  if (touchpointRows.length) await db.touchpoint.createMany({ data: touchpointRows });
  if (cartEventRows.length) await db.cartEvent.createMany({ data: cartEventRows });
  // The ledger's primary key is what makes a concurrent copy of this batch collide (and retry as duplicates).
  if (ledgerRows.length) await db.clientEvent.createMany({ data: ledgerRows });
  // After all of the batch's touches are in.
  if (conversationsWithNewTouches.size) await refreshConversationTimes(db, [...conversationsWithNewTouches], shop.requireAnswerFound);
  if (context.loggedInCustomerId) {
    for (const visitorId of visitors.values()) addIdentity(visitorId, "CUSTOMER_ID", context.loggedInCustomerId, touched.earliest ?? new Date());
  }
  if (identityRows.size) await db.visitorIdentity.createMany({ data: [...identityRows.values()], skipDuplicates: true });
  const reattributedOrders = accepted > 0 ? await reattributeTouchedOrders(db, shop, touched) : 0;
  return { accepted, duplicates: events.length - fresh.length, rejected, reattributedOrders };
}

async function refreshConversationTimes(db: DbTx, conversationIds: string[], requireAnswerFound: boolean) {
  await db.$executeRaw`
    UPDATE "Conversation" c SET
      "firstQualifyingTouchAt" = (SELECT min(t."occurredAt") FROM "Touchpoint" t
        WHERE t."conversationId" = c.id AND t.kind = 'ASSISTANT_ANSWER' AND (${!requireAnswerFound} OR t."answerFound" IS TRUE)),
      "lastTouchAt" = (SELECT max(t."occurredAt") FROM "Touchpoint" t WHERE t."conversationId" = c.id)
    WHERE c.id = ANY (${conversationIds}::uuid[])`;
}

/**
 * Every visitor the batch's new events name, upserted in one statement (first event's time as first/last seen), in
 * key order so that two batches naming the same visitors lock their rows in the same order. Returns key → row id.
 */
async function upsertVisitors(db: DbTx, shopId: string, events: ClientEvent[]): Promise<Map<string, string>> {
  const firstSeen = new Map<string, string>();
  for (const event of events) if (event.visitorId && !firstSeen.has(event.visitorId)) firstSeen.set(event.visitorId, event.occurredAt);
  if (firstSeen.size === 0) return new Map();
  const keys = [...firstSeen.keys()].sort();
  const rows = await db.$queryRaw<{ id: string; visitorKey: string }[]>`
    INSERT INTO "Visitor" (id, "shopId", "visitorKey", "firstSeenAt", "lastSeenAt")
    SELECT v.id, ${shopId}::uuid, v.key, v.at AT TIME ZONE 'UTC', v.at AT TIME ZONE 'UTC'
    FROM unnest(${keys.map(() => uuidv7())}::uuid[], ${keys}::text[], ${keys.map((key) => new Date(firstSeen.get(key)!).toISOString())}::timestamptz[]) AS v(id, key, at)
    ON CONFLICT ("shopId", "visitorKey") DO UPDATE SET "lastSeenAt" = EXCLUDED."lastSeenAt"
    RETURNING id::text AS id, "visitorKey"`;
  return new Map(rows.map((row) => [row.visitorKey, row.id]));
}

interface BatchConversation {
  row: Prisma.ConversationCreateManyInput & { id: string; startedAt: Date; visitorId: string | null; nudgeId: string | null };
  isNew: boolean;
  changed: boolean;
  /** Already met in this batch: a later event without a start changes nothing. */
  seen: boolean;
}

/** The stored conversations the batch names, read in one query. */
async function knownConversations(db: DbTx, shopId: string, events: ClientEvent[]): Promise<Map<string, BatchConversation>> {
  const externalIds = [...new Set(events.flatMap((event) => ("conversationId" in event && event.conversationId ? [event.conversationId] : [])))];
  if (externalIds.length === 0) return new Map();
  const rows = await db.conversation.findMany({
    where: { shopId, externalId: { in: externalIds } },
    select: { id: true, shopId: true, externalId: true, visitorId: true, startedAt: true, surface: true, nudgeId: true },
  });
  return new Map(rows.map((row) => [row.externalId, { row, isNew: false, changed: false, seen: false }]));
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
  await attributeStoredOrders(sqlIn(db), shop, orders.map((order) => order.id));
  return orders.length;
}
