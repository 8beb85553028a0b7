-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "TenantStatus" AS ENUM ('ACTIVE', 'SUSPENDED');

-- CreateEnum
CREATE TYPE "SettlementMode" AS ENUM ('DIRECT', 'CUSTODIAL');

-- CreateEnum
CREATE TYPE "UserRole" AS ENUM ('OWNER', 'ADMIN', 'OPERATIONS', 'FINANCE', 'VIEWER', 'MERCHANT_ADMIN', 'MERCHANT_STAFF');

-- CreateEnum
CREATE TYPE "UserStatus" AS ENUM ('ACTIVE', 'DISABLED');

-- CreateEnum
CREATE TYPE "MerchantStatus" AS ENUM ('ACTIVE', 'SUSPENDED', 'ARCHIVED');

-- CreateEnum
CREATE TYPE "StoreStatus" AS ENUM ('ACTIVE', 'CLOSED');

-- CreateEnum
CREATE TYPE "CalendarDayKind" AS ENUM ('HOLIDAY', 'WORKDAY');

-- CreateEnum
CREATE TYPE "ActorKind" AS ENUM ('USER', 'PLATFORM', 'SYSTEM');

-- CreateEnum
CREATE TYPE "OutboxStatus" AS ENUM ('PENDING', 'DONE', 'FAILED');

-- CreateTable
CREATE TABLE "platform_admin" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "is_active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "platform_admin_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "platform_session" (
    "id" TEXT NOT NULL,
    "platform_admin_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "platform_session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "platform_audit_log" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "actor_id" UUID,
    "action" TEXT NOT NULL,
    "target_tenant_id" UUID,
    "reason" TEXT,
    "before" JSONB,
    "after" JSONB,
    "request_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "platform_audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "login_throttle" (
    "key" TEXT NOT NULL,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "window_start_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "locked_until" TIMESTAMPTZ(3),

    CONSTRAINT "login_throttle_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "tenant" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" "TenantStatus" NOT NULL DEFAULT 'ACTIVE',
    "time_zone" TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    "settlement_mode" "SettlementMode" NOT NULL DEFAULT 'DIRECT',
    "licence_number" TEXT,
    "default_locale" TEXT NOT NULL DEFAULT 'zh-CN',
    "custom_domain" TEXT,
    "branding" JSONB NOT NULL DEFAULT '{}',
    "logo" BYTEA,
    "logo_content_type" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "app_user" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "email" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "role" "UserRole" NOT NULL,
    "merchant_id" UUID,
    "status" "UserStatus" NOT NULL DEFAULT 'ACTIVE',
    "locale" TEXT,
    "password_changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "app_user_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "user_session" (
    "tenant_id" UUID NOT NULL,
    "id" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "ip" TEXT,
    "user_agent" TEXT,

    CONSTRAINT "user_session_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "actor_kind" "ActorKind" NOT NULL,
    "actor_id" UUID,
    "actor_email" TEXT,
    "action" TEXT NOT NULL,
    "entity_type" TEXT NOT NULL,
    "entity_id" TEXT,
    "before" JSONB,
    "after" JSONB,
    "request_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "merchant" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "legal_name" TEXT NOT NULL,
    "short_name" TEXT NOT NULL,
    "credit_code" TEXT NOT NULL,
    "legal_representative" TEXT NOT NULL,
    "mcc" TEXT NOT NULL,
    "contact_name" TEXT NOT NULL,
    "contact_phone" TEXT NOT NULL,
    "contact_email" TEXT,
    "status" "MerchantStatus" NOT NULL DEFAULT 'ACTIVE',
    "settlement_account_name" TEXT,
    "settlement_bank_name" TEXT,
    "settlement_account_number_enc" TEXT,
    "settlement_account_last4" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "merchant_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "store" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "merchant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "latitude" DECIMAL(9,6),
    "longitude" DECIMAL(9,6),
    "status" "StoreStatus" NOT NULL DEFAULT 'ACTIVE',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "store_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "business_calendar_day" (
    "tenant_id" UUID NOT NULL,
    "date" DATE NOT NULL,
    "kind" "CalendarDayKind" NOT NULL,
    "name" TEXT NOT NULL,

    CONSTRAINT "business_calendar_day_pkey" PRIMARY KEY ("tenant_id","date")
);

-- CreateTable
CREATE TABLE "outbox_event" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "topic" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "OutboxStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "available_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "done_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_event_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateIndex
CREATE UNIQUE INDEX "platform_admin_email_key" ON "platform_admin"("email");

-- CreateIndex
CREATE INDEX "platform_session_platform_admin_id_idx" ON "platform_session"("platform_admin_id");

-- CreateIndex
CREATE INDEX "platform_audit_log_created_at_id_idx" ON "platform_audit_log"("created_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "tenant_slug_key" ON "tenant"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "tenant_custom_domain_key" ON "tenant"("custom_domain");

-- CreateIndex
CREATE INDEX "app_user_tenant_id_merchant_id_idx" ON "app_user"("tenant_id", "merchant_id");

-- CreateIndex
CREATE UNIQUE INDEX "app_user_tenant_id_email_key" ON "app_user"("tenant_id", "email");

-- CreateIndex
CREATE INDEX "user_session_tenant_id_user_id_idx" ON "user_session"("tenant_id", "user_id");

-- CreateIndex
CREATE INDEX "audit_log_tenant_id_created_at_id_idx" ON "audit_log"("tenant_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "audit_log_tenant_id_entity_type_entity_id_idx" ON "audit_log"("tenant_id", "entity_type", "entity_id");

-- CreateIndex
CREATE INDEX "merchant_tenant_id_created_at_id_idx" ON "merchant"("tenant_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "merchant_tenant_id_credit_code_key" ON "merchant"("tenant_id", "credit_code");

-- CreateIndex
CREATE INDEX "store_tenant_id_merchant_id_created_at_id_idx" ON "store"("tenant_id", "merchant_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "outbox_event_status_available_at_idx" ON "outbox_event"("status", "available_at");

-- AddForeignKey
ALTER TABLE "platform_session" ADD CONSTRAINT "platform_session_platform_admin_id_fkey" FOREIGN KEY ("platform_admin_id") REFERENCES "platform_admin"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "app_user" ADD CONSTRAINT "app_user_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "app_user" ADD CONSTRAINT "app_user_tenant_id_merchant_id_fkey" FOREIGN KEY ("tenant_id", "merchant_id") REFERENCES "merchant"("tenant_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_session" ADD CONSTRAINT "user_session_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "user_session" ADD CONSTRAINT "user_session_tenant_id_user_id_fkey" FOREIGN KEY ("tenant_id", "user_id") REFERENCES "app_user"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "merchant" ADD CONSTRAINT "merchant_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "store" ADD CONSTRAINT "store_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "store" ADD CONSTRAINT "store_tenant_id_merchant_id_fkey" FOREIGN KEY ("tenant_id", "merchant_id") REFERENCES "merchant"("tenant_id", "id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "business_calendar_day" ADD CONSTRAINT "business_calendar_day_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbox_event" ADD CONSTRAINT "outbox_event_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ============================================================================================
-- Hand-written below: checks, row-level security, grants and system_* functions.
-- Roles (switchyard_app, switchyard_platform) are created by the migrate command before this runs.

ALTER TABLE "tenant" ADD CONSTRAINT "tenant_slug_format" CHECK (slug ~ '^[a-z][a-z0-9-]{1,30}[a-z0-9]$');
ALTER TABLE "tenant" ADD CONSTRAINT "tenant_custodial_needs_licence"
  CHECK (settlement_mode <> 'CUSTODIAL' OR (licence_number IS NOT NULL AND length(btrim(licence_number)) > 0));
ALTER TABLE "tenant" ADD CONSTRAINT "tenant_locale" CHECK (default_locale IN ('zh-CN', 'en'));
ALTER TABLE "tenant" ADD CONSTRAINT "tenant_custom_domain_lower" CHECK (custom_domain = lower(custom_domain));
ALTER TABLE "app_user" ADD CONSTRAINT "app_user_email_lower" CHECK (email = lower(email));
ALTER TABLE "app_user" ADD CONSTRAINT "app_user_merchant_role"
  CHECK ((role IN ('MERCHANT_ADMIN', 'MERCHANT_STAFF')) = (merchant_id IS NOT NULL));
ALTER TABLE "platform_admin" ADD CONSTRAINT "platform_admin_email_lower" CHECK (email = lower(email));

-- Tenant isolation. Every tenant-owned table: ENABLE + FORCE, one policy with USING and WITH
-- CHECK. An unset or empty app.tenant_id yields NULL, which matches no row (never an error).
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['app_user', 'user_session', 'audit_log', 'merchant', 'store',
                           'business_calendar_day', 'outbox_event'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
  END LOOP;
END $$;

-- The tenant row itself is keyed by id.
ALTER TABLE "tenant" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "tenant" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "tenant"
  USING (id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));

-- Grants. The app role owns nothing and has no BYPASSRLS. The audit log is append-only for it.
GRANT USAGE ON SCHEMA public TO switchyard_app, switchyard_platform;
-- A tenant may change its brand and language, never its status, mode, licence, slug or domain:
-- those are the platform's decisions.
GRANT SELECT ON "tenant" TO switchyard_app;
GRANT UPDATE (branding, default_locale, logo, logo_content_type, updated_at) ON "tenant" TO switchyard_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON "app_user", "user_session", "merchant", "store",
  "business_calendar_day", "outbox_event" TO switchyard_app;
GRANT SELECT, INSERT ON "audit_log" TO switchyard_app;
GRANT SELECT ON "_prisma_migrations" TO switchyard_app, switchyard_platform;

-- The platform role (BYPASSRLS) is used only by server/db/platform.ts, which audits every call.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO switchyard_platform;
REVOKE UPDATE, DELETE ON "audit_log", "platform_audit_log" FROM switchyard_platform;

-- ---------------------------------------------------------------------------------------------
-- system_* functions: the only ways to read before the tenant is known. One exact key in, the
-- least needed out. SECURITY DEFINER with a fixed search_path; owned by the migration owner.

CREATE FUNCTION system_tenant_by_slug(p_slug text)
RETURNS TABLE (id uuid, slug text, name text, status "TenantStatus", default_locale text, time_zone text, branding jsonb, has_logo boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT t.id, t.slug, t.name, t.status, t.default_locale, t.time_zone, t.branding, t.logo IS NOT NULL
  FROM tenant t WHERE t.slug = p_slug
$$;

CREATE FUNCTION system_tenant_by_domain(p_domain text)
RETURNS TABLE (id uuid, slug text, name text, status "TenantStatus", default_locale text, time_zone text, branding jsonb, has_logo boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT t.id, t.slug, t.name, t.status, t.default_locale, t.time_zone, t.branding, t.logo IS NOT NULL
  FROM tenant t WHERE t.custom_domain = lower(p_domain)
$$;

CREATE FUNCTION system_tenant_logo(p_tenant_id uuid)
RETURNS TABLE (logo bytea, content_type text, updated_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT t.logo, t.logo_content_type, t.updated_at FROM tenant t WHERE t.id = p_tenant_id AND t.logo IS NOT NULL
$$;

CREATE FUNCTION system_user_for_login(p_tenant_id uuid, p_email text)
RETURNS TABLE (id uuid, password_hash text, status "UserStatus", role "UserRole", merchant_id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT u.id, u.password_hash, u.status, u.role, u.merchant_id
  FROM app_user u WHERE u.tenant_id = p_tenant_id AND u.email = lower(p_email)
$$;

-- Sign-in back-off: p_max failures within p_window lock the key for p_lock.
CREATE FUNCTION system_login_locked_until(p_key text)
RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT locked_until FROM login_throttle WHERE key = p_key AND locked_until > now()
$$;

CREATE FUNCTION system_login_failed(p_key text, p_max integer, p_window interval, p_lock interval)
RETURNS timestamptz
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE r login_throttle;
BEGIN
  INSERT INTO login_throttle AS lt (key, failures, window_start_at)
  VALUES (p_key, 1, now())
  ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN lt.window_start_at < now() - p_window THEN 1 ELSE lt.failures + 1 END,
    window_start_at = CASE WHEN lt.window_start_at < now() - p_window THEN now() ELSE lt.window_start_at END
  RETURNING * INTO r;
  IF r.failures >= p_max THEN
    UPDATE login_throttle SET locked_until = now() + p_lock, failures = 0, window_start_at = now()
    WHERE key = p_key RETURNING locked_until INTO r.locked_until;
  END IF;
  RETURN r.locked_until;
END $$;

CREATE FUNCTION system_login_succeeded(p_key text)
RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  DELETE FROM login_throttle WHERE key = p_key
$$;

-- The outbox drainer claims due events across tenants (ids and payload out); it then handles
-- each inside that tenant's own RLS transaction. The lease keeps a crashed drainer's rows from
-- being lost: they become due again when it expires.
CREATE FUNCTION system_outbox_claim(p_limit integer, p_lease interval)
RETURNS TABLE (tenant_id uuid, id uuid, topic text, payload jsonb, attempts integer)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  UPDATE outbox_event o
     SET available_at = now() + p_lease, attempts = o.attempts + 1
   WHERE (o.tenant_id, o.id) IN (
         SELECT c.tenant_id, c.id FROM outbox_event c
          WHERE c.status = 'PENDING' AND c.available_at <= now()
          ORDER BY c.available_at
          LIMIT p_limit
          FOR UPDATE SKIP LOCKED)
  RETURNING o.tenant_id, o.id, o.topic, o.payload, o.attempts
$$;

-- Scheduled jobs fan out one job per active tenant: ids only.
CREATE FUNCTION system_active_tenant_ids()
RETURNS TABLE (id uuid)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT t.id FROM tenant t WHERE t.status = 'ACTIVE' ORDER BY t.id
$$;

REVOKE ALL ON FUNCTION system_tenant_by_slug(text), system_tenant_by_domain(text), system_tenant_logo(uuid),
  system_user_for_login(uuid, text), system_login_locked_until(text),
  system_login_failed(text, integer, interval, interval), system_login_succeeded(text),
  system_outbox_claim(integer, interval), system_active_tenant_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION system_tenant_by_slug(text), system_tenant_by_domain(text), system_tenant_logo(uuid),
  system_user_for_login(uuid, text), system_login_locked_until(text),
  system_login_failed(text, integer, interval, interval), system_login_succeeded(text),
  system_outbox_claim(integer, interval), system_active_tenant_ids() TO switchyard_app;
