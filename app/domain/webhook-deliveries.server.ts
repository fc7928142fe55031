/**
 * Shopify delivers webhooks at least once (retries, timeouts), so every delivery is processed once per
 * X-Shopify-Webhook-Id: the delivery row is written in the same transaction as the work it records.
 */
import { retryingUniqueViolations } from "../db/unique-violation";
import { insertJsonRows, prismaSql, type Db, type DbTx, type Sql, type SqlTransaction } from "../db.server";

export interface DeliveryMeta {
  webhookId: string;
  shopDomain: string;
  topic: string;
  eventId?: string | null;
  triggeredAt?: string | null;
}

export type DeliveryOutcome =
  /** `erasedShop`: the work deleted every row of the shop, so recording this delivery would leave one behind. */
  { status: "PROCESSED"; erasedShop?: boolean } | { status: "REJECTED"; reason: string };

export type DeliveryResult = DeliveryOutcome | { status: "DUPLICATE" };

function parseTime(value: string | null | undefined): string | null {
  if (!value) return null;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? null : time.toISOString();
}

/**
 * Claims the deliveries' ids by inserting their rows first, in one statement sorted by id (so two transactions
 * claiming overlapping sets wait for each other instead of deadlocking). A copy whose id is already recorded,
 * or claimed by a transaction that then commits, gets no row back: it is a duplicate. Returns the ids claimed.
 */
async function claimDeliveries(sql: Sql, deliveries: readonly DeliveryMeta[]): Promise<Set<string>> {
  const rows = [...new Map(deliveries.map((d) => [d.webhookId, d])).values()].map((d) => ({
    webhookId: d.webhookId,
    shopDomain: d.shopDomain,
    topic: d.topic,
    eventId: d.eventId ?? null,
    triggeredAt: parseTime(d.triggeredAt),
    status: "PROCESSED",
  }));
  const claimed = await insertJsonRows<{ webhookId: string }>(
    sql,
    "WebhookDelivery",
    rows,
    `ORDER BY r."webhookId" ON CONFLICT ("webhookId") DO NOTHING RETURNING "webhookId"`,
  );
  return new Set(claimed.map((row) => row.webhookId));
}

/**
 * Inside one transaction: claims the deliveries, runs `work` on the fresh ones (each id once, in the order given;
 * one outcome per delivery back) and records the outcomes. Either every delivery of the set is processed and
 * recorded, or none is (the caller answers 5xx and Shopify retries).
 */
async function recordDeliveries<D extends DeliveryMeta>(
  sql: Sql,
  deliveries: readonly D[],
  work: (fresh: D[]) => Promise<DeliveryOutcome[]>,
): Promise<DeliveryResult[]> {
  const claimed = await claimDeliveries(sql, deliveries);
  const fresh = deliveries.filter((d) => claimed.delete(d.webhookId)); // a second copy in the set finds it gone
  const outcomes = new Map<D, DeliveryOutcome>();
  if (fresh.length > 0)
    for (const [index, outcome] of (await work(fresh)).entries()) outcomes.set(fresh[index], outcome);
  const rejected = fresh.flatMap((d) => {
    const outcome = outcomes.get(d)!;
    return outcome.status === "REJECTED" ? [{ webhookId: d.webhookId, reason: outcome.reason.slice(0, 1000) }] : [];
  });
  if (rejected.length > 0) {
    await sql.query(
      `UPDATE "WebhookDelivery" d SET status = 'REJECTED', reason = r.reason
       FROM jsonb_to_recordset($1::jsonb) AS r("webhookId" text, reason text) WHERE d."webhookId" = r."webhookId"`,
      [JSON.stringify(rejected)],
    );
  }
  const erasing = fresh.filter((d) => {
    const outcome = outcomes.get(d)!;
    return outcome.status === "PROCESSED" && outcome.erasedShop;
  });
  if (erasing.length > 0)
    await sql.query(`DELETE FROM "WebhookDelivery" WHERE "webhookId" = ANY($1::text[])`, [
      erasing.map((d) => d.webhookId),
    ]);
  return deliveries.map((d): DeliveryResult => outcomes.get(d) ?? { status: "DUPLICATE" });
}

/**
 * A set of deliveries in one plain-SQL transaction straight on the driver (`sqlTransaction`): the order webhooks,
 * which come in bursts. A unique violation means another transaction committed a row this set also tried to
 * create (a shop on its first deliveries, say): the next try sees it.
 */
export function processDeliveryBatch<D extends DeliveryMeta>(
  transaction: SqlTransaction,
  deliveries: readonly D[],
  work: (sql: Sql, fresh: D[]) => Promise<DeliveryOutcome[]>,
): Promise<DeliveryResult[]> {
  return retryingUniqueViolations(() =>
    transaction((sql) => recordDeliveries(sql, deliveries, (fresh) => work(sql, fresh))),
  );
}

/** One delivery in a Prisma transaction, for topics whose work is written with Prisma. */
export async function processDeliveryOnce(
  db: Db,
  meta: DeliveryMeta,
  work: (tx: DbTx) => Promise<DeliveryOutcome>,
): Promise<DeliveryResult> {
  const [result] = await retryingUniqueViolations(() =>
    db.$transaction((tx) => recordDeliveries(prismaSql(tx), [meta], async () => [await work(tx)])),
  );
  return result;
}
