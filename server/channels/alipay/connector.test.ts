import { createSign, generateKeyPairSync, randomInt } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { inflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAlipaySimulator, type AlipayNotificationRecord, type AlipayRequestRecord, type AlipaySimulator } from "@/server/simulators/alipay/simulator";
import { ChannelError, type ConnectorContext, type ParsedNotification, type PayRequest, type RegistrationIdentity } from "../types";
import { alipayConnector } from "./connector";
import { alipayAccountFields } from "./fields";
import { provisionAlipaySimulatorAccount } from "./simulator-account";

// The connector against the Alipay simulator over real HTTP. The simulator is the counterpart
// here, not a mock: it verifies our signatures with its own code and signs with its own key.

const DAY_MS = 24 * 3600_000;
/** The simulator's clock starts at 2024-03-15 10:00 GMT+8 so bill days are fixed. */
const SIM_START = Date.parse("2024-03-15T02:00:00Z");
let clockOffsetMs = 0;
const simNow = () => new Date(Date.now() + clockOffsetMs);

let sim: AlipaySimulator;
let account: { params: Record<string, string>; credentials: Record<string, string> };

beforeAll(async () => {
  clockOffsetMs = SIM_START - Date.now();
  sim = await startAlipaySimulator({ notifyDelayMs: 20, notifyRetryMs: [50, 80, 120, 200, 300, 400], duplicateNotifyDelayMs: 80, now: simNow });
  account = await provisionAlipaySimulatorAccount(sim.url);
});

afterAll(async () => {
  await sim.close();
});

function contextFor(registration: Partial<RegistrationIdentity> = {}, overrides: { params?: Record<string, string>; credentials?: Record<string, string>; timeoutMs?: number; fetch?: typeof fetch } = {}): ConnectorContext {
  return {
    account: {
      channelAccountId: "ca-alipay",
      version: 1,
      channelType: "ALIPAY",
      params: { ...account.params, ...overrides.params },
      credentials: { ...account.credentials, ...overrides.credentials },
    },
    registration: { registrationId: "reg-1", appAuthToken: "202403BB-merchant-one", smid: "2088123412341234", shopId: "S001", terminalNo: "SN8A1F0001", ...registration },
    now: simNow,
    timeoutMs: overrides.timeoutMs ?? 5000,
    fetch: overrides.fetch,
  };
}

let sequence = 0;
function orderNo(prefix: string): string {
  sequence += 1;
  return `${prefix}${Date.now()}${String(sequence).padStart(4, "0")}`;
}

function faceToken(): string {
  const chars = "abcdefghijklmnopqrstuvwxyz0123456789";
  let token = "fp";
  for (let i = 0; i < 33; i += 1) token += chars[randomInt(chars.length)];
  return token;
}

function paymentCode(): string {
  let code = "28";
  for (let i = 0; i < 16; i += 1) code += String(randomInt(10));
  return code;
}

function payRequest(product: PayRequest["product"], amountMinor: bigint, extra: Partial<PayRequest> = {}): PayRequest {
  return {
    outTradeNo: orderNo(product === "ALIPAY_QR" ? "QR" : product === "ALIPAY_FACE" ? "FP" : "BC"),
    amountMinor,
    currency: "CNY",
    product,
    description: "刷脸消费",
    authCode: product === "ALIPAY_FACE" ? faceToken() : product === "ALIPAY_CODE" ? paymentCode() : undefined,
    deviceId: "SN8A1F0001",
    storeId: "S001",
    ...extra,
  };
}

async function simPost(path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${sim.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return response.json();
}

async function behave(outTradeNo: string, behaviour: string, extra: { polls?: number; delayMs?: number } = {}): Promise<void> {
  await simPost("/__sim/behaviour", { outTradeNo, behaviour, ...extra });
}

async function simGet<T>(path: string): Promise<T> {
  const response = await fetch(`${sim.url}${path}`);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

async function requestFor(method: string, outTradeNo: string): Promise<AlipayRequestRecord | undefined> {
  const requests = await simGet<AlipayRequestRecord[]>("/__sim/alipay/requests");
  return requests.find((r) => r.method === method && r.biz.out_trade_no === outTradeNo);
}

async function notificationsFor(outTradeNo: string): Promise<AlipayNotificationRecord[]> {
  const all = await simGet<AlipayNotificationRecord[]>("/__sim/alipay/notifications");
  return all.filter((n) => n.outTradeNo === outTradeNo);
}

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Received {
  readonly body: string;
  readonly parsed?: ParsedNotification;
  readonly error?: unknown;
  readonly answered: string;
}

/** Our side of the notify URL: parse with the connector, answer with its ack. */
async function startNotifyTarget(ctx: ConnectorContext, accept: (attempt: number) => boolean = () => true) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      void alipayConnector
        .parseNotification(ctx, { headers: {}, body, receivedAt: new Date() })
        .then(
          (parsed) => ({ parsed, accepted: accept(received.length + 1) }),
          (error: unknown) => ({ error, accepted: false }),
        )
        .then((outcome) => {
          const ack = alipayConnector.notificationAck(outcome.accepted);
          received.push({ body, ...("parsed" in outcome ? { parsed: outcome.parsed } : { error: outcome.error }), answered: ack.body });
          res.writeHead(ack.status, { "content-type": ack.contentType });
          res.end(ack.body);
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/notify/alipay`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("configuration", () => {
  it("names the missing field", async () => {
    await expect(alipayConnector.query(contextFor({}, { credentials: { appPrivateKeyPem: "" } }), { outTradeNo: "X1" })).rejects.toThrow(/credentials\.appPrivateKeyPem/);
    await expect(alipayConnector.query(contextFor({}, { params: { sysServiceProviderId: "" } }), { outTradeNo: "X1" })).rejects.toThrow(/params\.sysServiceProviderId/);
    await expect(alipayConnector.query(contextFor({}, { params: { gatewayUrl: "" } }), { outTradeNo: "X1" })).rejects.toMatchObject({ code: "CONFIG_INVALID" });
    await expect(alipayConnector.query(contextFor({ appAuthToken: undefined, smid: undefined }), { outTradeNo: "X1" })).rejects.toThrow(/registration\.appAuthToken/);
    expect(alipayAccountFields.map((f) => f.key)).toEqual(["gatewayUrl", "appId", "sysServiceProviderId", "appPrivateKeyPem", "alipayPublicKeyPem"]);
  });

  it("declares the channel's attributes", () => {
    const a = alipayConnector.attributes;
    expect(a.products).toEqual(["ALIPAY_FACE", "ALIPAY_CODE", "ALIPAY_QR"]);
    expect(a.resultDelivery).toEqual({ ALIPAY_FACE: "QUERY", ALIPAY_CODE: "QUERY", ALIPAY_QR: "BOTH" });
    expect([a.feeCollection, a.refundReturnsFee, a.settlementAccount, a.cutoffTime, a.billTypes]).toEqual(["AT_SOURCE", true, "MERCHANT_BANK", "00:00", ["trade"]]);
  });
});

describe("face and payment-code payments", () => {
  it("face payment succeeds with scene=security_code, the ISV identity and no notification", async () => {
    const ctx = contextFor();
    const req = payRequest("ALIPAY_FACE", 1000n);
    const result = await alipayConnector.pay(ctx, req);
    expect(result).toMatchObject({ status: "SUCCEEDED", amountMinor: 1000n, noMoneyMoved: false });
    expect(result.channelTradeNo).toMatch(/^\d{28}$/);
    expect(result.paidAt).toBeInstanceOf(Date);
    expect(result.payerId).toMatch(/^2088\d{12}$/);

    const sent = await requestFor("alipay.trade.pay", req.outTradeNo);
    expect(sent?.params).toMatchObject({ sign_type: "RSA2", charset: "utf-8", app_auth_token: "202403BB-merchant-one" });
    expect(sent?.params.notify_url).toBeUndefined();
    expect(sent?.biz).toMatchObject({
      scene: "security_code",
      auth_code: req.authCode,
      product_code: "FACE_TO_FACE_PAYMENT",
      total_amount: "10.00",
      store_id: "S001",
      terminal_id: "SN8A1F0001",
      extend_params: { sys_service_provider_id: account.params.sysServiceProviderId },
      sub_merchant: { merchant_id: "2088123412341234" },
    });
    // The merchant's token is not kept in the payment's record of the exchange.
    expect(result.exchanges[0]?.requestBody).not.toContain("202403BB-merchant-one");
    expect(result.exchanges[0]?.requestBody).toContain("app_auth_token=%5Bredacted%5D");

    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await notificationsFor(req.outTradeNo)).toEqual([]);
    expect(result.payerId).toMatch(/^\w{6,}$/);
    expect(await alipayConnector.query(ctx, { outTradeNo: req.outTradeNo })).toMatchObject({ status: "SUCCEEDED", amountMinor: 1000n, channelTradeNo: result.channelTradeNo, payerId: result.payerId });
  });

  it("terminal_id: the face device, else the merchant's terminalInfo.terminalId, else the registration's terminal", async () => {
    const ctx = contextFor({ terminalNo: "REG-TERM-1" });
    const terminalInfo = { terminalId: "POS-0007", ip: "10.1.2.3", deviceModel: "Sunmi T2" };
    const cases: Array<[Partial<PayRequest>, string]> = [
      [{ deviceId: undefined, terminalInfo }, "POS-0007"],
      [{ deviceId: "SN8A1F0001", terminalInfo }, "SN8A1F0001"],
      [{ deviceId: undefined }, "REG-TERM-1"],
    ];
    for (const [extra, terminalId] of cases) {
      const req = payRequest("ALIPAY_CODE", 1200n, extra);
      expect((await alipayConnector.pay(ctx, req)).status).toBe("SUCCEEDED");
      const sent = await requestFor("alipay.trade.pay", req.outTradeNo);
      expect(sent?.biz.terminal_id).toBe(terminalId);
      // Alipay's pay has no place for the rest: it is not sent.
      expect(JSON.stringify(sent?.biz)).not.toContain("Sunmi");
    }
  });

  it("payment code: user paying (10003), then success on query", async () => {
    const ctx = contextFor();
    const req = payRequest("ALIPAY_CODE", 2550n);
    await behave(req.outTradeNo, "userpaying", { polls: 2 });
    const result = await alipayConnector.pay(ctx, req);
    expect(result).toMatchObject({ status: "PROCESSING", noMoneyMoved: false });
    expect(result.channelTradeNo).toBeDefined();
    expect((await requestFor("alipay.trade.pay", req.outTradeNo))?.biz.scene).toBe("bar_code");
    expect((await alipayConnector.query(ctx, { outTradeNo: req.outTradeNo })).status).toBe("PROCESSING");
    expect((await alipayConnector.query(ctx, { outTradeNo: req.outTradeNo })).status).toBe("PROCESSING");
    const settled = await alipayConnector.query(ctx, { outTradeNo: req.outTradeNo });
    expect(settled).toMatchObject({ status: "SUCCEEDED", amountMinor: 2550n });
    expect(settled.paidAt).toBeInstanceOf(Date);
  });

  it("decline is a definite failure with the channel's sub_code and no money moved", async () => {
    const req = payRequest("ALIPAY_CODE", 999n);
    await behave(req.outTradeNo, "decline");
    const result = await alipayConnector.pay(contextFor(), req);
    expect(result).toMatchObject({ status: "FAILED", noMoneyMoved: true, failure: { code: "ACQ.BUYER_BALANCE_NOT_ENOUGH" } });
  });

  it("timeout leaves the payment PROCESSING; a later query finds it paid", async () => {
    const req = payRequest("ALIPAY_FACE", 1234n);
    await behave(req.outTradeNo, "timeout", { delayMs: 1500 });
    const result = await alipayConnector.pay(contextFor({}, { timeoutMs: 300 }), req);
    expect(result).toMatchObject({ status: "PROCESSING", noMoneyMoved: false, failure: { code: "UNKNOWN_RESULT", message: "timeout" } });
    expect(await alipayConnector.query(contextFor(), { outTradeNo: req.outTradeNo })).toMatchObject({ status: "SUCCEEDED", amountMinor: 1234n });
  });

  it("an unknown order queries as NOT_FOUND", async () => {
    expect((await alipayConnector.query(contextFor(), { outTradeNo: orderNo("NONE") })).status).toBe("NOT_FOUND");
  });

  it("another merchant's token cannot see the trade", async () => {
    const req = payRequest("ALIPAY_FACE", 100n);
    expect((await alipayConnector.pay(contextFor(), req)).status).toBe("SUCCEEDED");
    expect((await alipayConnector.query(contextFor({ appAuthToken: "202403BB-someone-else" }), { outTradeNo: req.outTradeNo })).status).toBe("NOT_FOUND");
  });

  it("an app key the platform does not know is refused: definite failure with isv.invalid-signature", async () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const req = payRequest("ALIPAY_FACE", 500n);
    const result = await alipayConnector.pay(contextFor({}, { credentials: { appPrivateKeyPem: other } }), req);
    expect(result).toMatchObject({ status: "FAILED", noMoneyMoved: true, failure: { code: "isv.invalid-signature" } });
    expect(result.failure?.message).toContain("40002");
    expect(sim.state.trades.has(req.outTradeNo)).toBe(false);
  });

  it("a response that does not verify with the configured Alipay key proves nothing: PROCESSING", async () => {
    const wrongAlipayKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString();
    const req = payRequest("ALIPAY_FACE", 600n);
    const result = await alipayConnector.pay(contextFor({}, { credentials: { alipayPublicKeyPem: wrongAlipayKey } }), req);
    expect(result).toMatchObject({ status: "PROCESSING", noMoneyMoved: false, failure: { code: "UNKNOWN_RESULT" } });
    expect(sim.state.trades.get(req.outTradeNo)?.status).toBe("SUCCESS");
  });

  it("an unreachable gateway is an unknown result, never a failure", async () => {
    const result = await alipayConnector.pay(contextFor({}, { params: { gatewayUrl: "http://127.0.0.1:9/gateway.do" } }), payRequest("ALIPAY_CODE", 100n));
    expect(result).toMatchObject({ status: "PROCESSING", noMoneyMoved: false });
  });

  it("refuses what it cannot send", async () => {
    await expect(alipayConnector.pay(contextFor(), payRequest("ALIPAY_FACE", 0n))).rejects.toMatchObject({ code: "MALFORMED" });
    await expect(alipayConnector.pay(contextFor(), payRequest("ALIPAY_FACE", 100n, { authCode: undefined }))).rejects.toMatchObject({ code: "MALFORMED" });
    await expect(alipayConnector.pay(contextFor(), payRequest("WECHAT_FACE", 100n))).rejects.toMatchObject({ code: "NOT_SUPPORTED" });
  });
});

describe("cancel, close and refunds", () => {
  it("cancels a paid face payment: reversed with the money refunded", async () => {
    const ctx = contextFor();
    const req = payRequest("ALIPAY_FACE", 800n);
    expect((await alipayConnector.pay(ctx, req)).status).toBe("SUCCEEDED");
    expect(await alipayConnector.closeOrReverse(ctx, { outTradeNo: req.outTradeNo, product: "ALIPAY_FACE" })).toMatchObject({ status: "REVERSED", refunded: true });
    expect((await alipayConnector.query(ctx, { outTradeNo: req.outTradeNo })).status).toBe("CLOSED");
  });

  it("cancels an unpaid payment-code order: reversed, nothing to refund; a late pay is refused", async () => {
    const ctx = contextFor();
    const req = payRequest("ALIPAY_CODE", 700n);
    await behave(req.outTradeNo, "userpaying", { polls: 5 });
    expect((await alipayConnector.pay(ctx, req)).status).toBe("PROCESSING");
    expect(await alipayConnector.closeOrReverse(ctx, { outTradeNo: req.outTradeNo, product: "ALIPAY_CODE" })).toMatchObject({ status: "REVERSED", refunded: false });
    expect((await alipayConnector.query(ctx, { outTradeNo: req.outTradeNo })).status).toBe("CLOSED");

    // Cancelling an order whose pay never arrived blocks that pay if it turns up later.
    const lost = payRequest("ALIPAY_CODE", 700n);
    expect(await alipayConnector.closeOrReverse(ctx, { outTradeNo: lost.outTradeNo, product: "ALIPAY_CODE" })).toMatchObject({ status: "REVERSED", refunded: false });
    expect(await alipayConnector.pay(ctx, lost)).toMatchObject({ status: "FAILED", noMoneyMoved: true, failure: { code: "ACQ.TRADE_HAS_CLOSE" } });
  });

  it("closes an unpaid QR order with alipay.trade.close", async () => {
    const ctx = contextFor();
    const req = payRequest("ALIPAY_QR", 300n);
    await behave(req.outTradeNo, "userpaying", { polls: 5 });
    expect((await alipayConnector.pay(ctx, req)).status).toBe("PROCESSING");
    expect(await alipayConnector.closeOrReverse(ctx, { outTradeNo: req.outTradeNo, product: "ALIPAY_QR" })).toMatchObject({ status: "CLOSED" });
    expect((await requestFor("alipay.trade.close", req.outTradeNo))?.method).toBe("alipay.trade.close");
    expect((await alipayConnector.query(ctx, { outTradeNo: req.outTradeNo })).status).toBe("CLOSED");
  });

  it("refunds synchronously, idempotently per out_request_no, and finds the refund by query", async () => {
    const ctx = contextFor();
    const req = payRequest("ALIPAY_CODE", 3000n);
    const paid = await alipayConnector.pay(ctx, req);
    expect(paid.status).toBe("SUCCEEDED");
    const refund = { outTradeNo: req.outTradeNo, channelTradeNo: paid.channelTradeNo, outRefundNo: orderNo("RF"), refundMinor: 1000n, totalMinor: 3000n, reason: "顾客退货" };
    const first = await alipayConnector.refund(ctx, refund);
    expect(first.status).toBe("SUCCEEDED");
    expect(first.refundedAt).toBeInstanceOf(Date);
    expect((await requestFor("alipay.trade.refund", req.outTradeNo))?.biz).toMatchObject({ refund_amount: "10.00", out_request_no: refund.outRefundNo });
    // The same request again moves no money (fund_change=N): confirm by query.
    expect((await alipayConnector.refund(ctx, refund)).status).toBe("PROCESSING");
    expect((await alipayConnector.queryRefund(ctx, { outTradeNo: req.outTradeNo, outRefundNo: refund.outRefundNo })).status).toBe("SUCCEEDED");
    expect((await alipayConnector.queryRefund(ctx, { outTradeNo: req.outTradeNo, outRefundNo: "RF-never" })).status).toBe("NOT_FOUND");
    expect((await alipayConnector.queryRefund(ctx, { outTradeNo: orderNo("NONE"), outRefundNo: "RF-never" })).status).toBe("NOT_FOUND");

    const tooMuch = await alipayConnector.refund(ctx, { ...refund, outRefundNo: orderNo("RF"), refundMinor: 2500n });
    expect(tooMuch).toMatchObject({ status: "FAILED", failure: { code: "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL" } });
    expect((await alipayConnector.refund(ctx, { ...refund, outRefundNo: orderNo("RF"), refundMinor: 2000n })).status).toBe("SUCCEEDED");
    // Fully refunded: Alipay closes the trade.
    expect((await alipayConnector.query(ctx, { outTradeNo: req.outTradeNo })).status).toBe("CLOSED");
  });
});

describe("QR payments and notifications", () => {
  it("precreate gives a code URL; the payment notification is verified, parsed and acked `success`", async () => {
    const ctx = contextFor();
    const target = await startNotifyTarget(ctx);
    try {
      const req = payRequest("ALIPAY_QR", 888n, { notifyUrl: target.url, authCode: undefined });
      const result = await alipayConnector.pay(ctx, req);
      expect(result).toMatchObject({ status: "PROCESSING", noMoneyMoved: false });
      expect(result.codeUrl).toMatch(/^https:\/\/qr\.alipay\.com\//);
      expect((await requestFor("alipay.trade.precreate", req.outTradeNo))?.params.notify_url).toBe(target.url);

      const got = await waitFor(() => target.received[0]);
      expect(got.answered).toBe("success");
      expect(got.parsed).toMatchObject({ kind: "PAYMENT", outTradeNo: req.outTradeNo, status: "SUCCEEDED", amountMinor: 888n, subMerchant: "2088123412341234" });
      expect(got.parsed?.eventId).toMatch(/^\d{20,}$/);
      expect(got.parsed?.occurredAt).toBeInstanceOf(Date);
      const record = await waitFor(async () => (await notificationsFor(req.outTradeNo)).find((n) => n.acknowledged));
      expect(record.attempts).toHaveLength(1);
      expect((await alipayConnector.query(ctx, { outTradeNo: req.outTradeNo })).status).toBe("SUCCEEDED");
    } finally {
      await target.close();
    }
  });

  it("retries while we answer `fail`, with the same notify_id each time", async () => {
    const ctx = contextFor();
    const target = await startNotifyTarget(ctx, (attempt) => attempt >= 3);
    try {
      const req = payRequest("ALIPAY_QR", 100n, { notifyUrl: target.url, authCode: undefined });
      await alipayConnector.pay(ctx, req);
      const record = await waitFor(async () => (await notificationsFor(req.outTradeNo)).find((n) => n.acknowledged));
      expect(record.attempts.map((a) => a.response)).toEqual(["fail", "fail", "success"]);
      expect(target.received.map((r) => r.answered)).toEqual(["fail", "fail", "success"]);
      expect(new Set(target.received.map((r) => r.parsed?.eventId)).size).toBe(1);
    } finally {
      await target.close();
    }
  });

  it("a replayed notification (late duplicate) parses to the same eventId", async () => {
    const ctx = contextFor();
    const target = await startNotifyTarget(ctx);
    try {
      const req = payRequest("ALIPAY_QR", 200n, { notifyUrl: target.url, authCode: undefined });
      await behave(req.outTradeNo, "late_duplicate_notify");
      await alipayConnector.pay(ctx, req);
      await waitFor(() => target.received[1]);
      const [first, second] = target.received;
      expect(second?.body).toBe(first?.body);
      expect(first?.parsed?.eventId).toMatch(/^\d{20,}$/);
      expect(second?.parsed?.eventId).toBe(first?.parsed?.eventId);
      expect([first?.answered, second?.answered]).toEqual(["success", "success"]);
      expect(second?.parsed).toEqual(first?.parsed);
    } finally {
      await target.close();
    }
  });

  it("no_notify: paid, never notified; the query finds it", async () => {
    const ctx = contextFor();
    const target = await startNotifyTarget(ctx);
    try {
      const req = payRequest("ALIPAY_QR", 300n, { notifyUrl: target.url, authCode: undefined });
      await behave(req.outTradeNo, "no_notify");
      await alipayConnector.pay(ctx, req);
      const paid = await waitFor(async () => {
        const result = await alipayConnector.query(ctx, { outTradeNo: req.outTradeNo });
        return result.status === "SUCCEEDED" ? result : undefined;
      });
      expect(paid.amountMinor).toBe(300n);
      expect(target.received).toEqual([]);
    } finally {
      await target.close();
    }
  });

  it("a refund of a QR payment is notified as a REFUND naming the out_request_no", async () => {
    const ctx = contextFor();
    const target = await startNotifyTarget(ctx);
    try {
      const req = payRequest("ALIPAY_QR", 1000n, { notifyUrl: target.url, authCode: undefined });
      await alipayConnector.pay(ctx, req);
      await waitFor(() => target.received[0]);
      const outRefundNo = orderNo("RF");
      expect((await alipayConnector.refund(ctx, { outTradeNo: req.outTradeNo, outRefundNo, refundMinor: 400n, totalMinor: 1000n })).status).toBe("SUCCEEDED");
      const refundNote = await waitFor(() => target.received[1]);
      expect(refundNote.parsed).toMatchObject({ kind: "REFUND", outTradeNo: req.outTradeNo, outRefundNo, status: "SUCCEEDED" });
      expect(refundNote.parsed?.occurredAt).toBeInstanceOf(Date);
      expect(refundNote.parsed?.eventId).not.toBe(target.received[0]?.parsed?.eventId);
    } finally {
      await target.close();
    }
  });

  it("refuses notifications it cannot prove or understand", async () => {
    const ctx = contextFor();
    const target = await startNotifyTarget(ctx);
    try {
      const req = payRequest("ALIPAY_QR", 500n, { notifyUrl: target.url, authCode: undefined });
      await alipayConnector.pay(ctx, req);
      const { body } = await waitFor(() => target.received[0]);
      const parse = (text: string) => alipayConnector.parseNotification(ctx, { headers: {}, body: text, receivedAt: new Date() });
      await expect(parse(body)).resolves.toMatchObject({ outTradeNo: req.outTradeNo, payerId: new URLSearchParams(body).get("buyer_id") });
      expect(new URLSearchParams(body).get("buyer_id")).toMatch(/^\w{6,}$/);

      // Tampered field, missing signature, downgraded sign_type.
      await expect(parse(body.replace("total_amount=5.00", "total_amount=6.00"))).rejects.toMatchObject({ code: "SIGNATURE_INVALID" });
      const unsigned = new URLSearchParams(body);
      unsigned.delete("sign");
      await expect(parse(unsigned.toString())).rejects.toMatchObject({ code: "SIGNATURE_INVALID" });
      const rsa1 = new URLSearchParams(body);
      rsa1.set("sign_type", "RSA");
      await expect(parse(rsa1.toString())).rejects.toMatchObject({ code: "SIGNATURE_INVALID" });

      // Properly formed and signed, but by a key that is not Alipay's.
      const forged = Object.fromEntries(new URLSearchParams(body));
      delete forged.sign;
      const content = Object.keys(forged)
        .filter((key) => key !== "sign_type")
        .sort()
        .map((key) => `${key}=${forged[key] ?? ""}`)
        .join("&");
      const impostor = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
      forged.sign = createSign("RSA-SHA256").update(content, "utf8").sign(impostor, "base64");
      await expect(parse(new URLSearchParams(forged).toString())).rejects.toMatchObject({ code: "SIGNATURE_INVALID" });

      // Authentic (signed by the platform) but with amounts that are not yuan: MALFORMED.
      for (const amount of ["5.001", "5e2", "-5.00", ""]) {
        const odd = (await simPost("/__sim/alipay/notify", { outTradeNo: req.outTradeNo, fields: { total_amount: amount } })) as { body: string };
        await expect(parse(odd.body)).rejects.toMatchObject({ code: "MALFORMED" });
      }
      const otherApp = (await simPost("/__sim/alipay/notify", { outTradeNo: req.outTradeNo, fields: { app_id: "2021999999999999" } })) as { body: string };
      await expect(parse(otherApp.body)).rejects.toMatchObject({ code: "MALFORMED" });
      const strangeStatus = (await simPost("/__sim/alipay/notify", { outTradeNo: req.outTradeNo, fields: { trade_status: "TRADE_PENDING" } })) as { body: string };
      await expect(parse(strangeStatus.body)).rejects.toBeInstanceOf(ChannelError);
    } finally {
      await target.close();
    }
  });

  it("acks exactly `success`, or `fail` to be called again", () => {
    expect(alipayConnector.notificationAck(true)).toMatchObject({ status: 200, body: "success" });
    expect(alipayConnector.notificationAck(false).body).toBe("fail");
  });
});

describe("face auth info (smile-pay initialize)", () => {
  it("returns the zimId / zimInitClientData JSON with an expiry", async () => {
    const ctx = contextFor();
    const result = await alipayConnector.faceAuthInfo?.(ctx, { rawdata: JSON.stringify({ apdidToken: "x", appName: "zolozSmilepay", bioMetaInfo: "3.0.0:" }), deviceId: "SN8A1F0001", storeId: "S001", storeName: "一号店" });
    const authinfo = JSON.parse(result?.authinfo ?? "{}") as Record<string, unknown>;
    expect(typeof authinfo.zimId).toBe("string");
    expect(typeof authinfo.zimInitClientData).toBe("string");
    expect(result?.expiresAt.getTime()).toBeGreaterThan(simNow().getTime());
    await expect(alipayConnector.faceAuthInfo?.(ctx, { rawdata: "not json", deviceId: "d", storeId: "s", storeName: "n" })).rejects.toMatchObject({ code: "CHANNEL_REJECTED" });
  });
});

// ---- the 业务明细 bill ------------------------------------------------------------------------

/** The test's own reading of a zip: central directory, then inflate each entry. */
function unzip(zip: Buffer): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(end).toBeGreaterThan(0);
  let at = zip.readUInt32LE(end + 16);
  const gbk = new TextDecoder("gbk");
  for (let i = 0; i < zip.readUInt16LE(end + 10); i += 1) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    const name = gbk.decode(zip.subarray(at + 46, at + 46 + nameLength));
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataStart, dataStart + compressedSize);
    entries.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

interface BillRow {
  readonly fields: readonly string[];
  readonly get: (column: string) => string;
}

function readDetail(zip: Buffer): { name: string; lines: string[]; header: string[]; rows: BillRow[]; footer: string[] } {
  const files = unzip(zip);
  const name = [...files.keys()].find((n) => n.endsWith("_业务明细.csv"));
  expect(name).toBeDefined();
  const text = new TextDecoder("gbk").decode(files.get(name ?? "") ?? Buffer.alloc(0));
  const lines = text.split("\r\n").filter((l) => l !== "");
  const columnsAt = lines.findIndex((l) => !l.startsWith("#"));
  const columns = (lines[columnsAt] ?? "").split(",");
  const dataEnd = lines.findIndex((l, i) => i > columnsAt && l.startsWith("#"));
  const rows = lines.slice(columnsAt + 1, dataEnd).map((line) => {
    const fields = line.split(",");
    return { fields, get: (column: string) => (fields[columns.indexOf(column)] ?? "").trim() };
  });
  return { name: name ?? "", lines, header: lines.slice(0, columnsAt), rows, footer: lines.slice(dataEnd) };
}

const fen = (yuan: string) => {
  const negative = yuan.startsWith("-");
  const [whole = "0", part = "0"] = yuan.replace("-", "").split(".");
  const value = BigInt(whole) * 100n + BigInt(part.padEnd(2, "0"));
  return negative ? -value : value;
};

describe("bill download (业务明细)", () => {
  const billDate = "2024-03-15";
  const registration = { appAuthToken: "202403BB-bill-merchant", smid: undefined };

  it("serves the day's trades in the real format, applies each injected difference, and refuses an expired URL", async () => {
    const ctx = contextFor(registration);
    const target = await startNotifyTarget(ctx);
    try {
      // The day's business.
      const face = payRequest("ALIPAY_FACE", 1000n);
      const code = payRequest("ALIPAY_CODE", 2550n);
      const declined = payRequest("ALIPAY_CODE", 999n);
      const qr = payRequest("ALIPAY_QR", 888n, { notifyUrl: target.url, authCode: undefined });
      const reversed = payRequest("ALIPAY_FACE", 4200n);
      const forDiffs = [100n, 200n, 300n, 400n, 500n, 600n].map((amount) => payRequest("ALIPAY_CODE", amount));
      await behave(declined.outTradeNo, "decline");
      for (const req of [face, code, declined, qr, reversed, ...forDiffs]) await alipayConnector.pay(ctx, req);
      await waitFor(() => target.received[0]);
      const refundNo = orderNo("RF");
      expect((await alipayConnector.refund(ctx, { outTradeNo: code.outTradeNo, outRefundNo: refundNo, refundMinor: 500n, totalMinor: 2550n })).status).toBe("SUCCEEDED");
      expect((await alipayConnector.closeOrReverse(ctx, { outTradeNo: reversed.outTradeNo, product: "ALIPAY_FACE" })).refunded).toBe(true);

      // The untouched bill.
      const file = await alipayConnector.downloadStatement(ctx, { billDate, billType: "trade" });
      expect(file.contentType).toBe("application/zip");
      expect(file.bytes.readUInt32LE(0)).toBe(0x04034b50);
      expect(file.fileName).toMatch(/^2088\d{12}0156_20240315\.csv\.zip$/);
      expect(file.exchanges).toHaveLength(2);
      const bill = readDetail(file.bytes);
      expect(bill.name).toBe(file.fileName.replace(".csv.zip", "_业务明细.csv"));
      expect(bill.header[0]).toBe("#支付宝业务明细查询");
      expect(bill.header[1]).toMatch(/^#账号：\[2088\d{12}0156\]$/);
      expect(bill.header[2]).toBe("#起始日期：[2024年03月15日 00:00:00]   终止日期：[2024年03月16日 00:00:00]");
      expect(bill.lines.find((l) => !l.startsWith("#"))).toContain("订单金额（元）");
      for (const row of bill.rows) {
        expect(row.fields).toHaveLength(25);
        expect(row.fields[0]).toMatch(/^\d{28}\t$/);
        expect(row.fields[1]?.endsWith("\t")).toBe(true);
      }

      const paidTrades = [face, code, qr, reversed, ...forDiffs];
      const payments = bill.rows.filter((r) => r.get("业务类型") === "交易");
      const refunds = bill.rows.filter((r) => r.get("业务类型") === "退款");
      expect(payments.map((r) => r.get("商户订单号")).sort()).toEqual(paidTrades.map((r) => r.outTradeNo).sort());
      expect(bill.rows.some((r) => r.get("商户订单号") === declined.outTradeNo)).toBe(false);
      const paidTotal = paidTrades.reduce((total, r) => total + r.amountMinor, 0n);
      expect(payments.reduce((total, r) => total + fen(r.get("商家实收（元）")), 0n)).toBe(paidTotal);
      for (const req of paidTrades) {
        const row = payments.find((r) => r.get("商户订单号") === req.outTradeNo);
        expect(fen(row?.get("订单金额（元）") ?? "")).toBe(req.amountMinor);
        // 0.6% service fee, charged (negative) on the payment row.
        expect(fen(row?.get("服务费（元）") ?? "")).toBe(-((req.amountMinor * 6n + 500n) / 1000n));
      }
      expect(payments.find((r) => r.get("商户订单号") === face.outTradeNo)?.get("终端号")).toBe("SN8A1F0001");
      const partial = refunds.find((r) => r.get("退款批次号/请求号") === refundNo);
      expect(partial?.get("商户订单号")).toBe(code.outTradeNo);
      expect(fen(partial?.get("商家实收（元）") ?? "")).toBe(-500n);
      expect(fen(partial?.get("服务费（元）") ?? "")).toBe(3n); // 15 fen fee × 500/2550, returned
      expect(refunds.map((r) => r.get("商户订单号")).sort()).toEqual([code.outTradeNo, reversed.outTradeNo].sort());
      const refundTotal = -(500n + 4200n);
      expect(bill.footer).toContain(`#交易合计：${paidTrades.length}笔，商家实收共${yuanText(paidTotal)}元，商家优惠共0.00元`);
      expect(bill.footer).toContain(`#退款合计：2笔，商家实收退款共${yuanText(refundTotal)}元，商家优惠退款共0.00元`);
      expect(bill.footer.at(-1)).toMatch(/^#导出时间：\[2024年03月15日 \d{2}:\d{2}:\d{2}\]$/);

      // Differences injected for the day.
      const [dropped, amount, status, fee, coupon, late] = forDiffs.map((r) => r.outTradeNo);
      await simPost("/__sim/statement-diffs", {
        billDate,
        diffs: [
          { kind: "drop", outTradeNo: dropped },
          { kind: "extra", amountMinor: 777, subMerchant: "2088000000009999" },
          { kind: "amount", outTradeNo: amount, deltaMinor: 1 },
          { kind: "status", outTradeNo: status, status: "交易关闭" },
          { kind: "fee", outTradeNo: fee, deltaMinor: 2 },
          { kind: "coupon", outTradeNo: coupon, deltaMinor: 50 },
          { kind: "late", outTradeNo: late },
        ],
      });
      const diffed = readDetail((await alipayConnector.downloadStatement(ctx, { billDate, billType: "trade" })).bytes);
      const row = (outTradeNo: string | undefined) => diffed.rows.find((r) => r.get("商户订单号") === outTradeNo);
      expect(row(dropped)).toBeUndefined();
      expect(row(late)).toBeUndefined();
      const extra = diffed.rows.filter((r) => !bill.rows.some((b) => b.get("支付宝交易号") === r.get("支付宝交易号")));
      expect(extra).toHaveLength(1);
      expect(fen(extra[0]?.get("订单金额（元）") ?? "")).toBe(777n);
      expect(extra[0]?.get("备注")).toBe("2088000000009999");
      expect(fen(row(amount)?.get("订单金额（元）") ?? "")).toBe(201n);
      expect(fen(row(amount)?.get("商家实收（元）") ?? "")).toBe(201n);
      expect(row(status)?.get("业务类型")).toBe("交易关闭");
      expect(fen(row(fee)?.get("服务费（元）") ?? "")).toBe(-(2n + 2n));
      expect(fen(row(coupon)?.get("商家优惠（元）") ?? "")).toBe(50n);
      expect(fen(row(coupon)?.get("商家实收（元）") ?? "")).toBe(450n);
      expect(fen(row(coupon)?.get("订单金额（元）") ?? "")).toBe(500n);
      expect(diffed.footer).toContain(`#交易合计：${paidTrades.length - 2 + 1}笔，商家实收共${yuanText(paidTotal - 100n - 600n + 777n + 1n - 50n)}元，商家优惠共0.50元`);

      // Bills exist up to today only; the late line shows up in the next day's bill.
      await expect(alipayConnector.downloadStatement(ctx, { billDate: "2024-03-16", billType: "trade" })).rejects.toMatchObject({ code: "CHANNEL_REJECTED", message: expect.stringContaining("isp.bill_not_exist") });
      clockOffsetMs += DAY_MS;
      try {
        const next = readDetail((await alipayConnector.downloadStatement(ctx, { billDate: "2024-03-16", billType: "trade" })).bytes);
        expect(next.rows.map((r) => r.get("商户订单号"))).toEqual([late]);
        expect(next.rows[0]?.get("完成时间").startsWith("2024-03-15")).toBe(true);
      } finally {
        clockOffsetMs -= DAY_MS;
      }

      // The link lives 30 s: one fetched after that is refused.
      const slow: typeof fetch = async (input, init) => {
        const url = input instanceof Request ? input.url : String(input);
        if (url.includes("downloadBillFile")) clockOffsetMs += 31_000;
        return fetch(input, init);
      };
      const before = clockOffsetMs;
      try {
        await expect(alipayConnector.downloadStatement(contextFor(registration, { fetch: slow }), { billDate, billType: "trade" })).rejects.toMatchObject({
          code: "CHANNEL_REJECTED",
          message: expect.stringContaining("410"),
        });
      } finally {
        clockOffsetMs = before;
      }
      await expect(alipayConnector.downloadStatement(ctx, { billDate, billType: "signcustomer" })).rejects.toMatchObject({ code: "NOT_SUPPORTED" });
    } finally {
      await target.close();
    }
  });
});

function yuanText(minor: bigint): string {
  const abs = minor < 0n ? -minor : minor;
  return `${minor < 0n ? "-" : ""}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
}
