import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { connectorFor } from "@/server/channels/registry";
import { connectorConfig, setChannelAccountEnabled } from "@/server/core/channels/accounts";
import { seedSimulatorChannels } from "@/server/core/channels/demo";
import { getBalanceByRef } from "@/server/core/ledger/service";
import { accounts } from "@/server/core/ledger/templates";
import { createMerchant } from "@/server/core/merchants/service";
import { registrationIdentity } from "@/server/core/payments/common";
import { createRefund } from "@/server/core/payments/refunds";
import { createPayment, reversePayment } from "@/server/core/payments/service";
import { startAlipaySimulator, type AlipaySimulator } from "@/server/simulators/alipay/simulator";
import { parseAlipayBusinessDetail } from "./parsers/alipay-business-detail";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { checkLedgerInvariants } from "@/server/testing/ledger";
import { makeTenant } from "@/server/testing/tenants";
import { fetchDueStatements } from "./fetch-job";
import { importStatement } from "./import";
import { reconcileStatementFile } from "./reconcile";
import "@/server/core/payments/register";

// The reconciliation proof matrix, Alipay (issue 6): the 业务明细 bill as the Alipay simulator
// serves it (a zip of GBK csv with # header and footer lines, yuan, refunds negative), downloaded
// through the connector, imported and reconciled against payments and refunds made through the
// same simulator. Differences are injected at the simulator's /__sim/statement-diffs:
//   amount ±fen → an AMOUNT difference whose direction follows the money (长款 up, 短款 down);
//   extra       → a line for a trade we never made: CHANNEL_ONLY 长款; naming one of our orders, the
//                 payment shown twice: its first line matches, the repeat is a CHANNEL_ONLY 长款;
//   drop        → our payment waits in the cross-day pool, then (the next day's bill lacks it too)
//                 is a PLATFORM_ONLY 短款 with its suspense entry;
//   late        → pooled on day 1, released by day 2's bill, whose line is matched;
//   coupon      → 商家实收 below the order (商家优惠): an AMOUNT 短款 noting the coupon;
//   fee         → a FEE difference (the channel took more than our cost).
// Two partial refunds of one payment are each matched. Every line has exactly one outcome, and
// importing or reconciling the same file again changes nothing.
//
// The Alipay simulator refuses a bill date after its own (Beijing) today, so its clock is moved a
// day ahead before the next day's bill is fetched. The simulator's 业务类型 `status` difference
// prints a label other than 交易/退款, which the parser refuses whole (there is no revoked row in
// this format): reconciliation of revoked trades is proven on the WeChat bill (reconcile-cases).

process.env.DATABASE_POOL_SIZE = "20";
let db: TestDatabase;
let sim: AlipaySimulator;
let clockShiftMs = 0;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("clearing_recon_alipay");
  // The seeded Alipay account (the tenant's only simulator account) costs 0.2 %: the simulator charges the same.
  sim = await startAlipaySimulator({ feeRatePpm: 2_000, notifyDelayMs: 60_000, now: () => new Date(Date.now() + clockShiftMs) });
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

const addDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

async function injectDiffs(billDate: string, diffs: unknown[]): Promise<void> {
  const r = await fetch(`${sim.url}/__sim/statement-diffs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ billDate, diffs }) });
  expect(r.status).toBe(200);
}

describe("Alipay 业务明细 reconciliation end to end", () => {
  it("matches, classifies by type and direction, pools and expires, releases a late line, matches partial refunds; a second run changes nothing", async () => {
    const t = await makeTenant({ mode: "CUSTODIAL" });
    const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Alipay Recon Noodles"))))!;
    const alipay = await t.run(async (tx) => {
      await seedSimulatorChannels(tx, t.ctx, { ALIPAY: sim.url }, { zh: false, custodial: true });
      const sandbox = await tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" } });
      await setChannelAccountEnabled(tx, t.ctx, { id: sandbox.id, enabled: false });
      return tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "ALIPAY" } });
    });
    let n = 0;
    const pay = async (amountMinor: bigint) => {
      const p = await createPayment(t.ctx, { merchantId: m.id, merchantOrderNo: `AL-${Date.now()}-${++n}`, amountMinor, product: "ALIPAY_CODE", elements: { authCode: `28${String(n).padStart(16, "0")}` }, subject: "Alipay recon" });
      expect(p.status).toBe("SUCCEEDED");
      return p;
    };
    const matched = await pay(1_280n);
    const over = await pay(4_500n);
    const under = await pay(3_000n);
    const dropped = await pay(660n);
    const moved = await pay(990n);
    const coupon = await pay(2_000n);
    const fee = await pay(50_000n);
    const refunded = await pay(10_000n);
    // Two partial refunds of one payment (Alipay's out_request_no tells them apart).
    const r1 = await createRefund(t.ctx, { paymentId: refunded.id, merchantRefundNo: `ALR-${Date.now()}-1`, amountMinor: 3_000n, reason: "one item", origin: "CONSOLE" });
    const r2 = await createRefund(t.ctx, { paymentId: refunded.id, merchantRefundNo: `ALR-${Date.now()}-2`, amountMinor: 2_500n, reason: "another item", origin: "CONSOLE" });
    expect([r1.status, r2.status]).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    const costOf = async (id: string) => (await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id } }))).costMinor;
    expect(await costOf(fee.id)).toBe(100n); // 0.2 % of 500.00, as the simulator charges

    const billDate = matched.businessDate.toISOString().slice(0, 10);
    await injectDiffs(billDate, [
      { kind: "amount", outTradeNo: over.outTradeNo, deltaMinor: 3 },
      { kind: "amount", outTradeNo: under.outTradeNo, deltaMinor: -2 },
      { kind: "drop", outTradeNo: dropped.outTradeNo },
      { kind: "late", outTradeNo: moved.outTradeNo },
      { kind: "coupon", outTradeNo: coupon.outTradeNo, deltaMinor: 100 },
      { kind: "fee", outTradeNo: fee.outTradeNo, deltaMinor: 7 },
      { kind: "extra", amountMinor: 777 },
      // The channel prints a payment of ours a second time (same order, same amount).
      { kind: "extra", outTradeNo: matched.outTradeNo, amountMinor: 1_280 },
    ]);
    const { account, registration } = await t.run(async (tx) => ({ account: await connectorConfig(tx, t.ctx, alipay.id), registration: await registrationIdentity(tx, t.ctx, matched.registrationId) }));
    const download = async (date: string) => connectorFor("ALIPAY").downloadStatement({ account, registration }, { billDate: date, billType: "trade" });

    const day1 = await download(billDate);
    expect(day1.fileName).toMatch(/\.csv\.zip$/);
    // The bill is the real shape: a zip whose 业务明细 csv is GBK (the parser reads it as such).
    const parsed = parseAlipayBusinessDetail(day1.bytes);
    expect(parsed).toMatchObject({ format: "ALIPAY_BUSINESS_DETAIL", billDate });
    expect(parsed.lines.map((l) => l.kind).sort()).toEqual([...Array<string>(8).fill("PAYMENT"), "REFUND", "REFUND"]);

    const first = await importStatement(t.ctx, { channelAccountId: alipay.id, billDate, fileName: day1.fileName, bytes: day1.bytes, source: "UPLOAD" });
    expect(first).toMatchObject({ outcome: "IMPORTED", format: "ALIPAY_BUSINESS_DETAIL", lines: 10, byKind: { PAYMENT: 8, REFUND: 2 } });
    const items = await t.run((tx) => tx.reconItem.findMany({ where: { tenantId: t.tenantId, fileId: first.fileId } }));
    const of = (paymentId: string) => items.filter((i) => i.paymentId === paymentId);
    expect(of(matched.id)).toEqual([expect.objectContaining({ outcome: "MATCHED", diffType: null, diffMinor: 0n })]);
    expect(of(over.id)).toEqual([expect.objectContaining({ outcome: "DIFFERENCE", diffType: "AMOUNT", direction: "OVERAGE", ourMinor: 4_500n, theirMinor: 4_503n, diffMinor: 3n })]);
    expect(of(under.id)).toEqual([expect.objectContaining({ outcome: "DIFFERENCE", diffType: "AMOUNT", direction: "SHORTAGE", ourMinor: 3_000n, theirMinor: 2_998n, diffMinor: -2n })]);
    expect(of(dropped.id)).toEqual([expect.objectContaining({ outcome: "PENDING", diffType: "PLATFORM_ONLY", lineId: null, diffMinor: -660n })]);
    expect(of(moved.id)).toEqual([expect.objectContaining({ outcome: "PENDING", diffType: "PLATFORM_ONLY", lineId: null, diffMinor: -990n })]);
    // 商家实收 19.00 of an order of 20.00: the merchant funded a coupon; we booked the order.
    expect(of(coupon.id)).toEqual([
      expect.objectContaining({ outcome: "DIFFERENCE", diffType: "AMOUNT", direction: "SHORTAGE", ourMinor: 2_000n, theirMinor: 1_900n, diffMinor: -100n, note: "order 2000, settleable 1900: a coupon of 100 the merchant funds" }),
    ]);
    // 服务费 1.07 against our cost of 1.00: the channel took 7 fen more, a 短款.
    expect(of(fee.id)).toEqual([expect.objectContaining({ outcome: "DIFFERENCE", diffType: "FEE", direction: "SHORTAGE", ourMinor: 100n, theirMinor: 107n, diffMinor: -7n })]);
    expect(of(refunded.id)).toEqual([expect.objectContaining({ outcome: "MATCHED" })]);
    for (const r of [r1, r2]) expect(items.filter((i) => i.refundId === r.id)).toEqual([expect.objectContaining({ outcome: "MATCHED", diffMinor: 0n })]);
    // A trade we never made, and our payment shown a second time: both money the channel alone shows, 长款.
    const lines = await t.run((tx) => tx.statementLine.findMany({ where: { tenantId: t.tenantId, fileId: first.fileId }, select: { id: true, lineNo: true, outTradeNo: true } }));
    const channelOnly = items.filter((i) => i.diffType === "CHANNEL_ONLY").sort((a, b) => Number(a.diffMinor - b.diffMinor));
    expect(channelOnly).toEqual([
      expect.objectContaining({ outcome: "DIFFERENCE", direction: "OVERAGE", theirMinor: 777n, diffMinor: 777n, paymentId: null, refundId: null }),
      expect.objectContaining({ outcome: "DIFFERENCE", direction: "OVERAGE", theirMinor: 1_280n, diffMinor: 1_280n, paymentId: null, refundId: null }),
    ]);
    const matchedLines = lines.filter((l) => l.outTradeNo === matched.outTradeNo).sort((a, b) => a.lineNo - b.lineNo);
    expect(matchedLines).toHaveLength(2);
    expect(items.find((i) => i.lineId === matchedLines[0]!.id)).toMatchObject({ outcome: "MATCHED", paymentId: matched.id });
    expect(items.find((i) => i.lineId === matchedLines[1]!.id)).toMatchObject({ outcome: "DIFFERENCE", diffType: "CHANNEL_ONLY", note: `payment ${matched.outTradeNo} shown again: already on line ${matchedLines[0]!.lineNo} of this bill` });

    // Every line has exactly one outcome; the two pooled payments are the only items without a line.
    expect(lines).toHaveLength(10);
    expect(items.filter((i) => i.lineId !== null).map((i) => i.lineId).sort()).toEqual(lines.map((l) => l.id).sort());
    expect(items.filter((i) => i.lineId === null).map((i) => i.paymentId).sort()).toEqual([dropped.id, moved.id].sort());
    expect(first.reconciliation).toMatchObject({ reconciled: true, byOutcome: { MATCHED: 4, DIFFERENCE: 6, PENDING: 2 }, differences: { AMOUNT: 3, FEE: 1, CHANNEL_ONLY: 2 } });

    // CUSTODIAL: each difference opened its exception and its own suspense entry.
    const open = await t.run((tx) => tx.exception.findMany({ where: { tenantId: t.tenantId, status: "OPEN", kind: { startsWith: "RECON_" } } }));
    expect(open.map((e) => e.kind).sort()).toEqual(["RECON_AMOUNT", "RECON_AMOUNT", "RECON_AMOUNT", "RECON_CHANNEL_ONLY", "RECON_CHANNEL_ONLY", "RECON_FEE"]);
    const suspense = async () => ({
      overage: (await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.overageSuspense))).postedMinor,
      shortage: (await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.shortageSuspense))).postedMinor,
    });
    expect(await suspense()).toEqual({ overage: 3n + 777n + 1_280n, shortage: 2n + 100n + 7n });

    // Running it again, and importing the same bytes again, change nothing.
    const snapshot = async () =>
      (await t.run((tx) => tx.reconItem.findMany({ where: { tenantId: t.tenantId }, orderBy: { id: "asc" } }))).map((i) => [i.id, i.fileId, i.lineId, i.outcome, i.diffType, i.direction, i.diffMinor, i.note]);
    const before = await snapshot();
    expect(await reconcileStatementFile(t.ctx, first.fileId)).toEqual(first.reconciliation);
    const same = await importStatement(t.ctx, { channelAccountId: alipay.id, billDate, fileName: day1.fileName, bytes: day1.bytes, source: "UPLOAD" });
    expect(same).toMatchObject({ fileId: first.fileId, outcome: "ALREADY_IMPORTED" });
    expect(await snapshot()).toEqual(before);
    expect(await suspense()).toEqual({ overage: 2_060n, shortage: 109n });
    expect(await t.run((tx) => tx.exception.count({ where: { tenantId: t.tenantId, kind: { startsWith: "RECON_" } } }))).toBe(6);

    // The next day's bill (the simulator's clock a day on): the late line is there, the dropped one is not.
    clockShiftMs = 86_400_000;
    const nextDate = addDay(billDate);
    const day2 = await download(nextDate);
    const second = await importStatement(t.ctx, { channelAccountId: alipay.id, billDate: nextDate, fileName: day2.fileName, bytes: day2.bytes, source: "UPLOAD" });
    expect(second).toMatchObject({ outcome: "IMPORTED", lines: 1, byKind: { PAYMENT: 1 } });
    expect(second.reconciliation).toMatchObject({ byOutcome: { MATCHED: 1 } });
    const day2Items = await t.run((tx) => tx.reconItem.findMany({ where: { tenantId: t.tenantId, fileId: second.fileId } }));
    expect(day2Items).toEqual([expect.objectContaining({ outcome: "MATCHED", paymentId: moved.id })]);
    const after = await t.run((tx) => tx.reconItem.findMany({ where: { tenantId: t.tenantId, fileId: first.fileId, lineId: null } }));
    expect(after.find((i) => i.paymentId === moved.id)).toMatchObject({ outcome: "RELEASED" });
    const expired = after.find((i) => i.paymentId === dropped.id)!;
    expect(expired).toMatchObject({ outcome: "DIFFERENCE", diffType: "PLATFORM_ONLY", direction: "SHORTAGE", diffMinor: -660n });
    expect(await t.run((tx) => tx.exception.count({ where: { tenantId: t.tenantId, kind: "RECON_PLATFORM_ONLY", causeId: expired.id } }))).toBe(1);
    expect(await suspense()).toEqual({ overage: 2_060n, shortage: 109n + 660n });
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  // BUG: fetchDueStatements (fetch-job.ts) calls downloadStatement with { account } only, but the
  // Alipay connector needs the merchant's registration (app_auth_token / smid: an ISV's bill is the
  // authorising merchant's), so it throws CONFIG_INVALID "Alipay registration.appAuthToken is
  // missing" and the job records NOT_AVAILABLE every run: Alipay bills are never fetched. (With
  // several merchants on one account there is also one bill per merchant, while import keeps one
  // current file per account, day and type.) Found 2026-11-29.
  it.fails("the scheduled statement fetch downloads and imports the Alipay bill of a day, which is reconciled", async () => {
    const clock = { shiftMs: 0 };
    const own = await startAlipaySimulator({ feeRatePpm: 2_000, notifyDelayMs: 60_000, now: () => new Date(Date.now() + clock.shiftMs) });
    onTestFinished(() => own.close());
    const t = await makeTenant();
    const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Alipay Fetch Noodles"))))!;
    await t.run(async (tx) => {
      await seedSimulatorChannels(tx, t.ctx, { ALIPAY: own.url }, { zh: false, custodial: false });
      const sandbox = await tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" } });
      await setChannelAccountEnabled(tx, t.ctx, { id: sandbox.id, enabled: false });
    });
    const p = await createPayment(t.ctx, { merchantId: m.id, merchantOrderNo: `ALF-${Date.now()}`, amountMinor: 2_345n, product: "ALIPAY_CODE", elements: { authCode: "280000000000000001" }, subject: "fetch" });
    expect(p.status).toBe("SUCCEEDED");
    const billDate = p.businessDate.toISOString().slice(0, 10);
    // The next morning at 11:00 Beijing time, when Alipay has published the day's bill.
    const nextMorning = new Date(Date.parse(`${addDay(billDate)}T11:00:00+08:00`));
    clock.shiftMs = nextMorning.getTime() - Date.now();
    const outcomes = await fetchDueStatements(t.ctx, nextMorning);
    expect(outcomes).toEqual([expect.objectContaining({ billDate, outcome: "IMPORTED", reconciliation: expect.objectContaining({ byOutcome: { MATCHED: 1 } }) })]);
  });

  // A trade reversed (撤销) after the payer paid is on the 业务明细 bill as its 交易 row and a 退款 row
  // without a request number (备注 撤销; the simulator's reading, [U] in channels.md): the two net to
  // nothing against our closed payment (until 2026-11-29 the 交易 row made it a late success,
  // refunded a second time).
  it("a payment we reversed (撤销) after the payer paid: the bill's 交易 line and its 撤销 退款 line net to nothing against our closed payment", async () => {
    const own = await startAlipaySimulator({ feeRatePpm: 2_000, notifyDelayMs: 60_000 });
    onTestFinished(() => own.close());
    const t = await makeTenant({ mode: "CUSTODIAL" });
    const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Alipay Reverse Noodles"))))!;
    const alipay = await t.run(async (tx) => {
      await seedSimulatorChannels(tx, t.ctx, { ALIPAY: own.url }, { zh: false, custodial: true });
      const sandbox = await tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" } });
      await setChannelAccountEnabled(tx, t.ctx, { id: sandbox.id, enabled: false });
      return tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "ALIPAY" } });
    });
    const plain = await createPayment(t.ctx, { merchantId: m.id, merchantOrderNo: `ALV-${Date.now()}-1`, amountMinor: 1_000n, product: "ALIPAY_CODE", elements: { authCode: "280000000000000011" }, subject: "reverse" });
    // The payer is still confirming: processing here.
    const p = await createPayment(t.ctx, { merchantId: m.id, merchantOrderNo: `ALV-${Date.now()}-2`, amountMinor: 4_200n, product: "ALIPAY_CODE", elements: { authCode: "280000000000000012" }, subject: "reverse sim:userpaying" });
    expect(p.status).toBe("PROCESSING");
    // The payer confirms at the channel (three queries of the simulator's own get it there) just before our query window ends and we reverse.
    const { account, registration } = await t.run(async (tx) => ({ account: await connectorConfig(tx, t.ctx, alipay.id), registration: await registrationIdentity(tx, t.ctx, p.registrationId) }));
    for (let i = 0; i < 3; i++) await connectorFor("ALIPAY").query({ account, registration }, { outTradeNo: p.outTradeNo });
    const reversed = await reversePayment(t.ctx, p.id, "QUERY_WINDOW");
    expect(reversed).toMatchObject({ status: "CLOSED" });

    const billDate = p.businessDate.toISOString().slice(0, 10);
    const bill = await connectorFor("ALIPAY").downloadStatement({ account, registration }, { billDate, billType: "trade" });
    const imported = await importStatement(t.ctx, { channelAccountId: alipay.id, billDate, fileName: bill.fileName, bytes: bill.bytes, source: "UPLOAD" });
    // The reversed trade is on the bill twice: paid (交易), then the money back (退款, no request number, 备注 撤销).
    expect(imported).toMatchObject({ outcome: "IMPORTED", lines: 3, byKind: { PAYMENT: 2, REFUND: 1 } });
    const items = await t.run((tx) => tx.reconItem.findMany({ where: { tenantId: t.tenantId, fileId: imported.fileId } }));
    expect(items.find((i) => i.paymentId === plain.id)).toMatchObject({ outcome: "MATCHED" });
    // Ours stays closed: no late success, no automatic refund of money the channel already returned, no difference.
    const after = await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: p.id } }));
    expect(after).toMatchObject({ status: "CLOSED", lateSuccess: false });
    expect(await t.run((tx) => tx.refund.count({ where: { tenantId: t.tenantId, paymentId: p.id } }))).toBe(0);
    expect(await t.run((tx) => tx.exception.findMany({ where: { tenantId: t.tenantId } }))).toEqual([]);
    expect(items).toHaveLength(3);
    expect(items.every((i) => i.outcome === "MATCHED")).toBe(true);
  });
});
