-- AlterTable
ALTER TABLE "workspace" ADD COLUMN     "enterpriseMonthlyCredits" INTEGER;
