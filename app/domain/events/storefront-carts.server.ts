/**
 * Reads what a storefront batch's adds claim from Shopify's Storefront API: the carts they name (`cart(id:)`, the
 * token /cart.js gives as the cart id) and the variants the batch adds and takes back out (`node(id:)`), for
 * cart-claims.ts to hold the batch to. One request per batch, whatever it names.
 */
import {
  shopifyReads,
  type ShopifyCart,
  type ShopifyCartLine,
  type ShopifyCarts,
  type ShopifyVariant,
} from "./cart-claims";
import type { ClientEvent } from "./event-schema";
import { CHAT_SESSION_KEY } from "../orders/order-payload";

/** The slice of the library's Storefront API client the domain needs (tests pass a stand-in at the HTTP level). */
export interface StorefrontGraphql {
  graphql(query: string, options?: { variables?: Record<string, unknown> }): Promise<Response>;
}

/** Shopify's cart could not be read (down, throttled, the token revoked): the batch waits, nothing is stored. */
export class CartsUnavailable extends Error {}

// The chat stamps (attribute(key:) on Cart and CartLine, Storefront API 2022-07 on): what a theme's change links to.
const SESSION = `session: attribute(key: "${CHAT_SESSION_KEY}") { value }`;
const CART_FIELDS = `cost { totalAmount { currencyCode } } ${SESSION}
  lines(first: 250) { nodes { quantity cost { amountPerQuantity { amount currencyCode } } ${SESSION}
  merchandise { ... on ProductVariant { id product { id } } } } }`;
const VARIANT_FIELDS = "... on ProductVariant { price { amount currencyCode } product { id } }";

type GraphqlAttribute = { value: string | null } | null;
type GraphqlCart = {
  cost: { totalAmount: { currencyCode: string } };
  session?: GraphqlAttribute;
  lines: {
    nodes: {
      quantity: number;
      cost: { amountPerQuantity: { amount: string; currencyCode: string } };
      session?: GraphqlAttribute;
      merchandise: { id?: string; product?: { id: string } };
    }[];
  };
} | null;
type GraphqlVariant = { price?: { amount: string; currencyCode: string }; product?: { id: string } } | null;

/** `gid://shopify/ProductVariant/39072856` → `39072856`, the id the AJAX cart and the embed use. */
const numericId = (gid: string | undefined) => gid?.split("/").pop() ?? "";

export const cartGid = (token: string) => (token.startsWith("gid://") ? token : `gid://shopify/Cart/${token}`);
export const variantGid = (id: string) => `gid://shopify/ProductVariant/${id}`;

function cartOf(cart: GraphqlCart): ShopifyCart {
  if (!cart) return null;
  const lines: ShopifyCartLine[] = cart.lines.nodes
    .filter((line) => line.merchandise.id)
    .map((line) => ({
      productId: numericId(line.merchandise.product?.id),
      variantId: numericId(line.merchandise.id),
      quantity: line.quantity,
      unitPrice: line.cost.amountPerQuantity.amount,
      currency: line.cost.amountPerQuantity.currencyCode,
      chatSessionId: line.session?.value ?? null,
    }));
  return { currency: cart.cost.totalAmount.currencyCode, chatSessionId: cart.session?.value ?? null, lines };
}

const variantOf = (variant: GraphqlVariant): ShopifyVariant =>
  variant?.price && variant.product
    ? { productId: numericId(variant.product.id), price: variant.price.amount, currency: variant.price.currencyCode }
    : null;

export async function readCarts(
  storefront: StorefrontGraphql,
  cartTokens: readonly string[],
  variantIds: readonly string[] = [],
): Promise<ShopifyCarts> {
  if (cartTokens.length === 0) return { carts: new Map(), variants: new Map() };
  const parameters = [...cartTokens.map((_, i) => `$cart${i}: ID!`), ...variantIds.map((_, i) => `$variant${i}: ID!`)];
  const query = `query ClaimedCarts(${parameters.join(", ")}) {
  ${cartTokens.map((_, i) => `cart${i}: cart(id: $cart${i}) { ${CART_FIELDS} }`).join("\n  ")}
  ${variantIds.map((_, i) => `variant${i}: node(id: $variant${i}) { ${VARIANT_FIELDS} }`).join("\n  ")}
}`;
  const variables = Object.fromEntries([
    ...cartTokens.map((token, i) => [`cart${i}`, cartGid(token)]),
    ...variantIds.map((id, i) => [`variant${i}`, variantGid(id)]),
  ]);
  let json: { data?: Record<string, unknown>; errors?: unknown };
  try {
    const response = await storefront.graphql(query, { variables });
    if (!response.ok) throw new CartsUnavailable(`Storefront API answered ${response.status}`);
    json = await response.json();
  } catch (error) {
    throw error instanceof CartsUnavailable ? error : new CartsUnavailable(`Storefront API: ${String(error)}`);
  }
  const data = json.data;
  if (!data || json.errors) throw new CartsUnavailable("Storefront API answered with errors");
  return {
    carts: new Map(cartTokens.map((token, i) => [token, cartOf(data[`cart${i}`] as GraphqlCart)])),
    variants: new Map(variantIds.map((id, i) => [id, variantOf(data[`variant${i}`] as GraphqlVariant)])),
  };
}

/** The carts a storefront batch's adds name, read for the shop the request was signed for. */
export async function readClaimedCarts(
  storefrontFor: (shopDomain: string) => Promise<StorefrontGraphql>,
  shopDomain: string,
  events: readonly ClientEvent[],
): Promise<ShopifyCarts> {
  const { cartTokens, variantIds } = shopifyReads(events);
  if (cartTokens.length === 0) return { carts: new Map(), variants: new Map() };
  let storefront: StorefrontGraphql;
  try {
    storefront = await storefrontFor(shopDomain);
  } catch (error) {
    throw new CartsUnavailable(`no Storefront API access for ${shopDomain}: ${String(error)}`);
  }
  return readCarts(storefront, cartTokens, variantIds);
}
