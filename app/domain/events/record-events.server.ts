import type { Shop } from "@prisma/client";
import { retryingUniqueViolations } from "../../db/unique-violation";
import type { Db, DbTx } from "../../db.server";
import type { ClientEvent } from "./event-schema";
import { ingestEvents, type IngestContext, type IngestSummary } from "./ingest-events.server";

/**
 * One batch, one transaction. Two copies of a batch racing (a retry overlapping the original) collide on
 * the event ledger's key; the loser rolls back whole and runs again, now seeing its events as duplicates.
 */
export async function recordEventBatch(
  db: Db,
  shop: Shop,
  events: ClientEvent[],
  context: IngestContext,
  /** Runs in the same transaction after the events are stored (e.g. remembering an idempotent response). */
  alsoInTransaction?: (tx: DbTx, summary: IngestSummary) => Promise<void>,
): Promise<IngestSummary> {
  return retryingUniqueViolations(() =>
    db.$transaction(async (tx) => {
      const summary = await ingestEvents(tx, shop, events, context);
      await alsoInTransaction?.(tx, summary);
      return summary;
    }),
  );
}
