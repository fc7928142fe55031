import type { LoaderFunctionArgs } from "@remix-run/node";
import { prisma } from "../db.server";
import { loadVariantsReport } from "../domain/reports/variants-report.server";
import { authenticatedShop, reportQueryOf } from "../http/admin-shop.server";
import { jsonResponse } from "../http/json";
import { getOnlyAction } from "../http/method-not-allowed";

// GET /api/reports/variants?from=YYYY-MM-DD&to=YYYY-MM-DD[&surface=…]: revenue by chat variant, as Insights shows it.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const report = await loadVariantsReport(prisma, shop, reportQueryOf(request, shop));
  return jsonResponse(report, { headers: { "Cache-Control": "no-store" } });
};

export const action = getOnlyAction;
