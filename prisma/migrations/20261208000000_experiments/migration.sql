-- Issue 27, "experiments": holdout and variant tests assigned on the storefront, their arms, and each consenting
-- visitor's exposure (the unit of analysis).
-- CreateEnum
CREATE TYPE "ExperimentStatus" AS ENUM ('DRAFT', 'RUNNING', 'ENDED');

-- CreateTable
CREATE TABLE "Experiment" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "status" "ExperimentStatus" NOT NULL DEFAULT 'DRAFT',
    "primaryMetric" VARCHAR(32) NOT NULL DEFAULT 'revenuePerVisitor',
    "startedAt" TIMESTAMP(3),
    "plannedEndAt" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),
    "publishedAt" TIMESTAMP(3),
    "publishError" VARCHAR(500),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Experiment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ExperimentArm" (
    "experimentId" UUID NOT NULL,
    "key" VARCHAR(32) NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "position" INTEGER NOT NULL,
    "weight" INTEGER NOT NULL,
    "showChat" BOOLEAN NOT NULL,
    "variant" VARCHAR(64),

    CONSTRAINT "ExperimentArm_pkey" PRIMARY KEY ("experimentId","key")
);

-- CreateTable
CREATE TABLE "Exposure" (
    "experimentId" UUID NOT NULL,
    "visitorId" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "arm" VARCHAR(32) NOT NULL,
    "exposedAt" TIMESTAMP(3) NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Exposure_pkey" PRIMARY KEY ("experimentId","visitorId")
);

-- CreateIndex
CREATE INDEX "Experiment_shopId_createdAt_idx" ON "Experiment"("shopId", "createdAt");

-- One running experiment per shop: a second start fails on this index whatever the race.
CREATE UNIQUE INDEX "Experiment_one_running_idx" ON "Experiment"("shopId") WHERE "status" = 'RUNNING';

-- CreateIndex
CREATE INDEX "Exposure_experimentId_exposedAt_idx" ON "Exposure"("experimentId", "exposedAt");

-- CreateIndex
CREATE INDEX "Exposure_visitorId_idx" ON "Exposure"("visitorId");

-- AddForeignKey
ALTER TABLE "Experiment" ADD CONSTRAINT "Experiment_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ExperimentArm" ADD CONSTRAINT "ExperimentArm_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Exposure" ADD CONSTRAINT "Exposure_experimentId_fkey" FOREIGN KEY ("experimentId") REFERENCES "Experiment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Exposure" ADD CONSTRAINT "Exposure_visitorId_fkey" FOREIGN KEY ("visitorId") REFERENCES "Visitor"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Exposure" ADD CONSTRAINT "Exposure_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
