import type { ActionFunctionArgs } from "@remix-run/node";
import { prisma } from "../db.server";
import { assembleCustomerDataRequest, redactCustomer } from "../domain/privacy/customer-privacy.server";
import { redactShop } from "../domain/shops.server";
import { processDeliveryOnce, type DeliveryOutcome } from "../domain/webhook-deliveries.server";
import { postOnlyLoader } from "../http/method-not-allowed";
import { assertPayloadShop, assertTopic, COMPLIANCE_TOPICS, verifiedWebhook } from "../shopify/verified-webhook.server";

export const loader = postOnlyLoader;

// Mandatory compliance topics. Shopify requires 401 for a bad HMAC, which verifiedWebhook gives.
export const action = async ({ request }: ActionFunctionArgs) => {
  const webhook = await verifiedWebhook(request);
  assertTopic(webhook, COMPLIANCE_TOPICS);
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
        default: // CUSTOMERS_DATA_REQUEST (assertTopic took no other)
          return assembleCustomerDataRequest(tx, shop, payload);
      }
    },
  );
  return new Response(null, { status: 200 });
};
