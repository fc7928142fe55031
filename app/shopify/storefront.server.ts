/**
 * Which Storefront API the app asks for a shop's carts. In production: Shopify's, with the shop's offline session
 * (`unauthenticated.storefront`, scope unauthenticated_read_checkouts). The demo's storefront simulator and the
 * test and load harnesses stand in for Shopify at the HTTP level and say so once at start (`setStorefrontApi`).
 */
import type { StorefrontGraphql } from "../domain/events/storefront-carts.server";

export type StorefrontFor = (shopDomain: string) => Promise<StorefrontGraphql>;

const shopifys: StorefrontFor = async (shopDomain) => {
  const { unauthenticated } = await import("../shopify.server");
  return (await unauthenticated.storefront(shopDomain)).storefront;
};

// On globalThis: the server runs the routes from the Remix build, which carries its own copy of this module, while
// the demo and the harnesses that choose the API import the source one.
const CHOSEN = Symbol.for("chat-attribution.storefront-api");
const chosen = globalThis as { [CHOSEN]?: StorefrontFor };

export const storefrontFor: StorefrontFor = (shopDomain) => (chosen[CHOSEN] ?? shopifys)(shopDomain);

/** Points the app at a Storefront API stand-in (the demo's simulator, a test's or a benchmark's). */
export function setStorefrontApi(storefront: StorefrontFor): void {
  chosen[CHOSEN] = storefront;
}

/** A client of a Storefront API endpoint as Shopify serves it: POST JSON with the private access token header. */
export function storefrontClient(endpoint: string, accessToken: string): StorefrontGraphql {
  return {
    graphql: (query, options) =>
      fetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Shopify-Storefront-Private-Token": accessToken },
        body: JSON.stringify({ query, variables: options?.variables }),
      }),
  };
}
