/**
 * A storefront cart event is the visitor's claim about a cart; the cart itself is Shopify's. An add or increase from
 * the storefront counts only as far as the cart it names bears it out, read from Shopify's Storefront API with the
 * token the embed read from /cart.js: the variant is in that cart, under the claimed product and currency, at least
 * the claimed quantity, at a unit price no lower than the claimed value (attribution-spec.md, "Evidence"). An add
 * the same batch takes back out is held to Shopify's variant instead, since the cart no longer shows it. Decreases
 * and removals take off at most what the cart's adds put on (decision record 011).
 */
import { parseMoney } from "../money";
import { normaliseCartToken } from "../orders/order-payload";
import type { CartWireEvent, ClientEvent } from "./event-schema";

/** A line of a cart as Shopify's Storefront API gives it, ids as the numbers the AJAX cart uses. */
export interface ShopifyCartLine {
  productId: string;
  variantId: string;
  quantity: number;
  /** Shopify's unit price (`cost.amountPerQuantity`), a decimal string. */
  unitPrice: string;
  currency: string;
  /** The line's `_chat_session_id` property (a chat product card's add), if any. */
  chatSessionId?: string | null;
}

/**
 * null: Shopify has no such cart for this shop (a made-up token, or the key does not match). `chatSessionId` is the
 * cart's `_chat_session_id` attribute, the conversation the embed stamped it with.
 */
export type ShopifyCart = { currency: string; chatSessionId?: string | null; lines: ShopifyCartLine[] } | null;

/** A variant as Shopify gives it (its price in the shop's currency), or null: no such variant. */
export type ShopifyVariant = { productId: string; price: string; currency: string } | null;

/** What Shopify said about a batch: the carts its adds name, and the variants it adds and takes back out. */
export interface ShopifyCarts {
  carts: ReadonlyMap<string, ShopifyCart>;
  variants: ReadonlyMap<string, ShopifyVariant>;
}

/** Carts one batch may name (a visitor has one cart; a new one after checkout): more are refused, not read. */
export const MAX_CARTS_PER_BATCH = 3;
/** Variants one batch may add and take back out again before it is sent: more are refused, not read. */
export const MAX_VARIANTS_PER_BATCH = 10;

const ADDS = new Set(["ITEM_ADDED", "QUANTITY_INCREASED"]);
const isAdd = (event: ClientEvent): event is CartWireEvent => event.type === "cart" && ADDS.has(event.cartType);
const isTakeBack = (event: ClientEvent): event is CartWireEvent => event.type === "cart" && !ADDS.has(event.cartType);

/** A cart token as /cart.js gives it carries `?key=`, without which Shopify does not give the cart out. */
const hasKey = (token: string) => /^[^?]+\?key=[^&]+$/.test(token);

/** What the claims of a cart's variant are counted under: the cart without its key, and the variant. */
export const claimKey = (cartToken: string, variantId: string) => `${normaliseCartToken(cartToken)} ${variantId}`;

/**
 * For each event of a batch (in the order sent), how much of its cart's variant the batch's later decreases and
 * removals take back out: an add the shopper undid before the batch was sent is no longer in Shopify's cart.
 */
export function laterTakeBacks(events: readonly ClientEvent[]): number[] {
  const after = new Map<string, number>();
  const takeBacks = new Array<number>(events.length).fill(0);
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index];
    if (event.type !== "cart" || !event.cartToken || !event.variantId) continue;
    const key = claimKey(event.cartToken.trim(), event.variantId);
    if (isTakeBack(event)) after.set(key, (after.get(key) ?? 0) + event.quantity);
    else takeBacks[index] = after.get(key) ?? 0;
  }
  return takeBacks;
}

/**
 * What to read from Shopify for a batch's storefront adds: the carts they name (distinct, each with its key, at most
 * MAX_CARTS_PER_BATCH), and the variants of adds the batch itself takes back out (at most MAX_VARIANTS_PER_BATCH),
 * which the cart may no longer hold.
 */
export function shopifyReads(events: readonly ClientEvent[]): { cartTokens: string[]; variantIds: string[] } {
  const adds = events.map((event, index) => ({ event, index })).filter(({ event }) => isAdd(event)) as {
    event: CartWireEvent;
    index: number;
  }[];
  const keyed = adds.filter(({ event }) => event.cartToken && hasKey(event.cartToken.trim()));
  const cartTokens = [...new Set(keyed.map(({ event }) => event.cartToken!.trim()))].slice(0, MAX_CARTS_PER_BATCH);
  const takeBacks = laterTakeBacks(events);
  const variantIds = keyed
    .filter(
      ({ event, index }) => takeBacks[index] > 0 && event.variantId && cartTokens.includes(event.cartToken!.trim()),
    )
    .map(({ event }) => event.variantId!);
  return { cartTokens, variantIds: [...new Set(variantIds)].slice(0, MAX_VARIANTS_PER_BATCH) };
}

/** The carts whose stored claims a batch's cart events are held to: every cart token they name, without its key. */
export const claimedCartTokens = (events: readonly ClientEvent[]): string[] => [
  ...new Set(
    events.flatMap((event) =>
      event.type === "cart" && event.cartToken?.trim() ? [normaliseCartToken(event.cartToken)!] : [],
    ),
  ),
];

/** Shortened for a reason sent back to the browser: the key is the cart's secret and is never echoed. */
const shown = (token: string) => token.split("?")[0];

/** What a cart's variant already holds of claims: net quantity of the stored events, by `claimKey`. */
export type ClaimedQuantities = Map<string, number>;

const priceOf = (decimal: string) => parseMoney(decimal) ?? 0n;

/**
 * Why a storefront add is refused, or null when Shopify bears it out (and then `claimed` counts it). The adds of a
 * cart's variant together, stored ones included, may not claim more than the cart holds, whichever visitor sends
 * them, plus what the batch's later events take back out (`takeBack`, from `laterTakeBacks`); a variant the cart no
 * longer holds is then held to Shopify's variant instead of the cart's line.
 */
export function cartAddRefusal(
  event: CartWireEvent,
  shopify: ShopifyCarts,
  claimed: ClaimedQuantities,
  takeBack = 0,
): string | null {
  const token = event.cartToken?.trim() ?? "";
  if (!token) return "a storefront cart add must name the cart it was read from (cartToken, as /cart.js gives it)";
  if (!hasKey(token)) return "cartToken must be the token /cart.js gives, with its ?key=";
  if (!shopify.carts.has(token)) return `a batch may name at most ${MAX_CARTS_PER_BATCH} carts`;
  const cart = shopify.carts.get(token);
  if (!cart) return `Shopify has no cart ${shown(token)} in this shop`;
  if (!event.variantId) return `a storefront cart add must name its variant (cart ${shown(token)})`;
  const lines = cart.lines.filter((line) => line.variantId === event.variantId);
  let product: string;
  let currency: string;
  let price: bigint;
  let shownPrice: string;
  if (lines.length > 0) {
    product = lines[0].productId;
    currency = lines[0].currency;
    price = lines.map((line) => priceOf(line.unitPrice)).reduce((high, p) => (p > high ? p : high), 0n);
    shownPrice = lines.find((line) => priceOf(line.unitPrice) === price)!.unitPrice;
  } else {
    if (takeBack === 0) return `variant ${event.variantId} is not in cart ${shown(token)}`;
    if (!shopify.variants.has(event.variantId))
      return `a batch may add and take back out at most ${MAX_VARIANTS_PER_BATCH} variants`;
    const variant = shopify.variants.get(event.variantId);
    if (!variant) return `Shopify has no variant ${event.variantId} in this shop`;
    if (variant.currency !== cart.currency)
      return `variant ${event.variantId} is no longer in cart ${shown(token)} and its price in ${cart.currency} cannot be read`;
    product = variant.productId;
    currency = cart.currency;
    price = priceOf(variant.price);
    shownPrice = variant.price;
  }
  if (product !== event.productId)
    return `variant ${event.variantId} belongs to product ${product}, not ${event.productId}`;
  if (currency !== event.currency) return `currency ${event.currency} is not the cart's (${currency})`;
  if (parseMoney(event.value)! > price)
    return `unit value ${event.value} is above Shopify's price for variant ${event.variantId} (${shownPrice})`;
  const inCart = lines.reduce((total, line) => total + line.quantity, 0);
  const key = claimKey(token, event.variantId);
  const quantity = (claimed.get(key) ?? 0) + event.quantity;
  if (quantity > inCart + takeBack) {
    const undone = takeBack > 0 ? ` (and the batch takes ${takeBack} back out)` : "";
    return `cart ${shown(token)} holds ${inCart} of variant ${event.variantId}${undone}, fewer than the ${quantity} claimed`;
  }
  claimed.set(key, quantity);
  return null;
}

/**
 * A storefront decrease or removal takes off at most what its cart's variant holds of claims: the quantity to store
 * (the claim, or less), or null when the cart's variant holds none (refused: it would take off what nobody added).
 */
export function takeBackQuantity(event: CartWireEvent, claimed: ClaimedQuantities): number | null {
  if (!event.cartToken?.trim() || !event.variantId) return event.quantity;
  const key = claimKey(event.cartToken.trim(), event.variantId);
  const held = claimed.get(key) ?? 0;
  if (held === 0) return null;
  const quantity = Math.min(held, event.quantity);
  claimed.set(key, held - quantity);
  return quantity;
}

/**
 * The conversation a storefront cart event is stored with (attribution-spec.md, "Words": cart event). A chat card's
 * add names its own. A theme's change (the shop's own Add to cart, the cart drawer) names the conversation the embed
 * stamped: it is linked when Shopify's cart bears that out — the cart's `_chat_session_id` attribute, or the property
 * of a line of its variant — and stored unlinked when it does not. Without a cart read (a decrease, which takes off
 * at most what the visitor's own adds put on) the claim stands, as the conversation is the visitor's own (decision 013).
 */
export function linkedConversation(event: CartWireEvent, shopify: ShopifyCarts | undefined): string | null {
  const claimed = event.conversationId ?? null;
  const cart = shopify?.carts.get(event.cartToken?.trim() ?? "");
  if (!claimed || event.fromChat || !cart) return claimed;
  const lineStamps = cart.lines.filter((line) => line.variantId === event.variantId).map((line) => line.chatSessionId);
  return cart.chatSessionId === claimed || lineStamps.includes(claimed) ? claimed : null;
}
