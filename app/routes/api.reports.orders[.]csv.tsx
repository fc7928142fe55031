import type { LoaderFunctionArgs } from "@remix-run/node";
import { prisma } from "../db.server";
import { csvStream } from "../domain/reports/csv";
import { ORDER_COLUMNS, orderColumns } from "../domain/reports/order-labels";
import { allOrders } from "../domain/reports/orders-report.server";
import { authenticatedShop, reportQueryOf } from "../http/admin-shop.server";
import { getOnlyAction } from "../http/method-not-allowed";
import { apiRefusal, exportRefused } from "../http/plan-gate.server";
import { orderFilterOf } from "../http/order-filter";

// GET /api/reports/orders.csv?from&to[&surface][&filter]: the Orders page's rows and columns, every page.
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const refused = await exportRefused(shop);
  if (refused) return apiRefusal(refused);
  const query = reportQueryOf(request, shop);
  const filter = orderFilterOf(request);
  async function* rows() {
    for await (const row of allOrders(prisma, shop, query, filter)) yield orderColumns(row, shop.timezone);
  }
  const filename = `chat-orders-${query.range.from}-to-${query.range.to}.csv`;
  return new Response(csvStream(ORDER_COLUMNS, rows()), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${filename}"`,
      "Cache-Control": "no-store",
    },
  });
};

export const action = getOnlyAction;
