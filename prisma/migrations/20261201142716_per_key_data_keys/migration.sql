-- AlterTable
ALTER TABLE "provider_key" ADD COLUMN     "dekNonce" BYTEA,
ADD COLUMN     "dekTag" BYTEA,
ADD COLUMN     "kekVersion" TEXT,
ADD COLUMN     "wrappedDek" BYTEA,
ALTER COLUMN "formatVersion" SET DEFAULT 2,
ALTER COLUMN "dekVersion" DROP NOT NULL;

-- AlterTable
ALTER TABLE "user_ai_defaults" ADD COLUMN     "dekNonce" BYTEA,
ADD COLUMN     "dekTag" BYTEA,
ADD COLUMN     "kekVersion" TEXT,
ADD COLUMN     "wrappedDek" BYTEA;

-- CreateIndex
CREATE INDEX "provider_key_kekVersion_idx" ON "provider_key"("kekVersion");

-- CreateIndex
CREATE INDEX "user_ai_defaults_kekVersion_idx" ON "user_ai_defaults"("kekVersion");
