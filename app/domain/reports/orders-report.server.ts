/**
 * Every order in a range with how it was classified (the Orders page, its CSV export) and one order's
 * stored classification with its evidence (the detail page, GET /api/orders/:id/attribution).
 */
import type { EvidencePhrase } from "../attribution/evidence-text";
import { storedSteps } from "../attribution/engine";
import { keepsRedactedCredit } from "../attribution/attribute-order.server";
import { cursorOf, walkReached } from "../attribution/reattribution-jobs.server";
import type { Prisma, Shop } from "@prisma/client";
import type { DbTx } from "../../db.server";
import type { Classification, ExclusionReason, MatchedBy, Surface } from "../attribution/engine";
import { formatDecimal } from "../money";
import { chatLineRevenueByOrder } from "./chat-lines.server";
import type { OrderFilter, OrderRow, OrderStatus } from "./order-row";
import type { ReportQuery } from "./report-query";

export const ORDERS_PAGE_SIZE = 50;

type ReportShop = Pick<Shop, "id" | "currency" | "timezone">;
const money = (value: Prisma.Decimal | null) => (value === null ? null : formatDecimal(value));

function orderWhere(shop: ReportShop, query: ReportQuery, filter: OrderFilter): Prisma.OrderWhereInput {
  const attribution: Prisma.AttributionWhereInput = {
    ...(query.surface ? { surface: query.surface } : {}),
    ...(query.variant ? { conversation: { variant: query.variant } } : {}),
    ...(filter === "excluded" ? { excludedReason: { not: null } } : {}),
    ...(filter === "led" || filter === "assisted" || filter === "unattributed"
      ? { classification: filter.toUpperCase() as Classification, excludedReason: null }
      : {}),
  };
  return {
    shopId: shop.id,
    processedAt: { gte: query.range.start, lt: query.range.end },
    ...(Object.keys(attribution).length > 0 ? { attribution } : {}),
  };
}

const orderRowInclude = { attribution: true } as const;
type OrderWithAttribution = Prisma.OrderGetPayload<{ include: typeof orderRowInclude }>;

function orderRowOf(order: OrderWithAttribution, chatLines: Map<string, string>): OrderRow {
  return {
    orderId: order.shopifyOrderId,
    name: order.name,
    processedAt: order.processedAt.toISOString(),
    class: order.attribution?.classification ?? null,
    source: order.attribution?.surface ?? null,
    matchedBy: order.attribution?.matchedBy ?? null,
    netRevenue: money(order.netAmount),
    grossRevenue: money(order.grossAmount),
    chatLineRevenue: chatLines.get(order.id) ?? null,
    currency: order.currency,
    excludedReason: order.attribution?.excludedReason ?? null,
    conversationId: order.attribution?.conversationId ?? null,
    status: statusOf(order),
  };
}

function statusOf(order: Pick<OrderWithAttribution, "cancelledAt" | "netAmount" | "grossAmount">): OrderStatus {
  if (order.cancelledAt) return "CANCELLED";
  if (order.netAmount === null || order.grossAmount === null || !order.netAmount.lessThan(order.grossAmount))
    return null;
  return order.netAmount.lessThanOrEqualTo(0) ? "REFUNDED" : "PARTLY_REFUNDED";
}

export interface OrdersPage {
  rows: OrderRow[];
  total: number;
  page: number;
  pageCount: number;
}

export async function listOrders(
  db: DbTx,
  shop: ReportShop,
  query: ReportQuery,
  filter: OrderFilter,
  page: number,
): Promise<OrdersPage> {
  const where = orderWhere(shop, query, filter);
  const total = await db.order.count({ where });
  const pageCount = Math.max(1, Math.ceil(total / ORDERS_PAGE_SIZE));
  const current = Math.min(Math.max(1, page), pageCount);
  const orders = await db.order.findMany({
    where,
    include: orderRowInclude,
    orderBy: [{ processedAt: "desc" }, { id: "desc" }],
    skip: (current - 1) * ORDERS_PAGE_SIZE,
    take: ORDERS_PAGE_SIZE,
  });
  const chatLines = await chatLineRevenueByOrder(
    db,
    shop.id,
    orders.map((order) => order.id),
  );
  return { rows: orders.map((order) => orderRowOf(order, chatLines)), total, page: current, pageCount };
}

/** All matching orders, newest first, in batches (keyset on processedAt, id) so an export never loads the range at once. */
export async function* allOrders(
  db: DbTx,
  shop: ReportShop,
  query: ReportQuery,
  filter: OrderFilter,
  batchSize = 500,
): AsyncGenerator<OrderRow> {
  let after: { processedAt: Date; id: string } | null = null;
  for (;;) {
    const base = orderWhere(shop, query, filter);
    const where: Prisma.OrderWhereInput = after
      ? {
          AND: [
            base,
            {
              OR: [
                { processedAt: { lt: after.processedAt } },
                { processedAt: after.processedAt, id: { lt: after.id } },
              ],
            },
          ],
        }
      : base;
    const batch: OrderWithAttribution[] = await db.order.findMany({
      where,
      include: orderRowInclude,
      orderBy: [{ processedAt: "desc" }, { id: "desc" }],
      take: batchSize,
    });
    const chatLines = await chatLineRevenueByOrder(
      db,
      shop.id,
      batch.map((order) => order.id),
    );
    for (const order of batch) yield orderRowOf(order, chatLines);
    if (batch.length < batchSize) return;
    const last = batch[batch.length - 1];
    after = { processedAt: last.processedAt, id: last.id };
  }
}

export interface OrderAttributionDetail {
  orderId: string;
  name: string | null;
  processedAt: string;
  currency: string;
  grossRevenue: string | null;
  netRevenue: string | null;
  verified: boolean;
  test: boolean;
  cancelledAt: string | null;
  refunds: { refundId: string; amount: string; processedAt: string }[];
  lineItems: {
    title: string;
    productId: string | null;
    quantity: number;
    amount: string;
    chatSessionId: string | null;
  }[];
  attribution: {
    class: Classification;
    source: Surface | null;
    matchedBy: MatchedBy | null;
    excludedReason: ExclusionReason | null;
    minutesFromLastTouch: number | null;
    conversation: { id: string; externalId: string; surface: Surface } | null;
    steps: string[];
    facts: EvidencePhrase[] | null;
    settings: Record<string, unknown> | null;
    settingsVersion: number;
    /**
     * The shop's settings version, when the result was computed under an older one and a recompute under the
     * current one has since reached the order and found the same result (it then leaves the row as it is).
     */
    sameUnderSettingsVersion: number | null;
    /**
     * The credit rested on evidence that customers/redact erased: it is kept as it was and never recomputed (so it is
     * not "the same" under a newer version, only kept).
     */
    keptAfterRedaction: boolean;
    computedAt: string;
  } | null;
}

/** See `sameUnderSettingsVersion`. */
async function sameUnderSettingsVersion(
  db: DbTx,
  shop: OrderShop,
  order: { id: string; processedAt: Date },
  storedVersion: number,
): Promise<number | null> {
  if (storedVersion >= shop.settingsVersion) return null;
  const job = await db.reattributionJob.findFirst({
    where: { shopId: shop.id, settingsVersion: shop.settingsVersion },
    orderBy: { createdAt: "desc" },
  });
  if (!job) return null;
  return job.status === "DONE" || walkReached(cursorOf(job), order) ? shop.settingsVersion : null;
}

/** The shop an order detail is read for: its id, and the settings version it is at. */
type OrderShop = Pick<Shop, "id" | "settingsVersion">;

export async function findOrderAttribution(
  db: DbTx,
  shop: OrderShop,
  shopifyOrderId: string,
): Promise<OrderAttributionDetail | null> {
  const shopId = shop.id;
  const order = await db.order.findUnique({
    where: { shopId_shopifyOrderId: { shopId, shopifyOrderId } },
    include: { lineItems: { orderBy: { shopifyLineItemId: "asc" } }, attribution: { include: { conversation: true } } },
  });
  if (!order) return null;
  const refunds = await db.refund.findMany({ where: { shopId, shopifyOrderId }, orderBy: { processedAt: "asc" } });
  const attribution = order.attribution;
  const kept =
    attribution !== null &&
    keepsRedactedCredit({ customerRedacted: order.customerRedactedAt !== null, matchedBy: attribution.matchedBy });
  const evidence = (attribution?.evidence ?? {}) as {
    steps?: string[];
    facts?: EvidencePhrase[];
    settings?: Record<string, unknown>;
  };
  return {
    orderId: order.shopifyOrderId,
    name: order.name,
    processedAt: order.processedAt.toISOString(),
    currency: order.currency,
    grossRevenue: money(order.grossAmount),
    netRevenue: money(order.netAmount),
    verified: order.verified,
    test: order.test,
    cancelledAt: order.cancelledAt?.toISOString() ?? null,
    refunds: refunds.map((refund) => ({
      refundId: refund.shopifyRefundId,
      amount: money(refund.amount)!,
      processedAt: refund.processedAt.toISOString(),
    })),
    lineItems: order.lineItems.map((item) => ({
      title: item.title,
      productId: item.productId,
      quantity: item.quantity,
      amount: money(item.amount)!,
      chatSessionId: item.chatSessionId,
    })),
    attribution: attribution && {
      class: attribution.classification,
      source: attribution.surface,
      matchedBy: attribution.matchedBy,
      excludedReason: attribution.excludedReason,
      minutesFromLastTouch: attribution.minutesFromLastTouch,
      conversation: attribution.conversation && {
        id: attribution.conversation.id,
        externalId: attribution.conversation.externalId,
        surface: attribution.conversation.surface,
      },
      steps: storedSteps(evidence),
      facts: evidence.facts ?? null,
      settings: evidence.settings ?? null,
      settingsVersion: attribution.settingsVersion,
      sameUnderSettingsVersion: kept
        ? null
        : await sameUnderSettingsVersion(db, shop, order, attribution.settingsVersion),
      keptAfterRedaction: kept,
      computedAt: attribution.computedAt.toISOString(),
    },
  };
}
