import type { ActionFunctionArgs } from "@remix-run/node";
import { prisma } from "../db.server";
import { handleOrderWebhook } from "../domain/orders/order-webhook.server";
import { processDeliveryOnce } from "../domain/webhook-deliveries.server";
import { postOnlyLoader } from "../lib/method-not-allowed";
import { verifiedWebhook } from "../shopify/verified-webhook.server";

export const loader = postOnlyLoader;

// orders/paid, orders/updated, orders/cancelled, refunds/create. authenticate.webhook verifies the HMAC
// over the raw body before anything parses it (401 bad HMAC, 400 missing headers, 405 not POST).
export const action = async ({ request }: ActionFunctionArgs) => {
  const { topic, shop, payload, webhookId, eventId, triggeredAt } = await verifiedWebhook(request);
  await processDeliveryOnce(prisma, { webhookId, shopDomain: shop, topic, eventId, triggeredAt }, (tx) =>
    handleOrderWebhook(tx, shop, topic, payload),
  );
  return new Response(null, { status: 200 });
};
