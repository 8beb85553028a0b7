-- Reconciliation settings per tenant (issue 6), until now constants in reconcile.ts: how far a
-- channel's fee may differ from our cost (in fen) and still be matched, noted as a rounding within
-- tolerance; and how many later bills a payment of ours may be missing from (the cross-day pool)
-- before it is a PLATFORM_ONLY difference, 0 making it one at once. The defaults are the old
-- constants. An owner or admin sets both on the Policies page (业务策略); the checks keep any other
-- path (the CLI, an owner's SQL) inside the ranges the page allows.

-- AlterTable
ALTER TABLE "tenant" ADD COLUMN     "recon_fee_tolerance_minor" BIGINT NOT NULL DEFAULT 1,
ADD COLUMN     "recon_pool_days" INTEGER NOT NULL DEFAULT 1;

ALTER TABLE "tenant" ADD CONSTRAINT "tenant_recon_fee_tolerance_minor" CHECK (recon_fee_tolerance_minor BETWEEN 0 AND 100);
ALTER TABLE "tenant" ADD CONSTRAINT "tenant_recon_pool_days" CHECK (recon_pool_days BETWEEN 0 AND 14);

GRANT UPDATE (recon_fee_tolerance_minor, recon_pool_days) ON "tenant" TO switchyard_app;
