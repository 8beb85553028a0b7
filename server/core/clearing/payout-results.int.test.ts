import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getBalanceByRef, postEntry } from "@/server/core/ledger/service";
import { accounts, walletRecharge } from "@/server/core/ledger/templates";
import { createMerchant } from "@/server/core/merchants/service";
import { decideProposal } from "@/server/core/proposals/service";
import { createUser } from "@/server/core/users/service";
import { createWallet, getWallet } from "@/server/core/wallets/service";
import "@/server/core/payouts/register";
import { downloadBatchFile, gatherBatch, getPayout, proposeRelease, requestWithdrawal } from "@/server/core/payouts/service";
import { writePayoutResultFile, type ResultLine } from "@/server/simulators/bank/result-files";
import { withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, TEST_PASSWORD, useTestKeyring, type TestTenant } from "@/server/testing/fixtures";
import { checkLedgerInvariants } from "@/server/testing/ledger";
import { importStatement } from "./import";
import { batchResults } from "@/server/core/payouts/results";
import { applyPayoutResultFile } from "./payout-results";

// Bank payout result files (SWYRES01) applied to a FILE batch's payouts against a real PostgreSQL
// database as the app role: success posts in transit → bank; failure goes back to the wallet with
// its webhook and no exception; a payout the file leaves out stays in transit until a later file;
// a later return re-credits the wallet; an unknown payout, a differing amount and a contradicted
// final state are exceptions with their own suspense entries (Σ open = suspense balance); the same
// file again changes nothing.

let db: TestDatabase;
let t: TestTenant;
let owner: TenantContext;
let admin: TenantContext;
let merchantId: string;
let sandboxId: string;

beforeAll(async () => {
  db = await createTestDatabase("payout_results");
  useTestKeyring();
  t = await makeTenant("payres-co", { mode: "CUSTODIAL", licence: "Z-TEST-PAYRES" });
  owner = ownerContext(t);
  const made = await withTenantTx(t.id, async (tx) => {
    const m = await createMerchant(tx, owner, merchantInput("Result Mart"));
    const u = await createUser(tx, owner, { email: "admin@payres-co.test", name: "Checker", role: "ADMIN", password: TEST_PASSWORD });
    return { merchantId: m.id, adminId: u.id };
  });
  merchantId = made.merchantId;
  admin = { tenantId: t.id, actor: { kind: "USER", userId: made.adminId, email: "admin@payres-co.test", role: "ADMIN", merchantId: null } };
  const [row] = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM channel_account WHERE tenant_id = $1 AND channel_type = 'SANDBOX'`, [t.id]);
  sandboxId = row!.id;
});

afterAll(async () => {
  await db?.drop();
});

const run = <T,>(fn: (tx: Tx) => Promise<T>) => withTenantTx(t.id, fn);
let n = 0;
const no = (prefix: string) => `${prefix}-${Date.now()}-${++n}`;
const webhooks = (objectId: string) => ownerQuery<{ type: string }>(db.url, `SELECT type FROM webhook_event WHERE tenant_id = $1 AND object_id = $2 ORDER BY created_at`, [t.id, objectId]).then((r) => r.map((x) => x.type));
const status = async (id: string) => (await run((tx) => getPayout(tx, owner, id))).status;
const posted = async (id: string) => (await run((tx) => getWallet(tx, owner, id))).postedMinor;
const suspense = async () => ({
  overage: (await run((tx) => getBalanceByRef(tx, owner, accounts.overageSuspense))).postedMinor,
  shortage: (await run((tx) => getBalanceByRef(tx, owner, accounts.shortageSuspense))).postedMinor,
});
const openPayoutExceptions = () => run((tx) => tx.exception.findMany({ where: { tenantId: t.id, kind: { startsWith: "RECON_PAYOUT_" }, status: "OPEN" }, orderBy: { createdAt: "asc" } }));
const sumOpen = (list: Awaited<ReturnType<typeof openPayoutExceptions>>, direction: string) => list.filter((e) => (e.details as { direction?: string }).direction === direction).reduce((s, e) => s + e.amountMinor, 0n);

describe("bank payout result files", () => {
  it("applies successes, failures (back to the wallet), later files and returns; differences are exceptions with suspense; idempotent", async () => {
    const { wallet } = await run((tx) => createWallet(tx, owner, { merchantId, externalUserId: no("user") }));
    await run((tx) => postEntry(tx, owner, walletRecharge(sandboxId, wallet.id, 100_000n), { businessDate: "2026-01-05", idempotencyKey: `test-recharge:${wallet.id}`, causeType: "test", causeId: wallet.id }));
    const withdraw = (amountMinor: bigint) =>
      run((tx) => requestWithdrawal(tx, owner, { merchantId, merchantWithdrawalNo: no("W"), walletId: wallet.id, amountMinor, bankAccount: { name: "张三", number: "6222020200001234", bankCode: "ICBC" }, notifyUrl: "https://merchant.example/hooks" }));
    const ok = await withdraw(10_000n);
    const refused = await withdraw(20_000n);
    const later = await withdraw(30_000n);
    const returned = await withdraw(5_000n);
    const odd = await withdraw(7_000n);

    const batch = await run((tx) => gatherBatch(tx, owner, { channelAccountId: sandboxId, delivery: "FILE" }));
    const proposed = await run((tx) => proposeRelease(tx, owner, { batchId: batch.id, reason: "withdrawals" }));
    await run((tx) => decideProposal(tx, admin, { id: proposed.proposalId!, decision: "APPROVE" }));
    expect(await posted(wallet.id)).toBe(28_000n);
    const payoutFile = (await run((tx) => downloadBatchFile(tx, owner, batch.id))).content;
    const transitBefore = (await run((tx) => getBalanceByRef(tx, owner, accounts.withdrawalsInTransit))).postedMinor;
    expect(transitBefore).toBe(72_000n);

    const processedAt = new Date("2026-11-27T09:30:00Z");
    const billDate = "2026-11-27";
    const file = (lines: ResultLine[]) => Buffer.from(writePayoutResultFile({ batchId: batch.id, processedAt, lines, payoutFile }));
    const first = file([
      { outPayoutNo: ok.outPayoutNo, verdict: "SUCCEEDED" },
      { outPayoutNo: refused.outPayoutNo, verdict: "FAILED", reasonCode: "61", reason: "收款账号无效" },
      { outPayoutNo: returned.outPayoutNo, verdict: "SUCCEEDED" },
      // The bank paid 10 fen more than we sent: money out of the bank we did not book (短款).
      { outPayoutNo: odd.outPayoutNo, verdict: "SUCCEEDED", amountMinor: 7_010n },
      // A payout no. we never issued, paid: a 短款 of its amount.
      { outPayoutNo: "PUNKNOWN0000000000000000000001", verdict: "SUCCEEDED", amountMinor: 1_234n, account: "6222999900001111" },
    ]);
    const imported = await importStatement(owner, { channelAccountId: sandboxId, billDate, format: "BANK_PAYOUT_RESULT", fileName: "RES1.txt", bytes: first, source: "UPLOAD" });
    expect(imported.outcome).toBe("IMPORTED");
    expect(imported.reconciliation).toMatchObject({ byOutcome: { MATCHED: 3, DIFFERENCE: 2 }, differences: { PAYOUT_AMOUNT: 1, PAYOUT_UNKNOWN: 1 } });

    expect([await status(ok.id), await status(refused.id), await status(later.id), await status(returned.id), await status(odd.id)]).toEqual(["SUCCEEDED", "FAILED", "IN_TRANSIT", "SUCCEEDED", "SUCCEEDED"]);
    // The failure went back to the wallet at once, with its webhook; never an exception.
    expect(await posted(wallet.id)).toBe(48_000n);
    expect(await webhooks(refused.id)).toEqual(["withdrawal.failed"]);
    expect(await webhooks(ok.id)).toEqual(["withdrawal.succeeded"]);
    expect((await run((tx) => getPayout(tx, owner, refused.id))).failureMessage).toContain("收款账号无效");
    let open = await openPayoutExceptions();
    expect(open.map((e) => [e.kind, e.amountMinor, (e.details as { direction?: string }).direction])).toEqual([
      ["RECON_PAYOUT_AMOUNT", 10n, "SHORTAGE"],
      ["RECON_PAYOUT_UNKNOWN", 1_234n, "SHORTAGE"],
    ]);
    expect(await suspense()).toEqual({ overage: sumOpen(open, "OVERAGE"), shortage: sumOpen(open, "SHORTAGE") });
    // What is still in transit is exactly the payout the bank is still processing.
    expect((await run((tx) => getBalanceByRef(tx, owner, accounts.withdrawalsInTransit))).postedMinor).toBe(30_000n);
    let results = await run((tx) => batchResults(tx, owner, batch.id));
    expect(results).toMatchObject({
      sent: { count: 5, amountMinor: 72_000n },
      succeeded: { count: 3, amountMinor: 22_000n },
      failed: { count: 1, amountMinor: 20_000n },
      processing: { count: 1, amountMinor: 30_000n },
      returned: { count: 0, amountMinor: 0n },
      openExceptions: 1,
    });
    await checkLedgerInvariants(db.url, t.id, owner);

    // The same file again: a no-op; applying it again: the same outcomes, nothing posted.
    const again = await importStatement(owner, { channelAccountId: sandboxId, billDate, format: "BANK_PAYOUT_RESULT", fileName: "RES1-again.txt", bytes: first, source: "UPLOAD" });
    expect(again.outcome).toBe("ALREADY_IMPORTED");
    const reapplied = await applyPayoutResultFile(owner, imported.fileId);
    expect(reapplied.byOutcome).toEqual({ MATCHED: 3, DIFFERENCE: 2 });
    expect(await posted(wallet.id)).toBe(48_000n);
    expect(await suspense()).toEqual({ overage: 0n, shortage: 1_244n });

    // A later file the same day: the processing payout succeeds; a paid one is returned (退汇), re-crediting the wallet.
    const second = file([
      { outPayoutNo: later.outPayoutNo, verdict: "SUCCEEDED" },
      { outPayoutNo: returned.outPayoutNo, verdict: "RETURNED", reasonCode: "RT", reason: "退汇 账户已销户" },
      // Repeats of an earlier verdict change nothing.
      { outPayoutNo: ok.outPayoutNo, verdict: "SUCCEEDED" },
    ]);
    const secondImport = await importStatement(owner, { channelAccountId: sandboxId, billDate, format: "BANK_PAYOUT_RESULT", fileName: "RES2.txt", bytes: second, source: "UPLOAD" });
    expect(secondImport.outcome).toBe("IMPORTED");
    expect(secondImport.reconciliation).toMatchObject({ byOutcome: { MATCHED: 3 } });
    expect([await status(later.id), await status(returned.id)]).toEqual(["SUCCEEDED", "RETURNED"]);
    expect(await posted(wallet.id)).toBe(53_000n);
    expect(await webhooks(returned.id)).toEqual(["withdrawal.succeeded", "withdrawal.returned"]);
    expect((await run((tx) => getBalanceByRef(tx, owner, accounts.withdrawalsInTransit))).postedMinor).toBe(0n);
    expect((await run((tx) => tx.payoutBatch.findFirstOrThrow({ where: { tenantId: t.id, id: batch.id } }))).status).toBe("COMPLETED");
    results = await run((tx) => batchResults(tx, owner, batch.id));
    expect(results).toMatchObject({ succeeded: { count: 3, amountMinor: 47_000n }, processing: { count: 0 }, returned: { count: 1, amountMinor: 5_000n } });

    // A verdict contradicting a final state: paid at the bank, failed (and back in the wallet) here.
    const third = file([{ outPayoutNo: refused.outPayoutNo, verdict: "SUCCEEDED" }]);
    const thirdImport = await importStatement(owner, { channelAccountId: sandboxId, billDate, format: "BANK_PAYOUT_RESULT", fileName: "RES3.txt", bytes: third, source: "UPLOAD" });
    expect(thirdImport.reconciliation).toMatchObject({ differences: { PAYOUT_STATUS: 1 } });
    expect(await status(refused.id)).toBe("FAILED");
    expect(await posted(wallet.id)).toBe(53_000n);
    open = await openPayoutExceptions();
    expect(open.map((e) => [e.kind, e.amountMinor])).toContainEqual(["RECON_PAYOUT_STATUS", 20_000n]);
    expect(await suspense()).toEqual({ overage: sumOpen(open, "OVERAGE"), shortage: sumOpen(open, "SHORTAGE") });
    expect(sumOpen(open, "SHORTAGE")).toBe(21_244n);
    await checkLedgerInvariants(db.url, t.id, owner);
  });

  it("refuses a malformed result file with its line number and stores nothing", async () => {
    const before = await run((tx) => tx.statementFile.count({ where: { tenantId: t.id } }));
    const good = writePayoutResultFile({ batchId: "00000000-0000-4000-8000-000000000001", processedAt: new Date("2026-11-27T09:30:00Z"), lines: [{ outPayoutNo: "P1", verdict: "SUCCEEDED", amountMinor: 100n }] });
    const wrongTotal = good.replace(/\nT(\d{8})(\d{18})/, (_m, c: string) => `\nT${c}${"9".padStart(18, "0")}`);
    const err = await importStatement(owner, { channelAccountId: sandboxId, billDate: "2026-11-27", format: "BANK_PAYOUT_RESULT", fileName: "bad.txt", bytes: Buffer.from(wrongTotal), source: "UPLOAD" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "STATEMENT_TOTALS_MISMATCH", params: { lineNo: 3 } });
    expect(await run((tx) => tx.statementFile.count({ where: { tenantId: t.id } }))).toBe(before);
  });
});
