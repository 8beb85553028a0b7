import { createPublicKey, generateKeyPairSync, randomInt } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWechatSimulator, type RunningWechatSimulator, type SimFault } from "@/server/simulators/wechat/simulator";
import type { ChannelAccountConfig, ConnectorContext, IncomingNotification, PayRequest } from "../types";
import { billYuanToFen, parseTradeBill } from "./bill";
import { wechatConnector } from "./connector";
import { provisionWechatSimulatorAccount } from "./simulator-account";

// The connector against the simulator over real HTTP: no mocks on either side of the wire.

const SUB_MCH_ID = "1900000109";
const FEE_RATE_PPM = 3800n;

interface CapturedCallback extends IncomingNotification {
  readonly outcome: number;
}

/** A notify_url: records every callback and answers with the connector's own ack. */
async function startNotifyTarget(): Promise<{ url: string; received: CapturedCallback[]; refuseNext: (count: number) => void; close: () => Promise<void> }> {
  const received: CapturedCallback[] = [];
  let refusals = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) if (typeof value === "string") headers[key] = value;
      const accepted = refusals === 0;
      if (!accepted) refusals -= 1;
      const ack = wechatConnector.notificationAck(accepted);
      received.push({ headers, body: Buffer.concat(chunks).toString("utf8"), receivedAt: new Date(), outcome: ack.status });
      res.writeHead(ack.status, { "content-type": ack.contentType });
      res.end(ack.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/wechat/notify`,
    received,
    refuseNext: (count) => {
      refusals = count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function callbackFor(received: readonly CapturedCallback[], sim: RunningWechatSimulator, key: { outTradeNo?: string; outRefundNo?: string }, index = 0) {
  return () => {
    const ids = sim.notifications.filter((record) => (key.outRefundNo ? record.outRefundNo === key.outRefundNo : record.outTradeNo === key.outTradeNo && !record.outRefundNo)).map((record) => record.body);
    return received.filter((callback) => ids.includes(callback.body))[index];
  };
}

let sequence = 0;
function orderNo(prefix = "FP"): string {
  sequence += 1;
  return `${prefix}${Date.now()}${String(sequence).padStart(4, "0")}`;
}

/** An 18-digit payment / face code (prefix 10–15). */
function faceCode(): string {
  return `13${Array.from({ length: 16 }, () => randomInt(10)).join("")}`;
}

function facePay(overrides: Partial<PayRequest> = {}): PayRequest {
  return { outTradeNo: orderNo(), amountMinor: 1234n, currency: "CNY", product: "WECHAT_FACE", description: "刷脸消费", authCode: faceCode(), deviceId: "SN8A1F0001", storeId: "S001", ...overrides };
}

async function provisionedContext(simUrl: string): Promise<ConnectorContext> {
  const { params, credentials } = await provisionWechatSimulatorAccount(simUrl);
  const account: ChannelAccountConfig = { channelAccountId: "acct-wechat", version: 1, channelType: "WECHAT", params, credentials };
  return { account, registration: { registrationId: "reg-1", subMchId: SUB_MCH_ID }, timeoutMs: 3_000 };
}

function beijingToday(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

function beijingTomorrow(): string {
  return new Date(Date.now() + 32 * 3600_000).toISOString().slice(0, 10);
}

describe("WeChat connector ↔ simulator: payments, callbacks, refunds", () => {
  let sim: RunningWechatSimulator;
  let target: Awaited<ReturnType<typeof startNotifyTarget>>;
  let ctx: ConnectorContext;

  beforeAll(async () => {
    sim = await startWechatSimulator({ notifyDelayMs: 30, notifyRetryScheduleMs: [100, 200], duplicateDelayMs: 150 });
    target = await startNotifyTarget();
    ctx = await provisionedContext(sim.url);
  });

  afterAll(async () => {
    await sim.close();
    await target.close();
  });

  it("face payment: micropay succeeds at once and no notification is ever sent", async () => {
    const req = facePay();
    const result = await wechatConnector.pay(ctx, req);
    expect(result).toMatchObject({ status: "SUCCEEDED", amountMinor: 1234n, noMoneyMoved: false });
    expect(result.channelTradeNo).toMatch(/^4200\d+$/);
    expect(result.paidAt).toBeInstanceOf(Date);
    expect(result.payerId).toMatch(/^o/);
    // The recorded request keeps the face code out of the payment's history.
    expect(result.exchanges[0]?.requestBody).not.toContain(req.authCode);
    expect(result.exchanges[0]?.requestBody).toContain("<device_info><![CDATA[SN8A1F0001]]></device_info>");

    const query = await wechatConnector.query(ctx, { outTradeNo: req.outTradeNo });
    expect(query).toMatchObject({ status: "SUCCEEDED", channelTradeNo: result.channelTradeNo, amountMinor: 1234n, payerId: result.payerId });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sim.notifications.filter((record) => record.outTradeNo === req.outTradeNo)).toEqual([]);
  });

  it("payment code (WECHAT_CODE) goes through micropay too", async () => {
    const result = await wechatConnector.pay(ctx, { ...facePay({ product: "WECHAT_CODE", deviceId: undefined }) });
    expect(result.status).toBe("SUCCEEDED");
  });

  it("terminalInfo: micropay sends the terminal number as device_info (a face device's own id wins) and its IP as spbill_create_ip", async () => {
    const terminalInfo = { terminalId: "POS-0007", ip: "10.1.2.3", deviceModel: "Sunmi T2", location: "31.2304,121.4737" };
    const code = facePay({ product: "WECHAT_CODE", deviceId: undefined, terminalInfo, payerIp: "192.0.2.9" });
    const result = await wechatConnector.pay(ctx, code);
    expect(result.status).toBe("SUCCEEDED");
    expect(result.exchanges[0]?.requestBody).toContain("<device_info><![CDATA[POS-0007]]></device_info>");
    expect(result.exchanges[0]?.requestBody).toContain("<spbill_create_ip><![CDATA[10.1.2.3]]></spbill_create_ip>");
    expect(result.exchanges[0]?.requestBody).not.toContain("Sunmi");
    expect(sim.state.trades.get(code.outTradeNo)?.deviceId).toBe("POS-0007");

    const face = facePay({ terminalInfo });
    expect((await wechatConnector.pay(ctx, face)).exchanges[0]?.requestBody).toContain("<device_info><![CDATA[SN8A1F0001]]></device_info>");
  });

  it("terminalInfo: a QR order names the terminal in scene_info.device_id", async () => {
    const outTradeNo = orderNo("QR");
    const result = await wechatConnector.pay(ctx, { outTradeNo, amountMinor: 100n, currency: "CNY", product: "WECHAT_QR", description: "扫码点单", notifyUrl: target.url, terminalInfo: { terminalId: "POS-0008" } });
    expect(result.status).toBe("PROCESSING");
    expect(JSON.parse(result.exchanges[0]?.requestBody ?? "{}")).toMatchObject({ scene_info: { payer_client_ip: "127.0.0.1", device_id: "POS-0008" } });
    expect(sim.state.trades.get(outTradeNo)?.deviceId).toBe("POS-0008");
  });

  it("user paying: PROCESSING, then the query finds SUCCESS after the configured polls", async () => {
    const req = facePay();
    const control = await fetch(`${sim.url}/__sim/behaviour`, { method: "POST", body: JSON.stringify({ outTradeNo: req.outTradeNo, behaviour: "userpaying", polls: 2 }) });
    expect(control.status).toBe(200);
    const result = await wechatConnector.pay(ctx, req);
    expect(result).toMatchObject({ status: "PROCESSING", noMoneyMoved: false, failure: { code: "USERPAYING" } });
    expect((await wechatConnector.query(ctx, req)).status).toBe("PROCESSING");
    expect((await wechatConnector.query(ctx, req)).status).toBe("PROCESSING");
    const settled = await wechatConnector.query(ctx, req);
    expect(settled).toMatchObject({ status: "SUCCEEDED", amountMinor: 1234n });
    expect(settled.paidAt).toBeInstanceOf(Date);
    // The payer, which the "user paying" answer could not name yet.
    expect(settled.payerId).toMatch(/^o/);
  });

  it("decline: FAILED with the channel's code, and provably no money moved", async () => {
    const req = facePay();
    sim.state.setBehaviour(req.outTradeNo, { behaviour: "decline" });
    const result = await wechatConnector.pay(ctx, req);
    expect(result).toMatchObject({ status: "FAILED", noMoneyMoved: true, failure: { code: "NOTENOUGH" } });
    expect(await wechatConnector.query(ctx, req)).toMatchObject({ status: "FAILED", failure: { code: "PAYERROR" } });
  });

  it("an invalid face code is a definite decline", async () => {
    const result = await wechatConnector.pay(ctx, facePay({ authCode: "990000000000000000" }));
    expect(result).toMatchObject({ status: "FAILED", noMoneyMoved: true, failure: { code: "AUTH_CODE_INVALID" } });
  });

  it("timeout: the answer comes after our deadline → PROCESSING; a query then finds the trade", async () => {
    const req = facePay();
    sim.state.setBehaviour(req.outTradeNo, { behaviour: "timeout", delayMs: 1_500 });
    const result = await wechatConnector.pay({ ...ctx, timeoutMs: 300 }, req);
    expect(result).toMatchObject({ status: "PROCESSING", noMoneyMoved: false, failure: { code: "UNKNOWN", message: "timeout" } });
    expect(await wechatConnector.query(ctx, req)).toMatchObject({ status: "SUCCEEDED", amountMinor: 1234n });
  });

  it("reverse: a paid face payment is reversed; a pending one needs recall=Y then succeeds", async () => {
    const paid = facePay();
    await wechatConnector.pay(ctx, paid);
    expect(await wechatConnector.closeOrReverse(ctx, { outTradeNo: paid.outTradeNo, product: "WECHAT_FACE" })).toMatchObject({ status: "REVERSED" });
    expect((await wechatConnector.query(ctx, paid)).status).toBe("REVERSED");

    const pending = facePay();
    sim.state.setBehaviour(pending.outTradeNo, { behaviour: "userpaying", polls: 5 });
    expect((await wechatConnector.pay(ctx, pending)).status).toBe("PROCESSING");
    const first = await wechatConnector.closeOrReverse(ctx, { outTradeNo: pending.outTradeNo, product: "WECHAT_FACE" });
    expect(first).toMatchObject({ status: "RETRY", failure: { code: "SYSTEMERROR" } });
    expect(await wechatConnector.closeOrReverse(ctx, { outTradeNo: pending.outTradeNo, product: "WECHAT_FACE" })).toMatchObject({ status: "REVERSED" });
    expect((await wechatConnector.query(ctx, pending)).status).toBe("REVERSED");
    // The order number is dead: a late retry of the payment cannot charge.
    expect(await wechatConnector.pay(ctx, pending)).toMatchObject({ status: "FAILED", failure: { code: "ORDERREVERSED" } });
  });

  it("refund: accepted, the REFUND.SUCCESS callback parses, and both queries agree", async () => {
    const req = facePay({ amountMinor: 1000n });
    const paid = await wechatConnector.pay(ctx, req);
    const outRefundNo = orderNo("RF");
    const refund = await wechatConnector.refund(ctx, { outTradeNo: req.outTradeNo, outRefundNo, refundMinor: 400n, totalMinor: 1000n, reason: "顾客退货", notifyUrl: target.url });
    expect(refund.status).toBe("PROCESSING");
    expect(refund.channelRefundNo).toMatch(/^5030/);

    const callback = await waitFor(callbackFor(target.received, sim, { outRefundNo }), "the refund callback");
    const parsed = await wechatConnector.parseNotification(ctx, callback);
    expect(parsed).toMatchObject({
      kind: "REFUND",
      outTradeNo: req.outTradeNo,
      outRefundNo,
      channelTradeNo: paid.channelTradeNo,
      channelRefundNo: refund.channelRefundNo,
      status: "SUCCEEDED",
      amountMinor: 400n,
      subMerchant: SUB_MCH_ID,
    });
    expect(parsed.eventId).toBe((JSON.parse(callback.body) as { id: string }).id);
    expect(await wechatConnector.queryRefund(ctx, { outTradeNo: req.outTradeNo, outRefundNo })).toMatchObject({ status: "SUCCEEDED", channelRefundNo: refund.channelRefundNo });
    expect((await wechatConnector.query(ctx, req)).status).toBe("REFUNDED");

    // Refunding past what is left is refused definitely; an unknown refund is NOT_FOUND.
    expect(await wechatConnector.refund(ctx, { outTradeNo: req.outTradeNo, outRefundNo: orderNo("RF"), refundMinor: 700n, totalMinor: 1000n })).toMatchObject({ status: "FAILED", failure: { code: "INVALID_REQUEST" } });
    expect((await wechatConnector.queryRefund(ctx, { outTradeNo: req.outTradeNo, outRefundNo: "RF-NEVER" })).status).toBe("NOT_FOUND");
  });

  it("QR payment: a code URL now, then a signed, encrypted TRANSACTION.SUCCESS callback", async () => {
    const outTradeNo = orderNo("QR");
    const result = await wechatConnector.pay(ctx, { outTradeNo, amountMinor: 2550n, currency: "CNY", product: "WECHAT_QR", description: "扫码点单", notifyUrl: target.url });
    expect(result).toMatchObject({ status: "PROCESSING", noMoneyMoved: false });
    expect(result.codeUrl).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);

    const callback = await waitFor(callbackFor(target.received, sim, { outTradeNo }), "the payment callback");
    expect(callback.outcome).toBe(200);
    const parsed = await wechatConnector.parseNotification(ctx, callback);
    expect(parsed).toMatchObject({ kind: "PAYMENT", outTradeNo, status: "SUCCEEDED", amountMinor: 2550n, subMerchant: SUB_MCH_ID });
    // The payer who scanned, for the daily statistics' distinct payers.
    expect(parsed.payerId).toMatch(/^o/);
    expect(parsed.eventId).toBe((JSON.parse(callback.body) as { id: string }).id);
    expect(parsed.occurredAt).toBeInstanceOf(Date);
    expect(await wechatConnector.query(ctx, { outTradeNo })).toMatchObject({ status: "SUCCEEDED", channelTradeNo: parsed.channelTradeNo });
  });

  it("callbacks signed under the certificate serial or the PUB_KEY_ID_ both verify; unknown identifiers do not", async () => {
    // Re-register the provider so callbacks alternate between the two identifiers, as WeChat's
    // gradual switch to public-key mode does.
    const publicKeyPem = createPublicKey(ctx.account.credentials.merchantPrivateKeyPem ?? "").export({ type: "spki", format: "pem" }).toString();
    const register = await fetch(`${sim.url}/__sim/wechat/merchants`, {
      method: "POST",
      body: JSON.stringify({
        spMchId: ctx.account.params.spMchId,
        serialNo: ctx.account.params.merchantSerialNo,
        publicKeyPem,
        apiV3Key: ctx.account.credentials.apiV3Key,
        apiV2Key: ctx.account.credentials.apiV2Key,
        callbackSerial: "alternate",
      }),
    });
    expect(register.status).toBe(200);
    const callbacks = [];
    for (let i = 0; i < 2; i += 1) {
      const outTradeNo = orderNo("QR");
      await wechatConnector.pay(ctx, { outTradeNo, amountMinor: 100n, currency: "CNY", product: "WECHAT_QR", description: "双标识", notifyUrl: target.url });
      callbacks.push(await waitFor(callbackFor(target.received, sim, { outTradeNo }), "a callback"));
    }
    expect(new Set(callbacks.map((callback) => callback.headers["wechatpay-serial"]))).toEqual(new Set([sim.platform.serialNo, sim.platform.publicKeyId]));
    for (const callback of callbacks) expect((await wechatConnector.parseNotification(ctx, callback)).status).toBe("SUCCEEDED");

    // An account that only knows the certificate serial verifies answers (they follow the
    // Wechatpay-Serial it sends) but refuses a callback signed under the key ID it never heard of.
    const { publicKeyId: _dropped, ...params } = ctx.account.params;
    const certificateOnly = { ...ctx, account: { ...ctx.account, params } };
    const req = facePay();
    expect((await wechatConnector.pay(certificateOnly, req)).status).toBe("SUCCEEDED");
    expect((await wechatConnector.query(certificateOnly, req)).status).toBe("SUCCEEDED");
    for (const callback of callbacks) {
      const parsing = wechatConnector.parseNotification(certificateOnly, callback);
      if (callback.headers["wechatpay-serial"] === sim.platform.serialNo) expect((await parsing).kind).toBe("PAYMENT");
      else await expect(parsing).rejects.toMatchObject({ code: "SIGNATURE_INVALID" });
    }
  });

  it("a refused callback (non-2xx) is delivered again until it is accepted", async () => {
    target.refuseNext(1);
    const outTradeNo = orderNo("QR");
    await wechatConnector.pay(ctx, { outTradeNo, amountMinor: 100n, currency: "CNY", product: "WECHAT_QR", description: "重试", notifyUrl: target.url });
    const second = await waitFor(callbackFor(target.received, sim, { outTradeNo }, 1), "the redelivery");
    const first = callbackFor(target.received, sim, { outTradeNo }, 0)();
    expect(first?.outcome).toBe(500);
    expect(second.outcome).toBe(200);
    // The simulator records an attempt once our answer has reached it, just after the target saw the request.
    const record = await waitFor(() => sim.notifications.find((candidate) => candidate.outTradeNo === outTradeNo && candidate.delivered), "the simulator's record of the delivery");
    expect(record.attempts.map((attempt) => attempt.status)).toEqual([500, 200]);
  });

  it("late duplicate: the same notification arrives twice and parses to the same eventId", async () => {
    const outTradeNo = orderNo("QR");
    sim.state.setBehaviour(outTradeNo, { behaviour: "late_duplicate_notify" });
    await wechatConnector.pay(ctx, { outTradeNo, amountMinor: 300n, currency: "CNY", product: "WECHAT_QR", description: "重复通知", notifyUrl: target.url });
    const first = await waitFor(callbackFor(target.received, sim, { outTradeNo }, 0), "the first callback");
    const replay = await waitFor(callbackFor(target.received, sim, { outTradeNo }, 1), "the duplicate");
    const [a, b] = await Promise.all([wechatConnector.parseNotification(ctx, first), wechatConnector.parseNotification(ctx, replay)]);
    expect(a.eventId).toBe(b.eventId);
    expect(a).toEqual(b);
  });

  it("no_notify: the QR trade succeeds but only a query tells", async () => {
    const outTradeNo = orderNo("QR");
    sim.state.setBehaviour(outTradeNo, { behaviour: "no_notify" });
    await wechatConnector.pay(ctx, { outTradeNo, amountMinor: 300n, currency: "CNY", product: "WECHAT_QR", description: "无通知", notifyUrl: target.url });
    const settled = await waitFor(() => (sim.state.trades.get(outTradeNo)?.status === "SUCCESS" ? true : undefined), "the payer to pay");
    expect(settled).toBe(true);
    expect((await wechatConnector.query(ctx, { outTradeNo })).status).toBe("SUCCEEDED");
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(sim.notifications.filter((record) => record.outTradeNo === outTradeNo)).toEqual([]);
  });

  it("refuses a callback with a bad signature, a tampered ciphertext or an expired timestamp", async () => {
    const payAndCapture = async (fault?: SimFault) => {
      if (fault) sim.injectFault(fault);
      const outTradeNo = orderNo("QR");
      await wechatConnector.pay(ctx, { outTradeNo, amountMinor: 100n, currency: "CNY", product: "WECHAT_QR", description: fault ?? "genuine", notifyUrl: target.url });
      return waitFor(callbackFor(target.received, sim, { outTradeNo }), `the ${fault ?? "genuine"} callback`);
    };
    await expect(wechatConnector.parseNotification(ctx, await payAndCapture("notify_bad_signature"))).rejects.toMatchObject({ code: "SIGNATURE_INVALID" });
    await expect(wechatConnector.parseNotification(ctx, await payAndCapture("notify_tampered_ciphertext"))).rejects.toMatchObject({ code: "DECRYPT_FAILED" });
    await expect(wechatConnector.parseNotification(ctx, await payAndCapture("notify_stale_timestamp"))).rejects.toMatchObject({ code: "NOTIFICATION_EXPIRED" });

    const genuine = await payAndCapture();
    await expect(wechatConnector.parseNotification(ctx, genuine)).resolves.toMatchObject({ kind: "PAYMENT" });
    // The window runs from arrival: the same callback arriving ten minutes after it was signed is refused.
    await expect(wechatConnector.parseNotification(ctx, { ...genuine, receivedAt: new Date(Date.now() + 10 * 60_000) })).rejects.toMatchObject({ code: "NOTIFICATION_EXPIRED" });
    await expect(wechatConnector.parseNotification(ctx, { ...genuine, body: genuine.body.replace('"TRANSACTION.SUCCESS"', '"TRANSACTION.SUCCESS" ') })).rejects.toMatchObject({ code: "SIGNATURE_INVALID" });
  });

  it("an answer whose signature does not verify leaves the outcome unknown", async () => {
    const req = facePay();
    await wechatConnector.pay(ctx, req);
    sim.injectFault("response_bad_signature");
    const query = await wechatConnector.query(ctx, req);
    expect(query.status).toBe("PROCESSING");
    expect(query.failure?.message).toMatch(/not proven/);
  });

  it("QR close: an unpaid order closes; a paid one is refused with ORDERPAID", async () => {
    const unpaid = orderNo("QR");
    sim.state.setBehaviour(unpaid, { behaviour: "decline" });
    await wechatConnector.pay(ctx, { outTradeNo: unpaid, amountMinor: 100n, currency: "CNY", product: "WECHAT_QR", description: "关单", notifyUrl: target.url });
    await waitFor(() => (sim.state.trades.get(unpaid)?.status === "PAYERROR" ? true : undefined), "the failed scan");
    expect(await wechatConnector.closeOrReverse(ctx, { outTradeNo: unpaid, product: "WECHAT_QR" })).toMatchObject({ status: "CLOSED" });
    expect((await wechatConnector.query(ctx, { outTradeNo: unpaid })).status).toBe("CLOSED");

    const paid = orderNo("QR");
    await wechatConnector.pay(ctx, { outTradeNo: paid, amountMinor: 100n, currency: "CNY", product: "WECHAT_QR", description: "已付", notifyUrl: target.url });
    await waitFor(() => (sim.state.trades.get(paid)?.status === "SUCCESS" ? true : undefined), "the payer");
    expect(await wechatConnector.closeOrReverse(ctx, { outTradeNo: paid, product: "WECHAT_QR" })).toMatchObject({ status: "FAILED", failure: { code: "ORDERPAID" } });
  });

  it("a query for an order WeChat never saw is NOT_FOUND", async () => {
    expect((await wechatConnector.query(ctx, { outTradeNo: "NEVER-SENT-1" })).status).toBe("NOT_FOUND");
  });

  it("wrong merchant key: the simulator refuses with SIGN_ERROR and the connector reports it definitely", async () => {
    const otherKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const wrongRsa: ConnectorContext = { ...ctx, account: { ...ctx.account, credentials: { ...ctx.account.credentials, merchantPrivateKeyPem: otherKey } } };
    const qr = await wechatConnector.pay(wrongRsa, { outTradeNo: orderNo("QR"), amountMinor: 100n, currency: "CNY", product: "WECHAT_QR", description: "错钥", notifyUrl: target.url });
    expect(qr).toMatchObject({ status: "FAILED", noMoneyMoved: true, failure: { code: "SIGN_ERROR" } });
    expect(qr.exchanges[0]?.status).toBe(401);
    // A refused query says nothing about the payment: it stays unknown, with the code.
    expect(await wechatConnector.query(wrongRsa, { outTradeNo: "ANY" })).toMatchObject({ status: "PROCESSING", failure: { code: "SIGN_ERROR" } });

    const wrongV2: ConnectorContext = { ...ctx, account: { ...ctx.account, credentials: { ...ctx.account.credentials, apiV2Key: "0".repeat(32) } } };
    expect(await wechatConnector.pay(wrongV2, facePay())).toMatchObject({ status: "FAILED", noMoneyMoved: true, failure: { code: "SIGNERROR", message: "签名错误" } });
  });

  it("face SDK credentials: get_wxpayface_authinfo returns authinfo and its expiry", async () => {
    const before = Date.now();
    const info = await wechatConnector.faceAuthInfo?.(ctx, { rawdata: "H0kvnUgGHKuqflNwtNqCdOVpbO4FPSowudTG", deviceId: "SN8A1F0001", storeId: "S001", storeName: "南山店" });
    expect(info?.authinfo.length).toBeGreaterThan(20);
    expect(info?.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 3_600_000);
  });

  it("refuses to run without the sub-merchant or with a broken account", async () => {
    await expect(wechatConnector.pay({ account: ctx.account }, facePay())).rejects.toMatchObject({ code: "CONFIG_INVALID" });
    const { apiV3Key: _dropped, ...credentials } = ctx.account.credentials;
    await expect(wechatConnector.query({ ...ctx, account: { ...ctx.account, credentials } }, { outTradeNo: "X" })).rejects.toThrow(/credentials\.apiV3Key/);
  });
});

describe("WeChat connector ↔ simulator: the trade bill", () => {
  let sim: RunningWechatSimulator;
  let ctx: ConnectorContext;
  const today = beijingToday();
  const paid: { outTradeNo: string; amountMinor: bigint }[] = [];
  let refunded: { outTradeNo: string; outRefundNo: string; refundMinor: bigint };

  beforeAll(async () => {
    sim = await startWechatSimulator({ notifyDelayMs: 10 });
    ctx = await provisionedContext(sim.url);
    for (const amountMinor of [1000n, 2550n, 1n, 999n, 5000n, 1200n, 333n]) {
      const req = facePay({ amountMinor });
      expect((await wechatConnector.pay(ctx, req)).status).toBe("SUCCEEDED");
      paid.push({ outTradeNo: req.outTradeNo, amountMinor });
    }
    const declined = facePay();
    sim.state.setBehaviour(declined.outTradeNo, { behaviour: "decline" });
    await wechatConnector.pay(ctx, declined);
    const first = paid[0] as { outTradeNo: string };
    refunded = { outTradeNo: first.outTradeNo, outRefundNo: orderNo("RF"), refundMinor: 500n };
    await wechatConnector.refund(ctx, { ...refunded, totalMinor: 1000n });
    await waitFor(() => (sim.state.trades.get(first.outTradeNo)?.refunds[0]?.status === "SUCCEEDED" ? true : undefined), "the refund");
  });

  afterAll(async () => {
    await sim.close();
  });

  const feeOf = (amount: bigint) => (amount * FEE_RATE_PPM + 500_000n) / 1_000_000n;

  it("ALL: BOM, CRLF, backticks, the real header, and summary totals that sum the trades", async () => {
    const file = await wechatConnector.downloadStatement(ctx, { billDate: today, billType: "ALL" });
    expect([...file.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = file.bytes.toString("utf8").slice(1);
    expect(text.endsWith("\r\n")).toBe(true);
    expect(text.split("\r\n").slice(0, -1).every((line) => !line.includes("\n"))).toBe(true);
    expect(file.exchanges.map((exchange) => exchange.operation)).toEqual(["tradeBill", "downloadBill"]);

    const bill = parseTradeBill(file.bytes);
    expect(bill.header.join(",")).toBe(
      "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注",
    );
    const payments = bill.rows.filter((row) => row.交易状态 === "SUCCESS");
    const refunds = bill.rows.filter((row) => row.交易状态 === "REFUND");
    expect(payments.map((row) => row.商户订单号).sort()).toEqual(paid.map((trade) => trade.outTradeNo).sort());
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ 商户订单号: refunded.outTradeNo, 商户退款单号: refunded.outRefundNo, 退款金额: "5.00", 退款状态: "SUCCESS", 应结订单金额: "0.00" });
    for (const row of payments) {
      const trade = paid.find((candidate) => candidate.outTradeNo === row.商户订单号);
      expect(billYuanToFen(row.应结订单金额 ?? "")).toBe(trade?.amountMinor);
      expect(billYuanToFen(row.手续费 ?? "")).toBe(feeOf(trade?.amountMinor ?? 0n));
      expect(row.手续费).toMatch(/^\d+\.\d{5}$/);
      expect(row).toMatchObject({ 特约商户号: SUB_MCH_ID, 商户号: ctx.account.params.spMchId, 交易类型: "MICROPAY", 费率: "0.38%", 设备号: "SN8A1F0001" });
    }
    expect(text).toContain("`" + paid[1]?.outTradeNo);

    const paidTotal = paid.reduce((sum, trade) => sum + trade.amountMinor, 0n);
    const feeTotal = paid.reduce((sum, trade) => sum + feeOf(trade.amountMinor), 0n) - (feeOf(1000n) * 500n * 2n + 1000n) / 2000n;
    expect(Number(bill.summary.总交易单数)).toBe(paid.length + 1);
    expect(billYuanToFen(bill.summary.应结订单总金额 ?? "")).toBe(paidTotal);
    expect(billYuanToFen(bill.summary.订单总金额 ?? "")).toBe(paidTotal);
    expect(billYuanToFen(bill.summary.退款总金额 ?? "")).toBe(500n);
    expect(billYuanToFen(bill.summary.申请退款总金额 ?? "")).toBe(500n);
    expect(billYuanToFen(bill.summary.手续费总金额 ?? "")).toBe(feeTotal);
    // The summary is the column sums of the file itself.
    const column = (name: string) => bill.rows.reduce((sum, row) => sum + billYuanToFen(row[name] ?? ""), 0n);
    expect(billYuanToFen(bill.summary.手续费总金额 ?? "")).toBe(column("手续费"));
    expect(billYuanToFen(bill.summary.应结订单总金额 ?? "")).toBe(column("应结订单金额"));
  });

  it("SUCCESS and REFUND bills carry their own headers and lines", async () => {
    const success = parseTradeBill((await wechatConnector.downloadStatement(ctx, { billDate: today, billType: "SUCCESS" })).bytes);
    expect(success.header).toHaveLength(20);
    expect(success.rows).toHaveLength(paid.length);
    expect(Object.keys(success.summary)).toEqual(["总交易单数", "应结订单总金额", "手续费总金额", "订单总金额"]);
    const refund = parseTradeBill((await wechatConnector.downloadStatement(ctx, { billDate: today, billType: "REFUND" })).bytes);
    expect(refund.header).toHaveLength(29);
    expect(refund.rows).toHaveLength(1);
    expect(refund.rows[0]?.退款申请时间).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(billYuanToFen(refund.rows[0]?.手续费 ?? "")).toBeLessThan(0n);
  });

  it("applies every statement diff kind, and a late line lands on the next day's bill", async () => {
    const [a, b, c, d, e, f] = paid.slice(1) as { outTradeNo: string; amountMinor: bigint }[];
    if (!a || !b || !c || !d || !e || !f) throw new Error("need six paid trades");
    const diffs = [
      { kind: "drop", outTradeNo: a.outTradeNo },
      { kind: "amount", outTradeNo: b.outTradeNo, deltaMinor: 5 },
      { kind: "status", outTradeNo: c.outTradeNo, status: "REVOKED" },
      { kind: "fee", outTradeNo: d.outTradeNo, deltaMinor: 1 },
      { kind: "coupon", outTradeNo: e.outTradeNo, deltaMinor: 100 },
      { kind: "late", outTradeNo: f.outTradeNo },
      { kind: "extra", amountMinor: 777, subMerchant: "1900000999" },
    ];
    const control = await fetch(`${sim.url}/__sim/statement-diffs`, { method: "POST", body: JSON.stringify({ billDate: today, diffs }) });
    expect(control.status).toBe(200);

    // The provider's whole bill (no sub_mchid): the extra trade is another sub-merchant's.
    const { registration: _one, ...provider } = ctx;
    const bill = parseTradeBill((await wechatConnector.downloadStatement(provider, { billDate: today, billType: "ALL" })).bytes);
    const line = (outTradeNo: string) => bill.rows.find((row) => row.商户订单号 === outTradeNo && row.交易状态 !== "REFUND");
    expect(line(a.outTradeNo)).toBeUndefined();
    expect(billYuanToFen(line(b.outTradeNo)?.应结订单金额 ?? "")).toBe(b.amountMinor + 5n);
    expect(line(c.outTradeNo)?.交易状态).toBe("REVOKED");
    expect(billYuanToFen(line(d.outTradeNo)?.手续费 ?? "")).toBe(feeOf(d.amountMinor) + 1n);
    expect(line(e.outTradeNo)).toMatchObject({ 代金券金额: "1.00" });
    expect(billYuanToFen(line(e.outTradeNo)?.应结订单金额 ?? "")).toBe(e.amountMinor - 100n);
    expect(billYuanToFen(line(e.outTradeNo)?.订单金额 ?? "")).toBe(e.amountMinor);
    expect(line(f.outTradeNo)).toBeUndefined();
    const extra = bill.rows.find((row) => row.特约商户号 === "1900000999");
    expect(extra && billYuanToFen(extra.应结订单金额 ?? "")).toBe(777n);
    // A trade the provider never heard of, but a real one at the channel: it can be refunded.
    expect(sim.state.trades.get(extra?.商户订单号 ?? "")).toMatchObject({ status: "SUCCESS", amountMinor: 777n, subMerchant: "1900000999" });
    // Totals still sum the printed columns.
    const column = (name: string) => bill.rows.reduce((sum, row) => sum + billYuanToFen(row[name] ?? ""), 0n);
    expect(billYuanToFen(bill.summary.应结订单总金额 ?? "")).toBe(column("应结订单金额"));
    expect(billYuanToFen(bill.summary.手续费总金额 ?? "")).toBe(column("手续费"));
    expect(Number(bill.summary.总交易单数)).toBe(bill.rows.length);

    const tomorrow = parseTradeBill((await wechatConnector.downloadStatement(ctx, { billDate: beijingTomorrow(), billType: "ALL" })).bytes);
    expect(tomorrow.rows.map((row) => row.商户订单号)).toEqual([f.outTradeNo]);
  });

  it("refuses a bill whose SHA1 does not match the signed hash_value", async () => {
    sim.injectFault("bill_hash_mismatch");
    await expect(wechatConnector.downloadStatement(ctx, { billDate: today, billType: "ALL" })).rejects.toMatchObject({ code: "SIGNATURE_INVALID" });
  });

  it("a day without trades is NO_STATEMENT_EXIST; an unknown bill type is not supported", async () => {
    await expect(wechatConnector.downloadStatement(ctx, { billDate: "2020-01-01", billType: "ALL" })).rejects.toMatchObject({ code: "CHANNEL_REJECTED", message: expect.stringMatching(/^NO_STATEMENT_EXIST/) });
    await expect(wechatConnector.downloadStatement(ctx, { billDate: today, billType: "FUND" })).rejects.toMatchObject({ code: "NOT_SUPPORTED" });
  });
});
