-- Target 1b: one 2-line transfer between two random wallets (of 10,000) of one tenant, through
-- ledger_post_entry, in the transaction shape the app uses (role + tenant bound per transaction).
-- Variables from pgbench -D: tenant (uuid), bdate (YYYY-MM-DD). (No colon may appear in a string
-- literal here: pgbench would take ':word' for a variable.) Account n's id is
-- md5('bench-acct-' || n)::uuid (bench/ledger-setup.ts). The key is unique: client id + a random 63-bit number.
\set a random(1, 10000)
\set b 1 + (:a - 1 + random(1, 9999)) % 10000
\set amt random(1, 100)
\set k random(1, 9000000000000000000)
BEGIN;
SELECT set_config('role', 'switchyard_app', true), set_config('app.tenant_id', :tenant, true);
SELECT * FROM ledger_post_entry(jsonb_build_object(
  'kind', 'bench.transfer', 'phase', 'POSTED', 'businessDate', :bdate::text,
  'idempotencyKey', 'bench-' || :client_id::text || '-' || :k::text, 'contentHash', 'h-' || :k::text,
  'createdBy', 'bench',
  'postings', jsonb_build_array(
    jsonb_build_object('accountId', md5('bench-acct-' || :a::text)::uuid, 'amountMinor', (:amt::bigint)::text),
    jsonb_build_object('accountId', md5('bench-acct-' || :b::text)::uuid, 'amountMinor', (-:amt::bigint)::text))));
COMMIT;
