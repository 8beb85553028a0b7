import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { balancesFromTable, checkLedgerInvariants, custodialBook, outcomeOf, type CustodialBook } from "@/server/testing/ledger";
import { withTenantTx, type Tx } from "@/server/db/tenant-tx";
import type { AccountRef } from "./chart";
import { feeFor, mulDivHalfUp } from "./money";
import { createHold, postEntries, postEntry, postHold, reverseEntry, voidHold, type PostResult } from "./service";
import { accounts, merchantSettle, paymentFeeAtSource, paymentFeeBilledMonthly, payoutHold, refund, walletRecharge, walletTransfer, type EntryDraft } from "./templates";

// Property: random sequences of template entries, holds, partial posts, voids, reversals, batches
// and replays, run CONCURRENTLY on 4–8 chains (each op its own withTenantTx) against PostgreSQL.
// After every run the database must agree exactly with a model built only from the calls that were
// acknowledged: no entry lost or doubled, refused calls left nothing, balances equal postings, no
// bounded account ever negative (a sampler watches while the run is in flight), trial balance
// balanced. Runs accumulate in one tenant, so later runs start from earlier runs' balances.

process.env.DATABASE_POOL_SIZE = "20";

let db: TestDatabase;
let b: CustodialBook;
beforeAll(async () => {
  db = await createTestDatabase("ledger_property");
  b = await custodialBook({ merchants: 3, channels: 2, wallets: 4 });
});
afterAll(async () => db?.drop());

const D = "2026-11-27";

type Src = { kind: "wallet" | "merchant"; i: number };
type Op =
  | { t: "recharge"; w: number; ch: number; amt: bigint }
  | { t: "transfer"; from: number; to: number; amt: bigint }
  | { t: "pay"; m: number; ch: number; amt: bigint; feePpm: number; costPpm: number; monthly: boolean }
  | { t: "settle"; m: number; amt: bigint }
  | { t: "refund"; m: number; ch: number; amt: bigint; available: boolean }
  | { t: "hold"; src: Src; amt: bigint }
  | { t: "post"; h: number; pct: number }
  | { t: "void"; h: number }
  | { t: "reverse"; e: number }
  | { t: "replay"; e: number }
  | { t: "batch"; items: Array<{ m: number; ch: number; amt: bigint } | { w: number; ch: number; amt: bigint }> };

const amount = (max: bigint) => fc.bigInt({ min: 1n, max });
const idx = fc.nat({ max: 50 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant("recharge" as const), w: idx, ch: idx, amt: amount(3000n) }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant("transfer" as const), from: idx, to: idx, amt: amount(2000n) }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant("pay" as const), m: idx, ch: idx, amt: amount(5000n), feePpm: fc.integer({ min: 0, max: 10_000 }), costPpm: fc.integer({ min: 0, max: 5_000 }), monthly: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant("settle" as const), m: idx, amt: amount(3000n) }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant("refund" as const), m: idx, ch: idx, amt: amount(2000n), available: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant("hold" as const), src: fc.record({ kind: fc.constantFrom("wallet" as const, "merchant" as const), i: idx }), amt: amount(2000n) }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant("post" as const), h: idx, pct: fc.integer({ min: 1, max: 100 }) }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant("void" as const), h: idx }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant("reverse" as const), e: idx }), weight: 2 },
  { arbitrary: fc.record({ t: fc.constant("replay" as const), e: idx }), weight: 1 },
  {
    arbitrary: fc.record({
      t: fc.constant("batch" as const),
      items: fc.array(fc.oneof(fc.record({ m: idx, ch: idx, amt: amount(3000n) }), fc.record({ w: idx, ch: idx, amt: amount(3000n) })), { minLength: 1, maxLength: 5 }),
    }),
    weight: 1,
  },
);

/** The allowed refusals per op; anything else (a deadlock, a serialization failure, an invariant) fails the property. */
const ALLOWED: Record<Op["t"], string[]> = {
  recharge: [],
  transfer: ["INSUFFICIENT_FUNDS"],
  pay: [],
  settle: [],
  refund: ["INSUFFICIENT_FUNDS"],
  hold: ["INSUFFICIENT_FUNDS"],
  post: ["HOLD_NOT_PENDING"],
  void: ["HOLD_NOT_PENDING"],
  reverse: ["ENTRY_ALREADY_REVERSED", "INSUFFICIENT_FUNDS"],
  replay: [],
  batch: [],
};

// ---- the model: built only from acknowledged calls, cumulative over runs ----
const expectedPosted = new Map<string, bigint>(); // account id → Σ signed posted amounts
const expectedKeys = new Map<string, string | null>(); // idempotency key → entry id (null: exists, id unknown)
const refusedKeys: string[] = [];
interface HoldRec {
  holdId: string;
  amount: bigint;
  debitId: string;
  creditId: string;
  resolved: null | { action: "post" | "void"; amount: bigint };
}
const holds: HoldRec[] = [];
interface EntryRec {
  id: string;
  lines: Map<string, bigint>;
  replay: () => Promise<{ entryId: string; replayed: boolean }>;
}
const entries: EntryRec[] = [];
const stats = { ops: 0, ok: 0, refused: new Map<string, number>(), replays: 0, runs: 0 };

function addLines(lines: Map<string, bigint>, sign = 1n) {
  for (const [id, a] of lines) expectedPosted.set(id, (expectedPosted.get(id) ?? 0n) + sign * a);
}
function linesOf(d: EntryDraft): Map<string, bigint> {
  const m = new Map<string, bigint>();
  for (const l of d.lines) {
    const id = b.id(l.account);
    m.set(id, (m.get(id) ?? 0n) + l.amountMinor);
  }
  return m;
}
const pick = <T,>(arr: T[], i: number) => arr[i % arr.length]!;

function draftOf(op: Exclude<Op, { t: "hold" | "post" | "void" | "reverse" | "replay" | "batch" }>): EntryDraft {
  switch (op.t) {
    case "recharge":
      return walletRecharge(pick(b.channels, op.ch), pick(b.wallets, op.w), op.amt);
    case "transfer": {
      const from = op.from % b.wallets.length;
      const to = (from + 1 + (op.to % (b.wallets.length - 1))) % b.wallets.length; // never the same wallet
      return walletTransfer(b.wallets[from]!, b.wallets[to]!, op.amt);
    }
    case "pay": {
      const p = { merchantId: pick(b.merchants, op.m), channelAccountId: pick(b.channels, op.ch), amountMinor: op.amt, feeMinor: feeFor(op.amt, { feeRatePpm: op.feePpm }), costMinor: mulDivHalfUp(op.amt, BigInt(op.costPpm), 1_000_000n) };
      return op.monthly ? paymentFeeBilledMonthly(p) : paymentFeeAtSource(p);
    }
    case "settle":
      return merchantSettle(pick(b.merchants, op.m), op.amt);
    case "refund":
      return refund({ merchantId: pick(b.merchants, op.m), channelAccountId: pick(b.channels, op.ch), refundMinor: op.amt, feeReturnedMinor: feeFor(op.amt, { feeRatePpm: 3800 }), costReturnedMinor: 0n, feeCollection: "AT_SOURCE", source: op.available ? "AVAILABLE" : "PENDING" });
  }
}

const unexpected: string[] = [];
let seqNo = 0;

async function exec(run: number, op: Op): Promise<void> {
  const k = `r${run}-${++seqNo}-${op.t}`;
  stats.ops++;
  const tx = <T,>(fn: (t: Tx) => Promise<T>) => withTenantTx(b.tenantId, fn);
  const refused = (code: string, keys: string[]) => {
    stats.refused.set(`${op.t}:${code}`, (stats.refused.get(`${op.t}:${code}`) ?? 0) + 1);
    if (!ALLOWED[op.t].includes(code)) unexpected.push(`${op.t} ${k}: ${code}`);
    refusedKeys.push(...keys);
  };
  switch (op.t) {
    case "recharge":
    case "transfer":
    case "pay":
    case "settle":
    case "refund": {
      const d = draftOf(op);
      const opts = { businessDate: D, idempotencyKey: k };
      const r = await outcomeOf(tx((t) => postEntry(t, b.ctx, d, opts)));
      if (!r.ok) return refused(r.code, [k]);
      stats.ok++;
      const lines = linesOf(d);
      addLines(lines);
      expectedKeys.set(k, r.value.entryId);
      entries.push({ id: r.value.entryId, lines, replay: () => tx((t) => postEntry(t, b.ctx, d, opts)) });
      return;
    }
    case "batch": {
      const items = op.items.map((it, i) => ({
        draft: "m" in it
          ? paymentFeeAtSource({ merchantId: pick(b.merchants, it.m), channelAccountId: pick(b.channels, it.ch), amountMinor: it.amt, feeMinor: feeFor(it.amt, { feeRatePpm: 3800 }), costMinor: 0n })
          : walletRecharge(pick(b.channels, it.ch), pick(b.wallets, it.w), it.amt),
        opts: { businessDate: D, idempotencyKey: `${k}.${i}` },
      }));
      const r = await outcomeOf(tx((t) => postEntries(t, b.ctx, items)));
      if (!r.ok) return refused(r.code, items.map((i) => i.opts.idempotencyKey));
      stats.ok++;
      r.value.forEach((res: PostResult, i) => {
        const it = items[i]!;
        const lines = linesOf(it.draft);
        addLines(lines);
        expectedKeys.set(it.opts.idempotencyKey, res.entryId);
        entries.push({ id: res.entryId, lines, replay: () => tx((t) => postEntry(t, b.ctx, it.draft, it.opts)) });
      });
      return;
    }
    case "hold": {
      const source: AccountRef = op.src.kind === "wallet" ? accounts.wallet(pick(b.wallets, op.src.i)) : accounts.merchantAvailable(pick(b.merchants, op.src.i));
      const h = payoutHold(source, op.amt);
      const r = await outcomeOf(tx((t) => createHold(t, b.ctx, h, { businessDate: D, idempotencyKey: k })));
      if (!r.ok) return refused(r.code, [k]);
      stats.ok++;
      expectedKeys.set(k, r.value.entryId);
      holds.push({ holdId: r.value.holdId, amount: op.amt, debitId: b.id(h.debit), creditId: b.id(h.credit), resolved: null });
      return;
    }
    case "post":
    case "void": {
      if (!holds.length) return;
      const h = pick(holds, op.h);
      const amt = op.t === "post" ? (h.amount * BigInt(op.pct)) / 100n || 1n : 0n;
      const opts = { businessDate: D, idempotencyKey: k, ...(op.t === "post" ? { amountMinor: amt } : {}) };
      const r = await outcomeOf(tx((t) => (op.t === "post" ? postHold(t, b.ctx, h.holdId, opts) : voidHold(t, b.ctx, h.holdId, opts))));
      if (!r.ok) return refused(r.code, [k, `${k}:release`]);
      stats.ok++;
      if (h.resolved) unexpected.push(`hold ${h.holdId} resolved twice: ${h.resolved.action} then ${op.t}`);
      h.resolved = { action: op.t, amount: amt };
      expectedKeys.set(k, r.value.entryId);
      if (op.t === "post") {
        expectedKeys.set(`${k}:release`, null);
        const lines = new Map([
          [h.debitId, amt],
          [h.creditId, -amt],
        ]);
        addLines(lines);
        entries.push({ id: r.value.entryId, lines, replay: () => tx((t) => postHold(t, b.ctx, h.holdId, opts)) });
      }
      return;
    }
    case "reverse": {
      if (!entries.length) return;
      const e = pick(entries, op.e);
      const opts = { businessDate: D, idempotencyKey: k };
      const r = await outcomeOf(tx((t) => reverseEntry(t, b.ctx, e.id, opts)));
      if (!r.ok) return refused(r.code, [k]);
      stats.ok++;
      const lines = new Map([...e.lines].map(([id, a]) => [id, -a] as const));
      addLines(lines);
      expectedKeys.set(k, r.value.entryId);
      entries.push({ id: r.value.entryId, lines, replay: () => tx((t) => reverseEntry(t, b.ctx, e.id, opts)) });
      return;
    }
    case "replay": {
      if (!entries.length) return;
      const e = pick(entries, op.e);
      const r = await outcomeOf(e.replay());
      stats.replays++;
      if (!r.ok) return void unexpected.push(`replay of ${e.id}: ${r.code}`);
      if (r.value.entryId !== e.id || !r.value.replayed) unexpected.push(`replay of ${e.id} returned ${r.value.entryId} replayed=${r.value.replayed}`);
      return;
    }
  }
}

/** Watches the tables while a run is in flight: bounded accounts never below zero, Σ postings always zero. */
function startSampler(url: string, tenantId: string) {
  const violations: string[] = [];
  let samples = 0;
  let stop = false;
  const c = new pg.Client({ connectionString: url });
  const done = (async () => {
    await c.connect();
    while (!stop) {
      const neg = await c.query(
        `SELECT a.code, (sum(b.posted_credit_minor) - sum(b.posted_debit_minor) - sum(b.pending_debit_minor))::text AS available
           FROM ledger_account a JOIN ledger_balance b ON b.tenant_id = a.tenant_id AND b.account_id = a.id
          WHERE a.tenant_id = $1 AND a.bound = 'NON_NEGATIVE' AND a.type = 'LIABILITY'
          GROUP BY a.code HAVING sum(b.posted_credit_minor) - sum(b.posted_debit_minor) - sum(b.pending_debit_minor) < 0`,
        [tenantId],
      );
      for (const r of neg.rows) violations.push(`negative ${r.code}: ${r.available}`);
      const sums = await c.query(`SELECT book, currency, phase, sum(amount_minor)::text s FROM ledger_posting WHERE tenant_id = $1 GROUP BY 1, 2, 3 HAVING sum(amount_minor) <> 0`, [tenantId]);
      for (const r of sums.rows) violations.push(`Σ postings ${r.book} ${r.currency} ${r.phase} = ${r.s}`);
      samples++;
      await new Promise((r) => setTimeout(r, 5));
    }
    await c.end();
  })();
  return {
    async stop() {
      stop = true;
      await done;
      return { violations, samples };
    },
  };
}

async function checkAgainstModel() {
  // Invariants straight from the tables.
  await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  // Balances equal the acknowledged calls, account by account: nothing lost, nothing doubled.
  const table = await balancesFromTable(db.url, b.tenantId);
  for (const [id, s] of table) {
    expect(s.postedDebit - s.postedCredit, `posted balance of ${id}`).toBe(expectedPosted.get(id) ?? 0n);
    const pendD = holds.filter((h) => !h.resolved && h.debitId === id).reduce((x, h) => x + h.amount, 0n);
    const pendC = holds.filter((h) => !h.resolved && h.creditId === id).reduce((x, h) => x + h.amount, 0n);
    expect([s.pendingDebit, s.pendingCredit], `pending of ${id}`).toEqual([pendD, pendC]);
  }
  // Every acknowledged entry exists exactly once under its key; refused calls wrote nothing.
  const rows = await ownerQuery<{ id: string; idempotency_key: string }>(db.url, `SELECT id, idempotency_key FROM journal_entry WHERE tenant_id = $1`, [b.tenantId]);
  const inDb = new Map(rows.map((r) => [r.idempotency_key, r.id]));
  expect(rows.length, "entries in the database vs acknowledged").toBe(expectedKeys.size);
  for (const [k, id] of expectedKeys) {
    expect(inDb.has(k), `acknowledged entry ${k} is missing`).toBe(true);
    if (id !== null) expect(inDb.get(k), `entry id of ${k}`).toBe(id);
  }
  for (const k of refusedKeys) expect(inDb.has(k), `refused call ${k} left an entry`).toBe(false);
  // Hold statuses equal the acknowledged resolutions.
  const hs = await ownerQuery<{ id: string; status: string; posted_minor: string }>(db.url, `SELECT id, status::text, posted_minor::text FROM ledger_hold WHERE tenant_id = $1`, [b.tenantId]);
  expect(hs.length).toBe(holds.length);
  const byId = new Map(hs.map((h) => [h.id, h]));
  for (const h of holds) {
    const row = byId.get(h.holdId)!;
    expect(row.status, `hold ${h.holdId}`).toBe(h.resolved === null ? "PENDING" : h.resolved.action === "post" ? "POSTED" : "VOIDED");
    expect(BigInt(row.posted_minor)).toBe(h.resolved?.action === "post" ? h.resolved.amount : 0n);
  }
  // No bounded account is negative now.
  for (const [id, s] of table) if (s.bound === "NON_NEGATIVE") expect(s.available >= 0n, `available of ${id}`).toBe(true);
}

describe("ledger under concurrent random load (fast-check)", () => {
  it("keeps every invariant and agrees with the acknowledged calls", async () => {
    const started = Date.now();
    let samples = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 20, maxLength: 40 }), fc.integer({ min: 4, max: 8 }), async (ops, k) => {
        const run = ++stats.runs;
        const chains: Op[][] = Array.from({ length: k }, () => []);
        ops.forEach((op, i) => chains[i % k]!.push(op));
        const sampler = startSampler(db.url, b.tenantId);
        try {
          await Promise.all(chains.map(async (chain) => {
            for (const op of chain) await exec(run, op);
          }));
        } finally {
          const s = await sampler.stop();
          samples += s.samples;
          expect(s.violations, "seen while the run was in flight").toEqual([]);
        }
        expect(unexpected).toEqual([]);
        await checkAgainstModel();
      }),
      { numRuns: 25, endOnFailure: true },
    );
    const refused = Object.fromEntries(stats.refused);
    console.log(`[ledger.property] ${stats.runs} runs, ${stats.ops} ops (${stats.ok} acknowledged, ${stats.replays} replays), refused ${JSON.stringify(refused)}, ${holds.length} holds, ${entries.length} posted entries, ${samples} sampler reads, ${Date.now() - started} ms`);
    // The generator must actually reach the interesting paths.
    expect(stats.ok).toBeGreaterThan(100);
    expect(holds.some((h) => h.resolved?.action === "post") && holds.some((h) => h.resolved?.action === "void")).toBe(true);
    expect(stats.refused.size).toBeGreaterThan(0);
  });
});
