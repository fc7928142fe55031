import type { LoaderFunctionArgs } from "@remix-run/node";
import { prisma } from "../db.server";
import { findOrderAttribution } from "../domain/reports/orders-report.server";
import { authenticatedShop } from "../http/admin-shop.server";
import { jsonResponse } from "../http/json";
import { getOnlyAction } from "../http/method-not-allowed";

// GET /api/orders/<Shopify order id>/attribution: the stored classification and its evidence.
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const shop = await authenticatedShop(request);
  const orderId = params.orderId ?? "";
  if (!/^\d{1,20}$/.test(orderId))
    return jsonResponse({ error: "order id must be the numeric Shopify order id" }, { status: 400 });
  const detail = await findOrderAttribution(prisma, shop, orderId);
  if (!detail) return jsonResponse({ error: `no order ${orderId} in this shop` }, { status: 404 });
  return jsonResponse(detail, { headers: { "Cache-Control": "no-store" } });
};

export const action = getOnlyAction;
