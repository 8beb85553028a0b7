-- CreateEnum
CREATE TYPE "DeviceStatus" AS ENUM ('IN_STOCK', 'ASSIGNED', 'ACTIVE', 'SUSPENDED', 'RETURNED', 'RETIRED');

-- CreateEnum
CREATE TYPE "DeviceVendor" AS ENUM ('WECHAT_FACE', 'ALIPAY_FACE', 'OTHER');

-- CreateTable
CREATE TABLE "device" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "device_id" TEXT NOT NULL,
    "serial_number" TEXT NOT NULL,
    "model" TEXT NOT NULL DEFAULT '',
    "vendor" "DeviceVendor" NOT NULL DEFAULT 'OTHER',
    "app_version" TEXT,
    "firmware_version" TEXT,
    "channel_account_id" UUID,
    "merchant_id" UUID,
    "store_id" UUID,
    "terminal_no" TEXT,
    "status" "DeviceStatus" NOT NULL DEFAULT 'IN_STOCK',
    "suspended_from" "DeviceStatus",
    "secret_enc" TEXT,
    "activated_at" TIMESTAMPTZ(3),
    "last_seen_at" TIMESTAMPTZ(3),
    "network" TEXT,
    "last_errors" JSONB NOT NULL DEFAULT '[]',
    "latitude" DECIMAL(9,6),
    "longitude" DECIMAL(9,6),
    "is_relocated" BOOLEAN NOT NULL DEFAULT false,
    "relocated_meters" INTEGER,
    "config_version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "device_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "device_transition" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "device_id" UUID NOT NULL,
    "from_status" "DeviceStatus",
    "to_status" "DeviceStatus" NOT NULL,
    "action" TEXT NOT NULL,
    "reason" TEXT,
    "actor" TEXT NOT NULL,
    "detail" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "device_transition_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "device_activation_code" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "code_hash" TEXT NOT NULL,
    "merchant_id" UUID,
    "store_id" UUID,
    "serial_number" TEXT,
    "channel_account_id" UUID,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "used_by" UUID,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "device_activation_code_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "device_config_version" (
    "tenant_id" UUID NOT NULL,
    "version" INTEGER NOT NULL,
    "values" JSONB NOT NULL,
    "note" TEXT NOT NULL DEFAULT '',
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "device_config_version_pkey" PRIMARY KEY ("tenant_id","version")
);

-- CreateTable
CREATE TABLE "device_fleet_settings" (
    "tenant_id" UUID NOT NULL,
    "offline_after_seconds" INTEGER NOT NULL DEFAULT 300,
    "relocation_meters" INTEGER NOT NULL DEFAULT 1000,
    "incentive_min_amount_minor" BIGINT NOT NULL DEFAULT 100,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "device_fleet_settings_pkey" PRIMARY KEY ("tenant_id")
);

-- CreateTable
CREATE TABLE "device_nonce" (
    "tenant_id" UUID NOT NULL,
    "device_id" UUID NOT NULL,
    "nonce" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "device_nonce_pkey" PRIMARY KEY ("tenant_id","device_id","nonce")
);

-- CreateTable
CREATE TABLE "payment_daily_stat" (
    "tenant_id" UUID NOT NULL,
    "business_date" DATE NOT NULL,
    "merchant_id" UUID NOT NULL,
    "store_id" TEXT NOT NULL DEFAULT '',
    "device_id" TEXT NOT NULL DEFAULT '',
    "channel_account_id" UUID NOT NULL,
    "product" "ProductCode" NOT NULL,
    "payment_count" INTEGER NOT NULL DEFAULT 0,
    "success_count" INTEGER NOT NULL DEFAULT 0,
    "amount_minor" BIGINT NOT NULL DEFAULT 0,
    "valid_count" INTEGER NOT NULL DEFAULT 0,
    "refund_count" INTEGER NOT NULL DEFAULT 0,
    "refund_minor" BIGINT NOT NULL DEFAULT 0,
    "fee_minor" BIGINT NOT NULL DEFAULT 0,
    "cost_minor" BIGINT NOT NULL DEFAULT 0,
    "margin_minor" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payment_daily_stat_pkey" PRIMARY KEY ("tenant_id","business_date","merchant_id","store_id","device_id","channel_account_id","product")
);

-- CreateIndex
CREATE UNIQUE INDEX "device_device_id_key" ON "device"("device_id");

-- CreateIndex
CREATE INDEX "device_tenant_id_status_created_at_idx" ON "device"("tenant_id", "status", "created_at" DESC);

-- CreateIndex
CREATE INDEX "device_tenant_id_merchant_id_store_id_idx" ON "device"("tenant_id", "merchant_id", "store_id");

-- CreateIndex
CREATE INDEX "device_tenant_id_last_seen_at_idx" ON "device"("tenant_id", "last_seen_at");

-- CreateIndex
CREATE UNIQUE INDEX "device_tenant_id_serial_number_key" ON "device"("tenant_id", "serial_number");

-- CreateIndex
CREATE INDEX "device_transition_tenant_id_device_id_created_at_idx" ON "device_transition"("tenant_id", "device_id", "created_at");

-- CreateIndex
CREATE INDEX "device_activation_code_tenant_id_created_at_idx" ON "device_activation_code"("tenant_id", "created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "device_activation_code_tenant_id_code_hash_key" ON "device_activation_code"("tenant_id", "code_hash");

-- CreateIndex
CREATE INDEX "device_nonce_tenant_id_expires_at_idx" ON "device_nonce"("tenant_id", "expires_at");

-- CreateIndex
CREATE INDEX "payment_daily_stat_tenant_id_device_id_business_date_idx" ON "payment_daily_stat"("tenant_id", "device_id", "business_date");

-- CreateIndex
CREATE INDEX "payment_tenant_id_business_date_merchant_id_idx" ON "payment"("tenant_id", "business_date", "merchant_id");

-- CreateIndex
CREATE INDEX "refund_tenant_id_business_date_idx" ON "refund"("tenant_id", "business_date");

-- AddForeignKey
ALTER TABLE "device" ADD CONSTRAINT "device_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "device_transition" ADD CONSTRAINT "device_transition_tenant_id_device_id_fkey" FOREIGN KEY ("tenant_id", "device_id") REFERENCES "device"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "device_activation_code" ADD CONSTRAINT "device_activation_code_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "device_config_version" ADD CONSTRAINT "device_config_version_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "device_fleet_settings" ADD CONSTRAINT "device_fleet_settings_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "device_nonce" ADD CONSTRAINT "device_nonce_tenant_id_device_id_fkey" FOREIGN KEY ("tenant_id", "device_id") REFERENCES "device"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payment_daily_stat" ADD CONSTRAINT "payment_daily_stat_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
-- ---------------------------------------------------------------------------------------------
-- Hand-written: checks, row-level security, grants, and the daily statistics triggers.

ALTER TABLE "device" ADD CONSTRAINT "device_serial_number" CHECK (serial_number ~ '^[A-Za-z0-9_-]{4,64}$');
-- Assigned and later states have a merchant and store; in stock and returned ones have neither.
ALTER TABLE "device" ADD CONSTRAINT "device_assignment" CHECK (
  (status IN ('IN_STOCK', 'RETURNED') AND merchant_id IS NULL AND store_id IS NULL)
  OR (status IN ('ASSIGNED', 'ACTIVE') AND merchant_id IS NOT NULL AND store_id IS NOT NULL)
  OR status IN ('SUSPENDED', 'RETIRED'));
ALTER TABLE "device" ADD CONSTRAINT "device_suspended_from" CHECK ((status = 'SUSPENDED') = (suspended_from IS NOT NULL));
ALTER TABLE "device_fleet_settings" ADD CONSTRAINT "device_fleet_settings_ranges" CHECK (
  offline_after_seconds BETWEEN 30 AND 86400 AND relocation_meters BETWEEN 50 AND 1000000 AND incentive_min_amount_minor >= 0);
ALTER TABLE "device_config_version" ADD CONSTRAINT "device_config_version_positive" CHECK (version > 0);

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['device', 'device_transition', 'device_activation_code', 'device_config_version', 'device_fleet_settings', 'device_nonce', 'payment_daily_stat'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO switchyard_platform', t);
  END LOOP;
END $$;

-- Devices are retired, never deleted; transitions and configuration versions are append-only.
GRANT SELECT, INSERT, UPDATE ON "device" TO switchyard_app;
GRANT SELECT, INSERT ON "device_transition" TO switchyard_app;
GRANT SELECT, INSERT, UPDATE ON "device_activation_code" TO switchyard_app;
GRANT SELECT, INSERT ON "device_config_version" TO switchyard_app;
GRANT SELECT, INSERT, UPDATE ON "device_fleet_settings" TO switchyard_app;
GRANT SELECT, INSERT, DELETE ON "device_nonce" TO switchyard_app;
GRANT SELECT, INSERT, UPDATE ON "payment_daily_stat" TO switchyard_app;

-- The daily statistics follow payments and refunds through the transactional outbox: whenever a
-- change could move a (business date, merchant, store, device, channel account, product) group,
-- the transaction that makes it also writes one 'stats.recompute' outbox event naming the
-- group(s); the handler recomputes each named group from payments and refunds (idempotent by
-- construction). Triggers rather than calls in the payment code, so no state change can be
-- missed; they cost one small INSERT in the payment's own transaction and run as the caller
-- (SECURITY INVOKER), under its RLS.
CREATE FUNCTION payment_stat_group(p payment) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_array(p.business_date::text, p.merchant_id::text, COALESCE(p.store_id::text, ''), COALESCE(p.device_id, ''), p.channel_account_id::text, p.product::text)
$$;

CREATE FUNCTION payment_stat_publish() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE groups jsonb;
BEGIN
  groups := jsonb_build_array(payment_stat_group(NEW));
  IF TG_OP = 'UPDATE' AND payment_stat_group(OLD) <> payment_stat_group(NEW) THEN
    groups := groups || jsonb_build_array(payment_stat_group(OLD));
  END IF;
  INSERT INTO outbox_event (tenant_id, topic, payload) VALUES (NEW.tenant_id, 'stats.recompute', jsonb_build_object('groups', groups));
  RETURN NULL;
END $$;

CREATE TRIGGER payment_stat_insert AFTER INSERT ON "payment" FOR EACH ROW EXECUTE FUNCTION payment_stat_publish();
CREATE TRIGGER payment_stat_update AFTER UPDATE ON "payment" FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.business_date IS DISTINCT FROM NEW.business_date
        OR OLD.channel_account_id IS DISTINCT FROM NEW.channel_account_id OR OLD.amount_minor IS DISTINCT FROM NEW.amount_minor
        OR OLD.fee_minor IS DISTINCT FROM NEW.fee_minor OR OLD.cost_minor IS DISTINCT FROM NEW.cost_minor
        OR OLD.margin_minor IS DISTINCT FROM NEW.margin_minor OR OLD.product IS DISTINCT FROM NEW.product
        OR OLD.device_id IS DISTINCT FROM NEW.device_id OR OLD.store_id IS DISTINCT FROM NEW.store_id)
  EXECUTE FUNCTION payment_stat_publish();

-- A refund moves its payment's group on the refund's own business date, when it succeeds (or, by
-- a correction, stops being SUCCEEDED).
CREATE FUNCTION refund_stat_publish() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE g jsonb; groups jsonb := '[]'::jsonb;
BEGIN
  SELECT payment_stat_group(p) INTO g FROM payment p WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.payment_id;
  IF g IS NULL THEN RETURN NULL; END IF;
  groups := jsonb_build_array(jsonb_set(g, '{0}', to_jsonb(NEW.business_date::text)));
  IF TG_OP = 'UPDATE' AND OLD.business_date IS DISTINCT FROM NEW.business_date THEN
    groups := groups || jsonb_build_array(jsonb_set(g, '{0}', to_jsonb(OLD.business_date::text)));
  END IF;
  INSERT INTO outbox_event (tenant_id, topic, payload) VALUES (NEW.tenant_id, 'stats.recompute', jsonb_build_object('groups', groups));
  RETURN NULL;
END $$;

CREATE TRIGGER refund_stat_update AFTER UPDATE ON "refund" FOR EACH ROW
  WHEN ((OLD.status IS DISTINCT FROM NEW.status AND (OLD.status = 'SUCCEEDED' OR NEW.status = 'SUCCEEDED'))
        OR (NEW.status = 'SUCCEEDED' AND (OLD.business_date IS DISTINCT FROM NEW.business_date OR OLD.amount_minor IS DISTINCT FROM NEW.amount_minor)))
  EXECUTE FUNCTION refund_stat_publish();
CREATE TRIGGER refund_stat_insert AFTER INSERT ON "refund" FOR EACH ROW WHEN (NEW.status = 'SUCCEEDED')
  EXECUTE FUNCTION refund_stat_publish();
