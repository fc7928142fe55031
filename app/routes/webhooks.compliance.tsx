import type { ActionFunctionArgs } from "@remix-run/node";
import { prisma } from "../db.server";
import { assembleCustomerDataRequest, redactCustomer } from "../domain/privacy/customer-privacy.server";
import { redactShop } from "../domain/shops.server";
import { processDeliveryOnce, type DeliveryOutcome } from "../domain/webhook-deliveries.server";
import { postOnlyLoader } from "../lib/method-not-allowed";
import { assertPayloadShop, verifiedWebhook } from "../shopify/verified-webhook.server";

export const loader = postOnlyLoader;

// Mandatory compliance topics. Shopify requires 401 for a bad HMAC, which verifiedWebhook gives.
export const action = async ({ request }: ActionFunctionArgs) => {
  const webhook = await verifiedWebhook(request);
  assertPayloadShop(webhook);
  const { topic, shop, payload, webhookId, eventId, triggeredAt } = webhook;
  await processDeliveryOnce(
    prisma,
    { webhookId, shopDomain: shop, topic, eventId, triggeredAt },
    async (tx): Promise<DeliveryOutcome> => {
      switch (topic) {
        case "SHOP_REDACT":
          return redactShop(tx, shop);
        case "CUSTOMERS_REDACT":
          return redactCustomer(tx, shop, payload);
        case "CUSTOMERS_DATA_REQUEST":
          return assembleCustomerDataRequest(tx, shop, payload);
        default:
          return { status: "PROCESSED" };
      }
    },
  );
  return new Response(null, { status: 200 });
};
