-- E-mail hashes are kept keyed per shop (decision 010): HMAC-SHA256, under a key derived from the app's secret and
-- the shop's domain, of the address's SHA-256. The columns are renamed for what they now hold. The key is not in the
-- database, so rows stored before are re-keyed by the app before it serves (app/domain/email-hash.server.ts):
-- until then their shop is marked here as not keyed yet.
ALTER TABLE "Order" RENAME COLUMN "emailSha256" TO "emailHash";
ALTER INDEX "Order_shopId_emailSha256_idx" RENAME TO "Order_shopId_emailHash_idx";
ALTER TYPE "IdentityKind" RENAME VALUE 'EMAIL_SHA256' TO 'EMAIL_HASH';

-- Existing shops start unkeyed; a shop created from now on is keyed from its first row.
ALTER TABLE "Shop" ADD COLUMN "emailHashesKeyed" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Shop" ALTER COLUMN "emailHashesKeyed" SET DEFAULT true;
