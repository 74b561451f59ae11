-- AlterTable
ALTER TABLE "audit_event" ADD COLUMN     "actorToken" TEXT;
