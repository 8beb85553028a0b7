import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenantTx } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { checkLedgerInvariants, codeOf, custodialBook, type CustodialBook } from "@/server/testing/ledger";
import { accounts, adjustment, walletRecharge, walletTransfer, type EntryDraft } from "./templates";
import { getBalanceByRef, openWalletAccount, postEntries, postEntry, resolveAccounts, type PostOptions } from "./service";

// The set-based batch (ledger_post_entries for POSTED entries with distinct keys, migration
// 20261130300000) against what posting the same entries one by one does: a bounded account may
// not dip below zero after any entry that takes from it even if a later entry of the batch would
// refill it; each posting carries its account's running balance; known keys replay, a key reused
// for other content is refused; any refusal writes nothing.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("ledger_batch");
});
afterAll(async () => db?.drop());

const D = "2026-11-20";
let n = 0;
const item = (draft: EntryDraft, key = `k${++n}`): { draft: EntryDraft; opts: PostOptions } => ({ draft, opts: { businessDate: D, idempotencyKey: key } });
const run = <T,>(b: CustodialBook, fn: Parameters<typeof withTenantTx<T>>[1]) => withTenantTx(b.tenantId, fn);
const wallet = async (b: CustodialBook, i: number) => (await run(b, (tx) => getBalanceByRef(tx, b.ctx, accounts.wallet(b.wallets[i]!)))).postedMinor;
const entries = async (b: CustodialBook) => (await ownerQuery<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM journal_entry WHERE tenant_id = $1`, [b.tenantId]))[0]!.n;

describe("a batch posted set-based", () => {
  it("refuses a batch where a wallet would go below zero part-way, even if a later entry refills it; writes nothing", async () => {
    const b = await custodialBook({ wallets: 2 });
    const [w0, w1] = b.wallets as [string, string];
    const ch = b.channels[0]!;
    await run(b, (tx) => postEntry(tx, b.ctx, walletRecharge(ch, w0, 50n), { businessDate: D, idempotencyKey: "seed" }));
    const before = await entries(b);
    // w0 has 50: paying 80 out first dips to −30 before the recharge of 100 arrives.
    const dips = [item(walletTransfer(w0, w1, 80n)), item(walletRecharge(ch, w0, 100n))];
    expect(await codeOf(run(b, (tx) => postEntries(tx, b.ctx, dips)))).toBe("INSUFFICIENT_FUNDS");
    expect(await entries(b)).toBe(before);
    expect([await wallet(b, 0), await wallet(b, 1)]).toEqual([50n, 0n]);
    // The other order is fine, down to exactly zero.
    const ok = [item(walletRecharge(ch, w0, 100n)), item(walletTransfer(w0, w1, 80n)), item(walletTransfer(w0, w1, 70n))];
    const r = await run(b, (tx) => postEntries(tx, b.ctx, ok));
    expect(r.map((x) => x.replayed)).toEqual([false, false, false]);
    expect([await wallet(b, 0), await wallet(b, 1)]).toEqual([0n, 150n]);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("each posting carries its account's balance after itself, across the entries of the batch in order", async () => {
    const b = await custodialBook({ wallets: 2 });
    const [w0, w1] = b.wallets as [string, string];
    const ch = b.channels[0]!;
    await run(b, (tx) =>
      postEntries(tx, b.ctx, [
        item(walletRecharge(ch, w0, 500n)),
        item(walletTransfer(w0, w1, 120n)),
        // Two lines on w0 in one entry (credits: its balance rises): each with the balance after itself.
        item(adjustment([{ account: accounts.wallet(w0), amountMinor: -30n }, { account: accounts.wallet(w0), amountMinor: -20n }, { account: accounts.wallet(w1), amountMinor: 50n }])),
        item(walletTransfer(w1, w0, 70n)),
      ]),
    );
    const rows = await ownerQuery<{ account_id: string; amount: string; after: string }>(
      db.url,
      `SELECT p.account_id, p.amount_minor::text AS amount, p.balance_after_minor::text AS after FROM ledger_posting p
        WHERE p.tenant_id = $1 AND p.account_id = ANY ($2::uuid[]) ORDER BY p.seq, p.line`,
      [b.tenantId, [b.id(accounts.wallet(w0)), b.id(accounts.wallet(w1))]],
    );
    // Wallets are liabilities: their balance is credits − debits.
    const running = new Map<string, bigint>();
    for (const r of rows) {
      const next = (running.get(r.account_id) ?? 0n) - BigInt(r.amount);
      running.set(r.account_id, next);
      expect(BigInt(r.after), `${r.account_id} ${r.amount}`).toBe(next);
    }
    expect(rows).toHaveLength(8);
    // The adjustment credits w0 30 + 20 and debits w1 50.
    expect([await wallet(b, 0), await wallet(b, 1)]).toEqual([500n - 120n + 50n + 70n, 120n - 50n - 70n]);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("replays known keys with their first result, refuses a key reused for other content, and refuses an unbalanced entry, writing nothing", async () => {
    const b = await custodialBook({ wallets: 2 });
    const [w0, w1] = b.wallets as [string, string];
    const ch = b.channels[0]!;
    const first = await run(b, (tx) => postEntry(tx, b.ctx, walletRecharge(ch, w0, 300n), { businessDate: D, idempotencyKey: "known" }));
    const mixed = await run(b, (tx) => postEntries(tx, b.ctx, [item(walletRecharge(ch, w0, 300n), "known"), item(walletTransfer(w0, w1, 100n), "fresh")]));
    expect(mixed.map((r) => [r.entryId === first.entryId, r.replayed])).toEqual([
      [true, true],
      [false, false],
    ]);
    expect(await wallet(b, 0)).toBe(200n);
    const before = await entries(b);
    expect(await codeOf(run(b, (tx) => postEntries(tx, b.ctx, [item(walletTransfer(w0, w1, 1n)), item(walletRecharge(ch, w0, 999n), "known")])))).toBe("IDEMPOTENCY_CONFLICT");
    expect(await codeOf(run(b, (tx) => postEntries(tx, b.ctx, [item(walletTransfer(w0, w1, 1n)), item(adjustment([{ account: accounts.wallet(w0), amountMinor: 5n }, { account: accounts.wallet(w1), amountMinor: -4n }]))])))).toBe("UNBALANCED");
    expect(await entries(b)).toBe(before);
    expect([await wallet(b, 0), await wallet(b, 1)]).toEqual([200n, 100n]);
    // A key twice in one batch keeps the entry-by-entry path: the second is the first's replay.
    const twice = await run(b, (tx) => postEntries(tx, b.ctx, [item(walletTransfer(w0, w1, 10n), "twice"), item(walletTransfer(w0, w1, 10n), "twice")]));
    expect([twice[0]!.entryId === twice[1]!.entryId, twice[1]!.replayed]).toEqual([true, true]);
    expect(await wallet(b, 0)).toBe(190n);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("remembers account ids only once their account is committed: one created in a rolled-back transaction is not remembered", async () => {
    const b = await custodialBook({ wallets: 1 });
    const ch = b.channels[0]!;
    const fresh = crypto.randomUUID();
    const rolledBack = await run(b, async (tx) => {
      await openWalletAccount(tx, b.ctx, fresh);
      const id = (await resolveAccounts(tx, b.ctx, [accounts.wallet(fresh)])).get(`${accounts.wallet(fresh).book}|${accounts.wallet(fresh).code}`);
      throw Object.assign(new Error("roll back"), { id });
    }).catch((e: { id?: string }) => e.id);
    expect(rolledBack).toMatch(/^[0-9a-f-]{36}$/);
    // Opened again for real: a new id, and postings go to it (a remembered old id would be refused).
    await run(b, (tx) => openWalletAccount(tx, b.ctx, fresh));
    await run(b, (tx) => postEntry(tx, b.ctx, walletRecharge(ch, fresh, 42n), { businessDate: D, idempotencyKey: "after-rollback" }));
    expect((await run(b, (tx) => getBalanceByRef(tx, b.ctx, accounts.wallet(fresh)))).postedMinor).toBe(42n);
    const [row] = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM ledger_account WHERE tenant_id = $1 AND code = $2`, [b.tenantId, accounts.wallet(fresh).code]);
    expect(row!.id).not.toBe(rolledBack);
  });
});
