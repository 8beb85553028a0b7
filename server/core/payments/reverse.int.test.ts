import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisionWechatSimulatorAccount } from "@/server/channels/wechat/simulator-account";
import { createChannelAccount } from "@/server/core/channels/accounts";
import { usageOn } from "@/server/core/channels/limits";
import { createRegistration } from "@/server/core/channels/registrations";
import { createMerchant } from "@/server/core/merchants/service";
import { startWechatSimulator, type RunningWechatSimulator } from "@/server/simulators/wechat/simulator";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { makeTenant } from "@/server/testing/tenants";
import { createPayment, paymentTransitions, queryPayment, REVERSE_AFTER_QUERIES } from "./service";

// A payment-code payment at the WeChat Pay simulator whose payer never confirms: it is queried
// (the channel sends no notification for code payments), then reversed after the query window —
// and closed only when the channel confirms the reverse (the first reverse answers recall=Y).

let db: TestDatabase;
let sim: RunningWechatSimulator;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("payments_reverse");
  sim = await startWechatSimulator();
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

describe("reverse after the query window", () => {
  it("queries a 'user paying' code payment, then reverses it and closes it on the channel's confirmation, releasing the limits", async () => {
    const t = await makeTenant({ mode: "CUSTODIAL" });
    const m = await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Reverse Noodles")));
    const { params, credentials } = await provisionWechatSimulatorAccount(sim.url);
    const account = await t.run((tx) => createChannelAccount(tx, t.ctx, { channelType: "WECHAT", name: "WeChat (sim)", params: { ...params }, credentials: { ...credentials }, settings: { costRatePpm: 1000 } }));
    await t.run((tx) => createRegistration(tx, t.ctx, { merchantId: m.id, channelAccountId: account.id, subMchId: "1900000777", status: "ACTIVE" }));
    await fetch(`${sim.url}/__sim/behaviour`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ behaviour: "userpaying", polls: 1000 }) });

    const p = await createPayment(t.ctx, { merchantId: m.id, merchantOrderNo: `REV-${Date.now()}`, amountMinor: 2_500n, product: "WECHAT_CODE", elements: { authCode: "134567890123456789" }, subject: "Waiting payer" });
    expect(p.status).toBe("PROCESSING");
    expect(p.channelAccountId).toBe(account.id);

    let last = p;
    for (let i = 1; i < REVERSE_AFTER_QUERIES; i++) {
      last = await queryPayment(t.ctx, p.id);
      expect(last.status).toBe("PROCESSING");
    }
    // The window's last query reverses; WeChat answers recall=Y the first time: still PROCESSING.
    last = await queryPayment(t.ctx, p.id);
    expect(last.status).toBe("PROCESSING");
    // The next query finds the trade revoked at the channel: that confirmation closes it.
    last = await queryPayment(t.ctx, p.id);
    expect(last.status).toBe("CLOSED");
    expect(last.failureCode).toBe("REVERSED");

    const causes = (await t.run((tx) => paymentTransitions(tx, t.ctx, p.id))).map((x) => `${x.toStatus}:${x.cause}`);
    expect(causes.slice(-2)).toEqual(["PROCESSING:REVERSE", "CLOSED:QUERY"]);
    expect(causes.filter((c) => c === "PROCESSING:QUERY")).toHaveLength(REVERSE_AFTER_QUERIES);
    const usage = await t.run((tx) => usageOn(tx, t.ctx, p.businessDate.toISOString().slice(0, 10)));
    expect(usage.channelAccounts.get(account.id)).toEqual({ amountMinor: 0n, count: 0 });
    expect(await t.run((tx) => tx.journalEntry.count({ where: { tenantId: t.tenantId, causeId: p.id } }))).toBe(0);
    const trade = ((await (await fetch(`${sim.url}/__sim/trades`)).json()) as Array<{ outTradeNo: string; status: string }>).find((x) => x.outTradeNo === p.outTradeNo);
    expect(trade?.status).toBe("REVOKED");
  });
});
