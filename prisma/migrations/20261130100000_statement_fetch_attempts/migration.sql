-- Each try of the scheduled statement fetch for an account and bill date (issue 6: "retrying until
-- available", visible in the console): the outcome and the channel's words, the file when one came.
-- Written by the fetch job in its own transaction per try; read by the Statements page.


-- CreateTable
CREATE TABLE "statement_fetch_attempt" (
    "tenant_id" UUID NOT NULL,
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "channel_account_id" UUID NOT NULL,
    "bill_date" DATE NOT NULL,
    "outcome" TEXT NOT NULL,
    "detail" TEXT,
    "file_id" UUID,
    "attempted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "statement_fetch_attempt_pkey" PRIMARY KEY ("tenant_id","id")
);

-- CreateIndex
CREATE INDEX "statement_fetch_attempt_tenant_id_channel_account_id_bill_d_idx" ON "statement_fetch_attempt"("tenant_id", "channel_account_id", "bill_date", "attempted_at" DESC);

-- CreateIndex
CREATE INDEX "statement_fetch_attempt_tenant_id_attempted_at_idx" ON "statement_fetch_attempt"("tenant_id", "attempted_at" DESC);

-- AddForeignKey
ALTER TABLE "statement_fetch_attempt" ADD CONSTRAINT "statement_fetch_attempt_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "statement_fetch_attempt" ADD CONSTRAINT "statement_fetch_attempt_outcome"
  CHECK (outcome IN ('IMPORTED', 'ALREADY_IMPORTED', 'PENDING_SUPERSEDE', 'NOT_AVAILABLE', 'REFUSED'));

ALTER TABLE "statement_fetch_attempt" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "statement_fetch_attempt" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON "statement_fetch_attempt"
  USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
  WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON "statement_fetch_attempt" TO switchyard_platform;
-- What happened is written once.
GRANT SELECT, INSERT ON "statement_fetch_attempt" TO switchyard_app;
