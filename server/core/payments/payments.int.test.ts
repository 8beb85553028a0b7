import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "@/server/core/errors/domain-error";
import { sandboxNotificationSignature, SANDBOX_SIGNATURE_HEADER } from "@/server/channels/sandbox/connector";
import { configureChannelAccount, createChannelAccount } from "@/server/core/channels/accounts";
import { createRegistration } from "@/server/core/channels/registrations";
import { usageOn } from "@/server/core/channels/limits";
import { receiveNotification } from "@/server/core/channels/notify";
import { getBalanceByRef } from "@/server/core/ledger/service";
import { accounts } from "@/server/core/ledger/templates";
import { createMerchant } from "@/server/core/merchants/service";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { checkLedgerInvariants, codeOf, outcomeOf } from "@/server/testing/ledger";
import { makeTenant } from "@/server/testing/tenants";
import "./register";
import { queryDuePayments } from "./query-job";
import { createWallet, walletBalances } from "@/server/core/wallets/service";
import { createPayment, lockPayment, paymentSelect, paymentTransitions } from "./service";

// The first slice of the payment application against the sandbox channel (in process; its
// behaviour is chosen by the amount's last two fen digits: 01 declines, 02 is "user paying" until
// the second query, anything else succeeds).

process.env.DATABASE_POOL_SIZE = "20";
let db: TestDatabase;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("payments");
});
afterAll(async () => db?.drop());

async function setUp(mode: "DIRECT" | "CUSTODIAL" = "CUSTODIAL") {
  const t = await makeTenant({ mode });
  const m = await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Pay Noodles")));
  const sandbox = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" } }));
  return { ...t, m: m!, sandbox };
}

let n = 0;
const face = (merchantId: string, amountMinor: bigint, extra: Record<string, unknown> = {}) => ({
  merchantId,
  merchantOrderNo: `ORD-${Date.now()}-${++n}`,
  amountMinor,
  product: "WECHAT_FACE" as const,
  elements: { faceCode: "FACE-CODE-123" },
  deviceId: "DEV-1",
  subject: "Lunch",
  ...extra,
});

describe("a face payment through the sandbox", () => {
  it("succeeds, posts the CUSTODIAL template (margin = fee − cost), counts against today's limits, and records its transitions", async () => {
    const t = await setUp();
    const p = await createPayment(t.ctx, face(t.m.id, 10_000n));
    expect(p).toMatchObject({ status: "SUCCEEDED", feeMinor: 38n, costMinor: 20n, marginMinor: 18n, channelAccountId: t.sandbox.id });
    expect(p.channelTradeNo).toBeTruthy();
    const bal = (ref: Parameters<typeof getBalanceByRef>[2]) => t.run((tx) => getBalanceByRef(tx, t.ctx, ref));
    expect((await bal(accounts.merchantPending(t.m.id))).postedMinor).toBe(10_000n - 38n);
    expect((await bal(accounts.feeIncome)).postedMinor).toBe(38n);
    expect((await bal(accounts.clearing(t.sandbox.id))).postedMinor).toBe(10_000n - 20n);
    // CUSTODIAL: the margin is fee income less channel cost, inside the payment entry; no separate 分润 entry.
    expect((await bal(accounts.channelCost)).postedMinor).toBe(20n);
    expect((await bal(accounts.marginIncome)).postedMinor).toBe(0n);
    const transitions = await t.run((tx) => paymentTransitions(tx, t.ctx, p.id));
    expect(transitions.map((x) => [x.fromStatus, x.toStatus, x.cause])).toEqual([
      [null, "PROCESSING", "CREATED"],
      ["PROCESSING", "SUCCEEDED", "CHANNEL_RESPONSE"],
    ]);
    const usage = await t.run((tx) => usageOn(tx, t.ctx, p.businessDate.toISOString().slice(0, 10)));
    expect(usage.channelAccounts.get(t.sandbox.id)).toEqual({ amountMinor: 10_000n, count: 1 });
    const decision = await t.run((tx) => tx.routingDecision.findFirstOrThrow({ where: { tenantId: t.tenantId, id: p.routingDecisionId } }));
    expect(decision.succeeded).toBe(true);
    // The payment records the entry it posted (written in the posting's own statement).
    const stored = await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: p.id }, select: { ledgerEntryId: true } }));
    const entry = await t.run((tx) => tx.journalEntry.findFirstOrThrow({ where: { tenantId: t.tenantId, causeType: "payment", causeId: p.id }, select: { id: true } }));
    expect(stored.ledgerEntryId).toBe(entry.id);
    expect(p.ledgerEntryId).toBe(entry.id);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("routes with the configuration as it stands: an edit between two payments is seen by the second", async () => {
    // The payment's routing transaction is raw-only; a stale configuration is loaded outside it
    // (withRoutingConfig), here at the first payment (nothing cached yet) and after the edit.
    const t = await setUp();
    expect(await createPayment(t.ctx, face(t.m.id, 10_000n))).toMatchObject({ status: "SUCCEEDED", feeMinor: 38n });
    await t.run((tx) => tx.feeRule.updateMany({ where: { tenantId: t.tenantId, product: "WECHAT_FACE", merchantScope: "" }, data: { feeRatePpm: 6_000 } }));
    expect(await createPayment(t.ctx, face(t.m.id, 10_000n))).toMatchObject({ status: "SUCCEEDED", feeMinor: 60n });
  });

  it("the payment path's raw row (lockPayment) is paymentSelect's view, field for field", async () => {
    const t = await setUp();
    const p = await createPayment(t.ctx, face(t.m.id, 12_300n));
    const [raw, model] = await t.run(async (tx) => [await lockPayment(tx, t.ctx, p.id), await tx.payment.findFirst({ where: { tenantId: t.tenantId, id: p.id }, select: paymentSelect })]);
    expect(model).not.toBeNull();
    expect(Object.keys(raw!).sort()).toEqual(Object.keys(paymentSelect).sort());
    expect(raw).toEqual(model);
    expect(await t.run((tx) => lockPayment(tx, t.ctx, "00000000-0000-4000-8000-000000000000"))).toBeNull();
  });
  it("a decline fails definitely, releases its share of the limits and posts nothing", async () => {
    const t = await setUp();
    const p = await createPayment(t.ctx, face(t.m.id, 5_001n));
    expect(p.status).toBe("FAILED");
    expect(p.failureCode).toBe("SANDBOX_DECLINED");
    const usage = await t.run((tx) => usageOn(tx, t.ctx, p.businessDate.toISOString().slice(0, 10)));
    expect(usage.channelAccounts.get(t.sandbox.id)).toEqual({ amountMinor: 0n, count: 0 });
    expect(await t.run((tx) => tx.journalEntry.count({ where: { tenantId: t.tenantId, causeId: p.id } }))).toBe(0);
  });

  it("'user paying' stays PROCESSING and is settled by the query job", async () => {
    const t = await setUp();
    const p = await createPayment(t.ctx, face(t.m.id, 7_002n));
    expect(p.status).toBe("PROCESSING");
    const later = new Date(Date.now() + 60_000);
    expect(await queryDuePayments(t.ctx, later)).toMatchObject({ queried: 1, settled: 0 });
    expect(await queryDuePayments(t.ctx, new Date(Date.now() + 10 * 60_000))).toMatchObject({ queried: 1, settled: 1 });
    const after = await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: p.id } }));
    expect(after.status).toBe("SUCCEEDED");
    // The payer comes with the query that settled it (distinct payers count it like an instant success).
    const instant = await createPayment(t.ctx, face(t.m.id, 7_000n));
    const instantPayer = (await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: instant.id } }))).payerId;
    expect(instantPayer).toMatch(/^sbx_[0-9a-f]{16}$/);
    expect(after.payerId).toBe(instantPayer); // the same face code, the same payer
    const causes = (await t.run((tx) => paymentTransitions(tx, t.ctx, p.id))).map((x) => `${x.toStatus}:${x.cause}`);
    // The channel's "user paying" answer and the first query are kept as exchanges without a move.
    expect(causes).toEqual(["PROCESSING:CREATED", "PROCESSING:CHANNEL_RESPONSE", "PROCESSING:QUERY", "SUCCEEDED:QUERY"]);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("a DIRECT tenant books the memo entry (what the channel owes the merchant) and the margin", async () => {
    const t = await setUp("DIRECT");
    const p = await createPayment(t.ctx, face(t.m.id, 20_000n));
    expect(p.status).toBe("SUCCEEDED");
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.memoDue(t.m.id)))).postedMinor).toBe(20_000n - 76n);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });
});

describe("refusals before the channel leave no payment", () => {
  it("a repeated order number is refused; five at once create exactly one payment", async () => {
    const t = await setUp();
    const input = face(t.m.id, 1_000n);
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => outcomeOf(createPayment(t.ctx, input))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results) if (!r.ok) expect(r.code).toBe("MERCHANT_ORDER_NO_TAKEN");
    expect(await t.run((tx) => tx.payment.count({ where: { tenantId: t.tenantId, merchantOrderNo: input.merchantOrderNo } }))).toBe(1);
    // Once it is there, the check before routing refuses it and names the payment that has it.
    const existing = await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, merchantOrderNo: input.merchantOrderNo }, select: { id: true } }));
    const again = await createPayment(t.ctx, input).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(DomainError);
    expect(again).toMatchObject({ code: "MERCHANT_ORDER_NO_TAKEN", params: { paymentId: existing.id } });
  });

  it("no route (the face code is missing) is refused with the routing reason; the decision is kept", async () => {
    const t = await setUp();
    const before = await t.run((tx) => tx.routingDecision.count({ where: { tenantId: t.tenantId } }));
    expect(await codeOf(createPayment(t.ctx, face(t.m.id, 1_000n, { elements: {} })))).toBe("ELEMENT_MISSING");
    expect(await t.run((tx) => tx.payment.count({ where: { tenantId: t.tenantId } }))).toBe(0);
    expect(await t.run((tx) => tx.routingDecision.count({ where: { tenantId: t.tenantId } }))).toBe(before + 1);
  });
});

describe("notifications move a payment once", () => {
  it("a signed success notification settles a PROCESSING payment; a repeat and a contradicting failure change nothing", async () => {
    const t = await setUp();
    await t.run((tx) => configureChannelAccount(tx, t.ctx, { id: t.sandbox.id, params: {}, credentials: { notifySecret: "s3cret" } }));
    const p = await createPayment(t.ctx, face(t.m.id, 3_002n));
    expect(p.status).toBe("PROCESSING");
    const notify = (status: string, eventId: string) => {
      const body = JSON.stringify({ eventId, kind: "PAYMENT", outTradeNo: p.outTradeNo, status, amountMinor: 3002, channelTradeNo: "SBX-1", payerId: "sbx_notified_payer" });
      return receiveNotification("sandbox", t.sandbox.id, { headers: { [SANDBOX_SIGNATURE_HEADER]: sandboxNotificationSignature(body, "s3cret") }, body, receivedAt: new Date() });
    };
    expect((await notify("SUCCEEDED", "ev-1")).accepted).toBe(true);
    expect((await notify("SUCCEEDED", "ev-2")).accepted).toBe(true);
    expect((await notify("FAILED", "ev-3")).accepted).toBe(true);
    const after = await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: p.id } }));
    expect(after.status).toBe("SUCCEEDED");
    expect(after.payerId).toBe("sbx_notified_payer"); // the payer the notification names
    expect(await t.run((tx) => tx.journalEntry.count({ where: { tenantId: t.tenantId, causeId: p.id } }))).toBe(1); // the payment entry, once (CUSTODIAL: no separate margin entry)
    const causes = (await t.run((tx) => paymentTransitions(tx, t.ctx, p.id))).map((x) => `${x.toStatus}:${x.cause}`);
    // The contradicting failure is recorded without a change, for reconciliation.
    expect(causes).toEqual(["PROCESSING:CREATED", "PROCESSING:CHANNEL_RESPONSE", "SUCCEEDED:NOTIFICATION", "SUCCEEDED:NOTIFICATION"]);
    const last = (await t.run((tx) => paymentTransitions(tx, t.ctx, p.id))).at(-1)!;
    expect([last.fromStatus, last.reason]).toEqual(["SUCCEEDED", "the channel answered FAILED, contradicting SUCCEEDED: left for reconciliation"]);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });
});

describe("fallback and QR expiry", () => {
  it("a QR payment declined with no money moved falls back to the next account; a face payment never does", async () => {
    const t = await setUp();
    // A cheaper account that declines everything: lowest cost routes there first.
    const decliner = await t.run(async (tx) => {
      const a = await createChannelAccount(tx, t.ctx, { channelType: "SANDBOX", name: "Declines all", params: { declineAll: "true" }, credentials: {}, settings: { costRatePpm: 500 } });
      await createRegistration(tx, t.ctx, { merchantId: t.m.id, channelAccountId: a.id, status: "ACTIVE" });
      return a;
    });
    const qr = await createPayment(t.ctx, { merchantId: t.m.id, merchantOrderNo: `QR-${Date.now()}`, amountMinor: 2_000n, product: "WECHAT_QR", subject: "Lunch" });
    expect(qr).toMatchObject({ status: "SUCCEEDED", channelAccountId: t.sandbox.id });
    const causes = (await t.run((tx) => paymentTransitions(tx, t.ctx, qr.id))).map((x) => `${x.toStatus}:${x.cause}`);
    expect(causes).toEqual(["PROCESSING:CREATED", "PROCESSING:FALLBACK", "SUCCEEDED:CHANNEL_RESPONSE"]);
    const fallback = (await t.run((tx) => paymentTransitions(tx, t.ctx, qr.id)))[1]!;
    expect(fallback.reason).toContain("SANDBOX_DECLINED");
    // Only the account that took it counts the payment against its limits.
    const usage = await t.run((tx) => usageOn(tx, t.ctx, qr.businessDate.toISOString().slice(0, 10)));
    expect(usage.channelAccounts.get(decliner.id) ?? { amountMinor: 0n, count: 0 }).toEqual({ amountMinor: 0n, count: 0 });
    expect(usage.channelAccounts.get(t.sandbox.id)).toEqual({ amountMinor: 2_000n, count: 1 });

    const f = await createPayment(t.ctx, face(t.m.id, 2_000n));
    expect(f).toMatchObject({ status: "FAILED", failureCode: "SANDBOX_DECLINED", channelAccountId: decliner.id });
    expect((await t.run((tx) => paymentTransitions(tx, t.ctx, f.id))).map((x) => x.cause)).not.toContain("FALLBACK");
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("a QR order nobody pays is closed at the channel once it expires, and says so", async () => {
    const t = await setUp();
    const qr = await createPayment(t.ctx, { merchantId: t.m.id, merchantOrderNo: `QR-${Date.now()}`, amountMinor: 2_002n, product: "ALIPAY_QR", subject: "Lunch" });
    expect(qr.status).toBe("PROCESSING");
    expect(qr.codeUrl).toMatch(/^sandbox:\/\/qr\//);
    expect(qr.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
    // A QR order paid at once keeps its code too (written by the state change's own UPDATE).
    const paid = await createPayment(t.ctx, { merchantId: t.m.id, merchantOrderNo: `QR-PAID-${Date.now()}`, amountMinor: 2_000n, product: "WECHAT_QR", subject: "Lunch" });
    expect(paid.status).toBe("SUCCEEDED");
    expect(paid.codeUrl).toMatch(/^sandbox:\/\/qr\//);
    expect((await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: paid.id } }))).codeUrl).toBe(paid.codeUrl);
    // The payer has not paid by the time the code expires (the sandbox's first query still says "processing").
    await ownerQuery(db.url, `UPDATE payment SET expires_at = now() - interval '1 second', next_query_at = now() - interval '1 second' WHERE id = $1`, [qr.id]);
    await queryDuePayments(t.ctx, new Date(Date.now() + 1_000));
    const after = await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: qr.id } }));
    expect(after).toMatchObject({ status: "CLOSED", failureCode: "CLOSED" });
    expect(after.failureMessage).toContain("expired");
    expect((await t.run((tx) => paymentTransitions(tx, t.ctx, qr.id))).at(-1)).toMatchObject({ cause: "CLOSE", toStatus: "CLOSED" });
  });
});

describe("wallet recharge", () => {
  it("a RECHARGE payment credits the wallet with all of it (no merchant fee; the provider bears the channel cost); DIRECT tenants are refused", async () => {
    const t = await setUp("CUSTODIAL");
    const { wallet } = await t.run((tx) => createWallet(tx, t.ctx, { merchantId: t.m.id, externalUserId: "user-1" }));
    const p = await createPayment(t.ctx, { merchantId: t.m.id, merchantOrderNo: `RC-${Date.now()}`, orderType: "RECHARGE", walletId: wallet.id, amountMinor: 5_000n, product: "WECHAT_QR", subject: "Top up" });
    expect(p).toMatchObject({ status: "SUCCEEDED", orderType: "RECHARGE", walletId: wallet.id, feeMinor: 0n });
    expect(p.marginMinor).toBe(-p.costMinor);
    const balances = await t.run((tx) => walletBalances(tx, t.ctx, [wallet.id]));
    expect(balances.get(wallet.id)).toEqual({ postedMinor: 5_000n, availableMinor: 5_000n });
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.channelCost))).postedMinor).toBe(p.costMinor);
    // A wallet is named only for a recharge, and only one of the merchant's.
    expect(await codeOf(createPayment(t.ctx, { ...face(t.m.id, 1_000n), walletId: wallet.id }))).toBe("INVALID_REQUEST");
    expect(await codeOf(createPayment(t.ctx, { merchantId: t.m.id, merchantOrderNo: `RC-${Date.now()}-x`, orderType: "RECHARGE", amountMinor: 1_000n, product: "WECHAT_QR", subject: "Top up" }))).toBe("INVALID_REQUEST");
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);

    const d = await setUp("DIRECT");
    expect(await codeOf(createPayment(d.ctx, { merchantId: d.m.id, merchantOrderNo: `RC-${Date.now()}-d`, orderType: "RECHARGE", walletId: wallet.id, amountMinor: 1_000n, product: "WECHAT_QR", subject: "Top up" }))).toBe("NOT_AVAILABLE_IN_DIRECT_MODE");
  });
});
