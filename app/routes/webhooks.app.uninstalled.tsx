import type { ActionFunctionArgs } from "@remix-run/node";
import { prisma } from "../db.server";
import { markShopUninstalled } from "../domain/shops.server";
import { processDeliveryOnce } from "../domain/webhook-deliveries.server";
import { postOnlyLoader } from "../http/method-not-allowed";
import { assertPayloadShop, assertTopic, verifiedWebhook } from "../shopify/verified-webhook.server";

export const loader = postOnlyLoader;

const UNINSTALL_TOPICS = new Set(["APP_UNINSTALLED"]);

export const action = async ({ request }: ActionFunctionArgs) => {
  const webhook = await verifiedWebhook(request);
  assertTopic(webhook, UNINSTALL_TOPICS);
  assertPayloadShop(webhook);
  const { topic, shop, webhookId, eventId, triggeredAt } = webhook;
  await processDeliveryOnce(prisma, { webhookId, shopDomain: shop, topic, eventId, triggeredAt }, async (tx) => {
    await markShopUninstalled(tx, shop);
    return { status: "PROCESSED" };
  });
  return new Response(null, { status: 200 });
};
