/**
 * The Insights summary (the function the page and /api/reports/summary render) for the last 7, 30 and 90 days and a
 * year, timed in the server process on PostgreSQL for shops of growing size, with every day live, from roll-ups, and
 * from roll-ups with today live. Baseline: the simplest query over the same rows
 * (count and sum of the period's orders).
 */
import { Prisma } from "@prisma/client";
import { loadSummaryReport } from "../../app/domain/reports/summary-report.server";
import { parseReportQuery, type ReportQuery } from "../../app/domain/reports/report-query";
import { addDays, dayInZone } from "../../app/domain/reports/date-range";
import { invalidateReportRollups, refreshReportRollups } from "../../app/domain/reports/report-rollups.server";
import { inRange } from "../../app/domain/reports/report-sql.server";
import type { PostgresCluster } from "../postgres-cluster";
import { freshDatabase, medianMs } from "./database";
import type { BenchRow } from "./results";
import { DEFAULT_SHAPE, generateShopHistory } from "./scale-data";

export async function runReportBench(
  cluster: PostgresCluster,
  scales: number[],
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const growth: { orders: number; days: number; ms: number }[] = [];
  for (const orders of scales) {
    const database = await freshDatabase(cluster, `report_${orders}`);
    try {
      log(`generating a shop with ${orders.toLocaleString("en-US")} orders:`);
      const started = performance.now();
      const shopId = await generateShopHistory(database.sql, "scale.myshopify.com", { orders, ...DEFAULT_SHAPE }, log);
      log(`  generated in ${((performance.now() - started) / 1000).toFixed(0)} s`);
      const shop = await database.prisma.shop.findUniqueOrThrow({ where: { id: shopId } });
      const queries = RANGE_DAYS.map((days) => {
        const parsed = parseReportQuery(rangeParams(days, shop.timezone), { now: new Date(), timezone: shop.timezone });
        if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
        return { days, query: parsed.query };
      });
      const counted = new Map<number, number>();
      const summaryMs = (days: number, query: ReportQuery, runs = 5) =>
        medianMs(runs, async () => {
          const summary = await loadSummaryReport(database.prisma, shop, query);
          counted.set(days, summary.totals.attributed.orders + summary.totals.unattributed.orders);
        });
      const baselines = new Map<number, number>();
      for (const { days, query } of queries)
        baselines.set(
          days,
          await medianMs(
            5,
            () =>
              database.prisma.$queryRaw`SELECT count(*)::int AS orders, sum("netAmount")::text AS net FROM "Order" o
              WHERE o."shopId" = ${shop.id}::uuid AND ${inRange(Prisma.sql`o."processedAt"`, query.range)}`,
          ),
        );
      // Every day marked: the report computes all of it from the base tables, as it did before roll-ups.
      await invalidateReportRollups(database.prisma, shop.id);
      const live = new Map<number, number>();
      for (const { days, query } of queries) live.set(days, await summaryMs(days, query, days > 30 ? 3 : 5));
      const building = performance.now();
      const builtDays = await refreshReportRollups(database.prisma, shop.id);
      log(`  roll-ups for ${builtDays} days built in ${((performance.now() - building) / 1000).toFixed(1)} s`);
      const rolledUp = new Map<number, number>();
      for (const { days, query } of queries) rolledUp.set(days, await summaryMs(days, query));
      // A shop taking orders always has today's changes pending until the next refresh: today is computed live.
      await database.sql.query(
        `
        WITH o AS (
          INSERT INTO "Order" (id, "shopId", "shopifyOrderId", "processedAt", currency, "grossAmount", "netAmount", verified, source, "updatedAt")
          VALUES (gen_random_uuid(), $1, 'bench-today', now() AT TIME ZONE 'UTC', 'USD', 10, 10, true, 'WEBHOOK', now()) RETURNING id)
        INSERT INTO "Attribution" (id, "shopId", "orderId", classification, evidence, "settingsVersion") SELECT gen_random_uuid(), $1, o.id, 'UNATTRIBUTED', '{}', 1 FROM o`,
        [shop.id],
      );
      const todayLive = new Map<number, number>();
      for (const { days, query } of queries) todayLive.set(days, await summaryMs(days, query));
      for (const { days } of queries) {
        const baseline = baselines.get(days)!;
        log(
          `  summary over ${counted.get(days)!.toLocaleString("en-US")} counted orders in ${days} days: live ${live.get(days)!.toFixed(0)} ms, roll-ups ${rolledUp.get(days)!.toFixed(0)} ms, roll-ups + today live ${todayLive.get(days)!.toFixed(0)} ms (baseline ${baseline.toFixed(1)} ms)`,
        );
        const scale = `${orders.toLocaleString("en-US")} orders, ${(orders * DEFAULT_SHAPE.touchpointsPerOrder).toLocaleString("en-US")} touchpoints, ${(orders * DEFAULT_SHAPE.cartEventsPerOrder).toLocaleString("en-US")} cart events (${counted.get(days)!.toLocaleString("en-US")} orders in range)`;
        const row = (how: string, value: number, runs: number, target?: BenchRow["target"]): BenchRow => ({
          section: `Insights summary, ${days} days (PostgreSQL)`,
          measure: `${scale}, ${how}, median of ${runs}`,
          value,
          unit: "ms",
          baseline: { name: "count + sum of the range's orders", value: baseline },
          ratio: value / baseline,
          target,
        });
        // The targets apply to the state a busy shop is in: today changed since the last refresh (issue 30).
        const atScale = orders >= 1_000_000 && (days === 30 || days === 365);
        rows.push(
          row("every day computed live (no roll-ups)", live.get(days)!, days > 30 ? 3 : 5),
          row("clean days from roll-ups", rolledUp.get(days)!, 5),
          row(
            "clean days from roll-ups, today live",
            todayLive.get(days)!,
            5,
            atScale ? { text: "< 300 ms at 1 M orders", met: todayLive.get(days)! < 300 } : undefined,
          ),
        );
        growth.push({ orders, days, ms: todayLive.get(days)! });
      }
    } finally {
      await database.close();
    }
  }
  // How the summary grows with the shop, per range (roll-ups current but today), for the eye.
  for (const days of RANGE_DAYS)
    log(
      `  growth, ${days} days: ${growth
        .filter((point) => point.days === days)
        .map((point) => `${point.orders.toLocaleString("en-US")} orders ${point.ms.toFixed(0)} ms`)
        .join(" · ")}`,
    );
  return rows;
}

/** The ranges merchants read: the presets, and a year (board reports) as an explicit range ending today. */
const RANGE_DAYS = [7, 30, 90, 365] as const;

function rangeParams(days: number, timezone: string): URLSearchParams {
  if (days !== 365) return new URLSearchParams({ preset: `${days}d` });
  const to = dayInZone(new Date(), timezone);
  return new URLSearchParams({ from: addDays(to, -(days - 1)), to });
}
