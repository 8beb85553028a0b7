-- CreateEnum
CREATE TYPE "StatementFileStatus" AS ENUM ('IMPORTED', 'PENDING_SUPERSEDE', 'SUPERSEDED', 'REJECTED');

-- CreateTable
CREATE TABLE "statement_file" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "channel_account_id" UUID NOT NULL,
    "bill_date" DATE NOT NULL,
    "bill_type" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "file_name" TEXT NOT NULL,
    "byte_size" INTEGER NOT NULL,
    "line_count" INTEGER NOT NULL,
    "declared_count" INTEGER NOT NULL,
    "declared_amount_minor" BIGINT NOT NULL,
    "fee_minor" BIGINT NOT NULL DEFAULT 0,
    "status" "StatementFileStatus" NOT NULL DEFAULT 'IMPORTED',
    "supersedes_id" UUID,
    "proposal_id" UUID,
    "source" TEXT NOT NULL,
    "imported_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "statement_file_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "statement_line" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "file_id" UUID NOT NULL,
    "line_no" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "channel_status" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3),
    "out_trade_no" TEXT,
    "channel_trade_no" TEXT,
    "out_refund_no" TEXT,
    "channel_refund_no" TEXT,
    "out_payout_no" TEXT,
    "sub_merchant" TEXT,
    "amount_minor" BIGINT NOT NULL,
    "settleable_minor" BIGINT NOT NULL,
    "fee_minor" BIGINT NOT NULL,
    "coupon_minor" BIGINT,
    "raw" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "statement_line_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateIndex
CREATE INDEX "statement_file_tenant_id_channel_account_id_bill_date_bill__idx" ON "statement_file"("tenant_id", "channel_account_id", "bill_date", "bill_type", "status");

-- CreateIndex
CREATE INDEX "statement_file_tenant_id_created_at_id_idx" ON "statement_file"("tenant_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "statement_file_tenant_id_channel_account_id_bill_date_bill__key" ON "statement_file"("tenant_id", "channel_account_id", "bill_date", "bill_type", "content_hash");

-- CreateIndex
CREATE INDEX "statement_line_tenant_id_out_trade_no_idx" ON "statement_line"("tenant_id", "out_trade_no");

-- CreateIndex
CREATE INDEX "statement_line_tenant_id_out_refund_no_idx" ON "statement_line"("tenant_id", "out_refund_no");

-- CreateIndex
CREATE UNIQUE INDEX "statement_line_tenant_id_file_id_line_no_key" ON "statement_line"("tenant_id", "file_id", "line_no");

-- AddForeignKey
ALTER TABLE "statement_file" ADD CONSTRAINT "statement_file_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "statement_line" ADD CONSTRAINT "statement_line_tenant_id_file_id_fkey" FOREIGN KEY ("tenant_id", "file_id") REFERENCES "statement_file"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written: checks, row-level security, grants.

ALTER TABLE "statement_file" ADD CONSTRAINT "statement_file_counts" CHECK (byte_size >= 0 AND line_count >= 0 AND declared_count >= 0);
ALTER TABLE "statement_file" ADD CONSTRAINT "statement_file_source" CHECK (source IN ('UPLOAD', 'CLI', 'JOB'));
ALTER TABLE "statement_file" ADD CONSTRAINT "statement_file_hash" CHECK (content_hash ~ '^[0-9a-f]{64}$');
ALTER TABLE "statement_line" ADD CONSTRAINT "statement_line_no" CHECK (line_no >= 1);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['statement_file', 'statement_line'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO switchyard_platform', t);
  END LOOP;
END $$;

-- A file's status moves (supersede); its lines are what the channel said, written once.
GRANT SELECT, INSERT, UPDATE ON "statement_file" TO switchyard_app;
GRANT SELECT, INSERT ON "statement_line" TO switchyard_app;
