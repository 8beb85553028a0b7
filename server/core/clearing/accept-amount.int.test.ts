import { describe, expect, it } from "vitest";
import { getBalanceByRef } from "@/server/core/ledger/service";
import { accounts } from "@/server/core/ledger/templates";
import { decideProposal } from "@/server/core/proposals/service";
import { createPayment } from "@/server/core/payments/service";
import { simulatorTenant, useDatabaseAndSimulators } from "@/server/testing/clearing";
import { checkLedgerInvariants, codeOf } from "@/server/testing/ledger";
import { proposeResolution } from "./resolutions";
import "./proposal-kinds";
import "@/server/core/payments/register";

// Accepting the channel's amount (an AMOUNT difference of a payment, no state change), against the
// WeChat simulator's bills: the channel charged 3.00 more on one payment and 2.00 less on another.
// Approved, the merchant is owed the difference (CUSTODIAL: its pending payable; DIRECT: the memo
// book), the suspense entry is released, and the payment keeps its state and its order amount.

process.env.DATABASE_POOL_SIZE = "20";
const env = useDatabaseAndSimulators("clearing_accept_amount", { wechat: { notifyDelayMs: 60_000, feeRatePpm: 2_000 } });

async function amountDifferences(mode: "CUSTODIAL" | "DIRECT") {
  env.wechat.state.reset(); // one tenant's trades per bill
  const s = await simulatorTenant(env.wechat.url, `Amount Noodles ${mode}`, mode);
  const pay = (n: number) =>
    createPayment(s.t.ctx, { merchantId: s.m.id, merchantOrderNo: `AM-${Date.now()}-${n}`, amountMinor: 2_000n, product: "WECHAT_CODE", elements: { authCode: `13456789012345670${n}` }, subject: "Amount test" });
  const over = await pay(1);
  const under = await pay(2);
  const billDate = over.businessDate.toISOString().slice(0, 10);
  await fetch(`${env.wechat.url}/__sim/statement-diffs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ billDate, diffs: [{ kind: "amount", outTradeNo: over.outTradeNo, deltaMinor: 300 }, { kind: "amount", outTradeNo: under.outTradeNo, deltaMinor: -200 }] }),
  });
  expect((await s.importDay(billDate)).reconciliation?.differences).toEqual({ AMOUNT: 2 });
  // One query at a time on a transaction's connection.
  const exceptionOf = (paymentId: string) => s.t.run((tx) => tx.exception.findFirstOrThrow({ where: { tenantId: s.t.tenantId, kind: "RECON_AMOUNT", details: { path: ["paymentId"], equals: paymentId } } }));
  const exceptions = [await exceptionOf(over.id), await exceptionOf(under.id)] as const;
  const balance = async (ref: Parameters<typeof getBalanceByRef>[2]) => (await s.t.run((tx) => getBalanceByRef(tx, s.t.ctx, ref))).postedMinor;
  const accept = async (exceptionId: string) => {
    const p = await s.t.run((tx) => proposeResolution(tx, s.maker, { exceptionId, action: "ACCEPT_CHANNEL", note: "the channel's amount stands", reason: "Checked the payer's receipt" }));
    await s.t.run((tx) => decideProposal(tx, s.checker, { id: p.id, decision: "APPROVE" }));
    return p;
  };
  const paymentsUnchanged = async () => {
    const rows = await s.t.run((tx) => tx.payment.findMany({ where: { tenantId: s.t.tenantId, id: { in: [over.id, under.id] } }, select: { status: true, amountMinor: true } }));
    expect(rows).toEqual([
      { status: "SUCCEEDED", amountMinor: 2_000n },
      { status: "SUCCEEDED", amountMinor: 2_000n },
    ]);
    expect(await s.t.run((tx) => tx.paymentTransition.count({ where: { tenantId: s.t.tenantId, paymentId: { in: [over.id, under.id] }, cause: "CORRECTED_BY_RECON" } }))).toBe(0);
  };
  return { ...s, exceptions, balance, accept, paymentsUnchanged };
}

describe("accepting the channel's amount", () => {
  it("CUSTODIAL: the merchant's pending payable takes the difference both ways; suspense released; the payment unchanged", async () => {
    const { t, m, wechat, exceptions, balance, accept, paymentsUnchanged, maker } = await amountDifferences("CUSTODIAL");
    const [excess, short] = exceptions;
    expect([excess.amountMinor, short.amountMinor]).toEqual([300n, 200n]);
    const pendingBefore = await balance(accounts.merchantPending(m.id));
    const clearingBefore = await balance(accounts.clearing(wechat.id));
    expect([await balance(accounts.overageSuspense), await balance(accounts.shortageSuspense)]).toEqual([300n, 200n]);

    const p = await accept(excess.id);
    expect(p.amountMinor).toBe(300n);
    expect(await balance(accounts.merchantPending(m.id))).toBe(pendingBefore + 300n);
    expect(await balance(accounts.overageSuspense)).toBe(0n);
    await accept(short.id);
    expect(await balance(accounts.merchantPending(m.id))).toBe(pendingBefore + 100n);
    expect(await balance(accounts.shortageSuspense)).toBe(0n);
    // The money at the channel is what the bills said all along: clearing does not move again.
    expect(await balance(accounts.clearing(wechat.id))).toBe(clearingBefore);

    const done = await t.run((tx) => tx.exception.findMany({ where: { tenantId: t.tenantId, id: { in: [excess.id, short.id] } }, orderBy: { amountMinor: "desc" } }));
    expect(done.map((e) => e.status)).toEqual(["RESOLVED", "RESOLVED"]);
    expect(done[0]!.resolution).toMatch(/^Channel's amount accepted: AM-\S+ 2000 → 2300 \(minor units\)/);
    expect(done[1]!.resolution).toMatch(/2000 → 1800/);
    await paymentsUnchanged();
    // Once resolved, it cannot be resolved again.
    expect(await codeOf(t.run((tx) => proposeResolution(tx, maker, { exceptionId: excess.id, action: "ACCEPT_CHANNEL", note: "again", reason: "again" })))).toBe("EXCEPTION_NOT_OPEN");
    await checkLedgerInvariants(env.db.url, t.tenantId, t.ctx);
  });

  it("DIRECT: the memo book's funds at the channel and settlement due take the difference; nothing is held in suspense", async () => {
    const { t, m, exceptions, balance, accept, paymentsUnchanged } = await amountDifferences("DIRECT");
    const [excess, short] = exceptions;
    const [fundsBefore, dueBefore] = [await balance(accounts.memoFunds(m.id)), await balance(accounts.memoDue(m.id))];
    await accept(excess.id);
    await accept(short.id);
    expect(await balance(accounts.memoFunds(m.id))).toBe(fundsBefore + 100n);
    expect(await balance(accounts.memoDue(m.id))).toBe(dueBefore + 100n);
    expect((await t.run((tx) => tx.exception.findMany({ where: { tenantId: t.tenantId, id: { in: [excess.id, short.id] } } }))).map((e) => e.status)).toEqual(["RESOLVED", "RESOLVED"]);
    await paymentsUnchanged();
    await checkLedgerInvariants(env.db.url, t.tenantId, t.ctx);
  });
});
