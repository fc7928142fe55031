/**
 * Reads Shopify's REST order payload (the `orders/*` webhook body) into what the app stores. Money comes
 * only from the `*_set.shop_money` amounts, so every report is in the shop's currency whatever the buyer
 * paid in. A payload without e-mail or customer (protected customer data not approved) is normal.
 */
import { z } from "zod";
import { formatMoney, parseMoney, sumMoney } from "../money";
import { isoTime, moneySet, rejectionReason, shopifyId } from "../shopify-payload";
import { sha256Hex } from "../../lib/sha256";
import { UNSTORABLE_TEXT_MESSAGE, unstorableTextPath } from "../../lib/storable-text";

export const CHAT_SESSION_KEY = "_chat_session_id";
export const CHAT_VISITOR_KEY = "_chat_visitor_id";
/** The experiment arm the embed stamped an assigned visitor's cart with (experiments/experiment-report.server.ts). */
export const CHAT_ARM_KEY = "_chat_arm";

const nameValue = z.object({ name: z.string(), value: z.union([z.string(), z.number(), z.boolean(), z.null()]) });

const lineItemSchema = z.object({
  id: shopifyId,
  product_id: shopifyId.nullish(),
  variant_id: shopifyId.nullish(),
  title: z.string(),
  quantity: z.number().int().nonnegative(),
  price_set: moneySet,
  discount_allocations: z.array(z.object({ amount_set: moneySet })).default([]),
  properties: z.array(nameValue).nullish(),
});

export const orderPayloadSchema = z.object({
  id: shopifyId,
  name: z.string().nullish(),
  created_at: isoTime,
  processed_at: isoTime.nullish(),
  updated_at: isoTime,
  test: z.boolean().default(false),
  financial_status: z.string().nullish(),
  cancelled_at: isoTime.nullish(),
  currency: z.string().length(3),
  presentment_currency: z.string().length(3).nullish(),
  total_price_set: moneySet,
  current_total_price_set: moneySet.nullish(),
  line_items: z.array(lineItemSchema),
  note_attributes: z.array(nameValue).nullish(),
  checkout_token: z.string().nullish(),
  cart_token: z.string().nullish(),
  email: z.string().nullish(),
  contact_email: z.string().nullish(),
  customer: z.object({ id: shopifyId, email: z.string().nullish() }).nullish(),
  refunds: z.array(z.object({ id: shopifyId })).nullish(),
});

export interface ParsedLineItem {
  shopifyLineItemId: string;
  productId: string | null;
  variantId: string | null;
  title: string;
  quantity: number;
  /** Shop money, after line discounts. */
  amount: string;
  properties: { name: string; value: string }[];
  chatSessionId: string | null;
}

export interface ParsedOrder {
  shopifyOrderId: string;
  name: string;
  processedAt: Date;
  shopifyCreatedAt: Date;
  shopifyUpdatedAt: Date;
  test: boolean;
  financialStatus: string | null;
  cancelledAt: Date | null;
  currency: string;
  presentmentCurrency: string | null;
  grossAmount: string;
  /** current_total_price_set.shop_money as the payload states it (refunds it lists are already deducted). */
  currentTotalAmount: string;
  /** The refunds this payload already reflects; a refunds/create not in this list is still to be deducted. */
  reflectedRefundIds: string[];
  checkoutToken: string | null;
  cartToken: string | null;
  customerId: string | null;
  emailSha256: string | null;
  noteAttributes: { name: string; value: string }[];
  chatSessionId: string | null;
  chatVisitorId: string | null;
  lineItems: ParsedLineItem[];
}

export type ParseResult = { ok: true; order: ParsedOrder } | { ok: false; reason: string };

/** SHA-256 of the trimmed, lower-cased address, as the browser SDK sends it; stored only keyed per shop (email-hash.ts). */
export function emailSha256Of(email: string | null | undefined): string | null {
  const normalised = email?.trim().toLowerCase();
  return normalised ? sha256Hex(normalised) : null;
}

/**
 * Cart tokens changed format in 2024: `c1-…` prefixes and `?key=…` suffixes appear on the AJAX token but
 * not always on the order. Compare them only in this normalised form.
 */
export function normaliseCartToken(token: string | null | undefined): string | null {
  if (!token) return null;
  const withoutKey = token.split("?")[0].trim();
  const bare = withoutKey.replace(/^[a-z]\d+-/i, "").replace(/^(?:gid:\/\/shopify\/Cart\/)/, "");
  return bare === "" ? null : bare.toLowerCase();
}

/**
 * The app's own stamps among note attributes or line properties, and nothing else: the rest is the shopper's
 * (gift messages, engraving text, delivery notes) and the app has no use for it (data minimisation).
 */
const chatStamps = (list: z.infer<typeof nameValue>[] | null | undefined) =>
  (list ?? [])
    .filter((entry) => entry.name.startsWith("_chat_"))
    .map((entry) => ({
      name: entry.name.slice(0, 64),
      value: entry.value === null ? "" : String(entry.value).slice(0, 128),
    }));

/** Text for a VARCHAR(n) column: a longer token is no token Shopify issues, so it is dropped rather than cut. */
const tokenOrNull = (token: string | null) => (token !== null && token.length <= 255 ? token : null);
/** A chat stamp (`_chat_session_id`, `_chat_visitor_id`) from note attributes or line-item properties. */
export function chatStampOf(list: { name: string; value: string }[], key: string): string | null {
  const value = list.find((entry) => entry.name === key)?.value.trim();
  return value ? value.slice(0, 128) : null;
}

/**
 * Only what the schema reads is checked for text PostgreSQL cannot store: the schema's output holds just those
 * fields, under the payload's own paths. An order is not refused for a NUL in a field the app never reads, and a
 * delivery does not walk every string of a payload it mostly ignores (tens of kilobytes; the walk cost more than
 * the schema itself, on every webhook).
 */
export function parseOrderPayload(payload: unknown): ParseResult {
  const parsed = orderPayloadSchema.safeParse(payload);
  if (!parsed.success) {
    return { ok: false, reason: rejectionReason(parsed.error, "an order") };
  }
  const unstorable = unstorableTextPath(parsed.data);
  if (unstorable) return { ok: false, reason: `not an order: ${unstorable.join(".")} ${UNSTORABLE_TEXT_MESSAGE}` };
  const o = parsed.data;
  const noteAttributes = chatStamps(o.note_attributes);
  const cancelledAt = o.cancelled_at ? new Date(o.cancelled_at) : null;
  const gross = parseMoney(o.total_price_set.shop_money.amount)!;
  const current = o.current_total_price_set ? parseMoney(o.current_total_price_set.shop_money.amount)! : gross;
  const lineItems = o.line_items.map((item): ParsedLineItem => {
    const properties = chatStamps(item.properties);
    const unit = parseMoney(item.price_set.shop_money.amount)!;
    const discounts = sumMoney(item.discount_allocations.map((d) => parseMoney(d.amount_set.shop_money.amount)!));
    return {
      shopifyLineItemId: item.id,
      productId: item.product_id ?? null,
      variantId: item.variant_id ?? null,
      title: item.title.slice(0, 255),
      quantity: item.quantity,
      amount: formatMoney(unit * BigInt(item.quantity) - discounts, 4),
      properties,
      chatSessionId: chatStampOf(properties, CHAT_SESSION_KEY),
    };
  });
  return {
    ok: true,
    order: {
      shopifyOrderId: o.id,
      name: (o.name ?? `#${o.id}`).slice(0, 64),
      processedAt: new Date(o.processed_at ?? o.created_at),
      shopifyCreatedAt: new Date(o.created_at),
      shopifyUpdatedAt: new Date(o.updated_at),
      test: o.test,
      financialStatus: o.financial_status ?? null,
      cancelledAt,
      currency: o.total_price_set.shop_money.currency_code,
      presentmentCurrency: o.presentment_currency ?? null,
      grossAmount: formatMoney(gross, 4),
      currentTotalAmount: formatMoney(current, 4),
      reflectedRefundIds: (o.refunds ?? []).map((refund) => refund.id),
      checkoutToken: tokenOrNull(o.checkout_token?.trim() || null),
      cartToken: tokenOrNull(normaliseCartToken(o.cart_token)),
      customerId: o.customer?.id ?? null,
      emailSha256: emailSha256Of(o.email ?? o.contact_email ?? o.customer?.email),
      noteAttributes,
      chatSessionId: chatStampOf(noteAttributes, CHAT_SESSION_KEY),
      chatVisitorId: chatStampOf(noteAttributes, CHAT_VISITOR_KEY),
      lineItems,
    },
  };
}
