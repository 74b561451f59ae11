-- AlterTable
ALTER TABLE "credit_reservation" ADD COLUMN     "memberId" TEXT,
ADD COLUMN     "tokenId" TEXT;

-- AlterTable
ALTER TABLE "membership" ADD COLUMN     "monthlyCreditCap" INTEGER;

-- AlterTable
ALTER TABLE "runtime_token" ADD COLUMN     "monthlyCreditCap" INTEGER;

-- CreateIndex
CREATE INDEX "credit_reservation_memberId_createdAt_idx" ON "credit_reservation"("memberId", "createdAt");

-- CreateIndex
CREATE INDEX "credit_reservation_tokenId_createdAt_idx" ON "credit_reservation"("tokenId", "createdAt");
