-- Reconciliation's last failure, for Setup.
ALTER TABLE "Shop" ADD COLUMN "reconcileError" TEXT,
ADD COLUMN "reconcileFailedAt" TIMESTAMP(3);

-- Rate-limit counters shared by every app instance.
CREATE TABLE "RateLimit" (
    "key" VARCHAR(255) NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,

    CONSTRAINT "RateLimit_pkey" PRIMARY KEY ("key")
);
