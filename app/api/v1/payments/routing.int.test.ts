import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provisionWechatSimulatorAccount } from "@/server/channels/wechat/simulator-account";
import { createChannelAccount } from "@/server/core/channels/accounts";
import { createRegistration } from "@/server/core/channels/registrations";
import { createApiKey } from "@/server/core/merchant-api/keys";
import { createMerchant } from "@/server/core/merchants/service";
import { withTenantTx } from "@/server/db/tenant-tx";
import { startWechatSimulator, type RunningWechatSimulator } from "@/server/simulators/wechat/simulator";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, useTestKeyring, type TestTenant } from "@/server/testing/fixtures";
import { errorCode, readResult, signedRequest, type ApiResult, type TestApiKey } from "@/server/testing/merchant-api";
import { tenantHost } from "@/server/testing/trpc";
import { POST as paymentsPOST } from "./route";

// POST /api/v1/payments with `routing` (forceChannel / excludeChannels) and `terminalInfo`, through
// the route handler with signed requests, as the app role. The tenant (DIRECT, lowest cost first)
// has three accounts the merchant is registered at: a WeChat Pay account on the local WeChat
// simulator (cost 0.03 %: the cheapest, so WeChat products go there unless told otherwise), a
// second sandbox account (0.1 %) and the tenant's own sandbox (0.2 %).

process.env.DATABASE_POOL_SIZE = "20";
let db: TestDatabase;
let sim: RunningWechatSimulator;
let tenant: TestTenant;
let host: string;
let key: TestApiKey;
/** The tenant's own sandbox account, the second one, and the WeChat account. */
let sandbox: string;
let sandbox2: string;
let wechat: string;

async function addMerchant(name: string): Promise<{ merchantId: string; key: TestApiKey }> {
  const ctx = ownerContext(tenant);
  return withTenantTx(tenant.id, async (tx) => {
    // Registered at every sandbox account there is now (createMerchant), and at WeChat here.
    const m = await createMerchant(tx, ctx, merchantInput(name));
    await createRegistration(tx, ctx, { merchantId: m.id, channelAccountId: wechat, subMchId: "1900000109", status: "ACTIVE", channelRatePpm: 3800 });
    const k = await createApiKey(tx, ctx, { merchantId: m.id, label: "test" });
    return { merchantId: m.id, key: { keyId: k.keyId, secret: k.secret } };
  });
}

beforeAll(async () => {
  db = await createTestDatabase("api_payment_routing");
  useTestKeyring();
  sim = await startWechatSimulator();
  tenant = await makeTenant("gamma");
  host = tenantHost(tenant.slug);
  const ctx = ownerContext(tenant);
  const { params, credentials } = await provisionWechatSimulatorAccount(sim.url);
  await withTenantTx(tenant.id, async (tx) => {
    sandbox = (await tx.channelAccount.findFirstOrThrow({ where: { tenantId: tenant.id, channelType: "SANDBOX" }, select: { id: true } })).id;
    sandbox2 = (await createChannelAccount(tx, ctx, { channelType: "SANDBOX", name: "Sandbox two", params: {}, credentials: {}, settings: { costRatePpm: 1000 } })).id;
    wechat = (await createChannelAccount(tx, ctx, { channelType: "WECHAT", name: "WeChat (sim)", params, credentials, settings: { costRatePpm: 300 } })).id;
  });
  key = (await addMerchant("Gamma Noodles")).key;
});

afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

let n = 0;
/** A payment-code payment (WeChat's simulator takes 18-digit codes starting 10–15); every call a new order number. */
function order(extra: Record<string, unknown> = {}): Record<string, unknown> {
  n += 1;
  return { merchantOrderNo: `RT-${Date.now()}-${n}`, amountMinor: 1_000, product: "WECHAT_CODE", elements: { authCode: "134567890123456789" }, subject: "Lunch", ...extra };
}

const post = async (body: Record<string, unknown>, as: TestApiKey = key): Promise<ApiResult> =>
  readResult(await paymentsPOST(signedRequest({ host, path: "/api/v1/payments", key: as, body: JSON.stringify(body), idempotencyKey: `rt-${++n}-${Date.now()}` })));

interface PaymentJson {
  id: string;
  status: string;
  channel: { type: string; accountId: string };
  failure?: { code: string };
  [k: string]: unknown;
}
const paymentOf = (r: ApiResult): PaymentJson => {
  expect(r.status, r.text).toBe(201);
  return r.json as PaymentJson;
};

function expectError(r: ApiResult, status: number, code: string, field?: string): void {
  expect({ status: r.status, code: errorCode(r) }, r.text).toEqual({ status, code });
  if (field !== undefined) expect((r.json as { error: { field?: string } }).error.field, r.text).toBe(field);
}

const rowsOf = (merchantOrderNo: unknown) => ownerQuery<{ id: string }>(db.url, `SELECT id FROM payment WHERE merchant_order_no = $1`, [merchantOrderNo]);

async function decisionOf(paymentId: string) {
  const [row] = await ownerQuery<{ request: Record<string, unknown>; trace: Record<string, unknown> }>(
    db.url,
    `SELECT d.request, d.trace FROM routing_decision d JOIN payment p ON p.tenant_id = d.tenant_id AND p.routing_decision_id = d.id WHERE p.id = $1`,
    [paymentId],
  );
  return row!;
}

async function transitions(paymentId: string) {
  return ownerQuery<{ cause: string; exchanges: Array<{ requestBody?: string }> }>(db.url, `SELECT cause, exchanges FROM payment_transition WHERE payment_id = $1 ORDER BY created_at`, [paymentId]);
}

describe("routing.forceChannel and routing.excludeChannels", () => {
  it("without them routing takes the cheapest account: WeChat for a WeChat payment code, the second sandbox for an Alipay QR", async () => {
    expect(paymentOf(await post(order())).channel).toEqual({ type: "WECHAT", accountId: wechat });
    expect(paymentOf(await post(order({ product: "ALIPAY_QR", elements: {} }))).channel).toEqual({ type: "SANDBOX", accountId: sandbox2 });
  });

  it("forceChannel by type picks that type's cheapest account, and the routing decision records the filter", async () => {
    const p = paymentOf(await post(order({ routing: { forceChannel: "SANDBOX" } })));
    expect(p).toMatchObject({ status: "SUCCEEDED", channel: { type: "SANDBOX", accountId: sandbox2 } });
    const decision = await decisionOf(p.id);
    expect(decision.request.channelFilter).toEqual({ forceChannel: "SANDBOX" });
    expect(decision.trace.channelFilter).toEqual({ forceChannel: "SANDBOX", removedAccounts: 1 });
  });

  it("forceChannel by account id (as a payment shows it, in any case) picks that account", async () => {
    expect(paymentOf(await post(order({ routing: { forceChannel: sandbox } }))).channel).toEqual({ type: "SANDBOX", accountId: sandbox });
    expect(paymentOf(await post(order({ routing: { forceChannel: sandbox.toUpperCase() } }))).channel.accountId).toBe(sandbox);
    expect(paymentOf(await post(order({ product: "ALIPAY_QR", elements: {}, routing: { forceChannel: sandbox } }))).channel.accountId).toBe(sandbox);
  });

  it("excludeChannels skips types and accounts", async () => {
    const p = paymentOf(await post(order({ routing: { excludeChannels: ["WECHAT", sandbox2] } })));
    expect(p.channel).toEqual({ type: "SANDBOX", accountId: sandbox });
    expect((await decisionOf(p.id)).trace.channelFilter).toEqual({ excludeChannels: ["WECHAT", sandbox2], removedAccounts: 2 });
    expect(paymentOf(await post(order({ routing: { excludeChannels: ["SANDBOX"] } }))).channel).toEqual({ type: "WECHAT", accountId: wechat });
    // An empty filter is no filter.
    expect(paymentOf(await post(order({ routing: { excludeChannels: [] } }))).channel.accountId).toBe(wechat);
  });

  it("a filter that leaves nothing is 422 ALL_EXCLUDED naming the member; nothing is created, the decision is kept", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ forceChannel: "ALIPAY" }, "forceChannel"],
      // An id that is none of this merchant's accounts (another tenant's looks the same) matches nothing.
      [{ forceChannel: randomUUID() }, "forceChannel"],
      [{ excludeChannels: ["WECHAT", "SANDBOX"] }, "excludeChannels"],
      [{ forceChannel: wechat, excludeChannels: ["WECHAT"] }, "excludeChannels"],
    ];
    for (const [routing, filter] of cases) {
      const body = order({ routing });
      const r = await post(body);
      expectError(r, 422, "ALL_EXCLUDED", `routing.${filter}`);
      const error = (r.json as { error: { message: string; params: Record<string, unknown> } }).error;
      expect(error.message).toMatch(new RegExp(`^routing\\.${filter}: The ${filter === "forceChannel" ? "forced channel" : "excluded channels"}`));
      expect(error.params).toMatchObject({ filter, channelAccounts: 3 });
      expect(await rowsOf(body.merchantOrderNo)).toEqual([]);
      const [decision] = await ownerQuery<{ outcome: string; reason: string; request: { channelFilter: unknown } }>(db.url, `SELECT outcome, reason, request FROM routing_decision WHERE id = $1`, [error.params.decisionId]);
      expect(decision).toMatchObject({ outcome: "NO_ROUTE", reason: "ALL_EXCLUDED" });
      expect(decision!.request.channelFilter).toEqual(routing);
    }
  });

  it("an unknown channel type, a malformed entry or an unknown member is 400 INVALID_REQUEST naming it", async () => {
    const cases: Array<[unknown, string]> = [
      [{ forceChannel: "UNIONPAY" }, "routing.forceChannel"],
      [{ forceChannel: "wechat" }, "routing.forceChannel"],
      [{ forceChannel: "" }, "routing.forceChannel"],
      [{ excludeChannels: ["WECHAT", "PAYPAL"] }, "routing.excludeChannels.1"],
      [{ excludeChannels: "WECHAT" }, "routing.excludeChannels"],
      [{ excludeChannels: Array.from({ length: 17 }, () => randomUUID()) }, "routing.excludeChannels"],
      [{ preferChannel: "WECHAT" }, "routing.preferChannel"],
      ["WECHAT", "routing"],
    ];
    for (const [routing, field] of cases) {
      const body = order({ routing });
      const r = await post(body);
      expectError(r, 400, "INVALID_REQUEST", field);
      expect(await rowsOf(body.merchantOrderNo)).toEqual([]);
    }
    expect((await post(order({ routing: { forceChannel: "UNIONPAY" } }))).text).toContain("WECHAT, ALIPAY, BANK, SANDBOX");
  });

  it("a fallback after a decline stays inside the filter", async () => {
    // A sandbox account cheaper than the others that declines everything (no money moved), and a
    // merchant registered there: an Alipay QR goes there first and falls back to the next cheapest.
    const ctx = ownerContext(tenant);
    const decliner = await withTenantTx(tenant.id, async (tx) => (await createChannelAccount(tx, ctx, { channelType: "SANDBOX", name: "Declines all", params: { declineAll: "true" }, credentials: {}, settings: { costRatePpm: 100 } })).id);
    const other = await addMerchant("Gamma Bakery");
    const qr = (routing?: Record<string, unknown>) => order({ product: "ALIPAY_QR", elements: {}, ...(routing ? { routing } : {}) });
    const causes = async (id: string) => (await transitions(id)).map((t) => t.cause);

    const free = paymentOf(await post(qr(), other.key));
    expect(free).toMatchObject({ status: "SUCCEEDED", channel: { accountId: sandbox2 } });
    expect(await causes(free.id)).toEqual(["CREATED", "FALLBACK", "CHANNEL_RESPONSE"]);

    // Only the decliner is left: its decline stands.
    const alone = paymentOf(await post(qr({ excludeChannels: [sandbox2, sandbox] }), other.key));
    expect(alone).toMatchObject({ status: "FAILED", failure: { code: "SANDBOX_DECLINED" }, channel: { accountId: decliner } });
    expect(await causes(alone.id)).toEqual(["CREATED", "CHANNEL_RESPONSE"]);

    // The next cheapest (sandbox two) is excluded: the fallback skips it for the tenant's own sandbox.
    const skipped = paymentOf(await post(qr({ forceChannel: "SANDBOX", excludeChannels: [sandbox2] }), other.key));
    expect(skipped).toMatchObject({ status: "SUCCEEDED", channel: { accountId: sandbox } });
    expect(await causes(skipped.id)).toEqual(["CREATED", "FALLBACK", "CHANNEL_RESPONSE"]);
    expect((await decisionOf(skipped.id)).trace.fallbacks).toEqual([sandbox]);
  });
});

describe("terminalInfo", () => {
  const terminalInfo = { terminalId: "POS-0007", deviceModel: "Sunmi T2", ip: "10.1.2.3", location: "31.2304,121.4737" };

  it("is stored with the payment and reaches the channel where its protocol has a place (WeChat micropay: device_info, spbill_create_ip)", async () => {
    const body = order({ terminalInfo });
    const p = paymentOf(await post(body));
    expect(p).toMatchObject({ status: "SUCCEEDED", channel: { type: "WECHAT", accountId: wechat } });
    expect(p).not.toHaveProperty("terminalInfo");
    const [row] = await ownerQuery<{ terminal_info: unknown; out_trade_no: string }>(db.url, `SELECT terminal_info, out_trade_no FROM payment WHERE id = $1`, [p.id]);
    expect(row!.terminal_info).toEqual(terminalInfo);
    // What was sent, as the payment's record of the exchange keeps it, and what the simulator got.
    const sent = (await transitions(p.id)).find((t) => t.cause === "CHANNEL_RESPONSE")?.exchanges[0]?.requestBody ?? "";
    expect(sent).toContain("<device_info><![CDATA[POS-0007]]></device_info>");
    expect(sent).toContain("<spbill_create_ip><![CDATA[10.1.2.3]]></spbill_create_ip>");
    expect(sim.state.trades.get(row!.out_trade_no)?.deviceId).toBe("POS-0007");
  });

  it("reaches the sandbox too, which records it in its exchange; a payment without it (or with an empty one) stores none", async () => {
    const p = paymentOf(await post(order({ terminalInfo: { terminalId: "POS-0008" }, routing: { forceChannel: "SANDBOX" } })));
    const sent = (await transitions(p.id)).find((t) => t.cause === "CHANNEL_RESPONSE")?.exchanges[0]?.requestBody ?? "{}";
    expect(JSON.parse(sent)).toMatchObject({ terminalInfo: { terminalId: "POS-0008" } });
    for (const body of [order(), order({ terminalInfo: {} })]) {
      const plain = paymentOf(await post(body));
      expect((await ownerQuery(db.url, `SELECT terminal_info FROM payment WHERE id = $1`, [plain.id]))[0]).toEqual({ terminal_info: null });
    }
  });

  it("oversize, malformed or unknown members are 400 INVALID_REQUEST naming the member; nothing is created", async () => {
    const cases: Array<[unknown, string]> = [
      [{ terminalId: "T".repeat(33) }, "terminalInfo.terminalId"],
      [{ terminalId: "POS 7" }, "terminalInfo.terminalId"],
      [{ deviceModel: "M".repeat(65) }, "terminalInfo.deviceModel"],
      [{ deviceModel: "bad\nmodel" }, "terminalInfo.deviceModel"],
      [{ ip: "999.1.1.1" }, "terminalInfo.ip"],
      [{ ip: "10.1.2.3".repeat(20) }, "terminalInfo.ip"],
      [{ location: "north" }, "terminalInfo.location"],
      [{ location: "91.0,121.4737" }, "terminalInfo.location"],
      [{ serialNo: "SN-1" }, "terminalInfo.serialNo"],
      [{ terminalId: "POS-1", notes: "x".repeat(10_000) }, "terminalInfo.notes"],
      ["POS-0007", "terminalInfo"],
    ];
    for (const [value, field] of cases) {
      const body = order({ terminalInfo: value });
      expectError(await post(body), 400, "INVALID_REQUEST", field);
      expect(await rowsOf(body.merchantOrderNo)).toEqual([]);
    }
  });
});
