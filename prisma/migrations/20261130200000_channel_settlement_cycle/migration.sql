-- A channel account's settlement cycle for funds reconciliation (issue 6: "by the channel's
-- settlement calendar"): T1 — a bill date settles on the next working day of the tenant's business
-- calendar (Friday, Saturday and Sunday all on Monday), what every account did until now; D1 — on
-- the next natural day, weekends and holidays included.

-- AlterTable
ALTER TABLE "channel_account" ADD COLUMN     "settlement_cycle" TEXT NOT NULL DEFAULT 'T1';

ALTER TABLE "channel_account" ADD CONSTRAINT "channel_account_settlement_cycle" CHECK (settlement_cycle IN ('T1', 'D1'));
