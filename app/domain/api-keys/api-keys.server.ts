/**
 * Per-shop keys for the server-side events API. A key is shown once when it is created; only its SHA-256 is
 * stored, so a database leak yields no usable key, and lookup by hash needs no constant-time comparison of
 * secrets. The prefix (the first characters) lets a merchant tell keys apart in the list.
 */
import type { Shop } from "@prisma/client";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Db, DbTx } from "../../db.server";
import { sha256Hex } from "../../lib/sha256";

const KEY_PREFIX = "ca_";
const SHOWN_PREFIX_LENGTH = 11; // "ca_" + 8 characters
export const MAX_ACTIVE_KEYS = 20;

export const apiKeyNameSchema = z.string().trim().min(1, "Give the key a name").max(100, "Use at most 100 characters");

export interface ApiKeySummary {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export type CreatedApiKey = ApiKeySummary & { key: string };

/** What is stored for a key, and looked up when one is presented. */
export const apiKeyHash = sha256Hex;

function summaryOf(row: {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}): ApiKeySummary {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

export class ApiKeyLimitError extends Error {}

export async function createApiKey(db: Db, shopId: string, name: string): Promise<CreatedApiKey> {
  return db.$transaction(async (tx) => {
    const active = await tx.apiKey.count({ where: { shopId, revokedAt: null } });
    if (active >= MAX_ACTIVE_KEYS)
      throw new ApiKeyLimitError(`A shop can have at most ${MAX_ACTIVE_KEYS} active keys; revoke one first.`);
    const key = `${KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
    const row = await tx.apiKey.create({
      data: {
        shopId,
        name: apiKeyNameSchema.parse(name),
        prefix: key.slice(0, SHOWN_PREFIX_LENGTH),
        keyHash: apiKeyHash(key),
      },
    });
    return { ...summaryOf(row), key };
  });
}

export async function listApiKeys(db: DbTx, shopId: string): Promise<ApiKeySummary[]> {
  const rows = await db.apiKey.findMany({
    where: { shopId },
    orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }],
  });
  return rows.map(summaryOf);
}

/** Revokes one of the shop's keys; another shop's key id is treated as unknown. */
export async function revokeApiKey(db: DbTx, shopId: string, id: string, now = new Date()): Promise<boolean> {
  const { count } = await db.apiKey.updateMany({ where: { id, shopId, revokedAt: null }, data: { revokedAt: now } });
  return count === 1;
}

export interface AuthenticatedKey {
  apiKeyId: string;
  /** The key's shop, read in the same lookup: the route needs it and must not ask again. */
  shop: Shop;
}

/** The shop an `Authorization: Bearer <key>` header speaks for, or null for a missing, unknown or revoked key. */
export async function authenticateApiKey(
  db: DbTx,
  authorization: string | null,
  now = new Date(),
): Promise<AuthenticatedKey | null> {
  const match = /^Bearer\s+(\S{1,200})$/i.exec(authorization?.trim() ?? "");
  if (!match || !match[1].startsWith(KEY_PREFIX)) return null;
  const row = await db.apiKey.findUnique({ where: { keyHash: apiKeyHash(match[1]) }, include: { shop: true } });
  // An uninstalled shop's keys stop working with the app; shop/redact later deletes them.
  if (!row || row.revokedAt || row.shop.status !== "INSTALLED") return null;
  // Last use is shown to the merchant; a minute's precision spares a write on every request.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await db.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { apiKeyId: row.id, shop: row.shop };
}
