/**
 * Shop lifecycle: created on first sight, marked uninstalled by app/uninstalled (data kept, as Shopify
 * sends shop/redact 48 hours later), and erased completely by shop/redact.
 */
import type { DbTx, Sql } from "../db.server";
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

export async function ensureShop(db: DbTx, profile: ShopProfile) {
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
  return (await findShop(db, profile.domain)) ?? (await ensureShop(db, profile));
}

/** What the ingest paths read of a shop. */
export type IngestShop = AttributionShop & { domain: string; currency: string; storeTranscripts: boolean; lastWebhookAt: Date | null };

async function readIngestShop(sql: Sql, domain: string): Promise<IngestShop | undefined> {
  const [shop] = await sql.query<IngestShop>(
    `SELECT id::text AS id, domain, currency, "settingsVersion", "ledWindowHours", "assistedWindowDays", "requireAnswerFound",
            "countTestOrders", "maxOrderValue"::text AS "maxOrderValue", "storeTranscripts",
            "lastWebhookAt" AT TIME ZONE 'UTC' AS "lastWebhookAt"
     FROM "Shop" WHERE domain = $1`,
    [domain],
  );
  return shop;
}

/** findOrCreateShop in plain SQL, for the ingest paths that run on `Sql`; a new shop gets the schema's defaults. */
export async function findOrCreateShopInSql(sql: Sql, profile: Pick<ShopProfile, "domain" | "currency">): Promise<IngestShop> {
  const existing = await readIngestShop(sql, profile.domain);
  if (existing) return existing;
  await sql.query(
    `INSERT INTO "Shop" (id, domain, currency, "pixelAccountId", "updatedAt")
     VALUES ($1::uuid, $2, coalesce($3, 'USD'), $4::uuid, now() AT TIME ZONE 'UTC')
     ON CONFLICT (domain) DO NOTHING`,
    [uuidv7(), profile.domain, profile.currency ?? null, uuidv7()],
  );
  return (await readIngestShop(sql, profile.domain))!;
}

/** app/uninstalled may be delivered repeatedly and after the sessions are gone: every step tolerates that. */
export async function markShopUninstalled(db: DbTx, domain: string, at: Date = new Date()): Promise<void> {
  await db.session.deleteMany({ where: { shop: domain } });
  await db.shop.updateMany({
    where: { domain, status: "INSTALLED" },
    data: { status: "UNINSTALLED", uninstalledAt: at },
  });
}

/** shop/redact: every row of the shop goes (relations cascade from Shop), plus rows kept by domain. */
export async function redactShop(db: DbTx, domain: string): Promise<void> {
  await db.session.deleteMany({ where: { shop: domain } });
  await db.shop.deleteMany({ where: { domain } });
  await db.webhookDelivery.deleteMany({ where: { shopDomain: domain } });
}
