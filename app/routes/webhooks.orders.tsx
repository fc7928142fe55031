import type { ActionFunctionArgs } from "@remix-run/node";
import { sqlTransaction } from "../db.server";
import {
  ORDER_WEBHOOK_TOPICS,
  handleReadOrderWebhooks,
  readOrderDelivery,
  type ReadOrderDelivery,
} from "../domain/orders/order-webhook.server";
import { processDeliveriesInSql, type DeliveryMeta, type DeliveryResult } from "../domain/webhook-deliveries.server";
import { groupCommit } from "../lib/group-commit";
import { postOnlyLoader } from "../lib/method-not-allowed";
import { assertTopic, verifiedWebhook, type VerifiedWebhook } from "../shopify/verified-webhook.server";

export const loader = postOnlyLoader;

// A busy shop's order webhooks come in bursts (a sale, a bulk edit): deliveries arriving together are stored
// in one transaction; each is still answered only once its batch committed.
const storeOrderDeliveries = groupCommit<DeliveryMeta & ReadOrderDelivery, DeliveryResult>((deliveries) =>
  processDeliveriesInSql(sqlTransaction, deliveries, handleReadOrderWebhooks),
);

// orders/paid, orders/updated, orders/cancelled, refunds/create. verifiedWebhook checks the HMAC
// over the raw body before anything parses it (401 bad HMAC, 400 missing headers, 405 not POST).
export const action = async ({ request }: ActionFunctionArgs) => {
  // No variable holds the parsed body while the delivery waits for its batch (see readOrderDelivery).
  const webhook = await verifiedWebhook(request);
  assertTopic(webhook, ORDER_WEBHOOK_TOPICS);
  await storeOrderDeliveries(readOrderDelivery(asDelivery(webhook)));
  return new Response(null, { status: 200 });
};

const asDelivery = ({ shop, ...webhook }: VerifiedWebhook) => ({ ...webhook, shopDomain: shop });
