/**
 * Runs reconciliation for every installed shop, in the server process on a schedule and from the CLI
 * (`npm run reconcile`). One shop's failure (token revoked, Shopify down) is reported and does not stop the rest;
 * its sync point stays where it was, so the next run covers the gap.
 */
import type { Db } from "../../db.server";
import type { AdminGraphql } from "../admin-graphql";
import { reconcileShopOrders, type ReconcileOptions, type ReconcileSummary } from "./reconcile-orders.server";

export type AdminFor = (shopDomain: string) => Promise<AdminGraphql>;

export type ShopReconciliation = { shop: string; ok: true; summary: ReconcileSummary } | { shop: string; ok: false; error: string };

export async function reconcileShops(db: Db, adminFor: AdminFor, domains: string[] | "ALL_INSTALLED", options: ReconcileOptions = {}): Promise<ShopReconciliation[]> {
  const shops = await db.shop.findMany({
    where: domains === "ALL_INSTALLED" ? { status: "INSTALLED" } : { domain: { in: domains } },
    orderBy: { domain: "asc" },
  });
  const results: ShopReconciliation[] = [];
  for (const shop of shops) {
    try {
      results.push({ shop: shop.domain, ok: true, summary: await reconcileShopOrders(db, shop, await adminFor(shop.domain), options) });
    } catch (error) {
      results.push({ shop: shop.domain, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}

/** Every `intervalMs`, never two runs at once; the timer does not keep the process alive. Returns a stop function. */
export function scheduleReconciliation(db: Db, adminFor: AdminFor, intervalMs: number, log: (line: string) => void = console.log): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      for (const result of await reconcileShops(db, adminFor, "ALL_INSTALLED")) {
        log(result.ok ? `[reconcile] ${result.shop}: ${result.summary.fetched} orders checked, ${result.summary.outcomes.CREATED} missed ones added` : `[reconcile] ${result.shop}: ${result.error}`);
      }
    } catch (error) {
      log(`[reconcile] ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
