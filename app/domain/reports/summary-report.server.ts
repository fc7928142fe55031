/**
 * The Insights summary (attribution-spec.md, "Metrics"): one function per figure, each run for the period
 * and for its comparison period through the same code. The Insights page and GET /api/reports/summary
 * both render `loadSummaryReport`, so they cannot disagree.
 *
 * Counted orders are verified orders whose stored attribution has no exclusion (test, outlier,
 * unverified); money is shop money, summed exactly in SQL as DECIMAL and carried as strings.
 */
import { Prisma, type Shop } from "@prisma/client";
import type { DbTx } from "../../db.server";
import type { Classification, MatchedBy, Surface } from "../attribution/engine";
import { formatDecimal, formatMoney, parseMoney, type Money } from "../money";
import { previousRange, startOfDayInZone, type Day, type ReportRange } from "./date-range";
import type { ReportQuery } from "./report-query";
import { inRange, localDay, qualifyingAnswer, surfaceIs } from "./report-sql.server";

export interface ClassTotals {
  orders: number;
  grossRevenue: string;
  netRevenue: string;
}

export interface PeriodTotals {
  led: ClassTotals;
  assisted: ClassTotals;
  attributed: ClassTotals;
  unattributed: ClassTotals;
  /** Attributed net revenue ÷ attributed orders; "0.00" when there are none. */
  aov: string;
  /** Attributed ÷ all counted, as fractions rounded to 4 places (0 when nothing was counted). */
  attributionRate: { orders: number; revenue: number };
}

export interface CartTotals {
  /** Σ unit value × delta over cart events of qualified conversations, in shop currency. */
  gmv: string;
  /** Net quantity of the same events. */
  productsInCart: number;
  /** Events in another currency (a shopper's presentment currency): counted in productsInCart, not in gmv. */
  eventsInOtherCurrencies: number;
}

export interface DailyFigures {
  date: Day;
  led: ClassTotals;
  assisted: ClassTotals;
  attributed: ClassTotals;
  unattributed: ClassTotals;
}

export interface TopProduct {
  productId: string | null;
  title: string;
  quantity: number;
  revenue: string;
  orders: number;
}

export interface RecentOrder {
  orderId: string;
  name: string | null;
  class: Classification;
  source: Surface | null;
  matchedBy: MatchedBy | null;
  netRevenue: string;
  grossRevenue: string;
  processedAt: string;
}

export interface SummaryReport {
  shop: string;
  currency: string;
  timezone: string;
  surface: Surface | null;
  range: { from: Day; to: Day; days: number };
  totals: PeriodTotals;
  previous: PeriodTotals & { range: { from: Day; to: Day } };
  daily: DailyFigures[];
  /** Days in the range with at least one chat touch or cart event, and the averages over them. */
  activeDays: number;
  dailyAverage: { attributedRevenue: string; attributedOrders: number };
  topProducts: TopProduct[];
  recentOrders: RecentOrder[];
  topTopics: { topic: string; orders: number }[];
  cart: CartTotals;
  previousCart: CartTotals;
  excluded: { test: number; unverified: number; outlier: number };
}

type ReportShop = Pick<Shop, "id" | "domain" | "currency" | "timezone" | "requireAnswerFound">;


/** Orders counted in totals: in range, not excluded; a surface filter keeps only orders credited to it (and all unattributed ones). */
function countedOrders(shop: ReportShop, range: ReportRange, surface: Surface | null) {
  return Prisma.sql`
    FROM "Order" o JOIN "Attribution" a ON a."orderId" = o.id
    WHERE o."shopId" = ${shop.id}::uuid AND ${inRange(Prisma.sql`o."processedAt"`, range)} AND a."excludedReason" IS NULL
      AND (a.classification = 'UNATTRIBUTED' ${surface ? Prisma.sql`OR a.surface = ${surface}::"Surface"` : Prisma.sql`OR TRUE`})`;
}

interface MoneyTotals {
  orders: number;
  gross: Money;
  net: Money;
}
const ZERO: MoneyTotals = { orders: 0, gross: 0n, net: 0n };
const add = (a: MoneyTotals, b: MoneyTotals): MoneyTotals => ({ orders: a.orders + b.orders, gross: a.gross + b.gross, net: a.net + b.net });
const classTotals = (t: MoneyTotals): ClassTotals => ({ orders: t.orders, grossRevenue: formatMoney(t.gross), netRevenue: formatMoney(t.net) });
const ratio = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0);
const moneyRatio = (part: Money, whole: Money) => (whole > 0n ? Number((part * 10_000n + whole / 2n) / whole) / 10_000 : 0);

type ByClass = Record<Classification, MoneyTotals>;

function periodTotalsOf(byClass: ByClass): PeriodTotals {
  const attributed = add(byClass.LED, byClass.ASSISTED);
  const all = add(attributed, byClass.UNATTRIBUTED);
  return {
    led: classTotals(byClass.LED),
    assisted: classTotals(byClass.ASSISTED),
    attributed: classTotals(attributed),
    unattributed: classTotals(byClass.UNATTRIBUTED),
    aov: formatMoney(attributed.orders > 0 ? attributed.net / BigInt(attributed.orders) : 0n),
    attributionRate: { orders: ratio(attributed.orders, all.orders), revenue: moneyRatio(attributed.net, all.net) },
  };
}

/** Order totals per local day and class; the period's totals are their sum, so the trend and the cards always agree. */
async function ordersByDay(db: DbTx, shop: ReportShop, range: ReportRange, surface: Surface | null): Promise<Map<Day, ByClass>> {
  const rows = await db.$queryRaw<{ day: Day; class: Classification; orders: number; gross: string; net: string }[]>`
    SELECT ${localDay(Prisma.sql`o."processedAt"`, range.timezone)} AS day, a.classification::text AS class, count(*)::int AS orders,
           coalesce(sum(o."grossAmount"), 0)::text AS gross, coalesce(sum(o."netAmount"), 0)::text AS net
    ${countedOrders(shop, range, surface)}
    GROUP BY 1, 2`;
  const days = new Map<Day, ByClass>(range.days.map((day) => [day, { LED: ZERO, ASSISTED: ZERO, UNATTRIBUTED: ZERO }]));
  for (const row of rows) {
    const bucket = days.get(row.day);
    // A row outside the range's days would mean the zone arithmetic and SQL disagree: fail loudly, never drop money.
    if (!bucket) throw new Error(`order day ${row.day} falls outside ${range.from}..${range.to}`);
    bucket[row.class] = { orders: row.orders, gross: parseMoney(row.gross) ?? 0n, net: parseMoney(row.net) ?? 0n };
  }
  return days;
}

async function cartTotals(db: DbTx, shop: ReportShop, range: ReportRange, surface: Surface | null): Promise<CartTotals> {
  const signed = Prisma.sql`(CASE WHEN ce.type IN ('ITEM_ADDED', 'QUANTITY_INCREASED') THEN 1 ELSE -1 END) * ce.quantity`;
  const [row] = await db.$queryRaw<{ gmv: string; products: number; other: number }[]>`
    SELECT coalesce(sum(${signed} * ce."unitValue") FILTER (WHERE ce.currency = ${shop.currency}), 0)::text AS gmv,
           coalesce(sum(${signed}), 0)::int AS products,
           count(*) FILTER (WHERE ce.currency <> ${shop.currency})::int AS other
    FROM "CartEvent" ce JOIN "Conversation" c ON c.id = ce."conversationId"
    WHERE ce."shopId" = ${shop.id}::uuid AND ${inRange(Prisma.sql`ce."occurredAt"`, range)} ${surfaceIs(Prisma.sql`c.surface`, surface)}
      AND EXISTS (SELECT 1 FROM "Touchpoint" t WHERE t."conversationId" = c.id AND ${qualifyingAnswer(shop)})`;
  return { gmv: formatDecimal(row.gmv), productsInCart: row.products, eventsInOtherCurrencies: row.other };
}

async function periodFigures(db: DbTx, shop: ReportShop, range: ReportRange, surface: Surface | null) {
  const [days, cart] = await Promise.all([ordersByDay(db, shop, range, surface), cartTotals(db, shop, range, surface)]);
  const total: ByClass = { LED: ZERO, ASSISTED: ZERO, UNATTRIBUTED: ZERO };
  for (const bucket of days.values()) for (const key of Object.keys(total) as Classification[]) total[key] = add(total[key], bucket[key]);
  return { days, totals: periodTotalsOf(total), cart };
}

/** Counted led/assisted orders in range credited to the surface (for queries that join more tables to o and a). */
const countedAttributed = (shop: ReportShop, range: ReportRange, surface: Surface | null) =>
  Prisma.sql`o."shopId" = ${shop.id}::uuid AND ${inRange(Prisma.sql`o."processedAt"`, range)} AND a."excludedReason" IS NULL
    AND a.classification IN ('LED', 'ASSISTED') ${surfaceIs(Prisma.sql`a.surface`, surface)}`;

export async function loadSummaryReport(db: DbTx, shop: ReportShop, query: ReportQuery): Promise<SummaryReport> {
  const { range, surface } = query;
  const previous = previousRange(range);
  const [current, before, products, recent, topics, excluded, activeDays] = await Promise.all([
    periodFigures(db, shop, range, surface),
    periodFigures(db, shop, previous, surface),
    topProductsOf(db, shop, range, surface),
    recentOrders(db, shop, range, surface),
    topTopics(db, shop, range, surface),
    excludedCounts(db, shop, range),
    activeDayCount(db, shop, range),
  ]);
  const attributedNet = parseMoney(current.totals.attributed.netRevenue) ?? 0n;
  return {
    shop: shop.domain,
    currency: shop.currency,
    timezone: range.timezone,
    surface,
    range: { from: range.from, to: range.to, days: range.days.length },
    totals: current.totals,
    previous: { ...before.totals, range: { from: previous.from, to: previous.to } },
    daily: [...current.days].map(([date, byClass]) => ({ date, ...dailyOf(byClass) })),
    activeDays,
    dailyAverage: {
      attributedRevenue: formatMoney(activeDays > 0 ? attributedNet / BigInt(activeDays) : 0n),
      attributedOrders: activeDays > 0 ? Math.round((current.totals.attributed.orders / activeDays) * 100) / 100 : 0,
    },
    topProducts: products,
    recentOrders: recent,
    topTopics: topics,
    cart: current.cart,
    previousCart: before.cart,
    excluded,
  };
}

function dailyOf(byClass: ByClass): Omit<DailyFigures, "date"> {
  return {
    led: classTotals(byClass.LED),
    assisted: classTotals(byClass.ASSISTED),
    attributed: classTotals(add(byClass.LED, byClass.ASSISTED)),
    unattributed: classTotals(byClass.UNATTRIBUTED),
  };
}

async function topProductsOf(db: DbTx, shop: ReportShop, range: ReportRange, surface: Surface | null): Promise<TopProduct[]> {
  const rows = await db.$queryRaw<{ productId: string | null; title: string; quantity: number; revenue: string; orders: number }[]>`
    SELECT li."productId" AS "productId", max(li.title) AS title, sum(li.quantity)::int AS quantity,
           sum(li.amount)::text AS revenue, count(DISTINCT o.id)::int AS orders
    FROM "Order" o JOIN "Attribution" a ON a."orderId" = o.id JOIN "OrderLineItem" li ON li."orderId" = o.id
    WHERE ${countedAttributed(shop, range, surface)}
    GROUP BY li."productId", CASE WHEN li."productId" IS NULL THEN li.title END
    ORDER BY sum(li.amount) DESC, max(li.title)
    LIMIT 10`;
  return rows.map((row) => ({ ...row, revenue: formatDecimal(row.revenue) }));
}

export const RECENT_ORDER_LIMIT = 10;

async function recentOrders(db: DbTx, shop: ReportShop, range: ReportRange, surface: Surface | null): Promise<RecentOrder[]> {
  const rows = await db.order.findMany({
    where: {
      shopId: shop.id,
      processedAt: { gte: range.start, lt: range.end },
      attribution: { classification: { in: ["LED", "ASSISTED"] }, excludedReason: null, ...(surface ? { surface } : {}) },
    },
    include: { attribution: true },
    orderBy: [{ processedAt: "desc" }, { id: "desc" }],
    take: RECENT_ORDER_LIMIT,
  });
  return rows.map((order) => ({
    orderId: order.shopifyOrderId,
    name: order.name,
    class: order.attribution!.classification,
    source: order.attribution!.surface,
    matchedBy: order.attribution!.matchedBy,
    netRevenue: formatDecimal(order.netAmount),
    grossRevenue: formatDecimal(order.grossAmount),
    processedAt: order.processedAt.toISOString(),
  }));
}

/** Topics the shopper raised in the credited conversation before the order, by how many attributed orders followed. */
async function topTopics(db: DbTx, shop: ReportShop, range: ReportRange, surface: Surface | null) {
  return db.$queryRaw<{ topic: string; orders: number }[]>`
    SELECT t.topic AS topic, count(DISTINCT o.id)::int AS orders
    FROM "Order" o JOIN "Attribution" a ON a."orderId" = o.id
      JOIN "Touchpoint" t ON t."conversationId" = a."conversationId" AND t."occurredAt" <= o."processedAt"
    WHERE ${countedAttributed(shop, range, surface)} AND t.topic IS NOT NULL
    GROUP BY t.topic
    ORDER BY 2 DESC, 1
    LIMIT 5`;
}

/** Excluded orders in range by reason, whatever the surface filter: the merchant sees what was left out. */
async function excludedCounts(db: DbTx, shop: ReportShop, range: ReportRange) {
  const rows = await db.$queryRaw<{ reason: "TEST" | "OUTLIER" | "UNVERIFIED"; orders: number }[]>`
    SELECT a."excludedReason"::text AS reason, count(*)::int AS orders
    FROM "Order" o JOIN "Attribution" a ON a."orderId" = o.id
    WHERE o."shopId" = ${shop.id}::uuid AND ${inRange(Prisma.sql`o."processedAt"`, range)} AND a."excludedReason" IS NOT NULL
    GROUP BY 1`;
  const count = (reason: string) => rows.find((row) => row.reason === reason)?.orders ?? 0;
  return { test: count("TEST"), unverified: count("UNVERIFIED"), outlier: count("OUTLIER") };
}

/**
 * Local days of the range with at least one chat touch or cart event: one index probe per day and table, instead of
 * reading every touch and cart event of the period (at 1 M orders a month holds ~750 K touches: 1.5 s against ~1 ms).
 */
async function activeDayCount(db: DbTx, shop: ReportShop, range: ReportRange): Promise<number> {
  const starts = range.days.map((day) => startOfDayInZone(day, range.timezone).toISOString());
  const ends = [...starts.slice(1), range.end.toISOString()]; // each day ends where the next begins
  const dayStart = Prisma.sql`(d.day_start::timestamptz AT TIME ZONE 'UTC')`;
  const dayEnd = Prisma.sql`(d.day_end::timestamptz AT TIME ZONE 'UTC')`;
  const [row] = await db.$queryRaw<{ days: number }[]>`
    SELECT count(*)::int AS days FROM unnest(${starts}::text[], ${ends}::text[]) AS d(day_start, day_end)
    WHERE EXISTS (SELECT 1 FROM "Touchpoint" t WHERE t."shopId" = ${shop.id}::uuid AND t."occurredAt" >= ${dayStart} AND t."occurredAt" < ${dayEnd})
       OR EXISTS (SELECT 1 FROM "CartEvent" ce WHERE ce."shopId" = ${shop.id}::uuid AND ce."occurredAt" >= ${dayStart} AND ce."occurredAt" < ${dayEnd})`;
  return row.days;
}
