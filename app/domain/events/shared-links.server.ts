/**
 * POST /api/v1/links: a chat backend (which sends product links by e-mail or SMS) gets a tracked URL for a
 * conversation, and the app records that the conversation shared it — so a landing through it, on any device, is a
 * LINK touch of that conversation (attribution-spec.md, "Evidence" 4). The storefront SDK's `link` command does the
 * same in the browser; both go through the event pipeline as a `link_shared` event.
 */
import type { Shop } from "@prisma/client";
import { randomInt } from "node:crypto";
import { z } from "zod";
import type { Db } from "../../db.server";
import { trackedUrl } from "../../storefront/links";
import { recordEventBatch } from "./record-events.server";

/** A link request is a conversation id and a URL. */
export const MAX_LINK_BODY_BYTES = 4096;

const linkRequest = z.object({
  conversationId: z.string().trim().min(1, "must not be empty").max(128, "must be at most 128 characters"),
  url: z
    .string()
    .max(1800, "must be at most 1800 characters")
    .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), "must be an absolute http(s) URL"),
  visitorId: z.string().trim().min(1).max(64).optional(),
});

const TOKEN_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
/** 8 random letters or digits (41 bits): a link's token cannot be guessed for another conversation. */
export const newLinkToken = () => Array.from({ length: 8 }, () => TOKEN_ALPHABET[randomInt(36)]).join("");

export type LinkAnswer = { status: 200; body: { url: string; linkId: string } } | { status: 400; body: unknown };

export async function shareLink(db: Db, shop: Shop, body: unknown, now = new Date()): Promise<LinkAnswer> {
  const parsed = linkRequest.safeParse(body);
  if (!parsed.success)
    return {
      status: 400,
      body: {
        errors: parsed.error.issues.map((issue) => ({
          field: issue.path.join(".") || "(body)",
          message: issue.message,
        })),
      },
    };
  const { conversationId, url, visitorId } = parsed.data;
  for (;;) {
    const linkId = newLinkToken();
    const summary = await recordEventBatch(
      db,
      shop,
      [
        {
          id: `link:${linkId}`,
          type: "link_shared",
          occurredAt: now.toISOString(),
          conversationId,
          linkId,
          url,
          visitorId,
        },
      ],
      { source: "SERVER_API" },
    );
    const refusal = summary.rejected[0]?.reason;
    // A token another conversation already has (1 in 2^41 per link): mint another.
    if (refusal?.startsWith(`link ${linkId} `) || summary.duplicates > 0) continue;
    if (refusal) return { status: 400, body: { errors: [{ field: "conversationId", message: refusal }] } };
    return { status: 200, body: { url: trackedUrl(new URL(url), conversationId, linkId), linkId } };
  }
}
