-- CreateTable
CREATE TABLE "key_spend_alert" (
    "keyId" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "monthlyUsd" DOUBLE PRECISION NOT NULL,
    "alertedMonth" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "key_spend_alert_pkey" PRIMARY KEY ("keyId")
);

-- CreateIndex
CREATE INDEX "key_spend_alert_workspaceId_idx" ON "key_spend_alert"("workspaceId");

-- AddForeignKey
ALTER TABLE "key_spend_alert" ADD CONSTRAINT "key_spend_alert_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
