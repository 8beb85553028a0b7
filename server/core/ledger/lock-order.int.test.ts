import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { codeOf, custodialBook, checkLedgerInvariants, type CustodialBook } from "@/server/testing/ledger";
import { withTenantTx } from "@/server/db/tenant-tx";
import { createHold, lockAhead, postEntry, postHold, voidHold } from "./service";
import { accounts, paymentFeeAtSource, walletRecharge } from "./templates";

// The ledger's one lock order, and holds on hot accounts.
//
// - A hold on a hot account (a refund hold credits the hot channel clearing account) keeps its
//   reserved amount in slot 0, so a connection other than the one that created it can post or void
//   it. (It used to be reserved in the creating connection's slot and could not be released from
//   any other: "Nothing is reserved on this account to release".)
// - On test databases (ledger.check_lock_order = on) a transaction that takes a balance row below
//   one it already holds is refused with LOCK_ORDER, and lockAhead is what makes it pass.

process.env.DATABASE_POOL_SIZE = "20";
const D = "2026-11-27";
let db: TestDatabase;
let b: CustodialBook;
beforeAll(async () => {
  db = await createTestDatabase("ledger_lock_order");
  b = await custodialBook({ merchants: 1, channels: 1, wallets: 2 });
});
afterAll(async () => db?.drop());

const run = <T,>(fn: Parameters<typeof withTenantTx<T>>[1]) => withTenantTx(b.tenantId, fn);

describe("holds on a hot account", () => {
  it("are posted and voided from other connections than the one that created them", async () => {
    const [m, ch] = [b.merchants[0]!, b.channels[0]!];
    await run((tx) => postEntry(tx, b.ctx, paymentFeeAtSource({ merchantId: m, channelAccountId: ch, amountMinor: 100_000n, feeMinor: 40n, costMinor: 20n }), { businessDate: D, idempotencyKey: "pay" }));
    const holds: string[] = [];
    for (let i = 0; i < 12; i++) {
      const h = await run((tx) => createHold(tx, b.ctx, { kind: "refund.hold", debit: accounts.merchantPending(m), credit: accounts.clearing(ch), amountMinor: 100n }, { businessDate: D, idempotencyKey: `hold-${i}` }));
      holds.push(h.holdId);
    }
    // Resolved all at once: the pool spreads them over several connections (several slots).
    const backends = new Set<number>();
    const codes = await Promise.all(
      holds.map((id, i) =>
        codeOf(
          run(async (tx) => {
            const [row] = await tx.$queryRaw<Array<{ slot: number }>>`SELECT (pg_backend_pid() % 16)::int AS slot`;
            backends.add(row!.slot);
            await tx.$executeRaw`SELECT pg_sleep(0.05)`;
            if (i % 2) await voidHold(tx, b.ctx, id, { businessDate: D, idempotencyKey: `void-${i}` });
            else await postHold(tx, b.ctx, id, { businessDate: D, idempotencyKey: `post-${i}` });
          }),
        ),
      ),
    );
    expect(backends.size).toBeGreaterThan(1);
    expect(codes).toEqual(holds.map(() => "OK"));
    // Nothing stays reserved, and the six posted holds moved 600 out of the payable.
    const slots = await ownerQuery<{ slot: number; pending_credit_minor: string }>(
      db.url,
      `SELECT b.slot, b.pending_credit_minor::text FROM ledger_balance b JOIN ledger_account a ON a.tenant_id = b.tenant_id AND a.id = b.account_id
        WHERE b.tenant_id = $1 AND a.code = $2 AND b.pending_credit_minor <> 0`,
      [b.tenantId, accounts.clearing(ch).code],
    );
    expect(slots).toEqual([]);
    const pending = await ownerQuery<{ posted: string }>(
      db.url,
      `SELECT (sum(b.posted_credit_minor) - sum(b.posted_debit_minor))::text AS posted FROM ledger_balance b JOIN ledger_account a ON a.tenant_id = b.tenant_id AND a.id = b.account_id WHERE b.tenant_id = $1 AND a.code = $2`,
      [b.tenantId, accounts.merchantPending(m).code],
    );
    expect(pending[0]!.posted).toBe(String(100_000n - 40n - 600n));
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });
});

describe("the one lock order", () => {
  it("refuses a second entry that needs a balance row below one the transaction holds, and lockAhead makes it pass", async () => {
    // Two wallets: whichever sorts lower is posted to second, so the second entry's lock goes backwards.
    const ids = b.wallets.map((w) => ({ w, id: b.id(accounts.wallet(w)) }));
    const [low, high] = [...ids].sort((x, y) => (x.id < y.id ? -1 : 1));
    const ch = b.channels[0]!;
    const wrongOrder = async () =>
      run(async (tx) => {
        await postEntry(tx, b.ctx, walletRecharge(ch, high!.w, 10n), { businessDate: D, idempotencyKey: `hi-${Math.random()}` });
        await postEntry(tx, b.ctx, walletRecharge(ch, low!.w, 10n), { businessDate: D, idempotencyKey: `lo-${Math.random()}` });
      });
    expect(low!.id < high!.id).toBe(true);
    // Recharging high first holds (high, 0); low's row (low, 0) sorts below it: refused, whatever
    // the place of the hot clearing account's row.
    expect(await codeOf(wrongOrder())).toBe("LOCK_ORDER");
    const rightOrder = await codeOf(
      run(async (tx) => {
        await lockAhead(tx, b.ctx, { drafts: [walletRecharge(ch, high!.w, 10n), walletRecharge(ch, low!.w, 10n)] });
        await postEntry(tx, b.ctx, walletRecharge(ch, high!.w, 10n), { businessDate: D, idempotencyKey: "hi-ok" });
        await postEntry(tx, b.ctx, walletRecharge(ch, low!.w, 10n), { businessDate: D, idempotencyKey: "lo-ok" });
      }),
    );
    expect(rightOrder).toBe("OK");
    // The refused transaction wrote nothing: only the two entries of the locked-ahead one exist.
    const entries = await ownerQuery(db.url, `SELECT idempotency_key FROM journal_entry WHERE tenant_id = $1 AND (idempotency_key LIKE 'hi-%' OR idempotency_key LIKE 'lo-%') ORDER BY 1`, [b.tenantId]);
    expect(entries.map((e) => e.idempotency_key)).toEqual(["hi-ok", "lo-ok"]);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });
});
