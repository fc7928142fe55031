/**
 * Shop lifecycle: created on first sight, marked uninstalled by app/uninstalled (data kept, as Shopify
 * sends shop/redact 48 hours later), and erased completely by shop/redact.
 */
import type { DeliveryOutcome } from "./webhook-deliveries.server";
import { advisoryLocksOn, type DbTx, type Sql } from "../db.server";
import { uuidv7 } from "../lib/uuid";
import type { AttributionShop } from "./attribution/attribute-order.server";

export interface ShopProfile {
  domain: string;
  currency?: string;
  timezone?: string;
  locale?: string;
}

export function isShopDomain(value: string): boolean {
  return /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(value);
}

/**
 * A shop that granted the app access (install, reinstall): created, or marked installed again with the profile's
 * details. Its data and settings are kept; from now on its webhooks are taken again and shop/redact refused.
 */
export async function installShop(db: DbTx, profile: ShopProfile) {
  const { domain, ...details } = profile;
  return db.shop.upsert({
    where: { domain },
    create: { domain, ...details },
    update: { ...details, status: "INSTALLED", uninstalledAt: null },
  });
}

export async function findShop(db: DbTx, domain: string) {
  return db.shop.findUnique({ where: { domain } });
}

/**
 * The shop a verified request names. Webhooks and proxy calls can come before the admin was first opened, so a
 * missing shop is created; an existing one is left as it is (its currency and settings are not overwritten).
 */
export async function findOrCreateShop(db: DbTx, profile: ShopProfile) {
  return (await findShop(db, profile.domain)) ?? (await installShop(db, profile));
}

/** What the ingest paths read of a shop. */
export type IngestShop = AttributionShop & {
  domain: string;
  currency: string;
  storeTranscripts: boolean;
  lastWebhookAt: Date | null;
};

const INGEST_SHOP_COLUMNS = `s.id::text AS id, s.domain, s.currency, s.timezone, s."settingsVersion", s."ledWindowHours",
  s."assistedWindowDays", s."requireAnswerFound", s."countTestOrders", s."maxOrderValue"::text AS "maxOrderValue",
  s."storeTranscripts", s."lastWebhookAt" AT TIME ZONE 'UTC' AS "lastWebhookAt"`;

/**
 * The shop as the ingest paths read it (findOrCreateShop in plain SQL, for the paths that run on `Sql`); a new
 * shop gets the schema's defaults.
 */
export async function findOrCreateIngestShop(
  sql: Sql,
  profile: Pick<ShopProfile, "domain" | "currency">,
): Promise<IngestShop> {
  return (await findOrCreateIngestShops(sql, [profile])).get(profile.domain)!;
}

/**
 * findOrCreateIngestShop for several shops, keyed by domain. `thenLock` (advisory lock keys, taken in the order
 * given) are locked by the same statement that reads the shops: on the order webhooks, whose orders are locked by
 * shop domain and order id, that saves a round trip per batch.
 */
export async function findOrCreateIngestShops(
  sql: Sql,
  profiles: readonly Pick<ShopProfile, "domain" | "currency">[],
  thenLock: readonly string[] = [],
): Promise<Map<string, IngestShop>> {
  const firstProfiles = new Map<string, Pick<ShopProfile, "domain" | "currency">>();
  for (const profile of profiles) if (!firstProfiles.has(profile.domain)) firstProfiles.set(profile.domain, profile);
  const domains = [...firstProfiles.keys()];
  const read = (lockKeys: readonly string[]) => readShopsThenLock(sql, domains, lockKeys, false);
  const shops = await read(thenLock);
  const missing = [...firstProfiles.values()].filter((profile) => !shops.has(profile.domain));
  if (missing.length === 0) return shops;
  await sql.query(
    `INSERT INTO "Shop" (id, domain, currency, "pixelAccountId", "updatedAt")
     SELECT id, domain, coalesce(currency, 'USD'), "pixelAccountId", now() AT TIME ZONE 'UTC'
     FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[]) AS n(id, domain, currency, "pixelAccountId")
     ORDER BY domain
     ON CONFLICT (domain) DO NOTHING`,
    [
      missing.map(() => uuidv7()),
      missing.map((p) => p.domain),
      missing.map((p) => p.currency ?? null),
      missing.map(() => uuidv7()),
    ],
  );
  return read([]);
}

/**
 * The shops of these domains the app is installed on, keyed by domain; none is created. Order webhooks take only
 * these: a signed delivery for a shop that never installed the app, or uninstalled it, stores nothing. `thenLock` as
 * for findOrCreateIngestShops.
 */
export function findInstalledIngestShops(
  sql: Sql,
  domains: readonly string[],
  thenLock: readonly string[] = [],
): Promise<Map<string, IngestShop>> {
  return readShopsThenLock(sql, [...new Set(domains)], thenLock, true);
}

async function readShopsThenLock(
  sql: Sql,
  domains: readonly string[],
  lockKeys: readonly string[],
  installedOnly: boolean,
): Promise<Map<string, IngestShop>> {
  // The locks are the preserved side of the join: they are taken even when no shop exists yet.
  const rows = await sql.query<IngestShop & { id: string | null }>(
    `WITH locked AS MATERIALIZED (SELECT ${advisoryLocksOn(2)} AS n)
     SELECT ${INGEST_SHOP_COLUMNS} FROM locked LEFT JOIN "Shop" s ON s.domain = ANY($1::text[])${installedOnly ? ` AND s.status = 'INSTALLED'` : ""}`,
    [domains, [...lockKeys]],
  );
  return new Map(rows.filter((shop) => shop.id !== null).map((shop) => [shop.domain, shop]));
}

/** app/uninstalled may be delivered repeatedly and after the sessions are gone: every step tolerates that. */
export async function markShopUninstalled(db: DbTx, domain: string, at: Date = new Date()): Promise<void> {
  await db.session.deleteMany({ where: { shop: domain } });
  await db.shop.updateMany({
    where: { domain, status: "INSTALLED" },
    data: { status: "UNINSTALLED", uninstalledAt: at },
  });
}

/** Shopify sends shop/redact 48 hours after an uninstall; an installed (or just uninstalled) shop is never erased. */
export const SHOP_REDACT_AFTER_MS = 48 * 3_600_000;

/**
 * shop/redact: erases every row of an uninstalled shop. Refused for a shop that is installed (reinstalled since)
 * or was uninstalled less than 48 hours ago: a replayed or forged delivery must not erase a live tenant.
 */
export async function redactShop(db: DbTx, domain: string, now: Date = new Date()): Promise<DeliveryOutcome> {
  const shop = await db.shop.findUnique({ where: { domain }, select: { status: true, uninstalledAt: true } });
  if (
    shop &&
    (shop.status === "INSTALLED" ||
      !shop.uninstalledAt ||
      now.getTime() - shop.uninstalledAt.getTime() < SHOP_REDACT_AFTER_MS)
  ) {
    return {
      status: "REJECTED",
      reason: "shop/redact for a shop that is installed or was uninstalled less than 48 hours ago",
    };
  }
  await db.session.deleteMany({ where: { shop: domain } });
  await db.shop.deleteMany({ where: { domain } });
  await db.webhookDelivery.deleteMany({ where: { shopDomain: domain } });
  return { status: "PROCESSED", erasedShop: true };
}
