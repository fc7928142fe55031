/**
 * The Insights summary (the function the page and /api/reports/summary render) for the last 30 days, timed in
 * the server process on PostgreSQL for shops of growing size. Baseline: the simplest query over the same rows
 * (count and sum of the period's orders).
 */
import { Prisma } from "@prisma/client";
import { loadSummaryReport } from "../../app/domain/reports/summary-report.server";
import { parseReportQuery } from "../../app/domain/reports/report-query";
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
  for (const orders of scales) {
    const database = await freshDatabase(cluster, `report_${orders}`);
    try {
      log(`generating a shop with ${orders.toLocaleString("en-US")} orders:`);
      const started = performance.now();
      const shopId = await generateShopHistory(database.sql, "scale.myshopify.com", { orders, ...DEFAULT_SHAPE }, log);
      log(`  generated in ${((performance.now() - started) / 1000).toFixed(0)} s`);
      const shop = await database.prisma.shop.findUniqueOrThrow({ where: { id: shopId } });
      const parsed = parseReportQuery(new URLSearchParams("preset=30d"), { now: new Date(), timezone: shop.timezone });
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
      const { range } = parsed.query;
      let counted = 0;
      const summaryMs = () =>
        medianMs(5, async () => {
          const summary = await loadSummaryReport(database.prisma, shop, parsed.query);
          counted = summary.totals.attributed.orders + summary.totals.unattributed.orders;
        });
      const baseline = await medianMs(
        5,
        () =>
          database.prisma.$queryRaw`SELECT count(*)::int AS orders, sum("netAmount")::text AS net FROM "Order" o
          WHERE o."shopId" = ${shop.id}::uuid AND ${inRange(Prisma.sql`o."processedAt"`, range)}`,
      );
      // Every day marked: the report computes all of it from the base tables, as it did before roll-ups.
      await invalidateReportRollups(database.prisma, shop.id);
      const live = await summaryMs();
      const building = performance.now();
      const days = await refreshReportRollups(database.prisma, shop.id);
      log(`  roll-ups for ${days} days built in ${((performance.now() - building) / 1000).toFixed(1)} s`);
      const rolledUp = await summaryMs();
      // A shop taking orders always has today's changes pending until the next refresh: today is computed live.
      await database.sql.query(
        `
        WITH o AS (
          INSERT INTO "Order" (id, "shopId", "shopifyOrderId", "processedAt", currency, "grossAmount", "netAmount", verified, source, "updatedAt")
          VALUES (gen_random_uuid(), $1, 'bench-today', now() AT TIME ZONE 'UTC', 'USD', 10, 10, true, 'WEBHOOK', now()) RETURNING id)
        INSERT INTO "Attribution" (id, "shopId", "orderId", classification, evidence, "settingsVersion") SELECT gen_random_uuid(), $1, o.id, 'UNATTRIBUTED', '{}', 1 FROM o`,
        [shop.id],
      );
      const todayLive = await summaryMs();
      log(
        `  summary over ${counted.toLocaleString("en-US")} counted orders in 30 days: live ${live.toFixed(0)} ms, roll-ups ${rolledUp.toFixed(0)} ms, roll-ups + today live ${todayLive.toFixed(0)} ms (baseline ${baseline.toFixed(1)} ms)`,
      );
      const scale = `${orders.toLocaleString("en-US")} orders, ${(orders * DEFAULT_SHAPE.touchpointsPerOrder).toLocaleString("en-US")} touchpoints, ${(orders * DEFAULT_SHAPE.cartEventsPerOrder).toLocaleString("en-US")} cart events (${counted.toLocaleString("en-US")} orders in range)`;
      const row = (how: string, value: number, target?: BenchRow["target"]): BenchRow => ({
        section: "Insights summary, 30 days (PostgreSQL)",
        measure: `${scale}, ${how}, median of 5`,
        value,
        unit: "ms",
        baseline: { name: "count + sum of the range's orders", value: baseline },
        ratio: value / baseline,
        target,
      });
      rows.push(
        row("every day computed live (no roll-ups)", live),
        row("clean days from roll-ups", rolledUp),
        // The target applies to the state a busy shop is in: today changed since the last refresh.
        row(
          "clean days from roll-ups, today live",
          todayLive,
          orders >= 1_000_000 ? { text: "< 300 ms at 1 M orders", met: todayLive < 300 } : undefined,
        ),
      );
    } finally {
      await database.close();
    }
  }
  return rows;
}
