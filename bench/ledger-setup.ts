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
// and starts with 1,000,000,000 minor units, posted by one opening entry (Dr operating_bank).
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant } from "@/server/testing/tenants";
import { disconnectPrisma } from "@/server/db/client";
import { closeAppPool } from "@/server/db/pool";

const label = process.argv[2] ?? "bench";
const wallets = Number(process.argv[3] ?? 10000);

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
  await q(`
    BEGIN;
    INSERT INTO ledger_account (tenant_id, id, book, code, name, type, currency, bound, owner_type, owner_id)
    SELECT '${t.tenantId}'::uuid, md5('bench-acct-' || g)::uuid, 'OWN', 'wallet:' || md5('bench-wallet-' || g)::uuid,
           'Customer wallet', 'LIABILITY', 'CNY', 'NON_NEGATIVE', 'wallet', md5('bench-wallet-' || g)::uuid
      FROM generate_series(1, ${wallets}) g;

    -- Opening entry: Dr operating_bank N × 1e9 / Cr each wallet 1e9, with the matching balances.
    WITH e AS (
      INSERT INTO journal_entry (tenant_id, kind, business_date, idempotency_key, content_hash, created_by)
      VALUES ('${t.tenantId}'::uuid, 'bench.opening', DATE '2026-11-01', 'bench-opening', 'bench-opening', 'system:bench')
      RETURNING id, seq),
    bank AS (SELECT id FROM ledger_account WHERE tenant_id = '${t.tenantId}'::uuid AND book = 'OWN' AND code = 'operating_bank')
    INSERT INTO ledger_posting (tenant_id, entry_id, line, account_id, book, currency, amount_minor, phase, seq, business_date, balance_after_minor)
    SELECT '${t.tenantId}'::uuid, e.id, 0, bank.id, 'OWN'::"LedgerBook", 'CNY', ${wallets}::bigint * 1000000000, 'POSTED'::"JournalPhase", e.seq, DATE '2026-11-01', ${wallets}::bigint * 1000000000 FROM e, bank
    UNION ALL
    SELECT '${t.tenantId}'::uuid, e.id, g, md5('bench-acct-' || g)::uuid, 'OWN', 'CNY', -1000000000, 'POSTED', e.seq, DATE '2026-11-01', 1000000000
      FROM e, generate_series(1, ${wallets}) g;

    INSERT INTO ledger_balance (tenant_id, account_id, slot, posted_credit_minor)
    SELECT '${t.tenantId}'::uuid, md5('bench-acct-' || g)::uuid, 0, 1000000000 FROM generate_series(1, ${wallets}) g;
    INSERT INTO ledger_balance (tenant_id, account_id, slot, posted_debit_minor)
    SELECT tenant_id, id, 0, ${wallets}::bigint * 1000000000 FROM ledger_account WHERE tenant_id = '${t.tenantId}'::uuid AND code = 'operating_bank';
    -- Every balance row the benchmarks touch exists beforehand (steady state): 16 slots per hot account.
    INSERT INTO ledger_balance (tenant_id, account_id, slot)
    SELECT a.tenant_id, a.id, s FROM ledger_account a, generate_series(0, 15) s
     WHERE a.tenant_id = '${t.tenantId}'::uuid AND a.is_hot
    ON CONFLICT DO NOTHING;
    COMMIT;
    ANALYZE;
  `);
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
