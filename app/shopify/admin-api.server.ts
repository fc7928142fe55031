/**
 * Which Admin API the app publishes its app-data metafields through. In production: the client of the merchant's
 * session (`authenticate.admin`). The demo's simulator stands in for Shopify at the HTTP level and says so once at
 * start (`setAppMetafieldsApi`), like the Storefront API (storefront.server.ts).
 */
import type { AdminGraphql } from "../domain/admin-graphql";

// On globalThis: the server runs the routes from the Remix build, which carries its own copy of this module.
const CHOSEN = Symbol.for("chat-attribution.app-metafields-api");
const chosen = globalThis as { [CHOSEN]?: AdminGraphql };

export const appMetafieldsApi = (sessionAdmin: AdminGraphql): AdminGraphql => chosen[CHOSEN] ?? sessionAdmin;

export function setAppMetafieldsApi(admin: AdminGraphql): void {
  chosen[CHOSEN] = admin;
}

/** A client of an Admin API endpoint as Shopify serves it: POST JSON with the access token header. */
export function adminClient(endpoint: string, accessToken: string): AdminGraphql {
  return {
    graphql: (query, options) =>
      fetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": accessToken },
        body: JSON.stringify({ query, variables: options?.variables }),
      }),
  };
}
