import type { ActionFunctionArgs } from "@remix-run/node";
import { prisma } from "../db.server";
import { MAX_LINK_BODY_BYTES, shareLink } from "../domain/events/shared-links.server";
import { apiKeyShop } from "../http/api-key.server";
import { jsonResponse, readJsonBody } from "../http/json";
import { postOnlyLoader } from "../http/method-not-allowed";
import { API_LINKS_KEY_LIMIT } from "../http/rate-limits";
import { SharedRateLimit } from "../http/shared-rate-limit.server";

export const loader = postOnlyLoader;

// One link a request: a backend mailing its conversations' product links, bounded per key.
const perApiKey = new SharedRateLimit(API_LINKS_KEY_LIMIT);

// POST /api/v1/links — a tracked URL for a conversation's product link (docs: /api/v1/openapi.json).
export const action = async ({ request }: ActionFunctionArgs) => {
  const key = await apiKeyShop(request, perApiKey);
  if (key instanceof Response) return key;
  const body = await readJsonBody(request, MAX_LINK_BODY_BYTES);
  if (!body.ok) return body.response;
  const answer = await shareLink(prisma, key.shop, body.body);
  return jsonResponse(answer.body, { status: answer.status });
};
