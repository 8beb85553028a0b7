import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setChannelAccountEnabled } from "@/server/core/channels/accounts";
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
import { fetchDueStatements, fetchStatuses } from "./fetch-job";
import { importStatement } from "./import";
import { seedDemoReconciliation } from "./demo";
import { expireCrossDayPool } from "./pool-expiry";
import "@/server/core/payments/register";

// The clearing jobs against a real PostgreSQL database and the WeChat simulator: the scheduled
// fetch waits for the publication time, retries a bill that is not available, imports and
// reconciles it once, and re-runs a bank credit file that was waiting for it; the pool expiry
// turns a payment no later bill showed into the 短款 the next-bill path posts, once.

let db: TestDatabase;
let sim: RunningWechatSimulator;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("clearing_jobs");
  sim = await startWechatSimulator({ notifyDelayMs: 60_000, feeRatePpm: 2_000 });
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

/** An instant at Beijing wall-clock `hhmm` on `date`. */
const beijing = (date: string, hhmm: string) => new Date(`${date}T${hhmm}:00+08:00`);
const nextDay = (d: string, n = 1) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

describe("clearing jobs", () => {
  it("fetches the bill after publication, retrying until available; pooled payments expire by time", async () => {
    const t = await makeTenant({ mode: "CUSTODIAL" });
    const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Job Noodles"))))!;
    const wechat = await t.run(async (tx) => {
      await seedSimulatorChannels(tx, t.ctx, { WECHAT: sim.url }, { zh: false, custodial: true });
      const sandbox = await tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" } });
      await setChannelAccountEnabled(tx, t.ctx, { id: sandbox.id, enabled: false });
      // Other simulator channels seeded for the demo have no simulator running here.
      await tx.channelAccount.updateMany({ where: { tenantId: t.tenantId, channelType: { not: "WECHAT" } }, data: { enabled: false } });
      return tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "WECHAT" } });
    });
    let n = 0;
    const pay = (amountMinor: bigint) =>
      createPayment(t.ctx, { merchantId: m.id, merchantOrderNo: `JB-${Date.now()}-${++n}`, amountMinor, product: "WECHAT_CODE", elements: { authCode: `13${String(n).padStart(16, "0")}` }, subject: "Jobs" });
    const kept = await pay(6_000n);
    const dropped = await pay(1_500n);
    const billDate = kept.businessDate.toISOString().slice(0, 10);
    await fetch(`${sim.url}/__sim/statement-diffs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ billDate, diffs: [{ kind: "drop", outTradeNo: dropped.outTradeNo }] }) });

    // A credit file that arrived first waits for the bill.
    const settlementDate = addWorkingDays(billDate, 1, new Map());
    const net = 6_000n - 12n;
    const credits = Buffer.from(writeCreditFile({ account: "6222020200001234567", statementDate: settlementDate, credits: [{ valueDate: settlementDate, amountMinor: net, counterpartyAccount: "6217000000000001", counterpartyName: "财付通" }] }));
    const early = await importStatement(t.ctx, { channelAccountId: wechat.id, billDate: settlementDate, format: "BANK_CREDIT", fileName: "credits.csv", bytes: credits, source: "UPLOAD" });
    expect(early.reconciliation).toMatchObject({ byOutcome: { PENDING: 1 } });

    // Before 10:00 the next morning the bill is not due.
    expect(await fetchDueStatements(t.ctx, beijing(nextDay(billDate), "09:40"))).toEqual([]);
    // Due, but the channel is not answering: tried again on the next run.
    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (++calls === 1) throw new Error("connect ECONNREFUSED");
      return fetch(input, init);
    };
    const first = await fetchDueStatements(t.ctx, beijing(nextDay(billDate), "10:05"), { fetch: flaky });
    expect(first).toMatchObject([{ channelAccountId: wechat.id, billDate, outcome: "NOT_AVAILABLE" }]);
    const second = await fetchDueStatements(t.ctx, beijing(nextDay(billDate), "10:20"), { fetch: flaky });
    expect(second).toMatchObject([{ channelAccountId: wechat.id, billDate, outcome: "IMPORTED", reconciliation: { byOutcome: { MATCHED: 1, PENDING: 1 } } }]);
    const file = await t.run((tx) => tx.statementFile.findFirstOrThrow({ where: { tenantId: t.tenantId, channelAccountId: wechat.id, billDate: new Date(`${billDate}T00:00:00Z`), format: "WECHAT_TRADE_BILL" } }));
    expect(file.source).toBe("JOB");
    // The waiting credit was reconciled once the bill was in.
    const funds = await t.run((tx) => tx.reconItem.findFirstOrThrow({ where: { tenantId: t.tenantId, fileId: early.fileId, itemKey: `settlement:${settlementDate}` } }));
    expect(funds).toMatchObject({ outcome: "MATCHED", ourMinor: net, theirMinor: net });
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.customerFundsBank))).postedMinor).toBe(net);
    // Nothing is fetched twice.
    expect(await fetchDueStatements(t.ctx, beijing(nextDay(billDate), "10:35"))).toEqual([]);
    // Every try is on record for the Statements page: two, the last one the import, the first one's words kept.
    const statuses = await t.run((tx) => fetchStatuses(tx, t.ctx));
    expect(statuses).toMatchObject([{ channelAccountId: wechat.id, billDate, attempts: 2, outcome: "IMPORTED", fileId: file.id, detail: null }]);
    const tries = await t.run((tx) => tx.statementFetchAttempt.findMany({ where: { tenantId: t.tenantId }, orderBy: { attemptedAt: "asc" } }));
    expect(tries.map((a) => [a.outcome, a.detail?.includes("ECONNREFUSED") ?? false])).toEqual([
      ["NOT_AVAILABLE", true],
      ["IMPORTED", false],
    ]);

    // The dropped payment waits in the pool; no later bill comes (the account is paused). Time expires it.
    await t.run((tx) => setChannelAccountEnabled(tx, t.ctx, { id: wechat.id, enabled: false }));
    expect(await expireCrossDayPool(t.ctx, beijing(nextDay(billDate, 2), "12:00"))).toMatchObject({ expired: 0 });
    const expiry = await expireCrossDayPool(t.ctx, beijing(nextDay(billDate, 3), "00:30"));
    expect(expiry).toEqual({ today: nextDay(billDate, 3), expired: 1 });
    const item = await t.run((tx) => tx.reconItem.findFirstOrThrow({ where: { tenantId: t.tenantId, paymentId: dropped.id } }));
    expect(item).toMatchObject({ outcome: "DIFFERENCE", diffType: "PLATFORM_ONLY", direction: "SHORTAGE", diffMinor: -1_500n });
    const exception = await t.run((tx) => tx.exception.findFirstOrThrow({ where: { tenantId: t.tenantId, kind: "RECON_PLATFORM_ONLY", causeId: item.id } }));
    expect(exception.amountMinor).toBe(1_500n);
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.shortageSuspense))).postedMinor).toBe(1_500n);
    // Posted on the day found, correcting the bill date.
    const entry = await t.run((tx) => tx.journalEntry.findFirstOrThrow({ where: { tenantId: t.tenantId, idempotencyKey: `recon:${item.id}` } }));
    expect(entry.businessDate.toISOString().slice(0, 10)).toBe(nextDay(billDate, 3));
    // Again: nothing.
    expect(await expireCrossDayPool(t.ctx, beijing(nextDay(billDate, 4), "00:30"))).toMatchObject({ expired: 0 });
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.shortageSuspense))).postedMinor).toBe(1_500n);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("the demo's reconciliation day: the simulator's bill with differences, imported, leaves open exceptions", async () => {
    process.env.SWITCHYARD_SIM_WECHAT_URL = sim.url;
    try {
      const t = await makeTenant({ mode: "CUSTODIAL" });
      const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Demo Noodles"))))!;
      await t.run(async (tx) => {
        await seedSimulatorChannels(tx, t.ctx, { WECHAT: sim.url }, { zh: true, custodial: true });
        await tx.channelAccount.updateMany({ where: { tenantId: t.tenantId, channelType: { not: "WECHAT" } }, data: { enabled: false } });
      });
      for (const [i, amountMinor] of [2_000n, 3_500n].entries()) {
        await createPayment(t.ctx, { merchantId: m.id, merchantOrderNo: `DM-${Date.now()}-${i}`, amountMinor, product: "WECHAT_CODE", elements: { authCode: `13${String(900 + i).padStart(16, "0")}` }, subject: "Demo" });
      }
      const r = await seedDemoReconciliation(t.ctx);
      expect(r).toMatchObject({ outcome: "IMPORTED", reconciliation: { differences: { AMOUNT: 1, FEE: 1, CHANNEL_ONLY: 1 } } });
      const open = await t.run((tx) => tx.exception.findMany({ where: { tenantId: t.tenantId, status: "OPEN", kind: { startsWith: "RECON_" } } }));
      expect(open.map((e) => e.kind).sort()).toEqual(["RECON_AMOUNT", "RECON_CHANNEL_ONLY", "RECON_FEE"]);
      // Seeding again does nothing.
      expect(await seedDemoReconciliation(t.ctx)).toBeNull();
      await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
    } finally {
      delete process.env.SWITCHYARD_SIM_WECHAT_URL;
    }
  });
});
