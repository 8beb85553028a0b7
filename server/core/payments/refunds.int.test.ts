import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sandboxNotificationSignature, SANDBOX_SIGNATURE_HEADER } from "@/server/channels/sandbox/connector";
import { connectorFor } from "@/server/channels/registry";
import { configureChannelAccount, connectorConfig } from "@/server/core/channels/accounts";
import { receiveNotification } from "@/server/core/channels/notify";
import { createHold, getBalanceByRef, lockAhead, postEntry } from "@/server/core/ledger/service";
import { accounts, merchantSettle, payoutHold } from "@/server/core/ledger/templates";
import { createMerchant } from "@/server/core/merchants/service";
import { createProposal, decideProposal } from "@/server/core/proposals/service";
import { createUser } from "@/server/core/users/service";
import { createWallet, walletBalances } from "@/server/core/wallets/service";
import type { TenantContext } from "@/server/db/tenant-tx";
import { drainOutboxOnce } from "@/server/jobs/outbox";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { checkLedgerInvariants, codeOf, outcomeOf } from "@/server/testing/ledger";
import { makeTenant } from "@/server/testing/tenants";
import { registrationIdentity } from "./common";
import { queryDuePayments } from "./query-job";
import { createRefund, refundTransitions, resolveAbnormalRefund } from "./refunds";
import "./register";
import { applyChannelResult, createPayment, paymentTransitions } from "./service";

// Refunds against the sandbox channel. The sandbox's refund rules, by the refund amount's last two
// fen digits: …01 declined at once, …02 processing then succeeded at the first query, …04
// processing then abnormal at the first query, anything else succeeded at once. Sandbox fees:
// merchant fee 0.38 %, channel cost 0.2 %, deducted at source, returned pro rata on refunds.

process.env.DATABASE_POOL_SIZE = "20";
let db: TestDatabase;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("refunds");
});
afterAll(async () => db?.drop());

async function setUp(mode: "DIRECT" | "CUSTODIAL" = "CUSTODIAL") {
  const t = await makeTenant({ mode });
  const m = await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Refund Noodles")));
  const sandbox = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" } }));
  const bal = (ref: Parameters<typeof getBalanceByRef>[2]) => t.run((tx) => getBalanceByRef(tx, t.ctx, ref));
  return { ...t, m: m!, sandbox, bal };
}

let n = 0;
const face = (merchantId: string, amountMinor: bigint) => ({
  merchantId,
  merchantOrderNo: `ORD-${Date.now()}-${++n}`,
  amountMinor,
  product: "WECHAT_FACE" as const,
  elements: { faceCode: "FACE-CODE-123" },
  deviceId: "DEV-1",
  subject: "Lunch",
});
const refundOf = (paymentId: string, amountMinor: bigint, extra: Partial<{ merchantRefundNo: string; merchantId: string }> = {}) => ({
  paymentId,
  merchantRefundNo: extra.merchantRefundNo ?? `RF-${Date.now()}-${++n}`,
  amountMinor,
  reason: "customer changed their mind",
  origin: "CONSOLE" as const,
  ...(extra.merchantId ? { merchantId: extra.merchantId } : {}),
});

async function webhookTypes(t: Awaited<ReturnType<typeof setUp>>, objectId: string): Promise<string[]> {
  const rows = await t.run((tx) => tx.webhookEvent.findMany({ where: { tenantId: t.tenantId, objectId }, orderBy: { createdAt: "asc" }, select: { type: true } }));
  return rows.map((r) => r.type);
}

describe("CUSTODIAL refunds", () => {
  it("three partial refunds return the fee and the cost pro rata, the last takes the remainder; every balance of the payment ends at zero", async () => {
    const t = await setUp();
    const p = await createPayment(t.ctx, face(t.m.id, 10_000n));
    expect(p).toMatchObject({ status: "SUCCEEDED", feeMinor: 38n, costMinor: 20n });
    const r1 = await createRefund(t.ctx, refundOf(p.id, 3_333n));
    const r2 = await createRefund(t.ctx, refundOf(p.id, 3_333n));
    // 3333 × 0.38 % = 12.67 → 13 (half-up); cost 6.67 → 7.
    expect(r1).toMatchObject({ status: "SUCCEEDED", feeReturnedMinor: 13n, costReturnedMinor: 7n, marginClawbackMinor: 6n, fundedFrom: "PENDING" });
    expect(r2).toMatchObject({ status: "SUCCEEDED", feeReturnedMinor: 13n, costReturnedMinor: 7n });
    // More than is left (3334) is refused and writes nothing.
    expect(await codeOf(createRefund(t.ctx, refundOf(p.id, 3_335n)))).toBe("REFUND_EXCEEDS_CAPTURED");
    const r3 = await createRefund(t.ctx, refundOf(p.id, 3_334n));
    // The last refund takes what is left of the fee and the cost: 38 − 26 = 12, 20 − 14 = 6.
    expect(r3).toMatchObject({ status: "SUCCEEDED", feeReturnedMinor: 12n, costReturnedMinor: 6n });
    for (const ref of [accounts.merchantPending(t.m.id), accounts.feeIncome, accounts.channelCost, accounts.clearing(t.sandbox.id)]) {
      expect((await t.bal(ref)).postedMinor, ref.code).toBe(0n);
    }
    const after = await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: p.id } }));
    expect(after.refundedMinor).toBe(10_000n);
    expect(await codeOf(createRefund(t.ctx, refundOf(p.id, 1n)))).toBe("REFUND_EXCEEDS_CAPTURED");
    expect(await webhookTypes(t, r1.id)).toEqual(["refund.succeeded"]);
    expect((await t.run((tx) => refundTransitions(tx, t.ctx, r1.id))).map((x) => `${x.fromStatus}>${x.toStatus}:${x.cause}`)).toEqual(["null>PROCESSING:CREATED", "PROCESSING>SUCCEEDED:CHANNEL_RESPONSE"]);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("parallel refunds of one payment admit exactly what was captured", async () => {
    const t = await setUp();
    const p = await createPayment(t.ctx, face(t.m.id, 10_000n));
    const results = await Promise.all(Array.from({ length: 8 }, () => outcomeOf(createRefund(t.ctx, refundOf(p.id, 3_000n)))));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    for (const r of results) if (!r.ok) expect(r.code).toBe("REFUND_EXCEEDS_CAPTURED");
    expect(await t.run((tx) => tx.refund.count({ where: { tenantId: t.tenantId, paymentId: p.id } }))).toBe(3);
    expect((await t.bal(accounts.merchantPending(t.m.id))).postedMinor).toBe(10_000n - 38n - 3n * (3_000n - 11n));
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("a declined refund voids its hold: the payable is whole again and the merchant hears refund.failed", async () => {
    const t = await setUp();
    const p = await createPayment(t.ctx, face(t.m.id, 10_000n));
    const r = await createRefund(t.ctx, refundOf(p.id, 2_001n));
    expect(r).toMatchObject({ status: "FAILED", failureCode: "SANDBOX_REFUND_DECLINED" });
    const pending = await t.bal(accounts.merchantPending(t.m.id));
    expect(pending).toMatchObject({ postedMinor: 10_000n - 38n, availableMinor: 10_000n - 38n });
    const hold = await t.run((tx) => tx.ledgerHold.findFirstOrThrow({ where: { tenantId: t.tenantId, id: r.holdId! } }));
    expect(hold.status).toBe("VOIDED");
    expect(await webhookTypes(t, r.id)).toEqual(["refund.failed"]);
    // A failed refund does not count: the whole amount is still refundable.
    expect((await createRefund(t.ctx, refundOf(p.id, 10_000n))).status).toBe("SUCCEEDED");
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("a processing refund holds the payable (available drops, posted does not) until a query settles it", async () => {
    const t = await setUp();
    const p = await createPayment(t.ctx, face(t.m.id, 10_000n));
    const r = await createRefund(t.ctx, refundOf(p.id, 4_002n));
    expect(r.status).toBe("PROCESSING");
    expect(await t.bal(accounts.merchantPending(t.m.id))).toMatchObject({ postedMinor: 9_962n, availableMinor: 9_962n - (4_002n - 15n) });
    // Not due yet: nothing happens; once due, the query settles it.
    expect(await queryDuePayments(t.ctx, new Date())).toMatchObject({ refundsQueried: 0 });
    expect(await queryDuePayments(t.ctx, new Date(Date.now() + 60_000))).toMatchObject({ refundsQueried: 1, refundsSettled: 1 });
    expect(await t.bal(accounts.merchantPending(t.m.id))).toMatchObject({ postedMinor: 9_962n - (4_002n - 15n), availableMinor: 9_962n - (4_002n - 15n) });
    expect(await webhookTypes(t, r.id)).toEqual(["refund.succeeded"]);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("an abnormal refund keeps its hold and raises an exception until finance records the transfer to the payer's bank account", async () => {
    const t = await setUp();
    const p = await createPayment(t.ctx, face(t.m.id, 10_000n));
    const r = await createRefund(t.ctx, refundOf(p.id, 5_004n));
    await queryDuePayments(t.ctx, new Date(Date.now() + 60_000));
    const abnormal = await t.run((tx) => tx.refund.findFirstOrThrow({ where: { tenantId: t.tenantId, id: r.id } }));
    expect(abnormal).toMatchObject({ status: "ABNORMAL", failureCode: "SANDBOX_REFUND_ABNORMAL" });
    const exception = await t.run((tx) => tx.exception.findFirstOrThrow({ where: { tenantId: t.tenantId, kind: "REFUND_ABNORMAL", causeId: r.id } }));
    expect(exception.status).toBe("OPEN");
    expect((await t.bal(accounts.merchantPending(t.m.id))).availableMinor).toBe(9_962n - (5_004n - 19n));
    // Only an abnormal refund is resolved this way; a second resolution is refused.
    const resolution = { accountName: "张三", accountLast4: "1234", bankName: "招商银行", reference: "TRF-001" };
    const resolved = await t.run((tx) => resolveAbnormalRefund(tx, t.ctx, r.id, resolution));
    expect(resolved.status).toBe("SUCCEEDED");
    expect(await codeOf(t.run((tx) => resolveAbnormalRefund(tx, t.ctx, r.id, resolution)))).toBe("REFUND_NOT_ABNORMAL");
    expect((await t.run((tx) => tx.exception.findFirstOrThrow({ where: { tenantId: t.tenantId, id: exception.id } }))).status).toBe("RESOLVED");
    // Its history in the queue: raised, then closed by the transfer, each with who and when.
    const history = await t.run((tx) => tx.exceptionEvent.findMany({ where: { tenantId: t.tenantId, exceptionId: exception.id }, orderBy: { createdAt: "asc" } }));
    expect(history.map((e) => [e.kind, e.fromStatus, e.toStatus])).toEqual([
      ["CREATED", null, "OPEN"],
      ["RESOLVED", "OPEN", "RESOLVED"],
    ]);
    expect(history[1]!.body).toMatch(/Refunded to the payer's bank account/);
    expect((await t.bal(accounts.merchantPending(t.m.id))).postedMinor).toBe(9_962n - (5_004n - 19n));
    expect(await webhookTypes(t, r.id)).toEqual(["refund.abnormal", "refund.succeeded"]);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("when the payable cannot cover a refund: REFUSE writes nothing; ALLOW_DEBT books the shortfall as a merchant receivable, reversed if the refund fails", async () => {
    const t = await setUp();
    const p = await createPayment(t.ctx, face(t.m.id, 10_000n));
    // The merchant was settled and all of it is on its way out in a payout: nothing left to refund from.
    const date = p.businessDate.toISOString().slice(0, 10);
    await t.run(async (tx) => {
      await lockAhead(tx, t.ctx, { drafts: [merchantSettle(t.m.id, 9_962n)], refs: [accounts.withdrawalsInTransit] });
      await postEntry(tx, t.ctx, merchantSettle(t.m.id, 9_962n), { businessDate: date, idempotencyKey: "settle" });
      await createHold(tx, t.ctx, payoutHold(accounts.merchantAvailable(t.m.id), 9_962n), { businessDate: date, idempotencyKey: "payout" });
    });
    const refused = await outcomeOf(createRefund(t.ctx, refundOf(p.id, 5_000n)));
    expect(refused.ok ? "ok" : refused.code).toBe("INSUFFICIENT_MERCHANT_BALANCE");
    expect(await t.run((tx) => tx.refund.count({ where: { tenantId: t.tenantId } }))).toBe(0);

    await ownerQuery(db.url, `UPDATE tenant SET refund_shortfall_policy = 'ALLOW_DEBT' WHERE id = $1`, [t.tenantId]);
    const declined = await createRefund(t.ctx, refundOf(p.id, 3_001n));
    expect(declined).toMatchObject({ status: "FAILED", debtMinor: 3_001n - 11n });
    expect((await t.bal(accounts.merchantReceivable(t.m.id))).postedMinor).toBe(0n);
    const r = await createRefund(t.ctx, refundOf(p.id, 5_000n));
    expect(r).toMatchObject({ status: "SUCCEEDED", fundedFrom: "AVAILABLE", debtMinor: 5_000n - 19n });
    expect((await t.bal(accounts.merchantReceivable(t.m.id))).postedMinor).toBe(5_000n - 19n);
    expect(await t.bal(accounts.merchantAvailable(t.m.id))).toMatchObject({ postedMinor: 9_962n, availableMinor: 0n });
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("refuses a refund of a payment that has not succeeded, a repeated refund number, and another merchant's payment", async () => {
    const t = await setUp();
    const failed = await createPayment(t.ctx, face(t.m.id, 1_001n));
    expect(await codeOf(createRefund(t.ctx, refundOf(failed.id, 100n)))).toBe("PAYMENT_NOT_REFUNDABLE");
    const p = await createPayment(t.ctx, face(t.m.id, 10_000n));
    await createRefund(t.ctx, refundOf(p.id, 100n, { merchantRefundNo: "RF-SAME" }));
    expect(await codeOf(createRefund(t.ctx, refundOf(p.id, 100n, { merchantRefundNo: "RF-SAME" })))).toBe("MERCHANT_REFUND_NO_TAKEN");
    const other = await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Other Noodles")));
    expect(await codeOf(createRefund(t.ctx, refundOf(p.id, 100n, { merchantId: other!.id })))).toBe("PAYMENT_NOT_FOUND");
    expect(await codeOf(createRefund(t.ctx, refundOf(p.id, 0n)))).toBe("INVALID_REQUEST");
  });
});

describe("refunds of wallet recharges", () => {
  async function recharged(amountMinor: bigint) {
    const t = await setUp();
    const { wallet } = await t.run((tx) => createWallet(tx, t.ctx, { merchantId: t.m.id, externalUserId: `user-${++n}` }));
    const wallet$ = async () => (await t.run((tx) => walletBalances(tx, t.ctx, [wallet.id]))).get(wallet.id);
    const p = await createPayment(t.ctx, { merchantId: t.m.id, merchantOrderNo: `RC-${Date.now()}-${++n}`, orderType: "RECHARGE", walletId: wallet.id, amountMinor, product: "WECHAT_QR", subject: "Top up" });
    return { t, wallet, wallet$, p };
  }

  it("come back out of the wallet the recharge went into, never the merchant's payable; a wallet is never overdrawn, whatever the shortfall policy", async () => {
    const { t, wallet, wallet$, p } = await recharged(5_000n);
    expect(p).toMatchObject({ status: "SUCCEEDED", feeMinor: 0n, costMinor: 10n });
    const merchant$ = async () => [(await t.bal(accounts.merchantPending(t.m.id))).postedMinor, (await t.bal(accounts.merchantAvailable(t.m.id))).postedMinor];

    // 2,000 back to the payer: the wallet pays it, the channel returns its cost pro rata (0.2 % → 4).
    const r1 = await createRefund(t.ctx, refundOf(p.id, 2_000n));
    expect(r1).toMatchObject({ status: "SUCCEEDED", fundedFrom: "WALLET", feeReturnedMinor: 0n, costReturnedMinor: 4n });
    expect(await wallet$()).toEqual({ postedMinor: 3_000n, availableMinor: 3_000n });
    expect(await merchant$()).toEqual([0n, 0n]);
    expect((await t.bal(accounts.channelCost)).postedMinor).toBe(10n - 4n);

    // A declined refund (…01) releases what it held; a processing one (…02) holds it until the channel answers.
    expect(await createRefund(t.ctx, refundOf(p.id, 1_001n))).toMatchObject({ status: "FAILED", fundedFrom: "WALLET" });
    expect(await wallet$()).toEqual({ postedMinor: 3_000n, availableMinor: 3_000n });
    const processing = await createRefund(t.ctx, refundOf(p.id, 1_002n));
    expect(processing).toMatchObject({ status: "PROCESSING", fundedFrom: "WALLET" });
    expect(await wallet$()).toEqual({ postedMinor: 3_000n, availableMinor: 3_000n - 1_002n });

    // The customer spends the rest but 500 (a withdrawal on hold): a refund of more than the wallet
    // holds is refused and writes nothing, even under ALLOW_DEBT (that policy is the merchant's debt).
    await ownerQuery(db.url, `UPDATE tenant SET refund_shortfall_policy = 'ALLOW_DEBT' WHERE id = $1`, [t.tenantId]);
    await t.run((tx) => createHold(tx, t.ctx, payoutHold(accounts.wallet(wallet.id), 1_498n), { businessDate: p.businessDate.toISOString().slice(0, 10), idempotencyKey: "withdrawal" }));
    const before = await t.run((tx) => tx.refund.count({ where: { tenantId: t.tenantId } }));
    const refused = await outcomeOf(createRefund(t.ctx, refundOf(p.id, 501n)));
    expect(refused.ok ? "ok" : [refused.code, (refused.error as Error).message]).toEqual(["INSUFFICIENT_WALLET_BALANCE", expect.stringContaining("holds 500 minor units available; the refund needs 501")]);
    expect(await t.run((tx) => tx.refund.count({ where: { tenantId: t.tenantId } }))).toBe(before);
    expect(await createRefund(t.ctx, refundOf(p.id, 500n))).toMatchObject({ status: "SUCCEEDED", fundedFrom: "WALLET" });
    expect(await wallet$()).toEqual({ postedMinor: 2_500n, availableMinor: 0n });
    expect(await merchant$()).toEqual([0n, 0n]);
    expect((await t.bal(accounts.merchantReceivable(t.m.id))).postedMinor).toBe(0n);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("a recharge that succeeds late is credited to the wallet and refunded from it automatically", async () => {
    const { t, wallet$, p } = await recharged(3_003n);
    // The result is unknown (…03); our side closes the payment, then the channel reports it paid
    // (a query settles the sandbox's trade).
    expect(p.status).toBe("PROCESSING");
    await t.run((tx) => applyChannelResult(tx, t.ctx, p.id, { status: "CLOSED", failure: { code: "CLOSED", message: "closed" } }, "CLOSE"));
    const channel = await t.run(async (tx) => ({ account: await connectorConfig(tx, t.ctx, t.sandbox.id), registration: await registrationIdentity(tx, t.ctx, p.registrationId) }));
    expect((await connectorFor("SANDBOX").query(channel, { outTradeNo: p.outTradeNo })).status).toBe("SUCCEEDED");
    await t.run((tx) => applyChannelResult(tx, t.ctx, p.id, { status: "SUCCEEDED" }, "QUERY"));
    const auto = await t.run((tx) => tx.refund.findFirstOrThrow({ where: { tenantId: t.tenantId, paymentId: p.id } }));
    expect(auto).toMatchObject({ origin: "LATE_SUCCESS", amountMinor: 3_003n, status: "PROCESSING", fundedFrom: "WALLET" });
    expect(await wallet$()).toEqual({ postedMinor: 3_003n, availableMinor: 0n });
    for (let i = 0; i < 50; i++) if ((await drainOutboxOnce(200)).claimed === 0) break;
    expect((await t.run((tx) => tx.refund.findFirstOrThrow({ where: { tenantId: t.tenantId, id: auto.id } }))).status).toBe("SUCCEEDED");
    expect(await wallet$()).toEqual({ postedMinor: 0n, availableMinor: 0n });
    expect((await t.bal(accounts.merchantPending(t.m.id))).postedMinor).toBe(0n);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });
});

describe("DIRECT refunds", () => {
  it("post the memo mirror and claw the margin back pro rata; the channel's own refusal is passed through", async () => {
    const t = await setUp("DIRECT");
    const p = await createPayment(t.ctx, face(t.m.id, 10_000n));
    expect(p.marginMinor).toBe(18n);
    const r1 = await createRefund(t.ctx, refundOf(p.id, 2_500n));
    expect(r1).toMatchObject({ status: "SUCCEEDED", feeReturnedMinor: 10n, marginClawbackMinor: 5n, holdId: null, fundedFrom: null });
    expect((await t.bal(accounts.memoDue(t.m.id))).postedMinor).toBe(9_962n - 2_490n);
    expect((await t.bal(accounts.marginIncome)).postedMinor).toBe(18n - 5n);
    const refused = await createRefund(t.ctx, refundOf(p.id, 1_001n));
    expect(refused).toMatchObject({ status: "FAILED", failureCode: "SANDBOX_REFUND_DECLINED" });
    const r2 = await createRefund(t.ctx, refundOf(p.id, 7_500n));
    expect(r2).toMatchObject({ status: "SUCCEEDED", feeReturnedMinor: 28n, marginClawbackMinor: 13n });
    expect((await t.bal(accounts.memoDue(t.m.id))).postedMinor).toBe(0n);
    expect((await t.bal(accounts.marginIncome)).postedMinor).toBe(0n);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });
});

describe("LATE_SUCCESS", () => {
  it("a success notified for a FAILED payment books it, raises the exception, tells the merchant and refunds it automatically", async () => {
    const t = await setUp();
    await t.run((tx) => configureChannelAccount(tx, t.ctx, { id: t.sandbox.id, params: {}, credentials: { notifySecret: "s3cret" } }));
    // The result is unknown (…03) and our side gives up on the payment.
    const p = await createPayment(t.ctx, face(t.m.id, 6_003n));
    expect(p.status).toBe("PROCESSING");
    await t.run((tx) => applyChannelResult(tx, t.ctx, p.id, { status: "FAILED", failure: { code: "USERPAYING_TIMEOUT", message: "the payer did not confirm in time" } }, "QUERY"));
    // …but the payer had paid at the channel after all (a query settles the sandbox's trade).
    const channel = await t.run(async (tx) => ({ account: await connectorConfig(tx, t.ctx, t.sandbox.id), registration: await registrationIdentity(tx, t.ctx, p.registrationId) }));
    expect((await connectorFor("SANDBOX").query(channel, { outTradeNo: p.outTradeNo })).status).toBe("SUCCEEDED");
    const body = JSON.stringify({ eventId: "late-1", kind: "PAYMENT", outTradeNo: p.outTradeNo, status: "SUCCEEDED", amountMinor: 6003, channelTradeNo: "SBX-LATE" });
    const ack = await receiveNotification("sandbox", t.sandbox.id, { headers: { [SANDBOX_SIGNATURE_HEADER]: sandboxNotificationSignature(body, "s3cret") }, body, receivedAt: new Date() });
    expect(ack.accepted).toBe(true);

    const after = await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: p.id } }));
    expect(after).toMatchObject({ status: "SUCCEEDED", lateSuccess: true });
    const causes = (await t.run((tx) => paymentTransitions(tx, t.ctx, p.id))).map((x) => `${x.fromStatus}>${x.toStatus}:${x.cause}`);
    expect(causes.slice(-2)).toEqual(["PROCESSING>FAILED:QUERY", "FAILED>SUCCEEDED:LATE_SUCCESS"]);
    const exception = await t.run((tx) => tx.exception.findFirstOrThrow({ where: { tenantId: t.tenantId, kind: "LATE_SUCCESS", causeId: p.id } }));
    expect(exception.status).toBe("OPEN");
    expect(await webhookTypes(t, p.id)).toEqual(["payment.failed", "payment.late_succeeded"]);
    const auto = await t.run((tx) => tx.refund.findFirstOrThrow({ where: { tenantId: t.tenantId, paymentId: p.id } }));
    expect(auto).toMatchObject({ origin: "LATE_SUCCESS", amountMinor: 6_003n, status: "PROCESSING", submittedAt: null });

    // The outbox sends the automatic refund; it succeeds and closes the exception.
    // Until the outbox is quiet (other topics, such as the daily statistics' recompute events, share it).
    for (let i = 0; i < 50; i++) if ((await drainOutboxOnce(200)).claimed === 0) break;
    const refunded = await t.run((tx) => tx.refund.findFirstOrThrow({ where: { tenantId: t.tenantId, id: auto.id } }));
    expect(refunded.status).toBe("SUCCEEDED");
    expect((await t.run((tx) => tx.exception.findFirstOrThrow({ where: { tenantId: t.tenantId, id: exception.id } }))).status).toBe("RESOLVED");
    expect((await t.run((tx) => tx.exceptionEvent.findMany({ where: { tenantId: t.tenantId, exceptionId: exception.id }, orderBy: { createdAt: "asc" } }))).map((e) => e.kind)).toEqual(["CREATED", "RESOLVED"]);
    // The money came in and went back out: the merchant's payable is where it started.
    expect((await t.bal(accounts.merchantPending(t.m.id))).postedMinor).toBe(0n);
    // The same notification again changes nothing.
    await receiveNotification("sandbox", t.sandbox.id, { headers: { [SANDBOX_SIGNATURE_HEADER]: sandboxNotificationSignature(body, "s3cret") }, body, receivedAt: new Date() });
    expect(await t.run((tx) => tx.refund.count({ where: { tenantId: t.tenantId, paymentId: p.id } }))).toBe(1);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("with the tenant's automatic refund off, the late success is booked and left to a person", async () => {
    const t = await setUp();
    await ownerQuery(db.url, `UPDATE tenant SET auto_refund_late_success = false WHERE id = $1`, [t.tenantId]);
    const p = await createPayment(t.ctx, face(t.m.id, 6_002n));
    await t.run((tx) => applyChannelResult(tx, t.ctx, p.id, { status: "CLOSED", failure: { code: "REVERSED", message: "reversed" } }, "REVERSE"));
    await t.run((tx) => applyChannelResult(tx, t.ctx, p.id, { status: "SUCCEEDED" }, "QUERY"));
    expect(await t.run((tx) => tx.refund.count({ where: { tenantId: t.tenantId, paymentId: p.id } }))).toBe(0);
    expect((await t.bal(accounts.merchantPending(t.m.id))).postedMinor).toBe(6_002n - 23n);
    expect(await t.run((tx) => tx.exception.count({ where: { tenantId: t.tenantId, kind: "LATE_SUCCESS", causeId: p.id, status: "OPEN" } }))).toBe(1);
    // A failure after the late success contradicts it: refused.
    expect(await codeOf(t.run((tx) => applyChannelResult(tx, t.ctx, p.id, { status: "FAILED" }, "QUERY")))).toBe("ILLEGAL_TRANSITION");
  });
});

describe("CORRECTED_BY_RECON", () => {
  it("moves a final payment to another final state only through an approved proposal, reversing or posting its entries", async () => {
    const t = await setUp();
    const users: TenantContext[] = [];
    await t.run(async (tx) => {
      for (const key of ["f1", "f2"]) {
        const u = await createUser(tx, t.ctx, { email: `${key}@${t.slug}.test`, name: key, role: "FINANCE", password: "Test-password-1" });
        users.push({ tenantId: t.tenantId, actor: { kind: "USER", userId: u!.id, email: u!.email, role: "FINANCE", merchantId: null } });
      }
    });
    const [maker, checker] = users as [TenantContext, TenantContext];
    const p = await createPayment(t.ctx, face(t.m.id, 10_000n));
    const proposal = await t.run((tx) => createProposal(tx, maker, { kind: "payment.correction", reason: "reconciliation", payload: { paymentId: p.id, to: "FAILED", reason: "not in the channel's bill: the channel never took the money" } }));
    expect(await codeOf(t.run((tx) => decideProposal(tx, maker, { id: proposal.id, decision: "APPROVE" })))).toBe("SELF_APPROVAL");
    await t.run((tx) => decideProposal(tx, checker, { id: proposal.id, decision: "APPROVE" }));
    const after = await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: p.id } }));
    expect(after).toMatchObject({ status: "FAILED", failureCode: "CORRECTED_BY_RECON", paidAt: null });
    expect((await t.bal(accounts.merchantPending(t.m.id))).postedMinor).toBe(0n);
    expect((await t.run((tx) => paymentTransitions(tx, t.ctx, p.id))).at(-1)).toMatchObject({ fromStatus: "SUCCEEDED", toStatus: "FAILED", cause: "CORRECTED_BY_RECON" });
    expect(await webhookTypes(t, p.id)).toEqual(["payment.succeeded", "payment.corrected"]);
    // And back: a correction to SUCCEEDED posts the entries again.
    const back = await t.run((tx) => createProposal(tx, maker, { kind: "payment.correction", reason: "reconciliation", payload: { paymentId: p.id, to: "SUCCEEDED", reason: "found in the next day's bill after all" } }));
    await t.run((tx) => decideProposal(tx, checker, { id: back.id, decision: "APPROVE" }));
    expect((await t.bal(accounts.merchantPending(t.m.id))).postedMinor).toBe(9_962n);
    // A processing payment is never corrected.
    const processing = await createPayment(t.ctx, face(t.m.id, 2_002n));
    expect(await codeOf(t.run((tx) => createProposal(tx, maker, { kind: "payment.correction", reason: "reconciliation", payload: { paymentId: processing.id, to: "FAILED", reason: "should be refused" } })))).toBe("ILLEGAL_CORRECTION");
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });
});
