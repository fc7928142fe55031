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
import {
  isDeterministic,
  LINK_STRENGTH,
  type Classification,
  type MatchedBy,
  type Surface,
} from "../attribution/engine";
import { formatDecimal, formatMoney, parseMoney, type Money } from "../money";
import { type ChatCosts, type ChatReturn, chatReturnOf } from "./chat-return";
import { type CausalReturn, loadCausalReturn } from "../experiments/causal-return.server";
import { previousRange, reportRange, startOfDayInZone, type Day, type ReportRange } from "./date-range";
import type { ReportQuery } from "./report-query";
import {
  CART_DAYS,
  dayRows,
  dirtyDays,
  type LiveDays,
  ORDER_DAYS,
  PRODUCT_DAYS,
  recomputeInProgress,
  recomputeReached,
  TOPIC_DAYS,
  type Recompute,
} from "./report-rollups.server";
import { surfaceIs, variantIs } from "./report-sql.server";

/** Insights' filters: a surface and a chat variant (of the credited conversation, or of a cart event's). */
interface Filter {
  surface: Surface | null;
  variant: string | null;
}
const filterIs = (filter: Filter) =>
  Prisma.sql`${surfaceIs(Prisma.sql`surface`, filter.surface)} ${variantIs(Prisma.sql`variant`, filter.variant)}`;

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
  /** Σ line amounts (after line discounts), before refunds. */
  revenue: string;
  /** The lines' share of their orders' net revenue. */
  netRevenue: string;
  orders: number;
}

/** Lines of counted attributed orders that the credited conversation recommended or added (the chat's own sales). */
export interface ChatLines {
  netRevenue: string;
  quantity: number;
  /** Their net revenue ÷ the attributed orders' net revenue, to 4 places. */
  shareOfAttributed: number;
}

/** Counted attributed orders by the evidence that matched them (every kind listed, strongest first). */
export interface MatchedPath {
  matchedBy: MatchedBy;
  /** Cart attribute, line property and tokens: the order itself carries the session. */
  deterministic: boolean;
  orders: number;
  netRevenue: string;
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
  /** The variant filter; null: every variant. */
  variant: string | null;
  range: { from: Day; to: Day; days: number };
  totals: PeriodTotals;
  previous: PeriodTotals & { range: { from: Day; to: Day } };
  daily: DailyFigures[];
  /** Days in the range with at least one chat touch or cart event, and the averages over them. */
  activeDays: number;
  /** Each total ÷ active days (attribution-spec.md, "Daily averages"); 0 without an active day. */
  dailyAverage: {
    attributedRevenue: string;
    attributedOrders: number;
    ledRevenue: string;
    assistedRevenue: string;
    cartGmv: string;
    productsInCart: number;
  };
  topProducts: TopProduct[];
  recentOrders: RecentOrder[];
  topTopics: { topic: string; orders: number }[];
  cart: CartTotals;
  previousCart: CartTotals;
  excluded: { test: number; unverified: number; outlier: number };
  /** How this period's attributed orders were matched; they add up to `totals.attributed`. */
  matchedPaths: MatchedPath[];
  chatLines: ChatLines;
  /** Return on the chat's cost for the whole shop; null under a surface or variant filter (the cost is not split). */
  chatReturn: ChatReturn | null;
  /** What a holdout that ran in the range says the chat caused, for its cost; null without one, a cost, or under a filter. */
  causalReturn: CausalReturn | null;
  /** A re-attribution in progress: how much of each period follows the new settings yet; null when none runs. */
  recompute: RecomputeCoverage | null;
}

/**
 * Under a re-attribution (decision 022), the period's newest days follow the new settings and the older ones show
 * the figures from before the change until the recompute reaches them.
 */
export interface RecomputeCoverage {
  /** The settings version being applied. */
  settingsVersion: number;
  /** Days of the period under the new settings, of `days`. */
  recomputedDays: number;
  days: number;
  previous: { recomputedDays: number; days: number };
}

function coverageOf(recompute: Recompute | null, range: ReportRange, previous: ReportRange): RecomputeCoverage | null {
  if (!recompute) return null;
  const done = (r: ReportRange) => ({
    recomputedDays: r.days.filter((day) => recomputeReached(recompute.recomputedFrom, day, r.timezone)).length,
    days: r.days.length,
  });
  return { settingsVersion: recompute.settingsVersion, ...done(range), previous: done(previous) };
}

type ReportShop = Pick<
  Shop,
  | "id"
  | "domain"
  | "currency"
  | "timezone"
  | "requireAnswerFound"
  | "chatMonthlyCost"
  | "chatCostPerConversation"
  | "grossMarginPercent"
>;

interface MoneyTotals {
  orders: number;
  gross: Money;
  net: Money;
}
const ZERO: MoneyTotals = { orders: 0, gross: 0n, net: 0n };
const add = (a: MoneyTotals, b: MoneyTotals): MoneyTotals => ({
  orders: a.orders + b.orders,
  gross: a.gross + b.gross,
  net: a.net + b.net,
});
const classTotals = (t: MoneyTotals): ClassTotals => ({
  orders: t.orders,
  grossRevenue: formatMoney(t.gross),
  netRevenue: formatMoney(t.net),
});
const ratio = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0);
const moneyRatio = (part: Money, whole: Money) =>
  whole > 0n ? Number((part * 10_000n + whole / 2n) / whole) / 10_000 : 0;

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

type Excluded = SummaryReport["excluded"];

/**
 * Counted order totals per local day and class (the period's totals are their sum, so the trend and the cards always
 * agree) and excluded orders by reason (whatever the surface filter: the merchant sees what was left out), from one
 * read of the order roll-up. A surface or variant filter keeps orders credited to it and all unattributed ones.
 */
async function ordersByDay(db: DbTx, shop: ReportShop, range: ReportRange, live: LiveDays, filter: Filter) {
  const rows = await db.$queryRaw<
    {
      day: Day;
      class: Classification;
      excluded: keyof Excluded | null;
      inSurface: boolean;
      matchedBy: MatchedBy | null;
      orders: number;
      gross: string;
      net: string;
    }[]
  >`
    ${dayRows(ORDER_DAYS, shop, range, live)}
    SELECT day::text AS day, classification::text AS class, lower("excludedReason"::text) AS excluded,
           (classification = 'UNATTRIBUTED' OR (TRUE ${filterIs(filter)})) AS "inSurface",
           "matchedBy"::text AS "matchedBy", sum(orders)::int AS orders, sum(gross)::text AS gross, sum(net)::text AS net
    FROM day_rows
    GROUP BY 1, 2, 3, 4, 5`;
  const days = new Map<Day, ByClass>(range.days.map((day) => [day, { LED: ZERO, ASSISTED: ZERO, UNATTRIBUTED: ZERO }]));
  const excluded: Excluded = { test: 0, unverified: 0, outlier: 0 };
  const paths = new Map<MatchedBy, MoneyTotals>(LINK_STRENGTH.map((by) => [by, ZERO]));
  for (const row of rows) {
    if (row.excluded) {
      excluded[row.excluded] += row.orders;
      continue;
    }
    if (!row.inSurface) continue;
    const bucket = days.get(row.day);
    // A row outside the range's days would mean the zone arithmetic and SQL disagree: fail loudly, never drop money.
    if (!bucket) throw new Error(`order day ${row.day} falls outside ${range.from}..${range.to}`);
    const totals = { orders: row.orders, gross: parseMoney(row.gross) ?? 0n, net: parseMoney(row.net) ?? 0n };
    bucket[row.class] = add(bucket[row.class], totals);
    if (row.class !== "UNATTRIBUTED" && row.matchedBy) paths.set(row.matchedBy, add(paths.get(row.matchedBy)!, totals));
  }
  const matchedPaths = [...paths].map(([matchedBy, totals]) => ({
    matchedBy,
    deterministic: isDeterministic(matchedBy),
    orders: totals.orders,
    netRevenue: formatMoney(totals.net),
  }));
  return { days, excluded, matchedPaths };
}

async function cartTotals(
  db: DbTx,
  shop: ReportShop,
  range: ReportRange,
  live: LiveDays,
  filter: Filter,
): Promise<CartTotals> {
  const [row] = await db.$queryRaw<{ gmv: string; products: number; other: number }[]>`
    ${dayRows(CART_DAYS, shop, range, live)}
    SELECT coalesce(sum(amount) FILTER (WHERE currency = ${shop.currency}), 0)::text AS gmv,
           coalesce(sum(products), 0)::int AS products,
           coalesce(sum(events) FILTER (WHERE currency <> ${shop.currency}), 0)::int AS other
    FROM day_rows WHERE TRUE ${filterIs(filter)}`;
  return { gmv: formatDecimal(row.gmv), productsInCart: row.products, eventsInOtherCurrencies: row.other };
}

async function periodFigures(db: DbTx, shop: ReportShop, range: ReportRange, live: LiveDays, filter: Filter) {
  const [{ days, excluded, matchedPaths }, cart] = await Promise.all([
    ordersByDay(db, shop, range, live, filter),
    cartTotals(db, shop, range, live, filter),
  ]);
  const total: ByClass = { LED: ZERO, ASSISTED: ZERO, UNATTRIBUTED: ZERO };
  for (const bucket of days.values())
    for (const key of Object.keys(total) as Classification[]) total[key] = add(total[key], bucket[key]);
  return { days, totals: periodTotalsOf(total), cart, excluded, matchedPaths };
}

/** Whether the shop has any order yet: the home page shows its first-run state until it has. */
export async function shopHasOrders(db: DbTx, shopId: string): Promise<boolean> {
  return (await db.order.findFirst({ where: { shopId }, select: { id: true } })) !== null;
}

export async function loadSummaryReport(db: DbTx, shop: ReportShop, query: ReportQuery): Promise<SummaryReport> {
  const { range, surface } = query;
  const filter: Filter = { surface, variant: query.variant ?? null };
  // The chat's cost is the whole chat's: set against a part of its revenue (a surface, a variant) it would mislead.
  const whole = !surface && !filter.variant;
  const previous = previousRange(range);
  const recompute = await recomputeInProgress(db, shop.id);
  const [live, liveBefore] = await Promise.all([
    dirtyDays(db, shop, range, recompute),
    dirtyDays(db, shop, previous, recompute),
  ]);
  const costs = costsOf(shop);
  const figures = periodFigures(db, shop, range, live, filter);
  const [current, before, { products, lines }, recent, topics, activeDays, conversations, causalReturn] =
    await Promise.all([
      figures,
      periodFigures(db, shop, previous, liveBefore, filter),
      productFiguresOf(db, shop, range, live, filter),
      figures.then(({ days }) => recentOrders(db, shop, range, filter, days)),
      topTopics(db, shop, range, live, filter),
      activeDayCount(db, shop, range),
      costs.perConversation !== null && whole ? conversationsStarted(db, shop, range) : null,
      whole ? loadCausalReturn(db, shop, range, costs) : null,
    ]);
  const attributedNet = parseMoney(current.totals.attributed.netRevenue) ?? 0n;
  const perActiveDay = (total: bigint) => formatMoney(activeDays > 0 ? total / BigInt(activeDays) : 0n);
  const perActiveDayCount = (total: number) => (activeDays > 0 ? Math.round((total / activeDays) * 100) / 100 : 0);
  return {
    shop: shop.domain,
    currency: shop.currency,
    timezone: range.timezone,
    surface,
    variant: filter.variant,
    range: { from: range.from, to: range.to, days: range.days.length },
    totals: current.totals,
    previous: { ...before.totals, range: { from: previous.from, to: previous.to } },
    daily: [...current.days].map(([date, byClass]) => ({ date, ...dailyOf(byClass) })),
    activeDays,
    dailyAverage: {
      attributedRevenue: perActiveDay(attributedNet),
      attributedOrders: perActiveDayCount(current.totals.attributed.orders),
      ledRevenue: perActiveDay(parseMoney(current.totals.led.netRevenue) ?? 0n),
      assistedRevenue: perActiveDay(parseMoney(current.totals.assisted.netRevenue) ?? 0n),
      cartGmv: perActiveDay(parseMoney(current.cart.gmv) ?? 0n),
      productsInCart: perActiveDayCount(current.cart.productsInCart),
    },
    topProducts: products,
    recentOrders: recent,
    topTopics: topics,
    cart: current.cart,
    previousCart: before.cart,
    excluded: current.excluded,
    matchedPaths: current.matchedPaths,
    chatLines: {
      netRevenue: formatMoney(lines.net),
      quantity: lines.quantity,
      shareOfAttributed: moneyRatio(lines.net, attributedNet),
    },
    chatReturn: whole ? chatReturnOf({ costs, days: range.days, conversations, attributedNet }) : null,
    causalReturn,
    recompute: coverageOf(recompute, range, previous),
  };
}

function costsOf(shop: ReportShop): ChatCosts {
  const amount = (value: { toString(): string } | null) => (value === null ? null : parseMoney(value.toString()));
  return {
    monthly: amount(shop.chatMonthlyCost),
    perConversation: amount(shop.chatCostPerConversation),
    grossMarginPercent: shop.grossMarginPercent === null ? null : shop.grossMarginPercent.toString(),
  };
}

/** Conversations started in the range (for a per-conversation cost): an index range read of (shopId, startedAt). */
async function conversationsStarted(db: DbTx, shop: ReportShop, range: ReportRange): Promise<number> {
  return db.conversation.count({ where: { shopId: shop.id, startedAt: { gte: range.start, lt: range.end } } });
}

function dailyOf(byClass: ByClass): Omit<DailyFigures, "date"> {
  return {
    led: classTotals(byClass.LED),
    assisted: classTotals(byClass.ASSISTED),
    attributed: classTotals(add(byClass.LED, byClass.ASSISTED)),
    unattributed: classTotals(byClass.UNATTRIBUTED),
  };
}

/**
 * The top products and the chat-influenced lines from one read of the product roll-up (on a live day it is computed
 * once, not twice): the window sums run over every product before the top 10 are kept.
 */
async function productFiguresOf(db: DbTx, shop: ReportShop, range: ReportRange, live: LiveDays, filter: Filter) {
  const rows = await db.$queryRaw<(TopProduct & { chatNet: string; chatQuantity: number })[]>`
    ${dayRows(PRODUCT_DAYS, shop, range, live)}
    SELECT "productId", max(title) AS title, sum(quantity)::int AS quantity, sum(revenue)::text AS revenue,
           sum("netRevenue")::text AS "netRevenue", sum(orders)::int AS orders,
           (sum(sum("netRevenue") FILTER (WHERE "chatInfluenced")) OVER ())::text AS "chatNet",
           (sum(sum(quantity) FILTER (WHERE "chatInfluenced")) OVER ())::int AS "chatQuantity"
    FROM day_rows WHERE TRUE ${filterIs(filter)}
    GROUP BY "productId", CASE WHEN "productId" IS NULL THEN title END
    ORDER BY sum(revenue) DESC, max(title)
    LIMIT 10`;
  return {
    products: rows.map(({ chatNet: _net, chatQuantity: _quantity, ...row }) => ({
      ...row,
      revenue: formatDecimal(row.revenue),
      netRevenue: formatDecimal(row.netRevenue),
    })),
    lines: { net: parseMoney(rows[0]?.chatNet ?? "0") ?? 0n, quantity: rows[0]?.chatQuantity ?? 0 },
  };
}

export const RECENT_ORDER_LIMIT = 10;

/**
 * The newest counted led/assisted orders of the period, read only from the days that hold them (newest first, from
 * the period's day figures), one day at a time: reading the period's orders newest first until ten were attributed
 * scanned all of them when few were (at 1 M orders, 10 s for a year without an attributed order).
 */
async function recentOrders(
  db: DbTx,
  shop: ReportShop,
  range: ReportRange,
  filter: Filter,
  figures: Map<Day, ByClass>,
): Promise<RecentOrder[]> {
  const rows: Awaited<ReturnType<typeof recentOrdersOfDay>> = [];
  const days = [...figures].filter(([, byClass]) => byClass.LED.orders + byClass.ASSISTED.orders > 0);
  for (const [day] of days.sort(([a], [b]) => (a < b ? 1 : -1))) {
    if (rows.length >= RECENT_ORDER_LIMIT) break;
    const dayRange = reportRange(day, day, range.timezone);
    rows.push(...(await recentOrdersOfDay(db, shop, dayRange, filter, RECENT_ORDER_LIMIT - rows.length)));
  }
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

function recentOrdersOfDay(db: DbTx, shop: ReportShop, day: ReportRange, filter: Filter, take: number) {
  return db.order.findMany({
    where: {
      shopId: shop.id,
      processedAt: { gte: day.start, lt: day.end },
      attribution: {
        classification: { in: ["LED", "ASSISTED"] },
        excludedReason: null,
        ...(filter.surface ? { surface: filter.surface } : {}),
        ...(filter.variant ? { conversation: { variant: filter.variant } } : {}),
      },
    },
    include: { attribution: true },
    orderBy: [{ processedAt: "desc" }, { id: "desc" }],
    take,
  });
}

/** Topics the shopper raised in the credited conversation before the order, by how many attributed orders followed. */
async function topTopics(db: DbTx, shop: ReportShop, range: ReportRange, live: LiveDays, filter: Filter) {
  return db.$queryRaw<{ topic: string; orders: number }[]>`
    ${dayRows(TOPIC_DAYS, shop, range, live)}
    SELECT topic, sum(orders)::int AS orders
    FROM day_rows WHERE TRUE ${filterIs(filter)}
    GROUP BY topic
    ORDER BY 2 DESC, 1
    LIMIT 5`;
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
