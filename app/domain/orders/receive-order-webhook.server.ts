/**
 * One order webhook, verified: what the HTTP route (/webhooks/orders) and a queue consumer (Pub/Sub, EventBridge;
 * app/shopify/queued-webhooks.server.ts) both do with it. Deliveries arriving together — a sale, a bulk edit — are
 * stored in one transaction; each caller is answered only once its delivery's batch committed.
 */
import { sqlTransaction } from "../../db.server";
import { groupCommit } from "../../lib/group-commit";
import { assertTopic, type VerifiedWebhook } from "../../shopify/verified-webhook.server";
import { processDeliveryBatch, type DeliveryMeta, type DeliveryResult } from "../webhook-deliveries.server";
import {
  ORDER_WEBHOOK_TOPICS,
  handleParsedOrderWebhooks,
  parseOrderDelivery,
  type ParsedOrderDelivery,
} from "./order-webhook.server";

const storeOrderDeliveries = groupCommit<DeliveryMeta & ParsedOrderDelivery, DeliveryResult>((deliveries) =>
  processDeliveryBatch(sqlTransaction, deliveries, handleParsedOrderWebhooks),
);

/**
 * orders/paid, orders/updated, orders/cancelled, refunds/create: refused (400) for any other topic. Resolves once
 * stored (a delivery id seen before is recorded once, whichever way it came); throws if it could not be.
 */
export async function receiveOrderWebhook({ shop, ...webhook }: VerifiedWebhook): Promise<DeliveryResult> {
  assertTopic(webhook, ORDER_WEBHOOK_TOPICS);
  // No variable holds the parsed body while the delivery waits for its batch (see parseOrderDelivery).
  return storeOrderDeliveries(parseOrderDelivery({ ...webhook, shopDomain: shop }));
}
