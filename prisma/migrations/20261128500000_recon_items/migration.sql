-- CreateTable
CREATE TABLE "recon_item" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "file_id" UUID NOT NULL,
    "item_key" TEXT NOT NULL,
    "line_id" UUID,
    "channel_account_id" UUID NOT NULL,
    "bill_date" DATE NOT NULL,
    "outcome" TEXT NOT NULL,
    "diff_type" TEXT,
    "direction" TEXT,
    "payment_id" UUID,
    "refund_id" UUID,
    "our_minor" BIGINT,
    "their_minor" BIGINT,
    "diff_minor" BIGINT NOT NULL DEFAULT 0,
    "note" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "recon_item_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateIndex
CREATE INDEX "recon_item_tenant_id_payment_id_idx" ON "recon_item"("tenant_id", "payment_id");

-- CreateIndex
CREATE INDEX "recon_item_tenant_id_outcome_bill_date_idx" ON "recon_item"("tenant_id", "outcome", "bill_date");

-- CreateIndex
CREATE UNIQUE INDEX "recon_item_tenant_id_file_id_item_key_key" ON "recon_item"("tenant_id", "file_id", "item_key");

-- AddForeignKey
ALTER TABLE "recon_item" ADD CONSTRAINT "recon_item_tenant_id_file_id_fkey" FOREIGN KEY ("tenant_id", "file_id") REFERENCES "statement_file"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written: checks, row-level security, grants.

ALTER TABLE "recon_item" ADD CONSTRAINT "recon_item_outcome" CHECK (outcome IN ('MATCHED', 'DIFFERENCE', 'PENDING', 'RELEASED'));
ALTER TABLE "recon_item" ADD CONSTRAINT "recon_item_difference" CHECK ((outcome = 'DIFFERENCE') = (direction IS NOT NULL) AND (direction IS NULL OR direction IN ('OVERAGE', 'SHORTAGE')));

ALTER TABLE "recon_item" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "recon_item" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "recon_item"
  USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON "recon_item" TO switchyard_platform;
-- Outcomes are written once; a pooled item is released (updated) when a later file shows it.
GRANT SELECT, INSERT, UPDATE ON "recon_item" TO switchyard_app;
