-- CreateTable
CREATE TABLE "usage_daily" (
    "workspaceId" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "tokenId" TEXT NOT NULL DEFAULT '',
    "keyId" TEXT NOT NULL DEFAULT '',
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL DEFAULT '',
    "credentialSource" TEXT NOT NULL,
    "calls" INTEGER NOT NULL DEFAULT 0,
    "inputTokens" BIGINT NOT NULL DEFAULT 0,
    "outputTokens" BIGINT NOT NULL DEFAULT 0,
    "credits" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "usage_daily_pkey" PRIMARY KEY ("workspaceId","day","tokenId","keyId","provider","model","credentialSource")
);

-- CreateTable
CREATE TABLE "model_price" (
    "id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "inputUsdPer1M" DOUBLE PRECISION NOT NULL,
    "outputUsdPer1M" DOUBLE PRECISION NOT NULL,
    "effectiveFrom" DATE NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "model_price_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "model_price_provider_modelId_effectiveFrom_key" ON "model_price"("provider", "modelId", "effectiveFrom");

-- AddForeignKey
ALTER TABLE "usage_daily" ADD CONSTRAINT "usage_daily_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The daily rollup follows gateway_call in the statement that inserts calls (one per recorder batch), so
-- it can never disagree with the records. Rows are taken in key order so two instances flushing at once
-- lock the same rollup rows in the same order.
CREATE FUNCTION byok_usage_daily_add() RETURNS trigger AS $$
BEGIN
  INSERT INTO usage_daily ("workspaceId", day, "tokenId", "keyId", provider, model, "credentialSource", calls, "inputTokens", "outputTokens", credits)
  SELECT "workspaceId", "createdAt"::date, COALESCE("tokenId", ''), COALESCE("keyId", ''), provider, COALESCE(model, ''), "credentialSource",
         count(*), COALESCE(sum("inputTokens"), 0), COALESCE(sum("outputTokens"), 0), COALESCE(sum(credits), 0)
  FROM new_calls
  GROUP BY 1, 2, 3, 4, 5, 6, 7
  ORDER BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT ("workspaceId", day, "tokenId", "keyId", provider, model, "credentialSource") DO UPDATE SET
    calls = usage_daily.calls + EXCLUDED.calls,
    "inputTokens" = usage_daily."inputTokens" + EXCLUDED."inputTokens",
    "outputTokens" = usage_daily."outputTokens" + EXCLUDED."outputTokens",
    credits = usage_daily.credits + EXCLUDED.credits;
  RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER gateway_call_usage_daily AFTER INSERT ON "gateway_call" REFERENCING NEW TABLE AS new_calls
  FOR EACH STATEMENT EXECUTE FUNCTION byok_usage_daily_add();

-- Calls recorded before this migration.
INSERT INTO usage_daily ("workspaceId", day, "tokenId", "keyId", provider, model, "credentialSource", calls, "inputTokens", "outputTokens", credits)
SELECT "workspaceId", "createdAt"::date, COALESCE("tokenId", ''), COALESCE("keyId", ''), provider, COALESCE(model, ''), "credentialSource",
       count(*), COALESCE(sum("inputTokens"), 0), COALESCE(sum("outputTokens"), 0), COALESCE(sum(credits), 0)
FROM gateway_call GROUP BY 1, 2, 3, 4, 5, 6, 7;

-- Studio steps are read directly (a run is a handful of steps): by workspace and time through their run.

-- List prices (USD per million tokens) as published by the providers, for the estimate. Operators add
-- newer rows with npm run admin -- catalog price.
INSERT INTO model_price (id, provider, "modelId", "inputUsdPer1M", "outputUsdPer1M", "effectiveFrom") VALUES
  ('price_openai_gpt41', 'openai', 'gpt-4.1', 2.00, 8.00, '2025-01-01'),
  ('price_openai_gpt41mini', 'openai', 'gpt-4.1-mini', 0.40, 1.60, '2025-01-01'),
  ('price_openai_gpt4o', 'openai', 'gpt-4o', 2.50, 10.00, '2025-01-01'),
  ('price_openai_emb3small', 'openai', 'text-embedding-3-small', 0.02, 0, '2025-01-01'),
  ('price_anthropic_sonnet4', 'anthropic', 'claude-sonnet-4-20250514', 3.00, 15.00, '2025-01-01'),
  ('price_anthropic_haiku45', 'anthropic', 'claude-haiku-4-5-20251001', 1.00, 5.00, '2025-01-01'),
  ('price_google_25pro', 'google', 'gemini-2.5-pro', 1.25, 10.00, '2025-01-01'),
  ('price_google_25flash', 'google', 'gemini-2.5-flash', 0.30, 2.50, '2025-01-01'),
  ('price_google_25flashlite', 'google', 'gemini-2.5-flash-lite', 0.10, 0.40, '2025-01-01'),
  ('price_google_emb001', 'google', 'gemini-embedding-001', 0.15, 0, '2025-01-01'),
  ('price_xai_grok4', 'xai', 'grok-4', 3.00, 15.00, '2025-01-01'),
  ('price_xai_grok3mini', 'xai', 'grok-3-mini', 0.30, 0.50, '2025-01-01'),
  ('price_mistral_large', 'mistral', 'mistral-large-latest', 2.00, 6.00, '2025-01-01'),
  ('price_mistral_small', 'mistral', 'mistral-small-latest', 0.10, 0.30, '2025-01-01'),
  ('price_mistral_embed', 'mistral', 'mistral-embed', 0.10, 0, '2025-01-01');
