/**
 * The event wire format (docs/event-protocol.md), shared by the storefront SDK (through the App
 * Proxy) and the server-side API. Validation is all-or-nothing: one invalid event rejects the batch with an
 * error per field, and nothing is stored.
 */
import { z } from "zod";
import { UNSTORABLE_TEXT_MESSAGE, unstorableTextPath } from "../../lib/storable-text";
import { fitsStoredMoney, parseMoney } from "../money";

export const MAX_EVENTS_PER_BATCH = 100;
export const MAX_BODY_BYTES = 256 * 1024;
const MAX_FUTURE_MS = 5 * 60_000;
const MAX_AGE_MS = 30 * 24 * 3_600_000;

const shortId = (max: number) =>
  z.string().trim().min(1, "must not be empty").max(max, `must be at most ${max} characters`);
const numericId = z
  .union([z.string().regex(/^\d{1,20}$/, "must be a numeric Shopify id"), z.number().int().nonnegative()])
  .transform(String);
/** Storefront ids sometimes arrive as GIDs (gid://shopify/Product/123); keep the number. */
const productRef = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((v) => String(v).replace(/^gid:\/\/shopify\/\w+\//, ""))
  .pipe(z.string().regex(/^\d{1,20}$/, "must be a numeric Shopify id"));

const base = {
  id: shortId(64),
  occurredAt: z.string().refine((v) => !Number.isNaN(Date.parse(v)), "must be an ISO 8601 time"),
  visitorId: shortId(64).optional(),
};

const conversationStarted = z.object({
  ...base,
  type: z.literal("conversation_started"),
  conversationId: shortId(128),
  surface: z.enum(["CHAT_WIDGET", "FAQ", "NUDGE_CLICK"]).default("CHAT_WIDGET"),
  nudgeId: shortId(128).optional(),
  variant: z
    .string()
    .regex(
      /^[A-Za-z0-9][\w.:-]{0,63}$/,
      "must be 1–64 letters, digits, '_', '.', ':' or '-', starting with a letter or digit",
    )
    .optional(),
});

const message = z.object({
  ...base,
  type: z.literal("message"),
  conversationId: shortId(128),
  role: z.enum(["shopper", "assistant"]),
  answerFound: z.boolean().optional(),
  productIds: z.array(productRef).max(50, "must list at most 50 products").default([]),
  topic: z.string().max(200, "must be at most 200 characters").optional(),
  text: z.string().max(2000, "must be at most 2000 characters").optional(),
});

const cart = z.object({
  ...base,
  type: z.literal("cart"),
  conversationId: shortId(128).optional(),
  cartType: z.enum(["ITEM_ADDED", "QUANTITY_INCREASED", "QUANTITY_DECREASED", "ITEM_REMOVED"]),
  productId: productRef,
  variantId: productRef.optional(),
  productName: z.string().max(255).optional(),
  value: z
    .union([z.string(), z.number()])
    .refine((v) => (parseMoney(v) ?? -1n) >= 0n, "must be a decimal amount ≥ 0")
    .refine((v) => parseMoney(v) === null || fitsStoredMoney(parseMoney(v)), "must be less than 1,000,000,000,000,000")
    .transform(String),
  currency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code"),
  quantity: z.number().int("must be a whole number").min(1, "must be at least 1 (a delta, never a total)").max(999),
  fromChat: z.boolean().default(false),
  cartToken: z.string().max(255).optional(),
});

const identify = z.object({
  ...base,
  type: z.literal("identify"),
  /** Server-side API: a chat backend that knows the conversation, not the visitor, names it instead. */
  conversationId: shortId(128).optional(),
  emailSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, "must be a lower-case hex SHA-256")
    .optional(),
  customerId: numericId.optional(),
  /** Server-side API only: hashed on receipt, never stored. */
  email: z.string().trim().email().optional(),
});

/** The token a shared link carries (`?chat_link=<token>.<conversation id>`): 8 letters or digits. */
export const LINK_TOKEN = /^[0-9a-z]{8}$/;
const linkToken = z.string().regex(LINK_TOKEN, "must be 8 lower-case letters or digits");

/** The chat shared a link to a page of the shop (the SDK's `link` command, or POST /api/v1/links). */
const linkShared = z.object({
  ...base,
  type: z.literal("link_shared"),
  conversationId: shortId(128),
  linkId: linkToken,
  url: z
    .string()
    .max(2048, "must be at most 2048 characters")
    .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), "must be an http(s) URL"),
});

/** A visitor landed through a shared link (the embed reads `chat_link` on the landing page). */
const linkClick = z.object({
  ...base,
  type: z.literal("link_click"),
  conversationId: shortId(128),
  linkId: linkToken,
});

/**
 * The embed assigned a consenting visitor to an arm of the running experiment (experiments/assignment.ts). The app
 * recomputes the arm from the visitor id and refuses any other.
 */
const exposure = z.object({
  ...base,
  type: z.literal("exposure"),
  experimentId: z
    .string()
    .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "must be an experiment id (a UUID)"),
  arm: z.string().regex(/^[a-z0-9-]{1,32}$/, "must be an arm key (1–32 lower-case letters, digits or '-')"),
});

export const eventSchema = z.discriminatedUnion("type", [
  conversationStarted,
  message,
  cart,
  identify,
  linkShared,
  linkClick,
  exposure,
]);
export type ClientEvent = z.output<typeof eventSchema>;
export type CartWireEvent = z.output<typeof cart>;

export interface EventError {
  index: number | null;
  field: string;
  message: string;
}

export type BatchParse = { ok: true; events: ClientEvent[] } | { ok: false; errors: EventError[] };

export interface BatchRules {
  now: Date;
  /** The storefront must name its visitor; the server-side API may not know one. */
  requireVisitorId: boolean;
  /** A raw e-mail is accepted only server-side (the SDK hashes in the browser). */
  allowRawEmail: boolean;
}

export function parseEventBatch(body: unknown, rules: BatchRules): BatchParse {
  const unstorable = unstorableTextPath(body);
  if (unstorable) {
    const [first, index, ...rest] = unstorable;
    const inEvent = first === "events" && typeof index === "number";
    return {
      ok: false,
      errors: [
        {
          index: inEvent ? index : null,
          field: (inEvent ? rest : unstorable).join(".") || "(body)",
          message: UNSTORABLE_TEXT_MESSAGE,
        },
      ],
    };
  }
  const envelope = z
    .object({
      events: z
        .array(z.unknown())
        .min(1, "must hold at least one event")
        .max(MAX_EVENTS_PER_BATCH, `must hold at most ${MAX_EVENTS_PER_BATCH} events`),
    })
    .safeParse(body);
  if (!envelope.success) {
    const issue = envelope.error.issues[0];
    return { ok: false, errors: [{ index: null, field: issue.path.join(".") || "events", message: issue.message }] };
  }
  const errors: EventError[] = [];
  const events: ClientEvent[] = [];
  const seenIds = new Set<string>();
  const now = rules.now.getTime();
  envelope.data.events.forEach((raw, index) => {
    const parsed = eventSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        errors.push({ index, field: issue.path.join(".") || "(event)", message: issue.message });
      return;
    }
    const event = parsed.data;
    if (seenIds.has(event.id)) errors.push({ index, field: "id", message: "is repeated within the batch" });
    seenIds.add(event.id);
    const at = Date.parse(event.occurredAt);
    if (at > now + MAX_FUTURE_MS)
      errors.push({ index, field: "occurredAt", message: "must not be more than 5 minutes in the future" });
    if (at < now - MAX_AGE_MS) errors.push({ index, field: "occurredAt", message: "must not be older than 30 days" });
    if (rules.requireVisitorId && !event.visitorId)
      errors.push({ index, field: "visitorId", message: "is required from the storefront" });
    if (event.type === "message" && event.role === "shopper" && event.answerFound !== undefined) {
      errors.push({ index, field: "answerFound", message: "is only for assistant messages" });
    }
    if (event.type === "exposure" && !event.visitorId)
      errors.push({
        index,
        field: "visitorId",
        message: "is required for an exposure (the visitor is what is assigned)",
      });
    if (event.type === "identify") {
      if (event.email && !rules.allowRawEmail)
        errors.push({ index, field: "email", message: "must be hashed in the browser (send emailSha256)" });
      if (!event.email && !event.emailSha256 && !event.customerId)
        errors.push({ index, field: "emailSha256", message: "identify needs emailSha256, email or customerId" });
      // An identity is kept for a visitor; without one (or a conversation that names it) it could never match.
      if (!event.visitorId && !event.conversationId)
        errors.push({
          index,
          field: "visitorId",
          message: "identify needs visitorId or conversationId (the conversation's visitor is identified)",
        });
    }
    events.push(event);
  });
  return errors.length ? { ok: false, errors } : { ok: true, events };
}
