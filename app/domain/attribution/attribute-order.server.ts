/**
 * Gathers the evidence for stored orders (the conversations their chat stamps, tokens and shopper identities
 * point to), runs the pure engine with the shop's settings, and stores the results. Orders are attributed in
 * sets — a webhook batch, a re-attribution batch, the orders a chat batch touched — with a fixed number of
 * statements per set however many orders it holds, in plain SQL (`Sql`) so the webhook path can run it
 * straight on the driver.
 */
import type { Shop } from "@prisma/client";
import { insertJsonRows, type Sql } from "../../db.server";
import { uuidv7 } from "../../lib/uuid";
import { CHAT_SESSION_KEY, chatStampOf } from "../orders/order-payload";
import { attributeOrder, type AttributionResult, type CandidateConversation, type EngineCartEvent, type EngineTouch, type MatchedBy, type Surface } from "./engine";

/** The shop fields attribution reads: its settings and their version. */
export type AttributionShop = Pick<Shop, "id" | "settingsVersion" | "ledWindowHours" | "assistedWindowDays" | "requireAnswerFound" | "countTestOrders"> & {
  /** A decimal (Prisma's Decimal, or the text of the column). */
  maxOrderValue: { toString(): string };
};

export function settingsOf(shop: AttributionShop) {
  return {
    ledWindowHours: shop.ledWindowHours,
    assistedWindowDays: shop.assistedWindowDays,
    requireAnswerFound: shop.requireAnswerFound,
    countTestOrders: shop.countTestOrders,
    maxOrderValue: shop.maxOrderValue.toString(),
  };
}

/** What the engine and the evidence lookups need of a stored order. */
interface StoredOrder {
  id: string;
  shopifyOrderId: string;
  name: string | null;
  processedAt: Date;
  test: boolean;
  verified: boolean;
  grossAmount: string | null;
  currency: string;
  checkoutToken: string | null;
  cartToken: string | null;
  customerId: string | null;
  emailSha256: string | null;
  noteAttributes: { name: string; value: string }[];
  /** Line items stamped with a chat session by the storefront embed. */
  stampedItems: { title: string; chatSessionId: string }[];
  customerRedacted: boolean;
  /** How the stored attribution (if any) was matched. */
  matchedBy: string | null;
}

function readStoredOrders(sql: Sql, shopId: string, orderIds: readonly string[]): Promise<StoredOrder[]> {
  return sql.query<StoredOrder>(
    `SELECT o.id::text AS id, o."shopifyOrderId", o.name, o."processedAt" AT TIME ZONE 'UTC' AS "processedAt", o.test, o.verified,
            o."grossAmount"::text AS "grossAmount", o.currency, o."checkoutToken", o."cartToken", o."customerId", o."emailSha256",
            o."noteAttributes",
            (SELECT coalesce(json_agg(json_build_object('title', li.title, 'chatSessionId', li."chatSessionId") ORDER BY li.id), '[]'::json)
               FROM "OrderLineItem" li WHERE li."orderId" = o.id AND li."chatSessionId" IS NOT NULL) AS "stampedItems",
            o."customerRedactedAt" IS NOT NULL AS "customerRedacted", a."matchedBy"::text AS "matchedBy"
     FROM "Order" o LEFT JOIN "Attribution" a ON a."orderId" = o.id
     WHERE o."shopId" = $1::uuid AND o.id = ANY($2::uuid[])
     ORDER BY o.id`,
    [shopId, [...orderIds]],
  );
}

type Link = { by: MatchedBy; detail: string };
type TokenKind = "CHECKOUT_TOKEN" | "CART_TOKEN";
type Identity = { visitorId: string; kind: "CUSTOMER_ID" | "EMAIL_SHA256"; value: string };
type StoredConversation = { id: string; externalId: string; visitorId: string | null; surface: Surface; touches: JsonTouch[]; cartEvents: JsonCartEvent[] };
/** Times inside JSON are epoch milliseconds: a timestamp without zone has no unambiguous JSON text form. */
type JsonTouch = Omit<EngineTouch, "occurredAt"> & { occurredAt: number };
type JsonCartEvent = Pick<EngineCartEvent, "type" | "fromChat"> & { occurredAt: number };
type ChatAdd = { visitorId: string; conversationId: string | null; type: EngineCartEvent["type"]; occurredAt: number };

const epochMs = (column: string) => `round(extract(epoch FROM ${column}) * 1000)::float8`;

function tokensOf(order: StoredOrder): { kind: TokenKind; token: string }[] {
  return [
    order.checkoutToken ? { kind: "CHECKOUT_TOKEN" as const, token: order.checkoutToken } : null,
    order.cartToken ? { kind: "CART_TOKEN" as const, token: order.cartToken } : null,
  ].filter((t) => t !== null);
}

/** The chat sessions an order names itself: its cart attribute and its line item properties. */
function stampedLinks(order: StoredOrder): Map<string, Link[]> {
  const links = new Map<string, Link[]>(); // by conversation external id
  const add = (externalId: string, link: Link) => links.set(externalId, [...(links.get(externalId) ?? []), link]);
  const cartSession = chatStampOf(order.noteAttributes ?? [], CHAT_SESSION_KEY);
  if (cartSession) add(cartSession, { by: "CART_ATTRIBUTE", detail: `carries cart attribute _chat_session_id = ${cartSession}` });
  for (const item of order.stampedItems) {
    add(item.chatSessionId, { by: "LINE_ITEM_PROPERTY", detail: `has line item "${item.title}" with property _chat_session_id = ${item.chatSessionId}` });
  }
  return links;
}

const tokensOfKind = (orders: StoredOrder[], kind: TokenKind) => orders.flatMap(tokensOf).filter((t) => t.kind === kind).map((t) => t.token);

/** The candidate conversations of every order, read with one statement per kind of evidence for the whole set. */
async function findCandidates(sql: Sql, shopId: string, orders: StoredOrder[]): Promise<Map<string, CandidateConversation[]>> {
  const linksByOrder = new Map(orders.map((order) => [order.id, stampedLinks(order)]));

  const checkoutTokens = tokensOfKind(orders, "CHECKOUT_TOKEN");
  const cartTokens = tokensOfKind(orders, "CART_TOKEN");
  const cartLinks = checkoutTokens.length || cartTokens.length
    ? await sql.query<{ kind: TokenKind; token: string; conversationExternalId: string }>(
        `SELECT kind::text AS kind, token, "conversationExternalId" FROM "CartLink"
         WHERE "shopId" = $1::uuid AND ((kind = 'CHECKOUT_TOKEN' AND token = ANY($2::text[])) OR (kind = 'CART_TOKEN' AND token = ANY($3::text[])))
         ORDER BY id`,
        [shopId, checkoutTokens, cartTokens],
      )
    : [];
  for (const order of orders) {
    const links = linksByOrder.get(order.id)!;
    for (const { kind, token } of tokensOf(order)) {
      for (const link of cartLinks.filter((l) => l.kind === kind && l.token === token)) {
        const what = kind === "CHECKOUT_TOKEN" ? "checkout token" : "cart token";
        const found = { by: kind, detail: `has a ${what} seen with chat session ${link.conversationExternalId}` };
        links.set(link.conversationExternalId, [...(links.get(link.conversationExternalId) ?? []), found]);
      }
    }
  }

  const customerIds = [...new Set(orders.map((o) => o.customerId).filter((id) => id !== null))];
  const emailHashes = [...new Set(orders.map((o) => o.emailSha256).filter((hash) => hash !== null))];
  const identities = customerIds.length || emailHashes.length
    ? await sql.query<Identity>(
        `SELECT "visitorId"::text AS "visitorId", kind::text AS kind, value FROM "VisitorIdentity"
         WHERE "shopId" = $1::uuid AND ((kind = 'CUSTOMER_ID' AND value = ANY($2::text[])) OR (kind = 'EMAIL_SHA256' AND value = ANY($3::text[])))
         ORDER BY "seenAt", id`,
        [shopId, customerIds, emailHashes],
      )
    : [];
  const identityLinksByOrder = new Map<string, Map<string, MatchedBy[]>>(); // order → visitor → how
  for (const order of orders) {
    const byVisitor = new Map<string, MatchedBy[]>();
    for (const identity of identities) {
      const matches = identity.kind === "CUSTOMER_ID" ? identity.value === order.customerId : identity.value === order.emailSha256;
      if (!matches) continue;
      const by: MatchedBy = identity.kind === "CUSTOMER_ID" ? "CUSTOMER_ID" : "EMAIL";
      byVisitor.set(identity.visitorId, [...(byVisitor.get(identity.visitorId) ?? []), by]);
    }
    identityLinksByOrder.set(order.id, byVisitor);
  }

  const externalIds = [...new Set(orders.flatMap((order) => [...linksByOrder.get(order.id)!.keys()]))];
  const visitorIds = [...new Set(identities.map((identity) => identity.visitorId))];
  // Most orders name no chat at all: nothing to look up.
  if (externalIds.length === 0 && visitorIds.length === 0) return new Map();

  const conversations = await sql.query<StoredConversation>(
    `SELECT c.id::text AS id, c."externalId", c."visitorId"::text AS "visitorId", c.surface::text AS surface,
            (SELECT coalesce(json_agg(json_build_object('kind', t.kind, 'answerFound', t."answerFound", 'occurredAt', ${epochMs(`t."occurredAt"`)})
                                      ORDER BY t."occurredAt", t.id), '[]'::json)
               FROM "Touchpoint" t WHERE t."conversationId" = c.id) AS touches,
            (SELECT coalesce(json_agg(json_build_object('type', e.type, 'fromChat', e."fromChat", 'occurredAt', ${epochMs(`e."occurredAt"`)})
                                      ORDER BY e."occurredAt", e.id), '[]'::json)
               FROM "CartEvent" e WHERE e."conversationId" = c.id) AS "cartEvents"
     FROM "Conversation" c
     WHERE c."shopId" = $1::uuid AND (c."externalId" = ANY($2::text[]) OR c."visitorId" = ANY($3::uuid[]))
     ORDER BY c.id`,
    [shopId, externalIds, visitorIds],
  );
  const chattingVisitors = [...new Set(conversations.map((c) => c.visitorId).filter((v) => v !== null))];
  const chatAdds = chattingVisitors.length
    ? await sql.query<ChatAdd>(
        `SELECT "visitorId"::text AS "visitorId", "conversationId"::text AS "conversationId", type::text AS type, ${epochMs(`"occurredAt"`)} AS "occurredAt"
         FROM "CartEvent" WHERE "shopId" = $1::uuid AND "visitorId" = ANY($2::uuid[]) AND "fromChat"
         ORDER BY "occurredAt", id`,
        [shopId, chattingVisitors],
      )
    : [];

  const candidates = new Map<string, CandidateConversation[]>();
  for (const order of orders) {
    const links = linksByOrder.get(order.id)!;
    const identityByVisitor = identityLinksByOrder.get(order.id)!;
    const own = conversations.filter((c) => links.has(c.externalId) || (c.visitorId !== null && identityByVisitor.has(c.visitorId)));
    candidates.set(
      order.id,
      own.map((conversation) => {
        const identityLinks = (conversation.visitorId ? identityByVisitor.get(conversation.visitorId) ?? [] : []).map((by) => ({
          by,
          detail: by === "CUSTOMER_ID" ? `was placed by the logged-in customer who chatted in ${conversation.externalId}` : `was placed with the e-mail address identified in ${conversation.externalId}`,
        }));
        const ownEvents = conversation.cartEvents.map((e) => ({ type: e.type, occurredAt: new Date(e.occurredAt), fromChat: e.fromChat, inConversation: true }));
        const visitorChatAdds = chatAdds
          .filter((e) => e.visitorId === conversation.visitorId && e.conversationId !== conversation.id)
          .map((e) => ({ type: e.type, occurredAt: new Date(e.occurredAt), fromChat: true, inConversation: false }));
        return {
          id: conversation.id,
          externalId: conversation.externalId,
          surface: conversation.surface,
          links: [...(links.get(conversation.externalId) ?? []), ...identityLinks],
          touches: conversation.touches.map((t) => ({ kind: t.kind, answerFound: t.answerFound, occurredAt: new Date(t.occurredAt) })),
          cartEvents: [...ownEvents, ...visitorChatAdds],
        };
      }),
    );
  }
  return candidates;
}

const IDENTITY_MATCHES = new Set<string>(["CUSTOMER_ID", "EMAIL"]);

/**
 * Recomputes and stores the attribution of each order (all of one shop). Safe to repeat: a result replaces the
 * last one. An order whose credit rested on a customer identity that customers/redact has since erased keeps
 * the classification it had (the evidence cannot be re-read): its entry is null.
 */
export async function attributeStoredOrders(sql: Sql, shop: AttributionShop, orderIds: readonly string[]): Promise<Map<string, AttributionResult | null>> {
  const results = new Map<string, AttributionResult | null>();
  if (orderIds.length === 0) return results;
  const orders = (await readStoredOrders(sql, shop.id, orderIds)).filter((order) => {
    const keepsRedactedCredit = order.customerRedacted && order.matchedBy !== null && IDENTITY_MATCHES.has(order.matchedBy);
    if (keepsRedactedCredit) results.set(order.id, null);
    return !keepsRedactedCredit;
  });
  const candidates = await findCandidates(sql, shop.id, orders);
  const settings = settingsOf(shop);
  const computedAt = new Date();
  const rows = orders.map((order) => {
    const result = attributeOrder(
      {
        name: order.name ?? `#${order.shopifyOrderId}`,
        orderTime: order.processedAt,
        test: order.test,
        verified: order.verified,
        grossAmount: order.grossAmount,
        currency: order.currency,
      },
      candidates.get(order.id) ?? [],
      settings,
    );
    results.set(order.id, result);
    return {
      id: uuidv7(),
      shopId: shop.id,
      orderId: order.id,
      classification: result.classification,
      conversationId: result.conversationId,
      surface: result.surface,
      matchedBy: result.matchedBy,
      minutesFromLastTouch: result.minutesFromLastTouch,
      excludedReason: result.excludedReason,
      evidence: { steps: result.steps, settings: { ...result.settings } },
      settingsVersion: shop.settingsVersion,
      computedAt,
    };
  });
  await storeAttributions(sql, rows);
  return results;
}

/** One statement for the whole set: a new order's row is inserted, an attributed order's row replaced. */
async function storeAttributions(sql: Sql, rows: object[]): Promise<void> {
  await insertJsonRows(
    sql,
    "Attribution",
    {
      id: "uuid", shopId: "uuid", orderId: "uuid", classification: '"Classification"', conversationId: "uuid", surface: '"Surface"',
      matchedBy: '"MatchedBy"', minutesFromLastTouch: "int", excludedReason: '"ExclusionReason"', evidence: "jsonb",
      settingsVersion: "int", computedAt: "timestamp(3)",
    },
    rows,
    `ORDER BY r."orderId"
     ON CONFLICT ("orderId") DO UPDATE SET
       classification = EXCLUDED.classification, "conversationId" = EXCLUDED."conversationId",
       surface = EXCLUDED.surface, "matchedBy" = EXCLUDED."matchedBy",
       "minutesFromLastTouch" = EXCLUDED."minutesFromLastTouch", "excludedReason" = EXCLUDED."excludedReason",
       evidence = EXCLUDED.evidence, "settingsVersion" = EXCLUDED."settingsVersion", "computedAt" = EXCLUDED."computedAt"`,
  );
}

/** One order: see attributeStoredOrders. Null when the stored result is kept. */
export async function attributeStoredOrder(sql: Sql, shop: AttributionShop, orderId: string): Promise<AttributionResult | null> {
  return (await attributeStoredOrders(sql, shop, [orderId])).get(orderId) ?? null;
}
