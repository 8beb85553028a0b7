import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { checkLedgerInvariants, custodialBook, type CustodialBook } from "@/server/testing/ledger";
import { withTenantTx } from "@/server/db/tenant-tx";
import type { AccountRef } from "./chart";
import { accountStatement, postEntries, postEntry } from "./service";
import { accounts, adjustment, paymentFeeAtSource, refund, type EntryDraft } from "./templates";

// Account statements: keyset pages over 1,000+ postings on a hot account (channel clearing: no
// stored balance_after, derived) and a non-hot one (merchant pending: stored balance_after) return
// every posting exactly once, newest first, and each line's balance after equals the running
// balance computed here, independently, from the postings in seq order.

let db: TestDatabase;
let b: CustodialBook;
const D = "2026-11-27";
const ENTRIES = 1300;
let loadMs = 0;

// A small deterministic PRNG, so a failure can be replayed.
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

beforeAll(async () => {
  db = await createTestDatabase("ledger_statement");
  b = await custodialBook({ merchants: 2, channels: 1 });
  const rand = rng(20261127);
  const [m, ch] = [b.merchants[0]!, b.channels[0]!];
  const drafts: EntryDraft[] = Array.from({ length: ENTRIES }, (_, i) => {
    const amount = BigInt(1 + Math.floor(rand() * 100_000));
    if (i % 5 === 4) {
      const r = amount / 3n + 1n;
      return refund({ merchantId: m, channelAccountId: ch, refundMinor: r, feeReturnedMinor: r / 300n, costReturnedMinor: r / 500n, feeCollection: "AT_SOURCE", source: "PENDING" });
    }
    // Some payments of the second merchant: the clearing account sees them, merchant 0's pending does not.
    return paymentFeeAtSource({ merchantId: b.merchants[i % 7 === 0 ? 1 : 0]!, channelAccountId: ch, amountMinor: amount, feeMinor: amount / 260n, costMinor: amount / 430n });
  });
  // Posted by 4 concurrent writers in batches of 25, so seq order is not one writer's order and hot slots vary.
  const started = Date.now();
  const chunks: EntryDraft[][] = [];
  for (let i = 0; i < drafts.length; i += 25) chunks.push(drafts.slice(i, i + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < chunks.length) {
        const c = next++;
        await withTenantTx(b.tenantId, (tx) => postEntries(tx, b.ctx, chunks[c]!.map((draft, j) => ({ draft, opts: { businessDate: D, idempotencyKey: `s-${c}-${j}` } }))));
      }
    }),
  );
  loadMs = Date.now() - started;
}, 120_000);
afterAll(async () => db?.drop());

async function allPages(accountId: string, limit: number) {
  const items: Array<{ entryId: string; line: number; seq: bigint; balanceAfterMinor: bigint | null; debitMinor: bigint; creditMinor: bigint }> = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Awaited<ReturnType<typeof accountStatement>> = await withTenantTx(b.tenantId, (tx) => accountStatement(tx, b.ctx, accountId, { cursor, limit }));
    items.push(...page.items);
    cursor = page.nextCursor;
    pages++;
    expect(pages).toBeLessThan(5000);
  } while (cursor);
  return { items, pages };
}

/** The running normal-side balance after every posting, computed from the postings alone. */
async function runningFromPostings(accountId: string) {
  const [acc] = await ownerQuery<{ type: string }>(db.url, `SELECT type::text FROM ledger_account WHERE tenant_id = $1 AND id = $2`, [b.tenantId, accountId]);
  const sign = acc!.type === "ASSET" || acc!.type === "EXPENSE" ? 1n : -1n;
  const rows = await ownerQuery<{ entry_id: string; line: number; seq: string; amount: string }>(
    db.url,
    `SELECT entry_id, line, seq::text, amount_minor::text AS amount FROM ledger_posting p WHERE tenant_id = $1 AND account_id = $2 AND phase = 'POSTED' ORDER BY p.seq, p.line`,
    [b.tenantId, accountId],
  );
  let running = 0n;
  const after = new Map<string, bigint>();
  for (const r of rows) {
    running += sign * BigInt(r.amount);
    after.set(`${r.entry_id}:${r.line}`, running);
  }
  return { rows, after, final: running };
}

async function checkStatement(ref: AccountRef, limit: number) {
  const accountId = b.id(ref);
  const started = Date.now();
  const { items, pages } = await allPages(accountId, limit);
  const ms = Date.now() - started;
  const truth = await runningFromPostings(accountId);
  expect(truth.rows.length).toBeGreaterThanOrEqual(1000);
  // Every posting exactly once.
  const keys = items.map((i) => `${i.entryId}:${i.line}`);
  expect(new Set(keys).size).toBe(keys.length);
  expect(keys.length).toBe(truth.rows.length);
  expect(new Set(keys)).toEqual(new Set(truth.after.keys()));
  // Newest first: seq strictly descending (one line per entry on these accounts).
  for (let i = 1; i < items.length; i++) expect(items[i]!.seq < items[i - 1]!.seq, `order at ${i}`).toBe(true);
  // Balance after each line = the independent running balance.
  const wrong = items.filter((i) => i.balanceAfterMinor !== truth.after.get(`${i.entryId}:${i.line}`));
  expect(wrong.slice(0, 3).map((w) => ({ seq: w.seq, line: w.line, shown: w.balanceAfterMinor, truth: truth.after.get(`${w.entryId}:${w.line}`) })), `${wrong.length} lines with a wrong balance after`).toEqual([]);
  expect(items[0]!.balanceAfterMinor).toBe(truth.final);
  return { postings: items.length, pages, ms };
}

describe("accountStatement over 1,000+ postings", () => {
  it("hot account (channel clearing): every posting once, in seq order, balance after = running balance", async () => {
    const ref = accounts.clearing(b.channels[0]!);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
    const slots = await ownerQuery(db.url, `SELECT count(*)::int AS n FROM ledger_balance WHERE tenant_id = $1 AND account_id = $2`, [b.tenantId, b.id(ref)]);
    expect(slots[0]!.n).toBeGreaterThan(1); // really spread over slots
    const big = await checkStatement(ref, 200);
    const odd = await checkStatement(ref, 37);
    console.log(`[statement] load ${ENTRIES} entries in ${loadMs} ms; hot: ${big.postings} postings, ${big.pages} pages of 200 in ${big.ms} ms; ${odd.pages} pages of 37 in ${odd.ms} ms; ${slots[0]!.n} slots`);
  });

  it("non-hot account (merchant pending): every posting once, in seq order, balance after = running balance", async () => {
    const ref = accounts.merchantPending(b.merchants[0]!);
    const big = await checkStatement(ref, 200);
    const odd = await checkStatement(ref, 37);
    console.log(`[statement] non-hot: ${big.postings} postings, ${big.pages} pages of 200 in ${big.ms} ms; ${odd.pages} pages of 37 in ${odd.ms} ms`);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("a bad cursor is refused", async () => {
    await expect(withTenantTx(b.tenantId, (tx) => accountStatement(tx, b.ctx, b.id(accounts.feeIncome), { cursor: "12abc" }))).rejects.toMatchObject({ code: "BAD_CURSOR" });
  });

  it("an entry with two postings on the account: both lines, each with its balance after, across a page boundary", async () => {
    const ref = accounts.merchantPending(b.merchants[1]!);
    const accountId = b.id(ref);
    for (let i = 0; i < 3; i++) {
      await withTenantTx(b.tenantId, (tx) =>
        postEntry(tx, b.ctx, adjustment([
          { account: ref, amountMinor: -100n },
          { account: ref, amountMinor: -50n },
          { account: accounts.ownerEquity, amountMinor: 150n },
        ]), { businessDate: D, idempotencyKey: `two-lines-${i}` }),
      );
    }
    const truth = await runningFromPostings(accountId);
    const { items } = await allPages(accountId, 1);
    expect(items.map((i) => `${i.entryId}:${i.line}`).sort()).toEqual([...truth.after.keys()].sort());
    for (const i of items) expect(i.balanceAfterMinor).toBe(truth.after.get(`${i.entryId}:${i.line}`));
  });
});
