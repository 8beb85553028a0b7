import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { seedSimulatorChannels } from "@/server/core/channels/demo";
import { getBalanceByRef } from "@/server/core/ledger/service";
import { accounts } from "@/server/core/ledger/templates";
import { useDatabaseAndSimulators } from "@/server/testing/clearing";
import { checkLedgerInvariants } from "@/server/testing/ledger";
import { makeTenant } from "@/server/testing/tenants";
import { raiseDifference, releaseSuspenseOf } from "./exceptions";

// Where a difference's suspense entry is found. The money at the channel is its clearing account,
// so amount, status and channel-only differences post against clearing. A fee difference too,
// where the channel deducts its fee from what it settles (WeChat, Alipay); but a channel that
// bills its fees monthly (the bank's UnionPay acquiring) never takes them from the money, so a fee
// difference there changes what we owe the channel: channel fee payable, clearing untouched.

const env = useDatabaseAndSimulators("clearing_fee_suspense");

describe("a fee difference's suspense entry", () => {
  it("is against channel fee payable where the channel bills fees monthly, against clearing where it deducts them; released, both return", async () => {
    const t = await makeTenant({ mode: "CUSTODIAL" });
    const [bank, wechat] = await t.run(async (tx) => {
      await seedSimulatorChannels(tx, t.ctx, { WECHAT: env.wechat.url, BANK: env.bank.url }, { zh: false, custodial: true });
      return [await tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "BANK" } }), await tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "WECHAT" } })];
    });
    const balance = async (ref: Parameters<typeof getBalanceByRef>[2]) => (await t.run((tx) => getBalanceByRef(tx, t.ctx, ref))).postedMinor;
    const raise = (channelAccountId: string, diffType: string, direction: "OVERAGE" | "SHORTAGE", diffMinor: bigint) =>
      t.run((tx) =>
        raiseDifference(tx, t.ctx, { itemId: randomUUID(), fileId: randomUUID(), channelAccountId, billDate: "2026-11-27", direction, diffType, diffMinor, lineId: null, paymentId: null, refundId: null, note: null }),
      );

    // The bank charged 5 fen more on one line and 3 fen less on another: we owe it 2 fen more.
    const higher = await raise(bank.id, "FEE", "SHORTAGE", -5n);
    const lower = await raise(bank.id, "FEE", "OVERAGE", 3n);
    expect(await balance(accounts.channelFeePayable)).toBe(2n);
    expect(await balance(accounts.clearing(bank.id))).toBe(0n);
    expect([await balance(accounts.shortageSuspense), await balance(accounts.overageSuspense)]).toEqual([5n, 3n]);
    // An amount difference on the same bank bill is money at the channel: clearing.
    await raise(bank.id, "AMOUNT", "OVERAGE", 7n);
    expect(await balance(accounts.clearing(bank.id))).toBe(7n);
    // WeChat deducts its fee at source: a fee difference is money at the channel.
    await raise(wechat.id, "FEE", "SHORTAGE", -4n);
    expect(await balance(accounts.clearing(wechat.id))).toBe(-4n);
    expect(await balance(accounts.channelFeePayable)).toBe(2n);

    // Released (ours accepted): what we owe the bank is back where it was.
    for (const { exceptionId } of [higher, lower]) {
      await t.run(async (tx) => {
        const e = await tx.exception.findFirstOrThrow({ where: { tenantId: t.tenantId, id: exceptionId } });
        await releaseSuspenseOf(tx, t.ctx, e, `release:${exceptionId}`, "ours accepted");
      });
    }
    expect(await balance(accounts.channelFeePayable)).toBe(0n);
    expect([await balance(accounts.shortageSuspense), await balance(accounts.overageSuspense)]).toEqual([4n, 7n]);
    await checkLedgerInvariants(env.db.url, t.tenantId, t.ctx);
  });
});
