import type { DbTx } from "../db.server";

/** A shopper as an order or a compliance request names them: Shopify customer id and/or stored e-mail hash. */
export interface ShopperKeys {
  customerId: string | null;
  emailHash: string | null;
}

/** The visitor identities recorded for those keys (none when neither is known), oldest first. */
export async function findIdentities(db: DbTx, shopId: string, keys: ShopperKeys) {
  const matches = [
    keys.customerId ? { kind: "CUSTOMER_ID" as const, value: keys.customerId } : null,
    keys.emailHash ? { kind: "EMAIL_HASH" as const, value: keys.emailHash } : null,
  ].filter((match) => match !== null);
  if (matches.length === 0) return [];
  return db.visitorIdentity.findMany({ where: { shopId, OR: matches }, orderBy: { seenAt: "asc" } });
}
