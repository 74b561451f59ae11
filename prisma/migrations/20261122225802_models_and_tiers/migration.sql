-- AlterTable
ALTER TABLE "workspace" ADD COLUMN     "allowCreditFallback" BOOLEAN NOT NULL DEFAULT true;

-- CreateTable
CREATE TABLE "platform_model" (
    "id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'text',
    "tiers" TEXT NOT NULL DEFAULT '',
    "defaultForTier" TEXT,
    "creditsPer1kInput" INTEGER NOT NULL DEFAULT 0,
    "creditsPer1kOutput" INTEGER NOT NULL DEFAULT 0,
    "creditsPerImage" INTEGER NOT NULL DEFAULT 0,
    "enabled" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "platform_model_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tier_default" (
    "workspaceId" TEXT NOT NULL,
    "tier" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "platformModelId" TEXT,
    "provider" TEXT,
    "modelId" TEXT,
    "keyId" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "tier_default_pkey" PRIMARY KEY ("workspaceId","tier")
);

-- CreateTable
CREATE TABLE "user_ai_defaults" (
    "userId" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "model" TEXT,
    "keyId" TEXT,
    "maskedHint" TEXT,
    "fingerprint" BYTEA,
    "fpVersion" INTEGER,
    "formatVersion" INTEGER,
    "alg" TEXT,
    "dekVersion" INTEGER,
    "nonce" BYTEA,
    "ciphertext" BYTEA,
    "tag" BYTEA,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "user_ai_defaults_pkey" PRIMARY KEY ("userId")
);

-- CreateTable
CREATE TABLE "user_data_key" (
    "userId" TEXT NOT NULL,
    "dekVersion" INTEGER NOT NULL,
    "kekVersion" TEXT NOT NULL,
    "nonce" BYTEA NOT NULL,
    "wrappedKey" BYTEA NOT NULL,
    "tag" BYTEA NOT NULL,
    "encryptCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_data_key_pkey" PRIMARY KEY ("userId","dekVersion")
);

-- CreateIndex
CREATE UNIQUE INDEX "platform_model_defaultForTier_key" ON "platform_model"("defaultForTier");

-- CreateIndex
CREATE UNIQUE INDEX "platform_model_provider_modelId_key" ON "platform_model"("provider", "modelId");

-- CreateIndex
CREATE INDEX "tier_default_keyId_idx" ON "tier_default"("keyId");

-- CreateIndex
CREATE INDEX "user_data_key_kekVersion_idx" ON "user_data_key"("kekVersion");

-- AddForeignKey
ALTER TABLE "tier_default" ADD CONSTRAINT "tier_default_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tier_default" ADD CONSTRAINT "tier_default_keyId_fkey" FOREIGN KEY ("keyId") REFERENCES "provider_key"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_ai_defaults" ADD CONSTRAINT "user_ai_defaults_userId_fkey" FOREIGN KEY ("userId") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_data_key" ADD CONSTRAINT "user_data_key_userId_fkey" FOREIGN KEY ("userId") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The platform catalog. Prices are credits per 1,000 tokens (text) or per image, and operators edit them
-- with `npm run admin -- catalog`.
INSERT INTO "platform_model" ("id", "provider", "modelId", "displayName", "kind", "tiers", "defaultForTier", "creditsPer1kInput", "creditsPer1kOutput", "creditsPerImage") VALUES
  ('google:gemini-2.5-flash-lite', 'google', 'gemini-2.5-flash-lite', 'Gemini 2.5 Flash-Lite', 'text', 'fast', 'fast', 1, 1, 0),
  ('openai:gpt-4.1-mini', 'openai', 'gpt-4.1-mini', 'GPT-4.1 mini', 'text', 'fast,standard', NULL, 1, 2, 0),
  ('mistral:mistral-small-latest', 'mistral', 'mistral-small-latest', 'Mistral Small', 'text', 'fast', NULL, 1, 1, 0),
  ('xai:grok-3-mini', 'xai', 'grok-3-mini', 'Grok 3 mini', 'text', 'fast', NULL, 1, 2, 0),
  ('anthropic:claude-haiku-4-5-20251001', 'anthropic', 'claude-haiku-4-5-20251001', 'Claude Haiku 4.5', 'text', 'fast,standard', NULL, 1, 5, 0),
  ('anthropic:claude-sonnet-4-20250514', 'anthropic', 'claude-sonnet-4-20250514', 'Claude Sonnet 4', 'text', 'standard,premium', 'standard', 3, 15, 0),
  ('openai:gpt-4o', 'openai', 'gpt-4o', 'GPT-4o', 'text', 'standard', NULL, 3, 10, 0),
  ('google:gemini-2.5-flash', 'google', 'gemini-2.5-flash', 'Gemini 2.5 Flash', 'text', 'standard', NULL, 1, 3, 0),
  ('mistral:mistral-large-latest', 'mistral', 'mistral-large-latest', 'Mistral Large', 'text', 'standard', NULL, 2, 6, 0),
  ('openai:gpt-4.1', 'openai', 'gpt-4.1', 'GPT-4.1', 'text', 'premium', 'premium', 2, 8, 0),
  ('google:gemini-2.5-pro', 'google', 'gemini-2.5-pro', 'Gemini 2.5 Pro', 'text', 'premium', NULL, 2, 10, 0),
  ('xai:grok-4', 'xai', 'grok-4', 'Grok 4', 'text', 'premium', NULL, 3, 15, 0),
  ('openai:gpt-image-1-mini', 'openai', 'gpt-image-1-mini', 'GPT Image 1 mini', 'image', '', NULL, 0, 0, 4),
  ('google:gemini-3.1-flash-image-preview', 'google', 'gemini-3.1-flash-image-preview', 'Gemini 3.1 Flash Image', 'image', '', NULL, 0, 0, 4);
