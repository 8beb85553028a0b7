import { createPrivateKey, createPublicKey } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { connectorFor } from "@/server/channels/registry";
import type { ChannelAccountConfig } from "@/server/channels/types";
import { connectorConfig } from "@/server/core/channels/accounts";
import { seedSimulatorChannels } from "@/server/core/channels/demo";
import { updateRegistration } from "@/server/core/channels/registrations";
import { createMerchant } from "@/server/core/merchants/service";
import { createRefund } from "@/server/core/payments/refunds";
import { reversePayment } from "@/server/core/payments/service";
import { createTestPayment } from "@/server/core/payments/test-payment";
import { startBankSimulator, type RunningBankSimulator } from "@/server/simulators/bank/simulator";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { checkLedgerInvariants } from "@/server/testing/ledger";
import { makeTenant } from "@/server/testing/tenants";
import { importStatement } from "./import";
import { parseUnionpayZm } from "./parsers/unionpay-zm";
import { readZip } from "./parsers/zip";
import { reconcileStatementFile } from "./reconcile";
import "@/server/core/payments/register";

// The reconciliation proof matrix, UnionPay ZM (issue 6): the bank simulator's file transfer
// (txnType 76: base64 of zlib of a zip holding INN{yyMMdd}88ZM_{merId}, 607-byte GBK fixed-width
// lines), downloaded through the bank connector, imported and reconciled. What the bank simulator
// can inject: amount ±fen, fee ±fen, coupon (优惠金额, settleable below the order), drop, late,
// extra (with or without another 商户代码). A void (消费撤销, txnType 31) of a paid consume is made
// at the bank, and refunds (退货, txnType 04) go through the bank from our refund service.
//
// How our payments get onto the bank account: the app has no way yet to take a BANK_QUICK payment
// (createPayment never offers the CONTRACT element the bank connector requires), so each payment
// is taken on the sandbox, charged at the bank simulator through the bank connector under the same
// out_trade_no, and then (owner SQL, a DIRECT tenant, whose ledger names no channel account) moved
// to the bank account with the bank's queryId: from there on the app treats it as a bank payment
// (our refunds of it go to the bank). The simulator charges the sandbox's 0.2 % so fees match.
//
// The bank registration's acquirerMerchantNo is set to the account's merId, what the bank prints
// in the ZM file's 商户代码 (a separate test covers the seed's own numbers).
//
// The simulator's `status` difference is not used: it relabels a consume line as a void (txnType
// 31) without the original's 原始交易订单号 / 原交易查询流水号, so the line names no trade (a
// simulator shortcoming); a real void made at the bank is used instead.

process.env.DATABASE_POOL_SIZE = "20";
let db: TestDatabase;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("clearing_recon_zm");
});
afterAll(async () => {
  await db?.drop();
});

const bank = connectorFor("BANK");
const addDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

async function simPost(sim: RunningBankSimulator, path: string, body: unknown): Promise<void> {
  const r = await fetch(`${sim.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(r.status, await r.text()).toBe(200);
}

async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A bank simulator of the test's own (statement differences are per bill date, whatever the
 * merchant), whose clock can be moved on (`clock.shiftMs`); a DIRECT tenant with a sandbox account
 * and a bank account at it, a merchant, a signed bank contract, and pay(amount).
 */
async function bankTenant(options: { coherentMerchantNo: boolean }) {
  const clock = { shiftMs: 0 };
  const sim = await startBankSimulator({ notifyDelayMs: 20, now: () => new Date(Date.now() + clock.shiftMs) });
  onTestFinished(() => sim.close());
  /** The bank's business date (23:00 Beijing cut-off) of now, as its simulator counts it. */
  const bankDay = () => new Date(Date.now() + clock.shiftMs + 9 * 3_600_000).toISOString().slice(0, 10);
  const t = await makeTenant();
  const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("ZM Recon Noodles"))))!;
  const { account, registration } = await t.run(async (tx) => {
    // `custodial` only decides whether the demo seed adds the bank account.
    await seedSimulatorChannels(tx, t.ctx, { BANK: sim.url }, { zh: false, custodial: true });
    const a = await tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "BANK" } });
    const r = await tx.merchantChannelRegistration.findFirstOrThrow({ where: { tenantId: t.tenantId, channelAccountId: a.id, merchantId: m.id } });
    return { account: await connectorConfig(tx, t.ctx, a.id), registration: r };
  });
  const merId = account.params.merId!;
  if (options.coherentMerchantNo) await t.run((tx) => updateRegistration(tx, t.ctx, { id: registration.id, acquirerMerchantNo: merId }));
  // The simulator merchant again, charging 0.2 % (the sandbox's cost rate, which our moved payments carry).
  const publicKeyPem = createPublicKey(createPrivateKey(account.credentials.merchantPrivateKeyPem!)).export({ type: "spki", format: "pem" }).toString();
  await simPost(sim, "/__sim/bank/merchants", { merId, certId: account.params.certId, publicKeyPem, feeRatePpm: 2_000 });
  const cctx = { account };
  const contractRef = `CT${Date.now()}`;
  expect((await bank.signContract!(cctx, { contractRef, accountNumber: "6222020200112231234", accountName: "李四", idNumber: "110101199003075678", phone: "13900139000" })).status).toBe("PENDING_SMS");
  const signed = await bank.confirmContract!(cctx, { contractRef, smsCode: "111111" });
  expect(signed.status).toBe("SIGNED");

  /**
   * Our payment (taken on the sandbox, then moved to the bank account) and the bank's charge of it.
   * An amount ending in 02 fen stays PROCESSING here (the sandbox's "user paying"), as when the
   * bank's answer never came.
   */
  const pay = async (amountMinor: bigint) => {
    const p = await createTestPayment(t.ctx, { merchantId: m.id, amountMinor, product: "WECHAT_QR", subject: "ZM recon" });
    expect(p.status).toBe(amountMinor % 100n === 2n ? "PROCESSING" : "SUCCEEDED");
    const charged = await bank.pay(cctx, { outTradeNo: p.outTradeNo, amountMinor, currency: "CNY", product: "BANK_QUICK", description: "ZM recon", contractId: signed.contractId! });
    expect(charged.status).toBe("PROCESSING");
    expect((await bank.query(cctx, { outTradeNo: p.outTradeNo })).status).toBe("SUCCEEDED");
    await ownerQuery(
      db.url,
      `UPDATE payment SET channel_account_id = $2, channel_version = $3, registration_id = $4, channel_trade_no = $5, product = 'BANK_QUICK', business_date = $6::date
        WHERE tenant_id = $1 AND id = $7`,
      [t.tenantId, account.channelAccountId, account.version, registration.id, charged.channelTradeNo, bankDay(), p.id],
    );
    return { ...p, businessDate: bankDay() };
  };
  /** The day's file transfer as the connector returns it (a zip), and the ZM file inside it. */
  const fetchZm = async (billDate: string) => {
    const zip = await bank.downloadStatement({ account }, { billDate, billType: "ZM" });
    const name = `INN${billDate.replaceAll("-", "").slice(2)}88ZM_${merId}`;
    const zm = readZip(zip.bytes).find((e) => e.name === name);
    expect(zm, `${name} in ${zip.fileName}`).toBeDefined();
    return { zip, fileName: name, bytes: zm!.read() };
  };
  /** Imports the day's ZM file taken out of the zip (a separate test imports the zip as downloaded). */
  const importDay = async (billDate: string) => {
    const { fileName, bytes } = await fetchZm(billDate);
    return { bytes, fileName, result: await importStatement(t.ctx, { channelAccountId: account.channelAccountId, billDate, fileName, bytes, source: "UPLOAD" }) };
  };
  return { sim, clock, t, m, account: account as ChannelAccountConfig, merId, cctx, pay, fetchZm, importDay };
}

describe("UnionPay ZM reconciliation end to end", () => {
  it("matches, classifies by type and direction, pools and expires, releases a late line, matches refunds, shows a void as a STATUS 短款; a second run changes nothing", async () => {
    const { sim, clock, t, cctx, pay, importDay, account } = await bankTenant({ coherentMerchantNo: true });
    const matched = await pay(1_000n);
    const over = await pay(4_500n);
    const under = await pay(3_000n);
    const feeOk = await pay(5_000n);
    const feeOff = await pay(6_000n);
    const coupon = await pay(7_000n);
    const dropped = await pay(1_500n);
    const moved = await pay(2_500n);
    const voided = await pay(8_000n);
    const refunded = await pay(10_000n);
    const billDate = matched.businessDate;

    // Two partial refunds through our refund service: the bank accepts them (processing) and settles them a moment later.
    const r1 = await createRefund(t.ctx, { paymentId: refunded.id, merchantRefundNo: `ZMR-${Date.now()}-1`, amountMinor: 3_000n, reason: "one item", origin: "CONSOLE" });
    const r2 = await createRefund(t.ctx, { paymentId: refunded.id, merchantRefundNo: `ZMR-${Date.now()}-2`, amountMinor: 2_000n, reason: "another item", origin: "CONSOLE" });
    expect([r1.status, r2.status]).toEqual(["PROCESSING", "PROCESSING"]);
    await eventually(async () => {
      const trades = (await (await fetch(`${sim.url}/__sim/trades`)).json()) as Array<{ outTradeNo: string; refunds: Array<{ status: string }> }>;
      const refunds = trades.find((x) => x.outTradeNo === refunded.outTradeNo)?.refunds ?? [];
      return refunds.length === 2 && refunds.every((r) => r.status === "SUCCEEDED") ? true : undefined;
    }, "the bank to settle both refunds");
    // The payer's bank voids one payment (消费撤销) that we hold as succeeded.
    expect((await bank.closeOrReverse(cctx, { outTradeNo: voided.outTradeNo, product: "BANK_QUICK" })).status).toBe("REVERSED");

    await simPost(sim, "/__sim/statement-diffs", {
      billDate,
      diffs: [
        { kind: "amount", outTradeNo: over.outTradeNo, deltaMinor: 4 },
        { kind: "amount", outTradeNo: under.outTradeNo, deltaMinor: -3 },
        // Our cost is 10 and 12 fen: the bank charges 11 (within the 1-fen tolerance) and 14.
        { kind: "fee", outTradeNo: feeOk.outTradeNo, deltaMinor: 1 },
        { kind: "fee", outTradeNo: feeOff.outTradeNo, deltaMinor: 2 },
        { kind: "coupon", outTradeNo: coupon.outTradeNo, deltaMinor: 150 },
        { kind: "drop", outTradeNo: dropped.outTradeNo },
        { kind: "late", outTradeNo: moved.outTradeNo },
        { kind: "extra", amountMinor: 777 },
        { kind: "extra", amountMinor: 555, subMerchant: "898999999999999" },
      ],
    });

    // The ZM file inside the connector's download: 607-byte GBK lines.
    const { bytes, fileName, result: first } = await importDay(billDate);
    expect(bytes.toString("latin1").split("\r\n").filter(Boolean).every((l) => l.length === 607)).toBe(true);
    const parsed = parseUnionpayZm(bytes, { billDate });
    expect(parsed.lines.map((l) => l.kind).sort()).toEqual([...Array<string>(10).fill("PAYMENT"), "REFUND", "REFUND", "REVOKED"]);

    expect(first).toMatchObject({ outcome: "IMPORTED", format: "UNIONPAY_ZM", billType: "ALL", lines: 13, byKind: { PAYMENT: 10, REFUND: 2, REVOKED: 1 } });
    const items = await t.run((tx) => tx.reconItem.findMany({ where: { tenantId: t.tenantId, fileId: first.fileId } }));
    const of = (paymentId: string) => items.filter((i) => i.paymentId === paymentId);
    expect(of(matched.id)).toEqual([expect.objectContaining({ outcome: "MATCHED", diffType: null, diffMinor: 0n })]);
    expect(of(over.id)).toEqual([expect.objectContaining({ outcome: "DIFFERENCE", diffType: "AMOUNT", direction: "OVERAGE", ourMinor: 4_500n, theirMinor: 4_504n, diffMinor: 4n })]);
    expect(of(under.id)).toEqual([expect.objectContaining({ outcome: "DIFFERENCE", diffType: "AMOUNT", direction: "SHORTAGE", ourMinor: 3_000n, theirMinor: 2_997n, diffMinor: -3n })]);
    expect(of(feeOk.id)).toEqual([expect.objectContaining({ outcome: "MATCHED", diffMinor: -1n, note: "fee rounding -1 within tolerance" })]);
    expect(of(feeOff.id)).toEqual([expect.objectContaining({ outcome: "DIFFERENCE", diffType: "FEE", direction: "SHORTAGE", ourMinor: 12n, theirMinor: 14n, diffMinor: -2n })]);
    // 优惠金额 1.50 on an order of 70.00: the bank settles 68.50; we booked the order.
    expect(of(coupon.id)).toEqual([expect.objectContaining({ outcome: "DIFFERENCE", diffType: "AMOUNT", direction: "SHORTAGE", ourMinor: 7_000n, theirMinor: 6_850n, diffMinor: -150n, note: "order 7000, settleable 6850: a coupon of 150 the merchant funds" })]);
    expect(of(dropped.id)).toEqual([expect.objectContaining({ outcome: "PENDING", diffType: "PLATFORM_ONLY", lineId: null, diffMinor: -1_500n })]);
    expect(of(moved.id)).toEqual([expect.objectContaining({ outcome: "PENDING", diffType: "PLATFORM_ONLY", lineId: null, diffMinor: -2_500n })]);
    // The consume line matches; the void line reverses money we hold as received: a STATUS 短款 of the whole payment.
    const voidItems = of(voided.id);
    expect(voidItems.map((i) => [i.outcome, i.diffType, i.direction, i.diffMinor]).sort()).toEqual([
      ["DIFFERENCE", "STATUS", "SHORTAGE", -8_000n],
      ["MATCHED", null, null, 0n],
    ]);
    expect(voidItems.find((i) => i.outcome === "DIFFERENCE")?.note).toBe("revoked at the channel, succeeded here");
    expect(of(refunded.id)).toEqual([expect.objectContaining({ outcome: "MATCHED" })]);
    // Both refunds matched, and the statement settled them here (we held them processing).
    for (const r of [r1, r2]) expect(items.filter((i) => i.refundId === r.id)).toEqual([expect.objectContaining({ outcome: "MATCHED", diffMinor: 0n })]);
    const refunds = await t.run((tx) => tx.refund.findMany({ where: { tenantId: t.tenantId, id: { in: [r1.id, r2.id] } } }));
    expect(refunds.map((r) => r.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    // A line for a trade we never made, of this merchant number: CHANNEL_ONLY; of a merchant number nobody registered: UNKNOWN_SUB_MERCHANT.
    const unmatched = items.filter((i) => i.diffType === "CHANNEL_ONLY" || i.diffType === "UNKNOWN_SUB_MERCHANT");
    expect(unmatched.map((i) => [i.diffType, i.direction, i.diffMinor, i.paymentId]).sort()).toEqual([
      ["CHANNEL_ONLY", "OVERAGE", 777n, null],
      ["UNKNOWN_SUB_MERCHANT", "OVERAGE", 555n, null],
    ]);

    // Every line has exactly one outcome.
    const lines = await t.run((tx) => tx.statementLine.findMany({ where: { tenantId: t.tenantId, fileId: first.fileId }, select: { id: true } }));
    expect(lines).toHaveLength(13);
    expect(items.filter((i) => i.lineId !== null).map((i) => i.lineId).sort()).toEqual(lines.map((l) => l.id).sort());
    expect(items.filter((i) => i.lineId === null).map((i) => i.paymentId).sort()).toEqual([dropped.id, moved.id].sort());
    expect(first.reconciliation).toMatchObject({
      reconciled: true,
      byOutcome: { MATCHED: 6, DIFFERENCE: 7, PENDING: 2 },
      differences: { AMOUNT: 3, FEE: 1, STATUS: 1, CHANNEL_ONLY: 1, UNKNOWN_SUB_MERCHANT: 1 },
    });
    expect(await t.run((tx) => tx.exception.count({ where: { tenantId: t.tenantId, status: "OPEN", kind: { startsWith: "RECON_" } } }))).toBe(7);

    // Running it again, and importing the same bytes again, change nothing.
    const snapshot = async () =>
      (await t.run((tx) => tx.reconItem.findMany({ where: { tenantId: t.tenantId }, orderBy: { id: "asc" } }))).map((i) => [i.id, i.fileId, i.lineId, i.outcome, i.diffType, i.direction, i.diffMinor, i.note]);
    const before = await snapshot();
    expect(await reconcileStatementFile(t.ctx, first.fileId)).toEqual(first.reconciliation);
    const same = await importStatement(t.ctx, { channelAccountId: account.channelAccountId, billDate, fileName, bytes, source: "UPLOAD" });
    expect(same).toMatchObject({ fileId: first.fileId, outcome: "ALREADY_IMPORTED" });
    expect(await snapshot()).toEqual(before);
    expect(await t.run((tx) => tx.exception.count({ where: { tenantId: t.tenantId, kind: { startsWith: "RECON_" } } }))).toBe(7);

    // The next day's file (the bank's clock a day on, settleDate has no year): the late line, not the dropped one.
    clock.shiftMs = 86_400_000;
    const nextDate = addDay(billDate);
    const { result: second } = await importDay(nextDate);
    expect(second).toMatchObject({ outcome: "IMPORTED", lines: 1, byKind: { PAYMENT: 1 } });
    expect(await t.run((tx) => tx.reconItem.findMany({ where: { tenantId: t.tenantId, fileId: second.fileId } }))).toEqual([expect.objectContaining({ outcome: "MATCHED", paymentId: moved.id })]);
    const pooled = await t.run((tx) => tx.reconItem.findMany({ where: { tenantId: t.tenantId, fileId: first.fileId, lineId: null } }));
    expect(pooled.find((i) => i.paymentId === moved.id)).toMatchObject({ outcome: "RELEASED" });
    const expired = pooled.find((i) => i.paymentId === dropped.id)!;
    expect(expired).toMatchObject({ outcome: "DIFFERENCE", diffType: "PLATFORM_ONLY", direction: "SHORTAGE", diffMinor: -1_500n });
    expect(await t.run((tx) => tx.exception.count({ where: { tenantId: t.tenantId, kind: "RECON_PLATFORM_ONLY", causeId: expired.id } }))).toBe(1);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });
});

describe("UnionPay ZM: the file transfer as downloaded, seeded merchant numbers, our own voids", () => {
  // The bank connector downloads the day's file transfer as a zip (INN…88ZM_{merId} and …ZME_ inside):
  // import reads the ZM file out of it, as the statement fetch job hands it over. (Was refused as a
  // malformed ZM line until 2026-11-29.)
  it("imports the day's file transfer as the bank connector downloads it", async () => {
    const { pay, fetchZm, t, account } = await bankTenant({ coherentMerchantNo: true });
    const p = await pay(1_200n);
    const { zip } = await fetchZm(p.businessDate);
    const imported = await importStatement(t.ctx, { channelAccountId: account.channelAccountId, billDate: p.businessDate, fileName: zip.fileName, bytes: zip.bytes, source: "JOB" });
    expect(imported).toMatchObject({ outcome: "IMPORTED", format: "UNIONPAY_ZM", lines: 1, reconciliation: { byOutcome: { MATCHED: 1 } } });
  });

  // Seeded bank merchants are registered with acquirer numbers of their own, but the bank connector
  // sends, and the ZM file prints, the account's own merId: a line of that number is ours, so a trade
  // we never made is CHANNEL_ONLY, not UNKNOWN_SUB_MERCHANT.
  it("classifies a line for a trade we never made, of the account's own merchant number, as CHANNEL_ONLY with the registrations as seeded", async () => {
    const { sim, pay, importDay } = await bankTenant({ coherentMerchantNo: false });
    const p = await pay(1_300n);
    await simPost(sim, "/__sim/statement-diffs", { billDate: p.businessDate, diffs: [{ kind: "extra", amountMinor: 444 }] });
    const { result } = await importDay(p.businessDate);
    expect(result.reconciliation).toMatchObject({ byOutcome: { MATCHED: 1, DIFFERENCE: 1 }, differences: { CHANNEL_ONLY: 1 } });
  });

  // A payment we voided ourselves after its query window, which the bank had charged: the file shows
  // the consume line and the void line, which net to nothing against our closed payment (until
  // 2026-11-29 the consume line made it a late success, refunded a second time).
  it("a payment we voided ourselves (its answer never came): the consume line and the void line match our closed payment", async () => {
    const { t, pay, importDay } = await bankTenant({ coherentMerchantNo: true });
    const plain = await pay(1_000n);
    // Charged at the bank, but we never heard: processing here until the query window ends and we void it (消费撤销).
    const p = await pay(5_002n);
    const voided = await reversePayment(t.ctx, p.id, "QUERY_WINDOW");
    expect(voided).toMatchObject({ status: "CLOSED", failureCode: "REVERSED" });
    const { result } = await importDay(p.businessDate);
    expect(result).toMatchObject({ outcome: "IMPORTED", lines: 3, byKind: { PAYMENT: 2, REVOKED: 1 } });
    const items = await t.run((tx) => tx.reconItem.findMany({ where: { tenantId: t.tenantId, fileId: result.fileId } }));
    expect(items.find((i) => i.paymentId === plain.id)).toMatchObject({ outcome: "MATCHED" });
    // Ours stays closed: no late success, no automatic refund of money the void already returned, no difference.
    const after = await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: p.id } }));
    expect(after).toMatchObject({ status: "CLOSED", lateSuccess: false });
    expect(await t.run((tx) => tx.refund.count({ where: { tenantId: t.tenantId, paymentId: p.id } }))).toBe(0);
    expect(await t.run((tx) => tx.exception.findMany({ where: { tenantId: t.tenantId } }))).toEqual([]);
    expect(items.map((i) => i.outcome)).toEqual(["MATCHED", "MATCHED", "MATCHED"]);
  });
});
