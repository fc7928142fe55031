/**
 * Shopify's queue deliveries — Google Pub/Sub and Amazon EventBridge (docs/decisions/020-webhooks-through-a-queue.md)
 * — fed to the same ingest as the HTTP webhook route. A subscriber (a pull subscription, an SQS poller) turns each
 * message into a QueuedDelivery and awaits `consumeQueuedWebhook`: resolved, it acknowledges the message; thrown (a
 * Response with the HTTP route's status), it does not, and the queue redelivers it or moves it to its dead letters.
 */
import { receiveOrderWebhook } from "../domain/orders/receive-order-webhook.server";
import type { DeliveryResult } from "../domain/webhook-deliveries.server";
import { type QueuedDelivery, verifiedQueuedWebhook } from "./verified-webhook.server";

/** A Pub/Sub message: the webhook's body as its data, its headers as its attributes. */
export function pubSubDelivery(message: { attributes: Record<string, string>; data: Buffer | string }): QueuedDelivery {
  const body = typeof message.data === "string" ? Buffer.from(message.data, "base64") : message.data;
  return { headers: message.attributes, body };
}

/**
 * An EventBridge event: the headers in `detail.metadata`, the body in `detail.payload` as parsed JSON (the bytes
 * Shopify sent are not kept, so this body is its re-serialisation).
 */
export function eventBridgeDelivery(event: {
  detail: { metadata: Record<string, string>; payload: unknown };
}): QueuedDelivery {
  return { headers: event.detail.metadata, body: Buffer.from(JSON.stringify(event.detail.payload)) };
}

/** Verifies and stores one queued order delivery, as POST /webhooks/orders would; throws to leave it unacknowledged. */
export async function consumeQueuedWebhook(delivery: QueuedDelivery, secret?: string): Promise<DeliveryResult> {
  return receiveOrderWebhook(verifiedQueuedWebhook(delivery, secret));
}
