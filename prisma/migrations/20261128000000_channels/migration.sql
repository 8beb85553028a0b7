-- CreateEnum
CREATE TYPE "ChannelType" AS ENUM ('WECHAT', 'ALIPAY', 'BANK', 'SANDBOX');

-- CreateEnum
CREATE TYPE "ProductCode" AS ENUM ('WECHAT_FACE', 'ALIPAY_FACE', 'WECHAT_CODE', 'ALIPAY_CODE', 'WECHAT_QR', 'ALIPAY_QR', 'WALLET', 'BANK_QUICK');

-- CreateEnum
CREATE TYPE "OrderType" AS ENUM ('CONSUMPTION', 'RECHARGE');

-- CreateEnum
CREATE TYPE "ChannelHealthState" AS ENUM ('HEALTHY', 'PAUSED', 'HALF_OPEN');

-- CreateEnum
CREATE TYPE "RegistrationStatus" AS ENUM ('PENDING', 'ACTIVE', 'SUSPENDED', 'REJECTED');

-- CreateEnum
CREATE TYPE "RuleSetStatus" AS ENUM ('DRAFT', 'PUBLISHED', 'SUPERSEDED');

-- CreateEnum
CREATE TYPE "LimitScope" AS ENUM ('CHANNEL_ACCOUNT', 'MERCHANT');

-- CreateTable
CREATE TABLE "channel_account" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "channel_type" "ChannelType" NOT NULL,
    "name" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "current_version" INTEGER NOT NULL DEFAULT 1,
    "priority" INTEGER NOT NULL DEFAULT 100,
    "weight" INTEGER NOT NULL DEFAULT 1,
    "min_amount_minor" BIGINT,
    "max_amount_minor" BIGINT,
    "daily_amount_cap" BIGINT,
    "daily_count_cap" INTEGER,
    "window_start" TEXT,
    "window_end" TEXT,
    "cost_rate_ppm" INTEGER NOT NULL DEFAULT 0,
    "cost_fixed_minor" BIGINT NOT NULL DEFAULT 0,
    "cost_min_minor" BIGINT NOT NULL DEFAULT 0,
    "cost_max_minor" BIGINT,
    "settlement_account_name" TEXT,
    "settlement_bank_name" TEXT,
    "settlement_account_number_enc" TEXT,
    "settlement_account_last4" TEXT,
    "health_state" "ChannelHealthState" NOT NULL DEFAULT 'HEALTHY',
    "health_changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "health_reason" TEXT,
    "health_manual" BOOLEAN NOT NULL DEFAULT false,
    "auto_pause" BOOLEAN NOT NULL DEFAULT true,
    "health_window_seconds" INTEGER NOT NULL DEFAULT 300,
    "health_min_sample" INTEGER NOT NULL DEFAULT 20,
    "health_error_rate_ppm" INTEGER NOT NULL DEFAULT 500000,
    "health_cooldown_seconds" INTEGER NOT NULL DEFAULT 120,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channel_account_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "channel_account_version" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "channel_account_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "params" JSONB NOT NULL DEFAULT '{}',
    "credentials_enc" TEXT,
    "credential_keys" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "note" TEXT,
    "created_by" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channel_account_version_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "merchant_channel_registration" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "merchant_id" UUID NOT NULL,
    "store_id" UUID,
    "store_scope" TEXT NOT NULL DEFAULT '',
    "channel_account_id" UUID NOT NULL,
    "sub_mch_id" TEXT,
    "sub_app_id" TEXT,
    "smid" TEXT,
    "app_auth_token_enc" TEXT,
    "shop_id" TEXT,
    "acquirer_merchant_no" TEXT,
    "terminal_no" TEXT,
    "status" "RegistrationStatus" NOT NULL DEFAULT 'PENDING',
    "channel_rate_ppm" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "merchant_channel_registration_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "product_rule" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "product" "ProductCode" NOT NULL,
    "order_type" "OrderType" NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "min_amount_minor" BIGINT NOT NULL DEFAULT 1,
    "max_amount_minor" BIGINT,
    "merchant_id" UUID,
    "merchant_scope" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "product_rule_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "fee_rule" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "product" "ProductCode" NOT NULL,
    "merchant_id" UUID,
    "merchant_scope" TEXT NOT NULL DEFAULT '',
    "fee_rate_ppm" INTEGER NOT NULL,
    "fixed_minor" BIGINT NOT NULL DEFAULT 0,
    "min_fee_minor" BIGINT NOT NULL DEFAULT 0,
    "max_fee_minor" BIGINT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "fee_rule_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "merchant_limit" (
    "tenant_id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "per_txn_max_minor" BIGINT,
    "daily_amount_cap" BIGINT,
    "daily_count_cap" INTEGER,
    "payer_per_minute_max" INTEGER,
    "device_per_minute_max" INTEGER,
    "night_large_amount_minor" BIGINT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "merchant_limit_pkey" PRIMARY KEY ("tenant_id","merchant_id")
);

-- CreateTable
CREATE TABLE "limit_usage" (
    "tenant_id" UUID NOT NULL,
    "scope" "LimitScope" NOT NULL,
    "scope_id" UUID NOT NULL,
    "business_date" DATE NOT NULL,
    "amount_minor" BIGINT NOT NULL DEFAULT 0,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "limit_usage_pkey" PRIMARY KEY ("tenant_id","scope","scope_id","business_date")
);

-- CreateTable
CREATE TABLE "routing_rule_set" (
    "tenant_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "status" "RuleSetStatus" NOT NULL DEFAULT 'DRAFT',
    "strategy" TEXT NOT NULL,
    "fallback_enabled" BOOLEAN NOT NULL DEFAULT true,
    "rules" JSONB NOT NULL DEFAULT '[]',
    "note" TEXT,
    "created_by" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_by" UUID,
    "published_at" TIMESTAMPTZ(3),

    CONSTRAINT "routing_rule_set_pkey" PRIMARY KEY ("tenant_id","version")
);

-- CreateTable
CREATE TABLE "routing_decision" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "rule_set_version" INTEGER,
    "merchant_id" UUID NOT NULL,
    "store_id" UUID,
    "device_id" TEXT,
    "payer_id" TEXT,
    "risk_flags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "order_type" "OrderType" NOT NULL,
    "product" "ProductCode" NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "request" JSONB NOT NULL,
    "outcome" TEXT NOT NULL,
    "reason" TEXT,
    "channel_account_id" UUID,
    "registration_id" UUID,
    "fee_minor" BIGINT,
    "cost_minor" BIGINT,
    "margin_minor" BIGINT,
    "succeeded" BOOLEAN,
    "trace" JSONB NOT NULL,

    CONSTRAINT "routing_decision_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "channel_health_event" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "channel_account_id" UUID NOT NULL,
    "from_state" "ChannelHealthState" NOT NULL,
    "to_state" "ChannelHealthState" NOT NULL,
    "reason" TEXT NOT NULL,
    "metrics" JSONB NOT NULL DEFAULT '{}',
    "automatic" BOOLEAN NOT NULL DEFAULT true,
    "actor_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channel_health_event_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "channel_call_stat" (
    "tenant_id" UUID NOT NULL,
    "channel_account_id" UUID NOT NULL,
    "minute" TIMESTAMPTZ(0) NOT NULL,
    "calls" INTEGER NOT NULL DEFAULT 0,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "latency_sum_ms" BIGINT NOT NULL DEFAULT 0,
    "latency_max_ms" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "channel_call_stat_pkey" PRIMARY KEY ("tenant_id","channel_account_id","minute")
);

-- CreateTable
CREATE TABLE "channel_notification" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "channel_account_id" UUID NOT NULL,
    "version" INTEGER,
    "event_id" TEXT,
    "accepted" BOOLEAN NOT NULL,
    "error_code" TEXT,
    "error_message" TEXT,
    "kind" TEXT,
    "out_trade_no" TEXT,
    "out_refund_no" TEXT,
    "status" TEXT,
    "amount_minor" BIGINT,
    "duplicates" INTEGER NOT NULL DEFAULT 0,
    "body_sha256" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "channel_notification_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateIndex
CREATE INDEX "channel_account_tenant_id_created_at_id_idx" ON "channel_account"("tenant_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "channel_account_version_tenant_id_channel_account_id_versio_key" ON "channel_account_version"("tenant_id", "channel_account_id", "version");

-- CreateIndex
CREATE INDEX "merchant_channel_registration_tenant_id_merchant_id_idx" ON "merchant_channel_registration"("tenant_id", "merchant_id");

-- CreateIndex
CREATE UNIQUE INDEX "merchant_channel_registration_tenant_id_id_merchant_id_chan_key" ON "merchant_channel_registration"("tenant_id", "id", "merchant_id", "channel_account_id");

-- CreateIndex
CREATE UNIQUE INDEX "merchant_channel_registration_tenant_id_channel_account_id__key" ON "merchant_channel_registration"("tenant_id", "channel_account_id", "merchant_id", "store_scope");

-- CreateIndex
CREATE UNIQUE INDEX "product_rule_tenant_id_product_order_type_merchant_scope_key" ON "product_rule"("tenant_id", "product", "order_type", "merchant_scope");

-- CreateIndex
CREATE UNIQUE INDEX "fee_rule_tenant_id_product_merchant_scope_key" ON "fee_rule"("tenant_id", "product", "merchant_scope");

-- CreateIndex
CREATE INDEX "routing_decision_tenant_id_created_at_idx" ON "routing_decision"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "routing_decision_tenant_id_device_id_created_at_idx" ON "routing_decision"("tenant_id", "device_id", "created_at");

-- CreateIndex
CREATE INDEX "routing_decision_tenant_id_payer_id_created_at_idx" ON "routing_decision"("tenant_id", "payer_id", "created_at");

-- CreateIndex
CREATE INDEX "channel_health_event_tenant_id_channel_account_id_created_a_idx" ON "channel_health_event"("tenant_id", "channel_account_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "channel_notification_tenant_id_received_at_idx" ON "channel_notification"("tenant_id", "received_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "channel_notification_tenant_id_channel_account_id_event_id_key" ON "channel_notification"("tenant_id", "channel_account_id", "event_id");

-- AddForeignKey
ALTER TABLE "channel_account" ADD CONSTRAINT "channel_account_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "channel_account_version" ADD CONSTRAINT "channel_account_version_tenant_id_channel_account_id_fkey" FOREIGN KEY ("tenant_id", "channel_account_id") REFERENCES "channel_account"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "merchant_channel_registration" ADD CONSTRAINT "merchant_channel_registration_tenant_id_channel_account_id_fkey" FOREIGN KEY ("tenant_id", "channel_account_id") REFERENCES "channel_account"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "merchant_channel_registration" ADD CONSTRAINT "merchant_channel_registration_tenant_id_merchant_id_fkey" FOREIGN KEY ("tenant_id", "merchant_id") REFERENCES "merchant"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "merchant_channel_registration" ADD CONSTRAINT "merchant_channel_registration_tenant_id_store_id_fkey" FOREIGN KEY ("tenant_id", "store_id") REFERENCES "store"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "product_rule" ADD CONSTRAINT "product_rule_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "product_rule" ADD CONSTRAINT "product_rule_tenant_id_merchant_id_fkey" FOREIGN KEY ("tenant_id", "merchant_id") REFERENCES "merchant"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "fee_rule" ADD CONSTRAINT "fee_rule_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "fee_rule" ADD CONSTRAINT "fee_rule_tenant_id_merchant_id_fkey" FOREIGN KEY ("tenant_id", "merchant_id") REFERENCES "merchant"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "merchant_limit" ADD CONSTRAINT "merchant_limit_tenant_id_merchant_id_fkey" FOREIGN KEY ("tenant_id", "merchant_id") REFERENCES "merchant"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "limit_usage" ADD CONSTRAINT "limit_usage_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "routing_rule_set" ADD CONSTRAINT "routing_rule_set_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "routing_decision" ADD CONSTRAINT "routing_decision_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "routing_decision" ADD CONSTRAINT "routing_decision_tenant_id_registration_id_merchant_id_cha_fkey" FOREIGN KEY ("tenant_id", "registration_id", "merchant_id", "channel_account_id") REFERENCES "merchant_channel_registration"("tenant_id", "id", "merchant_id", "channel_account_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "channel_health_event" ADD CONSTRAINT "channel_health_event_tenant_id_channel_account_id_fkey" FOREIGN KEY ("tenant_id", "channel_account_id") REFERENCES "channel_account"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "channel_call_stat" ADD CONSTRAINT "channel_call_stat_tenant_id_channel_account_id_fkey" FOREIGN KEY ("tenant_id", "channel_account_id") REFERENCES "channel_account"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "channel_notification" ADD CONSTRAINT "channel_notification_tenant_id_channel_account_id_fkey" FOREIGN KEY ("tenant_id", "channel_account_id") REFERENCES "channel_account"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written: checks, partial uniques, row-level security, grants, system lookups.

ALTER TABLE "channel_account" ADD CONSTRAINT "channel_account_amounts" CHECK (
  (min_amount_minor IS NULL OR min_amount_minor > 0) AND (max_amount_minor IS NULL OR max_amount_minor > 0)
  AND (min_amount_minor IS NULL OR max_amount_minor IS NULL OR min_amount_minor <= max_amount_minor)
  AND (daily_amount_cap IS NULL OR daily_amount_cap > 0) AND (daily_count_cap IS NULL OR daily_count_cap > 0)
  AND cost_rate_ppm BETWEEN 0 AND 1000000 AND cost_fixed_minor >= 0 AND cost_min_minor >= 0
  AND (cost_max_minor IS NULL OR cost_max_minor >= cost_min_minor)
  AND weight >= 0 AND current_version >= 1);
ALTER TABLE "channel_account" ADD CONSTRAINT "channel_account_window" CHECK (
  (window_start IS NULL) = (window_end IS NULL)
  AND (window_start IS NULL OR (window_start ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' AND window_end ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$')));
ALTER TABLE "channel_account" ADD CONSTRAINT "channel_account_health" CHECK (
  health_window_seconds > 0 AND health_min_sample > 0 AND health_error_rate_ppm BETWEEN 1 AND 1000000 AND health_cooldown_seconds > 0);
ALTER TABLE "channel_account_version" ADD CONSTRAINT "channel_account_version_positive" CHECK (version >= 1);
ALTER TABLE "fee_rule" ADD CONSTRAINT "fee_rule_amounts" CHECK (
  fee_rate_ppm BETWEEN 0 AND 1000000 AND fixed_minor >= 0 AND min_fee_minor >= 0 AND (max_fee_minor IS NULL OR max_fee_minor >= min_fee_minor));
ALTER TABLE "product_rule" ADD CONSTRAINT "product_rule_amounts" CHECK (
  min_amount_minor > 0 AND (max_amount_minor IS NULL OR max_amount_minor >= min_amount_minor));
ALTER TABLE "merchant_channel_registration" ADD CONSTRAINT "registration_rate" CHECK (channel_rate_ppm IS NULL OR channel_rate_ppm BETWEEN 0 AND 1000000);
ALTER TABLE "limit_usage" ADD CONSTRAINT "limit_usage_nonnegative" CHECK (amount_minor >= 0 AND count >= 0);
ALTER TABLE "routing_rule_set" ADD CONSTRAINT "routing_rule_set_strategy" CHECK (strategy IN ('LOWEST_COST', 'PRIORITY', 'WEIGHTED', 'SUCCESS_RATE'));

-- The scope columns mirror the nullable ids so the unique keys treat "no merchant/store" as one value.
ALTER TABLE "merchant_channel_registration" ADD CONSTRAINT "registration_store_scope" CHECK (store_scope = COALESCE(store_id::text, ''));
ALTER TABLE "fee_rule" ADD CONSTRAINT "fee_rule_merchant_scope" CHECK (merchant_scope = COALESCE(merchant_id::text, ''));
ALTER TABLE "product_rule" ADD CONSTRAINT "product_rule_merchant_scope" CHECK (merchant_scope = COALESCE(merchant_id::text, ''));

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['channel_account', 'channel_account_version', 'merchant_channel_registration', 'product_rule',
                           'fee_rule', 'merchant_limit', 'limit_usage', 'routing_rule_set', 'routing_decision',
                           'channel_health_event', 'channel_call_stat', 'channel_notification'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO switchyard_platform', t);
  END LOOP;
END $$;

GRANT SELECT, INSERT, UPDATE ON "channel_account", "merchant_channel_registration", "merchant_limit",
  "limit_usage", "routing_decision", "channel_call_stat", "channel_notification" TO switchyard_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON "product_rule", "fee_rule" TO switchyard_app;
-- Drafts can be discarded (DELETE is limited to DRAFT rows by the service).
GRANT SELECT, INSERT, UPDATE, DELETE ON "routing_rule_set" TO switchyard_app;
-- Versions and health events are history: written once, never changed.
GRANT SELECT, INSERT ON "channel_account_version", "channel_health_event" TO switchyard_app;

-- The notify endpoint knows only the channel account id from its URL: which tenant owns it.
CREATE FUNCTION system_channel_account_tenant(p_id uuid, p_channel "ChannelType")
RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT a.tenant_id FROM channel_account a JOIN tenant t ON t.id = a.tenant_id
   WHERE a.id = p_id AND a.channel_type = p_channel AND t.status = 'ACTIVE'
$$;
REVOKE ALL ON FUNCTION system_channel_account_tenant(uuid, "ChannelType") FROM PUBLIC;
GRANT EXECUTE ON FUNCTION system_channel_account_tenant(uuid, "ChannelType") TO switchyard_app;
