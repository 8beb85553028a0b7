-- Target 3: as ledger-post-uniform.sql, but every transfer credits the tenant's hot fee_income
-- account (is_hot = true: 16 balance slots, one picked at random per posting): Dr random wallet /
-- Cr fee income. Variables from pgbench -D: tenant, bdate, hot (the fee_income account id).
\set a random(1, 10000)
\set amt random(1, 100)
\set k random(1, 9000000000000000000)
BEGIN;
SELECT set_config('role', 'switchyard_app', true), set_config('app.tenant_id', :tenant, true);
SELECT * FROM ledger_post_entry(jsonb_build_object(
  'kind', 'bench.fee', 'phase', 'POSTED', 'businessDate', :bdate::text,
  'idempotencyKey', 'bench-' || :client_id::text || '-' || :k::text, 'contentHash', 'h-' || :k::text,
  'createdBy', 'bench',
  'postings', jsonb_build_array(
    jsonb_build_object('accountId', md5('bench-acct-' || :a::text)::uuid, 'amountMinor', (:amt::bigint)::text),
    jsonb_build_object('accountId', :hot::uuid, 'amountMinor', (-:amt::bigint)::text))));
COMMIT;
