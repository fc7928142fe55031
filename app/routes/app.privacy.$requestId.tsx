import type { LoaderFunctionArgs } from "@remix-run/node";
import { prisma } from "../db.server";
import { findCustomerDataRequest } from "../domain/privacy/customer-privacy.server";
import { jsonResponse } from "../http/json";
import { authenticateAdmin } from "../http/admin-shop.server";

// The assembled customers/data_request report, only to the shop it belongs to.
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticateAdmin(request);
  const found = await findCustomerDataRequest(prisma, session.shop, params.requestId ?? "");
  if (!found) return jsonResponse({ error: "No such data request for this shop" }, { status: 404 });
  return jsonResponse(found.report, {
    headers: {
      "Content-Disposition": `attachment; filename="customer-data-request-${found.shopifyRequestId}.json"`,
      "Cache-Control": "no-store",
    },
  });
};
