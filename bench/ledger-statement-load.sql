-- Target 5 data: :entries journal entries of 2 postings each, in seq order, for one tenant made by
-- bench/ledger-setup.ts (10,000 wallets, md5('bench-acct-' || n)::uuid). Even entries are fees
-- (Dr random wallet / Cr :hot, the tenant's hot fee_income account), odd entries recharges
-- (Dr :bank, customer_funds_bank, not hot / Cr random wallet). So each of the two busiest accounts
-- holds 25% of all postings (1.1M entries: 550,000 of 2,200,000 each) and every wallet ~110.
-- 2% of entries are PENDING. Run as the owner (a superuser: RLS does not apply) with
-- psql -v tenant=... -v hot=... -v bank=... -v entries=...
--
-- Loading fast: the rows are written with INSERT ... SELECT generate_series; foreign-key triggers
-- are skipped (session_replication_role = replica; every reference is valid by construction) and
-- the secondary indexes of the two tables are dropped first and rebuilt after with their exact
-- definitions, so the tables and indexes end as the migration defines them.
\set ON_ERROR_STOP on
\timing on
SET session_replication_role = replica;
SET maintenance_work_mem = '256MB';
SET synchronous_commit = off;

CREATE TEMP TABLE bench_saved_index AS
  SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
    FROM pg_index i
   WHERE i.indrelid IN ('journal_entry'::regclass, 'ledger_posting'::regclass) AND NOT i.indisprimary;
DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT name FROM bench_saved_index LOOP EXECUTE format('DROP INDEX %s', r.name); END LOOP;
END $$;

BEGIN;
INSERT INTO journal_entry (tenant_id, id, seq, kind, phase, business_date, effective_at, description, cause_type, cause_id,
                           idempotency_key, content_hash, created_by, created_at)
SELECT :'tenant'::uuid, gen_random_uuid(), 1000 + g,
       CASE WHEN g % 2 = 0 THEN 'payment.fee' ELSE 'wallet.recharge' END,
       (CASE WHEN g % 50 = 7 THEN 'PENDING' ELSE 'POSTED' END)::"JournalPhase",
       DATE '2026-06-01' + (g / 8000), ts, NULL, 'payment', 'pay_' || g,
       'load-' || g, md5(g::text), 'bench', ts
  FROM generate_series(1, :entries) g, LATERAL (SELECT timestamptz '2026-06-01 00:00+00' + g * interval '10 seconds') t(ts);

INSERT INTO ledger_posting (tenant_id, entry_id, line, account_id, book, currency, amount_minor, phase, seq, business_date,
                            balance_after_minor, created_at)
SELECT e.tenant_id, e.id, l.line, l.account_id, 'OWN', 'CNY', l.amount, e.phase, e.seq, e.business_date, l.balance_after, e.created_at
  FROM (SELECT *, md5('bench-acct-' || (1 + floor(random() * 10000)::int))::uuid AS wallet, 1 + floor(random() * 5000)::bigint AS amt
          FROM journal_entry WHERE tenant_id = :'tenant'::uuid AND idempotency_key LIKE 'load-%') e
 CROSS JOIN LATERAL (VALUES
   -- line 0 (debit): the wallet (fee) or the bank (recharge); line 1 (credit): fee income or the wallet.
   -- Hot accounts keep no per-line balance (as ledger_post_entry writes them); the others do.
   (0::smallint, CASE WHEN e.seq % 2 = 0 THEN e.wallet ELSE :'bank'::uuid END, e.amt, e.seq * 1000),
   (1::smallint, CASE WHEN e.seq % 2 = 0 THEN :'hot'::uuid ELSE e.wallet END, -e.amt,
    CASE WHEN e.seq % 2 = 0 THEN NULL ELSE 1000000000::bigint END)) l(line, account_id, amount, balance_after);

SELECT setval('journal_entry_seq_seq', (SELECT max(seq) FROM journal_entry));
-- The busy accounts' balances, so the statement's running balance starts from the truth.
INSERT INTO ledger_balance (tenant_id, account_id, slot, posted_debit_minor, posted_credit_minor)
SELECT :'tenant'::uuid, account_id, 0, COALESCE(sum(amount_minor) FILTER (WHERE amount_minor > 0), 0), COALESCE(-sum(amount_minor) FILTER (WHERE amount_minor < 0), 0)
  FROM ledger_posting WHERE tenant_id = :'tenant'::uuid AND account_id IN (:'hot'::uuid, :'bank'::uuid) AND phase = 'POSTED'
 GROUP BY account_id
ON CONFLICT (tenant_id, account_id, slot) DO UPDATE SET posted_debit_minor = excluded.posted_debit_minor, posted_credit_minor = excluded.posted_credit_minor;
UPDATE ledger_balance SET posted_debit_minor = 0, posted_credit_minor = 0
 WHERE tenant_id = :'tenant'::uuid AND account_id = :'hot'::uuid AND slot > 0;
COMMIT;

DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT def FROM bench_saved_index LOOP EXECUTE r.def; END LOOP;
END $$;
RESET session_replication_role;
VACUUM (ANALYZE) journal_entry, ledger_posting, ledger_balance, ledger_account;
SELECT count(*) AS postings, count(*) FILTER (WHERE account_id = :'hot'::uuid) AS hot_postings,
       count(*) FILTER (WHERE account_id = :'bank'::uuid) AS bank_postings FROM ledger_posting;
