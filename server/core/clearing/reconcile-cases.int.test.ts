import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { connectorFor } from "@/server/channels/registry";
import { connectorConfig, setChannelAccountEnabled } from "@/server/core/channels/accounts";
import { seedSimulatorChannels } from "@/server/core/channels/demo";
import { createMerchant } from "@/server/core/merchants/service";
import { registrationIdentity } from "@/server/core/payments/common";
import { createRefund } from "@/server/core/payments/refunds";
import { createPayment, queryPayment, reversePayment } from "@/server/core/payments/service";
import { startWechatSimulator, type RunningWechatSimulator } from "@/server/simulators/wechat/simulator";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { checkLedgerInvariants } from "@/server/testing/ledger";
import { makeTenant } from "@/server/testing/tenants";
import { importStatement } from "./import";
import { reconcileStatementFile } from "./reconcile";
import "@/server/core/payments/register";

// The reconciliation proof matrix, cases at reconciliation level (issue 6), on WeChat trade bills
// from the simulator with differences injected at /__sim/statement-diffs:
//   - a REVOKED trade (the `status` difference): our succeeded payment is a STATUS 短款 of its whole
//     amount; our processing one is closed by the statement and matched; a revoked trade we never
//     recorded moved no money and is matched; a trade we reversed ourselves after the payer paid is
//     a REVOKED line that matches our closed payment (the Alipay and ZM forms of that case are the
//     it.fails in reconcile-alipay and reconcile-zm);
//   - a line of a sub-merchant nobody registered is UNKNOWN_SUB_MERCHANT, one of ours CHANNEL_ONLY;
//   - a fee 1 fen off either way is MATCHED with its "within tolerance" note, 2 fen off is a FEE
//     difference whose direction follows the money;
//   - several partial refunds of one payment are each matched, and settle our processing refunds.
// (A line shown twice is proven on the Alipay bill: the WeChat simulator's `extra` naming one of our
// orders replaces that trade rather than printing it twice.)
// Each test has a simulator of its own: injected differences apply to every bill of their date.

process.env.DATABASE_POOL_SIZE = "20";
let db: TestDatabase;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("clearing_recon_cases");
});
afterAll(async () => {
  await db?.drop();
});

/** A WeChat simulator of the test's own (0.2 %, the seeded account's cost), a tenant paying through it only, pay(), inject() and importDay(). */
async function wechatTenant(mode: "DIRECT" | "CUSTODIAL" = "DIRECT") {
  // Refunds complete 20 ms after they are asked for (QR payers are not used here).
  const sim: RunningWechatSimulator = await startWechatSimulator({ notifyDelayMs: 20, feeRatePpm: 2_000 });
  onTestFinished(() => sim.close());
  const t = await makeTenant({ mode });
  const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Cases Noodles"))))!;
  const wechat = await t.run(async (tx) => {
    await seedSimulatorChannels(tx, t.ctx, { WECHAT: sim.url }, { zh: false, custodial: mode === "CUSTODIAL" });
    const sandbox = await tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" } });
    await setChannelAccountEnabled(tx, t.ctx, { id: sandbox.id, enabled: false });
    return tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "WECHAT" } });
  });
  const account = await t.run((tx) => connectorConfig(tx, t.ctx, wechat.id));
  let n = 0;
  const pay = (amountMinor: bigint, subject = "Cases") =>
    createPayment(t.ctx, { merchantId: m.id, merchantOrderNo: `CS-${Date.now()}-${++n}`, amountMinor, product: "WECHAT_CODE", elements: { authCode: `13${String(n).padStart(16, "0")}` }, subject });
  const inject = async (billDate: string, diffs: unknown[]) => {
    const r = await fetch(`${sim.url}/__sim/statement-diffs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ billDate, diffs }) });
    expect(r.status).toBe(200);
  };
  const importDay = async (billDate: string) => {
    const bytes = (await connectorFor("WECHAT").downloadStatement({ account }, { billDate, billType: "ALL" })).bytes;
    const imported = await importStatement(t.ctx, { channelAccountId: wechat.id, billDate, fileName: `bill-${billDate}.csv`, bytes, source: "UPLOAD" });
    expect(imported.outcome).toBe("IMPORTED");
    const items = await t.run((tx) => tx.reconItem.findMany({ where: { tenantId: t.tenantId, fileId: imported.fileId } }));
    const lines = await t.run((tx) => tx.statementLine.findMany({ where: { tenantId: t.tenantId, fileId: imported.fileId }, select: { id: true, lineNo: true, kind: true, outTradeNo: true } }));
    // Every line of the file has exactly one outcome.
    expect(items.filter((i) => i.lineId !== null).map((i) => i.lineId).sort()).toEqual(lines.map((l) => l.id).sort());
    return { imported, items, lines };
  };
  return { sim, t, m, wechat, account, pay, inject, importDay };
}

const billDateOf = (p: { businessDate: Date }) => p.businessDate.toISOString().slice(0, 10);

describe("reconciliation cases", () => {
  it("a REVOKED trade: our succeeded payment is a STATUS 短款, our processing one is closed and matched, one we never recorded is matched", async () => {
    const { t, m, pay, inject, importDay } = await wechatTenant("CUSTODIAL");
    const succeeded = await pay(3_600n);
    expect(succeeded.status).toBe("SUCCEEDED");
    // The payer is still confirming when the bill is cut: processing here; the channel has the trade paid (three queries get it there), then reverses it.
    const processing = await pay(2_200n, "Cases sim:userpaying");
    expect(processing.status).toBe("PROCESSING");
    const channel = await t.run(async (tx) => ({ account: await connectorConfig(tx, t.ctx, processing.channelAccountId), registration: await registrationIdentity(tx, t.ctx, processing.registrationId) }));
    for (let i = 0; i < 3; i++) await connectorFor("WECHAT").query(channel, { outTradeNo: processing.outTradeNo });
    const plain = await pay(1_000n);
    const billDate = billDateOf(succeeded);
    // A trade we never made, reversed at the channel: an extra line, then the status difference on it.
    const ghost = `GHOST${Date.now()}`;
    await inject(billDate, [
      { kind: "status", outTradeNo: succeeded.outTradeNo, status: "REVOKED" },
      { kind: "status", outTradeNo: processing.outTradeNo, status: "REVOKED" },
      { kind: "extra", outTradeNo: ghost, amountMinor: 800 },
      { kind: "status", outTradeNo: ghost, status: "REVOKED" },
    ]);

    const { imported, items, lines } = await importDay(billDate);
    expect(lines.filter((l) => l.kind === "REVOKED").map((l) => l.outTradeNo).sort()).toEqual([succeeded.outTradeNo, processing.outTradeNo, ghost].sort());
    const of = (paymentId: string) => items.filter((i) => i.paymentId === paymentId);
    expect(of(succeeded.id)).toEqual([
      expect.objectContaining({ outcome: "DIFFERENCE", diffType: "STATUS", direction: "SHORTAGE", ourMinor: 3_600n, theirMinor: 0n, diffMinor: -3_600n, note: "revoked at the channel, succeeded here" }),
    ]);
    expect(of(processing.id)).toEqual([expect.objectContaining({ outcome: "MATCHED", note: "revoked" })]);
    expect(of(plain.id)).toEqual([expect.objectContaining({ outcome: "MATCHED" })]);
    const ghostLine = lines.find((l) => l.outTradeNo === ghost)!;
    expect(items.find((i) => i.lineId === ghostLine.id)).toMatchObject({ outcome: "MATCHED", paymentId: null, note: "a revoked trade we never recorded: no money" });
    expect(imported.reconciliation).toMatchObject({ byOutcome: { MATCHED: 3, DIFFERENCE: 1 }, differences: { STATUS: 1 } });

    // Ours moved as the statement says: the processing payment is closed (REVOKED, by the statement); the succeeded one stays (the exception says why).
    const after = await t.run((tx) => tx.payment.findMany({ where: { tenantId: t.tenantId, merchantId: m.id, id: { in: [succeeded.id, processing.id] } } }));
    expect(after.find((p) => p.id === succeeded.id)).toMatchObject({ status: "SUCCEEDED" });
    expect(after.find((p) => p.id === processing.id)).toMatchObject({ status: "CLOSED", failureCode: "REVOKED" });
    const closing = await t.run((tx) => tx.paymentTransition.findMany({ where: { tenantId: t.tenantId, paymentId: processing.id, toStatus: "CLOSED" } }));
    expect(closing).toHaveLength(1);
    const statusItem = of(succeeded.id)[0]!;
    expect(await t.run((tx) => tx.exception.findMany({ where: { tenantId: t.tenantId, kind: "RECON_STATUS" } }))).toEqual([expect.objectContaining({ causeId: statusItem.id, amountMinor: 3_600n, status: "OPEN" })]);
    // The closed payment is not in the cross-day pool, and nothing is pending.
    expect(items.filter((i) => i.outcome === "PENDING")).toEqual([]);
    expect(await reconcileStatementFile(t.ctx, imported.fileId)).toEqual(imported.reconciliation);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("a trade we reversed (撤销) after the payer paid: the REVOKED line matches our closed payment, no late success, no difference", async () => {
    const { t, pay, importDay } = await wechatTenant("CUSTODIAL");
    const p = await pay(4_200n, "Cases sim:userpaying");
    expect(p.status).toBe("PROCESSING");
    // The payer confirms at the channel just before our query window ends and we reverse: WeChat refunds the payer and revokes the trade.
    const channel = await t.run(async (tx) => ({ account: await connectorConfig(tx, t.ctx, p.channelAccountId), registration: await registrationIdentity(tx, t.ctx, p.registrationId) }));
    for (let i = 0; i < 3; i++) await connectorFor("WECHAT").query(channel, { outTradeNo: p.outTradeNo });
    let closed = await reversePayment(t.ctx, p.id, "QUERY_WINDOW");
    // (WeChat may answer recall=Y first: the next query finds the trade revoked and closes ours.)
    if (closed.status === "PROCESSING") closed = await queryPayment(t.ctx, p.id);
    expect(closed.status).toBe("CLOSED");

    const { imported, items, lines } = await importDay(billDateOf(p));
    expect(lines).toEqual([expect.objectContaining({ kind: "REVOKED", outTradeNo: p.outTradeNo })]);
    expect(items).toEqual([expect.objectContaining({ outcome: "MATCHED", paymentId: p.id, note: "revoked" })]);
    expect(imported.reconciliation?.differences).toEqual({});
    expect(await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: p.id } }))).toMatchObject({ status: "CLOSED", lateSuccess: false });
    expect(await t.run((tx) => tx.refund.count({ where: { tenantId: t.tenantId } }))).toBe(0);
    expect(await t.run((tx) => tx.exception.count({ where: { tenantId: t.tenantId } }))).toBe(0);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("a line of a sub-merchant nobody registered is UNKNOWN_SUB_MERCHANT; one of our sub-merchant's for a trade we never made is CHANNEL_ONLY", async () => {
    const { t, pay, inject, importDay } = await wechatTenant();
    const p = await pay(1_500n);
    const registered = (await t.run((tx) => tx.merchantChannelRegistration.findFirstOrThrow({ where: { tenantId: t.tenantId, id: p.registrationId } }))).subMchId!;
    expect(registered).toMatch(/^\d+$/);
    await inject(billDateOf(p), [
      { kind: "extra", amountMinor: 4_321, subMerchant: "1999999999" },
      { kind: "extra", amountMinor: 1_234 },
    ]);
    const { imported, items, lines } = await importDay(billDateOf(p));
    expect(lines).toHaveLength(3);
    expect(items.filter((i) => i.outcome === "DIFFERENCE").map((i) => [i.diffType, i.direction, i.theirMinor, i.diffMinor, i.paymentId]).sort()).toEqual([
      ["CHANNEL_ONLY", "OVERAGE", 1_234n, 1_234n, null],
      ["UNKNOWN_SUB_MERCHANT", "OVERAGE", 4_321n, 4_321n, null],
    ]);
    const raw = await t.run((tx) => tx.statementLine.findMany({ where: { tenantId: t.tenantId, fileId: imported.fileId }, select: { subMerchant: true, outTradeNo: true } }));
    expect(raw.map((l) => l.subMerchant).sort()).toEqual(["1999999999", registered, registered].sort());
    expect(items.find((i) => i.paymentId === p.id)).toMatchObject({ outcome: "MATCHED" });
    expect(await t.run((tx) => tx.exception.count({ where: { tenantId: t.tenantId, kind: "RECON_UNKNOWN_SUB_MERCHANT" } }))).toBe(1);
  });

  it("a fee 1 fen off either way is MATCHED with its within-tolerance note; 2 fen off is a FEE difference in the money's direction", async () => {
    const { t, pay, inject, importDay } = await wechatTenant();
    // 0.2 % of 100.00 is 20 fen, our cost; the simulator charges the same unless told otherwise.
    const plus1 = await pay(10_000n);
    const minus1 = await pay(10_000n);
    const plus2 = await pay(10_000n);
    const minus2 = await pay(10_000n);
    const exact = await pay(10_000n);
    expect((await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: exact.id } }))).costMinor).toBe(20n);
    await inject(billDateOf(exact), [
      { kind: "fee", outTradeNo: plus1.outTradeNo, deltaMinor: 1 },
      { kind: "fee", outTradeNo: minus1.outTradeNo, deltaMinor: -1 },
      { kind: "fee", outTradeNo: plus2.outTradeNo, deltaMinor: 2 },
      { kind: "fee", outTradeNo: minus2.outTradeNo, deltaMinor: -2 },
    ]);
    const { imported, items } = await importDay(billDateOf(exact));
    const of = (id: string) => items.filter((i) => i.paymentId === id);
    expect(of(exact.id)).toEqual([expect.objectContaining({ outcome: "MATCHED", diffMinor: 0n, note: null })]);
    // The channel took 21 fen: 1 fen more than our cost, within tolerance (noted).
    expect(of(plus1.id)).toEqual([expect.objectContaining({ outcome: "MATCHED", diffType: null, direction: null, diffMinor: -1n, note: "fee rounding -1 within tolerance" })]);
    expect(of(minus1.id)).toEqual([expect.objectContaining({ outcome: "MATCHED", diffType: null, direction: null, diffMinor: 1n, note: "fee rounding +1 within tolerance" })]);
    // 22 fen: a higher fee takes money away, a 短款; 18 fen leaves more, a 长款.
    expect(of(plus2.id)).toEqual([expect.objectContaining({ outcome: "DIFFERENCE", diffType: "FEE", direction: "SHORTAGE", ourMinor: 20n, theirMinor: 22n, diffMinor: -2n })]);
    expect(of(minus2.id)).toEqual([expect.objectContaining({ outcome: "DIFFERENCE", diffType: "FEE", direction: "OVERAGE", ourMinor: 20n, theirMinor: 18n, diffMinor: 2n })]);
    expect(imported.reconciliation).toMatchObject({ byOutcome: { MATCHED: 3, DIFFERENCE: 2 }, differences: { FEE: 2 } });
    // Only the two FEE differences open exceptions; the tolerated ones do not.
    expect((await t.run((tx) => tx.exception.findMany({ where: { tenantId: t.tenantId, kind: { startsWith: "RECON_" } } }))).map((e) => [e.kind, e.amountMinor])).toEqual([
      ["RECON_FEE", 2n],
      ["RECON_FEE", 2n],
    ]);
  });

  it("several partial refunds of one payment are each matched, and settle our processing refunds", async () => {
    const { sim, t, pay, importDay } = await wechatTenant("CUSTODIAL");
    const p = await pay(10_000n);
    const other = await pay(2_500n);
    const refunds = [];
    for (const [i, amount] of [1_000n, 2_000n, 3_000n, 500n].entries()) {
      refunds.push(await createRefund(t.ctx, { paymentId: p.id, merchantRefundNo: `CSR-${Date.now()}-${i}`, amountMinor: amount, reason: `item ${i}`, origin: "CONSOLE" }));
    }
    expect(refunds.map((r) => r.status)).toEqual(["PROCESSING", "PROCESSING", "PROCESSING", "PROCESSING"]);
    // WeChat completes each refund a moment later; our side hears nothing (no notify URL) and still holds them processing.
    for (let i = 0; ; i++) {
      const trades = (await (await fetch(`${sim.url}/__sim/trades`)).json()) as Array<{ outTradeNo: string; refunds: Array<{ status: string }> }>;
      const at = trades.find((x) => x.outTradeNo === p.outTradeNo)?.refunds ?? [];
      if (at.length === 4 && at.every((r) => r.status === "SUCCEEDED")) break;
      if (i > 200) throw new Error("the simulator did not complete the refunds");
      await new Promise((r) => setTimeout(r, 25));
    }
    const { imported, items, lines } = await importDay(billDateOf(p));
    expect(lines.filter((l) => l.kind === "REFUND")).toHaveLength(4);
    for (const r of refunds) expect(items.filter((i) => i.refundId === r.id)).toEqual([expect.objectContaining({ outcome: "MATCHED", ourMinor: null, diffMinor: 0n })]);
    for (const id of [p.id, other.id]) expect(items.filter((i) => i.paymentId === id)).toEqual([expect.objectContaining({ outcome: "MATCHED" })]);
    const after = await t.run((tx) => tx.refund.findMany({ where: { tenantId: t.tenantId, paymentId: p.id } }));
    expect(after.map((r) => r.status)).toEqual(["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]);

    expect(imported.reconciliation).toMatchObject({ byOutcome: { MATCHED: 6 } });
    expect(imported.reconciliation?.differences).toEqual({});
    expect(items).toHaveLength(6);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });
});
