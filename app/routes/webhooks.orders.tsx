import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveOrderWebhook } from "../domain/orders/receive-order-webhook.server";
import { postOnlyLoader } from "../http/method-not-allowed";
import { verifiedWebhook } from "../shopify/verified-webhook.server";

export const loader = postOnlyLoader;

// orders/paid, orders/updated, orders/cancelled, refunds/create. verifiedWebhook checks the HMAC over the raw body
// before anything parses it (401 bad HMAC, 400 missing headers, 405 not POST); a queue's deliveries take the same
// path from app/shopify/queued-webhooks.server.ts.
export const action = async ({ request }: ActionFunctionArgs) => {
  await receiveOrderWebhook(await verifiedWebhook(request));
  return new Response(null, { status: 200 });
};
