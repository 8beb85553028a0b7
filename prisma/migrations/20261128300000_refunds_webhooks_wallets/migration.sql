-- CreateEnum
CREATE TYPE "RefundShortfallPolicy" AS ENUM ('REFUSE', 'ALLOW_DEBT');

-- CreateEnum
CREATE TYPE "RefundStatus" AS ENUM ('PROCESSING', 'SUCCEEDED', 'FAILED', 'CLOSED', 'ABNORMAL');

-- CreateEnum
CREATE TYPE "ExceptionStatus" AS ENUM ('OPEN', 'RESOLVED');

-- CreateEnum
CREATE TYPE "WebhookEventStatus" AS ENUM ('PENDING', 'DELIVERED', 'FAILED', 'NO_ENDPOINT');

-- CreateEnum
CREATE TYPE "WalletStatus" AS ENUM ('ACTIVE', 'FROZEN', 'CLOSED');

-- CreateEnum
CREATE TYPE "PayoutSource" AS ENUM ('WALLET', 'MERCHANT');

-- CreateEnum
CREATE TYPE "PayoutStatus" AS ENUM ('HELD', 'BATCHED', 'IN_TRANSIT', 'SUCCEEDED', 'FAILED', 'RETURNED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "PayoutBatchStatus" AS ENUM ('OPEN', 'PROPOSED', 'RELEASED', 'COMPLETED', 'REJECTED');

-- AlterTable
ALTER TABLE "tenant" ADD COLUMN     "auto_refund_late_success" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "refund_shortfall_policy" "RefundShortfallPolicy" NOT NULL DEFAULT 'REFUSE';

-- AlterTable
ALTER TABLE "payment" ADD COLUMN     "code_url" TEXT,
ADD COLUMN     "expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "late_success" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "refunded_minor" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN     "wallet_id" UUID;

-- CreateTable
CREATE TABLE "refund" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "payment_id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "merchant_refund_no" TEXT NOT NULL,
    "out_refund_no" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "fee_returned_minor" BIGINT NOT NULL,
    "cost_returned_minor" BIGINT NOT NULL,
    "margin_clawback_minor" BIGINT NOT NULL,
    "debt_minor" BIGINT NOT NULL DEFAULT 0,
    "status" "RefundStatus" NOT NULL DEFAULT 'PROCESSING',
    "reason" TEXT NOT NULL,
    "origin" TEXT NOT NULL,
    "notify_url" TEXT,
    "hold_id" UUID,
    "funded_from" TEXT,
    "ledger_entry_id" UUID,
    "business_date" DATE NOT NULL,
    "channel_refund_no" TEXT,
    "failure_code" TEXT,
    "failure_message" TEXT,
    "refunded_at" TIMESTAMPTZ(3),
    "submitted_at" TIMESTAMPTZ(3),
    "query_attempts" INTEGER NOT NULL DEFAULT 0,
    "next_query_at" TIMESTAMPTZ(3),
    "resolution" JSONB,
    "resolved_at" TIMESTAMPTZ(3),
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "refund_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "refund_transition" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "refund_id" UUID NOT NULL,
    "from_status" "RefundStatus",
    "to_status" "RefundStatus" NOT NULL,
    "cause" TEXT NOT NULL,
    "reason" TEXT,
    "actor" TEXT NOT NULL,
    "exchanges" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "refund_transition_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "exception" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "kind" TEXT NOT NULL,
    "status" "ExceptionStatus" NOT NULL DEFAULT 'OPEN',
    "cause_type" TEXT NOT NULL,
    "cause_id" UUID NOT NULL,
    "merchant_id" UUID,
    "amount_minor" BIGINT NOT NULL,
    "business_date" DATE NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "resolution" TEXT,
    "resolved_by" TEXT,
    "resolved_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "exception_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "webhook_endpoint" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "merchant_id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "secret" TEXT NOT NULL,
    "secret_version" INTEGER NOT NULL DEFAULT 1,
    "previous_secret" TEXT,
    "previous_secret_expires_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_endpoint_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "webhook_event" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "merchant_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "object_type" TEXT NOT NULL,
    "object_id" UUID NOT NULL,
    "body" JSONB NOT NULL,
    "notify_url" TEXT,
    "status" "WebhookEventStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3),
    "delivered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_event_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "webhook_attempt" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "event_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "url" TEXT NOT NULL,
    "status_code" INTEGER,
    "latency_ms" INTEGER NOT NULL,
    "response_excerpt" TEXT,
    "error" TEXT,
    "trigger" TEXT NOT NULL DEFAULT 'SCHEDULE',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_attempt_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "wallet" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "merchant_id" UUID NOT NULL,
    "external_user_id" TEXT NOT NULL,
    "status" "WalletStatus" NOT NULL DEFAULT 'ACTIVE',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "wallet_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "transfer" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "merchant_id" UUID NOT NULL,
    "merchant_transfer_no" TEXT NOT NULL,
    "from_wallet_id" UUID NOT NULL,
    "to_wallet_id" UUID NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'SUCCEEDED',
    "ledger_entry_id" UUID NOT NULL,
    "business_date" DATE NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "transfer_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "payout" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "merchant_id" UUID NOT NULL,
    "source" "PayoutSource" NOT NULL,
    "wallet_id" UUID,
    "request_no" TEXT NOT NULL,
    "out_payout_no" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "account_name" TEXT NOT NULL,
    "account_number_enc" TEXT NOT NULL,
    "account_last4" TEXT NOT NULL,
    "bank_code" TEXT NOT NULL,
    "status" "PayoutStatus" NOT NULL DEFAULT 'HELD',
    "hold_id" UUID,
    "batch_id" UUID,
    "channel_account_id" UUID,
    "channel_payout_no" TEXT,
    "failure_code" TEXT,
    "failure_message" TEXT,
    "notify_url" TEXT,
    "business_date" DATE NOT NULL,
    "completed_at" TIMESTAMPTZ(3),
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payout_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "payout_transition" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "payout_id" UUID NOT NULL,
    "from_status" "PayoutStatus",
    "to_status" "PayoutStatus" NOT NULL,
    "cause" TEXT NOT NULL,
    "reason" TEXT,
    "actor" TEXT NOT NULL,
    "exchanges" JSONB NOT NULL DEFAULT '[]',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payout_transition_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "payout_batch" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "channel_account_id" UUID NOT NULL,
    "status" "PayoutBatchStatus" NOT NULL DEFAULT 'OPEN',
    "count" INTEGER NOT NULL DEFAULT 0,
    "total_minor" BIGINT NOT NULL DEFAULT 0,
    "proposal_id" UUID,
    "delivery" TEXT NOT NULL DEFAULT 'SEND',
    "file_name" TEXT,
    "released_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payout_batch_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateIndex
CREATE INDEX "refund_tenant_id_payment_id_created_at_idx" ON "refund"("tenant_id", "payment_id", "created_at");

-- CreateIndex
CREATE INDEX "refund_tenant_id_status_next_query_at_idx" ON "refund"("tenant_id", "status", "next_query_at");

-- CreateIndex
CREATE INDEX "refund_tenant_id_created_at_id_idx" ON "refund"("tenant_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "refund_tenant_id_merchant_id_merchant_refund_no_key" ON "refund"("tenant_id", "merchant_id", "merchant_refund_no");

-- CreateIndex
CREATE UNIQUE INDEX "refund_tenant_id_out_refund_no_key" ON "refund"("tenant_id", "out_refund_no");

-- CreateIndex
CREATE INDEX "refund_transition_tenant_id_refund_id_created_at_idx" ON "refund_transition"("tenant_id", "refund_id", "created_at");

-- CreateIndex
CREATE INDEX "exception_tenant_id_status_created_at_idx" ON "exception"("tenant_id", "status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "exception_tenant_id_kind_cause_id_key" ON "exception"("tenant_id", "kind", "cause_id");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_endpoint_tenant_id_merchant_id_key" ON "webhook_endpoint"("tenant_id", "merchant_id");

-- CreateIndex
CREATE INDEX "webhook_event_tenant_id_created_at_id_idx" ON "webhook_event"("tenant_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "webhook_event_tenant_id_object_id_created_at_idx" ON "webhook_event"("tenant_id", "object_id", "created_at");

-- CreateIndex
CREATE INDEX "webhook_event_tenant_id_merchant_id_created_at_idx" ON "webhook_event"("tenant_id", "merchant_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "webhook_attempt_tenant_id_event_id_created_at_idx" ON "webhook_attempt"("tenant_id", "event_id", "created_at");

-- CreateIndex
CREATE INDEX "wallet_tenant_id_created_at_id_idx" ON "wallet"("tenant_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "wallet_tenant_id_merchant_id_external_user_id_key" ON "wallet"("tenant_id", "merchant_id", "external_user_id");

-- CreateIndex
CREATE INDEX "transfer_tenant_id_created_at_id_idx" ON "transfer"("tenant_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "transfer_tenant_id_merchant_id_merchant_transfer_no_key" ON "transfer"("tenant_id", "merchant_id", "merchant_transfer_no");

-- CreateIndex
CREATE INDEX "payout_tenant_id_status_created_at_idx" ON "payout"("tenant_id", "status", "created_at");

-- CreateIndex
CREATE INDEX "payout_tenant_id_batch_id_idx" ON "payout"("tenant_id", "batch_id");

-- CreateIndex
CREATE INDEX "payout_tenant_id_created_at_id_idx" ON "payout"("tenant_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "payout_tenant_id_merchant_id_source_request_no_key" ON "payout"("tenant_id", "merchant_id", "source", "request_no");

-- CreateIndex
CREATE UNIQUE INDEX "payout_tenant_id_out_payout_no_key" ON "payout"("tenant_id", "out_payout_no");

-- CreateIndex
CREATE INDEX "payout_transition_tenant_id_payout_id_created_at_idx" ON "payout_transition"("tenant_id", "payout_id", "created_at");

-- CreateIndex
CREATE INDEX "payout_batch_tenant_id_status_created_at_idx" ON "payout_batch"("tenant_id", "status", "created_at");

-- AddForeignKey
ALTER TABLE "refund" ADD CONSTRAINT "refund_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refund" ADD CONSTRAINT "refund_tenant_id_merchant_id_fkey" FOREIGN KEY ("tenant_id", "merchant_id") REFERENCES "merchant"("tenant_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refund" ADD CONSTRAINT "refund_tenant_id_payment_id_fkey" FOREIGN KEY ("tenant_id", "payment_id") REFERENCES "payment"("tenant_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "refund_transition" ADD CONSTRAINT "refund_transition_tenant_id_refund_id_fkey" FOREIGN KEY ("tenant_id", "refund_id") REFERENCES "refund"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "exception" ADD CONSTRAINT "exception_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_endpoint" ADD CONSTRAINT "webhook_endpoint_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_endpoint" ADD CONSTRAINT "webhook_endpoint_tenant_id_merchant_id_fkey" FOREIGN KEY ("tenant_id", "merchant_id") REFERENCES "merchant"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_event" ADD CONSTRAINT "webhook_event_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_attempt" ADD CONSTRAINT "webhook_attempt_tenant_id_event_id_fkey" FOREIGN KEY ("tenant_id", "event_id") REFERENCES "webhook_event"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "wallet" ADD CONSTRAINT "wallet_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "wallet" ADD CONSTRAINT "wallet_tenant_id_merchant_id_fkey" FOREIGN KEY ("tenant_id", "merchant_id") REFERENCES "merchant"("tenant_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transfer" ADD CONSTRAINT "transfer_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payout" ADD CONSTRAINT "payout_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payout" ADD CONSTRAINT "payout_tenant_id_merchant_id_fkey" FOREIGN KEY ("tenant_id", "merchant_id") REFERENCES "merchant"("tenant_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payout" ADD CONSTRAINT "payout_tenant_id_batch_id_fkey" FOREIGN KEY ("tenant_id", "batch_id") REFERENCES "payout_batch"("tenant_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payout_transition" ADD CONSTRAINT "payout_transition_tenant_id_payout_id_fkey" FOREIGN KEY ("tenant_id", "payout_id") REFERENCES "payout"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payout_batch" ADD CONSTRAINT "payout_batch_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written: checks, row-level security, grants.

ALTER TABLE "payment" ADD CONSTRAINT "payment_refunded" CHECK (refunded_minor >= 0 AND refunded_minor <= amount_minor);
ALTER TABLE "refund" ADD CONSTRAINT "refund_amounts" CHECK (
  amount_minor > 0 AND fee_returned_minor >= 0 AND cost_returned_minor >= 0 AND debt_minor >= 0
  AND fee_returned_minor <= amount_minor AND cost_returned_minor <= amount_minor AND query_attempts >= 0);
ALTER TABLE "refund" ADD CONSTRAINT "refund_out_refund_no" CHECK (out_refund_no ~ '^[A-Za-z0-9_-]{6,64}$');
ALTER TABLE "refund" ADD CONSTRAINT "refund_funded_from" CHECK (funded_from IS NULL OR funded_from IN ('PENDING', 'AVAILABLE'));
ALTER TABLE "refund" ADD CONSTRAINT "refund_origin" CHECK (origin IN ('API', 'CONSOLE', 'LATE_SUCCESS', 'REVERSAL'));
ALTER TABLE "refund" ADD CONSTRAINT "refund_succeeded" CHECK ((status = 'SUCCEEDED') = (refunded_at IS NOT NULL));
ALTER TABLE "exception" ADD CONSTRAINT "exception_resolved" CHECK ((status = 'RESOLVED') = (resolved_at IS NOT NULL));
ALTER TABLE "webhook_event" ADD CONSTRAINT "webhook_event_attempts" CHECK (attempts >= 0);
ALTER TABLE "webhook_endpoint" ADD CONSTRAINT "webhook_endpoint_secret_version" CHECK (secret_version >= 1);
ALTER TABLE "transfer" ADD CONSTRAINT "transfer_amounts" CHECK (amount_minor > 0 AND from_wallet_id <> to_wallet_id);
ALTER TABLE "payout" ADD CONSTRAINT "payout_amounts" CHECK (amount_minor > 0);
ALTER TABLE "payout" ADD CONSTRAINT "payout_wallet" CHECK ((source = 'WALLET') = (wallet_id IS NOT NULL));
ALTER TABLE "payout_batch" ADD CONSTRAINT "payout_batch_totals" CHECK (count >= 0 AND total_minor >= 0 AND delivery IN ('SEND', 'FILE'));

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['refund', 'refund_transition', 'exception', 'webhook_endpoint', 'webhook_event', 'webhook_attempt',
                           'wallet', 'transfer', 'payout', 'payout_transition', 'payout_batch'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO switchyard_platform', t);
  END LOOP;
END $$;

-- State-bearing rows change; transitions, attempts and transfers are history (written once).
GRANT SELECT, INSERT, UPDATE ON "refund", "exception", "webhook_endpoint", "webhook_event", "wallet", "payout", "payout_batch" TO switchyard_app;
GRANT SELECT, INSERT ON "refund_transition", "webhook_attempt", "transfer", "payout_transition" TO switchyard_app;
