-- Target 4: 100 entries per transaction through ledger_post_entries (one call), each a 2-line
-- transfer between random wallets (of 10,000): the batched twin of ledger-post-uniform.sql.
-- Variables from pgbench -D: tenant, bdate. Keys: client id + random 63-bit number + position.
-- (No colon may appear in a string literal here: pgbench would take ':word' for a variable.)
\set k random(1, 9000000000000000000)
BEGIN;
SELECT set_config('role', 'switchyard_app', true), set_config('app.tenant_id', :tenant, true);
SELECT count(*) FROM ledger_post_entries(jsonb_build_object('entries', (
  SELECT jsonb_agg(jsonb_build_object(
           'kind', 'bench.sweep', 'phase', 'POSTED', 'businessDate', :bdate::text,
           'idempotencyKey', 'bench-b-' || :client_id::text || '-' || :k::text || '-' || i, 'contentHash', 'h-' || :k::text || '-' || i,
           'createdBy', 'bench',
           'postings', jsonb_build_array(
             jsonb_build_object('accountId', md5('bench-acct-' || a)::uuid, 'amountMinor', amt::text),
             jsonb_build_object('accountId', md5('bench-acct-' || (1 + (a - 1 + d) % 10000))::uuid, 'amountMinor', (-amt)::text)))
         ORDER BY i)
    FROM (SELECT i, 1 + floor(random() * 10000)::int AS a, 1 + floor(random() * 9999)::int AS d, 1 + floor(random() * 100)::int AS amt
            FROM generate_series(1, 100) i) s)));
COMMIT;
