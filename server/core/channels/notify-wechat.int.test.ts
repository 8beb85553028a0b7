import { randomInt } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectorFor } from "@/server/channels/registry";
import { provisionWechatSimulatorAccount } from "@/server/channels/wechat/simulator-account";
import { createMerchant } from "@/server/core/merchants/service";
import { startWechatSimulator, type RunningWechatSimulator } from "@/server/simulators/wechat/simulator";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { makeTenant } from "@/server/testing/tenants";
import { configureChannelAccount, connectorConfig, createChannelAccount } from "./accounts";
import { receiveNotification } from "./notify";
import { createRegistration } from "./registrations";

// The real protocol end to end: the WeChat Pay simulator sends its signed, encrypted v3 callbacks
// to an HTTP endpoint that hands them to the notify service exactly as /api/notify does. A good
// callback is recorded once; a tampered, badly signed or stale one is refused and changes nothing
// but the refusal log; a callback signed before a key change still verifies.

let db: TestDatabase;
let sim: RunningWechatSimulator;
let endpoint: { url: string; close: () => Promise<void> };
let accountId = "";

async function startEndpoint(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
      const [, , channel = "", id = ""] = (req.url ?? "").split("/").filter(Boolean);
      receiveNotification(channel, id, { headers, body: Buffer.concat(chunks).toString("utf8"), receivedAt: new Date() })
        .then(({ ack }) => {
          res.writeHead(ack.status, { "content-type": ack.contentType });
          res.end(ack.body);
        })
        .catch((e: unknown) => {
          res.writeHead(500);
          res.end(String(e));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

let t: Awaited<ReturnType<typeof makeTenant>>;
const SUB_MCH = "1900000555";

beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("notify_wechat");
  sim = await startWechatSimulator({ notifyDelayMs: 20, notifyRetryScheduleMs: [50, 100, 200] });
  endpoint = await startEndpoint();
  t = await makeTenant();
  const merchant = await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Callback Noodles")));
  const { params, credentials } = await provisionWechatSimulatorAccount(sim.url);
  const account = await t.run((tx) => createChannelAccount(tx, t.ctx, { channelType: "WECHAT", name: "WeChat (sim)", params: { ...params }, credentials: { ...credentials } }));
  accountId = account.id;
  await t.run((tx) => createRegistration(tx, t.ctx, { merchantId: merchant.id, channelAccountId: accountId, subMchId: SUB_MCH, status: "ACTIVE" }));
});

afterAll(async () => {
  await endpoint?.close();
  await sim?.close();
  await db?.drop();
});

const notifyUrl = () => `${endpoint.url}/api/notify/wechat/${accountId}`;

async function qrPay(outTradeNo: string) {
  const account = await t.run((tx) => connectorConfig(tx, t.ctx, accountId));
  const result = await connectorFor("WECHAT").pay(
    { account, registration: { registrationId: "r", subMchId: SUB_MCH } },
    { outTradeNo, amountMinor: 1234n, currency: "CNY", product: "WECHAT_QR", description: "QR order", notifyUrl: notifyUrl() },
  );
  expect(result.codeUrl).toBeTruthy();
}

async function rows(outTradeNo?: string) {
  return t.run((tx) => tx.channelNotification.findMany({ where: { tenantId: t.tenantId, ...(outTradeNo ? { outTradeNo } : {}) }, orderBy: { receivedAt: "asc" } }));
}

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 8000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const orderNo = () => `NT${Date.now()}${randomInt(1000, 9999)}`;

describe("WeChat Pay callbacks through the notify service", () => {
  it("records a paid QR order's callback once, with the payment's details", async () => {
    const no = orderNo();
    await qrPay(no);
    const [row] = await until(async () => ((await rows(no)).length ? rows(no) : undefined), "the callback");
    expect(row).toMatchObject({ accepted: true, kind: "PAYMENT", outTradeNo: no, status: "SUCCEEDED", amountMinor: 1234n, version: 1 });
  });

  it("refuses badly signed, tampered and stale callbacks on every retry; nothing about the order is recorded", async () => {
    for (const [fault, code] of [
      ["notify_bad_signature", "SIGNATURE_INVALID"],
      ["notify_tampered_ciphertext", "DECRYPT_FAILED"],
      ["notify_stale_timestamp", "NOTIFICATION_EXPIRED"],
    ] as const) {
      const before = (await rows()).filter((r) => r.errorCode === code).length;
      await fetch(`${sim.url}/__sim/wechat/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ fault, count: 1 }) });
      const no = orderNo();
      await qrPay(no);
      // The channel retries a refused callback; every attempt of this one is bad, and each is refused.
      await until(async () => ((await rows()).filter((r) => r.errorCode === code).length >= before + 2 ? true : undefined), `two refusals (${fault})`);
      const refusals = (await rows()).filter((r) => r.errorCode === code);
      for (const r of refusals) expect([r.accepted, r.outTradeNo, r.status, r.eventId]).toEqual([false, null, null, null]);
      expect((await rows(no)).filter((r) => r.accepted)).toEqual([]);
    }
    // The next good callback goes through.
    const good = orderNo();
    await qrPay(good);
    await until(async () => (await rows(good)).find((r) => r.accepted), "a good callback after the faults");
  });

  it("acknowledges a late duplicate without recording the event twice", async () => {
    const no = orderNo();
    await fetch(`${sim.url}/__sim/behaviour`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ outTradeNo: no, behaviour: "late_duplicate_notify" }) });
    await qrPay(no);
    const row = await until(async () => (await rows(no)).find((r) => r.duplicates > 0), "the duplicate");
    expect((await rows(no)).filter((r) => r.accepted)).toHaveLength(1);
    expect(row.duplicates).toBe(1);
  });

  it("verifies and decrypts a callback sent under the previous credential version, arriving after a key change", async () => {
    // A slow simulator: its callback arrives well after the rotation below.
    const slow = await startWechatSimulator({ notifyDelayMs: 1500, notifyRetryScheduleMs: [200] });
    try {
      const merchant = await t.run((tx) => tx.merchant.findFirstOrThrow({ where: { tenantId: t.tenantId } }));
      const v1 = await provisionWechatSimulatorAccount(slow.url);
      const account = await t.run((tx) => createChannelAccount(tx, t.ctx, { channelType: "WECHAT", name: "WeChat (slow sim)", params: { ...v1.params }, credentials: { ...v1.credentials } }));
      await t.run((tx) => createRegistration(tx, t.ctx, { merchantId: merchant.id, channelAccountId: account.id, subMchId: SUB_MCH, status: "ACTIVE" }));
      const no = orderNo();
      const config = await t.run((tx) => connectorConfig(tx, t.ctx, account.id));
      await connectorFor("WECHAT").pay(
        { account: config, registration: { registrationId: "r", subMchId: SUB_MCH } },
        { outTradeNo: no, amountMinor: 500n, currency: "CNY", product: "WECHAT_QR", description: "QR order", notifyUrl: `${endpoint.url}/api/notify/wechat/${account.id}` },
      );
      // Rotate the API v3 key (the callback's encryption key) before the callback arrives.
      await t.run((tx) => configureChannelAccount(tx, t.ctx, { id: account.id, params: { ...config.params }, credentials: { apiV3Key: "N".repeat(32) } }));
      expect((await rows(no)).length).toBe(0);
      const row = await until(async () => (await rows(no)).find((r) => r.accepted), "the callback under the old key");
      expect(row).toMatchObject({ accepted: true, version: 1, channelAccountId: account.id });
    } finally {
      await slow.close();
    }
  });
});
