/**
 * Stores a validated batch of chat and cart events for one shop, idempotently (one row per client event id),
 * in one transaction, then re-attributes the orders the new evidence can change. The shop comes from the
 * caller (the App Proxy's signed `shop`, or the API key), never from the events.
 */
import type { Shop } from "@prisma/client";
import { insertJsonRows, type Sql } from "../../db.server";
import { uuidv7 } from "../../lib/uuid";
import { parseMoney } from "../money";
import { attributeStoredOrders, type AttributionShop } from "../attribution/attribute-order.server";
import { storedEmailHash } from "../email-hash.server";
import {
  cartAddRefusal,
  claimedCartTokens,
  laterTakeBacks,
  takeBackQuantity,
  type ClaimedQuantities,
  type ShopifyCarts,
} from "./cart-claims";
import { CHAT_SESSION_KEY, emailSha256Of, normaliseCartToken } from "../orders/order-payload";
import type { CartWireEvent, ClientEvent } from "./event-schema";

export type EventSource = "STOREFRONT" | "SERVER_API";

export interface IngestContext {
  source: EventSource;
  /** App Proxy `logged_in_customer_id`: an identity of every visitor in the batch. */
  loggedInCustomerId?: string | null;
  /** When the request reached the app (now, unless a test says otherwise). */
  receivedAt?: Date;
  /**
   * The carts the batch's storefront adds name (and the variants it takes back out), as Shopify's Storefront API
   * gave them (storefront-carts.server.ts): each add must fit its cart, each decrease the adds before it
   * (cart-claims.ts). The App Proxy route always reads them; only the demo's seeded history, which the app writes
   * itself, goes without.
   */
  carts?: ShopifyCarts;
}

/**
 * How far before its arrival a storefront event may be dated: the embed holds events in memory before consent and
 * queues them while offline, within one visit. An earlier claim is moved up to this bound (attribution-spec.md,
 * "Time"); the server API's times are the shop's own and kept as sent.
 */
export const STOREFRONT_MAX_DELAY_MS = 30 * 60_000;

/** A browser's claimed time held to [arrival − STOREFRONT_MAX_DELAY_MS, arrival] (storefront events, pixel hits). */
export function heldToArrival(claimed: Date, receivedAt: Date): Date {
  return new Date(
    Math.min(Math.max(claimed.getTime(), receivedAt.getTime() - STOREFRONT_MAX_DELAY_MS), receivedAt.getTime()),
  );
}

/** The time an event is stored at: a storefront claim held to its arrival (heldToArrival), an API time as sent. */
export function storedTimeOf(occurredAt: string, context: IngestContext, receivedAt: Date): Date {
  const claimed = new Date(occurredAt);
  return context.source === "STOREFRONT" ? heldToArrival(claimed, receivedAt) : claimed;
}

export interface IngestSummary {
  accepted: number;
  duplicates: number;
  /** Valid events the counting rules refuse, e.g. a removal with no earlier add (no negative cart GMV). */
  rejected: { index: number; id: string; reason: string }[];
  reattributedOrders: number;
}

/** The shop fields event ingest reads. */
export type EventShop = AttributionShop & Pick<Shop, "domain" | "storeTranscripts">;

type TouchpointRow = {
  id: string;
  shopId: string;
  conversationId: string;
  kind: "ASSISTANT_ANSWER" | "SHOPPER_MESSAGE";
  answerFound: boolean | null;
  productIds: string[];
  topic: string | null;
  text: string | null;
  occurredAt: Date;
  source: EventSource;
  receivedAt: Date | null;
};
type CartEventRow = {
  id: string;
  shopId: string;
  visitorId: string;
  conversationId: string | null;
  type: CartWireEvent["cartType"];
  productId: string;
  variantId: string | null;
  productName: string | null;
  unitValue: string;
  currency: string;
  quantity: number;
  fromChat: boolean;
  cartToken: string | null;
  occurredAt: Date;
  source: EventSource;
  receivedAt: Date | null;
};
type LedgerRow = { shopId: string; eventId: string; type: string; source: EventSource };
type IdentityRow = {
  id: string;
  shopId: string;
  visitorId: string;
  kind: "CUSTOMER_ID" | "EMAIL_HASH";
  value: string;
  seenAt: Date;
};
type CartLinkRow = {
  id: string;
  shopId: string;
  token: string;
  conversationExternalId: string;
  visitorKey: string | null;
  seenAt: Date;
  source: EventSource;
};

/** What changed, so that only the orders this evidence can touch are recomputed. */
interface Touched {
  conversationExternalIds: Set<string>;
  visitorIds: Set<string>;
  cartTokens: Set<string>;
  earliest: Date | null;
}

/** Cart events that put items in; a decrease or removal needs one of these before it. */
const ADDS: readonly CartWireEvent["cartType"][] = ["ITEM_ADDED", "QUANTITY_INCREASED"];

/** One request's events with what the request itself says about them. */
export interface EventBatch {
  events: ClientEvent[];
  context: IngestContext;
}

export async function ingestEvents(
  sql: Sql,
  shop: EventShop,
  events: ClientEvent[],
  context: IngestContext,
): Promise<IngestSummary> {
  return (await ingestEventBatches(sql, shop, [{ events, context }]))[0];
}

/**
 * Several requests' batches for one shop, in one transaction (the App Proxy route's group commit), with one
 * summary per batch. The result is what storing them one after the other would give: a batch sees the events
 * of the batches before it (a removal can follow an add sent in an earlier request; the later copy of an event
 * sent twice is its duplicate).
 */
export async function ingestEventBatches(
  sql: Sql,
  shop: EventShop,
  batches: readonly EventBatch[],
): Promise<IngestSummary[]> {
  const summaries: IngestSummary[] = batches.map(() => ({
    accepted: 0,
    duplicates: 0,
    rejected: [],
    reattributedOrders: 0,
  }));
  const all = batches.flatMap(({ events, context }, part) =>
    events.map((event, index) => ({ event, index, part, context })),
  );
  const stored = await sql.query<{ eventId: string }>(
    `SELECT "eventId" FROM "ClientEvent" WHERE "shopId" = $1::uuid AND "eventId" = ANY($2::text[])`,
    [shop.id, all.map(({ event }) => event.id)],
  );
  const known = new Set(stored.map((row) => row.eventId));
  const fresh = all.filter(({ event, part }) => {
    if (known.has(event.id)) {
      summaries[part].duplicates++;
      return false;
    }
    known.add(event.id);
    return true;
  });
  const touched: Touched = {
    conversationExternalIds: new Set(),
    visitorIds: new Set(),
    cartTokens: new Set(),
    earliest: null,
  };
  /** The earliest accepted event of each batch: when its logged-in customer was known to be each visitor. */
  const earliestOf: (Date | null)[] = batches.map(() => null);
  const conversationsWithNewTouches = new Set<string>();
  // Rows are collected and written with one statement per table after the loop, whatever the batch size (every
  // statement is a round trip). Only visitors (needed as foreign keys) and the batch's known conversations are
  // read before it.
  const touchpointRows: TouchpointRow[] = [];
  const cartEventRows: CartEventRow[] = [];
  const ledgerRows: LedgerRow[] = [];
  const identityRows = new Map<string, IdentityRow>();
  const cartLinks = new Map<string, CartLinkRow>(); // by token: the last event naming it wins

  const freshEvents = fresh.map(({ event }) => event);
  // Every visitor of the batch is touched: its identities may match orders placed before this batch.
  const visitors = await upsertVisitors(sql, shop.id, freshEvents);
  for (const id of visitors.values()) touched.visitorIds.add(id);
  const conversations = await knownConversations(sql, shop.id, freshEvents);
  const claimedQuantities = await storedCartClaims(
    sql,
    shop.id,
    fresh.flatMap(({ event, context }) => (context.carts ? [event] : [])),
  );
  // What each fresh storefront add's own batch takes back out after it (duplicates are already in the stored claims).
  const takeBacks = new Map<(typeof fresh)[number], number>();
  batches.forEach((_, part) => {
    const ofBatch = fresh.filter((item) => item.part === part && item.context.carts);
    laterTakeBacks(ofBatch.map(({ event }) => event)).forEach((n, i) => {
      takeBacks.set(ofBatch[i], n);
    });
  });
  const claimedEmails = await storedEmailClaims(
    sql,
    shop.id,
    fresh.filter(({ event, context }) => event.type === "identify" && context.source === "STOREFRONT"),
    visitors,
  );

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
  const addIdentity = (visitorId: string | null, kind: "CUSTOMER_ID" | "EMAIL_HASH", value: string, at: Date) => {
    if (!visitorId) return;
    const key = `${visitorId} ${kind} ${value}`;
    if (!identityRows.has(key))
      identityRows.set(key, { id: uuidv7(), shopId: shop.id, visitorId, kind, value, seenAt: at });
  };

  /** A removal must follow an add of the same product by the same visitor, in the store or earlier in this batch. */
  const hasEarlierAdd = async (visitorId: string, event: CartWireEvent, at: Date) =>
    cartEventRows.some(
      (row) =>
        row.visitorId === visitorId &&
        row.productId === event.productId &&
        ADDS.includes(row.type) &&
        row.occurredAt <= at,
    ) ||
    (
      await sql.query<{ found: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM "CartEvent" WHERE "shopId" = $1::uuid AND "visitorId" = $2::uuid AND "productId" = $3
                          AND type::text = ANY($4::text[]) AND "occurredAt" <= $5::timestamptz AT TIME ZONE 'UTC') AS found`,
        [shop.id, visitorId, event.productId, [...ADDS], at.toISOString()],
      )
    )[0].found;

  const now = new Date();
  const maxUnitValue = parseMoney(shop.maxOrderValue.toString()) ?? 0n;
  /**
   * A conversation belongs to the visitor that started it: an event naming it from another visitor is refused
   * (attribution-spec.md, "Words"). A conversation without a visitor yet (a server-API start) takes the first.
   */
  const ownerOf = (externalId: string) => conversations.get(externalId)?.row.visitorId ?? null;
  const otherOwner = (event: ClientEvent, visitorId: string | null): string | null => {
    const externalId = "conversationId" in event ? event.conversationId : undefined;
    if (!externalId || visitorId === null) return null;
    const owner = ownerOf(externalId);
    return owner !== null && owner !== visitorId ? externalId : null;
  };

  for (const item of fresh) {
    const { event, index, part, context } = item;
    const { rejected } = summaries[part];
    const receivedAt = context.receivedAt ?? now;
    const at = storedTimeOf(event.occurredAt, context, receivedAt);
    // Browser-sent evidence carries its arrival: it never counts for an order the app had heard of before it.
    const storefrontReceipt = context.source === "STOREFRONT" ? receivedAt : null;
    const visitorId = event.visitorId ? visitors.get(event.visitorId)! : null;
    const owned = otherOwner(event, visitorId);
    if (owned) {
      rejected.push({ index, id: event.id, reason: `conversation ${owned} belongs to another visitor` });
      continue;
    }
    switch (event.type) {
      case "conversation_started":
        conversationFor(event.conversationId, visitorId, at, { surface: event.surface, nudgeId: event.nudgeId });
        break;
      case "message": {
        const conversationId = conversationFor(event.conversationId, visitorId, at);
        touchpointRows.push({
          id: uuidv7(),
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
          receivedAt: storefrontReceipt,
        });
        conversationsWithNewTouches.add(conversationId);
        break;
      }
      case "cart": {
        if (!visitorId) {
          rejected.push({ index, id: event.id, reason: "a cart event needs the visitor it belongs to" });
          continue;
        }
        // One unit can cost no more than the largest order the shop counts (its outlier threshold): a cart event
        // claiming more would put a made-up amount on cart GMV.
        if (parseMoney(event.value)! > maxUnitValue) {
          rejected.push({
            index,
            id: event.id,
            reason: `unit value ${event.value} exceeds the shop's largest counted order value (${shop.maxOrderValue.toString()})`,
          });
          continue;
        }
        const refusal =
          context.carts && ADDS.includes(event.cartType)
            ? cartAddRefusal(event, context.carts, claimedQuantities, takeBacks.get(item))
            : null;
        if (refusal) {
          rejected.push({ index, id: event.id, reason: refusal });
          continue;
        }
        if (!ADDS.includes(event.cartType) && !(await hasEarlierAdd(visitorId, event, at))) {
          rejected.push({
            index,
            id: event.id,
            reason: `${event.cartType} of product ${event.productId} with no earlier add by this visitor`,
          });
          continue;
        }
        const quantity =
          context.carts && !ADDS.includes(event.cartType) ? takeBackQuantity(event, claimedQuantities) : event.quantity;
        if (quantity === null) {
          rejected.push({
            index,
            id: event.id,
            reason: `${event.cartType} of variant ${event.variantId} with no earlier add in its cart`,
          });
          continue;
        }
        const conversationId = event.conversationId ? conversationFor(event.conversationId, visitorId, at) : null;
        const cartToken = normaliseCartToken(event.cartToken);
        cartEventRows.push({
          id: uuidv7(),
          shopId: shop.id,
          visitorId,
          conversationId,
          type: event.cartType,
          productId: event.productId,
          variantId: event.variantId ?? null,
          productName: event.productName ?? null,
          unitValue: event.value,
          currency: event.currency,
          quantity,
          fromChat: event.fromChat,
          cartToken,
          occurredAt: at,
          source: context.source,
          receivedAt: storefrontReceipt,
        });
        if (cartToken && event.conversationId) {
          const link = cartLinks.get(cartToken);
          cartLinks.set(cartToken, {
            id: link?.id ?? uuidv7(),
            shopId: shop.id,
            token: cartToken,
            conversationExternalId: event.conversationId,
            visitorKey: link ? link.visitorKey : (event.visitorId ?? null),
            seenAt: at,
            source: link?.source ?? context.source,
          });
          touched.cartTokens.add(cartToken);
        }
        break;
      }
      case "identify": {
        const hash = storedEmailHash(shop.domain, event.emailSha256 ?? emailSha256Of(event.email));
        if (context.source === "STOREFRONT") {
          // A browser's identities are claims (attribution-spec.md, "Evidence" 4–5): a customer id only from the App
          // Proxy's signature, and no more than a few e-mail addresses per visitor.
          if (event.customerId) {
            rejected.push({
              index,
              id: event.id,
              reason: "customerId is taken from Shopify's signed logged_in_customer_id, never from the storefront body",
            });
            continue;
          }
          const claims = claimedEmails.get(visitorId!) ?? new Set<string>();
          if (hash && !claims.has(hash) && claims.size >= MAX_EMAILS_PER_VISITOR) {
            rejected.push({
              index,
              id: event.id,
              reason: `a visitor may identify with at most ${MAX_EMAILS_PER_VISITOR} e-mail addresses`,
            });
            continue;
          }
          if (hash) claimedEmails.set(visitorId!, claims.add(hash));
        }
        if (hash) addIdentity(visitorId, "EMAIL_HASH", hash, at);
        if (event.customerId) addIdentity(visitorId, "CUSTOMER_ID", event.customerId, at);
        break;
      }
    }
    ledgerRows.push({ shopId: shop.id, eventId: event.id, type: event.type, source: context.source });
    summaries[part].accepted++;
    if (!touched.earliest || at < touched.earliest) touched.earliest = at;
    if (!earliestOf[part] || at < earliestOf[part]) earliestOf[part] = at;
  }
  await writeConversations(sql, [...conversations.values()]);
  await insertJsonRows(sql, "Touchpoint", touchpointRows);
  await insertJsonRows(sql, "CartEvent", cartEventRows);
  // The ledger's primary key is what makes a concurrent copy of this batch collide (and retry as duplicates).
  await insertJsonRows(sql, "ClientEvent", ledgerRows);
  // After all of the batch's touches are in.
  if (conversationsWithNewTouches.size)
    await refreshConversationTimes(sql, [...conversationsWithNewTouches], shop.requireAnswerFound);
  if (cartLinks.size) await upsertCartLinks(sql, [...cartLinks.values()]);
  batches.forEach(({ context }, part) => {
    if (!context.loggedInCustomerId) return;
    const keys = new Set(fresh.filter((item) => item.part === part).map(({ event }) => event.visitorId));
    for (const key of keys)
      if (key)
        addIdentity(visitors.get(key)!, "CUSTOMER_ID", context.loggedInCustomerId, earliestOf[part] ?? new Date());
  });
  // An identity already stored stays as it was first seen.
  const identities = [...identityRows].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, row]) => row); // one lock order for all batches
  await insertJsonRows(
    sql,
    "VisitorIdentity",
    identities,
    `ON CONFLICT ("shopId", "visitorId", kind, value) DO NOTHING`,
  );
  const reattributedOrders = summaries.some((summary) => summary.accepted > 0)
    ? await reattributeTouchedOrders(sql, shop, touched)
    : 0;
  for (const summary of summaries) summary.reattributedOrders = reattributedOrders;
  return summaries;
}

/** How many e-mail addresses one storefront visitor may claim (a shared device, a typo, a second address). */
export const MAX_EMAILS_PER_VISITOR = 3;

/**
 * What the carts a batch's storefront adds name already hold of stored claims: net quantity per (cart, variant),
 * whichever visitor sent them (a cart's adds together may not claim more than it holds).
 */
async function storedCartClaims(sql: Sql, shopId: string, events: readonly ClientEvent[]): Promise<ClaimedQuantities> {
  const tokens = claimedCartTokens(events);
  const claimed: ClaimedQuantities = new Map();
  if (tokens.length === 0) return claimed;
  const rows = await sql.query<{ cartToken: string; variantId: string; net: number }>(
    `SELECT "cartToken", "variantId", sum(CASE WHEN type::text = ANY($3::text[]) THEN quantity ELSE -quantity END)::int AS net
     FROM "CartEvent" WHERE "shopId" = $1::uuid AND "cartToken" = ANY($2::text[]) AND "variantId" IS NOT NULL
     GROUP BY "cartToken", "variantId"`,
    [shopId, tokens, [...ADDS]],
  );
  // Stored tokens are normalised already (claimKey's form).
  for (const row of rows) claimed.set(`${row.cartToken} ${row.variantId}`, Math.max(0, row.net));
  return claimed;
}

/** The e-mail hashes already stored for the visitors of these storefront identify events, by visitor row id. */
async function storedEmailClaims(
  sql: Sql,
  shopId: string,
  identifies: readonly { event: ClientEvent }[],
  visitors: Map<string, string>,
): Promise<Map<string, Set<string>>> {
  const visitorIds = [
    ...new Set(identifies.flatMap(({ event }) => (event.visitorId ? [visitors.get(event.visitorId)!] : []))),
  ];
  const claims = new Map<string, Set<string>>();
  if (visitorIds.length === 0) return claims;
  const rows = await sql.query<{ visitorId: string; value: string }>(
    `SELECT "visitorId"::text AS "visitorId", value FROM "VisitorIdentity"
     WHERE "shopId" = $1::uuid AND "visitorId" = ANY($2::uuid[]) AND kind = 'EMAIL_HASH'`,
    [shopId, visitorIds],
  );
  for (const row of rows) claims.set(row.visitorId, (claims.get(row.visitorId) ?? new Set()).add(row.value));
  return claims;
}

/**
 * The conversation each cart token was last seen with, in one statement (sorted, so two batches naming the same
 * tokens lock them in the same order). A token already known keeps its first visitor and source.
 */
async function upsertCartLinks(sql: Sql, links: CartLinkRow[]) {
  const rows = [...links].sort((a, b) => (a.token < b.token ? -1 : 1)).map((link) => ({ ...link, kind: "CART_TOKEN" }));
  await insertJsonRows(
    sql,
    "CartLink",
    rows,
    `ON CONFLICT ("shopId", kind, token) DO UPDATE SET "conversationExternalId" = EXCLUDED."conversationExternalId", "seenAt" = EXCLUDED."seenAt"`,
  );
}

/** New conversations in one statement, the ones this batch changed (an earlier start, a visitor learned) in another. */
async function writeConversations(sql: Sql, conversations: BatchConversation[]) {
  await insertJsonRows(
    sql,
    "Conversation",
    conversations.filter((c) => c.isNew).map((c) => c.row),
  );
  const changed = conversations.filter((c) => c.changed && !c.isNew).map((c) => c.row);
  if (changed.length === 0) return;
  await sql.query(
    `UPDATE "Conversation" c SET "startedAt" = r."startedAt", surface = r.surface, "nudgeId" = r."nudgeId", "visitorId" = r."visitorId"
     FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, "startedAt" timestamp(3), surface "Surface", "nudgeId" text, "visitorId" uuid)
     WHERE c.id = r.id`,
    [JSON.stringify(changed)],
  );
}

async function refreshConversationTimes(sql: Sql, conversationIds: string[], requireAnswerFound: boolean) {
  await sql.query(
    `UPDATE "Conversation" c SET
       "firstQualifyingTouchAt" = (SELECT min(t."occurredAt") FROM "Touchpoint" t
         WHERE t."conversationId" = c.id AND t.kind = 'ASSISTANT_ANSWER' AND ($2::boolean OR t."answerFound" IS TRUE)),
       "lastTouchAt" = (SELECT max(t."occurredAt") FROM "Touchpoint" t WHERE t."conversationId" = c.id)
     WHERE c.id = ANY ($1::uuid[])`,
    [conversationIds, !requireAnswerFound],
  );
}

/**
 * Every visitor the batch's new events name, upserted in one statement (first event's time as first/last seen), in
 * key order so that two batches naming the same visitors lock their rows in the same order. Returns key → row id.
 */
async function upsertVisitors(sql: Sql, shopId: string, events: ClientEvent[]): Promise<Map<string, string>> {
  const firstSeen = new Map<string, string>();
  for (const event of events)
    if (event.visitorId && !firstSeen.has(event.visitorId)) firstSeen.set(event.visitorId, event.occurredAt);
  if (firstSeen.size === 0) return new Map();
  const keys = [...firstSeen.keys()].sort();
  const rows = await insertJsonRows<{ id: string; visitorKey: string }>(
    sql,
    "Visitor",
    keys.map((visitorKey) => {
      const at = new Date(firstSeen.get(visitorKey)!); // the client's time may carry any offset; the column is UTC
      return { id: uuidv7(), shopId, visitorKey, firstSeenAt: at, lastSeenAt: at };
    }),
    `ORDER BY r."visitorKey" ON CONFLICT ("shopId", "visitorKey") DO UPDATE SET "lastSeenAt" = EXCLUDED."lastSeenAt"
     RETURNING id::text AS id, "visitorKey"`,
  );
  return new Map(rows.map((row) => [row.visitorKey, row.id]));
}

interface BatchConversation {
  row: {
    id: string;
    shopId: string;
    externalId: string;
    visitorId: string | null;
    startedAt: Date;
    surface: "CHAT_WIDGET" | "FAQ" | "NUDGE_CLICK";
    nudgeId: string | null;
  };
  isNew: boolean;
  changed: boolean;
  /** Already met in this batch: a later event without a start changes nothing. */
  seen: boolean;
}

/** The stored conversations the batch names, read in one query. */
async function knownConversations(
  sql: Sql,
  shopId: string,
  events: ClientEvent[],
): Promise<Map<string, BatchConversation>> {
  const externalIds = [
    ...new Set(
      events.flatMap((event) => ("conversationId" in event && event.conversationId ? [event.conversationId] : [])),
    ),
  ];
  if (externalIds.length === 0) return new Map();
  const rows = await sql.query<BatchConversation["row"]>(
    `SELECT id::text AS id, "shopId"::text AS "shopId", "externalId", "visitorId"::text AS "visitorId",
            "startedAt" AT TIME ZONE 'UTC' AS "startedAt", surface::text AS surface, "nudgeId"
     FROM "Conversation" WHERE "shopId" = $1::uuid AND "externalId" = ANY($2::text[])`,
    [shopId, externalIds],
  );
  return new Map(rows.map((row) => [row.externalId, { row, isNew: false, changed: false, seen: false }]));
}

/**
 * Orders placed at or after the earliest new event (touches after an order never count) that name a touched
 * conversation, carry a touched cart token, or were placed by a touched visitor's identities.
 */
async function reattributeTouchedOrders(sql: Sql, shop: EventShop, touched: Touched): Promise<number> {
  if (!touched.earliest) return 0;
  const sessions = [...touched.conversationExternalIds];
  const identities = touched.visitorIds.size
    ? await sql.query<{ kind: string; value: string }>(
        `SELECT kind::text AS kind, value FROM "VisitorIdentity" WHERE "shopId" = $1::uuid AND "visitorId" = ANY($2::uuid[])`,
        [shop.id, [...touched.visitorIds]],
      )
    : [];
  const customerIds = identities.filter((i) => i.kind === "CUSTOMER_ID").map((i) => i.value);
  const emailHashes = identities.filter((i) => i.kind === "EMAIL_HASH").map((i) => i.value);
  if (sessions.length + touched.cartTokens.size + customerIds.length + emailHashes.length === 0) return 0;
  const orders = await sql.query<{ id: string }>(
    `SELECT o.id::text AS id FROM "Order" o
     WHERE o."shopId" = $1::uuid AND o."processedAt" >= $2::timestamptz AT TIME ZONE 'UTC' AND (
       EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(o."noteAttributes") WHEN 'array' THEN o."noteAttributes" ELSE '[]' END) AS a(attribute)
               WHERE a.attribute->>'name' = $3 AND a.attribute->>'value' = ANY($4::text[]))
       OR EXISTS (SELECT 1 FROM "OrderLineItem" li WHERE li."orderId" = o.id AND li."chatSessionId" = ANY($4::text[]))
       OR o."cartToken" = ANY($5::text[]) OR o."customerId" = ANY($6::text[]) OR o."emailHash" = ANY($7::text[]))`,
    [
      shop.id,
      touched.earliest.toISOString(),
      CHAT_SESSION_KEY,
      sessions,
      [...touched.cartTokens],
      customerIds,
      emailHashes,
    ],
  );
  await attributeStoredOrders(
    sql,
    shop,
    orders.map((order) => order.id),
  );
  return orders.length;
}
