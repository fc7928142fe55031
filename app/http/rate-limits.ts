/**
 * Every rate limit of the ways in, in one place: requests per key per window, held across all app instances
 * (shared-rate-limit.server.ts). A refused request is answered 429 with Retry-After; nothing it carried is stored.
 */
import type { SharedLimit } from "./shared-rate-limit.server";

/** App Proxy events, per shop and visitor: a storefront flushes a batch every few seconds at most. */
export const VISITOR_LIMIT: SharedLimit = { name: "visitor", points: 30, perSeconds: 60 };

/** Web pixel hits, per shop and claimed client id: a checkout completes once per order. */
export const PIXEL_CLIENT_LIMIT: SharedLimit = { name: "pixel-client", points: 20, perSeconds: 100 };

/**
 * Web pixel hits, per shop, whatever client ids they claim (a script can take a new one per request): an average of
 * 20 a second, well above one shop's checkouts (72,000 orders an hour).
 */
export const PIXEL_SHOP_LIMIT: SharedLimit = { name: "pixel-shop", points: 500, perSeconds: 25 };

/** Server API event batches, per API key: up to 100 events a request, so thousands of events a second. */
export const API_EVENTS_KEY_LIMIT: SharedLimit = { name: "api-events", points: 100, perSeconds: 2 };

/** Tracked links, one a request, per API key. */
export const API_LINKS_KEY_LIMIT: SharedLimit = { name: "api-links", points: 100, perSeconds: 5 };
