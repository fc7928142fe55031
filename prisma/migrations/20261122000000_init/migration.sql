-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "ShopStatus" AS ENUM ('INSTALLED', 'UNINSTALLED');

-- CreateEnum
CREATE TYPE "Surface" AS ENUM ('CHAT_WIDGET', 'FAQ', 'NUDGE_CLICK');

-- CreateEnum
CREATE TYPE "TouchKind" AS ENUM ('SHOPPER_MESSAGE', 'ASSISTANT_ANSWER');

-- CreateEnum
CREATE TYPE "CartEventType" AS ENUM ('ITEM_ADDED', 'QUANTITY_INCREASED', 'QUANTITY_DECREASED', 'ITEM_REMOVED');

-- CreateEnum
CREATE TYPE "EventSource" AS ENUM ('STOREFRONT', 'SERVER_API', 'PIXEL');

-- CreateEnum
CREATE TYPE "IdentityKind" AS ENUM ('CUSTOMER_ID', 'EMAIL_SHA256');

-- CreateEnum
CREATE TYPE "CartLinkKind" AS ENUM ('CART_TOKEN', 'CHECKOUT_TOKEN');

-- CreateEnum
CREATE TYPE "OrderSource" AS ENUM ('WEBHOOK', 'PIXEL', 'RECONCILIATION');

-- CreateEnum
CREATE TYPE "Classification" AS ENUM ('LED', 'ASSISTED', 'UNATTRIBUTED');

-- CreateEnum
CREATE TYPE "MatchedBy" AS ENUM ('CART_ATTRIBUTE', 'LINE_ITEM_PROPERTY', 'CHECKOUT_TOKEN', 'CART_TOKEN', 'CUSTOMER_ID', 'EMAIL');

-- CreateEnum
CREATE TYPE "ExclusionReason" AS ENUM ('TEST', 'OUTLIER', 'UNVERIFIED');

-- CreateEnum
CREATE TYPE "DeliveryStatus" AS ENUM ('PROCESSED', 'REJECTED');

-- CreateEnum
CREATE TYPE "JobStatus" AS ENUM ('PENDING', 'RUNNING', 'DONE', 'FAILED');

-- CreateTable
CREATE TABLE "Shop" (
    "id" UUID NOT NULL,
    "domain" TEXT NOT NULL,
    "status" "ShopStatus" NOT NULL DEFAULT 'INSTALLED',
    "currency" VARCHAR(3) NOT NULL DEFAULT 'USD',
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "locale" TEXT NOT NULL DEFAULT 'en',
    "ledWindowHours" INTEGER NOT NULL DEFAULT 24,
    "assistedWindowDays" INTEGER NOT NULL DEFAULT 7,
    "requireAnswerFound" BOOLEAN NOT NULL DEFAULT true,
    "countTestOrders" BOOLEAN NOT NULL DEFAULT false,
    "maxOrderValue" DECIMAL(19,4) NOT NULL DEFAULT 1000000,
    "storeTranscripts" BOOLEAN NOT NULL DEFAULT false,
    "settingsVersion" INTEGER NOT NULL DEFAULT 1,
    "pixelAccountId" UUID NOT NULL,
    "webPixelGid" TEXT,
    "lastWebhookAt" TIMESTAMP(3),
    "lastOrderSyncAt" TIMESTAMP(3),
    "installedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "uninstalledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Shop_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "shop" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "isOnline" BOOLEAN NOT NULL DEFAULT false,
    "scope" TEXT,
    "expires" TIMESTAMP(3),
    "accessToken" TEXT NOT NULL,
    "userId" BIGINT,
    "firstName" TEXT,
    "lastName" TEXT,
    "email" TEXT,
    "accountOwner" BOOLEAN,
    "locale" TEXT,
    "collaborator" BOOLEAN,
    "emailVerified" BOOLEAN,
    "refreshToken" TEXT,
    "refreshTokenExpires" TIMESTAMP(3),

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Visitor" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "visitorKey" VARCHAR(64) NOT NULL,
    "firstSeenAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Visitor_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VisitorIdentity" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "visitorId" UUID NOT NULL,
    "kind" "IdentityKind" NOT NULL,
    "value" VARCHAR(128) NOT NULL,
    "seenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VisitorIdentity_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Conversation" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "externalId" VARCHAR(128) NOT NULL,
    "visitorId" UUID,
    "surface" "Surface" NOT NULL DEFAULT 'CHAT_WIDGET',
    "nudgeId" VARCHAR(128),
    "startedAt" TIMESTAMP(3) NOT NULL,
    "firstQualifyingTouchAt" TIMESTAMP(3),
    "lastTouchAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Conversation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Touchpoint" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "conversationId" UUID NOT NULL,
    "kind" "TouchKind" NOT NULL,
    "answerFound" BOOLEAN,
    "productIds" TEXT[],
    "topic" VARCHAR(200),
    "text" TEXT,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "source" "EventSource" NOT NULL,

    CONSTRAINT "Touchpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CartEvent" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "visitorId" UUID NOT NULL,
    "conversationId" UUID,
    "type" "CartEventType" NOT NULL,
    "productId" VARCHAR(64) NOT NULL,
    "variantId" VARCHAR(64),
    "productName" VARCHAR(255),
    "unitValue" DECIMAL(19,4) NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "quantity" INTEGER NOT NULL,
    "fromChat" BOOLEAN NOT NULL DEFAULT false,
    "cartToken" VARCHAR(255),
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "source" "EventSource" NOT NULL,

    CONSTRAINT "CartEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CartLink" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "kind" "CartLinkKind" NOT NULL,
    "token" VARCHAR(255) NOT NULL,
    "conversationExternalId" VARCHAR(128) NOT NULL,
    "visitorKey" VARCHAR(64),
    "seenAt" TIMESTAMP(3) NOT NULL,
    "source" "EventSource" NOT NULL,

    CONSTRAINT "CartLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ClientEvent" (
    "shopId" UUID NOT NULL,
    "eventId" VARCHAR(64) NOT NULL,
    "type" VARCHAR(32) NOT NULL,
    "source" "EventSource" NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ClientEvent_pkey" PRIMARY KEY ("shopId","eventId")
);

-- CreateTable
CREATE TABLE "Order" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "shopifyOrderId" VARCHAR(32) NOT NULL,
    "name" VARCHAR(64),
    "processedAt" TIMESTAMP(3) NOT NULL,
    "shopifyCreatedAt" TIMESTAMP(3),
    "shopifyUpdatedAt" TIMESTAMP(3),
    "test" BOOLEAN NOT NULL DEFAULT false,
    "financialStatus" VARCHAR(32),
    "cancelledAt" TIMESTAMP(3),
    "currency" VARCHAR(3) NOT NULL,
    "presentmentCurrency" VARCHAR(3),
    "grossAmount" DECIMAL(19,4),
    "netAmount" DECIMAL(19,4),
    "checkoutToken" VARCHAR(255),
    "cartToken" VARCHAR(255),
    "customerId" VARCHAR(32),
    "emailSha256" CHAR(64),
    "noteAttributes" JSONB NOT NULL DEFAULT '[]',
    "verified" BOOLEAN NOT NULL DEFAULT false,
    "source" "OrderSource" NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OrderLineItem" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "orderId" UUID NOT NULL,
    "shopifyLineItemId" VARCHAR(32) NOT NULL,
    "productId" VARCHAR(32),
    "variantId" VARCHAR(32),
    "title" VARCHAR(255) NOT NULL,
    "quantity" INTEGER NOT NULL,
    "amount" DECIMAL(19,4) NOT NULL,
    "properties" JSONB NOT NULL DEFAULT '[]',
    "chatSessionId" VARCHAR(128),

    CONSTRAINT "OrderLineItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Refund" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "shopifyOrderId" VARCHAR(32) NOT NULL,
    "shopifyRefundId" VARCHAR(32) NOT NULL,
    "amount" DECIMAL(19,4) NOT NULL,
    "processedAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Refund_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Attribution" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "orderId" UUID NOT NULL,
    "classification" "Classification" NOT NULL,
    "conversationId" UUID,
    "surface" "Surface",
    "matchedBy" "MatchedBy",
    "minutesFromLastTouch" INTEGER,
    "excludedReason" "ExclusionReason",
    "evidence" JSONB NOT NULL,
    "settingsVersion" INTEGER NOT NULL,
    "computedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Attribution_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "webhookId" VARCHAR(255) NOT NULL,
    "shopDomain" TEXT NOT NULL,
    "topic" VARCHAR(64) NOT NULL,
    "eventId" VARCHAR(255),
    "triggeredAt" TIMESTAMP(3),
    "status" "DeliveryStatus" NOT NULL,
    "reason" TEXT,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("webhookId")
);

-- CreateTable
CREATE TABLE "PixelHit" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "eventId" VARCHAR(128) NOT NULL,
    "shopifyOrderId" VARCHAR(32),
    "checkoutToken" VARCHAR(255),
    "clientId" VARCHAR(128),
    "payload" JSONB NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PixelHit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "prefix" VARCHAR(16) NOT NULL,
    "keyHash" CHAR(64) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IdempotencyRecord" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "apiKeyId" UUID NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    "requestHash" CHAR(64) NOT NULL,
    "responseStatus" INTEGER NOT NULL,
    "responseBody" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IdempotencyRecord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReattributionJob" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "status" "JobStatus" NOT NULL DEFAULT 'PENDING',
    "settingsVersion" INTEGER NOT NULL,
    "total" INTEGER NOT NULL DEFAULT 0,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "cursorOrderId" UUID,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "ReattributionJob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CustomerDataRequest" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "shopifyRequestId" VARCHAR(32) NOT NULL,
    "customerId" VARCHAR(32),
    "report" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CustomerDataRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Shop_domain_key" ON "Shop"("domain");

-- CreateIndex
CREATE INDEX "Session_shop_idx" ON "Session"("shop");

-- CreateIndex
CREATE UNIQUE INDEX "Visitor_shopId_visitorKey_key" ON "Visitor"("shopId", "visitorKey");

-- CreateIndex
CREATE INDEX "VisitorIdentity_shopId_kind_value_idx" ON "VisitorIdentity"("shopId", "kind", "value");

-- CreateIndex
CREATE UNIQUE INDEX "VisitorIdentity_shopId_visitorId_kind_value_key" ON "VisitorIdentity"("shopId", "visitorId", "kind", "value");

-- CreateIndex
CREATE INDEX "Conversation_shopId_startedAt_idx" ON "Conversation"("shopId", "startedAt");

-- CreateIndex
CREATE INDEX "Conversation_visitorId_idx" ON "Conversation"("visitorId");

-- CreateIndex
CREATE UNIQUE INDEX "Conversation_shopId_externalId_key" ON "Conversation"("shopId", "externalId");

-- CreateIndex
CREATE INDEX "Touchpoint_shopId_occurredAt_idx" ON "Touchpoint"("shopId", "occurredAt");

-- CreateIndex
CREATE INDEX "Touchpoint_conversationId_occurredAt_idx" ON "Touchpoint"("conversationId", "occurredAt");

-- CreateIndex
CREATE INDEX "CartEvent_shopId_occurredAt_idx" ON "CartEvent"("shopId", "occurredAt");

-- CreateIndex
CREATE INDEX "CartEvent_visitorId_productId_idx" ON "CartEvent"("visitorId", "productId");

-- CreateIndex
CREATE INDEX "CartEvent_conversationId_idx" ON "CartEvent"("conversationId");

-- CreateIndex
CREATE UNIQUE INDEX "CartLink_shopId_kind_token_key" ON "CartLink"("shopId", "kind", "token");

-- CreateIndex
CREATE INDEX "Order_shopId_processedAt_idx" ON "Order"("shopId", "processedAt");

-- CreateIndex
CREATE INDEX "Order_shopId_checkoutToken_idx" ON "Order"("shopId", "checkoutToken");

-- CreateIndex
CREATE INDEX "Order_shopId_customerId_idx" ON "Order"("shopId", "customerId");

-- CreateIndex
CREATE INDEX "Order_shopId_emailSha256_idx" ON "Order"("shopId", "emailSha256");

-- CreateIndex
CREATE UNIQUE INDEX "Order_shopId_shopifyOrderId_key" ON "Order"("shopId", "shopifyOrderId");

-- CreateIndex
CREATE INDEX "OrderLineItem_shopId_productId_idx" ON "OrderLineItem"("shopId", "productId");

-- CreateIndex
CREATE UNIQUE INDEX "OrderLineItem_orderId_shopifyLineItemId_key" ON "OrderLineItem"("orderId", "shopifyLineItemId");

-- CreateIndex
CREATE INDEX "Refund_shopId_shopifyOrderId_idx" ON "Refund"("shopId", "shopifyOrderId");

-- CreateIndex
CREATE UNIQUE INDEX "Refund_shopId_shopifyRefundId_key" ON "Refund"("shopId", "shopifyRefundId");

-- CreateIndex
CREATE UNIQUE INDEX "Attribution_orderId_key" ON "Attribution"("orderId");

-- CreateIndex
CREATE INDEX "Attribution_shopId_classification_idx" ON "Attribution"("shopId", "classification");

-- CreateIndex
CREATE INDEX "Attribution_conversationId_idx" ON "Attribution"("conversationId");

-- CreateIndex
CREATE INDEX "WebhookDelivery_shopDomain_receivedAt_idx" ON "WebhookDelivery"("shopDomain", "receivedAt");

-- CreateIndex
CREATE INDEX "PixelHit_shopId_shopifyOrderId_idx" ON "PixelHit"("shopId", "shopifyOrderId");

-- CreateIndex
CREATE UNIQUE INDEX "PixelHit_shopId_eventId_key" ON "PixelHit"("shopId", "eventId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_keyHash_key" ON "ApiKey"("keyHash");

-- CreateIndex
CREATE INDEX "ApiKey_shopId_idx" ON "ApiKey"("shopId");

-- CreateIndex
CREATE UNIQUE INDEX "IdempotencyRecord_apiKeyId_key_key" ON "IdempotencyRecord"("apiKeyId", "key");

-- CreateIndex
CREATE INDEX "ReattributionJob_shopId_createdAt_idx" ON "ReattributionJob"("shopId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "CustomerDataRequest_shopId_shopifyRequestId_key" ON "CustomerDataRequest"("shopId", "shopifyRequestId");

-- AddForeignKey
ALTER TABLE "Visitor" ADD CONSTRAINT "Visitor_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VisitorIdentity" ADD CONSTRAINT "VisitorIdentity_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VisitorIdentity" ADD CONSTRAINT "VisitorIdentity_visitorId_fkey" FOREIGN KEY ("visitorId") REFERENCES "Visitor"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Conversation" ADD CONSTRAINT "Conversation_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Conversation" ADD CONSTRAINT "Conversation_visitorId_fkey" FOREIGN KEY ("visitorId") REFERENCES "Visitor"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Touchpoint" ADD CONSTRAINT "Touchpoint_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Touchpoint" ADD CONSTRAINT "Touchpoint_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CartEvent" ADD CONSTRAINT "CartEvent_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CartEvent" ADD CONSTRAINT "CartEvent_visitorId_fkey" FOREIGN KEY ("visitorId") REFERENCES "Visitor"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CartEvent" ADD CONSTRAINT "CartEvent_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CartLink" ADD CONSTRAINT "CartLink_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ClientEvent" ADD CONSTRAINT "ClientEvent_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Order" ADD CONSTRAINT "Order_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OrderLineItem" ADD CONSTRAINT "OrderLineItem_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OrderLineItem" ADD CONSTRAINT "OrderLineItem_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Refund" ADD CONSTRAINT "Refund_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attribution" ADD CONSTRAINT "Attribution_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attribution" ADD CONSTRAINT "Attribution_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Attribution" ADD CONSTRAINT "Attribution_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PixelHit" ADD CONSTRAINT "PixelHit_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IdempotencyRecord" ADD CONSTRAINT "IdempotencyRecord_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IdempotencyRecord" ADD CONSTRAINT "IdempotencyRecord_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReattributionJob" ADD CONSTRAINT "ReattributionJob_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CustomerDataRequest" ADD CONSTRAINT "CustomerDataRequest_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

