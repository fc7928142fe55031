/**
 * Conversations with the revenue credited to them (attribution-spec.md, "Per conversation"), and one
 * conversation's timeline of touches, cart events and the orders that credited it.
 */
import { Prisma, type Shop } from "@prisma/client";
import type { DbTx } from "../../db.server";
import { isQualifying, type Classification, type Surface } from "../attribution/engine";
import { formatDecimal, formatMoney, parseMoney } from "../money";
import type { ReportQuery } from "./report-query";
import { inRange, qualifyingAnswer, surfaceIs, variantIs } from "./report-sql.server";

export const CONVERSATIONS_PAGE_SIZE = 50;

export interface ConversationRow {
  id: string;
  externalId: string;
  surface: Surface;
  variant: string | null;
  startedAt: string;
  touches: number;
  qualified: boolean;
  cartEvents: number;
  ordersCredited: number;
  /** Net revenue of counted led/assisted orders credited to this conversation. */
  revenueCredited: string;
}

type ReportShop = Pick<Shop, "id" | "requireAnswerFound">;

/** What the Conversations page narrows the list by, beside the report query's range, surface and variant. */
export interface ConversationSearch {
  /** The start of a conversation id (the chat's own): searched across all time, whatever the range. */
  id?: string | null;
  /** Only conversations with counted led/assisted orders credited (yes) or without (no). */
  credited?: "yes" | "no" | null;
}

const creditedOrder = Prisma.sql`SELECT 1 FROM "Attribution" a WHERE a."conversationId" = c.id
  AND a.classification IN ('LED', 'ASSISTED') AND a."excludedReason" IS NULL`;

export async function listConversations(
  db: DbTx,
  shop: ReportShop,
  query: ReportQuery,
  page: number,
  search: ConversationSearch = {},
) {
  const filter = Prisma.sql`c."shopId" = ${shop.id}::uuid
    AND ${search.id ? Prisma.sql`starts_with(c."externalId", ${search.id})` : inRange(Prisma.sql`c."startedAt"`, query.range)}
    ${surfaceIs(Prisma.sql`c.surface`, query.surface)} ${variantIs(Prisma.sql`c.variant`, query.variant ?? null)}
    ${search.credited === "yes" ? Prisma.sql`AND EXISTS (${creditedOrder})` : search.credited === "no" ? Prisma.sql`AND NOT EXISTS (${creditedOrder})` : Prisma.empty}`;
  const [{ total }] = await db.$queryRaw<
    { total: number }[]
  >`SELECT count(*)::int AS total FROM "Conversation" c WHERE ${filter}`;
  const pageCount = Math.max(1, Math.ceil(total / CONVERSATIONS_PAGE_SIZE));
  const current = Math.min(Math.max(1, page), pageCount);
  const rows = await db.$queryRaw<
    (Omit<ConversationRow, "startedAt" | "revenueCredited"> & { startedAt: Date; revenueCredited: string })[]
  >`
    SELECT c.id, c."externalId" AS "externalId", c.surface::text AS surface, c.variant, c."startedAt" AS "startedAt",
      (SELECT count(*)::int FROM "Touchpoint" t WHERE t."conversationId" = c.id) AS touches,
      EXISTS (SELECT 1 FROM "Touchpoint" t WHERE t."conversationId" = c.id AND ${qualifyingAnswer(shop)}) AS qualified,
      (SELECT count(*)::int FROM "CartEvent" ce WHERE ce."conversationId" = c.id) AS "cartEvents",
      coalesce(credited.orders, 0) AS "ordersCredited", coalesce(credited.revenue, 0)::text AS "revenueCredited"
    FROM "Conversation" c
    LEFT JOIN LATERAL (
      SELECT count(*)::int AS orders, sum(o."netAmount") AS revenue
      FROM "Attribution" a JOIN "Order" o ON o.id = a."orderId"
      WHERE a."conversationId" = c.id AND a.classification IN ('LED', 'ASSISTED') AND a."excludedReason" IS NULL
    ) credited ON TRUE
    WHERE ${filter}
    ORDER BY c."startedAt" DESC, c.id DESC
    LIMIT ${CONVERSATIONS_PAGE_SIZE} OFFSET ${(current - 1) * CONVERSATIONS_PAGE_SIZE}`;
  return {
    rows: rows.map(
      (row): ConversationRow => ({
        ...row,
        startedAt: new Date(row.startedAt).toISOString(),
        revenueCredited: formatDecimal(row.revenueCredited),
      }),
    ),
    total,
    page: current,
    pageCount,
  };
}

/** The variants the chat reported for conversations started in the range (the page's variant filter offers them). */
export async function conversationVariants(db: DbTx, shop: Pick<Shop, "id">, query: ReportQuery): Promise<string[]> {
  const rows = await db.$queryRaw<{ variant: string }[]>`
    SELECT DISTINCT c.variant FROM "Conversation" c
    WHERE c."shopId" = ${shop.id}::uuid AND ${inRange(Prisma.sql`c."startedAt"`, query.range)} AND c.variant IS NOT NULL
    ORDER BY 1 LIMIT 50`;
  return rows.map((row) => row.variant);
}

export type TimelineItem =
  | {
      kind: "touch";
      at: string;
      role: "shopper" | "assistant";
      answerFound: boolean | null;
      qualifying: boolean;
      topic: string | null;
      text: string | null;
      productIds: string[];
    }
  | {
      kind: "cart";
      at: string;
      type: string;
      productId: string;
      productName: string | null;
      quantity: number;
      unitValue: string;
      currency: string;
      fromChat: boolean;
    }
  | { kind: "link_shared"; at: string; url: string }
  | {
      kind: "link_click";
      at: string;
      /** Opened by another visitor than the one who chatted (another device or person). */
      otherVisitor: boolean;
    }
  | {
      kind: "order";
      at: string;
      orderId: string;
      name: string | null;
      class: Classification;
      excluded: boolean;
      netRevenue: string | null;
      minutesFromLastTouch: number | null;
    };

export interface ConversationDetail {
  id: string;
  externalId: string;
  surface: Surface;
  nudgeId: string | null;
  startedAt: string;
  qualified: boolean;
  revenueCredited: string;
  timeline: TimelineItem[];
}

export async function findConversationTimeline(
  db: DbTx,
  shop: ReportShop,
  conversationId: string,
): Promise<ConversationDetail | null> {
  if (!/^[0-9a-f-]{36}$/i.test(conversationId)) return null;
  const conversation = await db.conversation.findFirst({
    where: { id: conversationId, shopId: shop.id },
    include: {
      touchpoints: { orderBy: { occurredAt: "asc" } },
      cartEvents: { orderBy: { occurredAt: "asc" } },
      attributions: { include: { order: true } },
      links: { orderBy: { sharedAt: "asc" } },
      linkClicks: { orderBy: { occurredAt: "asc" } },
    },
  });
  if (!conversation) return null;
  const qualifies = (touch: (typeof conversation.touchpoints)[number]) => isQualifying(touch, shop);
  const credited = conversation.attributions.filter((a) => a.classification !== "UNATTRIBUTED");
  const timeline: TimelineItem[] = [
    ...conversation.touchpoints.map(
      (touch): TimelineItem => ({
        kind: "touch",
        at: touch.occurredAt.toISOString(),
        role: touch.kind === "SHOPPER_MESSAGE" ? "shopper" : "assistant",
        answerFound: touch.answerFound,
        qualifying: qualifies(touch),
        topic: touch.topic,
        text: touch.text,
        productIds: touch.productIds,
      }),
    ),
    ...conversation.cartEvents.map(
      (event): TimelineItem => ({
        kind: "cart",
        at: event.occurredAt.toISOString(),
        type: event.type,
        productId: event.productId,
        productName: event.productName,
        quantity: event.quantity,
        unitValue: formatDecimal(event.unitValue),
        currency: event.currency,
        fromChat: event.fromChat,
      }),
    ),
    ...conversation.links.map(
      (link): TimelineItem => ({ kind: "link_shared", at: link.sharedAt.toISOString(), url: link.url }),
    ),
    ...conversation.linkClicks.map(
      (click): TimelineItem => ({
        kind: "link_click",
        at: click.occurredAt.toISOString(),
        otherVisitor: click.visitorId !== conversation.visitorId,
      }),
    ),
    ...credited.map(
      (attribution): TimelineItem => ({
        kind: "order",
        at: attribution.order.processedAt.toISOString(),
        orderId: attribution.order.shopifyOrderId,
        name: attribution.order.name,
        class: attribution.classification,
        excluded: attribution.excludedReason !== null,
        netRevenue: attribution.order.netAmount === null ? null : formatDecimal(attribution.order.netAmount),
        minutesFromLastTouch: attribution.minutesFromLastTouch,
      }),
    ),
  ].sort((a, b) => a.at.localeCompare(b.at));
  const revenue = credited
    .filter((a) => a.excludedReason === null)
    .reduce((sum, a) => sum + (parseMoney(a.order.netAmount?.toString()) ?? 0n), 0n);
  return {
    id: conversation.id,
    externalId: conversation.externalId,
    surface: conversation.surface,
    nudgeId: conversation.nudgeId,
    startedAt: conversation.startedAt.toISOString(),
    qualified: conversation.touchpoints.some(qualifies),
    revenueCredited: formatMoney(revenue),
    timeline,
  };
}
