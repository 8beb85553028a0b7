-- Reconciling a payment statement in rounds (issue 6). A file was reconciled in one transaction
-- that locked, for a CUSTODIAL tenant, the channel's clearing account (slot 0, where every refund
-- hold sits, and the run's own slot) and both suspense accounts for the whole run: about 9 s per
-- 100,000 lines, during which every refund of the tenant waited. Each round (2,000 lines) is now
-- its own transaction that locks only what its lines can touch; the file records how far the
-- rounds have come and when the last one (the day's missing payments, the cross-day pool) finished.

-- AlterTable
ALTER TABLE "statement_file" ADD COLUMN     "recon_line_no" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "reconciled_at" TIMESTAMPTZ(3);

ALTER TABLE "statement_file" ADD CONSTRAINT "statement_file_recon_line_no" CHECK (recon_line_no >= 0);

-- Files reconciled before: every line and the last round are done.
UPDATE "statement_file" f
   SET reconciled_at = COALESCE((SELECT max(i.created_at) FROM recon_item i WHERE i.tenant_id = f.tenant_id AND i.file_id = f.id), f.updated_at),
       recon_line_no = COALESCE((SELECT max(l.line_no) FROM statement_line l WHERE l.tenant_id = f.tenant_id AND l.file_id = f.id), 0)
 WHERE EXISTS (SELECT 1 FROM recon_item i WHERE i.tenant_id = f.tenant_id AND i.file_id = f.id);
