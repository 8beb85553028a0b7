-- Refunds to the customer of payments only the channel shows (issue 6, the REFUND_CUSTOMER
-- resolution of a CHANNEL_ONLY 长款): asked of the channel after approval; reconciliation matches
-- the refund lines of later bills by out_refund_no.

-- CreateTable
CREATE TABLE "recon_customer_refund" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "exception_id" UUID NOT NULL,
    "proposal_id" UUID NOT NULL,
    "channel_account_id" UUID NOT NULL,
    "registration_id" UUID NOT NULL,
    "out_trade_no" TEXT NOT NULL,
    "channel_trade_no" TEXT,
    "out_refund_no" TEXT NOT NULL,
    "channel_refund_no" TEXT,
    "amount_minor" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PROCESSING',
    "failure" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "recon_customer_refund_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateIndex
CREATE INDEX "recon_customer_refund_tenant_id_exception_id_idx" ON "recon_customer_refund"("tenant_id", "exception_id");

-- CreateIndex
CREATE UNIQUE INDEX "recon_customer_refund_tenant_id_out_refund_no_key" ON "recon_customer_refund"("tenant_id", "out_refund_no");

-- AddForeignKey
ALTER TABLE "recon_customer_refund" ADD CONSTRAINT "recon_customer_refund_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "recon_customer_refund" ADD CONSTRAINT "recon_customer_refund_status" CHECK (status IN ('PROCESSING', 'SUCCEEDED', 'FAILED'));
ALTER TABLE "recon_customer_refund" ADD CONSTRAINT "recon_customer_refund_amount" CHECK (amount_minor > 0);

ALTER TABLE "recon_customer_refund" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "recon_customer_refund" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "recon_customer_refund"
  USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON "recon_customer_refund" TO switchyard_platform;
GRANT SELECT, INSERT, UPDATE ON "recon_customer_refund" TO switchyard_app;

-- The exception's history says when the refund was asked for and when the channel refused it.
ALTER TABLE "exception_event" DROP CONSTRAINT "exception_event_kind";
ALTER TABLE "exception_event" ADD CONSTRAINT "exception_event_kind" CHECK (kind IN ('CREATED', 'STATUS', 'ASSIGN', 'COMMENT', 'PROPOSED', 'DECLINED', 'RESOLVED', 'REOPENED', 'REFUND_REQUESTED', 'REFUND_FAILED'));
