/**
 * E-mail hashes as the app stores and looks them up, keyed per shop (email-hash.ts, decision 010), and the one-off
 * step that re-keys hashes stored before keys existed (the migration marks those shops `emailHashesKeyed = false`).
 */
import { appConfig } from "../config.server";
import type { SqlTransaction } from "../db.server";
import { hmacPads, keyedEmailHash, shopEmailKey } from "./email-hash";

const keys = new Map<string, Buffer>();

function keyOf(shopDomain: string): Buffer {
  let key = keys.get(shopDomain);
  if (!key) {
    key = shopEmailKey(appConfig().emailHashSecret, shopDomain);
    keys.set(shopDomain, key);
  }
  return key;
}

/** The stored form, for this shop, of an address's SHA-256 (null stays null). */
export function storedEmailHash(shopDomain: string, sha256Hex: string | null | undefined): string | null {
  return sha256Hex ? keyedEmailHash(keyOf(shopDomain), sha256Hex) : null;
}

/** HMAC-SHA256 in SQL from the key's pads ($2 inner, $3 outer, hex) over the 32 bytes a stored hex SHA-256 names. */
const hmacOf = (column: string) =>
  `encode(sha256(decode($3, 'hex') || sha256(decode($2, 'hex') || decode(${column}, 'hex'))), 'hex')`;

/**
 * Re-keys every shop still marked unkeyed: its orders' and its visitor identities' e-mail hashes, and the mark, in
 * one transaction per shop (a crash leaves each shop wholly old or wholly new). Runs before the server takes
 * requests; a shop with nothing to do costs one read. Returns the shops re-keyed.
 */
export async function keyStoredEmailHashes(transaction: SqlTransaction): Promise<string[]> {
  const unkeyed = await transaction((sql) =>
    sql.query<{ id: string; domain: string }>(
      `SELECT id::text AS id, domain FROM "Shop" WHERE NOT "emailHashesKeyed" ORDER BY domain`,
    ),
  );
  for (const shop of unkeyed) {
    const { inner, outer } = hmacPads(keyOf(shop.domain));
    const params = [shop.id, inner.toString("hex"), outer.toString("hex")];
    await transaction(async (sql) => {
      // Taken again inside the transaction: a second process re-keying at the same time must not key twice.
      const [still] = await sql.query<{ id: string }>(
        `SELECT id::text AS id FROM "Shop" WHERE id = $1::uuid AND NOT "emailHashesKeyed" FOR UPDATE`,
        [shop.id],
      );
      if (!still) return;
      await sql.query(
        `UPDATE "Order" SET "emailHash" = ${hmacOf(`"emailHash"`)} WHERE "shopId" = $1::uuid AND "emailHash" IS NOT NULL`,
        params,
      );
      await sql.query(
        `UPDATE "VisitorIdentity" SET value = ${hmacOf("value")} WHERE "shopId" = $1::uuid AND kind = 'EMAIL_HASH'`,
        params,
      );
      await sql.query(`UPDATE "Shop" SET "emailHashesKeyed" = true WHERE id = $1::uuid`, [shop.id]);
    });
  }
  return unkeyed.map((shop) => shop.domain);
}
