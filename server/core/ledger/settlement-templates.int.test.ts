import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { checkLedgerInvariants, codeOf, custodialBook, draftLines, expectPosted, postDraft, postedBalance, refKey, type CustodialBook } from "@/server/testing/ledger";
import { withTenantTx } from "@/server/db/tenant-tx";
import { accounts, merchantDebtForRefund, merchantDebtRecovery, merchantReserveHold, merchantReserveRelease, merchantSettle, paymentFeeAtSource, refund, type EntryDraft } from "./templates";
import { lockAhead, postEntry, trialBalance } from "./service";

// The settlement templates (CUSTODIAL) in the style of templates.int.test.ts: the draft's lines
// exactly (account, signed amount: debit > 0), then the entry posted to a real database and every
// touched balance read back, then the ledger's invariants. The risk reserve (风险保证金) held back
// from a settlement and released after its days; a merchant's debt from an earlier refund
// (ALLOW_DEBT) recovered from a later settlement. Both the reserve and the available payable are
// bounded: neither can be released or recovered below zero.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("ledger_settlement_templates");
});
afterAll(async () => db?.drop());

const D = "2026-11-27";
const lines = draftLines;
const key = refKey;

const post = (b: CustodialBook, d: EntryDraft, idem?: string) => postDraft(b, d, D, idem);
const posted = postedBalance;
async function expectBalanced(b: CustodialBook) {
  const tb = await withTenantTx(b.tenantId, (tx) => trialBalance(tx, b.ctx));
  expect(tb.totals.every((t) => t.balanced)).toBe(true);
  await checkLedgerInvariants(db.url, b.tenantId, b.ctx);
}

/** A payment of ¥100.00 (fee 38, cost 24, at source): merchant pending 9962. */
const payment = (b: CustodialBook) => paymentFeeAtSource({ merchantId: b.merchants[0]!, channelAccountId: b.channels[0]!, amountMinor: 10000n, feeMinor: 38n, costMinor: 24n });

describe("merchantReserveHold", () => {
  it("Dr merchant pending / Cr merchant reserve: held back from a settlement, the rest made available", async () => {
    const b = await custodialBook();
    const m = b.merchants[0]!;
    await post(b, payment(b));
    // A 10 % reserve of 9962 is 996.2 → 996; the settlement makes 8966 available.
    const hold = merchantReserveHold(m, 996n);
    expect(hold.kind).toBe("settlement.reserve_hold");
    expect(lines(hold)).toEqual([
      [key(accounts.merchantPending(m)), 996n],
      [key(accounts.merchantReserve(m)), -996n],
    ]);
    const settle = merchantSettle(m, 8966n);
    // One settlement, one transaction: both entries' balance rows locked first, in order.
    await withTenantTx(b.tenantId, async (tx) => {
      await lockAhead(tx, b.ctx, { drafts: [hold, settle] });
      await postEntry(tx, b.ctx, hold, { businessDate: D, idempotencyKey: "reserve" });
      await postEntry(tx, b.ctx, settle, { businessDate: D, idempotencyKey: "settle" });
    });
    await expectPosted(b, [
      [accounts.merchantPending(m), 0n],
      [accounts.merchantReserve(m), 996n],
      [accounts.merchantAvailable(m), 8966n],
    ]);
    // No reserve: no lines; a negative amount is a programming error.
    expect(merchantReserveHold(m, 0n).lines).toEqual([]);
    expect(() => merchantReserveHold(m, -1n)).toThrow(/must not be negative/);
    await expectBalanced(b);
  });
});

describe("merchantReserveRelease", () => {
  it("Dr merchant reserve / Cr merchant available: released after its days; never more than is held", async () => {
    const b = await custodialBook();
    const m = b.merchants[0]!;
    await post(b, payment(b));
    await post(b, merchantReserveHold(m, 996n));
    await post(b, merchantSettle(m, 8966n));
    const release = merchantReserveRelease(m, 996n);
    expect(release.kind).toBe("settlement.reserve_release");
    expect(lines(release)).toEqual([
      [key(accounts.merchantReserve(m)), 996n],
      [key(accounts.merchantAvailable(m)), -996n],
    ]);
    // The reserve is bounded: releasing one fen more than it holds is refused and moves nothing.
    expect(await codeOf(post(b, merchantReserveRelease(m, 997n)))).toBe("INSUFFICIENT_FUNDS");
    await expectPosted(b, [
      [accounts.merchantReserve(m), 996n],
      [accounts.merchantAvailable(m), 8966n],
    ]);
    await post(b, release);
    // Everything the payment left the merchant is now available: 9962.
    await expectPosted(b, [
      [accounts.merchantPending(m), 0n],
      [accounts.merchantReserve(m), 0n],
      [accounts.merchantAvailable(m), 9962n],
    ]);
    expect(merchantReserveRelease(m, 0n).lines).toEqual([]);
    expect(() => merchantReserveRelease(m, -5n)).toThrow(/must not be negative/);
    await expectBalanced(b);
  });
});

describe("merchantDebtRecovery", () => {
  it("Dr merchant available / Cr merchant receivable: a refund's debt (ALLOW_DEBT) recovered from the next settlement; never below zero available", async () => {
    const b = await custodialBook();
    const [m, ch] = [b.merchants[0]!, b.channels[0]!];
    // A refund of ¥10.00 from the available payable, which holds nothing: fee back 4, cost back 2.
    // The merchant's share R − f = 996 becomes its debt (Dr receivable / Cr available) first.
    const r = refund({ merchantId: m, channelAccountId: ch, refundMinor: 1000n, feeReturnedMinor: 4n, costReturnedMinor: 2n, feeCollection: "AT_SOURCE", source: "AVAILABLE" });
    const debt = merchantDebtForRefund(m, 996n);
    await withTenantTx(b.tenantId, async (tx) => {
      await lockAhead(tx, b.ctx, { drafts: [debt, r] });
      await postEntry(tx, b.ctx, debt, { businessDate: D, idempotencyKey: "debt" });
      await postEntry(tx, b.ctx, r, { businessDate: D, idempotencyKey: "refund" });
    });
    await expectPosted(b, [
      [accounts.merchantReceivable(m), 996n],
      [accounts.merchantAvailable(m), 0n],
    ]);
    // The next payment is settled: 9962 available, then the debt is taken out of it.
    await post(b, payment(b));
    await post(b, merchantSettle(m, 9962n));
    const recovery = merchantDebtRecovery(m, 996n);
    expect(recovery.kind).toBe("settlement.debt_recovery");
    expect(lines(recovery)).toEqual([
      [key(accounts.merchantAvailable(m)), 996n],
      [key(accounts.merchantReceivable(m)), -996n],
    ]);
    // More than is available is refused (the available payable is bounded) and moves nothing.
    expect(await codeOf(post(b, merchantDebtRecovery(m, 9963n)))).toBe("INSUFFICIENT_FUNDS");
    await expectPosted(b, [[accounts.merchantAvailable(m), 9962n]]);
    await post(b, recovery);
    await expectPosted(b, [
      [accounts.merchantReceivable(m), 0n],
      [accounts.merchantAvailable(m), 8966n],
      [accounts.merchantPending(m), 0n],
    ]);
    expect(merchantDebtRecovery(m, 0n).lines).toEqual([]);
    expect(() => merchantDebtRecovery(m, -1n)).toThrow(/must not be negative/);
    await expectBalanced(b);
  });
});
