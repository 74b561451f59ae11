-- CreateTable
CREATE TABLE "workspace_data_key" (
    "workspaceId" TEXT NOT NULL,
    "dekVersion" INTEGER NOT NULL,
    "kekVersion" TEXT NOT NULL,
    "nonce" BYTEA NOT NULL,
    "wrappedKey" BYTEA NOT NULL,
    "tag" BYTEA NOT NULL,
    "encryptCount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "retiredAt" TIMESTAMP(3),

    CONSTRAINT "workspace_data_key_pkey" PRIMARY KEY ("workspaceId","dekVersion")
);

-- CreateTable
CREATE TABLE "provider_key" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "maskedHint" TEXT NOT NULL,
    "fingerprint" BYTEA NOT NULL,
    "fpVersion" INTEGER NOT NULL,
    "formatVersion" INTEGER NOT NULL DEFAULT 1,
    "alg" TEXT NOT NULL DEFAULT 'A256GCM',
    "dekVersion" INTEGER NOT NULL,
    "nonce" BYTEA NOT NULL,
    "ciphertext" BYTEA NOT NULL,
    "tag" BYTEA NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "lastOutcome" TEXT,
    "lastValidatedAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "modelsRefreshedAt" TIMESTAMP(3),
    "createdById" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "provider_key_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "discovered_model" (
    "keyId" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "contextWindow" INTEGER,
    "available" BOOLEAN NOT NULL DEFAULT true,
    "refreshedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "discovered_model_pkey" PRIMARY KEY ("keyId","modelId")
);

-- CreateTable
CREATE TABLE "audit_event" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "actorId" TEXT NOT NULL,
    "keyId" TEXT,
    "provider" TEXT,
    "label" TEXT,
    "operation" TEXT NOT NULL,
    "outcome" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "probe_attempt" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "probe_attempt_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "workspace_data_key_kekVersion_idx" ON "workspace_data_key"("kekVersion");

-- CreateIndex
CREATE INDEX "provider_key_fingerprint_idx" ON "provider_key"("fingerprint");

-- CreateIndex
CREATE UNIQUE INDEX "provider_key_workspaceId_provider_label_key" ON "provider_key"("workspaceId", "provider", "label");

-- CreateIndex
CREATE INDEX "audit_event_workspaceId_createdAt_idx" ON "audit_event"("workspaceId", "createdAt");

-- CreateIndex
CREATE INDEX "probe_attempt_workspaceId_createdAt_idx" ON "probe_attempt"("workspaceId", "createdAt");

-- AddForeignKey
ALTER TABLE "workspace_data_key" ADD CONSTRAINT "workspace_data_key_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provider_key" ADD CONSTRAINT "provider_key_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provider_key" ADD CONSTRAINT "provider_key_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "discovered_model" ADD CONSTRAINT "discovered_model_keyId_fkey" FOREIGN KEY ("keyId") REFERENCES "provider_key"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_event" ADD CONSTRAINT "audit_event_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
