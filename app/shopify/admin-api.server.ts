/**
 * Which Admin API the app asks about its own installation (app-data metafields, the app's subscription). In
 * production: the client of the merchant's session (`authenticate.admin`) or of the shop's offline session. The
 * demo's simulator stands in for Shopify at the HTTP level and says so once at start (`setAppAdminApi`), like the
 * Storefront API (storefront.server.ts).
 */
import type { AdminGraphql } from "../domain/admin-graphql";

// On globalThis: the server runs the routes from the Remix build, which carries its own copy of this module.
const CHOSEN = Symbol.for("chat-attribution.app-admin-api");
const chosen = globalThis as { [CHOSEN]?: AdminGraphql };

export const appAdminApi = (sessionAdmin: AdminGraphql): AdminGraphql => chosen[CHOSEN] ?? sessionAdmin;

/** The stand-in chosen at start, if any (before a session's client is built for nothing). */
export const chosenAppAdminApi = (): AdminGraphql | undefined => chosen[CHOSEN];

export function setAppAdminApi(admin: AdminGraphql): void {
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
