import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectorFor } from "@/server/channels/registry";
import { connectorConfig, setChannelAccountEnabled, updateChannelAccount } from "@/server/core/channels/accounts";
import { seedSimulatorChannels } from "@/server/core/channels/demo";
import { addWorkingDays } from "@/server/core/calendar/rules";
import { getBalanceByRef } from "@/server/core/ledger/service";
import { accounts } from "@/server/core/ledger/templates";
import { createMerchant } from "@/server/core/merchants/service";
import { createPayment } from "@/server/core/payments/service";
import { writeCreditFile } from "@/server/simulators/bank/result-files";
import { startWechatSimulator, type RunningWechatSimulator } from "@/server/simulators/wechat/simulator";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { checkLedgerInvariants } from "@/server/testing/ledger";
import { makeTenant } from "@/server/testing/tenants";
import { billDatesSettlingOn, expectedNetSettlement, reconcileFundsFile } from "./funds";
import { importStatement } from "./import";
import "@/server/core/payments/register";

// Funds reconciliation against a real PostgreSQL database: the WeChat simulator's bill gives the
// channel's net for a day; the bank's credit file (value date T+1) is matched against it. A credit
// file that arrives before the bill waits; once the bill is in, the match posts the only entry that
// moves money into the 备付金 bank account, with the difference in suspense and an exception.

let db: TestDatabase;
let sim: RunningWechatSimulator;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("clearing_funds");
  sim = await startWechatSimulator({ notifyDelayMs: 60_000, feeRatePpm: 2_000 });
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

async function setup(mode: "DIRECT" | "CUSTODIAL") {
  const t = await makeTenant({ mode });
  const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Funds Noodles"))))!;
  const wechat = await t.run(async (tx) => {
    await seedSimulatorChannels(tx, t.ctx, { WECHAT: sim.url }, { zh: false, custodial: mode === "CUSTODIAL" });
    const sandbox = await tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" } });
    await setChannelAccountEnabled(tx, t.ctx, { id: sandbox.id, enabled: false });
    return tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "WECHAT" } });
  });
  let n = 0;
  const pay = (amountMinor: bigint) =>
    createPayment(t.ctx, { merchantId: m.id, merchantOrderNo: `FD-${Date.now()}-${++n}`, amountMinor, product: "WECHAT_CODE", elements: { authCode: `13${String(n).padStart(16, "0")}` }, subject: "Funds" });
  const bill = async (billDate: string) => {
    const account = await t.run((tx) => connectorConfig(tx, t.ctx, wechat.id));
    return (await connectorFor("WECHAT").downloadStatement({ account }, { billDate, billType: "ALL" })).bytes;
  };
  return { t, wechat, pay, bill };
}

const credit = (settlementDate: string, amountMinor: bigint) =>
  Buffer.from(writeCreditFile({ account: "6222020200001234567", statementDate: settlementDate, credits: amountMinor > 0n ? [{ valueDate: settlementDate, amountMinor, counterpartyAccount: "6217000000000001", counterpartyName: "财付通支付科技有限公司", memo: "WX settlement" }] : [] }));

describe("funds reconciliation", () => {
  it("CUSTODIAL: waits for the bill, then posts bank ← clearing with the difference to suspense, once", async () => {
    const { t, wechat, pay, bill } = await setup("CUSTODIAL");
    const a = await pay(10_000n);
    await pay(25_000n);
    const billDate = a.businessDate.toISOString().slice(0, 10);
    // No holidays in a new tenant's calendar: T+1 is the next weekday.
    const settlementDate = addWorkingDays(billDate, 1, new Map());
    const clearingBefore = (await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.clearing(wechat.id)))).postedMinor;
    // 0.2 % channel fee deducted at source: 20 + 50 fen. The bank credits 50 fen less than the net.
    const net = 35_000n - 70n;
    expect(clearingBefore).toBe(net);

    const credits = credit(settlementDate, net - 50n);
    const early = await importStatement(t.ctx, { channelAccountId: wechat.id, billDate: settlementDate, format: "BANK_CREDIT", fileName: "credits.csv", bytes: credits, source: "UPLOAD" });
    expect(early.reconciliation).toMatchObject({ byOutcome: { PENDING: 1 }, settlements: [{ settlementDate, outcome: "PENDING", expectedMinor: null, creditedMinor: net - 50n }] });
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.customerFundsBank))).postedMinor).toBe(0n);

    const imported = await importStatement(t.ctx, { channelAccountId: wechat.id, billDate, fileName: "bill.csv", bytes: await bill(billDate), source: "UPLOAD" });
    expect(imported.reconciliation?.differences).toEqual({});
    const done = await reconcileFundsFile(t.ctx, early.fileId);
    expect(done).toMatchObject({ byOutcome: { MATCHED: 1 }, differences: { FUNDS_AMOUNT: 1 }, settlements: [{ settlementDate, outcome: "DIFFERENCE", expectedMinor: net, creditedMinor: net - 50n }] });
    const bal = async (ref: Parameters<typeof getBalanceByRef>[2]) => (await t.run((tx) => getBalanceByRef(tx, t.ctx, ref))).postedMinor;
    expect(await bal(accounts.customerFundsBank)).toBe(net - 50n);
    expect(await bal(accounts.clearing(wechat.id))).toBe(0n);
    expect(await bal(accounts.shortageSuspense)).toBe(50n);
    const open = await t.run((tx) => tx.exception.findMany({ where: { tenantId: t.tenantId, kind: { startsWith: "RECON_FUNDS" }, status: "OPEN" } }));
    expect(open.map((e) => [e.kind, e.amountMinor, (e.details as { direction?: string }).direction])).toEqual([["RECON_FUNDS_AMOUNT", 50n, "SHORTAGE"]]);
    // The difference is its own entry, recorded on the exception (the queue releases exactly it).
    const own = await t.run((tx) => tx.journalEntry.findFirstOrThrow({ where: { tenantId: t.tenantId, id: open[0]!.suspenseEntryId! }, select: { kind: true } }));
    expect(own.kind).toBe("recon.shortage");

    // Again: nothing changes.
    const again = await reconcileFundsFile(t.ctx, early.fileId);
    expect(again).toEqual(done);
    expect(await bal(accounts.customerFundsBank)).toBe(net - 50n);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("a settlement date with nothing credited is a 短款 of the whole net; DIRECT posts nothing", async () => {
    const { t, wechat, pay, bill } = await setup("DIRECT");
    const a = await pay(8_000n);
    const billDate = a.businessDate.toISOString().slice(0, 10);
    const settlementDate = addWorkingDays(billDate, 1, new Map());
    await importStatement(t.ctx, { channelAccountId: wechat.id, billDate, fileName: "bill.csv", bytes: await bill(billDate), source: "UPLOAD" });
    const r = await importStatement(t.ctx, { channelAccountId: wechat.id, billDate: settlementDate, format: "BANK_CREDIT", fileName: "none.csv", bytes: credit(settlementDate, 0n), source: "UPLOAD" });
    expect(r.reconciliation).toMatchObject({ differences: { FUNDS_MISSING: 1 }, settlements: [{ settlementDate, expectedMinor: 8_000n - 16n, creditedMinor: 0n, outcome: "DIFFERENCE" }] });
    const e = await t.run((tx) => tx.exception.findFirstOrThrow({ where: { tenantId: t.tenantId, kind: "RECON_FUNDS_MISSING" } }));
    expect(e.amountMinor).toBe(7_984n);
    expect(await t.run((tx) => tx.journalEntry.count({ where: { tenantId: t.tenantId, causeType: "recon_item" } }))).toBe(0);
  });

  it("by the channel account's settlement cycle: T+1 working days (a Monday takes Friday to Sunday) or D+1 natural days", async () => {
    const { t, wechat, pay, bill } = await setup("CUSTODIAL");
    // 2026-11-30 is a Monday; a new tenant's calendar has no holidays.
    expect(await t.run((tx) => billDatesSettlingOn(tx, t.ctx, "2026-11-30"))).toEqual(["2026-11-27", "2026-11-28", "2026-11-29"]);
    expect(await t.run((tx) => billDatesSettlingOn(tx, t.ctx, "2026-11-30", "D1"))).toEqual(["2026-11-29"]);
    expect(wechat.settlementCycle).toBe("T1");
    const refused = await t.run((tx) => updateChannelAccount(tx, t.ctx, { id: wechat.id, settings: { settlementCycle: "W7" as "D1" } })).catch((e: unknown) => e);
    expect(String(refused)).toMatch(/settlementCycle/);
    await t.run((tx) => updateChannelAccount(tx, t.ctx, { id: wechat.id, settings: { settlementCycle: "D1" } }));

    // D+1: the day after the bill date expects that day's net, whatever weekday it is.
    const a = await pay(10_000n);
    const billDate = a.businessDate.toISOString().slice(0, 10);
    const nextDay = new Date(Date.parse(`${billDate}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    await importStatement(t.ctx, { channelAccountId: wechat.id, billDate, fileName: "bill.csv", bytes: await bill(billDate), source: "UPLOAD" });
    expect(await t.run((tx) => expectedNetSettlement(tx, t.ctx, wechat.id, nextDay))).toEqual({ settlementDate: nextDay, billDates: [billDate], missingBills: [], expectedMinor: 10_000n - 20n });
  });
});
