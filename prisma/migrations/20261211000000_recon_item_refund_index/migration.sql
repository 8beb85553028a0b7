-- Reconciliation looks refunds' items up by refund each round (a refund a bill showed processing,
-- or that a bill lacked, waits in the pool until a later bill shows it); without an index that read
-- every pending and every past difference item of the tenant.

-- CreateIndex
CREATE INDEX "recon_item_tenant_id_refund_id_idx" ON "recon_item"("tenant_id", "refund_id");
