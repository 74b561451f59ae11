-- AlterTable
ALTER TABLE "platform_model" ADD COLUMN     "creditsPerCall" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "maxOutputTokens" INTEGER NOT NULL DEFAULT 8192;

-- CreateTable
CREATE TABLE "runtime_token" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" BYTEA NOT NULL,
    "providers" TEXT NOT NULL DEFAULT '',
    "keyLabel" TEXT,
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),

    CONSTRAINT "runtime_token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gateway_call" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "tokenId" TEXT,
    "provider" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "model" TEXT,
    "credentialSource" TEXT NOT NULL,
    "keyId" TEXT,
    "status" INTEGER NOT NULL,
    "outcome" TEXT,
    "stream" BOOLEAN NOT NULL DEFAULT false,
    "inputTokens" INTEGER,
    "outputTokens" INTEGER,
    "credits" INTEGER NOT NULL DEFAULT 0,
    "latencyMs" INTEGER NOT NULL,
    "firstByteMs" INTEGER,
    "bytesIn" INTEGER NOT NULL DEFAULT 0,
    "bytesOut" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "gateway_call_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "runtime_token_hash_key" ON "runtime_token"("hash");

-- CreateIndex
CREATE INDEX "runtime_token_workspaceId_idx" ON "runtime_token"("workspaceId");

-- CreateIndex
CREATE INDEX "gateway_call_workspaceId_createdAt_idx" ON "gateway_call"("workspaceId", "createdAt");

-- CreateIndex
CREATE INDEX "gateway_call_tokenId_createdAt_idx" ON "gateway_call"("tokenId", "createdAt");

-- AddForeignKey
ALTER TABLE "runtime_token" ADD CONSTRAINT "runtime_token_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "gateway_call" ADD CONSTRAINT "gateway_call_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Embedding models and web search on platform credits (the gateway's managed mode).
INSERT INTO "platform_model" ("id", "provider", "modelId", "displayName", "kind", "tiers", "creditsPer1kInput", "creditsPer1kOutput", "creditsPerCall", "maxOutputTokens") VALUES
  ('openai:text-embedding-3-small', 'openai', 'text-embedding-3-small', 'Text Embedding 3 small', 'embedding', '', 1, 0, 0, 0),
  ('google:gemini-embedding-001', 'google', 'gemini-embedding-001', 'Gemini Embedding', 'embedding', '', 1, 0, 0, 0),
  ('mistral:mistral-embed', 'mistral', 'mistral-embed', 'Mistral Embed', 'embedding', '', 1, 0, 0, 0),
  ('brave:web-search', 'brave', 'web-search', 'Brave Web Search', 'search', '', 0, 0, 1, 0);

-- What the gateway caches per workspace (its AI config, plan, keys and runtime tokens) is announced on the
-- channel byok_config whenever it changes, by whichever writer and whichever instance: every instance
-- listening drops its copy, so a change applies to the very next call everywhere. Columns a call itself
-- updates (last used, balances) are left out, so calls do not flush the cache.
CREATE FUNCTION byok_notify_workspace_config() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('byok_config', CASE WHEN TG_OP = 'DELETE' THEN OLD."workspaceId" ELSE NEW."workspaceId" END);
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION byok_notify_workspace_row() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('byok_config', CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER provider_key_config_changed AFTER INSERT OR DELETE OR UPDATE OF status, label, "kekVersion", "wrappedDek", "dekNonce", "dekTag", nonce, ciphertext, tag, "formatVersion"
  ON "provider_key" FOR EACH ROW EXECUTE FUNCTION byok_notify_workspace_config();
CREATE TRIGGER tier_default_config_changed AFTER INSERT OR UPDATE OR DELETE ON "tier_default" FOR EACH ROW EXECUTE FUNCTION byok_notify_workspace_config();
CREATE TRIGGER runtime_token_config_changed AFTER INSERT OR DELETE OR UPDATE OF "revokedAt", "expiresAt", providers, "keyLabel"
  ON "runtime_token" FOR EACH ROW EXECUTE FUNCTION byok_notify_workspace_config();
CREATE TRIGGER workspace_config_changed AFTER DELETE OR UPDATE OF plan, "allowCreditFallback" ON "workspace" FOR EACH ROW EXECUTE FUNCTION byok_notify_workspace_row();

-- The platform catalog (prices, enabled models) is cached by the gateway too: operators edit it from
-- another process (npm run admin -- catalog …), so its changes are announced as well.
CREATE FUNCTION byok_notify_catalog() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('byok_config', '*catalog');
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER platform_model_changed AFTER INSERT OR UPDATE OR DELETE ON "platform_model" FOR EACH STATEMENT EXECUTE FUNCTION byok_notify_catalog();
