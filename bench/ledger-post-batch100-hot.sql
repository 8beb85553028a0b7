-- Target 4 (the sweep shape): 100 entries per ledger_post_entries call, each Dr random wallet /
-- Cr the hot fee_income account (one slot for the whole batch). Variables: tenant, bdate, hot.
-- (No colon may appear in a string literal here: pgbench would take ':word' for a variable.)
\set k random(1, 9000000000000000000)
BEGIN;
SELECT set_config('role', 'switchyard_app', true), set_config('app.tenant_id', :tenant, true);
SELECT count(*) FROM ledger_post_entries(jsonb_build_object('entries', (
  SELECT jsonb_agg(jsonb_build_object(
           'kind', 'bench.fee_sweep', 'phase', 'POSTED', 'businessDate', :bdate::text,
           'idempotencyKey', 'bench-bh-' || :client_id::text || '-' || :k::text || '-' || i, 'contentHash', 'h-' || :k::text || '-' || i,
           'createdBy', 'bench',
           'postings', jsonb_build_array(
             jsonb_build_object('accountId', md5('bench-acct-' || a)::uuid, 'amountMinor', amt::text),
             jsonb_build_object('accountId', :hot::uuid, 'amountMinor', (-amt)::text)))
         ORDER BY i)
    FROM (SELECT i, 1 + floor(random() * 10000)::int AS a, 1 + floor(random() * 100)::int AS amt
            FROM generate_series(1, 100) i) s)));
COMMIT;
