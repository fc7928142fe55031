/**
 * The server-side events API's ingest: the same validation and storage as the storefront path, plus
 * `Idempotency-Key` for the whole request. The first answer to a key is stored in the same transaction as the
 * events, so a retry (same key, same body) gets exactly that answer back and stores nothing twice; the same key
 * with a different body is refused, because answering it with the old response would hide the new events.
 */
import type { Prisma, Shop } from "@prisma/client";
import { isUniqueViolation } from "../../db/unique-violation";
import type { Db, DbTx } from "../../db.server";
import { sha256Hex } from "../../lib/sha256";
import { parseEventBatch } from "./event-schema";
import { recordEventBatch } from "./record-events.server";

export interface ApiAnswer {
  status: number;
  body: unknown;
  /** True when this is the stored answer to an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

export interface IdempotencyScope {
  apiKeyId: string;
  key: string;
}

async function storedAnswer(db: DbTx, scope: IdempotencyScope, requestHash: string): Promise<ApiAnswer | null> {
  const record = await db.idempotencyRecord.findUnique({
    where: { apiKeyId_key: { apiKeyId: scope.apiKeyId, key: scope.key } },
  });
  if (!record) return null;
  if (record.requestHash !== requestHash) {
    return {
      status: 422,
      body: { error: "Idempotency-Key was already used with a different request body" },
      replayed: false,
    };
  }
  return { status: record.responseStatus, body: record.responseBody, replayed: true };
}

const remember = (tx: DbTx, shop: Shop, scope: IdempotencyScope, requestHash: string, status: number, body: unknown) =>
  tx.idempotencyRecord.create({
    data: {
      shopId: shop.id,
      apiKeyId: scope.apiKeyId,
      key: scope.key,
      requestHash,
      responseStatus: status,
      responseBody: body as Prisma.InputJsonValue,
    },
  });

export async function ingestApiEvents(
  db: Db,
  shop: Shop,
  body: unknown,
  rawBody: string,
  scope: IdempotencyScope | null,
  now = new Date(),
): Promise<ApiAnswer> {
  const requestHash = sha256Hex(rawBody);
  if (scope) {
    const earlier = await storedAnswer(db, scope, requestHash);
    if (earlier) return earlier;
  }
  try {
    const batch = parseEventBatch(body, { now, requireVisitorId: false, allowRawEmail: true });
    if (!batch.ok) {
      const answer = { errors: batch.errors };
      if (scope) await remember(db, shop, scope, requestHash, 400, answer);
      return { status: 400, body: answer, replayed: false };
    }
    let answer: unknown = null;
    await recordEventBatch(db, shop, batch.events, { source: "SERVER_API" }, async (tx, summary) => {
      answer = { accepted: summary.accepted, duplicates: summary.duplicates, rejected: summary.rejected };
      if (scope) await remember(tx, shop, scope, requestHash, 200, answer);
    });
    return { status: 200, body: answer, replayed: false };
  } catch (error) {
    // The same key arriving twice at once: the one that lost the race answers with the winner's stored response.
    const raced = scope && isUniqueViolation(error) && (await storedAnswer(db, scope, requestHash));
    if (raced) return raced;
    throw error;
  }
}
