// Benchmark setup (not a test): a freshly migrated database with one CUSTODIAL tenant made by the
// app's own code (server/testing: createTestDatabase + makeTenant, so the chart of accounts and the
// hot accounts are the real ones), plus N wallet accounts created with SQL and funded.
//
//   npx tsx bench/ledger-setup.ts <label> [wallets=10000]
//
// Prints one JSON line: { db, url, tenantId, hotAccountId (fee_income, is_hot), bankAccountId
// (customer_funds_bank, not hot), wallets }. The caller drops the database
// (bench/lib.sh does, on exit). Wallet n (1..N) has
//   account id  md5('bench-acct-' || n)::uuid      (pgbench scripts compute it the same way)
//   wallet id   md5('bench-wallet-' || n)::uuid    (code 'wallet:<wallet id>', as walletAccountDefs)
// and starts with 1,000,000,000 minor units, posted by one opening entry (Dr operating_bank); then
// BENCH_HISTORY (default 50,000) earlier wallet-to-wallet entries are written and everything is
// analysed, so the benchmarks post into a ledger in use rather than into empty tables.
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant } from "@/server/testing/tenants";
import { disconnectPrisma } from "@/server/db/client";
import { closeAppPool } from "@/server/db/pool";

const label = process.argv[2] ?? "bench";
const wallets = Number(process.argv[3] ?? 10000);
const history = Number(process.env.BENCH_HISTORY ?? 50000);

async function main() {
  const db = await createTestDatabase(`bench_${label}`);
  try {
    await setup(db);
  } catch (e) {
    await db.drop();
    throw e;
  }
}

async function setup(db: TestDatabase) {
  const t = await makeTenant({ mode: "CUSTODIAL" });
  await disconnectPrisma();
  await closeAppPool();

  const q = (sql: string, values: unknown[] = []) => ownerQuery(db.url, sql, values);
  // One multi-statement transaction, as the owner (a superuser: RLS does not apply to it).
  const T = `'${t.tenantId}'::uuid`;
  // Foreign-key triggers are skipped for this bulk load (every reference is valid by construction):
  // checked row by row against tables whose statistics still say "empty", they would take minutes.
  await q(`
    BEGIN;
    SET LOCAL session_replication_role = replica;
    INSERT INTO ledger_account (tenant_id, id, book, code, name, type, currency, bound, owner_type, owner_id)
    SELECT ${T}, md5('bench-acct-' || g)::uuid, 'OWN', 'wallet:' || md5('bench-wallet-' || g)::uuid,
           'Customer wallet', 'LIABILITY', 'CNY', 'NON_NEGATIVE', 'wallet', md5('bench-wallet-' || g)::uuid
      FROM generate_series(1, ${wallets}) g;

    -- Opening entry: Dr operating_bank N × 1e9 / Cr each wallet 1e9.
    WITH e AS (
      INSERT INTO journal_entry (tenant_id, kind, business_date, idempotency_key, content_hash, created_by)
      VALUES (${T}, 'bench.opening', DATE '2026-11-01', 'bench-opening', 'bench-opening', 'bench')
      RETURNING id, seq),
    bank AS (SELECT id FROM ledger_account WHERE tenant_id = ${T} AND book = 'OWN' AND code = 'operating_bank')
    INSERT INTO ledger_posting (tenant_id, entry_id, line, account_id, book, currency, amount_minor, phase, seq, business_date, balance_after_minor)
    SELECT ${T}, e.id, 0, bank.id, 'OWN'::"LedgerBook", 'CNY', ${wallets}::bigint * 1000000000, 'POSTED'::"JournalPhase", e.seq, DATE '2026-11-01', ${wallets}::bigint * 1000000000 FROM e, bank
    UNION ALL
    SELECT ${T}, e.id, g, md5('bench-acct-' || g)::uuid, 'OWN', 'CNY', -1000000000, 'POSTED', e.seq, DATE '2026-11-01', 1000000000
      FROM e, generate_series(1, ${wallets}) g;

    -- History: ${history} earlier wallet transfers, so that the tables are not empty when the planner
    -- first sees them (plans cached for a whole pgbench session are made from these statistics).
    INSERT INTO journal_entry (tenant_id, kind, business_date, idempotency_key, content_hash, created_by, created_at)
    SELECT ${T}, 'bench.history', DATE '2026-11-02' + g / 5000, 'hist-' || g, md5(g::text), 'bench', timestamptz '2026-11-02' + g * interval '10 seconds'
      FROM generate_series(1, ${history}) g ORDER BY g;
    INSERT INTO ledger_posting (tenant_id, entry_id, line, account_id, book, currency, amount_minor, phase, seq, business_date, balance_after_minor, created_at)
    SELECT e.tenant_id, e.id, l.line, md5('bench-acct-' || l.n)::uuid, 'OWN', 'CNY', l.amount, 'POSTED', e.seq, e.business_date, 1000000000, e.created_at
      FROM (SELECT *, 1 + floor(random() * ${wallets})::int AS a, 1 + floor(random() * (${wallets} - 1))::int AS d, 1 + floor(random() * 1000)::bigint AS amt
              FROM journal_entry WHERE tenant_id = ${T} AND kind = 'bench.history') e
     CROSS JOIN LATERAL (VALUES (0::smallint, e.a, e.amt), (1::smallint, 1 + (e.a - 1 + e.d) % ${wallets}, -e.amt)) l(line, n, amount);

    -- Balances equal to the postings; every balance row the benchmarks touch exists beforehand
    -- (steady state), including the 16 slots of each hot account.
    INSERT INTO ledger_balance (tenant_id, account_id, slot, posted_debit_minor, posted_credit_minor)
    SELECT tenant_id, account_id, 0, COALESCE(sum(amount_minor) FILTER (WHERE amount_minor > 0), 0), COALESCE(-sum(amount_minor) FILTER (WHERE amount_minor < 0), 0)
      FROM ledger_posting WHERE tenant_id = ${T} AND phase = 'POSTED' GROUP BY tenant_id, account_id;
    INSERT INTO ledger_balance (tenant_id, account_id, slot)
    SELECT a.tenant_id, a.id, s FROM ledger_account a, generate_series(0, 15) s
     WHERE a.tenant_id = ${T} AND a.is_hot
    ON CONFLICT DO NOTHING;
    COMMIT;
  `);
  await q("VACUUM ANALYZE");
  // createTestDatabase turns on the test databases' lock-order check (ledger.check_lock_order: every
  // balance row a transaction locks is recorded and compared, so a missing lock-ahead fails a test).
  // Production databases do not have it, and it cost a quarter of a posting's time: the benchmarks
  // measure without it.
  await q(`ALTER DATABASE "${db.name}" RESET ledger.check_lock_order`);
  const [hot] = await q(`SELECT id FROM ledger_account WHERE tenant_id = $1 AND book = 'OWN' AND code = 'fee_income' AND is_hot`, [t.tenantId]);
  if (!hot) throw new Error("no hot fee_income account in the tenant's chart");
  const [bank] = await q(`SELECT id FROM ledger_account WHERE tenant_id = $1 AND book = 'OWN' AND code = 'customer_funds_bank' AND NOT is_hot`, [t.tenantId]);
  if (!bank) throw new Error("no customer_funds_bank account in the tenant's chart");
  process.stdout.write(JSON.stringify({ db: db.name, url: db.url, tenantId: t.tenantId, hotAccountId: hot.id, bankAccountId: bank.id, wallets }) + "\n");
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
