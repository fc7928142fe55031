-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "currentTotalAmount" DECIMAL(19,4),
ADD COLUMN     "customerRedactedAt" TIMESTAMP(3),
ADD COLUMN     "reflectedRefundIds" TEXT[] DEFAULT ARRAY[]::TEXT[];

