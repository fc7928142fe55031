import type { Shop } from "@prisma/client";
import { retryingUniqueViolations } from "../../db/unique-violation";
import { prismaSql, type Db, type DbTx, type SqlTransaction } from "../../db.server";
import { findOrCreateIngestShop } from "../shops.server";
import { log } from "../../lib/log.server";
import type { ShopifyCarts } from "./cart-claims";
import type { ClientEvent } from "./event-schema";
import { ingestEventBatches, type EventBatch, type IngestContext, type IngestSummary } from "./ingest-events.server";
import { CartsUnavailable, readClaimedCarts, type StorefrontGraphql } from "./storefront-carts.server";

// Two copies of a batch racing (a retry overlapping the original) collide on the event ledger's key; the loser
// rolls back whole and runs again, now seeing its events as duplicates: hence the retries around each transaction.

/** One batch, one Prisma transaction (with `alsoInTransaction`, e.g. remembering an idempotent response). */
export async function recordEventBatch(
  db: Db,
  shop: Shop,
  events: ClientEvent[],
  context: IngestContext,
  /** Runs in the same transaction after the events are stored. */
  alsoInTransaction?: (tx: DbTx, summary: IngestSummary) => Promise<void>,
): Promise<IngestSummary> {
  return retryingUniqueViolations(() =>
    db.$transaction(async (tx) => {
      const [summary] = await ingestEventBatches(prismaSql(tx), shop, [{ events, context }]);
      await alsoInTransaction?.(tx, summary);
      return summary;
    }),
  );
}

export interface ShopEventBatch extends EventBatch {
  /** The shop the request was signed for. */
  shopDomain: string;
}

/**
 * Many requests' batches in one plain-SQL transaction straight on the driver (`sqlTransaction`), grouped by shop;
 * one summary per batch, in the order given.
 */
export async function recordEventBatchesByShop(
  transaction: SqlTransaction,
  batches: readonly ShopEventBatch[],
): Promise<IngestSummary[]> {
  return retryingUniqueViolations(() =>
    transaction(async (sql) => {
      const summaries = new Map<ShopEventBatch, IngestSummary>();
      for (const domain of new Set(batches.map((batch) => batch.shopDomain))) {
        const ofShop = batches.filter((batch) => batch.shopDomain === domain);
        const shop = await findOrCreateIngestShop(sql, { domain });
        for (const [index, summary] of (await ingestEventBatches(sql, shop, ofShop)).entries())
          summaries.set(ofShop[index], summary);
      }
      return batches.map((batch) => summaries.get(batch)!);
    }),
  );
}

/** How long a storefront waits to send a batch again when Shopify's cart could not be read. */
export const CARTS_RETRY_AFTER_SECONDS = 30;

export type StorefrontBatchResult = { ok: true; summary: IngestSummary } | { ok: false; unavailable: string };

/**
 * A storefront batch: the carts its adds name are read from Shopify (storefront-carts.server.ts), then the batch is
 * stored with them by `store` (the App Proxy route's group commit). Shopify unable to answer stores nothing.
 */
export function storefrontBatchRecorder(
  storefrontFor: (shopDomain: string) => Promise<StorefrontGraphql>,
  store: (batch: ShopEventBatch) => Promise<IngestSummary>,
) {
  return async (
    shopDomain: string,
    events: ClientEvent[],
    loggedInCustomerId: string | null,
  ): Promise<StorefrontBatchResult> => {
    let carts: ShopifyCarts;
    try {
      carts = await readClaimedCarts(storefrontFor, shopDomain, events);
    } catch (error) {
      if (error instanceof CartsUnavailable) {
        log.warn({ shop: shopDomain, reason: error.message }, "storefront batch deferred: cart not readable");
        return { ok: false, unavailable: error.message };
      }
      throw error;
    }
    return {
      ok: true,
      summary: await store({ shopDomain, events, context: { source: "STOREFRONT", loggedInCustomerId, carts } }),
    };
  };
}
