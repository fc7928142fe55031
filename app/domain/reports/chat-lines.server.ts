/**
 * Chat-influenced line revenue (attribution-spec.md, "Chat-influenced line revenue"): the lines of a counted led or
 * assisted order whose product the credited conversation recommended in an answer or added to the cart before the
 * order, at their share of the order's net revenue. One definition in SQL, used by the product roll-up (Insights)
 * and per order (the Orders page and its CSV), so both read the same.
 *
 * The fragments read `o` (the order, with "processedAt", "createdAt", "grossAmount", "netAmount"), `li` (its line
 * item) and `a` (its attribution).
 */
import { Prisma } from "@prisma/client";
import type { DbTx } from "../../db.server";
import { formatDecimal } from "../money";
import { countedAttributed } from "./report-sql.server";

/** Evidence that was there when the order came: at or before its time, and received before the app heard of it. */
const beforeOrder = (alias: string) =>
  Prisma.raw(
    `${alias}."occurredAt" <= o."processedAt" AND (${alias}."receivedAt" IS NULL OR ${alias}."receivedAt" <= o."createdAt")`,
  );

export const chatInfluencedLine = Prisma.sql`(li."productId" IS NOT NULL AND a."conversationId" IS NOT NULL AND (
  EXISTS (SELECT 1 FROM "Touchpoint" t WHERE t."conversationId" = a."conversationId" AND t.kind = 'ASSISTANT_ANSWER'
          AND li."productId" = ANY (t."productIds") AND ${beforeOrder("t")})
  OR EXISTS (SELECT 1 FROM "CartEvent" ce WHERE ce."conversationId" = a."conversationId"
          AND ce.type IN ('ITEM_ADDED', 'QUANTITY_INCREASED') AND ce."productId" = li."productId" AND ${beforeOrder("ce")})))`;

/** A line's share of its order's net revenue: refunds and cancellation taken off in proportion to its amount. */
export const lineNetShare = Prisma.sql`coalesce(round(li.amount * o."netAmount" / nullif(o."grossAmount", 0), 4), 0)`;

/**
 * The chat-influenced line revenue of each of the given orders that is counted and attributed (others are absent
 * from the map), by order id.
 */
export async function chatLineRevenueByOrder(
  db: DbTx,
  shopId: string,
  orderIds: string[],
): Promise<Map<string, string>> {
  if (orderIds.length === 0) return new Map();
  const rows = await db.$queryRaw<{ id: string; net: string }[]>`
    SELECT o.id::text AS id, coalesce(sum(${lineNetShare}) FILTER (WHERE ${chatInfluencedLine}), 0)::text AS net
    FROM "Order" o
      JOIN "Attribution" a ON a."orderId" = o.id AND ${countedAttributed}
      LEFT JOIN "OrderLineItem" li ON li."orderId" = o.id
    WHERE o."shopId" = ${shopId}::uuid AND o.id = ANY (${orderIds}::uuid[])
    GROUP BY o.id`;
  return new Map(rows.map((row) => [row.id, formatDecimal(row.net)]));
}
