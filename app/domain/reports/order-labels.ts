/**
 * How an order row reads, on the Orders page and in its CSV alike (shared by server and browser code).
 */
import type { Classification, ExclusionReason, MatchedBy, Surface } from "../attribution/engine";
import { en } from "../../i18n/en";
import type { OrderRow, OrderStatus } from "./order-row";

export const ORDER_COLUMNS = [
  "Order",
  "Order id",
  "Date",
  "Class",
  "Source",
  "Matched by",
  "Net",
  "Gross",
  "Chat lines (net)",
  "Currency",
  "Excluded",
  "Status",
] as const;

/** The row as the Orders page and the CSV show it: the date in the shop's zone, labels in words. */
export function orderColumns(row: OrderRow, timezone: string): string[] {
  return [
    row.name ?? "",
    row.orderId,
    localDateTime(row.processedAt, timezone),
    row.class ? CLASS_LABEL[row.class] : "",
    row.source ? SURFACE_LABEL[row.source] : "",
    row.matchedBy ? MATCHED_BY_LABEL[row.matchedBy] : "",
    row.netRevenue ?? "",
    row.grossRevenue ?? "",
    row.chatLineRevenue ?? "",
    row.currency,
    row.excludedReason ? EXCLUSION_LABEL[row.excludedReason] : "",
    row.status ? STATUS_LABEL[row.status] : "",
  ];
}

// The CSV's words are the admin's English ones (app/i18n/en.ts): one text per label.
const STATUS_LABEL: Record<NonNullable<OrderStatus>, string> = en.labels.status;
const CLASS_LABEL: Record<Classification, string> = en.labels.class;
const SURFACE_LABEL: Record<Surface, string> = en.labels.surface;
const MATCHED_BY_LABEL: Record<MatchedBy, string> = en.labels.matchedBy;
const EXCLUSION_LABEL: Record<ExclusionReason, string> = en.labels.exclusion;

/** "2026-11-22 13:05" in the shop's zone: the same text on the page and in the CSV, whatever the viewer's locale. */
export function localDateTime(iso: string, timezone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    })
      .formatToParts(new Date(iso))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}
