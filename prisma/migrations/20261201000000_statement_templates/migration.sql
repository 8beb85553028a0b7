-- Finance-defined statement templates (issue 6): a file format described in the console, versioned
-- (each save a new row of its name, never an edit). A TEMPLATE statement file names the version
-- that read it, so that version can never be deleted while the file exists.

-- AlterTable
ALTER TABLE "statement_file" ADD COLUMN     "template_id" UUID;

-- CreateTable
CREATE TABLE "statement_template" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "definition" JSONB NOT NULL,
    "note" TEXT,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "statement_template_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateIndex
CREATE UNIQUE INDEX "statement_template_tenant_id_name_version_key" ON "statement_template"("tenant_id", "name", "version");

-- AddForeignKey
ALTER TABLE "statement_file" ADD CONSTRAINT "statement_file_tenant_id_template_id_fkey" FOREIGN KEY ("tenant_id", "template_id") REFERENCES "statement_template"("tenant_id", "id") ON DELETE NO ACTION ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "statement_template" ADD CONSTRAINT "statement_template_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "statement_template" ADD CONSTRAINT "statement_template_version" CHECK (version >= 1);
ALTER TABLE "statement_file" ADD CONSTRAINT "statement_file_template" CHECK ((format = 'TEMPLATE') = (template_id IS NOT NULL));

ALTER TABLE "statement_template" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "statement_template" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "statement_template"
  USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON "statement_template" TO switchyard_platform;
-- A version is written once.
GRANT SELECT, INSERT ON "statement_template" TO switchyard_app;
