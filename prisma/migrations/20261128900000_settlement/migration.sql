-- CreateEnum
CREATE TYPE "SettlementCycle" AS ENUM ('T1', 'D1', 'WEEKLY');

-- AlterTable
ALTER TABLE "tenant" ADD COLUMN     "platform_fee_bps" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "settlement_hold_on_exceptions" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "merchant" ADD COLUMN     "reserve_days" SMALLINT NOT NULL DEFAULT 0,
ADD COLUMN     "reserve_rate_ppm" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "settlement_bank_code" TEXT,
ADD COLUMN     "settlement_cycle" "SettlementCycle" NOT NULL DEFAULT 'T1',
ADD COLUMN     "settlement_weekday" SMALLINT NOT NULL DEFAULT 1;

-- CreateTable
CREATE TABLE "settlement" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "merchant_id" UUID NOT NULL,
    "settlement_date" DATE NOT NULL,
    "cutoff_date" DATE NOT NULL,
    "mode" "SettlementMode" NOT NULL,
    "status" TEXT NOT NULL,
    "gross_minor" BIGINT NOT NULL DEFAULT 0,
    "reserve_minor" BIGINT NOT NULL DEFAULT 0,
    "reserve_released_minor" BIGINT NOT NULL DEFAULT 0,
    "debt_recovered_minor" BIGINT NOT NULL DEFAULT 0,
    "net_minor" BIGINT NOT NULL DEFAULT 0,
    "channel_settled_minor" BIGINT,
    "payout_id" UUID,
    "held_reason" TEXT,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "settlement_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "settlement_reserve" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "settlement_id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "release_on" DATE NOT NULL,
    "released_by_settlement_id" UUID,
    "released_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "settlement_reserve_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateIndex
CREATE INDEX "settlement_tenant_id_settlement_date_idx" ON "settlement"("tenant_id", "settlement_date");

-- CreateIndex
CREATE UNIQUE INDEX "settlement_tenant_id_merchant_id_settlement_date_key" ON "settlement"("tenant_id", "merchant_id", "settlement_date");

-- CreateIndex
CREATE INDEX "settlement_reserve_tenant_id_merchant_id_release_on_idx" ON "settlement_reserve"("tenant_id", "merchant_id", "release_on");

-- AddForeignKey
ALTER TABLE "settlement" ADD CONSTRAINT "settlement_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "settlement" ADD CONSTRAINT "settlement_tenant_id_merchant_id_fkey" FOREIGN KEY ("tenant_id", "merchant_id") REFERENCES "merchant"("tenant_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "settlement_reserve" ADD CONSTRAINT "settlement_reserve_tenant_id_settlement_id_fkey" FOREIGN KEY ("tenant_id", "settlement_id") REFERENCES "settlement"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written: checks, row-level security, grants.

ALTER TABLE "tenant" ADD CONSTRAINT "tenant_platform_fee_bps" CHECK (platform_fee_bps BETWEEN 0 AND 10000);
ALTER TABLE "merchant" ADD CONSTRAINT "merchant_settlement_weekday" CHECK (settlement_weekday BETWEEN 1 AND 7);
ALTER TABLE "merchant" ADD CONSTRAINT "merchant_reserve" CHECK (reserve_rate_ppm BETWEEN 0 AND 1000000 AND reserve_days BETWEEN 0 AND 365);
ALTER TABLE "settlement" ADD CONSTRAINT "settlement_status" CHECK (
  (mode = 'CUSTODIAL' AND status IN ('SETTLED', 'HELD', 'NOTHING_DUE')) OR (mode = 'DIRECT' AND status IN ('EXPECTED', 'CONFIRMED', 'DIFFERENCE')));
ALTER TABLE "settlement" ADD CONSTRAINT "settlement_cutoff" CHECK (cutoff_date < settlement_date);
ALTER TABLE "settlement" ADD CONSTRAINT "settlement_amounts" CHECK (reserve_minor >= 0 AND reserve_released_minor >= 0 AND debt_recovered_minor >= 0);
ALTER TABLE "settlement_reserve" ADD CONSTRAINT "settlement_reserve_amount" CHECK (amount_minor > 0);

ALTER TABLE "settlement" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "settlement" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "settlement"
  USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON "settlement" TO switchyard_platform;
-- A HELD settlement is settled (updated) by a later run; DIRECT settlements are confirmed later.
GRANT SELECT, INSERT, UPDATE ON "settlement" TO switchyard_app;

ALTER TABLE "settlement_reserve" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "settlement_reserve" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "settlement_reserve"
  USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON "settlement_reserve" TO switchyard_platform;
GRANT SELECT, INSERT, UPDATE ON "settlement_reserve" TO switchyard_app;
