import type { LoaderFunctionArgs } from "@remix-run/node";
import { prisma } from "../db.server";
import { loadSummaryReport } from "../domain/reports/summary-report.server";
import { authenticatedShop, reportQueryOf } from "../http/admin-shop.server";
import { jsonResponse } from "../http/json";
import { getOnlyAction } from "../http/method-not-allowed";

// GET /api/reports/summary?from=YYYY-MM-DD&to=YYYY-MM-DD[&surface=…]: the numbers the Insights page shows.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const report = await loadSummaryReport(prisma, shop, reportQueryOf(request, shop));
  return jsonResponse(report, { headers: { "Cache-Control": "no-store" } });
};

export const action = getOnlyAction;
