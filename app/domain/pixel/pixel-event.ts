/**
 * The body the web pixel (extensions/chat-attribution-pixel) sends for checkout_completed. Everything in it is
 * untrusted: anyone can post it. Bounds are checked here so nothing absurd is stored; money from it is never
 * summed into a report (only Shopify's signed webhooks give an order its money).
 */
import { z } from "zod";
import { UNSTORABLE_TEXT_MESSAGE, unstorableTextPath } from "../../lib/storable-text";

export const MAX_PIXEL_BODY_BYTES = 64 * 1024;

const keyValue = z.object({ key: z.string().max(255), value: z.string().max(1000) });
/** Pixel ids arrive as numbers or GIDs (gid://shopify/Order/123); keep the number. */
const pixelId = z
  .string()
  .max(128)
  .transform((v) => /(\d{1,20})$/.exec(v)?.[1] ?? null);
const amount = z.number().finite("must be a finite number").nonnegative("must not be negative");

export const pixelEventSchema = z.object({
  v: z.literal(1),
  eventId: z.string().min(1).max(128),
  clientId: z.string().max(128).nullish(),
  timestamp: z.string().refine((v) => !Number.isNaN(Date.parse(v)), "must be an ISO 8601 time"),
  shop: z.string().regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "must be a myshopify.com domain"),
  accountId: z.string().uuid("must be the shop's pixel account id"),
  checkout: z.object({
    orderId: pixelId.nullish(),
    token: z.string().trim().min(1).max(255).nullish(),
    currencyCode: z
      .string()
      .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code")
      .nullish(),
    totalPrice: amount.nullish(),
    subtotalPrice: amount.nullish(),
    attributes: z.array(keyValue).max(250).default([]),
    lineItems: z
      .array(
        z.object({
          productId: pixelId.nullish(),
          variantId: pixelId.nullish(),
          quantity: z.number().int().min(0).max(100_000),
          finalLinePrice: amount,
          properties: z.array(keyValue).max(100).default([]),
        }),
      )
      .max(500)
      .default([]),
  }),
});

export type PixelEvent = z.output<typeof pixelEventSchema>;

export type PixelParse = { ok: true; event: PixelEvent } | { ok: false; errors: { field: string; message: string }[] };

export function parsePixelEvent(body: unknown): PixelParse {
  const unstorable = unstorableTextPath(body);
  if (unstorable)
    return { ok: false, errors: [{ field: unstorable.join(".") || "(body)", message: UNSTORABLE_TEXT_MESSAGE }] };
  const parsed = pixelEventSchema.safeParse(body);
  if (parsed.success) return { ok: true, event: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => ({ field: issue.path.join(".") || "(body)", message: issue.message })),
  };
}
