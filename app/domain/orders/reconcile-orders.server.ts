/**
 * Shopify says webhooks are not guaranteed and asks apps to reconcile. This asks the Admin GraphQL API for the
 * orders updated since the last successful sync (and for pixel-only orders no webhook has confirmed), turns each
 * into the webhook's REST shape and feeds it through the same parse and ingest as a webhook: a stale copy never
 * overwrites a newer one, and an order already stored is only updated.
 */
import type { Shop } from "@prisma/client";
import { prismaSql, type Db } from "../../db.server";
import { errorMessage } from "../../lib/error-message";
import { retryFailedAttributions } from "../attribution/attribute-order.server";
import { adminApiError, type AdminGraphql } from "../admin-graphql";
import { ingestVerifiedOrder, type IngestOutcome } from "./ingest-order.server";
import { parseOrderPayload } from "./order-payload";

const ORDER_FIELDS = `#graphql
  fragment ReconciledOrder on Order {
    id name createdAt processedAt updatedAt test displayFinancialStatus cancelledAt currencyCode presentmentCurrencyCode
    totalPriceSet { shopMoney { amount currencyCode } }
    currentTotalPriceSet { shopMoney { amount currencyCode } }
    customAttributes { key value }
    checkoutToken cartToken
    customer { id }
    refunds { id }
    lineItems(first: 250) {
      nodes {
        id title quantity
        product { id }
        variant { id }
        originalUnitPriceSet { shopMoney { amount currencyCode } }
        discountAllocations { allocatedAmountSet { shopMoney { amount currencyCode } } }
        customAttributes { key value }
      }
    }
  }`;

export const ORDERS_UPDATED_SINCE = `#graphql
  query OrdersUpdatedSince($first: Int!, $after: String, $query: String!) {
    orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
      pageInfo { hasNextPage endCursor }
      nodes { ...ReconciledOrder }
    }
  }
  ${ORDER_FIELDS}`;

export const ORDER_BY_ID = `#graphql
  query ReconciledOrderById($id: ID!) { order(id: $id) { ...ReconciledOrder } }
  ${ORDER_FIELDS}`;

interface Money {
  shopMoney: { amount: string; currencyCode: string };
}
interface KeyValue {
  key: string;
  value: string | null;
}
export interface GraphqlOrder {
  id: string;
  name: string;
  createdAt: string;
  processedAt: string | null;
  updatedAt: string;
  test: boolean;
  displayFinancialStatus: string | null;
  cancelledAt: string | null;
  currencyCode: string;
  presentmentCurrencyCode: string | null;
  totalPriceSet: Money;
  currentTotalPriceSet: Money | null;
  customAttributes: KeyValue[];
  checkoutToken: string | null;
  cartToken: string | null;
  customer: { id: string } | null;
  refunds: { id: string }[];
  lineItems: {
    nodes: {
      id: string;
      title: string;
      quantity: number;
      product: { id: string } | null;
      variant: { id: string } | null;
      originalUnitPriceSet: Money;
      discountAllocations: { allocatedAmountSet: Money }[];
      customAttributes: KeyValue[];
    }[];
  };
}

const numericId = (gid: string) => gid.replace(/^gid:\/\/shopify\/\w+\//, "").replace(/\?.*$/, "");
const restMoney = (money: Money) => ({
  shop_money: { amount: money.shopMoney.amount, currency_code: money.shopMoney.currencyCode },
});
const nameValues = (list: KeyValue[]) => list.map((entry) => ({ name: entry.key, value: entry.value ?? "" }));

/** The Admin GraphQL order in the REST webhook's shape, so one parser and one ingest serve both. */
export function restPayloadOf(order: GraphqlOrder) {
  return {
    id: numericId(order.id),
    name: order.name,
    created_at: order.createdAt,
    processed_at: order.processedAt,
    updated_at: order.updatedAt,
    test: order.test,
    financial_status: order.displayFinancialStatus?.toLowerCase() ?? null,
    cancelled_at: order.cancelledAt,
    currency: order.currencyCode,
    presentment_currency: order.presentmentCurrencyCode,
    total_price_set: restMoney(order.totalPriceSet),
    current_total_price_set: order.currentTotalPriceSet ? restMoney(order.currentTotalPriceSet) : null,
    line_items: order.lineItems.nodes.map((line) => ({
      id: numericId(line.id),
      product_id: line.product ? numericId(line.product.id) : null,
      variant_id: line.variant ? numericId(line.variant.id) : null,
      title: line.title,
      quantity: line.quantity,
      price_set: restMoney(line.originalUnitPriceSet),
      discount_allocations: line.discountAllocations.map((allocation) => ({
        amount_set: restMoney(allocation.allocatedAmountSet),
      })),
      properties: nameValues(line.customAttributes),
    })),
    note_attributes: nameValues(order.customAttributes),
    checkout_token: order.checkoutToken,
    cart_token: order.cartToken,
    customer: order.customer ? { id: numericId(order.customer.id) } : null,
    refunds: order.refunds.map((refund) => ({ id: numericId(refund.id) })),
  };
}

/**
 * An app without protected-customer-data access gets `customer: null` plus one ACCESS_DENIED error per order beside
 * the data. The order itself is complete, so that answer is used (identity matching by customer id is simply not
 * possible for it); any other error refuses the whole answer.
 */
const onlyCustomerDenied = (errors: unknown) =>
  Array.isArray(errors) &&
  errors.every(
    (error: { path?: unknown[]; extensions?: { code?: string } }) =>
      error?.extensions?.code === "ACCESS_DENIED" && error.path?.at(-1) === "customer",
  );

async function query<T>(admin: AdminGraphql, document: string, variables: Record<string, unknown>): Promise<T> {
  const response = await admin.graphql(document, { variables });
  const json = (await response.json().catch(() => null)) as { data?: T; errors?: unknown } | null;
  if (!json?.data || (json.errors && !onlyCustomerDenied(json.errors))) throw adminApiError(json, response.status);
  return json.data;
}

export interface ReconcileOptions {
  now?: Date;
  pageSize?: number;
  /** Pages per run; a longer backlog continues from where this run stopped. */
  maxPages?: number;
  /** A pixel-only order older than this without a webhook is looked up by id. */
  unverifiedAfterMinutes?: number;
  /** How far back the very first sync of a shop looks. */
  firstSyncDays?: number;
}

export interface ReconcileSummary {
  since: string;
  fetched: number;
  /** FAILED: fetched, valid, but not stored (recorded in ReconcileFailure and retried by id on the next runs). */
  outcomes: Record<IngestOutcome | "REJECTED" | "FAILED", number>;
  unverifiedChecked: number;
  unverifiedConfirmed: number;
  /** Pixel-only orders Shopify has no order for, deleted. */
  unverifiedRetired: number;
  /** Orders an earlier run could not store, asked for again by id; how many of them are stored now. */
  failuresRetried: number;
  failuresResolved: number;
  /** Attributions the engine had failed on, computed again; how many still fail. */
  attributionsRetried: number;
  attributionsStillFailing: number;
  complete: boolean;
  syncedTo: string;
}

type OrdersPage = { orders: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: GraphqlOrder[] } };

/** Pixel-only orders looked up by id per run (see MAX_UNVERIFIED_ORDERS_PER_HOUR: a run retires more than an hour's cap). */
const UNVERIFIED_PER_RUN = 100;

// Orders updated just before the last sync's clock reading can show up late in Shopify's search index.
const OVERLAP_MS = 5 * 60_000;

export async function reconcileShopOrders(
  db: Db,
  shop: Shop,
  admin: AdminGraphql,
  options: ReconcileOptions = {},
): Promise<ReconcileSummary> {
  const startedAt = new Date();
  const now = options.now ?? startedAt;
  const pageSize = options.pageSize ?? 50;
  const maxPages = options.maxPages ?? 40;
  const since = new Date(
    (shop.lastOrderSyncAt?.getTime() ?? now.getTime() - (options.firstSyncDays ?? 7) * 86_400_000) - OVERLAP_MS,
  );
  const outcomes: ReconcileSummary["outcomes"] = {
    CREATED: 0,
    UPDATED: 0,
    STALE: 0,
    NOT_INSTALLED: 0,
    REJECTED: 0,
    FAILED: 0,
  };
  let fetched = 0;

  // One order that cannot be stored is recorded and the run goes on: it never holds back the orders after it.
  const ingest = async (order: GraphqlOrder) => {
    fetched += 1;
    const parsed = parseOrderPayload(restPayloadOf(order));
    if (!parsed.ok) {
      outcomes.REJECTED += 1;
      return false;
    }
    let outcome: IngestOutcome;
    try {
      outcome = await db.$transaction((tx) =>
        ingestVerifiedOrder(prismaSql(tx), shop.domain, parsed.order, "RECONCILIATION"),
      );
    } catch (error) {
      outcomes.FAILED += 1;
      const shopifyOrderId = numericId(order.id);
      const failure = { error: errorMessage(error).slice(0, 500), lastFailedAt: new Date() };
      await db.reconcileFailure.upsert({
        where: { shopId_shopifyOrderId: { shopId: shop.id, shopifyOrderId } },
        create: { shopId: shop.id, shopifyOrderId, ...failure },
        update: { ...failure, attempts: { increment: 1 } },
      });
      return false;
    }
    outcomes[outcome] += 1;
    return outcome !== "NOT_INSTALLED";
  };

  let after: string | null = null;
  let complete = false;
  let lastUpdatedAt: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const { orders }: OrdersPage = await query<OrdersPage>(admin, ORDERS_UPDATED_SINCE, {
      first: pageSize,
      after,
      query: `updated_at:>='${since.toISOString()}'`,
    });
    for (const order of orders.nodes) {
      await ingest(order);
      lastUpdatedAt = order.updatedAt;
    }
    if (!orders.pageInfo.hasNextPage) {
      complete = true;
      break;
    }
    after = orders.pageInfo.endCursor;
  }

  const threshold = new Date(now.getTime() - (options.unverifiedAfterMinutes ?? 60) * 60_000);
  const unverified = await db.order.findMany({
    where: { shopId: shop.id, verified: false, source: "PIXEL", createdAt: { lte: threshold } },
    orderBy: { createdAt: "asc" },
    take: UNVERIFIED_PER_RUN,
    select: { id: true, shopifyOrderId: true },
  });
  let unverifiedConfirmed = 0;
  let unverifiedRetired = 0;
  for (const { id, shopifyOrderId } of unverified) {
    const { order } = await query<{ order: GraphqlOrder | null }>(admin, ORDER_BY_ID, {
      id: `gid://shopify/Order/${shopifyOrderId}`,
    });
    if (order) {
      if (await ingest(order)) unverifiedConfirmed += 1;
      continue;
    }
    // An id Shopify does not know was a forged or mistyped report: it goes (its hit and link stay as evidence),
    // so such ids never hold this window. The condition keeps an order a webhook confirmed meanwhile.
    unverifiedRetired += (await db.order.deleteMany({ where: { id, verified: false } })).count;
  }

  // Orders earlier runs could not store, by id: a stored one leaves the list, one Shopify no longer has too.
  const failures = await db.reconcileFailure.findMany({
    where: { shopId: shop.id, lastFailedAt: { lt: startedAt } },
    orderBy: { firstFailedAt: "asc" },
    take: 50,
  });
  let failuresResolved = 0;
  for (const { shopifyOrderId } of failures) {
    const { order } = await query<{ order: GraphqlOrder | null }>(admin, ORDER_BY_ID, {
      id: `gid://shopify/Order/${shopifyOrderId}`,
    });
    if (order && !(await ingest(order))) continue;
    await db.reconcileFailure.delete({ where: { shopId_shopifyOrderId: { shopId: shop.id, shopifyOrderId } } });
    failuresResolved += 1;
  }

  // Attributions the engine failed on (stored unattributed with their error) are computed again here.
  const attributions = await db.$transaction((tx) => retryFailedAttributions(prismaSql(tx), shop));

  // A complete run has seen everything up to `now`; a run cut short continues from the last order it saw.
  const syncedTo = complete ? now : lastUpdatedAt ? new Date(lastUpdatedAt) : since;
  await db.shop.update({ where: { id: shop.id }, data: { lastOrderSyncAt: syncedTo } });
  return {
    since: since.toISOString(),
    fetched,
    outcomes,
    unverifiedChecked: unverified.length,
    unverifiedConfirmed,
    unverifiedRetired,
    failuresRetried: failures.length,
    failuresResolved,
    attributionsRetried: attributions.retried,
    attributionsStillFailing: attributions.stillFailing,
    complete,
    syncedTo: syncedTo.toISOString(),
  };
}
