import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prisma } from "@/server/db/generated/prisma/client";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { checkLedgerInvariants, custodialBook, type CustodialBook } from "@/server/testing/ledger";
import { withTenantTx } from "@/server/db/tenant-tx";
import type { AccountRef } from "./chart";
import { accountStatement, createHold, postEntries, postEntry, postHold, reverseEntry, statementKinds, statementRangeSql, statementSql, type StatementFilter } from "./service";
import { accounts, adjustment, paymentFeeAtSource, refund, refundHold, type EntryDraft } from "./templates";

// Statement filters (business-date range, entry kind): every page holds only matching lines, all of
// them exactly once across pages, newest first, and each line's balance after is the account's real
// balance after it — the lines the filter leaves out still count — on a hot account (derived) and a
// non-hot one (stored). Business dates are deliberately out of seq order (late and backdated lines),
// so a range is not a seq range. The page query walks the (account, seq, line) index; the range's
// seq bounds come from the business-date index: neither reads the account's whole history.

let db: TestDatabase;
let b: CustodialBook;
const DATES = Array.from({ length: 10 }, (_, i) => `2026-11-${String(i + 1).padStart(2, "0")}`);
const ENTRIES = 1200;

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

beforeAll(async () => {
  db = await createTestDatabase("ledger_statement_filters");
  b = await custodialBook({ merchants: 2, channels: 1 });
  const rand = rng(20261209);
  const [m, ch] = [b.merchants[0]!, b.channels[0]!];
  const items: Array<{ draft: EntryDraft; date: string }> = [];
  for (let i = 0; i < ENTRIES; i++) {
    // Mostly in date order, but every 9th line is dated three days back and every 13th a day ahead.
    const day = Math.floor((i * DATES.length) / ENTRIES);
    const shifted = i % 9 === 0 ? day - 3 : i % 13 === 0 ? day + 1 : day;
    const date = DATES[Math.min(Math.max(shifted, 0), DATES.length - 1)]!;
    const amount = BigInt(100 + Math.floor(rand() * 50_000));
    const draft =
      i % 6 === 5
        ? refund({ merchantId: m, channelAccountId: ch, refundMinor: amount / 4n, feeReturnedMinor: amount / 1000n, costReturnedMinor: amount / 2000n, feeCollection: "AT_SOURCE", source: "PENDING" })
        : paymentFeeAtSource({ merchantId: b.merchants[i % 5 === 0 ? 1 : 0]!, channelAccountId: ch, amountMinor: amount, feeMinor: amount / 260n, costMinor: amount / 430n });
    items.push({ draft, date });
  }
  for (let i = 0; i < items.length; i += 50) {
    const chunk = items.slice(i, i + 50);
    await withTenantTx(b.tenantId, (tx) => postEntries(tx, b.ctx, chunk.map((c, j) => ({ draft: c.draft, opts: { businessDate: c.date, idempotencyKey: `f-${i + j}` } }))));
  }
  // Refund holds posted later (kind refund.hold_post.post on the account), an entry with two lines
  // on merchant pending, and a reversal.
  for (const [i, date] of [DATES[2]!, DATES[5]!, DATES[1]!, DATES[8]!].entries()) {
    const p = { merchantId: m, channelAccountId: ch, refundMinor: 3000n + BigInt(i), feeReturnedMinor: 11n, costReturnedMinor: 7n, feeCollection: "AT_SOURCE" as const, source: "PENDING" as const };
    const h = await withTenantTx(b.tenantId, (tx) => createHold(tx, b.ctx, refundHold(p), { businessDate: date, idempotencyKey: `h-${i}` }));
    await withTenantTx(b.tenantId, (tx) => postHold(tx, b.ctx, h.holdId, { businessDate: date, idempotencyKey: `hp-${i}`, kind: "refund.hold_post" }));
  }
  await withTenantTx(b.tenantId, (tx) =>
    postEntry(tx, b.ctx, adjustment([{ account: accounts.merchantPending(m), amountMinor: -100n }, { account: accounts.merchantPending(m), amountMinor: -50n }, { account: accounts.ownerEquity, amountMinor: 150n }]), { businessDate: DATES[4]!, idempotencyKey: "two-lines" }),
  );
  const [first] = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM journal_entry WHERE tenant_id = $1 AND idempotency_key = 'f-7'`, [b.tenantId]);
  await withTenantTx(b.tenantId, (tx) => reverseEntry(tx, b.ctx, first!.id, { businessDate: DATES[6]!, idempotencyKey: "rev-f-7" }));
  await ownerQuery(db.url, `ANALYZE ledger_posting; ANALYZE journal_entry`);
}, 180_000);
afterAll(async () => db?.drop());

interface TruthRow {
  key: string;
  seq: bigint;
  line: number;
  date: string;
  kind: string;
  after: bigint;
}

/** Every posted line of the account with its running balance, computed here from the postings in seq order. */
async function truthOf(accountId: string): Promise<TruthRow[]> {
  const [acc] = await ownerQuery<{ type: string }>(db.url, `SELECT type::text FROM ledger_account WHERE tenant_id = $1 AND id = $2`, [b.tenantId, accountId]);
  const sign = acc!.type === "ASSET" || acc!.type === "EXPENSE" ? 1n : -1n;
  const rows = await ownerQuery<{ entry_id: string; line: number; seq: string; amount: string; date: string; kind: string }>(
    db.url,
    `SELECT p.entry_id, p.line, p.seq::text, p.amount_minor::text AS amount, p.business_date::text AS date, e.kind
       FROM ledger_posting p JOIN journal_entry e ON e.tenant_id = p.tenant_id AND e.id = p.entry_id
      WHERE p.tenant_id = $1 AND p.account_id = $2 AND p.phase = 'POSTED' ORDER BY p.seq, p.line`,
    [b.tenantId, accountId],
  );
  let running = 0n;
  return rows.map((r) => {
    running += sign * BigInt(r.amount);
    return { key: `${r.entry_id}:${r.line}`, seq: BigInt(r.seq), line: r.line, date: r.date, kind: r.kind, after: running };
  });
}

async function allPages(accountId: string, filter: StatementFilter, limit: number) {
  const items: Array<{ key: string; businessDate: string; kind: string; balanceAfterMinor: bigint | null }> = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Awaited<ReturnType<typeof accountStatement>> = await withTenantTx(b.tenantId, (tx) => accountStatement(tx, b.ctx, accountId, { ...filter, cursor, limit }));
    items.push(...page.items.map((i) => ({ key: `${i.entryId}:${i.line}`, businessDate: i.businessDate, kind: i.kind, balanceAfterMinor: i.balanceAfterMinor })));
    cursor = page.nextCursor;
    pages++;
    expect(pages).toBeLessThan(2000);
  } while (cursor);
  return items;
}

const FILTERS: StatementFilter[] = [
  { from: DATES[2]!, to: DATES[5]! },
  { from: DATES[4]!, to: DATES[4]! },
  { from: DATES[7]! },
  { to: DATES[3]! },
  { kind: "refund" },
  { kind: "refund.hold_post", from: DATES[1]!, to: DATES[8]! },
  { kind: "payment.fee_at_source", to: DATES[1]! },
  { kind: "reversal" },
  { kind: "adjustment", from: DATES[4]! },
];

const matches = (f: StatementFilter, r: TruthRow) =>
  (f.from === undefined || r.date >= f.from) && (f.to === undefined || r.date <= f.to) && (f.kind === undefined || statementKinds(f.kind).includes(r.kind));

async function checkFilters(ref: AccountRef) {
  const accountId = b.id(ref);
  const truth = await truthOf(accountId);
  for (const filter of FILTERS) {
    const expected = truth.filter((r) => matches(filter, r)).reverse();
    for (const limit of [7, 200]) {
      const items = await allPages(accountId, filter, limit);
      const label = `${ref.code} ${JSON.stringify(filter)} limit ${limit}`;
      // Only matching lines, each once, newest first: exactly the filtered truth in order.
      expect(items.map((i) => i.key), label).toEqual(expected.map((r) => r.key));
      for (const [n, item] of items.entries()) {
        const want = expected[n]!;
        expect(item.businessDate, label).toBe(want.date);
        expect(statementKinds(filter.kind ?? item.kind), label).toContain(item.kind);
        // The account's real balance after the line, though the lines between were left out.
        expect(item.balanceAfterMinor, `${label} balance after ${want.key}`).toBe(want.after);
      }
    }
  }
  return truth;
}

describe("accountStatement with filters", () => {
  it("the data has lines out of date order, every kind filtered for, and a range with no lines", async () => {
    const truth = await truthOf(b.id(accounts.merchantPending(b.merchants[0]!)));
    const outOfOrder = truth.filter((r, i) => i > 0 && r.date < truth[i - 1]!.date);
    expect(outOfOrder.length).toBeGreaterThan(50);
    for (const kind of ["payment.fee_at_source", "refund", "refund.hold_post.post", "reversal", "adjustment"]) expect(truth.some((r) => r.kind === kind), kind).toBe(true);
    const none = await withTenantTx(b.tenantId, (tx) => accountStatement(tx, b.ctx, b.id(accounts.merchantPending(b.merchants[0]!)), { from: "2026-12-01" }));
    expect(none).toMatchObject({ items: [], nextCursor: null });
  });

  it("hot account (channel clearing, derived balances): only matching lines, each once, with the real balance after", async () => {
    const truth = await checkFilters(accounts.clearing(b.channels[0]!));
    expect(truth.length).toBeGreaterThan(1000);
  });

  it("non-hot account (merchant pending, stored balances): the same, including an entry with two lines on it", async () => {
    await checkFilters(accounts.merchantPending(b.merchants[0]!));
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("an unfiltered statement is unchanged: every line once with its balance after", async () => {
    for (const ref of [accounts.clearing(b.channels[0]!), accounts.merchantPending(b.merchants[0]!)]) {
      const truth = await truthOf(b.id(ref));
      const items = await allPages(b.id(ref), {}, 97);
      expect(items.map((i) => i.key)).toEqual(truth.map((r) => r.key).reverse());
      expect(items.map((i) => i.balanceAfterMinor)).toEqual(truth.map((r) => r.after).reverse());
    }
  });

  it("refuses a range that ends before it starts, malformed dates and cursors", async () => {
    const id = b.id(accounts.feeIncome);
    await expect(withTenantTx(b.tenantId, (tx) => accountStatement(tx, b.ctx, id, { from: DATES[5]!, to: DATES[1]! }))).rejects.toMatchObject({ code: "RANGE_INVALID" });
    await expect(withTenantTx(b.tenantId, (tx) => accountStatement(tx, b.ctx, id, { from: "2026-1-1" }))).rejects.toMatchObject({ code: "BUSINESS_DATE_INVALID" });
    await expect(withTenantTx(b.tenantId, (tx) => accountStatement(tx, b.ctx, id, { cursor: "1:2:x" }))).rejects.toMatchObject({ code: "BAD_CURSOR" });
    // A hot account's page cursor must carry the running balance.
    await expect(withTenantTx(b.tenantId, (tx) => accountStatement(tx, b.ctx, id, { cursor: "100:0" }))).rejects.toMatchObject({ code: "BAD_CURSOR" });
  });
});

// ---------------------------------------------------------------------------------------------
// The plans, as the app role under RLS, on a busier account than the one above (20,000 entries
// over 20 business dates). A page reads ledger_posting only through the (account, seq, line) index
// and looks each line's entry up by its key. Without a low bound (no start date) the index is
// walked from its starting point with no sort: anything else would read the account's history.
// Within a date range's seq bounds the planner may instead read the bounded stretch and sort it
// when that is cheaper (a day of a few thousand lines); it is never more than the range.

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Index Cond"?: string;
  Plans?: PlanNode[];
}
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

describe("statement query plans on a busy account", () => {
  let busy: CustodialBook;
  const BUSY_DAYS = 20;
  const busyDate = (d: number) => `2026-10-${String(d + 1).padStart(2, "0")}`;

  beforeAll(async () => {
    busy = await custodialBook({ merchants: 1, channels: 1 });
    const [m, ch] = [busy.merchants[0]!, busy.channels[0]!];
    const n = 20_000;
    for (let i = 0; i < n; i += 400) {
      const items = Array.from({ length: 400 }, (_, j) => {
        const k = i + j;
        // Every 11th line dated two days back: the dates are not in seq order.
        const day = Math.max(0, Math.floor((k * BUSY_DAYS) / n) - (k % 11 === 0 ? 2 : 0));
        const draft =
          k % 7 === 0
            ? refund({ merchantId: m, channelAccountId: ch, refundMinor: 100n, feeReturnedMinor: 0n, costReturnedMinor: 0n, feeCollection: "AT_SOURCE", source: "PENDING" })
            : paymentFeeAtSource({ merchantId: m, channelAccountId: ch, amountMinor: 1000n + BigInt(k % 97), feeMinor: 4n, costMinor: 2n });
        return { draft, opts: { businessDate: busyDate(day), idempotencyKey: `busy-${k}` } };
      });
      await withTenantTx(busy.tenantId, (tx) => postEntries(tx, busy.ctx, items));
    }
    await ownerQuery(db.url, `ANALYZE ledger_posting`);
    await ownerQuery(db.url, `ANALYZE journal_entry`);
  }, 180_000);

  async function planOf(sql: Prisma.Sql): Promise<PlanNode[]> {
    const rows = await withTenantTx(busy.tenantId, (tx) => tx.$queryRaw<Array<{ "QUERY PLAN": Array<{ Plan: PlanNode }> }>>(Prisma.sql`EXPLAIN (FORMAT JSON) ${sql}`));
    return nodes(rows[0]!["QUERY PLAN"][0]!.Plan);
  }

  it("a filtered page walks the (tenant_id, account_id, seq DESC, line DESC) index, without a sort or another read of the postings", async () => {
    for (const ref of [accounts.clearing(busy.channels[0]!), accounts.merchantPending(busy.merchants[0]!)]) {
      const id = busy.id(ref);
      const [range] = await withTenantTx(busy.tenantId, (tx) => tx.$queryRaw<Array<{ lo: bigint; hi: bigint }>>(statementRangeSql(busy.ctx, id, "POSTED", busyDate(12), busyDate(12))));
      for (const q of [
        // The first page of one day; a later page of it; up to a date (the as-of statement) of one kind; no filter at all.
        { before: { seq: range!.hi, line: null }, lowSeq: range!.lo, from: busyDate(12), to: busyDate(12), kinds: null },
        { before: { seq: range!.hi - 500n, line: 1 }, lowSeq: range!.lo, from: busyDate(12), to: busyDate(12), kinds: null },
        { before: null, lowSeq: null, from: null, to: busyDate(15), kinds: statementKinds("refund") },
        { before: null, lowSeq: null, from: null, to: null, kinds: null },
      ]) {
        const plan = await planOf(statementSql(busy.ctx, id, { phase: "POSTED", take: 51, ...q }));
        const label = `${ref.code} ${JSON.stringify(q, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}: ${JSON.stringify(plan.map((n) => [n["Node Type"], n["Relation Name"], n["Index Name"]]))}`;
        const postings = plan.filter((n) => n["Relation Name"] === "ledger_posting" || n["Index Name"]?.startsWith("ledger_posting"));
        const index = postings.filter((n) => n["Index Name"] !== undefined);
        expect(index.map((n) => n["Index Name"]), label).toEqual(["ledger_posting_tenant_id_account_id_seq_line_idx"]);
        expect(postings.filter((n) => !["Index Scan", "Bitmap Index Scan", "Bitmap Heap Scan"].includes(n["Node Type"])), label).toEqual([]);
        const sorts = plan.filter((n) => n["Node Type"] === "Sort" || n["Node Type"] === "Incremental Sort");
        if (q.lowSeq === null) {
          expect(index.map((n) => n["Node Type"]), label).toEqual(["Index Scan"]);
          expect(sorts, label).toEqual([]);
        } else {
          // Bounded by the range's lowest seq, whichever way it is read.
          expect(index[0]!["Index Cond"], label).toMatch(/seq >= /);
        }
        expect(plan.filter((n) => n["Relation Name"] === "journal_entry").map((n) => [n["Node Type"], n["Index Name"]]), label).toEqual([["Index Scan", "journal_entry_pkey"]]);
      }
    }
  });

  it("the range's seq bounds come from the business-date index", async () => {
    const plan = await planOf(statementRangeSql(busy.ctx, busy.id(accounts.clearing(busy.channels[0]!)), "POSTED", busyDate(12), busyDate(12)));
    const postings = plan.filter((n) => n["Relation Name"] === "ledger_posting" || n["Index Name"]?.startsWith("ledger_posting"));
    expect(postings.length, JSON.stringify(plan)).toBeGreaterThan(0);
    expect(postings.every((n) => n["Index Name"] === undefined || n["Index Name"] === "ledger_posting_tenant_id_account_id_business_date_idx"), JSON.stringify(plan)).toBe(true);
    expect(plan.some((n) => n["Index Name"] === "ledger_posting_tenant_id_account_id_business_date_idx"), JSON.stringify(plan)).toBe(true);
    expect(plan.filter((n) => n["Node Type"] === "Seq Scan"), JSON.stringify(plan)).toEqual([]);
  });
});
