-- Links the chat shares (issue 32.4): a shared link's token and conversation, and each landing through one; an
-- order whose cart was stamped by a landing visitor is matched by LINK.
-- AlterEnum
ALTER TYPE "MatchedBy" ADD VALUE 'LINK' AFTER 'CART_TOKEN';

-- CreateTable
CREATE TABLE "ChatLink" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "token" VARCHAR(16) NOT NULL,
    "conversationId" UUID NOT NULL,
    "url" VARCHAR(2048) NOT NULL,
    "source" "EventSource" NOT NULL,
    "sharedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ChatLink_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LinkClick" (
    "id" UUID NOT NULL,
    "shopId" UUID NOT NULL,
    "visitorId" UUID NOT NULL,
    "chatLinkId" UUID,
    "conversationId" UUID,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "source" "EventSource" NOT NULL,
    "receivedAt" TIMESTAMP(3),

    CONSTRAINT "LinkClick_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ChatLink_conversationId_idx" ON "ChatLink"("conversationId");

-- CreateIndex
CREATE UNIQUE INDEX "ChatLink_shopId_token_key" ON "ChatLink"("shopId", "token");

-- CreateIndex
CREATE INDEX "LinkClick_visitorId_idx" ON "LinkClick"("visitorId");

-- CreateIndex
CREATE INDEX "LinkClick_conversationId_idx" ON "LinkClick"("conversationId");

-- CreateIndex
CREATE INDEX "LinkClick_shopId_occurredAt_idx" ON "LinkClick"("shopId", "occurredAt");

-- AddForeignKey
ALTER TABLE "ChatLink" ADD CONSTRAINT "ChatLink_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ChatLink" ADD CONSTRAINT "ChatLink_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LinkClick" ADD CONSTRAINT "LinkClick_shopId_fkey" FOREIGN KEY ("shopId") REFERENCES "Shop"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LinkClick" ADD CONSTRAINT "LinkClick_visitorId_fkey" FOREIGN KEY ("visitorId") REFERENCES "Visitor"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LinkClick" ADD CONSTRAINT "LinkClick_chatLinkId_fkey" FOREIGN KEY ("chatLinkId") REFERENCES "ChatLink"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LinkClick" ADD CONSTRAINT "LinkClick_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE SET NULL ON UPDATE CASCADE;

