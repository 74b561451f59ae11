-- AlterTable
ALTER TABLE "gateway_call" ADD COLUMN     "fallbackPolicy" TEXT;

-- AlterTable
ALTER TABLE "generation_run" ADD COLUMN     "fallbackPolicy" TEXT;

-- AlterTable
ALTER TABLE "provider_key" ADD COLUMN     "pausedAt" TIMESTAMP(3),
ADD COLUMN     "position" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "expiresAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "provider_key_expiresAt_idx" ON "provider_key"("expiresAt");

-- Existing keys keep the order they were added in, per provider (failover tries them in that order).
UPDATE "provider_key" k SET "position" = o.n
FROM (SELECT id, (row_number() OVER (PARTITION BY "workspaceId", provider ORDER BY "createdAt", id) - 1)::int AS n FROM "provider_key") o
WHERE k.id = o.id;

-- The fallback switch becomes a choice: on (the default) becomes always, off becomes never.
ALTER TABLE "workspace" ADD COLUMN     "fallbackPolicy" TEXT NOT NULL DEFAULT 'always';
UPDATE "workspace" SET "fallbackPolicy" = CASE WHEN "allowCreditFallback" THEN 'always' ELSE 'never' END;

-- The announcement triggers name the columns they watch: they now watch pausing, order and the policy.
DROP TRIGGER workspace_config_changed ON "workspace";
ALTER TABLE "workspace" DROP COLUMN "allowCreditFallback";
CREATE TRIGGER workspace_config_changed AFTER DELETE OR UPDATE OF plan, "fallbackPolicy" ON "workspace" FOR EACH ROW EXECUTE FUNCTION byok_notify_workspace_row();

DROP TRIGGER provider_key_config_changed ON "provider_key";
CREATE TRIGGER provider_key_config_changed AFTER INSERT OR DELETE OR UPDATE OF status, label, "kekVersion", "wrappedDek", "dekNonce", "dekTag", nonce, ciphertext, tag, "formatVersion", "pausedAt", "position"
  ON "provider_key" FOR EACH ROW EXECUTE FUNCTION byok_notify_workspace_config();
