import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { makeTenant, uuid } from "@/server/testing/tenants";
import { withTenantTx } from "@/server/db/tenant-tx";
import { isDomainError } from "@/server/core/errors/domain-error";
import { accounts, adjustment, paymentFeeAtSource, paymentFeeBilledMonthly, refund, walletRecharge, walletTransfer, writeOffShortage, shortage, overage, writeOffOverage } from "./templates";
import { createHold, getBalanceByRef, lockAhead, openChannelAccountAccounts, openMerchantAccounts, openWalletAccount, postEntries, postEntry, postHold, provisionLedger, reverseEntry, trialBalance, voidHold, expireHolds } from "./service";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("ledger");
});
afterAll(async () => db?.drop());

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "OK";
  } catch (e) {
    if (isDomainError(e)) return e.code;
    throw e;
  }
}

async function custodial() {
  const t = await makeTenant({ mode: "CUSTODIAL" });
  const merchantId = uuid();
  const channelAccountId = uuid();
  const w1 = uuid();
  const w2 = uuid();
  await t.run(async (tx) => {
    await provisionLedger(tx, t.ctx);
    await openMerchantAccounts(tx, t.ctx, merchantId);
    await openChannelAccountAccounts(tx, t.ctx, channelAccountId);
    await openWalletAccount(tx, t.ctx, w1);
    await openWalletAccount(tx, t.ctx, w2);
  });
  return { ...t, merchantId, channelAccountId, w1, w2 };
}

const D = "2026-11-27";

describe("ledger posting", () => {
  it("posts a payment with the fee at source and keeps balances equal to postings", async () => {
    const t = await custodial();
    await t.run(async (tx) => {
      const r = await postEntry(tx, t.ctx, paymentFeeAtSource({ merchantId: t.merchantId, channelAccountId: t.channelAccountId, amountMinor: 10000n, feeMinor: 38n, costMinor: 20n }), { businessDate: D, idempotencyKey: "pay-1" });
      expect(r.replayed).toBe(false);
      expect((await getBalanceByRef(tx, t.ctx, accounts.clearing(t.channelAccountId))).postedMinor).toBe(9980n);
      expect((await getBalanceByRef(tx, t.ctx, accounts.merchantPending(t.merchantId))).postedMinor).toBe(9962n);
      expect((await getBalanceByRef(tx, t.ctx, accounts.feeIncome)).postedMinor).toBe(38n);
      expect((await getBalanceByRef(tx, t.ctx, accounts.channelCost)).postedMinor).toBe(20n);
      const tb = await trialBalance(tx, t.ctx);
      expect(tb.totals.every((x) => x.balanced)).toBe(true);
    });
  });

  it("returns the first result for the same key and content, and refuses the same key with other content", async () => {
    const t = await custodial();
    const draft = paymentFeeBilledMonthly({ merchantId: t.merchantId, channelAccountId: t.channelAccountId, amountMinor: 500n, feeMinor: 2n, costMinor: 1n });
    const a = await t.run((tx) => postEntry(tx, t.ctx, draft, { businessDate: D, idempotencyKey: "k" }));
    const b = await t.run((tx) => postEntry(tx, t.ctx, draft, { businessDate: D, idempotencyKey: "k" }));
    expect(b).toEqual({ ...a, replayed: true });
    const other = paymentFeeBilledMonthly({ merchantId: t.merchantId, channelAccountId: t.channelAccountId, amountMinor: 501n, feeMinor: 2n, costMinor: 1n });
    expect(await codeOf(t.run((tx) => postEntry(tx, t.ctx, other, { businessDate: D, idempotencyKey: "k" })))).toBe("IDEMPOTENCY_CONFLICT");
  });

  it("refuses an unbalanced entry and writes nothing", async () => {
    const t = await custodial();
    const bad = adjustment([
      { account: accounts.ownerEquity, amountMinor: -100n },
      { account: accounts.feeIncome, amountMinor: 99n },
    ]);
    expect(await codeOf(t.run((tx) => postEntry(tx, t.ctx, bad, { businessDate: D, idempotencyKey: "u" })))).toBe("UNBALANCED");
    const tb = await t.run((tx) => trialBalance(tx, t.ctx));
    expect(tb.accounts.every((a) => a.debitMinor === 0n && a.creditMinor === 0n)).toBe(true);
  });

  it("never lets a bounded wallet go negative", async () => {
    const t = await custodial();
    await t.run((tx) => postEntry(tx, t.ctx, walletRecharge(t.channelAccountId, t.w1, 100n), { businessDate: D, idempotencyKey: "r1" }));
    expect(await codeOf(t.run((tx) => postEntry(tx, t.ctx, walletTransfer(t.w1, t.w2, 101n), { businessDate: D, idempotencyKey: "t1" })))).toBe("INSUFFICIENT_FUNDS");
    expect(await codeOf(t.run((tx) => postEntry(tx, t.ctx, walletTransfer(t.w1, t.w2, 100n), { businessDate: D, idempotencyKey: "t2" })))).toBe("OK");
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.wallet(t.w1)))).postedMinor).toBe(0n);
  });

  it("cannot post to another tenant's account", async () => {
    const a = await custodial();
    const b = await custodial();
    // B names A's merchant: B has no such account, so the ledger refuses.
    const draft = paymentFeeAtSource({ merchantId: a.merchantId, channelAccountId: b.channelAccountId, amountMinor: 100n, feeMinor: 1n, costMinor: 1n });
    expect(await codeOf(b.run((tx) => postEntry(tx, b.ctx, draft, { businessDate: D, idempotencyKey: "x" })))).toBe("ACCOUNT_NOT_FOUND");
  });
});

describe("holds", () => {
  it("reserves, then posts partly once; a second post and a void after post are refused", async () => {
    const t = await custodial();
    await t.run((tx) => postEntry(tx, t.ctx, walletRecharge(t.channelAccountId, t.w1, 1000n), { businessDate: D, idempotencyKey: "r" }));
    const h = await t.run((tx) => createHold(tx, t.ctx, { kind: "payout.hold", debit: accounts.wallet(t.w1), credit: accounts.withdrawalsInTransit, amountMinor: 600n }, { businessDate: D, idempotencyKey: "h1" }));
    const afterHold = await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.wallet(t.w1)));
    expect(afterHold.postedMinor).toBe(1000n);
    expect(afterHold.availableMinor).toBe(400n);
    expect(await codeOf(t.run((tx) => postHold(tx, t.ctx, h.holdId, { businessDate: D, idempotencyKey: "p-big", amountMinor: 601n })))).toBe("HOLD_AMOUNT_EXCEEDED");
    await t.run((tx) => postHold(tx, t.ctx, h.holdId, { businessDate: D, idempotencyKey: "p1", amountMinor: 250n }));
    const afterPost = await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.wallet(t.w1)));
    expect(afterPost).toMatchObject({ postedMinor: 750n, availableMinor: 750n, pendingDebitMinor: 0n });
    expect(await codeOf(t.run((tx) => postHold(tx, t.ctx, h.holdId, { businessDate: D, idempotencyKey: "p2", amountMinor: 100n })))).toBe("HOLD_NOT_PENDING");
    expect(await codeOf(t.run((tx) => voidHold(tx, t.ctx, h.holdId, { businessDate: D, idempotencyKey: "v1" })))).toBe("HOLD_NOT_PENDING");
    // The same post request again returns the first result.
    expect((await t.run((tx) => postHold(tx, t.ctx, h.holdId, { businessDate: D, idempotencyKey: "p1", amountMinor: 250n }))).replayed).toBe(true);
  });

  it("voids once and expires", async () => {
    const t = await custodial();
    await t.run((tx) => postEntry(tx, t.ctx, walletRecharge(t.channelAccountId, t.w1, 1000n), { businessDate: D, idempotencyKey: "r" }));
    const h = await t.run((tx) => createHold(tx, t.ctx, { kind: "payout.hold", debit: accounts.wallet(t.w1), credit: accounts.withdrawalsInTransit, amountMinor: 300n }, { businessDate: D, idempotencyKey: "h" }));
    await t.run((tx) => voidHold(tx, t.ctx, h.holdId, { businessDate: D, idempotencyKey: "v" }));
    expect(await codeOf(t.run((tx) => postHold(tx, t.ctx, h.holdId, { businessDate: D, idempotencyKey: "p" })))).toBe("HOLD_NOT_PENDING");
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.wallet(t.w1)))).availableMinor).toBe(1000n);

    const e = await t.run((tx) => createHold(tx, t.ctx, { kind: "payout.hold", debit: accounts.wallet(t.w1), credit: accounts.withdrawalsInTransit, amountMinor: 900n }, { businessDate: D, idempotencyKey: "h2", expiresAt: new Date(Date.now() + 200) }));
    await new Promise((r) => setTimeout(r, 400));
    expect(await codeOf(t.run((tx) => postHold(tx, t.ctx, e.holdId, { businessDate: D, idempotencyKey: "p2" })))).toBe("HOLD_EXPIRED");
    expect(await t.run((tx) => expireHolds(tx, t.ctx, new Date(), D))).toBe(1);
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.wallet(t.w1)))).availableMinor).toBe(1000n);
  });

  it("admits exactly the concurrent holds that fit", async () => {
    const t = await custodial();
    await t.run((tx) => postEntry(tx, t.ctx, walletRecharge(t.channelAccountId, t.w1, 1000n), { businessDate: D, idempotencyKey: "r" }));
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        withTenantTx(t.tenantId, (tx) => createHold(tx, t.ctx, { kind: "payout.hold", debit: accounts.wallet(t.w1), credit: accounts.withdrawalsInTransit, amountMinor: 300n }, { businessDate: D, idempotencyKey: `c${i}` })),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.wallet(t.w1)))).availableMinor).toBe(100n);
  });
});

describe("reversal and suspense", () => {
  it("reverses an entry once, restoring every balance", async () => {
    const t = await custodial();
    const p = await t.run((tx) => postEntry(tx, t.ctx, paymentFeeAtSource({ merchantId: t.merchantId, channelAccountId: t.channelAccountId, amountMinor: 1000n, feeMinor: 4n, costMinor: 2n }), { businessDate: D, idempotencyKey: "p" }));
    await t.run((tx) => reverseEntry(tx, t.ctx, p.entryId, { businessDate: D, idempotencyKey: "rev" }));
    expect(await codeOf(t.run((tx) => reverseEntry(tx, t.ctx, p.entryId, { businessDate: D, idempotencyKey: "rev2" })))).toBe("ENTRY_ALREADY_REVERSED");
    const tb = await t.run((tx) => trialBalance(tx, t.ctx));
    expect(tb.accounts.every((a) => a.balanceMinor === 0n)).toBe(true);
  });

  it("books 长款 and 短款 and writes them off to the right accounts", async () => {
    const t = await custodial();
    await t.run(async (tx) => {
      // Four entries in one transaction: their accounts are locked first, in the ledger's one order.
      await lockAhead(tx, t.ctx, { drafts: [overage(accounts.clearing(t.channelAccountId), 50n), shortage(accounts.clearing(t.channelAccountId), 30n), writeOffOverage(50n), writeOffShortage(30n)] });
      await postEntry(tx, t.ctx, overage(accounts.clearing(t.channelAccountId), 50n), { businessDate: D, idempotencyKey: "o" });
      await postEntry(tx, t.ctx, shortage(accounts.clearing(t.channelAccountId), 30n), { businessDate: D, idempotencyKey: "s" });
      await postEntry(tx, t.ctx, writeOffOverage(50n), { businessDate: D, idempotencyKey: "wo" });
      await postEntry(tx, t.ctx, writeOffShortage(30n), { businessDate: D, idempotencyKey: "ws" });
      expect((await getBalanceByRef(tx, t.ctx, accounts.unclaimedFunds)).postedMinor).toBe(50n);
      expect((await getBalanceByRef(tx, t.ctx, accounts.writeOffLoss)).postedMinor).toBe(30n);
      expect((await getBalanceByRef(tx, t.ctx, accounts.overageSuspense)).postedMinor).toBe(0n);
      expect((await getBalanceByRef(tx, t.ctx, accounts.shortageSuspense)).postedMinor).toBe(0n);
    });
  });

  it("posts a batch in one call", async () => {
    const t = await custodial();
    const items = Array.from({ length: 100 }, (_, i) => ({
      draft: refund({ merchantId: t.merchantId, channelAccountId: t.channelAccountId, refundMinor: 10n, feeReturnedMinor: 0n, costReturnedMinor: 0n, feeCollection: "AT_SOURCE" as const, source: "PENDING" as const }),
      opts: { businessDate: D, idempotencyKey: `b${i}` },
    }));
    const r = await t.run((tx) => postEntries(tx, t.ctx, items));
    expect(r).toHaveLength(100);
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.clearing(t.channelAccountId)))).postedMinor).toBe(-1000n);
  });
});
