import type { Sql } from "../../db.server";
import type { DeliveryOutcome } from "../webhook-deliveries.server";
import { ingestRefund, ingestVerifiedOrders, notInstalled, type OrderVersion } from "./ingest-order.server";
import { parseOrderPayload, type ParseResult } from "./order-payload";

export const ORDER_TOPICS = new Set(["ORDERS_PAID", "ORDERS_UPDATED", "ORDERS_CANCELLED"]);
/** What /webhooks/orders takes (shopify.app.toml subscribes it to these). */
export const ORDER_WEBHOOK_TOPICS: ReadonlySet<string> = new Set([...ORDER_TOPICS, "REFUNDS_CREATE"]);

/** One verified delivery of an order or refund topic. */
export interface OrderDelivery {
  shopDomain: string;
  topic: string;
  payload: unknown;
}

/**
 * A delivery with its order payload parsed (null for refunds/create, which is parsed with its shop's currency, and
 * keeps its payload for that; an order's payload is null once parsed).
 */
export interface ParsedOrderDelivery extends OrderDelivery {
  order: ParseResult | null;
}

/**
 * Reading an order payload needs no database: the route does it per request, while the batch before is being
 * written, instead of inside the batch's transaction. An order's payload is dropped once read: the delivery
 * waits for its batch, and the parsed body of a Shopify order (tens of kilobytes of objects) kept that long
 * outlives V8's young generation whenever the batches fall behind, which brings on the full collections that
 * stall every request (`--trace-gc` under `npm run bench`).
 */
export function parseOrderDelivery<D extends OrderDelivery>(delivery: D): D & ParsedOrderDelivery {
  if (!ORDER_TOPICS.has(delivery.topic)) return { ...delivery, order: null };
  return { ...delivery, payload: null, order: parseOrderPayload(delivery.payload) };
}

/** Verified deliveries of order topics, in one transaction: see handleParsedOrderWebhooks. */
export function handleOrderWebhooks(sql: Sql, deliveries: readonly OrderDelivery[]): Promise<DeliveryOutcome[]> {
  return handleParsedOrderWebhooks(sql, deliveries.map(parseOrderDelivery));
}

/**
 * Verified deliveries of order topics, in one transaction. A body that is JSON but not an order is acknowledged
 * (so Shopify stops retrying) and recorded as rejected with the reason; nothing of it is stored. Refunds go
 * first: an order stored after its refund deducts it, and a refund stored after its order recomputes the net,
 * so either way round gives the same net.
 */
export async function handleParsedOrderWebhooks(
  sql: Sql,
  deliveries: readonly ParsedOrderDelivery[],
): Promise<DeliveryOutcome[]> {
  const outcomes = new Map<ParsedOrderDelivery, DeliveryOutcome>();
  for (const delivery of deliveries.filter((d) => d.topic === "REFUNDS_CREATE")) {
    outcomes.set(delivery, await ingestRefund(sql, delivery.shopDomain, delivery.payload));
  }
  const read: { delivery: ParsedOrderDelivery; version: OrderVersion }[] = [];
  for (const delivery of deliveries) {
    const parsed = delivery.order;
    if (!parsed) continue;
    if (!parsed.ok) outcomes.set(delivery, { status: "REJECTED", reason: parsed.reason });
    else read.push({ delivery, version: { shopDomain: delivery.shopDomain, order: parsed.order } });
  }
  const ingested = await ingestVerifiedOrders(
    sql,
    read.map(({ version }) => version),
  );
  for (const [index, { delivery }] of read.entries())
    outcomes.set(
      delivery,
      ingested[index] === "NOT_INSTALLED"
        ? { status: "REJECTED", reason: notInstalled(delivery.shopDomain) }
        : { status: "PROCESSED" },
    );
  return deliveries.map((delivery) => outcomes.get(delivery) ?? { status: "PROCESSED" });
}

/** One delivery: see handleOrderWebhooks. */
export async function handleOrderWebhook(
  sql: Sql,
  shopDomain: string,
  topic: string,
  payload: unknown,
): Promise<DeliveryOutcome> {
  const [outcome] = await handleOrderWebhooks(sql, [{ shopDomain, topic, payload }]);
  return outcome;
}
