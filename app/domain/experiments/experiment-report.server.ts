/**
 * An experiment's figures (attribution-spec.md, "Experiments"): intention to treat over the visitors the storefront
 * exposed. A visitor's outcome is the counted orders (not test, outlier or unverified; net of refunds, shop money)
 * whose `_chat_visitor_id` stamp names them, placed from their exposure until the experiment ended. Orders of the
 * period that name no exposed visitor cannot be tied to an arm and are counted apart. Three reads, whatever the
 * traffic: exposures per arm and day, tied orders per visitor and day, untied orders; the sums the statistics need
 * (statistics.ts ArmSums) are built from them day by day, so the cumulative chart and the totals agree by
 * construction. The Experiments page and GET /api/reports/experiments/<id> both render `loadExperimentReport`.
 */
import { Prisma, type Shop } from "@prisma/client";
import type { DbTx } from "../../db.server";
import { formatMoney, parseMoney, type Money } from "../money";
import { addDays, dayInZone, reportTimezone, type Day } from "../reports/date-range";
import { localDate, utc } from "../reports/report-sql.server";
import { CHAT_ARM_KEY, CHAT_VISITOR_KEY } from "../orders/order-payload";
import type { ExperimentWithArms } from "./experiments.server";
import {
  analyzeExperiment,
  type ArmSums,
  type ExperimentAnalysis,
  type Interval,
  type Metric,
  METRICS,
} from "./statistics";

/** At most this many points on the cumulative chart; a longer experiment is drawn at every n-th day. */
const MAX_CHART_POINTS = 60;

export interface ArmReport {
  key: string;
  name: string;
  weight: number;
  showChat: boolean;
  variant: string | null;
  visitors: number;
  converted: number;
  orders: number;
  netRevenue: string;
  /** Of that, orders the attribution rules credit to a conversation (led or assisted). */
  attributedRevenue: string;
  revenuePerVisitor: string | null;
  conversionRate: number | null;
  averageOrderValue: string | null;
  share: number | null;
  expectedShare: number;
  /** Orders stamped with this arm whose visitor the app never saw exposed (or ordered before the exposure). */
  untiedOrders: number;
}

export interface LiftReport {
  metric: Metric;
  /** Relative lift (treatment ÷ control − 1) and its intervals, as fractions. */
  relative: { estimate: number | null; interval: Interval | null; alwaysValid: Interval | null };
  /** Absolute lift in the metric's unit: money (and its intervals) as decimal strings, conversion as a fraction. */
  absolute: {
    estimate: string | number | null;
    interval: Interval | readonly [string, string] | null;
    alwaysValid: Interval | readonly [string, string] | null;
  };
}

export interface ComparisonReport {
  arm: string;
  verdict: "better" | "worse" | "inconclusive" | "not-proof";
  lifts: LiftReport[];
  /**
   * What the arm added over the control among its own visitors: absolute lift in revenue per visitor × its
   * visitors, with the relative lift's always-valid interval scaled to money (so it agrees with the verdict).
   */
  incrementalRevenue: { estimate: string | null; alwaysValid: [string, string] | null };
}

export interface ChartPoint {
  day: Day;
  /** Per treatment arm, the relative lift of the primary metric and its always-valid interval at the end of the day. */
  arms: { arm: string; estimate: number | null; alwaysValid: Interval | null }[];
}

export interface ExperimentReport {
  shop: string;
  currency: string;
  timezone: string;
  experiment: {
    id: string;
    name: string;
    status: "DRAFT" | "RUNNING" | "ENDED";
    primaryMetric: Metric;
    startedAt: string | null;
    plannedEndAt: string | null;
    endedAt: string | null;
    /** Where the period the figures cover ends: the end, or now while it runs. */
    measuredUntil: string | null;
  };
  control: string;
  arms: ArmReport[];
  comparisons: ComparisonReport[];
  sampleRatio: ExperimentAnalysis["sampleRatio"];
  /** Counted orders of the period with no `_chat_visitor_id` stamp at all. */
  unstamped: { orders: number; netRevenue: string };
  chart: ChartPoint[];
}

type ReportShop = Pick<Shop, "domain" | "currency" | "timezone" | "id">;

interface VisitorDay {
  arm: string;
  visitorId: string;
  day: Day;
  orders: number;
  net: string;
  attributed: string;
}

const toNumber = (money: Money) => Number(money) / 10_000;
const moneyOf = (amount: number) => formatMoney(BigInt(Math.round(amount * 10_000)));
const moneyInterval = (interval: Interval | null) =>
  interval ? ([moneyOf(interval[0]), moneyOf(interval[1])] as const) : null;

export async function loadExperimentReport(
  db: DbTx,
  shop: ReportShop,
  experiment: ExperimentWithArms,
  now = new Date(),
): Promise<ExperimentReport> {
  const timezone = reportTimezone(shop);
  const start = experiment.startedAt;
  const end = experiment.endedAt ?? (start ? now : null);
  const arms = experiment.arms;
  const control = arms[0].key;
  const base = {
    shop: shop.domain,
    currency: shop.currency,
    timezone,
    experiment: {
      id: experiment.id,
      name: experiment.name,
      status: experiment.status,
      primaryMetric: (METRICS as readonly string[]).includes(experiment.primaryMetric)
        ? (experiment.primaryMetric as Metric)
        : "revenuePerVisitor",
      startedAt: start?.toISOString() ?? null,
      plannedEndAt: experiment.plannedEndAt?.toISOString() ?? null,
      endedAt: experiment.endedAt?.toISOString() ?? null,
      measuredUntil: end?.toISOString() ?? null,
    },
    control,
  };
  const emptySums = (arm: (typeof arms)[number]): ArmSums => ({
    key: arm.key,
    weight: arm.weight,
    visitors: 0,
    converted: 0,
    orders: 0,
    revenue: 0,
    revenueSquares: 0,
    ordersSquares: 0,
    revenueTimesOrders: 0,
  });
  const sums = new Map(arms.map((arm) => [arm.key, emptySums(arm)]));
  const money = new Map(arms.map((arm) => [arm.key, { net: 0n, attributed: 0n, untied: 0 }]));
  let unstamped = { orders: 0, net: 0n };
  const chart: ChartPoint[] = [];
  const primaryMetric = base.experiment.primaryMetric;

  if (start && end) {
    const stamp = (key: string) =>
      Prisma.sql`(SELECT n->>'value' FROM jsonb_array_elements(o."noteAttributes") n WHERE n->>'name' = ${key} LIMIT 1)`;
    // Counted orders of the period, with the visitor and arm their carts were stamped with.
    const periodOrders = Prisma.sql`
      SELECT o.id, o."processedAt", o."netAmount", a.classification::text AS class,
             ${stamp(CHAT_VISITOR_KEY)} AS "visitorKey", ${stamp(CHAT_ARM_KEY)} AS "armClaim"
      FROM "Order" o JOIN "Attribution" a ON a."orderId" = o.id AND a."excludedReason" IS NULL
      WHERE o."shopId" = ${shop.id}::uuid AND o."processedAt" >= ${utc(start)} AND o."processedAt" < ${utc(end)}`;
    const [exposed, tied, untied] = await Promise.all([
      db.$queryRaw<{ arm: string; day: string; visitors: number }[]>`
        SELECT arm, ${localDate(Prisma.sql`"exposedAt"`, timezone)}::text AS day, count(*)::int AS visitors
        FROM "Exposure" WHERE "experimentId" = ${experiment.id}::uuid AND "exposedAt" < ${utc(end)}
        GROUP BY 1, 2`,
      db.$queryRaw<VisitorDay[]>`
        WITH period AS (${periodOrders})
        SELECT e.arm, e."visitorId"::text AS "visitorId", ${localDate(Prisma.sql`p."processedAt"`, timezone)}::text AS day,
               count(*)::int AS orders, sum(p."netAmount")::text AS net,
               coalesce(sum(p."netAmount") FILTER (WHERE p.class IN ('LED', 'ASSISTED')), 0)::text AS attributed
        FROM period p
          JOIN "Visitor" v ON v."shopId" = ${shop.id}::uuid AND v."visitorKey" = p."visitorKey"
          JOIN "Exposure" e ON e."experimentId" = ${experiment.id}::uuid AND e."visitorId" = v.id
        WHERE p."processedAt" >= e."exposedAt"
        GROUP BY 1, 2, 3`,
      db.$queryRaw<{ armClaim: string | null; stamped: boolean; orders: number; net: string }[]>`
        WITH period AS (${periodOrders})
        SELECT p."armClaim", p."visitorKey" IS NOT NULL AS stamped, count(*)::int AS orders,
               coalesce(sum(p."netAmount"), 0)::text AS net
        FROM period p
        WHERE NOT EXISTS (
          SELECT 1 FROM "Visitor" v JOIN "Exposure" e ON e."visitorId" = v.id AND e."experimentId" = ${experiment.id}::uuid
          WHERE v."shopId" = ${shop.id}::uuid AND v."visitorKey" = p."visitorKey" AND p."processedAt" >= e."exposedAt")
        GROUP BY 1, 2`,
    ]);

    for (const row of untied) {
      if (!row.stamped)
        unstamped = { orders: unstamped.orders + row.orders, net: unstamped.net + (parseMoney(row.net) ?? 0n) };
      const entry = row.armClaim ? money.get(row.armClaim) : undefined;
      if (entry) entry.untied += row.orders;
    }

    // Day by day: exposures add visitors, a visitor's orders of the day move their sums from the old totals to the new.
    const exposuresOn = new Map<Day, { arm: string; visitors: number }[]>();
    for (const row of exposed) exposuresOn.set(row.day, [...(exposuresOn.get(row.day) ?? []), row]);
    const ordersOn = new Map<Day, VisitorDay[]>();
    for (const row of tied) ordersOn.set(row.day, [...(ordersOn.get(row.day) ?? []), row]);
    const perVisitor = new Map<string, { orders: number; revenue: number }>();
    const firstDay = dayInZone(start, timezone);
    const lastDay = dayInZone(new Date(end.getTime() - 1), timezone);
    const days: Day[] = [];
    for (let day = firstDay; day <= lastDay; day = addDays(day, 1)) days.push(day);
    const every = Math.max(1, Math.ceil(days.length / MAX_CHART_POINTS));
    days.forEach((day, index) => {
      for (const row of exposuresOn.get(day) ?? []) {
        const arm = sums.get(row.arm);
        if (arm) arm.visitors += row.visitors;
      }
      for (const row of ordersOn.get(day) ?? []) {
        const arm = sums.get(row.arm);
        const totals = money.get(row.arm);
        if (!arm || !totals) continue;
        const before = perVisitor.get(row.visitorId) ?? { orders: 0, revenue: 0 };
        const net = parseMoney(row.net) ?? 0n;
        const after = { orders: before.orders + row.orders, revenue: before.revenue + toNumber(net) };
        if (before.orders === 0) arm.converted++;
        arm.orders += row.orders;
        arm.revenue += after.revenue - before.revenue;
        arm.revenueSquares += after.revenue ** 2 - before.revenue ** 2;
        arm.ordersSquares += after.orders ** 2 - before.orders ** 2;
        arm.revenueTimesOrders += after.revenue * after.orders - before.revenue * before.orders;
        perVisitor.set(row.visitorId, after);
        totals.net += net;
        totals.attributed += parseMoney(row.attributed) ?? 0n;
      }
      if ((days.length - 1 - index) % every === 0) {
        const analysis = analyzeExperiment({ arms: [...sums.values()], control, primaryMetric });
        chart.push({
          day,
          arms: analysis.comparisons.map((comparison) => {
            const lift = comparison.lifts.find((candidate) => candidate.metric === primaryMetric)!;
            return { arm: comparison.arm, estimate: lift.relative.estimate, alwaysValid: lift.relative.alwaysValid };
          }),
        });
      }
    });
  }

  const analysis = analyzeExperiment({ arms: [...sums.values()], control, primaryMetric });
  const moneyLift = (metric: Metric) => metric !== "conversionRate";
  return {
    ...base,
    arms: arms.map((arm, index): ArmReport => {
      const figures = analysis.arms[index];
      const totals = money.get(arm.key)!;
      return {
        key: arm.key,
        name: arm.name,
        weight: arm.weight,
        showChat: arm.showChat,
        variant: arm.variant,
        visitors: figures.visitors,
        converted: figures.converted,
        orders: figures.orders,
        netRevenue: formatMoney(totals.net),
        attributedRevenue: formatMoney(totals.attributed),
        revenuePerVisitor: figures.visitors > 0 ? formatMoney(totals.net / BigInt(figures.visitors)) : null,
        conversionRate: figures.conversionRate,
        averageOrderValue: figures.orders > 0 ? formatMoney(totals.net / BigInt(figures.orders)) : null,
        share: figures.share,
        expectedShare: figures.expectedShare,
        untiedOrders: totals.untied,
      };
    }),
    comparisons: analysis.comparisons.map((comparison): ComparisonReport => {
      const visitors = sums.get(comparison.arm)!.visitors;
      const lift = comparison.lifts.find((candidate) => candidate.metric === "revenuePerVisitor")!;
      const perVisitor = lift.absolute;
      // Scaled from the relative lift's interval (× the control's revenue per visitor × the arm's visitors), so the
      // money range agrees with the verdict, which rests on the relative lift.
      const controlPerVisitor = lift.control ?? 0;
      const alwaysValid = lift.relative.alwaysValid;
      return {
        arm: comparison.arm,
        verdict: comparison.verdict,
        lifts: comparison.lifts.map((lift) => ({
          metric: lift.metric,
          relative: lift.relative,
          absolute: moneyLift(lift.metric)
            ? {
                estimate: lift.absolute.estimate === null ? null : moneyOf(lift.absolute.estimate),
                interval: moneyInterval(lift.absolute.interval),
                alwaysValid: moneyInterval(lift.absolute.alwaysValid),
              }
            : lift.absolute,
        })),
        incrementalRevenue: {
          estimate: perVisitor.estimate === null ? null : moneyOf(perVisitor.estimate * visitors),
          alwaysValid: alwaysValid
            ? [
                moneyOf(alwaysValid[0] * controlPerVisitor * visitors),
                moneyOf(alwaysValid[1] * controlPerVisitor * visitors),
              ]
            : null,
        },
      };
    }),
    sampleRatio: analysis.sampleRatio,
    unstamped: { orders: unstamped.orders, netRevenue: formatMoney(unstamped.net) },
    chart,
  };
}
