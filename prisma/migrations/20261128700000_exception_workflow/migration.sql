-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "ExceptionStatus" ADD VALUE 'INVESTIGATING';
ALTER TYPE "ExceptionStatus" ADD VALUE 'RESOLUTION_PROPOSED';
ALTER TYPE "ExceptionStatus" ADD VALUE 'WRITTEN_OFF';

-- AlterTable
ALTER TABLE "exception" ADD COLUMN     "assignee_id" UUID,
ADD COLUMN     "proposal_id" UUID,
ADD COLUMN     "suspense_entry_id" UUID;

-- AlterTable
ALTER TABLE "recon_item" ADD COLUMN     "pool_until" DATE;

-- CreateTable
CREATE TABLE "exception_event" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "exception_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "from_status" TEXT,
    "to_status" TEXT,
    "body" TEXT,
    "data" JSONB NOT NULL DEFAULT '{}',
    "actor" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "exception_event_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateTable
CREATE TABLE "exception_sla" (
    "tenant_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "hours" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "exception_sla_pkey" PRIMARY KEY ("tenant_id","kind")
);

-- CreateIndex
CREATE INDEX "exception_event_tenant_id_exception_id_created_at_idx" ON "exception_event"("tenant_id", "exception_id", "created_at");

-- CreateIndex
CREATE INDEX "exception_tenant_id_business_date_idx" ON "exception"("tenant_id", "business_date");

-- AddForeignKey
ALTER TABLE "exception_event" ADD CONSTRAINT "exception_event_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "exception_event" ADD CONSTRAINT "exception_event_tenant_id_exception_id_fkey" FOREIGN KEY ("tenant_id", "exception_id") REFERENCES "exception"("tenant_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "exception_sla" ADD CONSTRAINT "exception_sla_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written: checks, row-level security, grants, backfill.

-- A written-off exception is closed too. (Compared as text: the new enum values cannot be used
-- as enum literals in the transaction that adds them.)
ALTER TABLE "exception" DROP CONSTRAINT "exception_resolved";
ALTER TABLE "exception" ADD CONSTRAINT "exception_resolved" CHECK ((status::text IN ('RESOLVED', 'WRITTEN_OFF')) = (resolved_at IS NOT NULL));

-- The suspense entry each reconciliation difference already posted (by its idempotency key).
UPDATE "exception" x SET suspense_entry_id = je.id
  FROM journal_entry je
 WHERE x.kind LIKE 'RECON\_%' AND je.tenant_id = x.tenant_id AND je.idempotency_key = 'recon:' || x.cause_id::text;

ALTER TABLE "exception_event" ADD CONSTRAINT "exception_event_kind" CHECK (kind IN ('CREATED', 'STATUS', 'ASSIGN', 'COMMENT', 'PROPOSED', 'DECLINED', 'RESOLVED', 'REOPENED'));
ALTER TABLE "exception_event" ADD CONSTRAINT "exception_event_body_length" CHECK (body IS NULL OR length(body) <= 4000);
ALTER TABLE "exception_sla" ADD CONSTRAINT "exception_sla_hours" CHECK (hours BETWEEN 1 AND 8760);

ALTER TABLE "exception_event" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "exception_event" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "exception_event"
  USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE "exception_sla" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "exception_sla" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "exception_sla"
  USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON "exception_event", "exception_sla" TO switchyard_platform;
-- History is append-only.
GRANT SELECT, INSERT ON "exception_event" TO switchyard_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON "exception_sla" TO switchyard_app;
