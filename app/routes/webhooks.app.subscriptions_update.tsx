import type { ActionFunctionArgs } from "@remix-run/node";
import { prisma } from "../db.server";
import { subscriptionUpdateOf } from "../domain/billing/plans";
import { queuePlanRefresh, recordSubscriptionUpdate } from "../domain/billing/subscription.server";
import { findShop } from "../domain/shops.server";
import { processDeliveryOnce } from "../domain/webhook-deliveries.server";
import { postOnlyLoader } from "../http/method-not-allowed";
import { assertTopic, verifiedWebhook } from "../shopify/verified-webhook.server";

export const loader = postOnlyLoader;

const SUBSCRIPTION_TOPICS = new Set(["APP_SUBSCRIPTIONS_UPDATE"]);

// app_subscriptions/update: the merchant chose, changed or cancelled a plan on Shopify's plan page, a trial ended, or
// a payment failed. Recorded once per delivery; the shop's record is then asked again from the Admin API.
export const action = async ({ request }: ActionFunctionArgs) => {
  const webhook = await verifiedWebhook(request);
  assertTopic(webhook, SUBSCRIPTION_TOPICS);
  const { topic, shop, webhookId, eventId, triggeredAt } = webhook;
  const parsed = subscriptionUpdateOf(webhook.payload);
  const result = await processDeliveryOnce(
    prisma,
    { webhookId, shopDomain: shop, topic, eventId, triggeredAt },
    async (tx) => {
      if (!parsed.ok) return { status: "REJECTED", reason: parsed.reason };
      const known = await findShop(tx, shop);
      if (!known) return { status: "REJECTED", reason: "no such shop" };
      await recordSubscriptionUpdate(tx, known.id, parsed.update);
      return { status: "PROCESSED" };
    },
  );
  if (result.status === "PROCESSED") await queuePlanRefresh(shop);
  return new Response(null, { status: 200 });
};
