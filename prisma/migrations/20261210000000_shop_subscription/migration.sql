-- The shop's app subscription as Shopify last reported it.
CREATE TABLE "ShopSubscription" (
    "shopId" UUID NOT NULL,
    "subscriptionId" VARCHAR(128),
    "name" VARCHAR(255),
    "status" VARCHAR(32),
    "test" BOOLEAN NOT NULL DEFAULT false,
    "trialDays" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3),
    "currentPeriodEnd" TIMESTAMP(3),
    "priceAmount" DECIMAL(19,4),
    "priceCurrency" VARCHAR(3),
    "interval" VARCHAR(32),
    "checkedAt" TIMESTAMP(3),

    CONSTRAINT "ShopSubscription_pkey" PRIMARY KEY ("shopId")
);

ALTER TABLE "ShopSubscription" ADD CONSTRAINT "ShopSubscription_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;
