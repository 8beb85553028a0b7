import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMerchant } from "@/server/core/merchants/service";
import { seedSimulatorChannels } from "@/server/core/channels/demo";
import { setChannelAccountEnabled } from "@/server/core/channels/accounts";
import { getBalanceByRef } from "@/server/core/ledger/service";
import { accounts } from "@/server/core/ledger/templates";
import { startWechatSimulator, type RunningWechatSimulator } from "@/server/simulators/wechat/simulator";
import { drainOutboxOnce } from "@/server/jobs/outbox";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { checkLedgerInvariants } from "@/server/testing/ledger";
import { makeTenant } from "@/server/testing/tenants";
import { queryDuePayments } from "./query-job";
import "./register";

// Kill the app in the middle of a payment load and restart: a child process makes payment-code
// payments through the WeChat simulator (a separate server that outlives the child, like a real
// channel) and is killed with SIGKILL mid-load. The merchant's system then retries every order it
// got no answer for (same order numbers, in a second child), and the restarted app's background
// work runs (queries with back-off, reversals, the outbox). Then: every answer a client received
// is in the database and agrees with it; no order was charged twice at the channel; every payment
// is final and agrees with the channel's record; the ledger holds exactly the succeeded payments
// and its invariants hold.

process.env.DATABASE_POOL_SIZE = "20";
let db: TestDatabase;
let sim: RunningWechatSimulator;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("payments_crash");
  sim = await startWechatSimulator({ notifyDelayMs: 60_000 });
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

const COUNT = 120;

interface Line {
  orderNo: string;
  status?: string;
  refused?: string;
}

function load(env: Record<string, string>, onLine: (l: Line) => void): { child: ChildProcess; done: Promise<number | null> } {
  const child = spawn("npx", ["tsx", "server/testing/crash-load.ts"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let buffer = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffer += chunk.toString("utf8");
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (text.startsWith("{")) onLine(JSON.parse(text) as Line);
    }
  });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => void (stderr += c.toString("utf8")));
  const done = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  void done.then((code) => {
    if (code !== 0 && code !== null) console.error(stderr.slice(-2000));
  });
  return { child, done };
}

describe("a crash in the middle of a payment load", () => {
  it("loses no payment, charges none twice, and leaves the ledger whole", { timeout: 180_000 }, async () => {
    const t = await makeTenant();
    const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Crash Noodles"))))!;
    await t.run(async (tx) => {
      await seedSimulatorChannels(tx, t.ctx, { WECHAT: sim.url }, { zh: false, custodial: false });
      // Only the WeChat account: payment codes go to the simulator.
      const sandbox = await tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" } });
      await setChannelAccountEnabled(tx, t.ctx, { id: sandbox.id, enabled: false });
    });
    const env = { DATABASE_URL: process.env.DATABASE_URL!, SWITCHYARD_KEYRING: process.env.SWITCHYARD_KEYRING!, CRASH_TENANT: t.tenantId, CRASH_MERCHANT: m.id, CRASH_RUN: "r1", CRASH_COUNT: String(COUNT), LOG_LEVEL: "error" };

    // The first run, killed once a few dozen payments have been answered.
    const answered = new Map<string, string>();
    const first = load(env, (l) => l.status && answered.set(l.orderNo, l.status));
    const deadline = Date.now() + 120_000;
    while (answered.size < 25 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    first.child.kill("SIGKILL");
    await first.done;
    expect(answered.size).toBeGreaterThanOrEqual(25);
    expect(answered.size).toBeLessThan(COUNT);

    // The merchant retries everything it has no answer for: the same order numbers.
    const retried = new Map<string, Line>();
    const second = load({ ...env, CRASH_CONCURRENCY: "4" }, (l) => retried.set(l.orderNo, l));
    expect(await second.done).toBe(0);
    for (const [orderNo, l] of retried) {
      // An order recorded before the kill is refused as taken, never charged again.
      if (l.refused) expect(l.refused, orderNo).toBe("MERCHANT_ORDER_NO_TAKEN");
    }

    // The restarted app's background work: queries with back-off, reversals after the window, the outbox.
    for (let round = 0; round < 10; round++) {
      const r = await queryDuePayments(t.ctx, new Date(Date.now() + 3_600_000), 500);
      await drainOutboxOnce(200);
      if (r.queried === 0) break;
    }

    const payments = await t.run((tx) => tx.payment.findMany({ where: { tenantId: t.tenantId }, select: { merchantOrderNo: true, outTradeNo: true, status: true, amountMinor: true, feeMinor: true } }));
    expect(payments).toHaveLength(COUNT);
    const byOrder = new Map(payments.map((p) => [p.merchantOrderNo, p]));
    // Every answer a client got before the kill is what the database says (or, for PROCESSING, where it went since).
    for (const [orderNo, status] of answered) {
      const p = byOrder.get(orderNo);
      expect(p, orderNo).toBeDefined();
      if (status !== "PROCESSING") expect(p!.status, orderNo).toBe(status);
    }
    // No payment is left hanging, and the channel charged each order at most once and agrees with us.
    expect(payments.filter((p) => p.status === "PROCESSING")).toEqual([]);
    const trades = (await (await fetch(`${sim.url}/__sim/trades`)).json()) as Array<{ outTradeNo: string; status: string }>;
    const ours = new Set(payments.map((p) => p.outTradeNo));
    const tradesOfOurs = trades.filter((x) => ours.has(x.outTradeNo));
    expect(new Set(tradesOfOurs.map((x) => x.outTradeNo)).size).toBe(tradesOfOurs.length);
    const paidAtChannel = new Set(tradesOfOurs.filter((x) => x.status === "SUCCESS").map((x) => x.outTradeNo));
    for (const p of payments) expect(paidAtChannel.has(p.outTradeNo), `${p.merchantOrderNo} ${p.status}`).toBe(p.status === "SUCCEEDED");

    // The memo book holds exactly the succeeded payments (A − F each).
    const expected = payments.filter((p) => p.status === "SUCCEEDED").reduce((s, p) => s + p.amountMinor - p.feeMinor, 0n);
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.memoDue(m.id)))).postedMinor).toBe(expected);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });
});
