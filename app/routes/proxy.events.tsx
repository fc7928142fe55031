import type { ActionFunctionArgs } from "@remix-run/node";
import { sqlTransaction } from "../db.server";
import { MAX_BODY_BYTES, parseEventBatch } from "../domain/events/event-schema";
import {
  CARTS_RETRY_AFTER_SECONDS,
  recordEventBatchesByShop,
  storefrontBatchRecorder,
  type ShopEventBatch,
} from "../domain/events/record-events.server";
import { groupCommit } from "../lib/group-commit";
import { jsonResponse, readJsonBody } from "../http/json";
import { VISITOR_LIMIT } from "../http/rate-limits";
import { SharedRateLimit } from "../http/shared-rate-limit.server";
import { postOnlyLoader } from "../http/method-not-allowed";
import { verifyAppProxyRequest } from "../shopify/app-proxy.server";
import { storefrontFor } from "../shopify/storefront.server";

export const loader = postOnlyLoader;

// Bounds a runaway script per visitor, across instances.
const perVisitor = new SharedRateLimit(VISITOR_LIMIT);

// Every open storefront flushes its own small batch every few seconds: batches that arrive together are stored in
// one transaction per shop; each request is still answered only once its batch committed.
const storeEventBatch = groupCommit((batches: ShopEventBatch[]) => recordEventBatchesByShop(sqlTransaction, batches));
const storeStorefrontBatch = storefrontBatchRecorder(storefrontFor, storeEventBatch);

// POST https://<shop>/apps/chat-attribution/events, forwarded and signed by Shopify's App Proxy.
export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop: shopDomain, loggedInCustomerId } = await verifyAppProxyRequest(request);
  const body = await readJsonBody(request, MAX_BODY_BYTES);
  if (!body.ok) return body.response;
  const batch = parseEventBatch(body.body, { now: new Date(), requireVisitorId: true, allowRawEmail: false });
  if (!batch.ok) return jsonResponse({ errors: batch.errors }, { status: 400 });

  const decision = await perVisitor.take(`${shopDomain}:${batch.events[0].visitorId}`);
  if (!decision.allowed) {
    return jsonResponse(
      { error: "too many requests from this visitor" },
      { status: 429, headers: { "Retry-After": String(decision.retryAfterSeconds) } },
    );
  }
  // The shop is the signed one; a storefront can only post events for the shop it is on. Its cart adds are held
  // to the carts they name, as Shopify's Storefront API has them; when Shopify cannot say, the batch waits.
  const summary = await storeStorefrontBatch(shopDomain, batch.events, loggedInCustomerId);
  if (!summary.ok)
    return jsonResponse(
      { error: "Shopify's cart could not be read; nothing was stored, send the batch again later" },
      { status: 503, headers: { "Retry-After": String(CARTS_RETRY_AFTER_SECONDS) } },
    );
  const { accepted, duplicates, rejected } = summary.summary;
  return jsonResponse({ accepted, duplicates, rejected });
};
