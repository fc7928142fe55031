/**
 * Gathers the evidence for stored orders (the conversations their chat stamps, tokens and shopper identities
 * point to), runs the pure engine with the shop's settings, and stores the results. Orders are attributed in
 * sets — a webhook batch, a re-attribution batch, the orders a chat batch touched — with a fixed number of
 * statements per set however many orders it holds, in plain SQL (`Sql`) so the webhook path can run it
 * straight on the driver.
 */
import type { Shop } from "@prisma/client";
import { insertJsonRows, overwriteFromExcluded, type Sql } from "../../db.server";
import { log } from "../../lib/log.server";
import { errorMessage } from "../../lib/error-message";
import { uuidv7 } from "../../lib/uuid";
import { CHAT_SESSION_KEY, CHAT_VISITOR_KEY, chatStampOf } from "../orders/order-payload";
import {
  attributeOrder,
  type AttributionResult,
  type CandidateConversation,
  type EngineCartEvent,
  type EngineTouch,
  type MatchedBy,
  type Surface,
} from "./engine";
import { type EvidencePhrase, phrase } from "./evidence-text";

/** The shop fields attribution reads: its settings and their version. */
export type AttributionShop = Pick<
  Shop,
  | "id"
  | "settingsVersion"
  | "ledWindowHours"
  | "assistedWindowDays"
  | "requireAnswerFound"
  | "countTestOrders"
  | "timezone"
> & {
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

/** What the engine and the evidence lookups need of an order (stored, or about to be written). */
export interface AttributableOrder {
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
  emailHash: string | null;
  noteAttributes: { name: string; value: string }[];
  /** When the app first heard of the order (its row's creation; now, for one about to be written). */
  receivedAt: Date | null;
  /** Line items stamped with a chat session by the storefront embed. */
  stampedItems: { title: string; chatSessionId: string }[];
}

/** What decides whether a stored attribution may be recomputed. */
export interface StoredCredit {
  customerRedacted: boolean;
  /** How the stored attribution (if any) was matched. */
  matchedBy: string | null;
}

/** What the evidence of an order is looked up by: what its payload says, not what is stored of it. */
export type EvidenceKeys = Pick<
  AttributableOrder,
  "checkoutToken" | "cartToken" | "customerId" | "emailHash" | "noteAttributes" | "stampedItems"
>;

/** What customers/redact erases: the customer's identities and the cart and checkout tokens of their orders. */
const ERASED_BY_REDACT = new Set<string>(["CUSTOMER_ID", "EMAIL", "CHECKOUT_TOKEN", "CART_TOKEN"]);

/**
 * An order whose credit rested on evidence that customers/redact has since erased (an identity, a cart or checkout
 * token) keeps the classification it had: the evidence cannot be re-read.
 */
export const keepsRedactedCredit = (stored: StoredCredit) =>
  stored.customerRedacted && stored.matchedBy !== null && ERASED_BY_REDACT.has(stored.matchedBy);

/** One index probe per order (LATERAL … OFFSET 0): as `id = ANY(…)`, a recompute's batch of 1,000 scanned the shop. */
function readStoredOrders(
  sql: Sql,
  shopId: string,
  orderIds: readonly string[],
): Promise<(AttributableOrder & StoredCredit)[]> {
  return sql.query<AttributableOrder & StoredCredit>(
    `SELECT o.id::text AS id, o."shopifyOrderId", o.name, o."processedAt" AT TIME ZONE 'UTC' AS "processedAt", o.test, o.verified,
            o."grossAmount"::text AS "grossAmount", o.currency, o."checkoutToken", o."cartToken", o."customerId", o."emailHash",
            o."noteAttributes", o."createdAt" AT TIME ZONE 'UTC' AS "receivedAt",
            (SELECT coalesce(json_agg(json_build_object('title', li.title, 'chatSessionId', li."chatSessionId") ORDER BY li.id), '[]'::json)
               FROM "OrderLineItem" li WHERE li."orderId" = o.id AND li."chatSessionId" IS NOT NULL) AS "stampedItems",
            o."customerRedactedAt" IS NOT NULL AS "customerRedacted", a."matchedBy"::text AS "matchedBy"
     FROM unnest($2::uuid[]) AS k(id)
     CROSS JOIN LATERAL (SELECT * FROM "Order" o WHERE o.id = k.id AND o."shopId" = $1::uuid OFFSET 0) o
     LEFT JOIN LATERAL (SELECT "matchedBy" FROM "Attribution" a WHERE a."orderId" = o.id OFFSET 0) a ON TRUE
     ORDER BY o.id`,
    [shopId, [...orderIds]],
  );
}

type Link = { by: MatchedBy; detail: EvidencePhrase; refused?: EvidencePhrase };
type TokenKind = "CHECKOUT_TOKEN" | "CART_TOKEN";
/** Times inside JSON are epoch milliseconds: a timestamp without zone has no unambiguous JSON text form. */
type JsonTouch = Omit<EngineTouch, "occurredAt" | "receivedAt"> & { occurredAt: number; receivedAt: number | null };
type JsonCartEvent = Pick<EngineCartEvent, "type" | "fromChat"> & { occurredAt: number; receivedAt: number | null };
const dateOrNull = (ms: number | null) => (ms === null ? null : new Date(ms));

/** Everything stored that may tie a set of orders of one shop to its conversations. */
export interface Evidence {
  cartLinks: { kind: TokenKind; token: string; conversationExternalId: string }[];
  identities: { visitorId: string; kind: "CUSTOMER_ID" | "EMAIL_HASH"; value: string }[];
  conversations: {
    id: string;
    externalId: string;
    visitorId: string | null;
    visitorKey: string | null;
    surface: Surface;
    touches: JsonTouch[];
    cartEvents: JsonCartEvent[];
  }[];
  /** Landings through a shared link by the visitors the orders' carts were stamped for. */
  linkClicks: { visitorKey: string; conversationExternalId: string; occurredAt: number; receivedAt: number | null }[];
  /** Chat add-to-carts of the shoppers of those conversations, in any of their conversations. */
  chatAdds: {
    visitorId: string;
    conversationId: string | null;
    type: EngineCartEvent["type"];
    occurredAt: number;
    receivedAt: number | null;
  }[];
}

const epochMs = (column: string) => `round(extract(epoch FROM ${column}) * 1000)::float8`;

function tokensOf(order: EvidenceKeys): { kind: TokenKind; token: string }[] {
  return [
    order.checkoutToken ? { kind: "CHECKOUT_TOKEN" as const, token: order.checkoutToken } : null,
    order.cartToken ? { kind: "CART_TOKEN" as const, token: order.cartToken } : null,
  ].filter((t) => t !== null);
}

/** The chat sessions an order names itself: its cart attribute and its line item properties. */
function stampedLinks(order: EvidenceKeys): Map<string, Link[]> {
  const links = new Map<string, Link[]>(); // by conversation external id
  const add = (externalId: string, link: Link) => links.set(externalId, [...(links.get(externalId) ?? []), link]);
  const cartSession = chatStampOf(order.noteAttributes ?? [], CHAT_SESSION_KEY);
  if (cartSession)
    add(cartSession, { by: "CART_ATTRIBUTE", detail: phrase("evidence.link.cartAttribute", { session: cartSession }) });
  for (const item of order.stampedItems) {
    add(item.chatSessionId, {
      by: "LINE_ITEM_PROPERTY",
      detail: phrase("evidence.link.lineItem", { title: item.title, session: item.chatSessionId }),
    });
  }
  return links;
}

const distinct = <T>(values: (T | null)[]) => [...new Set(values.filter((value) => value !== null))];

/**
 * The visitor the order's cart was stamped for, when it also names a conversation: that visitor's other
 * conversations compete for the credit too (first touch per visitor, attribution-spec.md "Classification").
 */
function stampedVisitor(order: EvidenceKeys): string | null {
  const attributes = order.noteAttributes ?? [];
  return chatStampOf(attributes, CHAT_SESSION_KEY) ? chatStampOf(attributes, CHAT_VISITOR_KEY) : null;
}

/**
 * The evidence for a set of orders in one statement (each lookup feeds the next: cart links and identities name
 * conversations, conversations name the shoppers whose chat add-to-carts count), so the set costs one round
 * trip however many orders and kinds of evidence it has. Every lookup is an index probe per key (LATERAL … OFFSET 0,
 * which the planner cannot flatten into a join): written as set conditions, it read all of the shop's conversations,
 * cart links and cart events whenever its statistics lagged behind a fast-growing shop (every new shop, every
 * benchmark). A visitor belongs to one shop, so the shop check on rows found by visitor is a filter (IS NOT
 * DISTINCT FROM is never an index condition): as an index condition the planner ANDed in the whole shop again.
 */
export async function readEvidence(sql: Sql, shopId: string, orders: readonly EvidenceKeys[]): Promise<Evidence> {
  const tokens = [...new Map(orders.flatMap(tokensOf).map((t) => [`${t.kind}:${t.token}`, t])).values()];
  const identityKeys = [
    ...distinct(orders.map((order) => order.customerId)).map((value) => ({ kind: "CUSTOMER_ID", value })),
    ...distinct(orders.map((order) => order.emailHash)).map((value) => ({ kind: "EMAIL_HASH", value })),
  ];
  const [evidence] = await sql.query<Evidence>(
    `WITH links AS (
       SELECT l.id, l.kind::text AS kind, l.token, l."conversationExternalId"
       FROM unnest($2::text[], $3::text[]) AS k(kind, token)
       CROSS JOIN LATERAL (
         SELECT * FROM "CartLink" l WHERE l."shopId" = $1::uuid AND l.kind = k.kind::"CartLinkKind" AND l.token = k.token OFFSET 0
       ) l
     ), identities AS (
       SELECT v.id, v."seenAt", v."visitorId", v.kind::text AS kind, v.value
       FROM unnest($4::text[], $5::text[]) AS k(kind, value)
       CROSS JOIN LATERAL (
         SELECT * FROM "VisitorIdentity" v WHERE v."shopId" = $1::uuid AND v.kind = k.kind::"IdentityKind" AND v.value = k.value OFFSET 0
       ) v
     ), conversations AS (
       SELECT c.id, c."externalId", c."visitorId", c.surface::text AS surface
       FROM (SELECT unnest($6::text[]) UNION SELECT "conversationExternalId" FROM links) AS x("externalId")
       CROSS JOIN LATERAL (SELECT * FROM "Conversation" c WHERE c."shopId" = $1::uuid AND c."externalId" = x."externalId" OFFSET 0) c
       UNION
       SELECT c.id, c."externalId", c."visitorId", c.surface::text AS surface
       FROM (SELECT DISTINCT "visitorId" FROM identities
             UNION SELECT v.id FROM unnest($7::text[]) AS k(key)
             CROSS JOIN LATERAL (SELECT v.id FROM "Visitor" v WHERE v."shopId" = $1::uuid AND v."visitorKey" = k.key OFFSET 0) v) i("visitorId")
       CROSS JOIN LATERAL (
         SELECT * FROM "Conversation" c WHERE c."visitorId" = i."visitorId" AND c."shopId" IS NOT DISTINCT FROM $1::uuid OFFSET 0
       ) c
     ), link_clicks AS (
       SELECT k.key AS "visitorKey", c."externalId", lc."occurredAt", lc."receivedAt"
       FROM unnest($7::text[]) AS k(key)
       CROSS JOIN LATERAL (SELECT v.id FROM "Visitor" v WHERE v."shopId" = $1::uuid AND v."visitorKey" = k.key OFFSET 0) v
       CROSS JOIN LATERAL (SELECT * FROM "LinkClick" lc WHERE lc."visitorId" = v.id AND lc."conversationId" IS NOT NULL OFFSET 0) lc
       JOIN "Conversation" c ON c.id = lc."conversationId"
     ), chat_adds AS (
       SELECT e.id, e."visitorId", e."conversationId", e.type::text AS type, e."occurredAt", e."receivedAt"
       FROM (SELECT DISTINCT "visitorId" FROM conversations WHERE "visitorId" IS NOT NULL) v
       CROSS JOIN LATERAL (
         SELECT * FROM "CartEvent" e WHERE e."visitorId" = v."visitorId" AND e."shopId" IS NOT DISTINCT FROM $1::uuid AND e."fromChat" OFFSET 0
       ) e
     )
     SELECT
       (SELECT coalesce(json_agg(json_build_object('kind', kind, 'token', token, 'conversationExternalId', "conversationExternalId") ORDER BY id), '[]'::json)
          FROM links) AS "cartLinks",
       (SELECT coalesce(json_agg(json_build_object('visitorId', "visitorId", 'kind', kind, 'value', value) ORDER BY "seenAt", id), '[]'::json)
          FROM identities) AS identities,
       (SELECT coalesce(json_agg(json_build_object(
                 'id', c.id, 'externalId', c."externalId", 'visitorId', c."visitorId", 'surface', c.surface,
                 'visitorKey', (SELECT v."visitorKey" FROM "Visitor" v WHERE v.id = c."visitorId"),
                 'touches', (SELECT coalesce(json_agg(json_build_object('kind', t.kind, 'answerFound', t."answerFound", 'occurredAt', ${epochMs(`t."occurredAt"`)}, 'receivedAt', ${epochMs(`t."receivedAt"`)})
                                                      ORDER BY t."occurredAt", t.id), '[]'::json)
                               FROM "Touchpoint" t WHERE t."conversationId" = c.id),
                 'cartEvents', (SELECT coalesce(json_agg(json_build_object('type', e.type, 'fromChat', e."fromChat", 'occurredAt', ${epochMs(`e."occurredAt"`)}, 'receivedAt', ${epochMs(`e."receivedAt"`)})
                                                         ORDER BY e."occurredAt", e.id), '[]'::json)
                                  FROM "CartEvent" e WHERE e."conversationId" = c.id)) ORDER BY c.id), '[]'::json)
          FROM conversations c) AS conversations,
       (SELECT coalesce(json_agg(json_build_object('visitorId', "visitorId", 'conversationId', "conversationId", 'type', type,
                                                   'occurredAt', ${epochMs(`"occurredAt"`)}, 'receivedAt', ${epochMs(`"receivedAt"`)}) ORDER BY "occurredAt", id), '[]'::json)
          FROM chat_adds) AS "chatAdds",
       (SELECT coalesce(json_agg(json_build_object('visitorKey', "visitorKey", 'conversationExternalId', "externalId",
                                                   'occurredAt', ${epochMs(`"occurredAt"`)}, 'receivedAt', ${epochMs(`"receivedAt"`)}) ORDER BY "occurredAt"), '[]'::json)
          FROM link_clicks) AS "linkClicks"`,
    [
      shopId,
      tokens.map((t) => t.kind),
      tokens.map((t) => t.token),
      identityKeys.map((k) => k.kind),
      identityKeys.map((k) => k.value),
      [...new Set(orders.flatMap((order) => [...stampedLinks(order).keys()]))],
      distinct(orders.map(stampedVisitor)),
    ],
  );
  return evidence;
}

/** Each order's candidate conversations, from the evidence read for the set. */
function candidatesOf(order: AttributableOrder, evidence: Evidence): CandidateConversation[] {
  const links = stampedLinks(order);
  for (const { kind, token } of tokensOf(order)) {
    for (const link of evidence.cartLinks.filter((l) => l.kind === kind && l.token === token)) {
      const detail = phrase(kind === "CHECKOUT_TOKEN" ? "evidence.link.checkoutToken" : "evidence.link.cartToken", {
        session: link.conversationExternalId,
      });
      links.set(link.conversationExternalId, [...(links.get(link.conversationExternalId) ?? []), { by: kind, detail }]);
    }
  }
  const identityByVisitor = new Map<string, MatchedBy[]>();
  for (const identity of evidence.identities) {
    const matches =
      identity.kind === "CUSTOMER_ID" ? identity.value === order.customerId : identity.value === order.emailHash;
    if (!matches) continue;
    const by: MatchedBy = identity.kind === "CUSTOMER_ID" ? "CUSTOMER_ID" : "EMAIL";
    identityByVisitor.set(identity.visitorId, [...(identityByVisitor.get(identity.visitorId) ?? []), by]);
  }
  const orderVisitor = chatStampOf(order.noteAttributes ?? [], CHAT_VISITOR_KEY);
  const cartVisitor = stampedVisitor(order);
  // The stamped visitor's other conversations: linked by the visitor stamp the embed wrote with the session.
  for (const c of evidence.conversations) {
    if (cartVisitor === null || c.visitorKey !== cartVisitor || links.has(c.externalId)) continue;
    links.set(c.externalId, [
      {
        by: "CART_ATTRIBUTE",
        detail: phrase("evidence.link.visitorStamp", { key: CHAT_VISITOR_KEY, conversation: c.externalId }),
      },
    ]);
  }
  const own = evidence.conversations.filter(
    (c) => links.has(c.externalId) || (c.visitorId !== null && identityByVisitor.has(c.visitorId)),
  );
  return own.map((conversation) => {
    // A session stamp is the browser's: it ties the order to the conversation only together with the visitor who
    // chatted (attribution-spec.md, "Evidence" 1–2). One conversation id stamped onto many carts credits only its own.
    const stampRefusal =
      conversation.visitorKey === null || orderVisitor === conversation.visitorKey
        ? undefined
        : phrase(orderVisitor === null ? "evidence.link.noVisitor" : "evidence.link.otherVisitor", {
            key: CHAT_VISITOR_KEY,
          });
    // A visitor who landed through a link the conversation shared (before the order) may carry its stamp.
    const click = stampRefusal
      ? evidence.linkClicks.find(
          (c) =>
            c.visitorKey === orderVisitor &&
            c.conversationExternalId === conversation.externalId &&
            c.occurredAt <= order.processedAt.getTime() &&
            (c.receivedAt === null || order.receivedAt === null || c.receivedAt <= order.receivedAt.getTime()),
        )
      : undefined;
    const conversationLinks = (links.get(conversation.externalId) ?? []).map((link): Link => {
      if (!stampRefusal || (link.by !== "CART_ATTRIBUTE" && link.by !== "LINE_ITEM_PROPERTY")) return link;
      return click
        ? {
            by: "LINK",
            detail: phrase("evidence.link.viaLink", {
              detail: link.detail,
              time: { at: click.occurredAt, zone: "UTC" },
            }),
          }
        : { ...link, refused: stampRefusal };
    });
    const identityLinks = (conversation.visitorId ? (identityByVisitor.get(conversation.visitorId) ?? []) : []).map(
      (by) => ({
        by,
        detail: phrase(by === "CUSTOMER_ID" ? "evidence.link.customer" : "evidence.link.email", {
          conversation: conversation.externalId,
        }),
      }),
    );
    const ownEvents = conversation.cartEvents.map((e) => ({
      type: e.type,
      occurredAt: new Date(e.occurredAt),
      receivedAt: dateOrNull(e.receivedAt),
      fromChat: e.fromChat,
      inConversation: true,
    }));
    const visitorChatAdds = evidence.chatAdds
      .filter((e) => e.visitorId === conversation.visitorId && e.conversationId !== conversation.id)
      .map((e) => ({
        type: e.type,
        occurredAt: new Date(e.occurredAt),
        receivedAt: dateOrNull(e.receivedAt),
        fromChat: true,
        inConversation: false,
      }));
    return {
      id: conversation.id,
      externalId: conversation.externalId,
      surface: conversation.surface,
      links: [...conversationLinks, ...identityLinks],
      touches: conversation.touches.map((t) => ({
        kind: t.kind,
        answerFound: t.answerFound,
        occurredAt: new Date(t.occurredAt),
        receivedAt: dateOrNull(t.receivedAt),
      })),
      cartEvents: [...ownEvents, ...visitorChatAdds],
    };
  });
}

/** An Attribution row as `INGEST_COLUMNS.Attribution` reads it, plus the order it belongs to. */
export type AttributionRow = ReturnType<typeof attributeWithEvidence>["rows"][number];

/**
 * What stands for an order whose attribution failed: UNATTRIBUTED (all-order totals count it, chat revenue does
 * not), with the reason in its evidence, until the next run computes it again (attribution-spec.md, "Classification").
 */
function failedAttribution(name: string, settings: AttributionResult["settings"], error: string): AttributionResult {
  return {
    classification: "UNATTRIBUTED",
    conversationId: null,
    conversationExternalId: null,
    surface: null,
    matchedBy: null,
    minutesFromLastTouch: null,
    excludedReason: null,
    facts: [
      phrase("evidence.failed", { order: name, error }),
      phrase("evidence.verdict", { class: phrase("labels.class.UNATTRIBUTED") }),
    ],
    settings,
  };
}

/** The engine's failure as stored: its message, bounded (the engine's inputs hold no personal data to leak). */
const failureOf = (error: unknown) => errorMessage(error).slice(0, 500);

/**
 * Runs the engine on each order with the shop's settings: the results, and the rows that store them. One order
 * the engine fails on never fails the set: it gets a failed row (`error` set) and the others their results.
 */
export function attributeWithEvidence(
  shop: AttributionShop,
  orders: readonly AttributableOrder[],
  evidence: Evidence,
  computedAt = new Date(),
) {
  const settings = settingsOf(shop);
  const results = new Map<string, AttributionResult>();
  const rows = orders.map((order) => {
    const name = order.name ?? `#${order.shopifyOrderId}`;
    let result: AttributionResult;
    let error: string | null = null;
    try {
      result = attributeOrder(
        {
          name,
          orderTime: order.processedAt,
          test: order.test,
          verified: order.verified,
          grossAmount: order.grossAmount,
          currency: order.currency,
          receivedAt: order.receivedAt,
          timezone: shop.timezone,
        },
        candidatesOf(order, evidence),
        settings,
      );
    } catch (thrown) {
      error = failureOf(thrown);
      result = failedAttribution(name, settings, error);
      log.error(
        { err: thrown, orderId: order.id, shopId: shop.id },
        "attribution failed; the order is stored unattributed and will be computed again",
      );
    }
    results.set(order.id, result);
    return {
      id: uuidv7(),
      shopId: shop.id,
      orderId: order.id,
      shopifyOrderId: order.shopifyOrderId,
      classification: result.classification,
      conversationId: result.conversationId,
      surface: result.surface,
      matchedBy: result.matchedBy,
      minutesFromLastTouch: result.minutesFromLastTouch,
      excludedReason: result.excludedReason,
      evidence: { facts: result.facts, settings: { ...result.settings } },
      settingsVersion: shop.settingsVersion,
      computedAt,
      error,
    };
  });
  return { results, rows };
}

/** What an attribution says: when none of it changes, a recompute leaves the stored row as it is. */
const RESULT_COLUMNS = [
  "classification",
  "conversationId",
  "surface",
  "matchedBy",
  "minutesFromLastTouch",
  "excludedReason",
  "error",
] as const;

/** What the row `alias` says, to compare with another's. */
const saying = (alias: string) =>
  `(${RESULT_COLUMNS.map((column) => `${alias}."${column}"`).join(", ")}, ${alias}.evidence -> 'facts')`;

/**
 * A new order's row is inserted (sorted by order: the lock order). A stored row is replaced only when its result or
 * the facts that explain it change: an unchanged row keeps the settings version it was computed under, so a
 * recompute writes, marks and rebuilds only what a settings change moved (decision 022).
 */
export const ATTRIBUTION_UPSERT = `ON CONFLICT ("orderId") DO UPDATE SET ${overwriteFromExcluded("Attribution", ["id", "shopId", "orderId"])}
  WHERE ${saying(`"Attribution"`)} IS DISTINCT FROM ${saying("EXCLUDED")}`;

/**
 * A recompute's rows (`r`, by order id) without those stored unchanged, which the insert would otherwise lock one
 * by one; the upsert's own condition covers a row that changes in between.
 */
const CHANGED_ATTRIBUTIONS = `WHERE NOT EXISTS (SELECT 1 FROM "Attribution" s WHERE s."orderId" = r."orderId" AND ${saying("s")} IS NOT DISTINCT FROM ${saying("r")})
  ORDER BY r."orderId" ${ATTRIBUTION_UPSERT}`;

/** What attributeStoredOrders did: each order's result (null: kept, see below) and the orders the engine failed on. */
export interface StoredAttributions {
  results: Map<string, AttributionResult | null>;
  /** Stored UNATTRIBUTED with their error (see attributeWithEvidence). */
  failedOrderIds: string[];
}

/**
 * Recomputes and stores the attribution of each order (all of one shop). Safe to repeat: a result replaces the
 * last one. An order that keeps its redacted credit (`keepsRedactedCredit`) has a null entry.
 */
export async function attributeStoredOrders(
  sql: Sql,
  shop: AttributionShop,
  orderIds: readonly string[],
): Promise<StoredAttributions> {
  const results = new Map<string, AttributionResult | null>();
  const orders: AttributableOrder[] = [];
  if (orderIds.length > 0) {
    for (const order of await readStoredOrders(sql, shop.id, orderIds)) {
      if (keepsRedactedCredit(order)) results.set(order.id, null);
      else orders.push(order);
    }
  }
  if (orders.length === 0) return { results, failedOrderIds: [] };
  const attributed = attributeWithEvidence(shop, orders, await readEvidence(sql, shop.id, orders));
  await insertJsonRows(sql, "Attribution", attributed.rows, CHANGED_ATTRIBUTIONS);
  for (const [id, result] of attributed.results) results.set(id, result);
  return { results, failedOrderIds: attributed.rows.filter((row) => row.error !== null).map((row) => row.orderId) };
}

/** One order: see attributeStoredOrders. Null when the stored result is kept. */
export async function attributeStoredOrder(
  sql: Sql,
  shop: AttributionShop,
  orderId: string,
): Promise<AttributionResult | null> {
  return (await attributeStoredOrders(sql, shop, [orderId])).results.get(orderId) ?? null;
}

/** How many failed attributions one retry takes on: the rest wait for the next run. */
export const RETRY_BATCH = 500;

/**
 * Computes again the attributions that failed (the shop's oldest first, up to RETRY_BATCH). Returns how many
 * were retried and how many still fail.
 */
export async function retryFailedAttributions(
  sql: Sql,
  shop: AttributionShop,
): Promise<{ retried: number; stillFailing: number }> {
  const failed = await sql.query<{ orderId: string }>(
    `SELECT "orderId"::text AS "orderId" FROM "Attribution"
     WHERE "shopId" = $1::uuid AND classification = 'UNATTRIBUTED' AND error IS NOT NULL
     ORDER BY "orderId" LIMIT ${RETRY_BATCH}`,
    [shop.id],
  );
  if (failed.length === 0) return { retried: 0, stillFailing: 0 };
  const { failedOrderIds } = await attributeStoredOrders(
    sql,
    shop,
    failed.map((row) => row.orderId),
  );
  return { retried: failed.length, stillFailing: failedOrderIds.length };
}
