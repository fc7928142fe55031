/**
 * Migration 20261205000000 and the re-keying the app runs before it serves: e-mail hashes stored before per-shop
 * keys (bare SHA-256, in Order.emailSha256 and EMAIL_SHA256 identities) become the keyed form every lookup uses.
 * The stored rows are written as the app wrote them then, on a schema taken back to before the migration.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { storedEmailOf } from "../../test/fixtures";
import { createOrder, createReportShop } from "../../test/report-fixtures";
import { prisma, sqlTransaction } from "../db.server";
import { keyStoredEmailHashes, storedEmailHash } from "./email-hash.server";
import { findIdentities } from "./identities.server";

const MIGRATION = "20261205000000_email_hashes_keyed_per_shop";
const statements = (sql: string) => sql.split(/;\s*\n/).filter((text) => text.replace(/--.*$/gm, "").trim());
const migration = statements(
  readFileSync(path.resolve(import.meta.dirname, `../../prisma/migrations/${MIGRATION}/migration.sql`), "utf8"),
);
/** The schema as it was before the migration (test only: migrations are never undone in production). */
const before = statements(`
  ALTER TABLE "Shop" DROP COLUMN "emailHashesKeyed";
  ALTER TYPE "IdentityKind" RENAME VALUE 'EMAIL_HASH' TO 'EMAIL_SHA256';
  ALTER INDEX "Order_shopId_emailHash_idx" RENAME TO "Order_shopId_emailSha256_idx";
  ALTER TABLE "Order" RENAME COLUMN "emailHash" TO "emailSha256";
`);
const run = async (list: string[]) => {
  for (const statement of list) await prisma.$executeRawUnsafe(statement);
};
const sha256 = (email: string) => createHash("sha256").update(email).digest("hex");

async function oldShop(emails: string[]) {
  const shop = await createReportShop();
  const visitor = await prisma.visitor.create({
    data: { shopId: shop.id, visitorKey: `v-${shop.domain}`, firstSeenAt: new Date(), lastSeenAt: new Date() },
  });
  const orders = [];
  for (const email of emails) {
    const order = await createOrder(shop, { at: "2026-11-20T10:00:00Z", gross: "10.00" });
    await prisma.order.update({ where: { id: order.id }, data: { emailHash: sha256(email) } });
    await prisma.visitorIdentity.create({
      data: { shopId: shop.id, visitorId: visitor.id, kind: "EMAIL_HASH", value: sha256(email), seenAt: new Date() },
    });
    orders.push(order.id);
  }
  await prisma.visitorIdentity.create({
    data: { shopId: shop.id, visitorId: visitor.id, kind: "CUSTOMER_ID", value: "207119551", seenAt: new Date() },
  });
  const withoutEmail = await createOrder(shop, { at: "2026-11-20T11:00:00Z", gross: "5.00" });
  return { shop, visitorId: visitor.id, orders, withoutEmail: withoutEmail.id };
}

describe(`migration ${MIGRATION} and re-keying`, () => {
  it("keys every stored e-mail hash for its shop, once, and lookups find them", async () => {
    const a = await oldShop(["ann@example.com", "bob@example.com"]);
    const b = await oldShop(["ann@example.com"]);
    await run(before);
    await run(migration);

    const marks = await prisma.shop.findMany({ where: { id: { in: [a.shop.id, b.shop.id] } } });
    expect(marks.map((shop) => shop.emailHashesKeyed)).toEqual([false, false]);
    const later = await createReportShop();
    expect(later.emailHashesKeyed).toBe(true);

    expect((await keyStoredEmailHashes(sqlTransaction)).sort()).toEqual([a.shop.domain, b.shop.domain].sort());

    const stored = async (shopId: string) => ({
      orders: (await prisma.order.findMany({ where: { shopId }, orderBy: { shopifyOrderId: "asc" } })).map(
        (order) => order.emailHash,
      ),
      identities: (await prisma.visitorIdentity.findMany({ where: { shopId }, orderBy: { value: "asc" } })).map(
        (identity) => [identity.kind, identity.value],
      ),
    });
    const ofA = (email: string) => storedEmailOf(a.shop.domain, email);
    expect(await stored(a.shop.id)).toEqual({
      orders: [ofA("ann@example.com"), ofA("bob@example.com"), null],
      identities: [
        ["CUSTOMER_ID", "207119551"],
        ...[ofA("ann@example.com"), ofA("bob@example.com")].sort().map((value) => ["EMAIL_HASH", value]),
      ].sort((x, y) => x[1].localeCompare(y[1])),
    });
    // The same address is a different hash in another shop.
    const bAnn = storedEmailOf(b.shop.domain, "ann@example.com");
    expect((await stored(b.shop.id)).orders).toEqual([bAnn, null]);
    expect(bAnn).not.toBe(ofA("ann@example.com"));

    // What an order or a compliance request now looks up by finds the re-keyed rows.
    const found = await findIdentities(prisma, a.shop.id, {
      customerId: null,
      emailHash: storedEmailHash(a.shop.domain, sha256("bob@example.com")),
    });
    expect(found.map((identity) => identity.value)).toEqual([ofA("bob@example.com")]);

    // A second run (another process starting, a restart) finds nothing to do and keys nothing twice.
    const snapshot = await stored(a.shop.id);
    expect(await keyStoredEmailHashes(sqlTransaction)).toEqual([]);
    expect(await stored(a.shop.id)).toEqual(snapshot);
    expect((await prisma.shop.findMany({ where: { emailHashesKeyed: false } })).length).toBe(0);
  });
});
