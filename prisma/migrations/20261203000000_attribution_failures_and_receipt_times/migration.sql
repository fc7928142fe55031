-- An order whose attribution could not be computed is stored all the same: its Attribution row is UNATTRIBUTED
-- with the error, and the shop's next reconciliation (or any re-attribution) computes it again; found through
-- ("shopId", classification).
ALTER TABLE "Attribution" ADD COLUMN "error" TEXT;
-- A re-attribution job that meets such an order skips it and reports how many it skipped.
ALTER TABLE "ReattributionJob" ADD COLUMN "failedOrders" INTEGER NOT NULL DEFAULT 0;
-- An order reconciliation could not store: recorded, retried by id on every run until it is stored, while the
-- shop's sync point moves on (one bad order neither stops a run nor holds back the orders after it).
CREATE TABLE "ReconcileFailure" (
    "shopId" UUID NOT NULL,
    "shopifyOrderId" VARCHAR(32) NOT NULL,
    "error" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "firstFailedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastFailedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReconcileFailure_pkey" PRIMARY KEY ("shopId","shopifyOrderId")
);
ALTER TABLE "ReconcileFailure" ADD CONSTRAINT "ReconcileFailure_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
-- When a storefront (browser-sent) touch or cart event reached the app: such evidence never counts for an order the
-- app had heard of before it arrived. Null for the server API (authenticated by the shop's key) and for rows stored
-- before this column existed.
ALTER TABLE "Touchpoint" ADD COLUMN "receivedAt" TIMESTAMP(3);
ALTER TABLE "CartEvent" ADD COLUMN "receivedAt" TIMESTAMP(3);
