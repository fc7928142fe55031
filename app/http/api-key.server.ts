/**
 * What every route of the server-side API does first: POST only, the shop's bearer key, the key's rate limit, and a
 * `?shop=` that must name the key's shop. The key decides the shop; nothing in the body can name another.
 */
import type { Shop } from "@prisma/client";
import { prisma } from "../db.server";
import { authenticateApiKey } from "../domain/api-keys/api-keys.server";
import type { SharedRateLimit } from "./shared-rate-limit.server";
import { jsonResponse } from "./json";

const unauthorized = () =>
  jsonResponse(
    { error: "missing, unknown or revoked API key (send Authorization: Bearer <key>)" },
    { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="events"' } },
  );

/** The key's shop and id, or the response that refuses the request (405, 401, 429). */
export async function apiKeyShop(
  request: Request,
  limiter: SharedRateLimit,
): Promise<{ shop: Shop; apiKeyId: string } | Response> {
  if (request.method !== "POST")
    return jsonResponse({ error: "use POST" }, { status: 405, headers: { Allow: "POST" } });
  const key = await authenticateApiKey(prisma, request.headers.get("Authorization"));
  if (!key) return unauthorized();
  const decision = await limiter.take(key.apiKeyId);
  if (!decision.allowed) {
    return jsonResponse(
      { error: "too many requests for this API key" },
      { status: 429, headers: { "Retry-After": String(decision.retryAfterSeconds) } },
    );
  }
  // A backend serving many shops may say which shop it means (?shop=): a key of a different shop is then refused
  // instead of recording into the wrong one.
  const namedShop = new URL(request.url).searchParams.get("shop");
  if (namedShop !== null && namedShop !== key.shop.domain) return unauthorized();
  return key;
}
