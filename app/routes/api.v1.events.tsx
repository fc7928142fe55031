import type { ActionFunctionArgs } from "@remix-run/node";
import { prisma } from "../db.server";
import { ingestApiEvents } from "../domain/events/api-events.server";
import { MAX_BODY_BYTES } from "../domain/events/event-schema";
import { apiKeyShop } from "../http/api-key.server";
import { jsonResponse, readJsonBody } from "../http/json";
import { postOnlyLoader } from "../http/method-not-allowed";
import { API_EVENTS_KEY_LIMIT } from "../http/rate-limits";
import { SharedRateLimit } from "../http/shared-rate-limit.server";

export const loader = postOnlyLoader;

// A chat backend batches up to 100 events a request; this allows a busy one thousands of events a second
// while bounding a runaway client per key.
const perApiKey = new SharedRateLimit(API_EVENTS_KEY_LIMIT);

// POST /api/v1/events — the server-side events API (docs: /api/v1/openapi.json).
export const action = async ({ request }: ActionFunctionArgs) => {
  const key = await apiKeyShop(request, perApiKey);
  if (key instanceof Response) return key;
  const idempotencyKey = request.headers.get("Idempotency-Key");
  if (idempotencyKey !== null && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
    return jsonResponse(
      { errors: [{ index: null, field: "Idempotency-Key", message: "must be 1–255 visible ASCII characters" }] },
      { status: 400 },
    );
  }
  const { shop } = key;
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
