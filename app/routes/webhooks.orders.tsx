import type { ActionFunctionArgs } from "@remix-run/node";
import { sqlTransaction } from "../db.server";
import {
  ORDER_WEBHOOK_TOPICS,
  handleParsedOrderWebhooks,
  parseOrderDelivery,
  type ParsedOrderDelivery,
} from "../domain/orders/order-webhook.server";
import { processDeliveryBatch, type DeliveryMeta, type DeliveryResult } from "../domain/webhook-deliveries.server";
import { groupCommit } from "../lib/group-commit";
import { postOnlyLoader } from "../http/method-not-allowed";
import { assertTopic, verifiedWebhook, type VerifiedWebhook } from "../shopify/verified-webhook.server";

export const loader = postOnlyLoader;

// A busy shop's order webhooks come in bursts (a sale, a bulk edit): deliveries arriving together are stored
// in one transaction; each is still answered only once its batch committed.
const storeOrderDeliveries = groupCommit<DeliveryMeta & ParsedOrderDelivery, DeliveryResult>((deliveries) =>
  processDeliveryBatch(sqlTransaction, deliveries, handleParsedOrderWebhooks),
);

// orders/paid, orders/updated, orders/cancelled, refunds/create. verifiedWebhook checks the HMAC
// over the raw body before anything parses it (401 bad HMAC, 400 missing headers, 405 not POST).
export const action = async ({ request }: ActionFunctionArgs) => {
  // No variable holds the parsed body while the delivery waits for its batch (see parseOrderDelivery).
  const webhook = await verifiedWebhook(request);
  assertTopic(webhook, ORDER_WEBHOOK_TOPICS);
  await storeOrderDeliveries(parseOrderDelivery(asDelivery(webhook)));
  return new Response(null, { status: 200 });
};

const asDelivery = ({ shop, ...webhook }: VerifiedWebhook) => ({ ...webhook, shopDomain: shop });
