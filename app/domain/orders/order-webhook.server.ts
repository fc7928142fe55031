import type { DbTx } from "../../db.server";
import type { DeliveryOutcome } from "../webhook-deliveries.server";
import { ingestRefund, ingestVerifiedOrder } from "./ingest-order.server";
import { parseOrderPayload } from "./order-payload";

export const ORDER_TOPICS = new Set(["ORDERS_PAID", "ORDERS_UPDATED", "ORDERS_CANCELLED"]);

/**
 * One verified delivery of an order topic. A body that is JSON but not an order is acknowledged (so Shopify
 * stops retrying) and recorded as rejected with the reason; nothing of it is stored.
 */
export async function handleOrderWebhook(db: DbTx, shopDomain: string, topic: string, payload: unknown): Promise<DeliveryOutcome> {
  if (topic === "REFUNDS_CREATE") return ingestRefund(db, shopDomain, payload);
  if (!ORDER_TOPICS.has(topic)) return { status: "PROCESSED" };
  const parsed = parseOrderPayload(payload);
  if (!parsed.ok) return { status: "REJECTED", reason: parsed.reason };
  await ingestVerifiedOrder(db, shopDomain, parsed.order);
  return { status: "PROCESSED" };
}
