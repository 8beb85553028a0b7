import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { connectorFor } from "@/server/channels/registry";
import { connectorConfig, setChannelAccountEnabled } from "@/server/core/channels/accounts";
import { seedSimulatorChannels } from "@/server/core/channels/demo";
import { getBalanceByRef } from "@/server/core/ledger/service";
import { accounts } from "@/server/core/ledger/templates";
import { createMerchant } from "@/server/core/merchants/service";
import { resolveExceptionById } from "@/server/core/payments/exceptions";
import { createProposal, decideProposal } from "@/server/core/proposals/service";
import { createUser } from "@/server/core/users/service";
import type { TenantContext } from "@/server/db/tenant-tx";
import { codeOf } from "@/server/testing/ledger";
import { registrationIdentity } from "@/server/core/payments/common";
import { applyRefundResult, createRefund, recordRefund } from "@/server/core/payments/refunds";
import { applyChannelResult, createPayment } from "@/server/core/payments/service";
import { startWechatSimulator, type RunningWechatSimulator } from "@/server/simulators/wechat/simulator";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { checkLedgerInvariants } from "@/server/testing/ledger";
import { makeTenant } from "@/server/testing/tenants";
import { acquirerTemplate, back, csv, sale } from "@/server/testing/acquirer-csv";
import { dayCloseBlockers } from "./day-close";
import { importStatement, storeStatement } from "./import";
import { createTestPayment } from "@/server/core/payments/test-payment";
import { reconcileRound, reconcileStatementFile } from "./reconcile";
import "@/server/core/payments/register";

// Transaction reconciliation against the WeChat simulator's trade bill, with differences injected
// at the simulator (an amount, a fee, a line for a trade never made, a line moved to the next
// day's bill) and a payment we gave up on that the payer paid after all. Each line ends in exactly
// one outcome with its type and the direction of the money; the moved line waits in the cross-day
// pool and is released by the next day's bill; a second run changes nothing.

process.env.DATABASE_POOL_SIZE = "20";
let db: TestDatabase;
let sim: RunningWechatSimulator;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("clearing_reconcile");
  // The simulator charges what the seeded account's cost says (0.2 %), so fees match unless a difference is injected.
  sim = await startWechatSimulator({ notifyDelayMs: 60_000, feeRatePpm: 2_000 });
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

/** A CUSTODIAL tenant paying through the given WeChat simulator only (its sandbox account off), and a code payment of an amount. */
async function custodialWechat(sim: RunningWechatSimulator, orderPrefix: string, firstCode: number) {
  const t = await makeTenant({ mode: "CUSTODIAL" });
  const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput(`${orderPrefix} Noodles`))))!;
  const wechat = await t.run(async (tx) => {
    await seedSimulatorChannels(tx, t.ctx, { WECHAT: sim.url }, { zh: false, custodial: true });
    const sandbox = await tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" } });
    await setChannelAccountEnabled(tx, t.ctx, { id: sandbox.id, enabled: false });
    return tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "WECHAT" } });
  });
  let n = firstCode;
  const pay = (amountMinor: bigint) =>
    createPayment(t.ctx, { merchantId: m.id, merchantOrderNo: `${orderPrefix}-${Date.now()}-${++n}`, amountMinor, product: "WECHAT_CODE", elements: { authCode: `13${String(n).padStart(16, "0")}` }, subject: orderPrefix });
  return { t, wechat, pay };
}

const addDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);


describe("transaction reconciliation", () => {
  it("classifies every line by type and direction, surfaces a late success, pools what is missing and releases it the next day", async () => {
    // Two lines a round, so matching, pooling and releasing cross rounds (the default is 2,000).
    process.env.SWITCHYARD_RECON_CHUNK = "2";
    onTestFinished(() => void delete process.env.SWITCHYARD_RECON_CHUNK);
    const t = await makeTenant();
    const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Recon Noodles"))))!;
    const wechat = await t.run(async (tx) => {
      await seedSimulatorChannels(tx, t.ctx, { WECHAT: sim.url }, { zh: false, custodial: false });
      const sandbox = await tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" } });
      await setChannelAccountEnabled(tx, t.ctx, { id: sandbox.id, enabled: false });
      return tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "WECHAT" } });
    });
    let n = 0;
    const pay = (amountMinor: bigint, subject = "Recon") =>
      createPayment(t.ctx, { merchantId: m.id, merchantOrderNo: `RC-${Date.now()}-${++n}`, amountMinor, product: "WECHAT_CODE", elements: { authCode: `13${String(n).padStart(16, "0")}` }, subject });
    const matched = await pay(1_280n);
    const amount = await pay(4_500n);
    const moved = await pay(990n);
    const dropped = await pay(660n);
    const fee = await pay(20_000n);
    const coupon = await pay(2_000n);
    // The payer is still confirming when our side gives up; then pays.
    const late = await pay(3_300n, "Recon sim:userpaying");
    expect(late.status).toBe("PROCESSING");
    await t.run((tx) => applyChannelResult(tx, t.ctx, late.id, { status: "FAILED", failure: { code: "USERPAYING_TIMEOUT", message: "gave up" } }, "QUERY"));
    const channel = await t.run(async (tx) => ({ account: await connectorConfig(tx, t.ctx, wechat.id), registration: await registrationIdentity(tx, t.ctx, late.registrationId) }));
    for (let i = 0; i < 3; i++) await connectorFor("WECHAT").query(channel, { outTradeNo: late.outTradeNo });
    const refund = await createRefund(t.ctx, { paymentId: matched.id, merchantRefundNo: `RCR-${Date.now()}`, amountMinor: 400n, reason: "one item", origin: "CONSOLE" });

    const billDate = matched.businessDate.toISOString().slice(0, 10);
    const diffs = [
      { kind: "amount", outTradeNo: amount.outTradeNo, deltaMinor: 1 },
      { kind: "fee", outTradeNo: fee.outTradeNo, deltaMinor: 5 },
      { kind: "coupon", outTradeNo: coupon.outTradeNo, deltaMinor: 100 },
      { kind: "late", outTradeNo: moved.outTradeNo },
      { kind: "drop", outTradeNo: dropped.outTradeNo },
      { kind: "extra", amountMinor: 777 },
    ];
    const r = await fetch(`${sim.url}/__sim/statement-diffs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ billDate, diffs }) });
    expect(r.status).toBe(200);
    const bill = async (date: string) => (await connectorFor("WECHAT").downloadStatement({ account: channel.account }, { billDate: date, billType: "ALL" })).bytes;

    const imported = await importStatement(t.ctx, { channelAccountId: wechat.id, billDate, fileName: "day1.csv", bytes: await bill(billDate), source: "UPLOAD" });
    expect(imported.outcome).toBe("IMPORTED");
    const items = await t.run((tx) => tx.reconItem.findMany({ where: { tenantId: t.tenantId, fileId: imported.fileId } }));
    const of = (paymentId: string) => items.find((i) => i.paymentId === paymentId);
    expect(of(matched.id)).toMatchObject({ outcome: "MATCHED" });
    expect(of(amount.id)).toMatchObject({ outcome: "DIFFERENCE", diffType: "AMOUNT", direction: "OVERAGE", diffMinor: 1n });
    expect(of(fee.id)).toMatchObject({ outcome: "DIFFERENCE", diffType: "FEE", direction: "SHORTAGE", diffMinor: -5n });
    // A coupon the merchant funds: the order's 20.00 was booked, WeChat settles 19.00 (应结订单金额).
    expect(of(coupon.id)).toMatchObject({ outcome: "DIFFERENCE", diffType: "AMOUNT", direction: "SHORTAGE", ourMinor: 2_000n, theirMinor: 1_900n, diffMinor: -100n, note: "order 2000, settleable 1900: a coupon of 100 the merchant funds" });
    expect(of(moved.id)).toMatchObject({ outcome: "PENDING", diffType: "PLATFORM_ONLY", lineId: null });
    expect(of(dropped.id)).toMatchObject({ outcome: "PENDING", diffType: "PLATFORM_ONLY" });
    expect(of(late.id)).toMatchObject({ outcome: "MATCHED", note: "LATE_SUCCESS" });
    expect(items.filter((i) => i.diffType === "CHANNEL_ONLY")).toEqual([expect.objectContaining({ outcome: "DIFFERENCE", direction: "OVERAGE", diffMinor: 777n, paymentId: null })]);
    // The simulator's bill shows the refund still processing (a snapshot): it waits in the pending pool.
    expect(items.find((i) => i.refundId === refund.id)).toMatchObject({ outcome: "PENDING" });
    // Every line of the file has exactly one outcome.
    const lines = await t.run((tx) => tx.statementLine.count({ where: { tenantId: t.tenantId, fileId: imported.fileId } }));
    expect(items.filter((i) => i.lineId !== null)).toHaveLength(lines);
    expect(imported.reconciliation).toMatchObject({ reconciled: true, differences: { AMOUNT: 2, FEE: 1, CHANNEL_ONLY: 1 } });

    // The late success surfaced the payments application's way.
    const after = await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: late.id } }));
    expect(after).toMatchObject({ status: "SUCCEEDED", lateSuccess: true });
    expect(await t.run((tx) => tx.exception.count({ where: { tenantId: t.tenantId, kind: "LATE_SUCCESS", causeId: late.id } }))).toBe(1);

    // Running it again changes nothing.
    const again = await reconcileStatementFile(t.ctx, imported.fileId);
    expect(again).toEqual(imported.reconciliation);
    expect(await t.run((tx) => tx.reconItem.count({ where: { tenantId: t.tenantId } }))).toBe(items.length);

    // The next day's bill carries the moved line: the pooled item is released.
    const next = await importStatement(t.ctx, { channelAccountId: wechat.id, billDate: addDay(billDate), fileName: "day2.csv", bytes: await bill(addDay(billDate)), source: "UPLOAD" });
    expect(next.outcome).toBe("IMPORTED");
    const pooled = await t.run((tx) => tx.reconItem.findFirstOrThrow({ where: { tenantId: t.tenantId, fileId: imported.fileId, paymentId: moved.id } }));
    expect(pooled.outcome).toBe("RELEASED");
    // The dropped payment is on neither bill: once the next day's bill is in, it is a 短款 with its exception.
    const missing = await t.run((tx) => tx.reconItem.findFirstOrThrow({ where: { tenantId: t.tenantId, fileId: imported.fileId, paymentId: dropped.id } }));
    expect(missing).toMatchObject({ outcome: "DIFFERENCE", diffType: "PLATFORM_ONLY", direction: "SHORTAGE", diffMinor: -660n });
    expect(await t.run((tx) => tx.exception.count({ where: { tenantId: t.tenantId, kind: "RECON_PLATFORM_ONLY", causeId: missing.id } }))).toBe(1);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });
  it("CUSTODIAL: every difference opens its exception and posts its own suspense entry; Σ open items per direction = the suspense balance", async () => {
    // A simulator of its own: injected differences are per bill date and would mix with the test above.
    const sim = await startWechatSimulator({ notifyDelayMs: 60_000, feeRatePpm: 2_000 });
    onTestFinished(() => sim.close());
    const { t, wechat, pay } = await custodialWechat(sim, "SP", 100);
    const a = await pay(5_000n);
    const f = await pay(8_000n);
    await pay(1_200n);
    const dropped = await pay(1_500n);
    // Printed on the next day's bill instead (so that bill exists and releases it from the pool).
    const moved = await pay(2_400n);
    const billDate = a.businessDate.toISOString().slice(0, 10);
    const diffs = [
      { kind: "amount", outTradeNo: a.outTradeNo, deltaMinor: 3 },
      { kind: "fee", outTradeNo: f.outTradeNo, deltaMinor: 5 },
      { kind: "extra", amountMinor: 777 },
      { kind: "drop", outTradeNo: dropped.outTradeNo },
      { kind: "late", outTradeNo: moved.outTradeNo },
    ];
    await fetch(`${sim.url}/__sim/statement-diffs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ billDate, diffs }) });
    const account = await t.run((tx) => connectorConfig(tx, t.ctx, wechat.id));
    const bytes = (await connectorFor("WECHAT").downloadStatement({ account }, { billDate, billType: "ALL" })).bytes;
    const imported = await importStatement(t.ctx, { channelAccountId: wechat.id, billDate, fileName: "custodial.csv", bytes, source: "UPLOAD" });
    expect(imported.reconciliation).toMatchObject({ differences: { AMOUNT: 1, FEE: 1, CHANNEL_ONLY: 1 } });

    const open = await t.run((tx) => tx.exception.findMany({ where: { tenantId: t.tenantId, status: "OPEN", kind: { startsWith: "RECON_" } } }));
    expect(open.map((e) => e.kind).sort()).toEqual(["RECON_AMOUNT", "RECON_CHANNEL_ONLY", "RECON_FEE"]);
    const sumOf = (direction: string) => open.filter((e) => (e.details as { direction?: string }).direction === direction).reduce((s, e) => s + e.amountMinor, 0n);
    expect(sumOf("OVERAGE")).toBe(3n + 777n);
    expect(sumOf("SHORTAGE")).toBe(5n);
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.overageSuspense))).postedMinor).toBe(sumOf("OVERAGE"));
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.shortageSuspense))).postedMinor).toBe(sumOf("SHORTAGE"));
    // Closing one with a note alone would break that equality: refused.
    expect(await codeOf(t.run((tx) => resolveExceptionById(tx, t.ctx, open[0]!.id, "looked at it")))).toBe("EXCEPTION_NEEDS_RESOLUTION");
    // Reconciling again posts nothing more.
    await reconcileStatementFile(t.ctx, imported.fileId);
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.overageSuspense))).postedMinor).toBe(780n);

    // The fee shortage is written off to loss through maker-checker; the equality still holds.
    const [maker, checker] = await t.run(async (tx) => {
      const out: TenantContext[] = [];
      for (const k of ["f1", "f2"]) {
        const u = await createUser(tx, t.ctx, { email: `${k}@${t.slug}.test`, name: k, role: "FINANCE", password: "Test-password-1" });
        out.push({ tenantId: t.tenantId, actor: { kind: "USER", userId: u!.id, email: u!.email, role: "FINANCE", merchantId: null } });
      }
      return out as [TenantContext, TenantContext];
    });
    const feeItem = open.find((e) => e.kind === "RECON_FEE")!;
    const proposal = await t.run((tx) => createProposal(tx, maker, { kind: "recon.write_off", reason: "channel fee rounding agreed with WeChat", payload: { exceptionId: feeItem.id, note: "agreed with the channel" } }));
    await t.run((tx) => decideProposal(tx, checker, { id: proposal.id, decision: "APPROVE" }));
    expect((await t.run((tx) => tx.exception.findFirstOrThrow({ where: { tenantId: t.tenantId, id: feeItem.id } }))).status).toBe("WRITTEN_OFF");
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.shortageSuspense))).postedMinor).toBe(0n);
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.writeOffLoss))).postedMinor).toBe(5n);
    expect(await codeOf(t.run((tx) => createProposal(tx, maker, { kind: "recon.write_off", reason: "again", payload: { exceptionId: feeItem.id, note: "again" } })))).toBe("EXCEPTION_NOT_OPEN");

    // The dropped payment waits in the pool (no posting); the next day's bill lacks it too: a 短款 posted then.
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.shortageSuspense))).postedMinor).toBe(0n);
    const nextDay = new Date(Date.parse(`${billDate}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const day2 = (await connectorFor("WECHAT").downloadStatement({ account }, { billDate: nextDay, billType: "ALL" })).bytes;
    await importStatement(t.ctx, { channelAccountId: wechat.id, billDate: nextDay, fileName: "custodial-2.csv", bytes: day2, source: "UPLOAD" });
    const stillOpen = await t.run((tx) => tx.exception.findMany({ where: { tenantId: t.tenantId, status: "OPEN", kind: { startsWith: "RECON_" } } }));
    const shortages = stillOpen.filter((e) => (e.details as { direction?: string }).direction === "SHORTAGE");
    expect(shortages.map((e) => [e.kind, e.amountMinor])).toEqual([["RECON_PLATFORM_ONLY", 1_500n]]);
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.shortageSuspense))).postedMinor).toBe(1_500n);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("reconciles in rounds of their own: a run stopped part-way keeps its rounds, blocks the day's close, and goes on where it stopped (two runs at once take turns)", async () => {
    process.env.SWITCHYARD_RECON_CHUNK = "2";
    onTestFinished(() => void delete process.env.SWITCHYARD_RECON_CHUNK);
    const sim = await startWechatSimulator({ notifyDelayMs: 60_000, feeRatePpm: 2_000 });
    onTestFinished(() => sim.close());
    const { t, wechat, pay } = await custodialWechat(sim, "RD", 300);
    const payments: Awaited<ReturnType<typeof pay>>[] = [];
    for (const amount of [1_100n, 2_200n, 3_300n, 4_400n, 5_500n, 6_600n, 7_700n]) payments.push(await pay(amount));
    const billDate = payments[0]!.businessDate.toISOString().slice(0, 10);
    const diffs = [
      { kind: "amount", outTradeNo: payments[1]!.outTradeNo, deltaMinor: 2 },
      { kind: "extra", amountMinor: 333 },
      { kind: "drop", outTradeNo: payments[5]!.outTradeNo },
    ];
    await fetch(`${sim.url}/__sim/statement-diffs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ billDate, diffs }) });
    const account = await t.run((tx) => connectorConfig(tx, t.ctx, wechat.id));
    const bytes = (await connectorFor("WECHAT").downloadStatement({ account }, { billDate, billType: "ALL" })).bytes;
    const stored = await storeStatement(t.ctx, { channelAccountId: wechat.id, billDate, fileName: "rounds.csv", bytes, source: "UPLOAD" });
    expect(stored.outcome).toBe("IMPORTED");
    const lineCount = await t.run((tx) => tx.statementLine.count({ where: { tenantId: t.tenantId, fileId: stored.fileId } }));
    expect(lineCount).toBe(7); // six of our payments and the extra line

    // Two rounds commit, then the run stops (a crash, a timeout): what they did stays.
    expect(await reconcileRound(t.ctx, stored.fileId)).toBeNull();
    expect(await reconcileRound(t.ctx, stored.fileId)).toBeNull();
    const file = await t.run((tx) => tx.statementFile.findFirstOrThrow({ where: { tenantId: t.tenantId, id: stored.fileId } }));
    expect(file.reconciledAt).toBeNull();
    const firstFour = await t.run((tx) => tx.statementLine.findMany({ where: { tenantId: t.tenantId, fileId: stored.fileId }, orderBy: { lineNo: "asc" }, take: 4 }));
    expect(file.reconLineNo).toBe(firstFour[3]!.lineNo);
    const partial = await t.run((tx) => tx.reconItem.findMany({ where: { tenantId: t.tenantId, fileId: stored.fileId } }));
    expect(partial.map((i) => i.lineId).sort()).toEqual(firstFour.map((l) => l.id).sort());
    // The day cannot close on a statement part-way through.
    const blockers = await t.run((tx) => dayCloseBlockers(tx, t.ctx, billDate));
    expect(blockers.find((b) => b.code === "STATEMENT_NOT_RECONCILED")?.ids).toEqual([stored.fileId]);

    // Two runs at once go on from there, taking turns on the file: one outcome per line, the same summary.
    const [one, two] = await Promise.all([reconcileStatementFile(t.ctx, stored.fileId), reconcileStatementFile(t.ctx, stored.fileId)]);
    expect(two).toEqual(one);
    expect(one).toMatchObject({ reconciled: true, byOutcome: { MATCHED: 5, DIFFERENCE: 2, PENDING: 1 }, differences: { AMOUNT: 1, CHANNEL_ONLY: 1 } });
    const items = await t.run((tx) => tx.reconItem.findMany({ where: { tenantId: t.tenantId, fileId: stored.fileId } }));
    expect(items.filter((i) => i.lineId !== null)).toHaveLength(lineCount);
    expect(new Set(items.map((i) => i.itemKey)).size).toBe(items.length);
    expect(items.find((i) => i.paymentId === payments[5]!.id)).toMatchObject({ outcome: "PENDING", diffType: "PLATFORM_ONLY" });
    // Each difference posted its suspense entry once: Σ open items per direction = the suspense balance.
    const open = await t.run((tx) => tx.exception.findMany({ where: { tenantId: t.tenantId, status: "OPEN", kind: { startsWith: "RECON_" } } }));
    expect(open.map((e) => [e.kind, e.amountMinor]).sort()).toEqual([["RECON_AMOUNT", 2n], ["RECON_CHANNEL_ONLY", 333n]]);
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.overageSuspense))).postedMinor).toBe(335n);
    expect((await t.run((tx) => dayCloseBlockers(tx, t.ctx, billDate))).find((b) => b.code === "STATEMENT_NOT_RECONCILED")).toBeUndefined();
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("matches a payment or a refund once: a repeat in the same bill or a later one is a CHANNEL_ONLY difference naming the first line; a refund shown processing is released when a later bill shows it final", async () => {
    const t = await makeTenant();
    const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Twice Noodles"))))!;
    const sandbox = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" }, select: { id: true } }));
    const paid = await createTestPayment(t.ctx, { merchantId: m.id, amountMinor: 12_300n, product: "WECHAT_QR", subject: "twice" });
    const other = await createTestPayment(t.ctx, { merchantId: m.id, amountMinor: 4_000n, product: "WECHAT_QR", subject: "twice" });
    const refund = await createRefund(t.ctx, { paymentId: paid.id, merchantRefundNo: `TW-${Date.now()}`, amountMinor: 500n, reason: "one item", origin: "CONSOLE" });
    const slow = await createRefund(t.ctx, { paymentId: other.id, merchantRefundNo: `TW-${Date.now()}-s`, amountMinor: 700n, reason: "one item", origin: "CONSOLE" });
    expect([refund.status, slow.status]).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    const cost = async (id: string) => (await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id } }))).costMinor;
    const billDate = paid.businessDate.toISOString().slice(0, 10);
    const day1 = csv([sale(paid, await cost(paid.id)), sale(paid, await cost(paid.id)), sale(other, await cost(other.id)), back(paid.outTradeNo, refund, "SUCCESS"), back(paid.outTradeNo, refund, "SUCCESS"), back(other.outTradeNo, slow, "PROCESSING")]);
    const template = await acquirerTemplate(t, day1);
    const first = await importStatement(t.ctx, { channelAccountId: sandbox.id, billDate, templateId: template.id, fileName: "day1.csv", bytes: day1, source: "UPLOAD" });
    /** A file's items by the line number of their statement line. */
    const itemsByLine = async (fileId: string) => {
      const lineNos = new Map((await t.run((tx) => tx.statementLine.findMany({ where: { tenantId: t.tenantId, fileId }, select: { id: true, lineNo: true } }))).map((l) => [l.id, l.lineNo]));
      const items = await t.run((tx) => tx.reconItem.findMany({ where: { tenantId: t.tenantId, fileId, lineId: { not: null } } }));
      return (lineNo: number) => items.find((i) => lineNos.get(i.lineId!) === lineNo);
    };
    const at = await itemsByLine(first.fileId);
    expect(at(2)).toMatchObject({ outcome: "MATCHED", paymentId: paid.id });
    expect(at(3)).toMatchObject({ outcome: "DIFFERENCE", diffType: "CHANNEL_ONLY", direction: "OVERAGE", diffMinor: 12_300n, paymentId: null, note: `payment ${paid.outTradeNo} shown again: already on line 2 of this bill` });
    expect(at(4)).toMatchObject({ outcome: "MATCHED", paymentId: other.id });
    expect(at(5)).toMatchObject({ outcome: "MATCHED", refundId: refund.id });
    expect(at(6)).toMatchObject({ outcome: "DIFFERENCE", diffType: "CHANNEL_ONLY", direction: "SHORTAGE", diffMinor: -500n, refundId: null, note: `refund ${refund.outRefundNo} shown again: already on line 5 of this bill` });
    expect(at(7)).toMatchObject({ outcome: "PENDING", refundId: slow.id });
    expect(first.reconciliation?.differences).toEqual({ CHANNEL_ONLY: 2 });
    // One exception per repeat, with the amount the channel showed twice.
    expect(await t.run((tx) => tx.exception.count({ where: { tenantId: t.tenantId, kind: "RECON_CHANNEL_ONLY" } }))).toBe(2);

    // The next day's bill shows the payment once more, and the slow refund final.
    const day2 = csv([sale(paid, await cost(paid.id)), back(other.outTradeNo, slow, "SUCCESS")]);
    const second = await importStatement(t.ctx, { channelAccountId: sandbox.id, billDate: addDay(billDate), templateId: template.id, fileName: "day2.csv", bytes: day2, source: "UPLOAD" });
    const at2 = await itemsByLine(second.fileId);
    expect(at2(2)).toMatchObject({ outcome: "DIFFERENCE", diffType: "CHANNEL_ONLY", direction: "OVERAGE", note: `payment ${paid.outTradeNo} shown again: already on line 2 of day1.csv (${billDate})` });
    expect(at2(3)).toMatchObject({ outcome: "MATCHED", refundId: slow.id });
    expect((await t.run((tx) => tx.reconItem.findFirstOrThrow({ where: { tenantId: t.tenantId, id: at(7)!.id } }))).outcome).toBe("RELEASED");
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("a refund we booked that a bill listing refunds lacks waits in the pool, then is a PLATFORM_ONLY 长款 with its suspense entry, released when a later bill shows it", async () => {
    const t = await makeTenant({ mode: "CUSTODIAL" });
    const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Missing Refund Noodles"))))!;
    const sandbox = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" }, select: { id: true } }));
    const paid = await createTestPayment(t.ctx, { merchantId: m.id, amountMinor: 12_300n, product: "WECHAT_QR", subject: "missing refund" });
    const shown = await createRefund(t.ctx, { paymentId: paid.id, merchantRefundNo: `MR-${Date.now()}-a`, amountMinor: 500n, reason: "one item", origin: "CONSOLE" });
    const lost = await createRefund(t.ctx, { paymentId: paid.id, merchantRefundNo: `MR-${Date.now()}-b`, amountMinor: 700n, reason: "one item", origin: "CONSOLE" });
    const { costMinor } = await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: paid.id } }));
    const billDate = paid.businessDate.toISOString().slice(0, 10);
    const overage = async () => (await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.overageSuspense))).postedMinor;
    const day1 = csv([sale(paid, costMinor), back(paid.outTradeNo, shown, "SUCCESS")]);
    const template = await acquirerTemplate(t, day1);
    const imports = (date: string, fileName: string, bytes: Buffer) => importStatement(t.ctx, { channelAccountId: sandbox.id, billDate: date, templateId: template.id, fileName, bytes, source: "UPLOAD" });

    const first = await imports(billDate, "day1.csv", day1);
    expect(first.reconciliation?.byOutcome).toEqual({ MATCHED: 2, PENDING: 1 });
    const pooled = await t.run((tx) => tx.reconItem.findFirstOrThrow({ where: { tenantId: t.tenantId, refundId: lost.id } }));
    expect(pooled).toMatchObject({ outcome: "PENDING", diffType: "PLATFORM_ONLY", fileId: first.fileId, lineId: null, diffMinor: 700n });

    // The next day's bill lacks it too: the pool expires into a 长款 (we booked money out that the channel still holds).
    const day2 = csv([["NOT-OURS-1", "5.00", "0.00", "消费", "2026-11-02 10:00:00", "", "SUCCESS"]]);
    await imports(addDay(billDate), "day2.csv", day2);
    expect(await t.run((tx) => tx.reconItem.findFirstOrThrow({ where: { tenantId: t.tenantId, id: pooled.id } }))).toMatchObject({ outcome: "DIFFERENCE", direction: "OVERAGE" });
    const ex = await t.run((tx) => tx.exception.findFirstOrThrow({ where: { tenantId: t.tenantId, kind: "RECON_PLATFORM_ONLY", causeId: pooled.id } }));
    expect(ex).toMatchObject({ status: "OPEN", amountMinor: 700n });
    expect((ex.details as { refundId?: string }).refundId).toBe(lost.id);
    expect(await overage()).toBe(700n + 500n);

    // A later bill shows the refund after all: released with its suspense entry.
    const day3 = csv([back(paid.outTradeNo, lost, "SUCCESS")]);
    const third = await imports(addDay(addDay(billDate)), "day3.csv", day3);
    expect(third.reconciliation?.byOutcome).toEqual({ MATCHED: 1 });
    expect((await t.run((tx) => tx.reconItem.findFirstOrThrow({ where: { tenantId: t.tenantId, id: pooled.id } }))).outcome).toBe("RELEASED");
    const released = await t.run((tx) => tx.exception.findFirstOrThrow({ where: { tenantId: t.tenantId, id: ex.id } }));
    expect([released.status, released.resolution]).toEqual(["RESOLVED", `Released automatically: the refund was shown on the bill of ${addDay(addDay(billDate))}`]);
    expect(await overage()).toBe(500n);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("the same day's bills of another type are not repeats; a refund the channel closed closes ours (or is a 长款 when we booked it); a reversal of a succeeded payment is matched, never pooled", async () => {
    const t = await makeTenant({ mode: "CUSTODIAL" });
    const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Edge Noodles"))))!;
    const sandbox = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" }, select: { id: true } }));
    const paid = await createTestPayment(t.ctx, { merchantId: m.id, amountMinor: 12_300n, product: "WECHAT_QR", subject: "edge" });
    const other = await createTestPayment(t.ctx, { merchantId: m.id, amountMinor: 8_000n, product: "WECHAT_QR", subject: "edge" });
    const reversedPay = await createTestPayment(t.ctx, { merchantId: m.id, amountMinor: 6_000n, product: "WECHAT_QR", subject: "edge" });
    const cost = async (id: string) => (await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id } }))).costMinor;
    // A refund still processing here (…02) that the channel closed; one we booked as succeeded that the channel closed too.
    const slow = await createRefund(t.ctx, { paymentId: paid.id, merchantRefundNo: `ED-${Date.now()}-s`, amountMinor: 1_002n, reason: "one item", origin: "CONSOLE" });
    const booked = await createRefund(t.ctx, { paymentId: other.id, merchantRefundNo: `ED-${Date.now()}-b`, amountMinor: 500n, reason: "one item", origin: "CONSOLE" });
    expect([slow.status, booked.status]).toEqual(["PROCESSING", "SUCCEEDED"]);
    // The success arrived while our reversal was on its way: recorded as a REVERSAL refund, as reversePayment does.
    const reversal = await t.run(async (tx) => {
      const r = await recordRefund(tx, t.ctx, { paymentId: reversedPay.id, merchantRefundNo: `REVERSAL-${reversedPay.id}`, amountMinor: 6_000n, reason: "Reversed at the channel after the payer had paid", origin: "REVERSAL" });
      return applyRefundResult(tx, t.ctx, r.id, { status: "SUCCEEDED" }, "REVERSE");
    });
    const billDate = paid.businessDate.toISOString().slice(0, 10);
    const day = csv([
      sale(paid, await cost(paid.id)),
      sale(other, await cost(other.id)),
      sale(reversedPay, await cost(reversedPay.id)),
      back(paid.outTradeNo, slow, "REFUNDCLOSE"),
      back(other.outTradeNo, booked, "REFUNDCLOSE"),
      back(reversedPay.outTradeNo, { outRefundNo: "", amountMinor: 6_000n }, "SUCCESS"),
    ]);
    const template = await acquirerTemplate(t, day);
    const imports = (billType: string) => importStatement(t.ctx, { channelAccountId: sandbox.id, billDate, billType, templateId: template.id, fileName: `${billType}.csv`, bytes: day, source: "UPLOAD" });
    const all = await imports("ALL");
    const at = async (fileId: string) => {
      const lineNos = new Map((await t.run((tx) => tx.statementLine.findMany({ where: { tenantId: t.tenantId, fileId }, select: { id: true, lineNo: true } }))).map((l) => [l.id, l.lineNo]));
      const items = await t.run((tx) => tx.reconItem.findMany({ where: { tenantId: t.tenantId, fileId } }));
      return (lineNo: number) => items.find((i) => lineNos.get(i.lineId ?? "") === lineNo);
    };
    const item = await at(all.fileId);
    expect(item(2)).toMatchObject({ outcome: "MATCHED", paymentId: paid.id });
    expect(item(5)).toMatchObject({ outcome: "MATCHED", refundId: slow.id, note: "closed at the channel (REFUNDCLOSE)" });
    expect((await t.run((tx) => tx.refund.findFirstOrThrow({ where: { tenantId: t.tenantId, id: slow.id } }))).status).toBe("CLOSED");
    expect(item(6)).toMatchObject({ outcome: "DIFFERENCE", diffType: "STATUS", direction: "OVERAGE", refundId: booked.id, diffMinor: 500n });
    expect(item(7)).toMatchObject({ outcome: "MATCHED", refundId: reversal.id, note: "the reversal of a succeeded payment" });
    // Nothing of ours is missing from the bill: the reversal's refund number is ours alone, never pooled.
    expect(all.reconciliation?.byOutcome).toEqual({ MATCHED: 5, DIFFERENCE: 1 });

    // The same day's SUCCESS bill shows the same payments: no repeats.
    const success = await imports("SUCCESS");
    const item2 = await at(success.fileId);
    expect([item2(2)?.outcome, item2(3)?.outcome, item2(4)?.outcome]).toEqual(["MATCHED", "MATCHED", "MATCHED"]);
    expect(await ownerQuery(db.url, `SELECT count(*)::int AS n FROM exception WHERE tenant_id = $1 AND kind = 'RECON_CHANNEL_ONLY'`, [t.tenantId])).toEqual([{ n: 0 }]);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });
});
