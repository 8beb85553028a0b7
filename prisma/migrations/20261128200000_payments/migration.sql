-- CreateEnum
CREATE TYPE "PaymentStatus" AS ENUM ('PROCESSING', 'SUCCEEDED', 'FAILED', 'CLOSED');

-- CreateTable
CREATE TABLE "payment" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "merchant_id" UUID NOT NULL,
    "store_id" UUID,
    "device_id" TEXT,
    "merchant_order_no" TEXT NOT NULL,
    "out_trade_no" TEXT NOT NULL,
    "order_type" "OrderType" NOT NULL,
    "product" "ProductCode" NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" TEXT NOT NULL DEFAULT 'CNY',
    "status" "PaymentStatus" NOT NULL DEFAULT 'PROCESSING',
    "subject" TEXT NOT NULL,
    "notify_url" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "channel_account_id" UUID NOT NULL,
    "channel_version" INTEGER NOT NULL,
    "registration_id" UUID NOT NULL,
    "routing_decision_id" UUID NOT NULL,
    "fee_minor" BIGINT NOT NULL,
    "cost_minor" BIGINT NOT NULL,
    "margin_minor" BIGINT NOT NULL,
    "business_date" DATE NOT NULL,
    "channel_trade_no" TEXT,
    "failure_code" TEXT,
    "failure_message" TEXT,
    "paid_at" TIMESTAMPTZ(3),
    "ledger_entry_id" UUID,
    "query_attempts" INTEGER NOT NULL DEFAULT 0,
    "next_query_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "payment_transition" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "payment_id" UUID NOT NULL,
    "from_status" "PaymentStatus",
    "to_status" "PaymentStatus" NOT NULL,
    "cause" TEXT NOT NULL,
    "reason" TEXT,
    "actor" TEXT NOT NULL,
    "exchanges" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_transition_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateIndex
CREATE INDEX "payment_tenant_id_created_at_id_idx" ON "payment"("tenant_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "payment_tenant_id_status_next_query_at_idx" ON "payment"("tenant_id", "status", "next_query_at");

-- CreateIndex
CREATE UNIQUE INDEX "payment_tenant_id_merchant_id_merchant_order_no_key" ON "payment"("tenant_id", "merchant_id", "merchant_order_no");

-- CreateIndex
CREATE UNIQUE INDEX "payment_tenant_id_out_trade_no_key" ON "payment"("tenant_id", "out_trade_no");

-- CreateIndex
CREATE INDEX "payment_transition_tenant_id_payment_id_created_at_idx" ON "payment_transition"("tenant_id", "payment_id", "created_at");

-- AddForeignKey
ALTER TABLE "payment" ADD CONSTRAINT "payment_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payment" ADD CONSTRAINT "payment_tenant_id_registration_id_merchant_id_channel_acco_fkey" FOREIGN KEY ("tenant_id", "registration_id", "merchant_id", "channel_account_id") REFERENCES "merchant_channel_registration"("tenant_id", "id", "merchant_id", "channel_account_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payment_transition" ADD CONSTRAINT "payment_transition_tenant_id_payment_id_fkey" FOREIGN KEY ("tenant_id", "payment_id") REFERENCES "payment"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written: checks, row-level security, grants.

ALTER TABLE "payment" ADD CONSTRAINT "payment_amounts" CHECK (
  amount_minor > 0 AND fee_minor >= 0 AND cost_minor >= 0 AND fee_minor <= amount_minor AND cost_minor <= amount_minor
  AND margin_minor = fee_minor - cost_minor AND channel_version >= 1 AND query_attempts >= 0);
ALTER TABLE "payment" ADD CONSTRAINT "payment_out_trade_no" CHECK (out_trade_no ~ '^[A-Za-z0-9_-]{6,32}$');
ALTER TABLE "payment" ADD CONSTRAINT "payment_paid" CHECK ((status = 'SUCCEEDED') = (paid_at IS NOT NULL));

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['payment', 'payment_transition'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO switchyard_platform', t);
  END LOOP;
END $$;

-- Payments change state; their transitions are history (written once, never changed or removed).
GRANT SELECT, INSERT, UPDATE ON "payment" TO switchyard_app;
GRANT SELECT, INSERT ON "payment_transition" TO switchyard_app;
