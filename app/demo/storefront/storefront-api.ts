/**
 * Shopify's Storefront API as far as the app uses it: `cart(id:)` with its currency, lines, prices and merchandise,
 * and `node(id:)` for a product variant's price and product, answered
 * over real HTTP at POST /api/<version>/graphql.json to a client presenting the private access token. The demo's
 * simulator serves its own carts with it; tests and the load and abuse runs serve the carts they made up.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { graphqlRequestOf } from "./graphql-request";

/** A cart line as the stand-in holds it: ids numeric, as the AJAX cart gives them; the price a decimal string. */
export interface StandInCartLine {
  productId: string;
  variantId: string;
  quantity: number;
  unitPrice: string;
  currency: string;
  /** The line's `_chat_session_id` property. */
  chatSessionId?: string | null;
}

/** A cart as the stand-in holds it; `chatSessionId` is its `_chat_session_id` attribute. */
export interface StandInCart {
  currency: string;
  chatSessionId?: string | null;
  lines: StandInCartLine[];
}

/** The cart a Storefront cart id names (`gid://shopify/Cart/<token>?key=<key>`), or null: none, or a wrong key. */
export type CartOf = (cartGid: string) => StandInCart | null;
/** A variant by its id (`gid://shopify/ProductVariant/<id>`), its price in the shop's currency, or null: none. */
export type VariantOf = (variantGid: string) => { productId: string; price: string; currency: string } | null;

/** What the stand-in answers from: the carts and the variants of the shop it stands in for. */
export interface StandInShop {
  cartOf: CartOf;
  variantOf: VariantOf;
}

export const STOREFRONT_API_VERSION = "2026-07";
export const STOREFRONT_API_PATH = `/api/${STOREFRONT_API_VERSION}/graphql.json`;

/** `attribute(key: "_chat_session_id") { value }`, the one attribute the app asks for (aliased `session`). */
const attribute = (value: string | null | undefined) => (value ? { value } : null);

const cartJson = ({ currency, chatSessionId, lines }: StandInCart) => ({
  cost: { totalAmount: { currencyCode: currency } },
  session: attribute(chatSessionId),
  lines: {
    nodes: lines.map((line) => ({
      quantity: line.quantity,
      cost: { amountPerQuantity: { amount: line.unitPrice, currencyCode: line.currency } },
      session: attribute(line.chatSessionId),
      merchandise: {
        id: `gid://shopify/ProductVariant/${line.variantId}`,
        product: { id: `gid://shopify/Product/${line.productId}` },
      },
    })),
  },
});

/** Answers one request to the API: 405, 401 without the token, 400 on a body that is not JSON, else the carts. */
export async function answerStorefrontApi(
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
  shop: StandInShop,
  accessToken: string,
): Promise<void> {
  const graphql = graphqlRequestOf<Record<string, unknown>>(request, response, body, {
    header: "shopify-storefront-private-token",
    value: accessToken,
  });
  if (!graphql) return;
  const { send, query, variables } = graphql;
  // The stand-in reads only the queries the app makes: aliased `cart(id: $var)` and `node(id: $var)` fields.
  const fields = [...query.matchAll(/(\w+)\s*:\s*(cart|node)\(id:\s*\$(\w+)\)/g)];
  if (fields.length === 0)
    return send(200, { errors: [{ message: "the stand-in answers cart and node queries only" }] });
  const data = Object.fromEntries(
    fields.map(([, alias, field, variable]) => {
      const id = String(variables[variable] ?? "");
      if (field === "node") {
        const variant = shop.variantOf(id);
        return [
          alias,
          variant && {
            price: { amount: variant.price, currencyCode: variant.currency },
            product: { id: `gid://shopify/Product/${variant.productId}` },
          },
        ];
      }
      const cart = shop.cartOf(id);
      return [alias, cart ? cartJson(cart) : null];
    }),
  );
  send(200, { data });
}

export interface StorefrontApiStandIn {
  endpoint: string;
  /** Requests answered so far. */
  requests: () => number;
  /** Answer every request with this HTTP status instead (Shopify down), or null. */
  failWith: (status: number | null) => void;
  close: () => Promise<void>;
}

/** The API alone on a loopback port (tests, the load and abuse runs). */
export async function startStorefrontApi(shop: StandInShop, accessToken: string): Promise<StorefrontApiStandIn> {
  let requests = 0;
  let failure: number | null = null;
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    requests++;
    if (request.url !== STOREFRONT_API_PATH) {
      response.writeHead(404).end();
      return;
    }
    if (failure) {
      response.writeHead(failure, { "Content-Type": "application/json" }).end('{"errors":"Service unavailable"}');
      return;
    }
    await answerStorefrontApi(request, response, Buffer.concat(chunks), shop, accessToken);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}${STOREFRONT_API_PATH}`,
    requests: () => requests,
    failWith: (status) => {
      failure = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Carts by id and key, for a stand-in whose carts a test or a run makes up: `put` returns the /cart.js token. Every
 * variant a cart was put with is one of the shop's variants, at that line's price.
 */
export class StandInCarts implements StandInShop {
  private readonly carts = new Map<string, StandInCart & { key: string }>();
  private readonly variants = new Map<string, { productId: string; price: string; currency: string }>();
  private next = 0;

  put(
    lines: StandInCartLine[],
    token = `c1-standin${++this.next}${Date.now().toString(36)}`,
    currency?: string,
  ): string {
    const key = `k${this.next}${Math.random().toString(36).slice(2, 10)}`;
    this.carts.set(token, { key, currency: currency ?? lines[0]?.currency ?? "USD", lines });
    for (const line of lines)
      this.variants.set(line.variantId, { productId: line.productId, price: line.unitPrice, currency: line.currency });
    return `${token}?key=${key}`;
  }

  /** Stamps a cart with a conversation, as the embed's /cart/update.js does. */
  stamp(cartToken: string, chatSessionId: string | null): void {
    const cart = this.carts.get(cartToken.split("?")[0]);
    if (cart) cart.chatSessionId = chatSessionId;
  }

  /** Changes a cart's lines, as the shopper's later edits do: the token stays. */
  set(cartToken: string, lines: StandInCartLine[]): void {
    const cart = this.carts.get(cartToken.split("?")[0]);
    if (cart) cart.lines = lines;
  }

  readonly cartOf: CartOf = (cartGid) => {
    const match = /^gid:\/\/shopify\/Cart\/([^?]+)\?key=(.+)$/.exec(cartGid);
    const cart = match ? this.carts.get(match[1]) : undefined;
    return cart && cart.key === match![2]
      ? { currency: cart.currency, chatSessionId: cart.chatSessionId, lines: cart.lines }
      : null;
  };

  readonly variantOf: VariantOf = (variantGid) =>
    this.variants.get(variantGid.replace("gid://shopify/ProductVariant/", "")) ?? null;
}
