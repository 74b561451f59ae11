-- CreateTable
CREATE TABLE "upgrade_request" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "requestedById" TEXT NOT NULL,
    "plan" TEXT NOT NULL,
    "note" TEXT,
    "status" TEXT NOT NULL DEFAULT 'open',
    "openKey" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "upgrade_request_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "upgrade_request_openKey_key" ON "upgrade_request"("openKey");

-- CreateIndex
CREATE INDEX "upgrade_request_status_createdAt_idx" ON "upgrade_request"("status", "createdAt");

-- AddForeignKey
ALTER TABLE "upgrade_request" ADD CONSTRAINT "upgrade_request_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
