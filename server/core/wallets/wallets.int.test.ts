import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postEntry } from "@/server/core/ledger/service";
import { walletRecharge } from "@/server/core/ledger/templates";
import { createMerchant } from "@/server/core/merchants/service";
import { gatherBatch, requestWithdrawal } from "@/server/core/payouts/service";
import { withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, TEST_PASSWORD, useTestKeyring, type TestTenant } from "@/server/testing/fixtures";
import { checkLedgerInvariants, codeOf } from "@/server/testing/ledger";
import { createUser } from "@/server/core/users/service";
import { seedDemoWallets } from "./demo";
import { createTransfer, createWallet, findTransfers, findWallets, getTransfer, getWallet, walletMovements } from "./service";

// Wallets and transfers against a real PostgreSQL database as the app role (RLS in force): the
// ledger is the only balance, the NON_NEGATIVE bound refuses overdrafts even under concurrency,
// numbers are unique per merchant, and DIRECT tenants are refused every operation.

process.env.DATABASE_POOL_SIZE = "20";
let db: TestDatabase;
let t: TestTenant;
let ctx: TenantContext;
let direct: TestTenant;
let merchantId: string;
let otherMerchantId: string;
let sandboxId: string;

beforeAll(async () => {
  db = await createTestDatabase("wallets");
  useTestKeyring();
  t = await makeTenant("wallet-co", { mode: "CUSTODIAL", licence: "Z-TEST-WALLETS" });
  ctx = ownerContext(t);
  direct = await makeTenant("direct-co");
  [merchantId, otherMerchantId] = await withTenantTx(t.id, async (tx) => [(await createMerchant(tx, ctx, merchantInput("Wallet Mart"))).id, (await createMerchant(tx, ctx, merchantInput("Other Mart"))).id]);
  const [row] = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM channel_account WHERE tenant_id = $1 AND channel_type = 'SANDBOX'`, [t.id]);
  sandboxId = row!.id;
});

afterAll(async () => {
  await db?.drop();
});

const run = <T,>(fn: (tx: Tx) => Promise<T>) => withTenantTx(t.id, fn);
let n = 0;
const no = (prefix: string) => `${prefix}-${Date.now()}-${++n}`;

async function wallet(externalUserId: string, fundedMinor = 0n, merchant = merchantId) {
  const { wallet: w } = await run((tx) => createWallet(tx, ctx, { merchantId: merchant, externalUserId }));
  // A recharge through the sandbox (the recharge flow itself belongs to payments): Dr clearing / Cr wallet.
  if (fundedMinor > 0n) await run((tx) => postEntry(tx, ctx, walletRecharge(sandboxId, w.id, fundedMinor), { businessDate: "2026-01-05", idempotencyKey: `test-recharge:${w.id}:${++n}`, causeType: "test", causeId: w.id }));
  return w;
}

const balance = async (id: string) => {
  const w = await run((tx) => getWallet(tx, ctx, id));
  return { posted: w.postedMinor, available: w.availableMinor };
};

describe("wallets", () => {
  it("one wallet per merchant and external user, with its ledger account; the second call returns it", async () => {
    const first = await run((tx) => createWallet(tx, ctx, { merchantId, externalUserId: "user-1" }));
    expect(first.created).toBe(true);
    expect(first.wallet).toMatchObject({ merchantId, externalUserId: "user-1", status: "ACTIVE", postedMinor: 0n, availableMinor: 0n, currency: "CNY" });
    const again = await run((tx) => createWallet(tx, ctx, { merchantId, externalUserId: "user-1" }));
    expect(again).toMatchObject({ created: false, wallet: { id: first.wallet.id } });
    // The same external user at another merchant is another wallet.
    const other = await run((tx) => createWallet(tx, ctx, { merchantId: otherMerchantId, externalUserId: "user-1" }));
    expect(other.created).toBe(true);
    expect(other.wallet.id).not.toBe(first.wallet.id);
    const accounts = await ownerQuery(db.url, `SELECT code, bound::text, type::text FROM ledger_account WHERE tenant_id = $1 AND owner_type = 'wallet' AND owner_id = $2`, [t.id, first.wallet.id]);
    expect(accounts).toEqual([{ code: `wallet:${first.wallet.id}`, bound: "NON_NEGATIVE", type: "LIABILITY" }]);
  });

  it("concurrent creates for one user make one wallet", async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => run((tx) => createWallet(tx, ctx, { merchantId, externalUserId: "racer" }))));
    expect(new Set(results.map((r) => r.wallet.id)).size).toBe(1);
    expect(results.filter((r) => r.created).length).toBe(1);
    const rows = await ownerQuery(db.url, `SELECT id FROM wallet WHERE tenant_id = $1 AND external_user_id = 'racer'`, [t.id]);
    expect(rows.length).toBe(1);
  });

  it("lists and reads wallets with their ledger balance and movements; another merchant's is WALLET_NOT_FOUND when narrowed", async () => {
    const w = await wallet(no("lister"), 12_345n);
    expect(await balance(w.id)).toEqual({ posted: 12_345n, available: 12_345n });
    const page = await run((tx) => findWallets(tx, ctx, { externalUserId: w.externalUserId }));
    expect(page.items.map((x) => [x.id, x.postedMinor, x.merchantName])).toEqual([[w.id, 12_345n, "Wallet Mart"]]);
    const moves = await run((tx) => walletMovements(tx, ctx, { id: w.id }));
    expect(moves.items.map((m) => [m.kind, m.creditMinor, m.balanceAfterMinor])).toEqual([["wallet.recharge", 12_345n, 12_345n]]);
    expect(await codeOf(run((tx) => getWallet(tx, ctx, w.id, otherMerchantId)))).toBe("WALLET_NOT_FOUND");
  });
});

describe("transfers", () => {
  it("moves money between two wallets of one merchant, once per transfer number", async () => {
    const from = await wallet(no("from"), 10_000n);
    const to = await wallet(no("to"));
    const merchantTransferNo = no("T");
    const tr = await run((tx) => createTransfer(tx, ctx, { merchantId, merchantTransferNo, fromWalletId: from.id, toWalletId: to.id, amountMinor: 2_500n }));
    expect(tr).toMatchObject({ merchantTransferNo, amountMinor: 2_500n, status: "SUCCEEDED" });
    expect(await balance(from.id)).toEqual({ posted: 7_500n, available: 7_500n });
    expect(await balance(to.id)).toEqual({ posted: 2_500n, available: 2_500n });
    expect((await run((tx) => getTransfer(tx, ctx, tr.id, merchantId))).ledgerEntryId).toBe(tr.ledgerEntryId);
    const listed = await run((tx) => findTransfers(tx, ctx, { walletId: to.id }));
    expect(listed.items.map((x) => [x.id, x.fromExternalUserId, x.toExternalUserId])).toEqual([[tr.id, from.externalUserId, to.externalUserId]]);

    const again = await run((tx) => createTransfer(tx, ctx, { merchantId, merchantTransferNo, fromWalletId: from.id, toWalletId: to.id, amountMinor: 2_500n })).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: "MERCHANT_TRANSFER_NO_TAKEN", kind: "CONFLICT", params: { transferId: tr.id } });
    expect(await balance(from.id)).toEqual({ posted: 7_500n, available: 7_500n });
    await checkLedgerInvariants(db.url, t.id, ctx);
  });

  it("refuses what does not fit, other merchants' wallets, frozen wallets and one wallet twice, writing nothing", async () => {
    const from = await wallet(no("poor"), 1_000n);
    const to = await wallet(no("dest"));
    const foreign = await wallet(no("foreign"), 0n, otherMerchantId);
    const before = await ownerQuery<{ n: number }>(db.url, `SELECT (SELECT count(*) FROM transfer)::int + (SELECT count(*) FROM journal_entry)::int AS n`);
    const attempt = (extra: Partial<{ fromWalletId: string; toWalletId: string; amountMinor: bigint }>) =>
      codeOf(run((tx) => createTransfer(tx, ctx, { merchantId, merchantTransferNo: no("X"), fromWalletId: from.id, toWalletId: to.id, amountMinor: 500n, ...extra })));
    expect(await attempt({ amountMinor: 1_001n })).toBe("INSUFFICIENT_WALLET_BALANCE");
    expect(await attempt({ toWalletId: foreign.id })).toBe("WALLET_NOT_FOUND");
    expect(await attempt({ fromWalletId: foreign.id })).toBe("WALLET_NOT_FOUND");
    expect(await attempt({ toWalletId: from.id })).toBe("TRANSFER_SAME_WALLET");
    // A zero amount never reaches the ledger: the schema refuses it.
    await expect(run((tx) => createTransfer(tx, ctx, { merchantId, merchantTransferNo: no("Z"), fromWalletId: from.id, toWalletId: to.id, amountMinor: 0n }))).rejects.toThrow(/amountMinor must be positive/);
    await ownerQuery(db.url, `UPDATE wallet SET status = 'FROZEN' WHERE id = $1`, [to.id]);
    expect(await attempt({})).toBe("WALLET_NOT_ACTIVE");
    await ownerQuery(db.url, `UPDATE wallet SET status = 'ACTIVE' WHERE id = $1`, [to.id]);
    const after = await ownerQuery<{ n: number }>(db.url, `SELECT (SELECT count(*) FROM transfer)::int + (SELECT count(*) FROM journal_entry)::int AS n`);
    expect(after).toEqual(before);
    expect(await balance(from.id)).toEqual({ posted: 1_000n, available: 1_000n });
  });

  it("parallel transfers from one wallet admit exactly what fits, never overdrawing", async () => {
    const from = await wallet(no("hot"), 1_000n);
    const to = await wallet(no("sink"));
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => codeOf(run((tx) => createTransfer(tx, ctx, { merchantId, merchantTransferNo: no("P"), fromWalletId: from.id, toWalletId: to.id, amountMinor: 300n })))),
    );
    expect(outcomes.filter((o) => o === "OK").length).toBe(3);
    expect(outcomes.filter((o) => o === "INSUFFICIENT_WALLET_BALANCE").length).toBe(7);
    expect(await balance(from.id)).toEqual({ posted: 100n, available: 100n });
    expect(await balance(to.id)).toEqual({ posted: 900n, available: 900n });
    const rows = await ownerQuery(db.url, `SELECT id FROM transfer WHERE from_wallet_id = $1`, [from.id]);
    expect(rows.length).toBe(3);
    await checkLedgerInvariants(db.url, t.id, ctx);
  });

  it("parallel transfers both ways between two wallets neither deadlock nor overdraw; a withdrawal's hold counts", async () => {
    const a = await wallet(no("a"), 2_000n);
    const b = await wallet(no("b"), 2_000n);
    // 1,500 of a's 2,000 on hold: only 500 of it may move.
    await run((tx) => requestWithdrawal(tx, ctx, { merchantId, merchantWithdrawalNo: no("W"), walletId: a.id, amountMinor: 1_500n, bankAccount: { name: "Zhang San", number: "6222020200001234", bankCode: "ICBC" } }));
    const jobs = Array.from({ length: 12 }, (_, i) =>
      codeOf(run((tx) => createTransfer(tx, ctx, { merchantId, merchantTransferNo: no("BW"), fromWalletId: i % 2 ? a.id : b.id, toWalletId: i % 2 ? b.id : a.id, amountMinor: 400n }))),
    );
    const outcomes = await Promise.all(jobs);
    expect(outcomes.filter((o) => o !== "OK" && o !== "INSUFFICIENT_WALLET_BALANCE")).toEqual([]);
    const [ba, bb] = [await balance(a.id), await balance(b.id)];
    expect(ba.posted + bb.posted).toBe(4_000n);
    expect(ba.available).toBeGreaterThanOrEqual(0n);
    expect(bb.available).toBeGreaterThanOrEqual(0n);
    expect(ba.posted - ba.available).toBe(1_500n);
    await checkLedgerInvariants(db.url, t.id, ctx);
  });

  it("the same transfer number raced twice: exactly one transfer", async () => {
    const from = await wallet(no("twin"), 5_000n);
    const to = await wallet(no("twin-to"));
    const merchantTransferNo = no("SAME");
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => codeOf(run((tx) => createTransfer(tx, ctx, { merchantId, merchantTransferNo, fromWalletId: from.id, toWalletId: to.id, amountMinor: 1_000n })))));
    expect(outcomes.sort()).toEqual(["MERCHANT_TRANSFER_NO_TAKEN", "MERCHANT_TRANSFER_NO_TAKEN", "MERCHANT_TRANSFER_NO_TAKEN", "OK"]);
    expect(await balance(from.id)).toEqual({ posted: 4_000n, available: 4_000n });
  });
});

describe("DIRECT tenants", () => {
  it("are refused every wallet, transfer, withdrawal and payout operation with NOT_AVAILABLE_IN_DIRECT_MODE", async () => {
    const dctx = ownerContext(direct);
    const dMerchant = await withTenantTx(direct.id, async (tx) => (await createMerchant(tx, dctx, merchantInput("Direct Mart"))).id);
    const id = "00000000-0000-4000-8000-000000000000";
    const calls: Array<(tx: Tx) => Promise<unknown>> = [
      (tx: Tx) => createWallet(tx, dctx, { merchantId: dMerchant, externalUserId: "u" }),
      (tx: Tx) => getWallet(tx, dctx, id),
      (tx: Tx) => findWallets(tx, dctx, {}),
      (tx: Tx) => createTransfer(tx, dctx, { merchantId: dMerchant, merchantTransferNo: "T1", fromWalletId: id, toWalletId: "00000000-0000-4000-8000-000000000001", amountMinor: 1n }),
      (tx: Tx) => requestWithdrawal(tx, dctx, { merchantId: dMerchant, merchantWithdrawalNo: "W1", walletId: id, amountMinor: 1n, bankAccount: { name: "A", number: "62220202000012345", bankCode: "ICBC" } }),
      (tx: Tx) => gatherBatch(tx, dctx, {}),
    ];
    for (const call of calls) expect(await codeOf(withTenantTx(direct.id, call))).toBe("NOT_AVAILABLE_IN_DIRECT_MODE");
    expect(await ownerQuery(db.url, `SELECT id FROM wallet WHERE tenant_id = $1`, [direct.id])).toEqual([]);
  });
});

describe("the demo", () => {
  it("seedDemoWallets gives a CUSTODIAL tenant wallets, a transfer and withdrawals in several states, the ledger balanced; a DIRECT one nothing", async () => {
    const demo = await makeTenant("demo-wallets", { mode: "CUSTODIAL", licence: "Z-DEMO" });
    const dctx = ownerContext(demo);
    await withTenantTx(demo.id, async (tx) => {
      await createMerchant(tx, dctx, merchantInput("Demo Mart"));
      await createUser(tx, dctx, { email: "admin@demo-wallets.test", name: "Demo admin", role: "ADMIN", password: TEST_PASSWORD });
    });
    expect(await seedDemoWallets(dctx)).toEqual({ wallets: 3, payouts: 5 });
    const statuses = await ownerQuery<{ status: string; n: number }>(db.url, `SELECT status::text, count(*)::int AS n FROM payout WHERE tenant_id = $1 GROUP BY status ORDER BY status`, [demo.id]);
    expect(statuses).toEqual([
      { status: "BATCHED", n: 1 },
      { status: "FAILED", n: 1 },
      { status: "HELD", n: 1 },
      { status: "IN_TRANSIT", n: 1 },
      { status: "SUCCEEDED", n: 1 },
    ]);
    const batches = await ownerQuery<{ status: string; delivery: string }>(db.url, `SELECT status::text, delivery FROM payout_batch WHERE tenant_id = $1 ORDER BY created_at`, [demo.id]);
    expect(batches).toEqual([
      { status: "RELEASED", delivery: "SEND" },
      { status: "PROPOSED", delivery: "FILE" },
    ]);
    expect((await ownerQuery(db.url, `SELECT id FROM transfer WHERE tenant_id = $1`, [demo.id])).length).toBe(1);
    await checkLedgerInvariants(db.url, demo.id, dctx);
    expect(await seedDemoWallets(ownerContext(direct))).toEqual({ wallets: 0, payouts: 0 });
  });
});
