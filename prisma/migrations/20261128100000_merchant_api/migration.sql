-- CreateEnum
CREATE TYPE "ApiKeyStatus" AS ENUM ('ACTIVE', 'REVOKED');

-- CreateEnum
CREATE TYPE "IdempotencyStatus" AS ENUM ('IN_PROGRESS', 'COMPLETED');

-- CreateTable
CREATE TABLE "merchant_api_key" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "merchant_id" UUID NOT NULL,
    "key_id" TEXT NOT NULL,
    "secret_enc" TEXT NOT NULL,
    "label" TEXT NOT NULL DEFAULT '',
    "status" "ApiKeyStatus" NOT NULL DEFAULT 'ACTIVE',
    "created_by" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    "revoked_by" UUID,
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "merchant_api_key_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "api_nonce" (
    "tenant_id" UUID NOT NULL,
    "api_key_id" UUID NOT NULL,
    "nonce" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "api_nonce_pkey" PRIMARY KEY ("tenant_id","api_key_id","nonce")
);

-- CreateTable
CREATE TABLE "api_idempotency" (
    "tenant_id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "status" "IdempotencyStatus" NOT NULL DEFAULT 'IN_PROGRESS',
    "claim_token" UUID NOT NULL,
    "api_key_id" UUID NOT NULL,
    "response_status" INTEGER,
    "response_body" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_idempotency_pkey" PRIMARY KEY ("tenant_id","merchant_id","key")
);

-- CreateIndex
CREATE UNIQUE INDEX "merchant_api_key_key_id_key" ON "merchant_api_key"("key_id");

-- CreateIndex
CREATE INDEX "merchant_api_key_tenant_id_merchant_id_created_at_idx" ON "merchant_api_key"("tenant_id", "merchant_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "api_nonce_tenant_id_expires_at_idx" ON "api_nonce"("tenant_id", "expires_at");

-- CreateIndex
CREATE INDEX "api_idempotency_tenant_id_created_at_idx" ON "api_idempotency"("tenant_id", "created_at");

-- AddForeignKey
ALTER TABLE "merchant_api_key" ADD CONSTRAINT "merchant_api_key_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "merchant_api_key" ADD CONSTRAINT "merchant_api_key_tenant_id_merchant_id_fkey" FOREIGN KEY ("tenant_id", "merchant_id") REFERENCES "merchant"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_nonce" ADD CONSTRAINT "api_nonce_tenant_id_api_key_id_fkey" FOREIGN KEY ("tenant_id", "api_key_id") REFERENCES "merchant_api_key"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_idempotency" ADD CONSTRAINT "api_idempotency_tenant_id_merchant_id_fkey" FOREIGN KEY ("tenant_id", "merchant_id") REFERENCES "merchant"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written: checks, row-level security, grants, the key lookup.

-- Formats the API enforces, kept here too so no other writer can store something it would refuse.
ALTER TABLE "merchant_api_key" ADD CONSTRAINT "merchant_api_key_key_id_format" CHECK (key_id ~ '^ak_[0-9A-Za-z]{24}$');
ALTER TABLE "merchant_api_key" ADD CONSTRAINT "merchant_api_key_label" CHECK (length(label) <= 80);
ALTER TABLE "merchant_api_key" ADD CONSTRAINT "merchant_api_key_revoked" CHECK ((status = 'REVOKED') = (revoked_at IS NOT NULL));
ALTER TABLE "api_nonce" ADD CONSTRAINT "api_nonce_format" CHECK (nonce ~ '^[A-Za-z0-9._~-]{16,128}$');
ALTER TABLE "api_idempotency" ADD CONSTRAINT "api_idempotency_key_format" CHECK (key ~ '^[\x21-\x7e]{1,255}$');
ALTER TABLE "api_idempotency" ADD CONSTRAINT "api_idempotency_request_hash" CHECK (request_hash ~ '^[0-9a-f]{64}$');
ALTER TABLE "api_idempotency" ADD CONSTRAINT "api_idempotency_completed" CHECK (
  (status = 'COMPLETED') = (response_status IS NOT NULL AND response_body IS NOT NULL AND completed_at IS NOT NULL)
  AND (response_status IS NULL OR response_status BETWEEN 200 AND 499));

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['merchant_api_key', 'api_nonce', 'api_idempotency'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
      USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
      WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))$p$, t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO switchyard_platform', t);
  END LOOP;
END $$;

-- A key is never deleted (revoked keys stay for the audit trail) and its id, merchant and sealed
-- secret never change once written: the app role may update only these columns.
GRANT SELECT, INSERT ON "merchant_api_key" TO switchyard_app;
GRANT UPDATE (label, status, revoked_at, revoked_by, last_used_at) ON "merchant_api_key" TO switchyard_app;
-- Housekeeping deletes expired nonces and old idempotency records; a failed request releases its claim.
GRANT SELECT, INSERT, DELETE ON "api_nonce" TO switchyard_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON "api_idempotency" TO switchyard_app;

-- A signed request names only its key id: which tenant, key and merchant it is, and the sealed
-- secret to verify it with. Keys of suspended tenants are not found. The caller still checks that
-- the tenant is the one the request's host names.
CREATE FUNCTION system_api_key(p_key_id text)
RETURNS TABLE (tenant_id uuid, id uuid, merchant_id uuid, status "ApiKeyStatus", secret_enc text, merchant_status "MerchantStatus")
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT k.tenant_id, k.id, k.merchant_id, k.status, k.secret_enc, m.status
    FROM merchant_api_key k
    JOIN merchant m ON m.tenant_id = k.tenant_id AND m.id = k.merchant_id
    JOIN tenant t ON t.id = k.tenant_id
   WHERE k.key_id = p_key_id AND t.status = 'ACTIVE'
$$;
REVOKE ALL ON FUNCTION system_api_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION system_api_key(text) TO switchyard_app;
