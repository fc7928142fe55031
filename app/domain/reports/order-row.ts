/** One order as the Orders report lists it, and the filters it can be listed by (server and browser code alike). */
import type { Classification, ExclusionReason, MatchedBy, Surface } from "../attribution/engine";

export const ORDER_FILTERS = ["all", "led", "assisted", "unattributed", "excluded"] as const;
export type OrderFilter = (typeof ORDER_FILTERS)[number];

export interface OrderRow {
  orderId: string;
  name: string | null;
  processedAt: string;
  class: Classification | null;
  source: Surface | null;
  matchedBy: MatchedBy | null;
  netRevenue: string | null;
  grossRevenue: string | null;
  /** Net revenue of the lines the chat recommended or added; null for an order that is not counted as attributed. */
  chatLineRevenue: string | null;
  currency: string;
  excludedReason: ExclusionReason | null;
  conversationId: string | null;
  /** Cancelled, or refunded in whole or in part (net below gross); null for an order that stands as placed. */
  status: OrderStatus;
}

export type OrderStatus = "CANCELLED" | "REFUNDED" | "PARTLY_REFUNDED" | null;
