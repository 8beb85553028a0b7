import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { isDomainError } from "@/server/core/errors/domain-error";
import type { AccountRef } from "@/server/core/ledger/chart";
import { getBalanceByRef, openChannelAccountAccounts, openMerchantAccounts, openWalletAccount, postEntry, provisionLedger, resolveAccounts, trialBalance } from "@/server/core/ledger/service";
import { accounts, type EntryDraft } from "@/server/core/ledger/templates";
import { withTenantTx, type TenantContext, type TenantId } from "@/server/db/tenant-tx";
import { ownerQuery } from "./db";
import { makeTenant } from "./tenants";

// Ledger test helpers: a CUSTODIAL tenant with a small chart (merchants, channel clearing,
// wallets), error-code capture, and the ledger's invariants checked straight from the tables
// through an owner connection (so nothing the service computes is trusted to check itself).

/** The DomainError code a call failed with, or "OK". Anything that is not a DomainError is rethrown. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "OK";
  } catch (e) {
    if (isDomainError(e)) return e.code;
    throw e;
  }
}

/** Like codeOf, but also names PostgreSQL errors (e.g. 40P01 deadlock) instead of throwing. */
export async function outcomeOf<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; code: string; error: unknown }> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    if (isDomainError(e)) return { ok: false, code: e.code, error: e };
    const pgCode = findPgCode(e);
    return { ok: false, code: pgCode ? `PG_${pgCode}` : `UNEXPECTED: ${e instanceof Error ? e.message : String(e)}`, error: e };
  }
}

function findPgCode(e: unknown, depth = 0): string | null {
  if (!e || typeof e !== "object" || depth > 5) return null;
  const o = e as { code?: unknown; cause?: unknown; meta?: { code?: unknown; driverAdapterError?: unknown } };
  const text = e instanceof Error ? e.message : "";
  // Prisma wraps the database error (P2010 "Raw query failed. Code: `40P01`"): the SQLSTATE is what matters.
  const m = /Code: `([0-9A-Z]{5})`/.exec(text) ?? /\b(40P01|40001|23505|57P01|08006|08003)\b/.exec(text);
  if (m) return m[1]!;
  if (/deadlock detected/i.test(text)) return "40P01";
  if (typeof o.meta?.code === "string" && /^[0-9A-Z]{5}$/.test(o.meta.code)) return o.meta.code;
  if (typeof o.code === "string" && /^[0-9A-Z]{5}$/.test(o.code)) return o.code;
  return findPgCode(o.cause, depth + 1) ?? findPgCode(o.meta?.driverAdapterError, depth + 1);
}

export interface CustodialBook {
  tenantId: TenantId;
  ctx: TenantContext;
  merchants: string[];
  channels: string[];
  wallets: string[];
  /** ledger_account.id by "BOOK|code". */
  ids: Map<string, string>;
  id(ref: AccountRef): string;
}

/** A CUSTODIAL tenant with its chart, n merchants, channel accounts and wallets opened. */
export async function custodialBook(n: { merchants?: number; channels?: number; wallets?: number } = {}): Promise<CustodialBook> {
  const t = await makeTenant({ mode: "CUSTODIAL" });
  const merchants = Array.from({ length: n.merchants ?? 2 }, () => randomUUID());
  const channels = Array.from({ length: n.channels ?? 1 }, () => randomUUID());
  const wallets = Array.from({ length: n.wallets ?? 2 }, () => randomUUID());
  const ids = await withTenantTx(t.tenantId, async (tx) => {
    await provisionLedger(tx, t.ctx);
    for (const m of merchants) await openMerchantAccounts(tx, t.ctx, m);
    for (const c of channels) await openChannelAccountAccounts(tx, t.ctx, c);
    for (const w of wallets) await openWalletAccount(tx, t.ctx, w);
    const refs: AccountRef[] = [
      ...Object.values(accounts).filter((v): v is AccountRef => typeof v === "object" && "code" in v && v.book === "OWN"),
      ...merchants.flatMap((m) => [accounts.merchantPending(m), accounts.merchantAvailable(m), accounts.merchantReceivable(m)]),
      ...channels.map((c) => accounts.clearing(c)),
      ...wallets.map((w) => accounts.wallet(w)),
    ];
    return resolveAccounts(tx, t.ctx, refs);
  });
  return {
    tenantId: t.tenantId,
    ctx: t.ctx,
    merchants,
    channels,
    wallets,
    ids,
    id(ref) {
      const v = ids.get(`${ref.book}|${ref.code}`);
      if (!v) throw new Error(`no account ${ref.book}|${ref.code}`);
      return v;
    },
  };
}

const big = (v: unknown) => BigInt(String(v ?? 0));

export interface AccountState {
  type: string;
  bound: string;
  isHot: boolean;
  postedDebit: bigint;
  postedCredit: bigint;
  pendingDebit: bigint;
  pendingCredit: bigint;
  /** Normal side, posted only. */
  posted: bigint;
  /** Normal side, posted minus pending outflow. */
  available: bigint;
}

/** Every account's balance summed over its slots, read from ledger_balance as the owner. */
export async function balancesFromTable(url: string, tenantId: string): Promise<Map<string, AccountState>> {
  const rows = await ownerQuery<Record<string, string | boolean>>(
    url,
    `SELECT a.id, a.type::text AS type, a.bound::text AS bound, a.is_hot,
            COALESCE(sum(b.posted_debit_minor), 0)::text AS pd, COALESCE(sum(b.posted_credit_minor), 0)::text AS pc,
            COALESCE(sum(b.pending_debit_minor), 0)::text AS qd, COALESCE(sum(b.pending_credit_minor), 0)::text AS qc
       FROM ledger_account a LEFT JOIN ledger_balance b ON b.tenant_id = a.tenant_id AND b.account_id = a.id
      WHERE a.tenant_id = $1 GROUP BY a.id, a.type, a.bound, a.is_hot`,
    [tenantId],
  );
  const out = new Map<string, AccountState>();
  for (const r of rows) {
    const debitNormal = r.type === "ASSET" || r.type === "EXPENSE";
    const pd = big(r.pd), pc = big(r.pc), qd = big(r.qd), qc = big(r.qc);
    const posted = debitNormal ? pd - pc : pc - pd;
    out.set(String(r.id), { type: String(r.type), bound: String(r.bound), isHot: Boolean(r.is_hot), postedDebit: pd, postedCredit: pc, pendingDebit: qd, pendingCredit: qc, posted, available: posted - (debitNormal ? qc : qd) });
  }
  return out;
}

export interface InvariantReport {
  entries: number;
  postings: number;
  holds: number;
}

/**
 * The ledger's invariants for one tenant, from the tables:
 * - every entry has ≥ 2 postings and sums to zero per book and currency and phase;
 * - Σ postings = 0 per book, currency and phase over the whole tenant;
 * - every account's balance rows (summed over slots) equal its postings: posted debit = Σ posted
 *   debits, posted credit = Σ posted credits, pending debit − pending credit = Σ pending postings,
 *   and pending debit / credit = Σ of the still-pending holds on that side;
 * - no NON_NEGATIVE account is below zero (available, now) or ever was (balance_after on each posting);
 * - every hold has the entries its status implies (1 pending; +release+post; +release);
 * - the service's trial balance is balanced in every book and currency.
 */
export async function checkLedgerInvariants(url: string, tenantId: TenantId, ctx: TenantContext): Promise<InvariantReport> {
  const q = <T extends Record<string, unknown>>(sql: string) => ownerQuery<T & Record<string, unknown>>(url, sql, [tenantId]);

  const badEntries = await q(`
    SELECT e.id, e.kind, count(p.*) AS n, array_agg(DISTINCT p.phase::text) AS phases
      FROM journal_entry e LEFT JOIN ledger_posting p ON p.tenant_id = e.tenant_id AND p.entry_id = e.id
     WHERE e.tenant_id = $1
     GROUP BY e.id, e.kind
    HAVING count(p.*) < 2 OR bool_or(p.phase IS DISTINCT FROM e.phase) OR bool_or(p.seq IS DISTINCT FROM e.seq)`);
  expect(badEntries, "entries with < 2 postings, or postings whose phase/seq differ from their entry").toEqual([]);

  const unbalancedEntries = await q(`
    SELECT entry_id, book::text, currency, sum(amount_minor)::text AS s FROM ledger_posting WHERE tenant_id = $1
     GROUP BY entry_id, book, currency HAVING sum(amount_minor) <> 0`);
  expect(unbalancedEntries, "entries that do not sum to zero per book and currency").toEqual([]);

  const unbalancedTenant = await q(`
    SELECT book::text, currency, phase::text, sum(amount_minor)::text AS s FROM ledger_posting WHERE tenant_id = $1
     GROUP BY book, currency, phase HAVING sum(amount_minor) <> 0`);
  expect(unbalancedTenant, "Σ postings per book, currency and phase").toEqual([]);

  const mismatched = await q(`
    WITH b AS (
      SELECT account_id, sum(posted_debit_minor) pd, sum(posted_credit_minor) pc, sum(pending_debit_minor) qd, sum(pending_credit_minor) qc
        FROM ledger_balance WHERE tenant_id = $1 GROUP BY account_id),
    p AS (
      SELECT account_id,
             COALESCE(sum(amount_minor) FILTER (WHERE phase = 'POSTED' AND amount_minor > 0), 0) pd,
             COALESCE(-sum(amount_minor) FILTER (WHERE phase = 'POSTED' AND amount_minor < 0), 0) pc,
             COALESCE(sum(amount_minor) FILTER (WHERE phase = 'PENDING'), 0) q
        FROM ledger_posting WHERE tenant_id = $1 GROUP BY account_id),
    h AS (
      SELECT acc, sum(d) qd, sum(c) qc FROM (
        SELECT debit_account_id acc, amount_minor d, 0::bigint c FROM ledger_hold WHERE tenant_id = $1 AND status = 'PENDING'
        UNION ALL
        SELECT credit_account_id, 0, amount_minor FROM ledger_hold WHERE tenant_id = $1 AND status = 'PENDING') x GROUP BY acc)
    SELECT a.id, a.code,
           COALESCE(b.pd, 0)::text bpd, COALESCE(p.pd, 0)::text ppd, COALESCE(b.pc, 0)::text bpc, COALESCE(p.pc, 0)::text ppc,
           (COALESCE(b.qd, 0) - COALESCE(b.qc, 0))::text bq, COALESCE(p.q, 0)::text pq,
           COALESCE(b.qd, 0)::text bqd, COALESCE(h.qd, 0)::text hqd, COALESCE(b.qc, 0)::text bqc, COALESCE(h.qc, 0)::text hqc
      FROM ledger_account a
      LEFT JOIN b ON b.account_id = a.id LEFT JOIN p ON p.account_id = a.id LEFT JOIN h ON h.acc = a.id
     WHERE a.tenant_id = $1
       AND (COALESCE(b.pd, 0) <> COALESCE(p.pd, 0) OR COALESCE(b.pc, 0) <> COALESCE(p.pc, 0)
            OR COALESCE(b.qd, 0) - COALESCE(b.qc, 0) <> COALESCE(p.q, 0)
            OR COALESCE(b.qd, 0) <> COALESCE(h.qd, 0) OR COALESCE(b.qc, 0) <> COALESCE(h.qc, 0))`);
  expect(mismatched, "balance rows that differ from their postings / pending holds").toEqual([]);

  const negative = await q(`
    SELECT a.id, a.code, a.type::text,
           sum(b.posted_debit_minor)::text pd, sum(b.posted_credit_minor)::text pc, sum(b.pending_debit_minor)::text qd, sum(b.pending_credit_minor)::text qc
      FROM ledger_account a JOIN ledger_balance b ON b.tenant_id = a.tenant_id AND b.account_id = a.id
     WHERE a.tenant_id = $1 AND a.bound = 'NON_NEGATIVE'
     GROUP BY a.id, a.code, a.type
    HAVING CASE WHEN a.type IN ('ASSET', 'EXPENSE')
                THEN sum(b.posted_debit_minor) - sum(b.posted_credit_minor) - sum(b.pending_credit_minor)
                ELSE sum(b.posted_credit_minor) - sum(b.posted_debit_minor) - sum(b.pending_debit_minor) END < 0`);
  expect(negative, "NON_NEGATIVE accounts below zero (available)").toEqual([]);

  const everNegative = await q(`
    SELECT p.entry_id, p.line, a.code, p.balance_after_minor::text AS after
      FROM ledger_posting p JOIN ledger_account a ON a.tenant_id = p.tenant_id AND a.id = p.account_id
     WHERE p.tenant_id = $1 AND a.bound = 'NON_NEGATIVE' AND p.balance_after_minor < 0`);
  expect(everNegative, "postings that left a NON_NEGATIVE account below zero").toEqual([]);

  const badHolds = await q(`
    SELECT h.id, h.status::text, count(e.*) AS n,
           count(e.*) FILTER (WHERE e.phase = 'POSTED') AS posted
      FROM ledger_hold h LEFT JOIN journal_entry e ON e.tenant_id = h.tenant_id AND e.hold_id = h.id
     WHERE h.tenant_id = $1
     GROUP BY h.id, h.status, h.pending_entry_id, h.resolved_entry_id, h.posted_minor
    HAVING count(e.*) <> CASE h.status WHEN 'PENDING' THEN 1 WHEN 'POSTED' THEN 3 ELSE 2 END
        OR count(e.*) FILTER (WHERE e.phase = 'POSTED') <> CASE h.status WHEN 'POSTED' THEN 1 ELSE 0 END
        OR (h.status = 'PENDING') <> (h.resolved_entry_id IS NULL)
        OR (h.status <> 'POSTED' AND h.posted_minor <> 0)`);
  expect(badHolds, "holds whose entries do not match their status").toEqual([]);

  const postedHoldAmounts = await q(`
    SELECT h.id FROM ledger_hold h JOIN ledger_posting p ON p.tenant_id = h.tenant_id AND p.entry_id = h.resolved_entry_id
     WHERE h.tenant_id = $1 AND h.status = 'POSTED' AND p.account_id = h.debit_account_id AND p.amount_minor <> h.posted_minor`);
  expect(postedHoldAmounts, "posted holds whose post entry differs from posted_minor").toEqual([]);

  const tb = await withTenantTx(tenantId, (tx) => trialBalance(tx, ctx));
  for (const t of tb.totals) expect(t.balanced, `trial balance ${t.book} ${t.currency}: Dr ${t.debitMinor} Cr ${t.creditMinor}`).toBe(true);

  const [counts] = await q<{ e: string; p: string; h: string }>(`
    SELECT (SELECT count(*) FROM journal_entry WHERE tenant_id = $1)::text e,
           (SELECT count(*) FROM ledger_posting WHERE tenant_id = $1)::text p,
           (SELECT count(*) FROM ledger_hold WHERE tenant_id = $1)::text h`);
  return { entries: Number(counts!.e), postings: Number(counts!.p), holds: Number(counts!.h) };
}

/** pg_stat_database.deadlocks for one database (a fresh connection, so no stats snapshot is reused). */
export async function deadlocksOf(url: string, dbName: string): Promise<number> {
  const [r] = await ownerQuery<{ d: string }>(url, `SELECT pg_stat_clear_snapshot(), COALESCE((SELECT deadlocks FROM pg_stat_database WHERE datname = $1), 0)::text AS d`, [dbName]);
  return Number(r!.d);
}

// The template tests' own vocabulary: a draft's lines as [book|code, signed amount] (debit > 0),
// a draft posted to a book on a date, and balances read back.

export const refKey = (r: AccountRef) => `${r.book}|${r.code}`;
export const draftLines = (d: EntryDraft) => d.lines.map((l) => [refKey(l.account), l.amountMinor] as const);

export async function postDraft(b: Pick<CustodialBook, "tenantId" | "ctx">, d: EntryDraft, businessDate: string, idempotencyKey: string = randomUUID()) {
  return withTenantTx(b.tenantId, (tx) => postEntry(tx, b.ctx, d, { businessDate, idempotencyKey }));
}

export async function postedBalance(b: Pick<CustodialBook, "tenantId" | "ctx">, ref: AccountRef) {
  return withTenantTx(b.tenantId, (tx) => getBalanceByRef(tx, b.ctx, ref));
}

/** Each account's posted balance is the one given. */
export async function expectPosted(b: Pick<CustodialBook, "tenantId" | "ctx">, expected: Array<[AccountRef, bigint]>) {
  for (const [ref, amount] of expected) expect((await postedBalance(b, ref)).postedMinor, refKey(ref)).toBe(amount);
}
