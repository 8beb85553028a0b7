import fc from "fast-check";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { checkLedgerInvariants, codeOf, custodialBook, outcomeOf, type CustodialBook } from "@/server/testing/ledger";
import { withTenantTx, type Tx } from "@/server/db/tenant-tx";
import { createHold, expireHolds, getBalanceByRef, openWalletAccount, postEntry, postHold, resolveAccounts, reverseEntry, voidHold } from "./service";
import { accounts, paymentFeeAtSource, payoutHold, walletRecharge, type EntryDraft } from "./templates";

// Concurrency: holds racing for one balance, one idempotency key from 50 transactions at once,
// and the hold state machine (including post racing void). Deadlocks: ledger.deadlock.int.test.ts.

// 50 transactions at once need 50 connections (the pool only opens one when none is idle).
process.env.DATABASE_POOL_SIZE = "52";

let db: TestDatabase;
let b: CustodialBook;
beforeAll(async () => {
  db = await createTestDatabase("ledger_concurrency");
  b = await custodialBook({ merchants: 2, channels: 2, wallets: 4 });
});
afterAll(async () => db?.drop());

const D = "2026-11-27";
const run = <T,>(fn: (tx: Tx) => Promise<T>) => withTenantTx(b.tenantId, fn);
const post = (d: EntryDraft, idempotencyKey: string) => run((tx) => postEntry(tx, b.ctx, d, { businessDate: D, idempotencyKey }));
const balance = (ref: Parameters<typeof getBalanceByRef>[2]) => run((tx) => getBalanceByRef(tx, b.ctx, ref));

async function freshWallet(fund: bigint): Promise<string> {
  const w = randomUUID();
  await run((tx) => openWalletAccount(tx, b.ctx, w));
  if (fund > 0n) await post(walletRecharge(b.channels[0]!, w, fund), `fund-${w}`);
  return w;
}
const holdOn = (w: string, amountMinor: bigint, idempotencyKey: string) =>
  run((tx) => createHold(tx, b.ctx, payoutHold(accounts.wallet(w), amountMinor), { businessDate: D, idempotencyKey }));

describe("K concurrent holds against one balance", () => {
  it("admits exactly the holds that fit (fast-check over K, balance and amounts)", async () => {
    let runs = 0, admitted = 0, refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 100n, max: 5000n }), fc.array(fc.bigInt({ min: 1n, max: 3000n }), { minLength: 2, maxLength: 16 }), async (fund, amounts) => {
        runs++;
        const w = await freshWallet(fund);
        const results = await Promise.all(amounts.map((a, i) => outcomeOf(holdOn(w, a, `k-${w}-${i}`))));
        const ok = amounts.filter((_, i) => results[i]!.ok);
        const no = amounts.filter((_, i) => !results[i]!.ok);
        for (const r of results) if (!r.ok) expect(r.code).toBe("INSUFFICIENT_FUNDS");
        const reserved = ok.reduce((s, a) => s + a, 0n);
        admitted += ok.length;
        refused += no.length;
        // Never more than the balance …
        expect(reserved <= fund).toBe(true);
        // … and no hold refused that fits in what is left (available only falls during the race,
        // so a refused hold was larger than the available at its turn, hence than the final available).
        for (const a of no) expect(a > fund - reserved, `refused ${a} with ${fund - reserved} left`).toBe(true);
        const bal = await balance(accounts.wallet(w));
        expect(bal).toMatchObject({ postedMinor: fund, pendingDebitMinor: reserved, availableMinor: fund - reserved });
        const walletId = (await run((tx) => resolveAccounts(tx, b.ctx, [accounts.wallet(w)]))).get(`OWN|wallet:${w}`);
        const n = await ownerQuery(db.url, `SELECT count(*)::int AS n FROM ledger_hold h WHERE h.tenant_id = $1 AND h.debit_account_id = $2`, [b.tenantId, walletId]);
        expect(n[0]!.n).toBe(ok.length);
      }),
      { numRuns: 12, endOnFailure: true },
    );
    console.log(`[concurrent holds] ${runs} runs, ${admitted} admitted, ${refused} refused`);
  });

  it("with equal amounts, exactly ⌊balance / amount⌋ succeed", async () => {
    for (const [fund, amount, k] of [
      [1000n, 300n, 8],
      [1000n, 250n, 12],
      [999n, 1000n, 6],
      [5000n, 1n, 16],
      [1200n, 100n, 16],
    ] as const) {
      const w = await freshWallet(fund);
      const results = await Promise.all(Array.from({ length: k }, (_, i) => outcomeOf(holdOn(w, amount, `eq-${w}-${i}`))));
      const expected = Math.min(k, Number(fund / amount));
      expect(results.filter((r) => r.ok), `${k} holds of ${amount} on ${fund}`).toHaveLength(expected);
      expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.code === "INSUFFICIENT_FUNDS")).toBe(true);
      expect((await balance(accounts.wallet(w))).availableMinor).toBe(fund - BigInt(expected) * amount);
    }
  });
});

describe("one idempotency key from 50 transactions at once", () => {
  const N = 50;

  it("postEntry: one entry; all 50 callers get its id", async () => {
    const d = paymentFeeAtSource({ merchantId: b.merchants[0]!, channelAccountId: b.channels[0]!, amountMinor: 12345n, feeMinor: 47n, costMinor: 29n });
    const before = await balance(accounts.clearing(b.channels[0]!));
    // Every caller records its backend: 50 distinct backends = 50 transactions open at the same time.
    const pids: number[] = [];
    const results = await Promise.all(
      Array.from({ length: N }, () =>
        outcomeOf(
          run(async (tx) => {
            const [row] = await tx.$queryRaw<Array<{ pid: number }>>`SELECT pg_backend_pid() AS pid`;
            pids.push(row!.pid);
            return postEntry(tx, b.ctx, d, { businessDate: D, idempotencyKey: "same-key-50" });
          }),
        ),
      ),
    );
    expect(new Set(pids).size).toBe(N);
    const ok = results.flatMap((r) => (r.ok ? [r.value] : []));
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toEqual([]);
    expect(new Set(ok.map((r) => r.entryId)).size).toBe(1);
    expect(ok.filter((r) => !r.replayed)).toHaveLength(1);
    const rows = await ownerQuery(db.url, `SELECT e.id, count(p.*)::int AS n FROM journal_entry e JOIN ledger_posting p ON p.tenant_id = e.tenant_id AND p.entry_id = e.id WHERE e.tenant_id = $1 AND e.idempotency_key = 'same-key-50' GROUP BY e.id`, [b.tenantId]);
    expect(rows).toEqual([{ id: ok[0]!.entryId, n: 4 }]);
    expect((await balance(accounts.clearing(b.channels[0]!))).postedMinor - before.postedMinor).toBe(12345n - 29n);
  });

  it("createHold, postHold and reverseEntry: one effect each; every caller gets the same ids", async () => {
    const w = await freshWallet(10_000n);
    const holdsR = await Promise.all(Array.from({ length: N }, () => outcomeOf(holdOn(w, 4000n, "hold-50"))));
    expect(holdsR.every((r) => r.ok)).toBe(true);
    const hs = holdsR.map((r) => (r.ok ? r.value : null)!);
    expect(new Set(hs.map((h) => h.holdId)).size).toBe(1);
    expect(new Set(hs.map((h) => h.entryId)).size).toBe(1);
    expect(hs.filter((h) => !h.replayed)).toHaveLength(1);
    expect((await balance(accounts.wallet(w))).availableMinor).toBe(6000n);

    const holdId = hs[0]!.holdId;
    const posts = await Promise.all(Array.from({ length: N }, () => outcomeOf(run((tx) => postHold(tx, b.ctx, holdId, { businessDate: D, idempotencyKey: "post-50", amountMinor: 2500n })))));
    expect(posts.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toEqual([]);
    const ps = posts.map((r) => (r.ok ? r.value : null)!);
    expect(new Set(ps.map((p) => p.entryId)).size).toBe(1);
    expect(ps.filter((p) => !p.replayed)).toHaveLength(1);
    expect(await balance(accounts.wallet(w))).toMatchObject({ postedMinor: 7500n, availableMinor: 7500n, pendingDebitMinor: 0n });

    const revs = await Promise.all(Array.from({ length: N }, () => outcomeOf(run((tx) => reverseEntry(tx, b.ctx, ps[0]!.entryId, { businessDate: D, idempotencyKey: "rev-50" })))));
    expect(revs.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toEqual([]);
    expect(new Set(revs.map((r) => r.ok && r.value.entryId)).size).toBe(1);
    expect(revs.filter((r) => r.ok && !r.value.replayed)).toHaveLength(1);
    expect((await balance(accounts.wallet(w))).postedMinor).toBe(10_000n);
    // One audit row for the one reversal, not 50.
    const audit = await ownerQuery(db.url, `SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND action = 'ledger.reverse_entry' AND entity_id = $2`, [b.tenantId, ps[0]!.entryId]);
    expect(audit[0]!.n).toBe(1);
  });

  it("20 different reversal requests for one entry at once: exactly one reversal", async () => {
    // Unbounded accounts (clearing, merchant pending): the losers meet the unique key on reverses_entry_id.
    const p = await post(paymentFeeAtSource({ merchantId: b.merchants[1]!, channelAccountId: b.channels[1]!, amountMinor: 900n, feeMinor: 3n, costMinor: 2n }), `rv-${randomUUID()}`);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => outcomeOf(run((tx) => reverseEntry(tx, b.ctx, p.entryId, { businessDate: D, idempotencyKey: `rv-${p.entryId}-${i}` })))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toEqual(Array(19).fill("ENTRY_ALREADY_REVERSED"));
    const n = await ownerQuery(db.url, `SELECT count(*)::int AS n FROM journal_entry WHERE tenant_id = $1 AND reverses_entry_id = $2`, [b.tenantId, p.entryId]);
    expect(n[0]!.n).toBe(1);

    // A bounded account (a wallet): still exactly one reversal, and the wallet is never overdrawn.
    const w = await freshWallet(0n);
    const q = await post(walletRecharge(b.channels[1]!, w, 800n), `rv-${w}`);
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => outcomeOf(run((tx) => reverseEntry(tx, b.ctx, q.entryId, { businessDate: D, idempotencyKey: `rv-${w}-${i}` })))));
    expect(rs.filter((r) => r.ok)).toHaveLength(1);
    expect((await balance(accounts.wallet(w))).postedMinor).toBe(0n);
  });

  it("concurrent duplicate reversals touching a bounded account are refused as ENTRY_ALREADY_REVERSED", async () => {
    const w = await freshWallet(0n);
    const q = await post(walletRecharge(b.channels[1]!, w, 800n), `rvb-${w}`);
    const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => outcomeOf(run((tx) => reverseEntry(tx, b.ctx, q.entryId, { businessDate: D, idempotencyKey: `rvb-${w}-${i}` })))));
    expect(rs.filter((r) => r.ok)).toHaveLength(1);
    expect(rs.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toEqual(Array(9).fill("ENTRY_ALREADY_REVERSED"));
  });
});

describe("the hold state machine", () => {
  it("refuses a void after a post, a second post, a post larger than the hold, zero and negative posts; refusals write nothing", async () => {
    const w = await freshWallet(1000n);
    const transitBefore = await balance(accounts.withdrawalsInTransit);
    const h = await holdOn(w, 600n, `sm-${w}`);
    const count = async () => (await ownerQuery(db.url, `SELECT count(*)::int AS n FROM journal_entry WHERE tenant_id = $1 AND hold_id = $2`, [b.tenantId, h.holdId]))[0]!.n as number;
    const resolve = (action: "post" | "void", key: string, amountMinor?: bigint) =>
      codeOf(run((tx) => (action === "post" ? postHold(tx, b.ctx, h.holdId, { businessDate: D, idempotencyKey: key, ...(amountMinor !== undefined ? { amountMinor } : {}) }) : voidHold(tx, b.ctx, h.holdId, { businessDate: D, idempotencyKey: key }))));
    expect(await resolve("post", "too-big", 601n)).toBe("HOLD_AMOUNT_EXCEEDED");
    expect(await resolve("post", "zero", 0n)).toBe("HOLD_AMOUNT_EXCEEDED");
    expect(await resolve("post", "negative", -5n)).toBe("HOLD_AMOUNT_EXCEEDED");
    expect(await count()).toBe(1);
    expect(await resolve("post", "p1", 600n)).toBe("OK");
    expect(await count()).toBe(3);
    expect(await resolve("void", "v-after-post")).toBe("HOLD_NOT_PENDING");
    expect(await resolve("post", "p2", 1n)).toBe("HOLD_NOT_PENDING");
    expect(await resolve("post", "p1", 599n)).toBe("HOLD_NOT_PENDING"); // same key, other content: not a replay
    expect(await resolve("post", "p1", 600n)).toBe("OK"); // the same request: replayed
    expect(await count()).toBe(3);
    expect(await balance(accounts.wallet(w))).toMatchObject({ postedMinor: 400n, availableMinor: 400n, pendingDebitMinor: 0n });
    expect(await balance(accounts.withdrawalsInTransit)).toMatchObject({ pendingCreditMinor: transitBefore.pendingCreditMinor, postedMinor: transitBefore.postedMinor + 600n });

    const v = await holdOn(w, 100n, `sm2-${w}`);
    expect(await codeOf(run((tx) => voidHold(tx, b.ctx, v.holdId, { businessDate: D, idempotencyKey: "v1" })))).toBe("OK");
    expect(await codeOf(run((tx) => voidHold(tx, b.ctx, v.holdId, { businessDate: D, idempotencyKey: "v1" })))).toBe("OK"); // replay
    expect(await codeOf(run((tx) => voidHold(tx, b.ctx, v.holdId, { businessDate: D, idempotencyKey: "v2" })))).toBe("HOLD_NOT_PENDING");
    expect(await codeOf(run((tx) => postHold(tx, b.ctx, v.holdId, { businessDate: D, idempotencyKey: "p-after-void" })))).toBe("HOLD_NOT_PENDING");
    expect(await codeOf(run((tx) => postHold(tx, b.ctx, randomUUID(), { businessDate: D, idempotencyKey: "nope" })))).toBe("HOLD_NOT_FOUND");
    // Another tenant's hold and entry look exactly like missing ones.
    const other = await custodialBook({ wallets: 1 });
    expect(await codeOf(withTenantTx(other.tenantId, (tx) => postHold(tx, other.ctx, v.holdId, { businessDate: D, idempotencyKey: "x-post" })))).toBe("HOLD_NOT_FOUND");
    expect(await codeOf(withTenantTx(other.tenantId, (tx) => voidHold(tx, other.ctx, h.holdId, { businessDate: D, idempotencyKey: "x-void" })))).toBe("HOLD_NOT_FOUND");
    expect(await codeOf(withTenantTx(other.tenantId, (tx) => reverseEntry(tx, other.ctx, h.entryId, { businessDate: D, idempotencyKey: "x-rev" })))).toBe("ENTRY_NOT_FOUND");
    // A pending entry is not reversible: holds are voided, not reversed.
    expect(await codeOf(run((tx) => reverseEntry(tx, b.ctx, v.entryId, { businessDate: D, idempotencyKey: "rev-pending" })))).toBe("ENTRY_NOT_REVERSIBLE");
    expect(await balance(accounts.wallet(w))).toMatchObject({ postedMinor: 400n, availableMinor: 400n });
  });

  it("an expired hold cannot be posted or voided, and expiry releases it once", async () => {
    const w = await freshWallet(500n);
    const h = await run((tx) => createHold(tx, b.ctx, payoutHold(accounts.wallet(w), 500n), { businessDate: D, idempotencyKey: `ex-${w}`, expiresAt: new Date(Date.now() + 150) }));
    await new Promise((r) => setTimeout(r, 300));
    expect(await codeOf(run((tx) => postHold(tx, b.ctx, h.holdId, { businessDate: D, idempotencyKey: `ex-p-${w}` })))).toBe("HOLD_EXPIRED");
    expect(await codeOf(run((tx) => voidHold(tx, b.ctx, h.holdId, { businessDate: D, idempotencyKey: `ex-v-${w}` })))).toBe("HOLD_EXPIRED");
    const [a, c] = await Promise.all([run((tx) => expireHolds(tx, b.ctx, new Date(), D)), run((tx) => expireHolds(tx, b.ctx, new Date(), D))]);
    expect(a + c).toBe(1); // two expiry runs at once: SKIP LOCKED + the status check release it once
    expect((await balance(accounts.wallet(w))).availableMinor).toBe(500n);
    expect(await codeOf(run((tx) => postHold(tx, b.ctx, h.holdId, { businessDate: D, idempotencyKey: `ex-p2-${w}` })))).toBe("HOLD_NOT_PENDING");
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("post racing void on the same hold: exactly one wins, every time", async () => {
    const w = await freshWallet(100_000n);
    const rounds = 25;
    const tally = { post: 0, void: 0 };
    for (let i = 0; i < rounds; i++) {
      const h = await holdOn(w, 1000n, `race-${w}-${i}`);
      const contenders = [
        run((tx) => postHold(tx, b.ctx, h.holdId, { businessDate: D, idempotencyKey: `race-p-${i}`, amountMinor: 700n })),
        run((tx) => voidHold(tx, b.ctx, h.holdId, { businessDate: D, idempotencyKey: `race-v-${i}` })),
        run((tx) => postHold(tx, b.ctx, h.holdId, { businessDate: D, idempotencyKey: `race-p2-${i}`, amountMinor: 1000n })),
        run((tx) => voidHold(tx, b.ctx, h.holdId, { businessDate: D, idempotencyKey: `race-v2-${i}` })),
      ];
      const results = await Promise.all(contenders.map((c) => outcomeOf(c)));
      const winners = results.flatMap((r, j) => (r.ok ? [j] : []));
      expect(winners, `round ${i}`).toHaveLength(1);
      expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.code)).toEqual(["HOLD_NOT_PENDING", "HOLD_NOT_PENDING", "HOLD_NOT_PENDING"]);
      const [row] = await ownerQuery(db.url, `SELECT status::text, posted_minor::text FROM ledger_hold WHERE tenant_id = $1 AND id = $2`, [b.tenantId, h.holdId]);
      const win = winners[0]!;
      expect(row).toEqual({ status: win % 2 === 0 ? "POSTED" : "VOIDED", posted_minor: win === 0 ? "700" : win === 2 ? "1000" : "0" });
      if (win % 2 === 0) tally.post++;
      else tally.void++;
    }
    console.log(`[post vs void] ${rounds} races: ${tally.post} posts won, ${tally.void} voids won`);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });
});
