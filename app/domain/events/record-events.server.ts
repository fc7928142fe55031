import { Prisma, type Shop } from "@prisma/client";
import type { Db } from "../../db.server";
import type { ClientEvent } from "./event-schema";
import { ingestEvents, type IngestContext, type IngestSummary } from "./ingest-events.server";

/**
 * One batch, one transaction. Two copies of a batch racing (a retry overlapping the original) collide on
 * the event ledger's key; the loser rolls back whole and runs again, now seeing its events as duplicates.
 */
export async function recordEventBatch(db: Db, shop: Shop, events: ClientEvent[], context: IngestContext): Promise<IngestSummary> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.$transaction((tx) => ingestEvents(tx, shop, events, context));
    } catch (error) {
      const collided = error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
      if (!collided || attempt >= 2) throw error;
    }
  }
}
