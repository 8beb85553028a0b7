import { describe, expect, it } from "vitest";
import { getBalanceByRef } from "@/server/core/ledger/service";
import { accounts } from "@/server/core/ledger/templates";
import { decideProposal } from "@/server/core/proposals/service";
import { createPayment } from "@/server/core/payments/service";
import { drainOutboxOnce } from "@/server/jobs/outbox";
import { ownerQuery } from "@/server/testing/db";
import { simulatorTenant, useDatabaseAndSimulators } from "@/server/testing/clearing";
import { checkLedgerInvariants, codeOf } from "@/server/testing/ledger";
import { proposeResolution } from "./resolutions";
import "./proposal-kinds";
import "./customer-refunds";
import "@/server/core/payments/register";

// Refunding the customer of a payment only the channel shows, against the WeChat simulator (an
// injected extra line is a real trade there): proposed by finance, approved by another person,
// sent by the outbox through the WeChat connector (refund, then a query while it processes); the
// channel's success reverses the 长款's suspense entry and resolves the difference; the refund
// line on the next day's bill is matched, not a new 短款; a refusal sends the difference back to
// investigation with the channel's words and posts nothing.

process.env.DATABASE_POOL_SIZE = "20";
const env = useDatabaseAndSimulators("clearing_customer_refunds", { wechat: { notifyDelayMs: 50, feeRatePpm: 2_000 } });

const addDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const drain = async () => {
  // Due events only: a processing refund is asked about again when its retry is due, made due here.
  await ownerQuery(env.db.url, `UPDATE outbox_event SET available_at = now() WHERE status = 'PENDING' AND topic = 'recon.customer_refund'`);
  while ((await drainOutboxOnce(100)).claimed > 0);
};

describe("refunding the customer", () => {
  it("a channel-only payment is refunded through the channel after approval; its suspense is reversed; the next bill's refund line is matched; a refusal goes back to investigation", async () => {
    const { t, m, maker, checker, importDay } = await simulatorTenant(env.wechat.url, "Refund Noodles");
    const paid = await createPayment(t.ctx, { merchantId: m.id, merchantOrderNo: `CR-${Date.now()}`, amountMinor: 2_000n, product: "WECHAT_CODE", elements: { authCode: "134567890123456789" }, subject: "Refund test" });
    expect(paid.status).toBe("SUCCEEDED");
    const billDate = paid.businessDate.toISOString().slice(0, 10);
    await fetch(`${env.wechat.url}/__sim/statement-diffs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ billDate, diffs: [{ kind: "extra", amountMinor: 777 }, { kind: "extra", amountMinor: 555 }] }),
    });
    expect((await importDay(billDate)).reconciliation?.differences).toEqual({ CHANNEL_ONLY: 2 });
    const exceptionFor = async (amountMinor: bigint) => (await t.run((tx) => tx.exception.findFirstOrThrow({ where: { tenantId: t.tenantId, kind: "RECON_CHANNEL_ONLY", amountMinor } })));
    const refunded = await exceptionFor(777n);
    const refused = await exceptionFor(555n);
    const overage = async () => (await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.overageSuspense))).postedMinor;
    expect(await overage()).toBe(1_332n);

    // Not for a payment of ours or a shortage: the clear refusal comes at proposal time.
    const other = await t.run((tx) => tx.exception.create({ data: { tenantId: t.tenantId, kind: "RECON_AMOUNT", causeType: "recon_item", causeId: refunded.causeId, amountMinor: 1n, businessDate: refunded.businessDate, details: { direction: "OVERAGE" } } }));
    expect(await codeOf(t.run((tx) => proposeResolution(tx, maker, { exceptionId: other.id, action: "REFUND_CUSTOMER", note: "not this one", reason: "wrong type" })))).toBe("RESOLUTION_NOT_APPLICABLE");
    await ownerQuery(env.db.url, `DELETE FROM exception WHERE id = $1`, [other.id]);

    const propose = (id: string) => t.run((tx) => proposeResolution(tx, maker, { exceptionId: id, action: "REFUND_CUSTOMER", note: "no order of ours: give it back", reason: "payer asked where the money went" }));
    const p1 = await propose(refunded.id);
    const p2 = await propose(refused.id);
    // The proposer cannot approve; another person can. Approval sends nothing yet and closes nothing.
    expect(await codeOf(t.run((tx) => decideProposal(tx, maker, { id: p1.id, decision: "APPROVE" })))).toBe("SELF_APPROVAL");
    await t.run((tx) => decideProposal(tx, checker, { id: p1.id, decision: "APPROVE" }));
    await t.run((tx) => decideProposal(tx, checker, { id: p2.id, decision: "APPROVE" }));
    const rows = await ownerQuery<{ exception_id: string; out_trade_no: string; out_refund_no: string; status: string; amount_minor: string }>(
      env.db.url,
      `SELECT exception_id, out_trade_no, out_refund_no, status, amount_minor::text FROM recon_customer_refund WHERE tenant_id = $1`,
      [t.tenantId],
    );
    expect(rows.map((r) => [r.status, r.amount_minor]).sort()).toEqual([["PROCESSING", "555"], ["PROCESSING", "777"]]);
    expect((await exceptionFor(777n)).status).toBe("RESOLUTION_PROPOSED");
    expect(await overage()).toBe(1_332n);

    // The payer of the 555 line has had the money back another way: the channel refuses a refund.
    const refusedTrade = env.wechat.state.trades.get(rows.find((r) => r.exception_id === refused.id)!.out_trade_no)!;
    refusedTrade.status = "REVOKED";

    // Sent: the channel answers processing; asked again, succeeded.
    await drain();
    const afterFirst = await ownerQuery<{ exception_id: string; status: string }>(env.db.url, `SELECT exception_id, status FROM recon_customer_refund WHERE tenant_id = $1`, [t.tenantId]);
    expect(afterFirst.find((r) => r.exception_id === refused.id)!.status).toBe("FAILED");
    await new Promise((r) => setTimeout(r, 150));
    await drain();
    const done = await ownerQuery<{ status: string; channel_refund_no: string | null; out_refund_no: string }>(env.db.url, `SELECT status, channel_refund_no, out_refund_no FROM recon_customer_refund WHERE exception_id = $1`, [refunded.id]);
    expect(done[0]).toMatchObject({ status: "SUCCEEDED", channel_refund_no: expect.stringMatching(/^5030/) });
    // The channel did refund the payer.
    expect(env.wechat.state.trades.get(rows.find((r) => r.exception_id === refunded.id)!.out_trade_no)!.refunds).toEqual([expect.objectContaining({ outRefundNo: done[0]!.out_refund_no, amountMinor: 777n, status: "SUCCEEDED" })]);

    const resolved = await exceptionFor(777n);
    expect(resolved).toMatchObject({ status: "RESOLVED", proposalId: null });
    expect(resolved.resolution).toContain(done[0]!.out_refund_no);
    const back = await exceptionFor(555n);
    expect(back).toMatchObject({ status: "INVESTIGATING", proposalId: null });
    const events = await t.run((tx) => tx.exceptionEvent.findMany({ where: { tenantId: t.tenantId, exceptionId: refused.id }, orderBy: { createdAt: "asc" } }));
    expect(events.map((e) => e.kind)).toEqual(["CREATED", "PROPOSED", "REFUND_REQUESTED", "REFUND_FAILED"]);
    expect(events.at(-1)!.body).toMatch(/The channel did not refund the customer: .*订单状态不允许退款/);
    // Only the refunded 长款 left suspense: Σ open items = the balance.
    expect(await overage()).toBe(555n);
    // Another resolution can be proposed for the refused one now.
    expect((await propose(refused.id)).status).toBe("PENDING");

    // The next day's bill shows the refund with our number: matched, not a 短款. (The simulator
    // dates the refund the next morning, as it would be when finance works the day after.)
    const simRefund = env.wechat.state.trades.get(rows.find((r) => r.exception_id === refunded.id)!.out_trade_no)!.refunds[0]!;
    simRefund.createdAt = simRefund.succeededAt = new Date(`${addDay(billDate)}T10:00:00+08:00`);
    const next = await importDay(addDay(billDate));
    expect(next.reconciliation?.differences ?? {}).toEqual({});
    const line = await ownerQuery<{ outcome: string; note: string }>(
      env.db.url,
      `SELECT i.outcome, i.note FROM recon_item i JOIN statement_line l ON l.id = i.line_id WHERE i.tenant_id = $1 AND l.out_refund_no = $2`,
      [t.tenantId, done[0]!.out_refund_no],
    );
    expect(line).toEqual([{ outcome: "MATCHED", note: "our refund to the customer of money no order of ours wanted" }]);
    await checkLedgerInvariants(env.db.url, t.tenantId, t.ctx);
  });
  it("the excess the channel charged above our order is refunded as a partial refund of its trade; a shortage is not refundable", async () => {
    env.wechat.state.reset(); // the first test's trades and refunds are not on this tenant's bills
    const { t, m, maker, checker, importDay } = await simulatorTenant(env.wechat.url, "Excess Dumplings");
    const pay = (n: number) =>
      createPayment(t.ctx, { merchantId: m.id, merchantOrderNo: `EX-${Date.now()}-${n}`, amountMinor: 2_000n, product: "WECHAT_CODE", elements: { authCode: `13456789012345678${n}` }, subject: "Excess test" });
    const over = await pay(1);
    const under = await pay(2);
    const billDate = over.businessDate.toISOString().slice(0, 10);
    await fetch(`${env.wechat.url}/__sim/statement-diffs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ billDate, diffs: [{ kind: "amount", outTradeNo: over.outTradeNo, deltaMinor: 300 }, { kind: "amount", outTradeNo: under.outTradeNo, deltaMinor: -200 }] }),
    });
    expect((await importDay(billDate)).reconciliation?.differences).toEqual({ AMOUNT: 2 });
    const exceptionOf = (paymentId: string) => t.run((tx) => tx.exception.findFirstOrThrow({ where: { tenantId: t.tenantId, kind: "RECON_AMOUNT", details: { path: ["paymentId"], equals: paymentId } } }));
    const [excess, short] = [await exceptionOf(over.id), await exceptionOf(under.id)];
    expect([excess.amountMinor, short.amountMinor]).toEqual([300n, 200n]);
    const overage = async () => (await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.overageSuspense))).postedMinor;
    expect(await overage()).toBe(300n);

    const propose = (id: string) => t.run((tx) => proposeResolution(tx, maker, { exceptionId: id, action: "REFUND_CUSTOMER", note: "charged above the order: give the excess back", reason: "payer complained" }));
    const refusal = await t.run((tx) => proposeResolution(tx, maker, { exceptionId: short.id, action: "REFUND_CUSTOMER", note: "not refundable", reason: "wrong way" })).catch((e: Error) => e);
    expect(refusal).toMatchObject({ code: "RESOLUTION_NOT_APPLICABLE", message: expect.stringContaining("The channel shows less than our order") });

    const proposal = await propose(excess.id);
    expect(proposal.amountMinor).toBe(300n);
    await t.run((tx) => decideProposal(tx, checker, { id: proposal.id, decision: "APPROVE" }));
    await drain();
    await new Promise((r) => setTimeout(r, 150));
    await drain();
    const [row] = await ownerQuery<{ status: string; amount_minor: string; out_refund_no: string }>(env.db.url, `SELECT status, amount_minor::text, out_refund_no FROM recon_customer_refund WHERE exception_id = $1`, [excess.id]);
    expect(row).toMatchObject({ status: "SUCCEEDED", amount_minor: "300" });
    // The channel refunded 3.00 of the trade (its total as billed, 23.00), not the order.
    expect(env.wechat.state.trades.get(over.outTradeNo)!.refunds).toEqual([expect.objectContaining({ outRefundNo: row!.out_refund_no, amountMinor: 300n, status: "SUCCEEDED" })]);
    expect(await t.run((tx) => tx.exception.findFirstOrThrow({ where: { tenantId: t.tenantId, id: excess.id } }))).toMatchObject({ status: "RESOLVED" });
    expect(await overage()).toBe(0n);
    // Our payment is untouched: still succeeded, nothing of it refunded.
    expect(await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: over.id }, select: { status: true, refundedMinor: true } }))).toEqual({ status: "SUCCEEDED", refundedMinor: 0n });

    // The next day's bill shows the partial refund with our number: matched, not a 短款.
    const simRefund = env.wechat.state.trades.get(over.outTradeNo)!.refunds[0]!;
    simRefund.createdAt = simRefund.succeededAt = new Date(`${addDay(billDate)}T10:00:00+08:00`);
    const next = await importDay(addDay(billDate));
    expect(next.reconciliation?.differences ?? {}).toEqual({});
    const line = await ownerQuery<{ outcome: string }>(
      env.db.url,
      `SELECT i.outcome FROM recon_item i JOIN statement_line l ON l.id = i.line_id WHERE i.tenant_id = $1 AND l.out_refund_no = $2`,
      [t.tenantId, row!.out_refund_no],
    );
    expect(line).toEqual([{ outcome: "MATCHED" }]);
    await checkLedgerInvariants(env.db.url, t.tenantId, t.ctx);
  });
});
