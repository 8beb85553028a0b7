import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getBalanceByRef, postEntry } from "@/server/core/ledger/service";
import { accounts, adjustment, walletRecharge } from "@/server/core/ledger/templates";
import { createMerchant } from "@/server/core/merchants/service";
import { cancelProposal, decideProposal } from "@/server/core/proposals/service";
import { createUser } from "@/server/core/users/service";
import { createWallet, getWallet } from "@/server/core/wallets/service";
import { drainOutboxOnce } from "@/server/jobs/outbox";
import { withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, TEST_PASSWORD, useTestKeyring, type TestTenant } from "@/server/testing/fixtures";
import { checkLedgerInvariants, codeOf } from "@/server/testing/ledger";
import { parseDetailLine } from "./file";
import "./register";
import { SEND_TOPIC } from "./release";
import { queryDuePayouts, sendBatch } from "./send";
import {
  cancelPayout,
  downloadBatchFile,
  findPayouts,
  gatherBatch,
  getBatch,
  getPayout,
  markPayoutReturned,
  payoutTransitions,
  proposeRelease,
  requestMerchantPayout,
  requestWithdrawal,
} from "./service";

// The payout lifecycle against a real PostgreSQL database as the app role, on the sandbox's
// payout rules (account numbers ending 0000 fail, 8888 succeed on the first query, 9999 are
// returned on the first query, others succeed at once): request → hold → gather → propose →
// approve by another person (posted to in transit) → send → success, failure back to the source,
// return; cancel and rejection; the FILE delivery; the ledger balanced after each path.

let db: TestDatabase;
let t: TestTenant;
let owner: TenantContext;
let admin: TenantContext;
let merchantId: string;
let sandboxId: string;

beforeAll(async () => {
  db = await createTestDatabase("payouts");
  useTestKeyring();
  t = await makeTenant("payout-co", { mode: "CUSTODIAL", licence: "Z-TEST-PAYOUTS" });
  owner = ownerContext(t);
  const made = await withTenantTx(t.id, async (tx) => {
    const m = await createMerchant(tx, owner, merchantInput("Payout Mart"));
    const u = await createUser(tx, owner, { email: "admin@payout-co.test", name: "Checker", role: "ADMIN", password: TEST_PASSWORD });
    return { merchantId: m.id, adminId: u.id };
  });
  merchantId = made.merchantId;
  admin = { tenantId: t.id, actor: { kind: "USER", userId: made.adminId, email: "admin@payout-co.test", role: "ADMIN", merchantId: null } };
  const [row] = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM channel_account WHERE tenant_id = $1 AND channel_type = 'SANDBOX'`, [t.id]);
  sandboxId = row!.id;
});

afterAll(async () => {
  await db?.drop();
});

const run = <T,>(fn: (tx: Tx) => Promise<T>) => withTenantTx(t.id, fn);
let n = 0;
const no = (prefix: string) => `${prefix}-${Date.now()}-${++n}`;

async function fundedWallet(amountMinor: bigint) {
  const { wallet } = await run((tx) => createWallet(tx, owner, { merchantId, externalUserId: no("user") }));
  await run((tx) => postEntry(tx, owner, walletRecharge(sandboxId, wallet.id, amountMinor), { businessDate: "2026-01-05", idempotencyKey: `test-recharge:${wallet.id}`, causeType: "test", causeId: wallet.id }));
  return wallet;
}

const withdraw = (walletId: string, amountMinor: bigint, number = "6222020200001234", extra: Record<string, unknown> = {}) =>
  run((tx) => requestWithdrawal(tx, owner, { merchantId, merchantWithdrawalNo: no("W"), walletId, amountMinor, bankAccount: { name: "张三", number, bankCode: "ICBC" }, notifyUrl: "https://merchant.example/hooks", ...extra }));

const walletBalance = async (id: string) => {
  const w = await run((tx) => getWallet(tx, owner, id));
  return { posted: w.postedMinor, available: w.availableMinor };
};
const inTransit = () => run((tx) => getBalanceByRef(tx, owner, accounts.withdrawalsInTransit));
const webhooks = (objectId: string) => ownerQuery<{ type: string }>(db.url, `SELECT type FROM webhook_event WHERE tenant_id = $1 AND object_id = $2 ORDER BY created_at`, [t.id, objectId]).then((r) => r.map((x) => x.type));

/** Makes sure no other test's HELD payouts end up in the next gather. */
async function cancelAllHeld() {
  const held = await run((tx) => findPayouts(tx, owner, { status: "HELD", limit: 200 }));
  for (const p of held.items) await run((tx) => cancelPayout(tx, owner, { id: p.id, reason: "test clean-up" }));
}

async function releasedBatch(delivery: "SEND" | "FILE") {
  const batch = await run((tx) => gatherBatch(tx, owner, { channelAccountId: sandboxId, delivery }));
  const proposed = await run((tx) => proposeRelease(tx, owner, { batchId: batch.id, reason: "daily withdrawals" }));
  expect(proposed.status).toBe("PROPOSED");
  // Maker ≠ checker: the proposer cannot approve their own release.
  expect(await codeOf(run((tx) => decideProposal(tx, owner, { id: proposed.proposalId!, decision: "APPROVE" })))).toBe("SELF_APPROVAL");
  const decided = await run((tx) => decideProposal(tx, admin, { id: proposed.proposalId!, decision: "APPROVE" }));
  expect(decided.status).toBe("APPROVED");
  return proposed;
}

describe("requesting and cancelling", () => {
  it("a withdrawal holds the amount (posted unchanged, available down) and records its transition", async () => {
    const w = await fundedWallet(10_000n);
    const p = await withdraw(w.id, 3_000n);
    expect(p).toMatchObject({ status: "HELD", source: "WALLET", walletId: w.id, amountMinor: 3_000n, accountLast4: "1234", bankCode: "ICBC", accountName: "张三" });
    expect(p.outPayoutNo).toMatch(/^PO\d{8}[0-9A-F]{16}$/);
    expect(await walletBalance(w.id)).toEqual({ posted: 10_000n, available: 7_000n });
    // The account number is sealed in the row; the services never show it.
    const [row] = await ownerQuery<{ account_number_enc: string }>(db.url, `SELECT account_number_enc FROM payout WHERE id = $1`, [p.id]);
    expect(row!.account_number_enc).not.toContain("6222020200001234");
    expect(JSON.stringify(await run((tx) => getPayout(tx, owner, p.id)), (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).not.toContain("6222020200001234");
    expect((await run((tx) => payoutTransitions(tx, owner, p.id))).map((x) => [x.fromStatus, x.toStatus, x.cause])).toEqual([[null, "HELD", "REQUESTED"]]);
    await cancelAllHeld();
  });

  it("refuses more than the available balance, a used withdrawal number and a frozen wallet, writing nothing", async () => {
    const w = await fundedWallet(1_000n);
    const first = await withdraw(w.id, 600n);
    const count = () => ownerQuery<{ n: number }>(db.url, `SELECT (SELECT count(*) FROM payout)::int + (SELECT count(*) FROM ledger_hold)::int AS n`);
    const before = await count();
    expect(await codeOf(withdraw(w.id, 401n))).toBe("INSUFFICIENT_WALLET_BALANCE");
    expect(await codeOf(withdraw(w.id, 100n, "6222020200001234", { merchantWithdrawalNo: first.requestNo }))).toBe("MERCHANT_WITHDRAWAL_NO_TAKEN");
    await ownerQuery(db.url, `UPDATE wallet SET status = 'FROZEN' WHERE id = $1`, [w.id]);
    expect(await codeOf(withdraw(w.id, 100n))).toBe("WALLET_NOT_ACTIVE");
    await ownerQuery(db.url, `UPDATE wallet SET status = 'ACTIVE' WHERE id = $1`, [w.id]);
    expect(await count()).toEqual(before);
    await cancelAllHeld();
  });

  it("cancel before release voids the hold: the funds are available again; a cancelled payout cannot be cancelled twice", async () => {
    const w = await fundedWallet(5_000n);
    const p = await withdraw(w.id, 2_000n);
    const cancelled = await run((tx) => cancelPayout(tx, owner, { id: p.id, reason: "customer changed their mind" }));
    expect(cancelled.status).toBe("CANCELLED");
    expect(await walletBalance(w.id)).toEqual({ posted: 5_000n, available: 5_000n });
    expect(await codeOf(run((tx) => cancelPayout(tx, owner, { id: p.id, reason: "again" })))).toBe("ILLEGAL_TRANSITION");
    const holds = await ownerQuery<{ status: string }>(db.url, `SELECT status FROM ledger_hold WHERE id = $1`, [p.holdId]);
    expect(holds).toEqual([{ status: "VOIDED" }]);
    await checkLedgerInvariants(db.url, t.id, owner);
  });
});

describe("a SEND batch: propose, approve, send, query", () => {
  it("posts every hold to in transit on approval, then success, failure back to the wallet, a later success and a return", async () => {
    await cancelAllHeld();
    const transitBefore = (await inTransit()).postedMinor;
    const w = await fundedWallet(100_000n);
    const ok = await withdraw(w.id, 10_000n, "6222020200001234");
    const refused = await withdraw(w.id, 20_000n, "6222020200000000");
    const later = await withdraw(w.id, 30_000n, "6222020200008888");
    const returned = await withdraw(w.id, 5_000n, "6222020200009999");
    expect(await walletBalance(w.id)).toEqual({ posted: 100_000n, available: 35_000n });

    const proposed = await releasedBatch("SEND");
    const batch = await run((tx) => getBatch(tx, owner, proposed.id));
    expect(batch).toMatchObject({ status: "RELEASED", count: 4, totalMinor: 65_000n, delivery: "SEND", proposal: { status: "APPROVED" } });
    expect(batch.payouts.map((p) => p.status)).toEqual(["IN_TRANSIT", "IN_TRANSIT", "IN_TRANSIT", "IN_TRANSIT"]);
    // The holds are posted: the wallet's posted balance drops, in transit holds the batch.
    expect(await walletBalance(w.id)).toEqual({ posted: 35_000n, available: 35_000n });
    expect((await inTransit()).postedMinor - transitBefore).toBe(65_000n);
    await checkLedgerInvariants(db.url, t.id, owner);

    // The approval announced the send in its own transaction; the drainer sends.
    const events = await ownerQuery<{ payload: { batchId: string } }>(db.url, `SELECT payload FROM outbox_event WHERE tenant_id = $1 AND topic = $2`, [t.id, SEND_TOPIC]);
    expect(events.map((e) => e.payload.batchId)).toContain(proposed.id);
    await drainOutboxOnce();
    const status = async (id: string) => (await run((tx) => getPayout(tx, owner, id))).status;
    expect([await status(ok.id), await status(refused.id), await status(later.id), await status(returned.id)]).toEqual(["SUCCEEDED", "FAILED", "IN_TRANSIT", "IN_TRANSIT"]);
    // The failure went back to the wallet at once, with its webhook; never an exception.
    expect(await walletBalance(w.id)).toEqual({ posted: 55_000n, available: 55_000n });
    expect(await webhooks(refused.id)).toEqual(["withdrawal.failed"]);
    expect(await webhooks(ok.id)).toEqual(["withdrawal.succeeded"]);
    // Sending again sends nothing twice.
    expect(await sendBatch(owner, proposed.id)).toEqual({ sent: 0, settled: 0 });

    // The query job (its back-off passed) settles the rest: one success, one paid-then-returned.
    const q = await queryDuePayouts(owner, new Date(Date.now() + 60_000));
    expect(q).toEqual({ queried: 2, settled: 2 });
    expect([await status(later.id), await status(returned.id)]).toEqual(["SUCCEEDED", "RETURNED"]);
    expect(await webhooks(returned.id)).toEqual(["withdrawal.succeeded", "withdrawal.returned"]);
    expect(await walletBalance(w.id)).toEqual({ posted: 60_000n, available: 60_000n });
    expect((await inTransit()).postedMinor).toBe(transitBefore);
    expect((await run((tx) => getBatch(tx, owner, proposed.id))).status).toBe("COMPLETED");
    const trail = await run((tx) => payoutTransitions(tx, owner, returned.id));
    expect(trail.map((x) => [x.fromStatus, x.toStatus, x.cause])).toEqual([
      [null, "HELD", "REQUESTED"],
      ["HELD", "BATCHED", "GATHERED"],
      ["BATCHED", "IN_TRANSIT", "BATCH_RELEASED"],
      ["IN_TRANSIT", "IN_TRANSIT", "SENT"],
      ["IN_TRANSIT", "SUCCEEDED", "QUERY"],
      ["SUCCEEDED", "RETURNED", "QUERY"],
    ]);
    expect(trail.find((x) => x.cause === "BATCH_RELEASED")?.actor).toBe("admin@payout-co.test");
    await checkLedgerInvariants(db.url, t.id, owner);

    // A later return of a SUCCEEDED payout reported by hand re-credits the wallet.
    const marked = await run((tx) => markPayoutReturned(tx, owner, { id: ok.id, reason: "bank called: account closed" }));
    expect(marked.status).toBe("RETURNED");
    expect(await walletBalance(w.id)).toEqual({ posted: 70_000n, available: 70_000n });
    expect(await webhooks(ok.id)).toEqual(["withdrawal.succeeded", "withdrawal.returned"]);
    expect(await codeOf(run((tx) => markPayoutReturned(tx, owner, { id: refused.id, reason: "not paid" })))).toBe("PAYOUT_NOT_SUCCEEDED");
    await checkLedgerInvariants(db.url, t.id, owner);
  });

  it("a rejected release returns the payouts to HELD; they can be gathered again, and a proposed batch's payout cannot be cancelled", async () => {
    await cancelAllHeld();
    const w = await fundedWallet(10_000n);
    const p = await withdraw(w.id, 4_000n);
    const batch = await run((tx) => gatherBatch(tx, owner, { channelAccountId: sandboxId }));
    const proposed = await run((tx) => proposeRelease(tx, owner, { batchId: batch.id, reason: "withdrawals" }));
    expect(await codeOf(run((tx) => cancelPayout(tx, owner, { id: p.id, reason: "too late" })))).toBe("PAYOUT_IN_PROPOSED_BATCH");
    expect(await codeOf(run((tx) => proposeRelease(tx, owner, { batchId: batch.id, reason: "again" })))).toBe("BATCH_ILLEGAL_TRANSITION");
    await run((tx) => decideProposal(tx, admin, { id: proposed.proposalId!, decision: "REJECT", note: "wrong day" }));
    expect((await run((tx) => getBatch(tx, owner, batch.id))).status).toBe("REJECTED");
    expect(await run((tx) => getPayout(tx, owner, p.id))).toMatchObject({ status: "HELD", batchId: null });
    expect(await walletBalance(w.id)).toEqual({ posted: 10_000n, available: 6_000n });
    // Gathered again into a new batch; the proposer withdrawing the proposal also returns them.
    const again = await run((tx) => gatherBatch(tx, owner, { channelAccountId: sandboxId }));
    expect(again.id).not.toBe(batch.id);
    const second = await run((tx) => proposeRelease(tx, owner, { batchId: again.id, reason: "withdrawals, take two" }));
    await run((tx) => cancelProposal(tx, owner, second.proposalId!));
    expect((await run((tx) => getPayout(tx, owner, p.id))).status).toBe("HELD");
    await run((tx) => cancelPayout(tx, owner, { id: p.id, reason: "clean up" }));
    expect(await walletBalance(w.id)).toEqual({ posted: 10_000n, available: 10_000n });
    await checkLedgerInvariants(db.url, t.id, owner);
  });

  it("gathering with nothing held, or at an account that cannot pay out, is refused", async () => {
    await cancelAllHeld();
    expect(await codeOf(run((tx) => gatherBatch(tx, owner, {})))).toBe("NO_PAYOUTS_TO_GATHER");
    expect(await codeOf(run((tx) => gatherBatch(tx, owner, { channelAccountId: "00000000-0000-4000-8000-000000000000" })))).toBe("NOT_FOUND");
  });
});

describe("a FILE batch", () => {
  it("is released without sending and renders the documented fixed-width file with the full account numbers", async () => {
    await cancelAllHeld();
    const w = await fundedWallet(50_000n);
    const a = await withdraw(w.id, 12_345n, "6222020200004321");
    const b = await withdraw(w.id, 678n, "6212260200007777", { bankAccount: { name: "Li Si Trading 李四贸易", number: "6212260200007777", bankCode: "cmb" } });
    const proposed = await releasedBatch("FILE");
    expect(await codeOf(sendBatch(owner, proposed.id))).toBe("BATCH_NOT_SEND");
    const file = await run((tx) => downloadBatchFile(tx, owner, proposed.id));
    expect(file.fileName).toMatch(/^PAYOUT_[0-9A-F]{12}_\d{8}\.txt$/);
    const lines = file.content.split("\n");
    expect(lines.at(-1)).toBe("");
    expect(lines[0]).toMatch(/^HSWYPAY01[0-9a-f]{32}\d{14}CNYFILE$/);
    const details = lines.slice(1, -2).map(parseDetailLine);
    const byNo = new Map(details.map((d) => [d.outPayoutNo, d]));
    expect(byNo.get(a.outPayoutNo)).toMatchObject({ accountNumber: "6222020200004321", accountName: "张三", bankCode: "ICBC", amountMinor: 12_345n, memo: `W ${a.requestNo}` });
    expect(byNo.get(b.outPayoutNo)).toMatchObject({ accountNumber: "6212260200007777", accountName: "Li Si Trading 李四贸易", bankCode: "CMB", amountMinor: 678n });
    expect(lines.at(-2)).toBe(`T${"2".padStart(8, "0")}${"13023".padStart(18, "0")}`);
    // The download is audited; the payouts stay in transit until the bank's result file is imported.
    const audits = await ownerQuery(db.url, `SELECT id FROM audit_log WHERE tenant_id = $1 AND action = 'payout_batch.download_file' AND entity_id = $2`, [t.id, proposed.id]);
    expect(audits.length).toBe(1);
    expect((await run((tx) => getPayout(tx, owner, a.id))).status).toBe("IN_TRANSIT");
    expect(await queryDuePayouts(owner, new Date(Date.now() + 60_000))).toEqual({ queried: 0, settled: 0 });
    await checkLedgerInvariants(db.url, t.id, owner);
  });
});

describe("merchant payouts (for settlement)", () => {
  it("hold the merchant's available payable, and are refused beyond it", async () => {
    await cancelAllHeld();
    const request = (amountMinor: bigint) =>
      run((tx) => requestMerchantPayout(tx, owner, { merchantId, requestNo: no("S"), amountMinor, bankAccount: { name: "Payout Mart Co., Ltd.", number: "6222020200005555", bankCode: "ICBC" } }));
    expect(await codeOf(request(1n))).toBe("INSUFFICIENT_MERCHANT_BALANCE");
    await run((tx) =>
      postEntry(tx, owner, adjustment([{ account: accounts.customerFundsBank, amountMinor: 8_000n }, { account: accounts.merchantAvailable(merchantId), amountMinor: -8_000n }]), {
        businessDate: "2026-01-05",
        idempotencyKey: "test-merchant-available",
      }),
    );
    const p = await request(5_000n);
    expect(p).toMatchObject({ source: "MERCHANT", walletId: null, status: "HELD" });
    const available = await run((tx) => getBalanceByRef(tx, owner, accounts.merchantAvailable(merchantId)));
    expect([available.postedMinor, available.availableMinor]).toEqual([8_000n, 3_000n]);
    await releasedBatch("SEND");
    await drainOutboxOnce();
    expect((await run((tx) => getPayout(tx, owner, p.id))).status).toBe("SUCCEEDED");
    // Merchant payouts send no withdrawal webhook (settlement announces its own).
    expect(await webhooks(p.id)).toEqual([]);
    await checkLedgerInvariants(db.url, t.id, owner);
  });
});
