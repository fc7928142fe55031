/**
 * What every admin page and admin API route starts with: the real authenticate.admin (an App Bridge
 * session token, or the embedded-app redirects), then the shop row that session belongs to. A route never
 * takes the shop from the URL: only from the verified session.
 */
import type { Shop } from "@prisma/client";
import { prisma } from "../db.server";
import { reportTimezone } from "../domain/reports/date-range";
import { parseReportQuery, type ReportQuery } from "../domain/reports/report-query";
import { findShop } from "../domain/shops.server";
import { authenticate } from "../shopify.server";
import { SHOP_DOMAIN } from "../shopify/verified-webhook.server";
import { jsonResponse } from "./json";

export async function authenticatedShop(request: Request): Promise<Shop> {
  return (await authenticatedAdmin(request)).shop;
}

/** The shop a session token's `dest` or `iss` names (`https://<shop>` or `https://<shop>/admin`), or null. */
function shopOfClaim(value: unknown): string | null {
  if (typeof value !== "string" || !URL.canParse(value)) return null;
  const shop = new URL(value).hostname;
  return SHOP_DOMAIN.test(shop) && (value === `https://${shop}` || value === `https://${shop}/admin`) ? shop : null;
}

/**
 * The library turns a session token whose `dest` or `iss` is no URL (or an unreadable `host` parameter) into a
 * TypeError, a 500: such a request is refused with 401 before it gets there. Nothing is granted here; the token's
 * signature is still the library's to check.
 */
function refuseMalformedCredentials(request: Request): void {
  const unauthorized = () => jsonResponse({ error: "invalid session token" }, { status: 401 });
  const url = new URL(request.url);
  // A fetch carries the token as a bearer header; the admin's document request as `id_token`.
  const bearer =
    /^Bearer (.+)$/.exec(request.headers.get("Authorization") ?? "")?.[1] ?? url.searchParams.get("id_token");
  if (bearer) {
    let claims: { dest?: unknown; iss?: unknown };
    try {
      claims = JSON.parse(Buffer.from(bearer.split(".")[1] ?? "", "base64url").toString("utf8"));
    } catch {
      throw unauthorized();
    }
    const dest = shopOfClaim(claims.dest);
    if (dest === null || shopOfClaim(claims.iss) !== dest) throw unauthorized();
  }
  const host = url.searchParams.get("host");
  if (host !== null && !/^[A-Za-z0-9+/_-]+={0,2}$/.test(host)) throw unauthorized();
}

/** authenticate.admin, with malformed credentials answered 401 first: every admin route authenticates through it. */
export function authenticateAdmin(request: Request): ReturnType<typeof authenticate.admin> {
  refuseMalformedCredentials(request);
  return authenticate.admin(request);
}

/** The shop and the Admin API client of its session, for pages that also ask Shopify something. */
export async function authenticatedAdmin(request: Request) {
  const { session, admin } = await authenticateAdmin(request);
  const shop = await findShop(prisma, session.shop);
  if (!shop) throw jsonResponse({ error: "This shop is not set up yet: reinstall the app" }, { status: 404 });
  return { shop, admin };
}

/** The report query of the request's URL in the shop's time zone; a 400 naming each bad parameter otherwise. */
export function reportQueryOf(request: Request, shop: Shop, now: Date = new Date()): ReportQuery {
  const result = parseReportQuery(new URL(request.url).searchParams, { now, timezone: reportTimezone(shop) });
  if (!result.ok) throw jsonResponse({ error: "invalid report query", errors: result.errors }, { status: 400 });
  return result.query;
}
