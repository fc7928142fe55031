/**
 * Reconciliation of one shop or several: from the job queue (server/jobs.ts, a job per shop once a period) and from
 * the CLI (`npm run reconcile`). Each run's outcome is kept on the shop for Setup: a failure (token revoked, Shopify
 * down) with its reason until a run succeeds; the sync point stays where it was, so the next run covers the gap.
 */
import type { Shop } from "@prisma/client";
import type { Db } from "../../db.server";
import { errorMessage } from "../../lib/error-message";
import type { AdminGraphql } from "../admin-graphql";
import { reconcileShopOrders, type ReconcileOptions, type ReconcileSummary } from "./reconcile-orders.server";

export type AdminFor = (shopDomain: string) => Promise<AdminGraphql>;

export type ShopReconciliation =
  | { shop: string; ok: true; summary: ReconcileSummary }
  | { shop: string; ok: false; error: string };

/**
 * Reconciles the installed shop `domain` and records the outcome on it; throws what failed (after recording it).
 * Resolves with null for a shop that is not installed (uninstalled since the job was queued).
 */
export async function reconcileShop(
  db: Db,
  adminFor: AdminFor,
  domain: string,
  options: ReconcileOptions = {},
): Promise<ReconcileSummary | null> {
  const shop = await db.shop.findUnique({ where: { domain } });
  return shop ? reconcileShopRow(db, adminFor, shop, options) : null;
}

async function reconcileShopRow(
  db: Db,
  adminFor: AdminFor,
  shop: Shop,
  options: ReconcileOptions,
): Promise<ReconcileSummary | null> {
  if (shop.status !== "INSTALLED") return null;
  try {
    const summary = await reconcileShopOrders(db, shop, await adminFor(shop.domain), options);
    await db.shop.update({ where: { id: shop.id }, data: { reconcileError: null, reconcileFailedAt: null } });
    return summary;
  } catch (error) {
    await db.shop.update({
      where: { id: shop.id },
      data: { reconcileError: errorMessage(error).slice(0, 500), reconcileFailedAt: new Date() },
    });
    throw error;
  }
}

/** Reconciles each shop in turn; one shop's failure is reported and does not stop the rest. */
export async function reconcileShops(
  db: Db,
  adminFor: AdminFor,
  domains: string[] | "ALL_INSTALLED",
  options: ReconcileOptions = {},
): Promise<ShopReconciliation[]> {
  const shops = await db.shop.findMany({
    where: domains === "ALL_INSTALLED" ? { status: "INSTALLED" } : { domain: { in: domains } },
    orderBy: { domain: "asc" },
  });
  const results: ShopReconciliation[] = [];
  for (const shop of shops) {
    try {
      const summary = await reconcileShopRow(db, adminFor, shop, options);
      if (summary) results.push({ shop: shop.domain, ok: true, summary });
      else results.push({ shop: shop.domain, ok: false, error: "not installed" });
    } catch (error) {
      results.push({ shop: shop.domain, ok: false, error: errorMessage(error) });
    }
  }
  return results;
}
