import { ORDER_FILTERS, type OrderFilter } from "../domain/reports/order-row";
import { jsonResponse } from "./json";

/** The Orders page's class filter from the URL (`filter=led|assisted|…`, default all); 400 for anything else. */
export function orderFilterOf(request: Request): OrderFilter {
  const value = new URL(request.url).searchParams.get("filter") ?? "all";
  if (!(ORDER_FILTERS as readonly string[]).includes(value)) {
    throw jsonResponse(
      {
        error: "invalid report query",
        errors: [{ field: "filter", message: `must be one of ${ORDER_FILTERS.join(", ")}` }],
      },
      { status: 400 },
    );
  }
  return value as OrderFilter;
}
