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
import { jsonResponse } from "./http";

export async function authenticatedShop(request: Request): Promise<Shop> {
  return (await authenticatedAdmin(request)).shop;
}

/** The shop and the Admin API client of its session, for pages that also ask Shopify something. */
export async function authenticatedAdmin(request: Request) {
  const { session, admin } = await authenticate.admin(request);
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
