import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant } from "@/server/testing/tenants";
import { checkLedgerInvariants, codeOf, custodialBook, draftLines, expectPosted, postDraft, postedBalance, refKey, type CustodialBook } from "@/server/testing/ledger";
import { withTenantTx } from "@/server/db/tenant-tx";
import type { AccountRef } from "./chart";
import { mulDivHalfUp, proportionalShare } from "./money";
import {
  accounts,
  bankCreditNetSettlement,
  channelAmountCorrection,
  channelCostCorrection,
  directMemoPayment,
  directMemoRefund,
  directMemoSettled,
  margin,
  marginClawback,
  merchantDebtForRefund,
  merchantSettle,
  overage,
  paymentFeeAtSource,
  paymentFeeBilledMonthly,
  payoutBankFailure,
  payoutBankSuccess,
  payoutHold,
  payoutReturned,
  platformFee,
  rechargeChannelCost,
  refund,
  refundCompletion,
  refundHold,
  shortage,
  walletRecharge,
  walletTransfer,
  writeOffOverage,
  writeOffShortage,
  type EntryDraft,
} from "./templates";
import { createHold, getBalanceByRef, getEntry, lockAhead, openMerchantAccounts, postEntry, postHold, provisionLedger, reverseEntry, trialBalance, voidHold } from "./service";

// The canonical entries of ARCHITECTURE.md §3, one test each, with the numbers worked by hand:
// first the draft's lines exactly (account, signed amount: debit > 0), then the entry posted to a
// real database and every touched balance read back, then the ledger's invariants.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("ledger_templates");
});
afterAll(async () => db?.drop());

const D = "2026-11-27";
const lines = draftLines;
const key = refKey;

const post = (b: CustodialBook, d: EntryDraft, idem?: string) => postDraft(b, d, D, idem);
const posted = postedBalance;

describe("CUSTODIAL payments", () => {
  it("payment, fee deducted at source: Dr clearing A−C, Dr cost C / Cr merchant pending A−F, Cr fee F", async () => {
    const b = await custodialBook();
    const [m, ch] = [b.merchants[0]!, b.channels[0]!];
    // A = ¥100.00, F = 0.38% = 38, C = 0.235% = 23.5 → 24 (half up).
    const C = mulDivHalfUp(10000n, 2350n, 1_000_000n);
    expect(C).toBe(24n);
    const d = paymentFeeAtSource({ merchantId: m, channelAccountId: ch, amountMinor: 10000n, feeMinor: 38n, costMinor: C });
    expect(d.kind).toBe("payment.fee_at_source");
    expect(lines(d)).toEqual([
      [key(accounts.clearing(ch)), 9976n],
      [key(accounts.channelCost), 24n],
      [key(accounts.merchantPending(m)), -9962n],
      [key(accounts.feeIncome), -38n],
    ]);
    await post(b, d);
    await expectPosted(b, [
      [accounts.clearing(ch), 9976n],
      [accounts.channelCost, 24n],
      [accounts.merchantPending(m), 9962n],
      [accounts.feeIncome, 38n],
    ]);
    // Zero lines are dropped: no fee and no cost → two lines.
    expect(lines(paymentFeeAtSource({ merchantId: m, channelAccountId: ch, amountMinor: 500n, feeMinor: 0n, costMinor: 0n }))).toEqual([
      [key(accounts.clearing(ch)), 500n],
      [key(accounts.merchantPending(m)), -500n],
    ]);
    expect(() => paymentFeeAtSource({ merchantId: m, channelAccountId: ch, amountMinor: -1n, feeMinor: 0n, costMinor: 0n })).toThrow(/must not be negative/);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("payment, channel bills its fee monthly: Dr clearing A / Cr pending A−F, Cr fee F; Dr cost C / Cr channel fee payable C", async () => {
    const b = await custodialBook();
    const [m, ch] = [b.merchants[0]!, b.channels[0]!];
    const d = paymentFeeBilledMonthly({ merchantId: m, channelAccountId: ch, amountMinor: 10000n, feeMinor: 38n, costMinor: 24n });
    expect(d.kind).toBe("payment.fee_billed_monthly");
    expect(lines(d)).toEqual([
      [key(accounts.clearing(ch)), 10000n],
      [key(accounts.merchantPending(m)), -9962n],
      [key(accounts.feeIncome), -38n],
      [key(accounts.channelCost), 24n],
      [key(accounts.channelFeePayable), -24n],
    ]);
    await post(b, d);
    await expectPosted(b, [
      [accounts.clearing(ch), 10000n],
      [accounts.merchantPending(m), 9962n],
      [accounts.feeIncome, 38n],
      [accounts.channelCost, 24n],
      [accounts.channelFeePayable, 24n],
    ]);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("three partial refunds (fee at source) return exactly the fee and the cost; every balance ends at zero", async () => {
    const b = await custodialBook();
    const [m, ch] = [b.merchants[0]!, b.channels[0]!];
    await post(b, paymentFeeAtSource({ merchantId: m, channelAccountId: ch, amountMinor: 10000n, feeMinor: 38n, costMinor: 24n }));
    // Refunds 3333 + 3333 + 3334. Fee back: 12.6654 → 13, 13, remainder 12. Cost back: 7.9992 → 8, 8, remainder 8.
    const refunds = [3333n, 3333n, 3334n];
    const expected = [
      { f: 13n, c: 8n, lines: [3320n, 13n, -3325n, -8n] },
      { f: 13n, c: 8n, lines: [3320n, 13n, -3325n, -8n] },
      { f: 12n, c: 8n, lines: [3322n, 12n, -3326n, -8n] },
    ];
    let feeBack = 0n, costBack = 0n, refunded = 0n;
    for (const [i, R] of refunds.entries()) {
      const f = proportionalShare(38n, 10000n, R, feeBack, refunded);
      const c = proportionalShare(24n, 10000n, R, costBack, refunded);
      expect({ f, c }).toEqual({ f: expected[i]!.f, c: expected[i]!.c });
      const d = refund({ merchantId: m, channelAccountId: ch, refundMinor: R, feeReturnedMinor: f, costReturnedMinor: c, feeCollection: "AT_SOURCE", source: "PENDING" });
      expect(d.kind).toBe("refund");
      expect(lines(d)).toEqual([
        [key(accounts.merchantPending(m)), expected[i]!.lines[0]],
        [key(accounts.feeIncome), expected[i]!.lines[1]],
        [key(accounts.clearing(ch)), expected[i]!.lines[2]],
        [key(accounts.channelCost), expected[i]!.lines[3]],
      ]);
      await post(b, d);
      feeBack += f;
      costBack += c;
      refunded += R;
    }
    expect(feeBack).toBe(38n);
    expect(costBack).toBe(24n);
    await expectPosted(b, [
      [accounts.merchantPending(m), 0n],
      [accounts.feeIncome, 0n],
      [accounts.clearing(ch), 0n],
      [accounts.channelCost, 0n],
    ]);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("refunds of a monthly-billed payment: with the channel keeping its fee, and with it returning the cost", async () => {
    const b = await custodialBook();
    const [m, ch] = [b.merchants[0]!, b.channels[0]!];
    await post(b, paymentFeeBilledMonthly({ merchantId: m, channelAccountId: ch, amountMinor: 10000n, feeMinor: 38n, costMinor: 24n }));
    // Partial refund 4000: fee back 15.2 → 15; the channel keeps its cost (c = 0: zero lines dropped).
    const keep = refund({ merchantId: m, channelAccountId: ch, refundMinor: 4000n, feeReturnedMinor: proportionalShare(38n, 10000n, 4000n, 0n, 0n), costReturnedMinor: 0n, feeCollection: "BILLED_MONTHLY", source: "PENDING" });
    expect(lines(keep)).toEqual([
      [key(accounts.merchantPending(m)), 3985n],
      [key(accounts.feeIncome), 15n],
      [key(accounts.clearing(ch)), -4000n],
    ]);
    await post(b, keep);
    // The rest, 6000, takes the remaining fee 23 and the channel returns its whole cost 24.
    const back = refund({ merchantId: m, channelAccountId: ch, refundMinor: 6000n, feeReturnedMinor: proportionalShare(38n, 10000n, 6000n, 15n, 4000n), costReturnedMinor: 24n, feeCollection: "BILLED_MONTHLY", source: "PENDING" });
    expect(lines(back)).toEqual([
      [key(accounts.merchantPending(m)), 5977n],
      [key(accounts.feeIncome), 23n],
      [key(accounts.clearing(ch)), -6000n],
      [key(accounts.channelFeePayable), 24n],
      [key(accounts.channelCost), -24n],
    ]);
    await post(b, back);
    await expectPosted(b, [
      [accounts.merchantPending(m), 0n],
      [accounts.feeIncome, 0n],
      [accounts.clearing(ch), 0n],
      [accounts.channelCost, 0n],
      [accounts.channelFeePayable, 0n],
    ]);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("settlement makes pending available; a refund from available beyond it is refused; merchant debt covers the shortfall", async () => {
    const b = await custodialBook();
    const [m, ch] = [b.merchants[0]!, b.channels[0]!];
    await post(b, paymentFeeAtSource({ merchantId: m, channelAccountId: ch, amountMinor: 10000n, feeMinor: 38n, costMinor: 24n }));
    const s = merchantSettle(m, 9962n);
    expect(lines(s)).toEqual([
      [key(accounts.merchantPending(m)), 9962n],
      [key(accounts.merchantAvailable(m)), -9962n],
    ]);
    await post(b, s);
    // 500 of it is reserved for a payout: available 9462.
    await withTenantTx(b.tenantId, (tx) => createHold(tx, b.ctx, payoutHold(accounts.merchantAvailable(m), 500n), { businessDate: D, idempotencyKey: "payout" }));
    expect(await posted(b, accounts.merchantAvailable(m))).toMatchObject({ postedMinor: 9962n, availableMinor: 9462n });
    // A full refund after settlement: Dr available 9962, Dr fee 38 / Cr clearing 9976, Cr cost 24 — more than is available.
    const full = refund({ merchantId: m, channelAccountId: ch, refundMinor: 10000n, feeReturnedMinor: 38n, costReturnedMinor: 24n, feeCollection: "AT_SOURCE", source: "AVAILABLE" });
    expect(lines(full)).toEqual([
      [key(accounts.merchantAvailable(m)), 9962n],
      [key(accounts.feeIncome), 38n],
      [key(accounts.clearing(ch)), -9976n],
      [key(accounts.channelCost), -24n],
    ]);
    expect(await codeOf(post(b, full, "full-refund"))).toBe("INSUFFICIENT_FUNDS");
    // ALLOW_DEBT: the shortfall of 500 becomes a receivable from the merchant, in the same transaction.
    const debt = merchantDebtForRefund(m, 500n);
    expect(debt.kind).toBe("refund.merchant_debt");
    expect(lines(debt)).toEqual([
      [key(accounts.merchantReceivable(m)), 500n],
      [key(accounts.merchantAvailable(m)), -500n],
    ]);
    await withTenantTx(b.tenantId, async (tx) => {
      await lockAhead(tx, b.ctx, { drafts: [debt, full] });
      await postEntry(tx, b.ctx, debt, { businessDate: D, idempotencyKey: "debt" });
      await postEntry(tx, b.ctx, full, { businessDate: D, idempotencyKey: "full-refund" });
    });
    expect(await posted(b, accounts.merchantAvailable(m))).toMatchObject({ postedMinor: 500n, availableMinor: 0n, pendingDebitMinor: 500n });
    await expectPosted(b, [
      [accounts.merchantReceivable(m), 500n],
      [accounts.merchantPending(m), 0n],
      [accounts.feeIncome, 0n],
      [accounts.clearing(ch), 0n],
      [accounts.channelCost, 0n],
    ]);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });
});

describe("refund hold and completion", () => {
  it("hold (R−f on the payable) then completion equals the canonical refund entry, for both fee collections and a cost above the fee", async () => {
    const cases = [
      { feeCollection: "AT_SOURCE" as const, fee: 38n, cost: 24n, R: 4000n, f: 15n, c: 10n },
      { feeCollection: "BILLED_MONTHLY" as const, fee: 38n, cost: 24n, R: 4000n, f: 15n, c: 10n },
      // A promotional rate: the channel's cost above the merchant fee (negative margin).
      { feeCollection: "AT_SOURCE" as const, fee: 10n, cost: 24n, R: 10000n, f: 10n, c: 24n },
    ];
    for (const k of cases) {
      const b = await custodialBook();
      const [m, ch] = [b.merchants[0]!, b.channels[0]!];
      const pay = { merchantId: m, channelAccountId: ch, amountMinor: 10000n, feeMinor: k.fee, costMinor: k.cost };
      await post(b, k.feeCollection === "AT_SOURCE" ? paymentFeeAtSource(pay) : paymentFeeBilledMonthly(pay));
      const amounts = { merchantId: m, channelAccountId: ch, refundMinor: k.R, feeReturnedMinor: k.f, costReturnedMinor: k.c, feeCollection: k.feeCollection, source: "PENDING" as const };
      const hold = refundHold(amounts);
      expect(hold).toMatchObject({ kind: "refund.hold", debit: accounts.merchantPending(m), credit: accounts.clearing(ch), amountMinor: k.R - k.f });
      // hold lines + completion lines, summed per account, are the refund template's lines.
      const sum = new Map<string, bigint>();
      const add = (a: AccountRef, v: bigint) => sum.set(key(a), (sum.get(key(a)) ?? 0n) + v);
      add(hold.debit, hold.amountMinor);
      add(hold.credit, -hold.amountMinor);
      for (const l of refundCompletion(amounts).lines) add(l.account, l.amountMinor);
      const expected = new Map<string, bigint>();
      for (const [a, v] of lines(refund(amounts))) expected.set(a, (expected.get(a) ?? 0n) + v);
      for (const [a, v] of sum) expect(v, a).toBe(expected.get(a) ?? 0n);
      for (const [a, v] of expected) expect(sum.get(a) ?? 0n, a).toBe(v);
      // Posted for real: hold, post the hold, completion; the pending payable ends at A−F−(R−f).
      await withTenantTx(b.tenantId, async (tx) => {
        await lockAhead(tx, b.ctx, { refs: [hold.debit, hold.credit], drafts: [refundCompletion(amounts)] });
        const h = await createHold(tx, b.ctx, hold, { businessDate: D, idempotencyKey: "refund-hold" });
        expect((await getBalanceByRef(tx, b.ctx, accounts.merchantPending(m))).availableMinor).toBe(10000n - k.fee - (k.R - k.f));
        await postHold(tx, b.ctx, h.holdId, { businessDate: D, idempotencyKey: "refund-hold-post" });
        await postEntry(tx, b.ctx, refundCompletion(amounts), { businessDate: D, idempotencyKey: "refund-completion" });
      });
      await expectPosted(b, [
        [accounts.merchantPending(m), 10000n - k.fee - (k.R - k.f)],
        [accounts.feeIncome, k.fee - k.f],
      ]);
      await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
    }
  });

  it("a recharge's refund is its mirror out of the wallet: Dr wallet R / Cr clearing R−c, Cr cost c; recharge then full refund leaves every balance at zero", async () => {
    const b = await custodialBook();
    const [ch, w] = [b.channels[0]!, b.wallets[0]!];
    const amounts = { merchantId: b.merchants[0]!, channelAccountId: ch, refundMinor: 5000n, feeReturnedMinor: 0n, costReturnedMinor: 10n, feeCollection: "AT_SOURCE" as const, source: "WALLET" as const, walletId: w };
    expect(lines(refund(amounts))).toEqual([
      [key(accounts.wallet(w)), 5000n],
      [key(accounts.clearing(ch)), -4990n],
      [key(accounts.channelCost), -10n],
    ]);
    const hold = refundHold(amounts);
    expect(hold).toEqual({ kind: "refund.hold", debit: accounts.wallet(w), credit: accounts.clearing(ch), amountMinor: 5000n });
    expect(() => refund({ ...amounts, walletId: null })).toThrow(/needs the wallet/);
    expect(() => refund({ ...amounts, feeReturnedMinor: 1n })).toThrow(/no merchant fee/);
    await post(b, walletRecharge(ch, w, 5000n));
    await post(b, rechargeChannelCost(ch, 10n, "AT_SOURCE"));
    await withTenantTx(b.tenantId, async (tx) => {
      await lockAhead(tx, b.ctx, { refs: [hold.debit, hold.credit], drafts: [refundCompletion(amounts)] });
      const h = await createHold(tx, b.ctx, hold, { businessDate: D, idempotencyKey: "recharge-refund-hold" });
      expect((await getBalanceByRef(tx, b.ctx, accounts.wallet(w))).availableMinor).toBe(0n);
      await postHold(tx, b.ctx, h.holdId, { businessDate: D, idempotencyKey: "recharge-refund-post" });
      await postEntry(tx, b.ctx, refundCompletion(amounts), { businessDate: D, idempotencyKey: "recharge-refund-completion" });
    });
    await expectPosted(b, [
      [accounts.wallet(w), 0n],
      [accounts.clearing(ch), 0n],
      [accounts.channelCost, 0n],
    ]);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("a recharge's channel cost: Dr cost / Cr clearing at source, Cr channel fee payable when billed monthly", () => {
    expect(lines(rechargeChannelCost("ch", 24n, "AT_SOURCE"))).toEqual([
      [key(accounts.channelCost), 24n],
      [key(accounts.clearing("ch")), -24n],
    ]);
    expect(lines(rechargeChannelCost("ch", 24n, "BILLED_MONTHLY"))).toEqual([
      [key(accounts.channelCost), 24n],
      [key(accounts.channelFeePayable), -24n],
    ]);
    expect(rechargeChannelCost("ch", 0n, "AT_SOURCE").lines).toEqual([]);
  });

  it("a channel cost correction (the channel's fee accepted): δ more → Dr cost / Cr clearing or fee payable; δ less → the mirror", () => {
    expect(lines(channelCostCorrection("ch", 5n, "AT_SOURCE"))).toEqual([
      [key(accounts.channelCost), 5n],
      [key(accounts.clearing("ch")), -5n],
    ]);
    expect(lines(channelCostCorrection("ch", -7n, "AT_SOURCE"))).toEqual([
      [key(accounts.clearing("ch")), 7n],
      [key(accounts.channelCost), -7n],
    ]);
    expect(lines(channelCostCorrection("ch", 5n, "BILLED_MONTHLY"))).toEqual([
      [key(accounts.channelCost), 5n],
      [key(accounts.channelFeePayable), -5n],
    ]);
    expect(lines(channelCostCorrection("ch", -7n, "BILLED_MONTHLY"))).toEqual([
      [key(accounts.channelFeePayable), 7n],
      [key(accounts.channelCost), -7n],
    ]);
    expect(channelCostCorrection("ch", 0n, "AT_SOURCE").lines).toEqual([]);
  });

  it("an amount correction (the channel's amount accepted): δ more → Dr clearing / Cr merchant pending (DIRECT: memo funds / due); δ less → the mirror", () => {
    expect(lines(channelAmountCorrection("CUSTODIAL", "ch", "m", 300n))).toEqual([
      [key(accounts.clearing("ch")), 300n],
      [key(accounts.merchantPending("m")), -300n],
    ]);
    expect(lines(channelAmountCorrection("CUSTODIAL", "ch", "m", -200n))).toEqual([
      [key(accounts.merchantPending("m")), 200n],
      [key(accounts.clearing("ch")), -200n],
    ]);
    expect(lines(channelAmountCorrection("DIRECT", "ch", "m", 300n))).toEqual([
      [key(accounts.memoFunds("m")), 300n],
      [key(accounts.memoDue("m")), -300n],
    ]);
    expect(lines(channelAmountCorrection("DIRECT", "ch", "m", -200n))).toEqual([
      [key(accounts.memoDue("m")), 200n],
      [key(accounts.memoFunds("m")), -200n],
    ]);
  });
});

describe("reversal (冲正)", () => {
  it("is the exact mirror, linked to what it reverses, audited, once", async () => {
    const b = await custodialBook();
    const [m, ch] = [b.merchants[0]!, b.channels[0]!];
    const p = await post(b, paymentFeeAtSource({ merchantId: m, channelAccountId: ch, amountMinor: 10000n, feeMinor: 38n, costMinor: 24n }));
    const r = await withTenantTx(b.tenantId, (tx) => reverseEntry(tx, b.ctx, p.entryId, { businessDate: D, idempotencyKey: "rev", description: "duplicate notification" }));
    const [orig, rev] = await withTenantTx(b.tenantId, (tx) => Promise.all([getEntry(tx, b.ctx, p.entryId), getEntry(tx, b.ctx, r.entryId)]));
    expect(rev.kind).toBe("reversal");
    expect(rev.reversesEntryId).toBe(p.entryId);
    expect(orig.reversedByEntryId).toBe(r.entryId);
    expect(rev.postings.map((x) => [x.accountId, x.amountMinor])).toEqual(orig.postings.map((x) => [x.accountId, -x.amountMinor]));
    expect(rev.postings.map((x) => x.amountMinor)).toEqual([-9976n, -24n, 9962n, 38n]);
    await expectPosted(b, [
      [accounts.clearing(ch), 0n],
      [accounts.channelCost, 0n],
      [accounts.merchantPending(m), 0n],
      [accounts.feeIncome, 0n],
    ]);
    // The same request replays; another one is refused.
    expect((await withTenantTx(b.tenantId, (tx) => reverseEntry(tx, b.ctx, p.entryId, { businessDate: D, idempotencyKey: "rev", description: "duplicate notification" }))).replayed).toBe(true);
    expect(await codeOf(withTenantTx(b.tenantId, (tx) => reverseEntry(tx, b.ctx, p.entryId, { businessDate: D, idempotencyKey: "rev-2" })))).toBe("ENTRY_ALREADY_REVERSED");
    const audit = await ownerQuery(db.url, `SELECT action, after FROM audit_log WHERE tenant_id = $1 AND action = 'ledger.reverse_entry' AND entity_id = $2`, [b.tenantId, p.entryId]);
    expect(audit).toHaveLength(1);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });
});

describe("wallets and withdrawals", () => {
  it("wallet recharge: Dr clearing / Cr wallet; transfer: Dr from / Cr to", async () => {
    const b = await custodialBook();
    const [ch, w1, w2] = [b.channels[0]!, b.wallets[0]!, b.wallets[1]!];
    const r = walletRecharge(ch, w1, 5000n);
    expect(r.kind).toBe("wallet.recharge");
    expect(lines(r)).toEqual([
      [key(accounts.clearing(ch)), 5000n],
      [key(accounts.wallet(w1)), -5000n],
    ]);
    await post(b, r);
    const t = walletTransfer(w1, w2, 1200n);
    expect(t.kind).toBe("wallet.transfer");
    expect(lines(t)).toEqual([
      [key(accounts.wallet(w1)), 1200n],
      [key(accounts.wallet(w2)), -1200n],
    ]);
    await post(b, t);
    await expectPosted(b, [
      [accounts.clearing(ch), 5000n],
      [accounts.wallet(w1), 3800n],
      [accounts.wallet(w2), 1200n],
    ]);
    expect(await codeOf(post(b, walletTransfer(w2, w1, 1201n)))).toBe("INSUFFICIENT_FUNDS");
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("withdrawal: hold → post → bank success; a returned payout (退汇); hold → post → bank failure; hold → void", async () => {
    const b = await custodialBook();
    const [ch, w] = [b.channels[0]!, b.wallets[0]!];
    const W = accounts.wallet(w);
    await post(b, walletRecharge(ch, w, 5000n));
    // The channel's net settlement lands in the customer-funds bank account.
    await post(b, bankCreditNetSettlement(ch, accounts.customerFundsBank, 5000n, 5000n));

    const h = payoutHold(W, 2000n);
    expect(h).toEqual({ kind: "payout.hold", debit: W, credit: accounts.withdrawalsInTransit, amountMinor: 2000n });
    const hold = await withTenantTx(b.tenantId, (tx) => createHold(tx, b.ctx, h, { businessDate: D, idempotencyKey: "h1" }));
    expect(await posted(b, W)).toMatchObject({ postedMinor: 5000n, availableMinor: 3000n, pendingDebitMinor: 2000n });
    expect(await posted(b, accounts.withdrawalsInTransit)).toMatchObject({ postedMinor: 0n, pendingCreditMinor: 2000n });
    await withTenantTx(b.tenantId, (tx) => postHold(tx, b.ctx, hold.holdId, { businessDate: D, idempotencyKey: "h1-post", kind: "payout" }));
    expect(await posted(b, W)).toMatchObject({ postedMinor: 3000n, availableMinor: 3000n, pendingDebitMinor: 0n });
    expect(await posted(b, accounts.withdrawalsInTransit)).toMatchObject({ postedMinor: 2000n, pendingCreditMinor: 0n });

    const ok = payoutBankSuccess(2000n);
    expect(ok.kind).toBe("payout.bank_success");
    expect(lines(ok)).toEqual([
      [key(accounts.withdrawalsInTransit), 2000n],
      [key(accounts.customerFundsBank), -2000n],
    ]);
    await post(b, ok);
    await expectPosted(b, [
      [accounts.withdrawalsInTransit, 0n],
      [accounts.customerFundsBank, 3000n],
    ]);

    const back = payoutReturned(W, 2000n);
    expect(back.kind).toBe("payout.returned");
    expect(lines(back)).toEqual([
      [key(accounts.customerFundsBank), 2000n],
      [key(W), -2000n],
    ]);
    await post(b, back);
    await expectPosted(b, [
      [accounts.customerFundsBank, 5000n],
      [W, 5000n],
    ]);

    const h2 = await withTenantTx(b.tenantId, (tx) => createHold(tx, b.ctx, payoutHold(W, 1500n), { businessDate: D, idempotencyKey: "h2" }));
    await withTenantTx(b.tenantId, (tx) => postHold(tx, b.ctx, h2.holdId, { businessDate: D, idempotencyKey: "h2-post" }));
    const fail = payoutBankFailure(W, 1500n);
    expect(fail.kind).toBe("payout.bank_failure");
    expect(lines(fail)).toEqual([
      [key(accounts.withdrawalsInTransit), 1500n],
      [key(W), -1500n],
    ]);
    await post(b, fail);
    await expectPosted(b, [
      [accounts.withdrawalsInTransit, 0n],
      [W, 5000n],
      [accounts.customerFundsBank, 5000n],
    ]);

    const h3 = await withTenantTx(b.tenantId, (tx) => createHold(tx, b.ctx, payoutHold(W, 700n), { businessDate: D, idempotencyKey: "h3" }));
    expect((await posted(b, W)).availableMinor).toBe(4300n);
    await withTenantTx(b.tenantId, (tx) => voidHold(tx, b.ctx, h3.holdId, { businessDate: D, idempotencyKey: "h3-void" }));
    expect(await posted(b, W)).toMatchObject({ postedMinor: 5000n, availableMinor: 5000n, pendingDebitMinor: 0n });
    expect(await posted(b, accounts.withdrawalsInTransit)).toMatchObject({ postedMinor: 0n, pendingCreditMinor: 0n });
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("payout templates refuse negative amounts like every other template", () => {
    const W = accounts.wallet(randomUUID());
    expect(() => payoutBankSuccess(-1n)).toThrow(/must not be negative/);
    expect(() => payoutBankFailure(W, -1n)).toThrow(/must not be negative/);
    expect(() => payoutReturned(W, -1n)).toThrow(/must not be negative/);
    expect(() => writeOffShortage(-1n)).toThrow(/must not be negative/);
    expect(() => writeOffOverage(-1n)).toThrow(/must not be negative/);
    expect(() => payoutHold(W, -1n)).toThrow(/must not be negative/);
  });
});

describe("reconciliation differences", () => {
  it("长款 (found more than booked): Dr clearing / Cr overage suspense; written off to unclaimed funds, never income", async () => {
    const b = await custodialBook();
    const ch = b.channels[0]!;
    const o = overage(accounts.clearing(ch), 50n);
    expect(o.kind).toBe("recon.overage");
    expect(lines(o)).toEqual([
      [key(accounts.clearing(ch)), 50n],
      [key(accounts.overageSuspense), -50n],
    ]);
    await post(b, o);
    await expectPosted(b, [
      [accounts.clearing(ch), 50n],
      [accounts.overageSuspense, 50n],
    ]);
    const w = writeOffOverage(50n);
    expect(w.kind).toBe("recon.write_off_overage");
    expect(lines(w)).toEqual([
      [key(accounts.overageSuspense), 50n],
      [key(accounts.unclaimedFunds), -50n],
    ]);
    await post(b, w);
    await expectPosted(b, [
      [accounts.overageSuspense, 0n],
      [accounts.unclaimedFunds, 50n],
      [accounts.feeIncome, 0n],
      [accounts.marginIncome, 0n],
    ]);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("短款 (found less than booked): Dr shortage suspense / Cr clearing; written off to loss", async () => {
    const b = await custodialBook();
    const ch = b.channels[0]!;
    const s = shortage(accounts.clearing(ch), 30n);
    expect(s.kind).toBe("recon.shortage");
    expect(lines(s)).toEqual([
      [key(accounts.shortageSuspense), 30n],
      [key(accounts.clearing(ch)), -30n],
    ]);
    await post(b, s);
    await expectPosted(b, [
      [accounts.shortageSuspense, 30n],
      [accounts.clearing(ch), -30n],
    ]);
    const w = writeOffShortage(30n);
    expect(w.kind).toBe("recon.write_off_shortage");
    expect(lines(w)).toEqual([
      [key(accounts.writeOffLoss), 30n],
      [key(accounts.shortageSuspense), -30n],
    ]);
    await post(b, w);
    await expectPosted(b, [
      [accounts.shortageSuspense, 0n],
      [accounts.writeOffLoss, 30n],
    ]);
    // Against the bank instead of clearing.
    expect(lines(shortage(accounts.customerFundsBank, 7n))).toEqual([
      [key(accounts.shortageSuspense), 7n],
      [key(accounts.customerFundsBank), -7n],
    ]);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("a late line releases the suspense item: reversal of the suspense entry and the normal entry in one transaction, all or nothing", async () => {
    const b = await custodialBook();
    const [m, ch] = [b.merchants[0]!, b.channels[0]!];
    await post(b, paymentFeeAtSource({ merchantId: m, channelAccountId: ch, amountMinor: 10000n, feeMinor: 38n, costMinor: 24n }));
    // The channel's file shows a refund of 3333 (net 3325 after the cost it returns) that we have not booked:
    // money found < book → 短款 3325.
    const susp = await post(b, shortage(accounts.clearing(ch), 3325n), "suspense");
    await expectPosted(b, [
      [accounts.shortageSuspense, 3325n],
      [accounts.clearing(ch), 9976n - 3325n],
    ]);
    const normal = refund({ merchantId: m, channelAccountId: ch, refundMinor: 3333n, feeReturnedMinor: 13n, costReturnedMinor: 8n, feeCollection: "AT_SOURCE", source: "PENDING" });
    const failing = refund({ merchantId: m, channelAccountId: ch, refundMinor: 3333n, feeReturnedMinor: 13n, costReturnedMinor: 8n, feeCollection: "AT_SOURCE", source: "AVAILABLE" });

    // All or nothing: the normal entry fails (nothing available yet) → the reversal is rolled back too.
    expect(
      await codeOf(
        withTenantTx(b.tenantId, async (tx) => {
          await lockAhead(tx, b.ctx, { entryIds: [susp.entryId], drafts: [failing] });
          await reverseEntry(tx, b.ctx, susp.entryId, { businessDate: D, idempotencyKey: "release-1", description: "late refund line" });
          await postEntry(tx, b.ctx, failing, { businessDate: D, idempotencyKey: "refund-1" });
        }),
      ),
    ).toBe("INSUFFICIENT_FUNDS");
    const left = await ownerQuery(db.url, `SELECT idempotency_key FROM journal_entry WHERE tenant_id = $1 AND idempotency_key IN ('release-1', 'refund-1')`, [b.tenantId]);
    expect(left).toEqual([]);
    await expectPosted(b, [[accounts.shortageSuspense, 3325n]]);

    const [rev, ref] = await withTenantTx(b.tenantId, async (tx) => [
      await lockAhead(tx, b.ctx, { entryIds: [susp.entryId], drafts: [normal] }).then(() => reverseEntry(tx, b.ctx, susp.entryId, { businessDate: D, idempotencyKey: "release-2", description: "late refund line" })),
      await postEntry(tx, b.ctx, normal, { businessDate: D, idempotencyKey: "refund-2" }),
    ]);
    expect(rev.replayed || ref.replayed).toBe(false);
    await expectPosted(b, [
      [accounts.shortageSuspense, 0n],
      [accounts.clearing(ch), 9976n - 3325n],
      [accounts.merchantPending(m), 9962n - 3320n],
      [accounts.feeIncome, 38n - 13n],
      [accounts.channelCost, 24n - 8n],
    ]);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });

  it("bank credits a net settlement: Dr bank / Cr clearing; more → overage suspense, less → shortage suspense, same entry", async () => {
    const b = await custodialBook();
    const ch = b.channels[0]!;
    const bank = accounts.customerFundsBank;
    const exact = bankCreditNetSettlement(ch, bank, 9976n, 9976n);
    expect(exact.kind).toBe("funds.bank_credit");
    expect(lines(exact)).toEqual([
      [key(bank), 9976n],
      [key(accounts.clearing(ch)), -9976n],
    ]);
    const more = bankCreditNetSettlement(ch, bank, 9976n, 9980n);
    expect(lines(more)).toEqual([
      [key(bank), 9980n],
      [key(accounts.clearing(ch)), -9976n],
      [key(accounts.overageSuspense), -4n],
    ]);
    const less = bankCreditNetSettlement(ch, bank, 9976n, 9970n);
    expect(lines(less)).toEqual([
      [key(bank), 9970n],
      [key(accounts.clearing(ch)), -9976n],
      [key(accounts.shortageSuspense), 6n],
    ]);
    for (const d of [exact, more, less]) await post(b, d);
    await expectPosted(b, [
      [bank, 9976n + 9980n + 9970n],
      [accounts.clearing(ch), -3n * 9976n],
      [accounts.overageSuspense, 4n],
      [accounts.shortageSuspense, 6n],
    ]);
    await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
  });
});

describe("DIRECT tenants and the tenant's own income", () => {
  it("memo book: Dr merchant funds at channel / Cr settlement due (A−F); refund and settlement mirror it; the memo book balances on its own", async () => {
    const t = await makeTenant({ mode: "DIRECT" });
    const m = randomUUID();
    await t.run(async (tx) => {
      await provisionLedger(tx, t.ctx);
      await openMerchantAccounts(tx, t.ctx, m);
    });
    const b = { tenantId: t.tenantId, ctx: t.ctx };
    const p = directMemoPayment(m, 9962n);
    expect(p.kind).toBe("memo.payment");
    expect(lines(p)).toEqual([
      [key(accounts.memoFunds(m)), 9962n],
      [key(accounts.memoDue(m)), -9962n],
    ]);
    const r = directMemoRefund(m, 3320n);
    expect(r.kind).toBe("memo.refund");
    expect(lines(r)).toEqual([
      [key(accounts.memoDue(m)), 3320n],
      [key(accounts.memoFunds(m)), -3320n],
    ]);
    const s = directMemoSettled(m, 6642n);
    expect(s.kind).toBe("memo.settled");
    expect(lines(s)).toEqual([
      [key(accounts.memoDue(m)), 6642n],
      [key(accounts.memoFunds(m)), -6642n],
    ]);
    await t.run((tx) => postEntry(tx, t.ctx, p, { businessDate: D, idempotencyKey: "mp" }));
    await expectPosted(b, [
      [accounts.memoFunds(m), 9962n],
      [accounts.memoDue(m), 9962n],
    ]);
    await t.run((tx) => postEntry(tx, t.ctx, r, { businessDate: D, idempotencyKey: "mr" }));
    await expectPosted(b, [
      [accounts.memoFunds(m), 6642n],
      [accounts.memoDue(m), 6642n],
    ]);
    await t.run((tx) => postEntry(tx, t.ctx, s, { businessDate: D, idempotencyKey: "ms" }));
    await expectPosted(b, [
      [accounts.memoFunds(m), 0n],
      [accounts.memoDue(m), 0n],
    ]);
    const tb = await t.run((tx) => trialBalance(tx, t.ctx));
    const memoTotals = tb.totals.find((x) => x.book === "MEMO")!;
    expect(memoTotals).toMatchObject({ debitMinor: 9962n + 3320n + 6642n, creditMinor: 9962n + 3320n + 6642n, balanced: true });
    // A DIRECT tenant has no customer-funds accounts at all: custodial templates cannot post.
    expect(await codeOf(t.run((tx) => postEntry(tx, t.ctx, walletRecharge(randomUUID(), randomUUID(), 1n), { businessDate: D, idempotencyKey: "x" })))).toBe("ACCOUNT_NOT_FOUND");
    expect(await codeOf(t.run((tx) => postEntry(tx, t.ctx, payoutBankSuccess(1n), { businessDate: D, idempotencyKey: "y" })))).toBe("ACCOUNT_NOT_FOUND");
    // A memo line and an own-book line in one entry do not balance per book.
    expect(await codeOf(t.run((tx) => postEntry(tx, t.ctx, { kind: "mixed", lines: [{ account: accounts.memoFunds(m), amountMinor: 5n }, { account: accounts.feeIncome, amountMinor: -5n }] }, { businessDate: D, idempotencyKey: "z" })))).toBe("UNBALANCED");
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("margin (分润): Dr margin receivable / Cr margin income; clawback is the mirror", async () => {
    const t = await makeTenant({ mode: "DIRECT" });
    await t.run((tx) => provisionLedger(tx, t.ctx));
    const b = { tenantId: t.tenantId, ctx: t.ctx };
    // Margin 0.05% of ¥300.00 = 15; a refund of ¥100.00 claws back 5.
    const mg = margin(mulDivHalfUp(30000n, 500n, 1_000_000n));
    expect(mg.kind).toBe("income.margin");
    expect(lines(mg)).toEqual([
      [key(accounts.marginReceivable), 15n],
      [key(accounts.marginIncome), -15n],
    ]);
    const cb = marginClawback(proportionalShare(15n, 30000n, 10000n, 0n, 0n));
    expect(cb.kind).toBe("income.margin_clawback");
    expect(lines(cb)).toEqual([
      [key(accounts.marginIncome), 5n],
      [key(accounts.marginReceivable), -5n],
    ]);
    await t.run((tx) => postEntry(tx, t.ctx, mg, { businessDate: D, idempotencyKey: "m" }));
    await t.run((tx) => postEntry(tx, t.ctx, cb, { businessDate: D, idempotencyKey: "c" }));
    await expectPosted(b, [
      [accounts.marginReceivable, 10n],
      [accounts.marginIncome, 10n],
    ]);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("platform fee: Dr platform fee expense / Cr platform fee payable", async () => {
    const t = await makeTenant({ mode: "DIRECT" });
    await t.run((tx) => provisionLedger(tx, t.ctx));
    const pf = platformFee(200000n);
    expect(pf.kind).toBe("income.platform_fee");
    expect(lines(pf)).toEqual([
      [key(accounts.platformFeeExpense), 200000n],
      [key(accounts.platformFeePayable), -200000n],
    ]);
    await t.run((tx) => postEntry(tx, t.ctx, pf, { businessDate: D, idempotencyKey: "pf" }));
    await expectPosted({ tenantId: t.tenantId, ctx: t.ctx }, [
      [accounts.platformFeeExpense, 200000n],
      [accounts.platformFeePayable, 200000n],
    ]);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });
});
