-- The console's Policies page (业务策略): a provider's owner or admin sets what happens to a refund
-- the merchant's payable cannot cover and whether a late success is refunded by itself (the
-- approval threshold has been the app's to change since the ledger migration).
GRANT UPDATE (refund_shortfall_policy, auto_refund_late_success) ON "tenant" TO switchyard_app;

-- The threshold is an amount: the service refuses a negative one with a message, and this keeps any
-- other path (the CLI, an owner's SQL) from storing one (0 already means "every proposal").
ALTER TABLE "tenant" ADD CONSTRAINT "tenant_approval_threshold_nonnegative" CHECK (approval_admin_threshold_minor >= 0);
