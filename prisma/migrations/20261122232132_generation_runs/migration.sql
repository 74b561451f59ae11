-- CreateTable
CREATE TABLE "generation_run" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "actorId" TEXT NOT NULL,
    "prompt" TEXT NOT NULL,
    "tier" TEXT,
    "status" TEXT NOT NULL DEFAULT 'running',
    "errorCode" TEXT,
    "errorMessage" TEXT,
    "imageCount" INTEGER NOT NULL DEFAULT 0,
    "aspectRatio" TEXT NOT NULL DEFAULT '1:1',
    "creditsUsed" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "generation_run_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "generation_step" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "modelId" TEXT NOT NULL,
    "credentialSource" TEXT NOT NULL,
    "keyId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "errorCode" TEXT,
    "inputTokens" INTEGER,
    "outputTokens" INTEGER,
    "credits" INTEGER NOT NULL DEFAULT 0,
    "reservationId" TEXT,
    "text" TEXT,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "generation_step_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "generated_image" (
    "id" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "mimeType" TEXT NOT NULL,
    "data" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "generated_image_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "generation_run_workspaceId_createdAt_idx" ON "generation_run"("workspaceId", "createdAt");

-- CreateIndex
CREATE INDEX "generation_run_status_heartbeatAt_idx" ON "generation_run"("status", "heartbeatAt");

-- CreateIndex
CREATE INDEX "generation_step_runId_idx" ON "generation_step"("runId");

-- CreateIndex
CREATE INDEX "generated_image_runId_idx" ON "generated_image"("runId");

-- AddForeignKey
ALTER TABLE "generation_run" ADD CONSTRAINT "generation_run_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "generation_step" ADD CONSTRAINT "generation_step_runId_fkey" FOREIGN KEY ("runId") REFERENCES "generation_run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "generated_image" ADD CONSTRAINT "generated_image_runId_fkey" FOREIGN KEY ("runId") REFERENCES "generation_run"("id") ON DELETE CASCADE ON UPDATE CASCADE;
