import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { prisma } from "../db.server";
import { recordPixelEvent } from "../domain/pixel/ingest-pixel.server";
import { MAX_PIXEL_BODY_BYTES, parsePixelEvent } from "../domain/pixel/pixel-event";
import { findShop } from "../domain/shops.server";
import { jsonResponse, readJsonBody } from "../http/json";
import { PIXEL_CLIENT_LIMIT, PIXEL_SHOP_LIMIT } from "../http/rate-limits";
import { SharedRateLimit } from "../http/shared-rate-limit.server";

// The pixel runs in Shopify's sandbox on the shop's checkout domain: any origin may post, and the pixel sends a
// text body (no preflight). OPTIONS is still answered for clients that do preflight.
const CORS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "POST, OPTIONS",
  "Access-Control-Allow-Headers": "Content-Type",
  "Access-Control-Max-Age": "86400",
};

// A client replaying events in a loop, and all clients of a shop together (client ids are the sender's claim). A hit
// refused loses only its early link: the order still comes with its webhook, the chat session with the cart stamp.
const perClient = new SharedRateLimit(PIXEL_CLIENT_LIMIT);
const perShop = new SharedRateLimit(PIXEL_SHOP_LIMIT);

const answer = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  jsonResponse(body, { status, headers: { ...CORS, ...headers } });

// Remix hands OPTIONS (the preflight) to the loader, not the action.
export const loader = ({ request }: LoaderFunctionArgs) =>
  request.method === "OPTIONS"
    ? new Response(null, { status: 204, headers: CORS })
    : answer({ error: "use POST" }, 405, { Allow: "POST, OPTIONS" });

// POST /api/pixel: checkout_completed from the web pixel (untrusted; see app/domain/pixel/ingest-pixel.server.ts).
export const action = async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST") return answer({ error: "use POST" }, 405, { Allow: "POST, OPTIONS" });
  const body = await readJsonBody(request, MAX_PIXEL_BODY_BYTES);
  if (!body.ok) {
    for (const [name, value] of Object.entries(CORS)) body.response.headers.set(name, value);
    return body.response;
  }
  const parsed = parsePixelEvent(body.body);
  if (!parsed.ok) return answer({ errors: parsed.errors }, 400);
  const event = parsed.event;
  const shop = await findShop(prisma, event.shop);
  if (!shop || shop.status !== "INSTALLED") return answer({ error: "unknown shop" }, 404);
  // The account id is in the pixel's settings, which only the app (webPixelCreate) and Shopify know.
  if (event.accountId !== shop.pixelAccountId) return answer({ error: "accountId does not belong to this shop" }, 403);
  const shopDecision = await perShop.take(shop.id);
  const decision = shopDecision.allowed
    ? await perClient.take(`${shop.id}:${event.clientId ?? "anonymous"}`)
    : shopDecision;
  if (!decision.allowed)
    return answer({ error: "too many requests" }, 429, { "Retry-After": String(decision.retryAfterSeconds) });
  return answer(await recordPixelEvent(prisma, shop, event));
};
