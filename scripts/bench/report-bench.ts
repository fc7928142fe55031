/**
 * The Insights summary (the function the page and /api/reports/summary render) for the last 30 days, timed in
 * the server process on PostgreSQL for shops of growing size. Baseline: the simplest query over the same rows
 * (count and sum of the period's orders).
 */
import { Prisma } from "@prisma/client";
import { loadSummaryReport } from "../../app/domain/reports/summary-report.server";
import { parseReportQuery } from "../../app/domain/reports/report-query";
import { inRange } from "../../app/domain/reports/report-sql.server";
import type { PostgresCluster } from "../postgres-cluster";
import { freshDatabase, medianMs } from "./database";
import type { BenchRow } from "./results";
import { DEFAULT_SHAPE, generateShopHistory } from "./scale-data";

export async function runReportBench(cluster: PostgresCluster, scales: number[], log: (line: string) => void): Promise<BenchRow[]> {
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
      const report = await medianMs(5, async () => {
        const summary = await loadSummaryReport(database.prisma, shop, parsed.query);
        counted = summary.totals.attributed.orders + summary.totals.unattributed.orders;
      });
      const baseline = await medianMs(5, () =>
        database.prisma.$queryRaw`SELECT count(*)::int AS orders, sum("netAmount")::text AS net FROM "Order" o
          WHERE o."shopId" = ${shop.id}::uuid AND ${inRange(Prisma.sql`o."processedAt"`, range)}`,
      );
      log(`  summary over ${counted.toLocaleString("en-US")} counted orders in 30 days: ${report.toFixed(0)} ms (baseline ${baseline.toFixed(1)} ms)`);
      rows.push({
        section: "Insights summary, 30 days (PostgreSQL)",
        measure: `${orders.toLocaleString("en-US")} orders, ${(orders * DEFAULT_SHAPE.touchpointsPerOrder).toLocaleString("en-US")} touchpoints, ${(orders * DEFAULT_SHAPE.cartEventsPerOrder).toLocaleString("en-US")} cart events (${counted.toLocaleString("en-US")} orders in range), median of 5`,
        value: report,
        unit: "ms",
        baseline: { name: "count + sum of the range's orders", value: baseline },
        ratio: report / baseline,
        target: orders >= 1_000_000 ? { text: "< 300 ms at 1 M orders", met: report < 300 } : undefined,
      });
    } finally {
      await database.close();
    }
  }
  return rows;
}
