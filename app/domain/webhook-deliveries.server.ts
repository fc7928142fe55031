/**
 * Shopify delivers webhooks at least once (retries, timeouts), so every delivery is processed once per
 * X-Shopify-Webhook-Id: the delivery row is written in the same transaction as the work it records.
 */
import { isUniqueViolation, retryingUniqueViolations } from "../db/unique-violation";
import type { Db, DbTx } from "../db.server";

export interface DeliveryMeta {
  webhookId: string;
  shopDomain: string;
  topic: string;
  eventId?: string | null;
  triggeredAt?: string | null;
}

export type DeliveryOutcome =
  /** `erasedShop`: the work deleted every row of the shop, so recording this delivery would leave one behind. */
  | { status: "PROCESSED"; erasedShop?: boolean }
  | { status: "REJECTED"; reason: string };

export type DeliveryResult = DeliveryOutcome | { status: "DUPLICATE" };

function parseTime(value: string | null | undefined): Date | null {
  if (!value) return null;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? null : time;
}

/**
 * Runs `work` and records the delivery atomically. A delivery already recorded is not run again. A unique
 * violation means another transaction committed first: either a copy of this delivery (then it is a
 * duplicate) or a different delivery of the same order that created a row this one also tried to create
 * (then this delivery's work is run again and now sees that row — acknowledging it unrecorded would lose it).
 */
export async function processDeliveryOnce(
  db: Db,
  meta: DeliveryMeta,
  work: (tx: DbTx) => Promise<DeliveryOutcome>,
): Promise<DeliveryResult> {
  const recorded = async () =>
    (await db.webhookDelivery.findUnique({ where: { webhookId: meta.webhookId }, select: { webhookId: true } })) !== null;
  try {
    return await retryingUniqueViolations(async (): Promise<DeliveryResult> => {
      if (await recorded()) return { status: "DUPLICATE" };
      return db.$transaction(async (tx) => {
        const outcome = await work(tx);
        if (outcome.status === "PROCESSED" && outcome.erasedShop) return outcome;
        await tx.webhookDelivery.create({
          data: {
            webhookId: meta.webhookId,
            shopDomain: meta.shopDomain,
            topic: meta.topic,
            eventId: meta.eventId ?? null,
            triggeredAt: parseTime(meta.triggeredAt),
            status: outcome.status,
            reason: outcome.status === "REJECTED" ? outcome.reason.slice(0, 1000) : null,
          },
        });
        return outcome;
      });
    });
  } catch (error) {
    // The last try lost to a copy of this very delivery: that is a duplicate, not a failure.
    if (isUniqueViolation(error) && (await recorded())) return { status: "DUPLICATE" };
    throw error;
  }
}
