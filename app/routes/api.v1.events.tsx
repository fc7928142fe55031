import type { ActionFunctionArgs } from "@remix-run/node";
import { prisma } from "../db.server";
import { authenticateApiKey } from "../domain/api-keys/api-keys.server";
import { ingestApiEvents } from "../domain/events/api-events.server";
import { MAX_BODY_BYTES } from "../domain/events/event-schema";
import { jsonResponse, readJsonBody } from "../http/json";
import { postOnlyLoader } from "../http/method-not-allowed";
import { RateLimiter } from "../lib/rate-limit";

export const loader = postOnlyLoader;

// A chat backend batches up to 100 events a request; this allows a busy one thousands of events a second
// while bounding a runaway client per key.
const perApiKey = new RateLimiter({ capacity: 100, refillPerSecond: 50 });

const unauthorized = () =>
  jsonResponse(
    { error: "missing, unknown or revoked API key (send Authorization: Bearer <key>)" },
    { status: 401, headers: { "WWW-Authenticate": 'Bearer realm="events"' } },
  );

// POST /api/v1/events — the server-side events API (docs: /api/v1/openapi.json).
export const action = async ({ request }: ActionFunctionArgs) => {
  if (request.method !== "POST")
    return jsonResponse({ error: "use POST" }, { status: 405, headers: { Allow: "POST" } });
  const key = await authenticateApiKey(prisma, request.headers.get("Authorization"));
  if (!key) return unauthorized();
  const decision = perApiKey.take(key.apiKeyId);
  if (!decision.allowed) {
    return jsonResponse(
      { error: "too many requests for this API key" },
      { status: 429, headers: { "Retry-After": String(decision.retryAfterSeconds) } },
    );
  }
  const idempotencyKey = request.headers.get("Idempotency-Key");
  if (idempotencyKey !== null && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
    return jsonResponse(
      { errors: [{ index: null, field: "Idempotency-Key", message: "must be 1–255 visible ASCII characters" }] },
      { status: 400 },
    );
  }
  // The key decides the shop; nothing in the body can name another. A backend serving many shops may say which
  // shop it means (?shop=): a key of a different shop is then refused instead of recording into the wrong one.
  const shop = key.shop;
  const namedShop = new URL(request.url).searchParams.get("shop");
  if (namedShop !== null && namedShop !== shop.domain) return unauthorized();
  const body = await readJsonBody(request, MAX_BODY_BYTES);
  if (!body.ok) return body.response;
  const answer = await ingestApiEvents(
    prisma,
    shop,
    body.body,
    body.text,
    idempotencyKey === null ? null : { apiKeyId: key.apiKeyId, key: idempotencyKey },
  );
  return jsonResponse(answer.body, {
    status: answer.status,
    headers: answer.replayed ? { "Idempotent-Replayed": "true" } : {},
  });
};
