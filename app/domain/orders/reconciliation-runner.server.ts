/**
 * Runs reconciliation for every installed shop, in the server process on a schedule and from the CLI
 * (`npm run reconcile`). One shop's failure (token revoked, Shopify down) is reported and does not stop the rest;
 * its sync point stays where it was, so the next run covers the gap.
 */
import type { Db } from "../../db.server";
import { errorMessage } from "../../lib/error-message";
import { runEvery } from "../../lib/schedule";
import type { AdminGraphql } from "../admin-graphql";
import { reconcileShopOrders, type ReconcileOptions, type ReconcileSummary } from "./reconcile-orders.server";

export type AdminFor = (shopDomain: string) => Promise<AdminGraphql>;

export type ShopReconciliation =
  | { shop: string; ok: true; summary: ReconcileSummary }
  | { shop: string; ok: false; error: string };

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
      results.push({
        shop: shop.domain,
        ok: true,
        summary: await reconcileShopOrders(db, shop, await adminFor(shop.domain), options),
      });
    } catch (error) {
      results.push({ shop: shop.domain, ok: false, error: errorMessage(error) });
    }
  }
  return results;
}

/** Reconciles every installed shop every `intervalMs` (see runEvery). Returns a stop function. */
export function scheduleReconciliation(
  db: Db,
  adminFor: AdminFor,
  intervalMs: number,
  log: (line: string) => void = console.log,
): () => Promise<void> {
  const reconcileAll = async () => {
    for (const result of await reconcileShops(db, adminFor, "ALL_INSTALLED")) {
      if (!result.ok) {
        log(`[reconcile] ${result.shop}: ${result.error}`);
        continue;
      }
      const { fetched, outcomes } = result.summary;
      log(
        `[reconcile] ${result.shop}: ${fetched} orders checked, ${outcomes.CREATED} missed ones added${outcomes.FAILED > 0 ? `, ${outcomes.FAILED} could not be stored (retried next run)` : ""}`,
      );
    }
  };
  return runEvery(intervalMs, reconcileAll, (error) => log(`[reconcile] ${errorMessage(error)}`));
}
