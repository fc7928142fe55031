/**
 * Stores an order from a verified webhook and attributes it. Shopify delivers at least once and out of
 * order, sometimes a day late: the stored order is the newest by `updated_at`, and an older payload never
 * overwrites it (it only confirms the order as verified).
 */
import { advisoryLocksOn, insertFromJson, overwriteFromExcluded, type Sql } from "../../db.server";
import { uuidv7 } from "../../lib/uuid";
import {
  ATTRIBUTION_UPSERT,
  attributeWithEvidence,
  keepsRedactedCredit,
  readEvidence,
  type AttributableOrder,
  type AttributionRow,
  type Evidence,
  type StoredCredit,
} from "../attribution/attribute-order.server";
import { storedEmailHash } from "../email-hash.server";
import { findInstalledIngestShops, type IngestShop } from "../shops.server";
import type { ParsedOrder } from "./order-payload";
import { netAmountOf, parseRefundPayload } from "./refunds";

/** NOT_INSTALLED: the app is not installed on the order's shop (never installed, or uninstalled); nothing stored. */
export type IngestOutcome = "CREATED" | "UPDATED" | "STALE" | "NOT_INSTALLED";

/** One order payload as a delivery carried it, for the shop that sent it. */
export interface OrderVersion {
  shopDomain: string;
  order: ParsedOrder;
}

const orderKey = (shopId: string, shopifyOrderId: string) => `${shopId}:${shopifyOrderId}`;

/**
 * Shopify sends orders/paid, orders/updated, orders/cancelled and refunds/create for one order close together
 * and concurrently. Without a lock two versions could both read "stored is older than me" and the older one
 * write last, or a refund and its order could each miss the other. A transaction-scoped advisory lock per
 * (shop, order) serialises them; it is released at commit or rollback. A set of orders takes its locks in one
 * sorted order, so two sets that share orders cannot deadlock. The key names the shop by its domain (unique and
 * never changed), which a delivery carries: the locks are taken before the shop row is read or created.
 */
const lockKeysOf = (orders: readonly { shopDomain: string; shopifyOrderId: string }[]) =>
  [...new Set(orders.map((order) => `${order.shopDomain}:${order.shopifyOrderId}`))].sort();

async function lockOrders(sql: Sql, keys: readonly string[]): Promise<void> {
  await sql.query(`SELECT ${advisoryLocksOn(1)} AS locked`, [keys]);
}

interface StoredOrder extends StoredCredit {
  /** Null while the order is not stored yet. */
  id: string | null;
  updatedAt: Date | null;
  /** When the app first heard of the order (a pixel hit may have come before any webhook). */
  receivedAt: Date | null;
  verified: boolean;
  cancelledAt: Date | null;
  currentTotalAmount: string | null;
  reflectedRefundIds: string[];
  /** The refunds kept for the order (refunds/create can come before the order itself). */
  refunds: { shopifyRefundId: string; amount: string }[];
}

/**
 * The stored state of each order and its refunds, in one statement for the whole set: an index probe per order
 * (LATERAL … OFFSET 0 is never turned into a join), because a shop taking orders fast outgrows its statistics and,
 * as a join, the planner hashed every order of the table on every batch (auto_explain under `npm run bench`).
 */
async function readStoredOrders(
  sql: Sql,
  orders: readonly { shopId: string; shopifyOrderId: string }[],
): Promise<Map<string, StoredOrder>> {
  const unique = [...new Map(orders.map((o) => [orderKey(o.shopId, o.shopifyOrderId), o])).values()];
  const rows = await sql.query<{ shopId: string; shopifyOrderId: string } & StoredOrder>(
    `SELECT k."shopId"::text AS "shopId", k."shopifyOrderId", o.id::text AS id,
            o."shopifyUpdatedAt" AT TIME ZONE 'UTC' AS "updatedAt", o."createdAt" AT TIME ZONE 'UTC' AS "receivedAt",
            coalesce(o.verified, false) AS verified,
            o."cancelledAt" AT TIME ZONE 'UTC' AS "cancelledAt", o."currentTotalAmount"::text AS "currentTotalAmount",
            coalesce(o."reflectedRefundIds", '{}') AS "reflectedRefundIds",
            coalesce(o."customerRedactedAt" IS NOT NULL, false) AS "customerRedacted", o."matchedBy"::text AS "matchedBy",
            (SELECT coalesce(json_agg(json_build_object('shopifyRefundId', r."shopifyRefundId", 'amount', r.amount::text)), '[]'::json)
               FROM "Refund" r WHERE r."shopId" = k."shopId" AND r."shopifyOrderId" = k."shopifyOrderId") AS refunds
     FROM unnest($1::uuid[], $2::text[]) AS k("shopId", "shopifyOrderId")
     LEFT JOIN LATERAL (
       SELECT o.*, a."matchedBy" FROM "Order" o LEFT JOIN "Attribution" a ON a."orderId" = o.id
       WHERE o."shopId" = k."shopId" AND o."shopifyOrderId" = k."shopifyOrderId" OFFSET 0
     ) o ON true`,
    [unique.map((o) => o.shopId), unique.map((o) => o.shopifyOrderId)],
  );
  return new Map(rows.map(({ shopId, shopifyOrderId, ...order }) => [orderKey(shopId, shopifyOrderId), order]));
}

/** The attributions of the orders a statement writes (CTE `o`), from JSON parameter $3, found by Shopify id. */
const ATTRIBUTIONS_OF_WRITTEN_ORDERS = `
      ${insertFromJson("Attribution", 3, "a", { computed: { orderId: "o.id" }, alsoRead: { shopifyOrderId: "text" } })}
      JOIN o ON o."shopId" = a."shopId" AND o."shopifyOrderId" = a."shopifyOrderId"
      ORDER BY o.id
      ${ATTRIBUTION_UPSERT}`;

/** Orders ($1), their line items ($2) and attributions ($3): see writeOrders. */
const WRITE_ORDERS = `
    WITH o AS (
      ${insertFromJson("Order", 1, "r")}
      ORDER BY r."shopId", r."shopifyOrderId"
      ON CONFLICT ("shopId", "shopifyOrderId") DO UPDATE SET
        ${overwriteFromExcluded("Order", ["id", "shopId", "shopifyOrderId"])}
      RETURNING id, "shopId", "shopifyOrderId"
    ), items AS (
      ${insertFromJson("OrderLineItem", 2, "i", {
        computed: { shopId: 'o."shopId"', orderId: "o.id" },
        alsoRead: { shopifyOrderId: "text" },
      })}
      JOIN o ON o."shopId" = i."shopId" AND o."shopifyOrderId" = i."shopifyOrderId"
    ), attributed AS (${ATTRIBUTIONS_OF_WRITTEN_ORDERS}
    )
    SELECT count(*)::int AS written FROM o`;

/**
 * Inserts new orders and overwrites stored ones with their line items and attributions, in one statement (plus
 * one to drop the line items of the orders being overwritten, which the new version lists again). Line items and
 * attributions find their order by Shopify id among the rows this statement wrote.
 */
async function writeOrders(
  sql: Sql,
  orders: readonly object[],
  lineItems: readonly object[],
  attributions: readonly AttributionRow[],
  replacedOrderIds: readonly string[],
  source: "WEBHOOK" | "RECONCILIATION",
): Promise<void> {
  // Issued together with the write (statements run in the order issued), so both share a round trip.
  const droppedLineItems =
    replacedOrderIds.length > 0
      ? sql.query(`DELETE FROM "OrderLineItem" WHERE "orderId" = ANY($1::uuid[])`, [replacedOrderIds])
      : null;
  // One time for the whole statement, as now() gave before the columns moved into the JSON rows.
  const updatedAt = new Date();
  const write = sql.query(WRITE_ORDERS, [
    JSON.stringify(orders.map((order) => ({ ...order, verified: true, source, updatedAt }))),
    JSON.stringify(lineItems),
    JSON.stringify(attributions),
  ]);
  await Promise.all([droppedLineItems, write]);
}

/** `source` says how Shopify's own data reached us: a signed webhook, or the Admin API during reconciliation. */
export async function ingestVerifiedOrder(
  sql: Sql,
  shopDomain: string,
  parsed: ParsedOrder,
  source: "WEBHOOK" | "RECONCILIATION" = "WEBHOOK",
): Promise<IngestOutcome> {
  return (await ingestVerifiedOrders(sql, [{ shopDomain, order: parsed }], source))[0];
}

/**
 * Stores a set of order versions in one transaction and attributes the orders they changed, with a fixed number
 * of statements for the whole set. The outcome of each version (in the order given) is what storing them one
 * after the other would give: a later version of the same order in the set sees the earlier one as stored.
 */
export async function ingestVerifiedOrders(
  sql: Sql,
  versions: readonly OrderVersion[],
  source: "WEBHOOK" | "RECONCILIATION" = "WEBHOOK",
): Promise<IngestOutcome[]> {
  if (versions.length === 0) return [];
  const shops = await findInstalledIngestShops(
    sql,
    versions.map((v) => v.shopDomain),
    lockKeysOf(versions.map((v) => ({ shopDomain: v.shopDomain, shopifyOrderId: v.order.shopifyOrderId }))),
  );
  const installed = await ingestInstalled(
    sql,
    shops,
    versions.filter((v) => shops.has(v.shopDomain)),
    source,
  );
  let next = 0;
  return versions.map((v) => (shops.has(v.shopDomain) ? installed[next++] : "NOT_INSTALLED"));
}

/** ingestVerifiedOrders for versions of shops the app is installed on (`shops`, read and locked). */
async function ingestInstalled(
  sql: Sql,
  shops: ReadonlyMap<string, IngestShop>,
  versions: readonly OrderVersion[],
  source: "WEBHOOK" | "RECONCILIATION",
): Promise<IngestOutcome[]> {
  if (versions.length === 0) return [];
  const shopIdOf = (version: OrderVersion) => shops.get(version.shopDomain)!.id;

  // What is stored decides which versions win; the evidence depends only on what the payloads say, so it is read
  // for every version (a superset of the winners' evidence gives each winner the same candidates) and both reads
  // share a round trip.
  const [stored, evidenceByShop] = await Promise.all([
    readStoredOrders(
      sql,
      versions.map((v) => ({ shopId: shopIdOf(v), shopifyOrderId: v.order.shopifyOrderId })),
    ),
    readEvidenceByShop(sql, [...shops.values()], versions),
  ]);

  // Which version of each order ends up stored, deciding every version as if it arrived alone, in turn.
  const outcomes: IngestOutcome[] = [];
  const winners = new Map<string, OrderVersion>();
  for (const version of versions) {
    const key = orderKey(shopIdOf(version), version.order.shopifyOrderId);
    const current = stored.get(key)!;
    if (
      current.verified &&
      current.updatedAt &&
      current.updatedAt.getTime() >= version.order.shopifyUpdatedAt.getTime()
    ) {
      outcomes.push("STALE");
      continue;
    }
    outcomes.push(current.id || winners.has(key) ? "UPDATED" : "CREATED");
    stored.set(key, { ...current, updatedAt: version.order.shopifyUpdatedAt, verified: true });
    winners.set(key, version);
  }
  if (winners.size === 0) return outcomes;

  // The chat stamps stay in noteAttributes and line items; the rest of the parsed order maps onto columns.
  const written = [...winners].map(([key, version]) => {
    const {
      lineItems: _items,
      chatSessionId: _cartStamp,
      chatVisitorId: _visitorStamp,
      emailSha256: _email,
      ...columns
    } = version.order;
    const current = stored.get(key)!;
    return {
      current,
      version,
      row: {
        id: current.id ?? uuidv7(),
        shopId: shopIdOf(version),
        ...columns,
        emailHash: emailHashOf(version),
        netAmount: netAmountOf(columns, current.refunds),
      },
    };
  });
  const orderRows = written.map(({ row }) => row);
  const lineItemRows = written.flatMap(({ version }) =>
    version.order.lineItems.map((item) => ({
      id: uuidv7(),
      shopId: shopIdOf(version),
      shopifyOrderId: version.order.shopifyOrderId,
      ...item,
    })),
  );

  // The evidence is chat data, not the order rows: each order is attributed as it is about to be written, and
  // its attribution written with it.
  const attributions: AttributionRow[] = [];
  const arrival = new Date();
  for (const shop of shops.values()) {
    const attributable = written
      .filter(({ current, row }) => row.shopId === shop.id && !keepsRedactedCredit(current))
      .map(
        ({ version, row, current }): AttributableOrder => ({
          ...row,
          verified: true,
          receivedAt: current.receivedAt ?? arrival,
          stampedItems: stampedItemsOf(version.order),
        }),
      );
    if (attributable.length > 0)
      attributions.push(...attributeWithEvidence(shop, attributable, evidenceByShop.get(shop.id)!).rows);
  }
  const replaced = written.map(({ current }) => current.id).filter((id) => id !== null);
  // When a shop's orders last arrived, to the minute: a busy shop should not rewrite its row for every order.
  const now = new Date();
  const arrivalsToRecord = [...shops.values()].filter(
    (shop) =>
      orderRows.some((row) => row.shopId === shop.id) &&
      (!shop.lastWebhookAt || now.getTime() - shop.lastWebhookAt.getTime() > 60_000),
  );
  await Promise.all([
    writeOrders(sql, orderRows, lineItemRows, attributions, replaced, source),
    ...arrivalsToRecord.map((shop) =>
      sql.query(
        `UPDATE "Shop" SET "lastWebhookAt" = $2::timestamptz AT TIME ZONE 'UTC', "updatedAt" = $2::timestamptz AT TIME ZONE 'UTC' WHERE id = $1::uuid`,
        [shop.id, now.toISOString()],
      ),
    ),
  ]);
  return outcomes;
}

/** The order's e-mail as stored: keyed for its shop (the payload gives the address, parsing its SHA-256). */
const emailHashOf = (version: OrderVersion) => storedEmailHash(version.shopDomain, version.order.emailSha256);

const stampedItemsOf = (order: ParsedOrder) =>
  order.lineItems.flatMap((item) =>
    item.chatSessionId ? [{ title: item.title, chatSessionId: item.chatSessionId }] : [],
  );

/** The evidence for every version's order, per shop, in one statement per shop, all issued together. */
async function readEvidenceByShop(
  sql: Sql,
  shops: readonly IngestShop[],
  versions: readonly OrderVersion[],
): Promise<Map<string, Evidence>> {
  const read = shops.map(async (shop): Promise<[string, Evidence]> => {
    const orders = versions
      .filter((v) => v.shopDomain === shop.domain)
      .map((version) => ({
        ...version.order,
        emailHash: emailHashOf(version),
        stampedItems: stampedItemsOf(version.order),
      }));
    return [shop.id, await readEvidence(sql, shop.id, orders)];
  });
  return new Map(await Promise.all(read));
}

export const notInstalled = (shopDomain: string) =>
  `the app is not installed on ${shopDomain}: nothing of the delivery is stored`;

export type RefundOutcome = { status: "PROCESSED" } | { status: "REJECTED"; reason: string };

/**
 * refunds/create: the refund is kept whether or not its order is here yet (deliveries arrive out of order);
 * an order already stored gets its net recomputed, and an order that arrives later deducts it on ingest.
 */
export async function ingestRefund(sql: Sql, shopDomain: string, payload: unknown): Promise<RefundOutcome> {
  const shop = (await findInstalledIngestShops(sql, [shopDomain])).get(shopDomain);
  if (!shop) return { status: "REJECTED", reason: notInstalled(shopDomain) };
  const parsed = parseRefundPayload(payload, shop.currency);
  if (!parsed.ok) return { status: "REJECTED", reason: parsed.reason };
  const { shopifyRefundId, shopifyOrderId, processedAt, amount } = parsed.refund;
  await lockOrders(sql, lockKeysOf([{ shopDomain, shopifyOrderId }]));
  await sql.query(
    `INSERT INTO "Refund" (id, "shopId", "shopifyOrderId", "shopifyRefundId", amount, "processedAt")
     VALUES ($1::uuid, $2::uuid, $3, $4, $5::numeric, $6::timestamptz AT TIME ZONE 'UTC')
     ON CONFLICT ("shopId", "shopifyRefundId") DO NOTHING`,
    [uuidv7(), shop.id, shopifyOrderId, shopifyRefundId, amount, processedAt.toISOString()],
  );
  const order = (await readStoredOrders(sql, [{ shopId: shop.id, shopifyOrderId }])).get(
    orderKey(shop.id, shopifyOrderId),
  )!;
  if (order.id && order.currentTotalAmount) {
    const netAmount = netAmountOf({ ...order, currentTotalAmount: order.currentTotalAmount }, order.refunds);
    await sql.query(
      `UPDATE "Order" SET "netAmount" = $2::numeric, "updatedAt" = now() AT TIME ZONE 'UTC' WHERE id = $1::uuid`,
      [order.id, netAmount],
    );
  }
  return { status: "PROCESSED" };
}
