import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBankSimulator, type RunningBankSimulator } from "@/server/simulators/bank/simulator";
import type { ChannelAccountConfig, ConnectorContext, IncomingNotification } from "../types";
import { ChannelError } from "../types";
import { bankConnector as bank } from "./connector";
import { provisionBankSimulatorAccount } from "./simulator-account";
import { parseZmFile, parseZmSignedAmount, readZipEntries, splitZmLines, ZM_LINE_BYTES, type ZmRecord } from "./zm-file";

// The bank connector against the bank simulator over real HTTP: no mocks.

interface Received {
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** A tiny notify endpoint: records every POST; answers 500 to the first `failFirst` per order id. */
class NotifyTarget {
  readonly received: Received[] = [];
  readonly failFirst = new Map<string, number>();
  private server: Server | undefined;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers[k] = v;
        this.received.push({ body, headers });
        const orderId = new URLSearchParams(body).get("orderId") ?? "";
        const left = this.failFirst.get(orderId) ?? 0;
        if (left > 0) {
          this.failFirst.set(orderId, left - 1);
          res.writeHead(500).end("not yet");
          return;
        }
        res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}/notify/bank`;
  }

  for(orderId: string): Received[] {
    return this.received.filter((r) => new URLSearchParams(r.body).get("orderId") === orderId);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

function accountFrom(provisioned: { params: Record<string, string>; credentials: Record<string, string> }, id = "ca-bank-1"): ChannelAccountConfig {
  return { channelAccountId: id, version: 1, channelType: "BANK", params: provisioned.params, credentials: provisioned.credentials };
}

async function control(sim: RunningBankSimulator, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${sim.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
}

let seq = 0;
const orderNo = (prefix: string) => `${prefix}${Date.now()}${String((seq += 1)).padStart(4, "0")}`;

function incoming(received: Received): IncomingNotification {
  return { headers: received.headers, body: received.body, receivedAt: new Date() };
}

async function signedContract(ctx: ConnectorContext, accountNumber = "6222020200112233445"): Promise<string> {
  const contractRef = orderNo("CT");
  const sms = await bank.signContract?.(ctx, { contractRef, accountNumber, accountName: "张三", idNumber: "110101199003071234", phone: "13800138000" });
  expect(sms?.status).toBe("PENDING_SMS");
  const confirmed = await bank.confirmContract?.(ctx, { contractRef, smsCode: "111111" });
  expect(confirmed?.status).toBe("SIGNED");
  return confirmed?.contractId ?? "";
}

describe("bank connector ↔ bank simulator", () => {
  let sim: RunningBankSimulator;
  const target = new NotifyTarget();
  let ctx: ConnectorContext;
  let contractId: string;

  beforeAll(async () => {
    sim = await startBankSimulator({ port: 0, notifyDelayMs: 30, payoutReturnDelayMs: 200 });
    await target.start();
    ctx = { account: accountFrom(await provisionBankSimulatorAccount(sim.url)) };
    contractId = await signedContract(ctx);
  });

  afterAll(async () => {
    await sim.close();
    await target.stop();
  });

  const payRequest = (outTradeNo: string, amountMinor: bigint, description = "刷脸消费") => ({
    outTradeNo,
    amountMinor,
    currency: "CNY" as const,
    product: "BANK_QUICK" as const,
    description,
    contractId,
    notifyUrl: target.url,
  });

  describe("configuration", () => {
    it("names the missing or bad field", async () => {
      const bad = (params: Record<string, string>, credentials: Record<string, string>) =>
        bank.query({ account: { ...ctx.account, params: { ...ctx.account.params, ...params }, credentials: { ...ctx.account.credentials, ...credentials } } }, { outTradeNo: "X1" });
      await expect(bad({ merId: "" }, {})).rejects.toThrow(/params\.merId/);
      await expect(bad({ baseUrl: "ftp://bank" }, {})).rejects.toThrow(/params\.baseUrl/);
      await expect(bad({ certId: "abc" }, {})).rejects.toThrow(/params\.certId/);
      await expect(bad({}, { merchantPrivateKeyPem: "not a key" })).rejects.toThrow(/credentials\.merchantPrivateKeyPem/);
      await expect(bad({}, { bankPublicKeyPem: "" })).rejects.toThrow(/credentials\.bankPublicKeyPem/);
      const error = await bad({ merId: "" }, {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChannelError);
      expect((error as ChannelError).code).toBe("CONFIG_INVALID");
    });

    it("declares the bank's attributes", () => {
      expect(bank.attributes).toMatchObject({
        channelType: "BANK",
        products: ["BANK_QUICK"],
        feeCollection: "MONTHLY",
        refundReturnsFee: false,
        settlementAccount: "PROVIDER_BANK",
        cutoffTime: "23:00",
        supportsPayout: true,
        supportsContract: true,
        billTypes: ["ZM"],
        resultDelivery: { BANK_QUICK: "BOTH" },
      });
    });
  });

  describe("contract signing", () => {
    it("sends an SMS, refuses a wrong code, signs with 111111", async () => {
      const contractRef = orderNo("CT");
      const sms = await bank.signContract?.(ctx, { contractRef, accountNumber: "6222020200112239999", accountName: "李四", idNumber: "110101199003075678", phone: "13900139000" });
      expect(sms?.status).toBe("PENDING_SMS");
      // Account number and identity never reach the payment's record in clear.
      expect(sms?.exchanges[0]?.requestBody).not.toContain("6222020200112239999");
      expect(sms?.exchanges[0]?.requestBody).toContain("accNo=***");

      const wrong = await bank.confirmContract?.(ctx, { contractRef, smsCode: "123456" });
      expect(wrong?.status).toBe("FAILED");
      expect(wrong?.failure?.code).toBe("71");

      const right = await bank.confirmContract?.(ctx, { contractRef, smsCode: "111111" });
      expect(right?.status).toBe("SIGNED");
      expect(right?.contractId).toMatch(/^62\d{19}$/);
      // Confirming again is idempotent: same token.
      const again = await bank.confirmContract?.(ctx, { contractRef, smsCode: "111111" });
      expect(again?.contractId).toBe(right?.contractId);
    });

    it("fails to confirm a contract that was never started", async () => {
      const result = await bank.confirmContract?.(ctx, { contractRef: orderNo("CT"), smsCode: "111111" });
      expect(result).toMatchObject({ status: "FAILED", failure: { code: "34" } });
    });

    it("refuses to pay without a contract or with someone else's token", async () => {
      const none = await bank.pay(ctx, { ...payRequest(orderNo("P"), 100n), contractId: undefined });
      expect(none).toMatchObject({ status: "FAILED", noMoneyMoved: true, failure: { code: "CONTRACT_REQUIRED" } });
      const forged = await bank.pay(ctx, { ...payRequest(orderNo("P"), 100n), contractId: "62000000000000000000000" });
      expect(forged).toMatchObject({ status: "FAILED", noMoneyMoved: true, failure: { code: "40" } });
    });
  });

  describe("consume", () => {
    it("is accepted, notified (retried until 200) and found by query", async () => {
      const outTradeNo = orderNo("P");
      target.failFirst.set(outTradeNo, 1);
      const result = await bank.pay(ctx, payRequest(outTradeNo, 1234n));
      // ACP: respCode 00 on a back-end consume means accepted; the result comes by notify or query.
      expect(result.status).toBe("PROCESSING");
      expect(result.noMoneyMoved).toBe(false);
      expect(result.channelTradeNo).toMatch(/^\d{21}$/);
      expect(result.exchanges[0]?.requestBody).toContain("signMethod=01");

      const deliveries = await eventually(() => (target.for(outTradeNo).length >= 2 ? target.for(outTradeNo) : undefined));
      expect(deliveries[0]?.body).toBe(deliveries[1]?.body);
      const parsed = await bank.parseNotification(ctx, incoming(deliveries[1] as Received));
      expect(parsed).toMatchObject({
        kind: "PAYMENT",
        outTradeNo,
        channelTradeNo: result.channelTradeNo,
        status: "SUCCEEDED",
        amountMinor: 1234n,
        eventId: `${result.channelTradeNo}:01`,
        subMerchant: ctx.account.params.merId,
      });
      expect(parsed.occurredAt).toBeInstanceOf(Date);
      expect(bank.notificationAck(true)).toEqual({ status: 200, contentType: "text/plain; charset=utf-8", body: "ok" });
      expect(bank.notificationAck(false).status).toBe(500);

      const queried = await bank.query(ctx, { outTradeNo });
      expect(queried).toMatchObject({ status: "SUCCEEDED", amountMinor: 1234n, channelTradeNo: result.channelTradeNo });
      expect(queried.paidAt).toBeInstanceOf(Date);
    });

    it("decline is a definite failure with no money moved", async () => {
      const outTradeNo = orderNo("P");
      await control(sim, "/__sim/behaviour", { outTradeNo, behaviour: "decline" });
      const result = await bank.pay(ctx, payRequest(outTradeNo, 500n));
      expect(result).toMatchObject({ status: "FAILED", noMoneyMoved: true, failure: { code: "64" } });
      expect((await bank.query(ctx, { outTradeNo })).status).toBe("FAILED");
    });

    it("user paying stays PROCESSING for the polls, then succeeds on query", async () => {
      const outTradeNo = orderNo("P");
      await control(sim, "/__sim/behaviour", { outTradeNo, behaviour: "userpaying", polls: 2 });
      const result = await bank.pay(ctx, payRequest(outTradeNo, 800n));
      expect(result.status).toBe("PROCESSING");
      expect((await bank.query(ctx, { outTradeNo })).status).toBe("PROCESSING");
      expect((await bank.query(ctx, { outTradeNo })).status).toBe("PROCESSING");
      expect(await bank.query(ctx, { outTradeNo })).toMatchObject({ status: "SUCCEEDED", amountMinor: 800n });
      const delivered = await eventually(() => target.for(outTradeNo)[0]);
      expect((await bank.parseNotification(ctx, incoming(delivered))).status).toBe("SUCCEEDED");
    });

    it("a timeout is PROCESSING (never FAILED) and the query finds the trade", async () => {
      const outTradeNo = orderNo("P");
      await control(sim, "/__sim/behaviour", { outTradeNo, behaviour: "timeout", delayMs: 3_000 });
      const result = await bank.pay({ ...ctx, timeoutMs: 300 }, payRequest(outTradeNo, 999n));
      expect(result).toMatchObject({ status: "PROCESSING", noMoneyMoved: false });
      expect(result.exchanges[0]?.status).toBeUndefined();
      expect(await bank.query(ctx, { outTradeNo })).toMatchObject({ status: "SUCCEEDED", amountMinor: 999n });
    });

    it("a query for an order the bank never saw is NOT_FOUND", async () => {
      expect((await bank.query(ctx, { outTradeNo: orderNo("NONE") })).status).toBe("NOT_FOUND");
    });

    it("a repeated order id is never read as a failure", async () => {
      const outTradeNo = orderNo("P");
      await bank.pay(ctx, payRequest(outTradeNo, 100n));
      const repeated = await bank.pay(ctx, payRequest(outTradeNo, 100n));
      expect(repeated).toMatchObject({ status: "PROCESSING", noMoneyMoved: false });
    });
  });

  describe("void (消费撤销)", () => {
    it("reverses a paid consume, idempotently", async () => {
      const outTradeNo = orderNo("P");
      await bank.pay(ctx, payRequest(outTradeNo, 700n));
      const reversed = await bank.closeOrReverse(ctx, { outTradeNo, product: "BANK_QUICK" });
      expect(reversed.status).toBe("REVERSED");
      expect(reversed.exchanges.map((e) => e.operation)).toEqual(["close.query", "reverse"]);
      expect(reversed.exchanges[1]?.requestBody).toContain("txnType=31");
      const again = await bank.closeOrReverse(ctx, { outTradeNo, product: "BANK_QUICK" });
      expect(again.status).toBe("REVERSED");
    });

    it("closes a declined consume without a void, and cannot void what the bank never saw", async () => {
      const declined = orderNo("P");
      await control(sim, "/__sim/behaviour", { outTradeNo: declined, behaviour: "decline" });
      await bank.pay(ctx, payRequest(declined, 100n));
      expect((await bank.closeOrReverse(ctx, { outTradeNo: declined, product: "BANK_QUICK" })).status).toBe("CLOSED");
      expect(await bank.closeOrReverse(ctx, { outTradeNo: orderNo("NONE"), product: "BANK_QUICK" })).toMatchObject({ status: "FAILED", failure: { code: "34" } });
    });
  });

  describe("refund", () => {
    it("is accepted, then notified with the original order, and found by query", async () => {
      const outTradeNo = orderNo("P");
      const paid = await bank.pay(ctx, payRequest(outTradeNo, 1000n));
      const outRefundNo = orderNo("R");
      const refund = await bank.refund(ctx, { outTradeNo, outRefundNo, refundMinor: 300n, totalMinor: 1000n, notifyUrl: target.url });
      expect(refund.status).toBe("PROCESSING");
      expect(refund.channelRefundNo).toMatch(/^\d{21}$/);
      // Without the channel's trade number the connector looks it up first.
      expect(refund.exchanges.map((e) => e.operation)).toEqual(["refund.query", "refund"]);

      const delivered = await eventually(() => target.for(outRefundNo)[0]);
      const parsed = await bank.parseNotification(ctx, incoming(delivered));
      expect(parsed).toMatchObject({
        kind: "REFUND",
        outTradeNo,
        outRefundNo,
        channelTradeNo: paid.channelTradeNo,
        channelRefundNo: refund.channelRefundNo,
        status: "SUCCEEDED",
        amountMinor: 300n,
        eventId: `${refund.channelRefundNo}:04`,
      });
      const queried = await bank.queryRefund(ctx, { outTradeNo, outRefundNo });
      expect(queried).toMatchObject({ status: "SUCCEEDED", channelRefundNo: refund.channelRefundNo });
      expect(queried.refundedAt).toBeInstanceOf(Date);

      const tooMuch = await bank.refund(ctx, { outTradeNo, channelTradeNo: paid.channelTradeNo, outRefundNo: orderNo("R"), refundMinor: 701n, totalMinor: 1000n });
      expect(tooMuch).toMatchObject({ status: "FAILED", failure: { code: "36" } });
      expect((await bank.queryRefund(ctx, { outTradeNo, outRefundNo: orderNo("R") })).status).toBe("NOT_FOUND");
    });
  });

  describe("payout (代付)", () => {
    const payoutRequest = (accountNumber: string) => ({ outPayoutNo: orderNo("W"), amountMinor: 10_000n, accountNumber, accountName: "王五", bankName: "中国工商银行", memo: "settlement" });
    const settle = (outPayoutNo: string, not: string) =>
      eventually(async () => {
        const result = await bank.queryPayout?.(ctx, { outPayoutNo });
        return result && result.status !== not ? result : undefined;
      });

    it("succeeds", async () => {
      const req = payoutRequest("6222020200112231234");
      const accepted = await bank.payout?.(ctx, req);
      expect(accepted?.status).toBe("PROCESSING");
      expect(accepted?.exchanges[0]?.requestBody).not.toContain(req.accountNumber);
      expect((await settle(req.outPayoutNo, "PROCESSING")).status).toBe("SUCCEEDED");
    });

    it("fails for an account ending 0000", async () => {
      const req = payoutRequest("6222020200112230000");
      expect((await bank.payout?.(ctx, req))?.status).toBe("PROCESSING");
      expect(await settle(req.outPayoutNo, "PROCESSING")).toMatchObject({ status: "FAILED", failure: { code: "61" } });
    });

    it("is returned (退汇) later for an account ending 9999", async () => {
      const req = payoutRequest("6222020200112239999");
      expect((await bank.payout?.(ctx, req))?.status).toBe("PROCESSING");
      expect((await settle(req.outPayoutNo, "PROCESSING")).status).toBe("SUCCEEDED");
      expect((await settle(req.outPayoutNo, "SUCCEEDED")).status).toBe("RETURNED");
    });

    it("is NOT_FOUND when the bank never saw it", async () => {
      expect((await bank.queryPayout?.(ctx, { outPayoutNo: orderNo("W") }))?.status).toBe("NOT_FOUND");
    });
  });

  describe("notification verification", () => {
    let genuine: Received;
    beforeAll(async () => {
      const outTradeNo = orderNo("P");
      await bank.pay(ctx, payRequest(outTradeNo, 4321n));
      genuine = await eventually(() => target.for(outTradeNo)[0]);
    });

    it("refuses a tampered body", async () => {
      const tampered = genuine.body.replace(/txnAmt=4321/, "txnAmt=9321");
      expect(tampered).not.toBe(genuine.body);
      const error = await bank.parseNotification(ctx, incoming({ ...genuine, body: tampered })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChannelError);
      expect((error as ChannelError).code).toBe("SIGNATURE_INVALID");
    });

    it("refuses a body signed by anyone but the bank, and an unsigned one", async () => {
      const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString();
      const wrongKeyCtx = { account: { ...ctx.account, credentials: { ...ctx.account.credentials, bankPublicKeyPem: other } } };
      await expect(bank.parseNotification(wrongKeyCtx, incoming(genuine))).rejects.toMatchObject({ code: "SIGNATURE_INVALID" });
      const unsigned = new URLSearchParams(genuine.body);
      unsigned.delete("signature");
      await expect(bank.parseNotification(ctx, incoming({ ...genuine, body: unsigned.toString() }))).rejects.toMatchObject({ code: "SIGNATURE_INVALID" });
    });

    it("a replayed notification carries the same eventId", async () => {
      const outTradeNo = orderNo("P");
      await control(sim, "/__sim/behaviour", { outTradeNo, behaviour: "late_duplicate_notify" });
      await bank.pay(ctx, payRequest(outTradeNo, 250n));
      const both = await eventually(() => (target.for(outTradeNo).length >= 2 ? target.for(outTradeNo) : undefined));
      const [first, second] = await Promise.all(both.slice(0, 2).map((r) => bank.parseNotification(ctx, incoming(r))));
      expect(first?.eventId).toBe(second?.eventId);
      const replay = await bank.parseNotification(ctx, incoming(genuine));
      expect(replay.eventId).toBe((await bank.parseNotification(ctx, incoming(genuine))).eventId);
    });
  });

  describe("keys", () => {
    it("a request signed with the wrong merchant key is refused by the bank: definite failure, respCode 11", async () => {
      const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
      const wrongCtx = { account: { ...ctx.account, credentials: { ...ctx.account.credentials, merchantPrivateKeyPem: stranger } } };
      const outTradeNo = orderNo("P");
      const result = await bank.pay(wrongCtx, payRequest(outTradeNo, 100n));
      expect(result).toMatchObject({ status: "FAILED", noMoneyMoved: true, failure: { code: "11" } });
      expect((await bank.query(ctx, { outTradeNo })).status).toBe("NOT_FOUND");
    });

    it("an answer that does not verify with the bank key proves nothing: PROCESSING", async () => {
      const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString();
      const wrongBankKey = { account: { ...ctx.account, credentials: { ...ctx.account.credentials, bankPublicKeyPem: other } } };
      const outTradeNo = orderNo("P");
      await control(sim, "/__sim/behaviour", { outTradeNo, behaviour: "decline" });
      const result = await bank.pay(wrongBankKey, payRequest(outTradeNo, 100n));
      expect(result).toMatchObject({ status: "PROCESSING", noMoneyMoved: false });
    });

    it("an unreachable bank is PROCESSING, not FAILED", async () => {
      const down = { account: { ...ctx.account, params: { ...ctx.account.params, baseUrl: "http://127.0.0.1:9" } } };
      expect(await bank.pay(down, payRequest(orderNo("P"), 100n))).toMatchObject({ status: "PROCESSING", noMoneyMoved: false });
    });
  });
});

describe("ZM statement download", () => {
  let sim: RunningBankSimulator;
  let ctx: ConnectorContext;
  // 2024-01-05 10:00 Beijing; the clock is moved by the test.
  let clock = new Date("2024-01-05T02:00:00Z");
  const now = () => clock;

  beforeAll(async () => {
    sim = await startBankSimulator({ notifyDelayMs: 10, now });
    ctx = { account: accountFrom(await provisionBankSimulatorAccount(sim.url), "ca-bank-zm"), now };
  });
  afterAll(async () => {
    await sim.close();
  });

  async function download(billDate: string): Promise<{ fileName: string; names: string[]; raw: Buffer; records: ZmRecord[] }> {
    const file = await bank.downloadStatement(ctx, { billDate, billType: "ZM" });
    expect(file.contentType).toBe("application/zip");
    const entries = readZipEntries(file.bytes);
    const merId = ctx.account.params.merId ?? "";
    const zm = entries.find((e) => e.name === `INN${billDate.replaceAll("-", "").slice(2)}88ZM_${merId}`);
    expect(zm).toBeDefined();
    const raw = zm?.bytes ?? Buffer.alloc(0);
    return { fileName: file.fileName, names: entries.map((e) => e.name), raw, records: parseZmFile(raw) };
  }

  it("is built from the day's trades with every kind of injected difference", async () => {
    const contract = await signedContract(ctx);
    const pay = async (outTradeNo: string, amountMinor: bigint, description = "刷脸消费") => {
      const r = await bank.pay(ctx, { outTradeNo, amountMinor, currency: "CNY", product: "BANK_QUICK", description, contractId: contract });
      expect(r.status).toBe("PROCESSING");
      return r;
    };
    const ids = { plain: "ZMPLAIN01", refunded: "ZMREFUND01", voided: "ZMVOID01", dropped: "ZMDROP01", amount: "ZMAMOUNT01", fee: "ZMFEE01", coupon: "ZMCOUPON01", status: "ZMSTATUS01", late: "ZMLATE01", declined: "ZMDECLINE01" };
    await pay(ids.plain, 1000n, "会员充值：一号店");
    await pay(ids.refunded, 2000n);
    await pay(ids.voided, 3000n);
    await pay(ids.dropped, 4000n);
    await pay(ids.amount, 5000n);
    await pay(ids.fee, 6000n);
    await pay(ids.coupon, 7000n);
    await pay(ids.status, 8000n);
    await pay(ids.late, 9000n);
    await control(sim, "/__sim/behaviour", { outTradeNo: ids.declined, behaviour: "decline" });
    expect((await bank.pay(ctx, { outTradeNo: ids.declined, amountMinor: 100n, currency: "CNY", product: "BANK_QUICK", description: "x", contractId: contract })).status).toBe("FAILED");

    const refund = await bank.refund(ctx, { outTradeNo: ids.refunded, outRefundNo: "ZMREFUND01R", refundMinor: 500n, totalMinor: 2000n });
    expect(refund.status).toBe("PROCESSING");
    await eventually(async () => ((await bank.queryRefund(ctx, { outTradeNo: ids.refunded, outRefundNo: "ZMREFUND01R" })).status === "SUCCEEDED" ? true : undefined));
    expect((await bank.closeOrReverse(ctx, { outTradeNo: ids.voided, product: "BANK_QUICK" })).status).toBe("REVERSED");

    await control(sim, "/__sim/statement-diffs", {
      billDate: "2024-01-05",
      diffs: [
        { kind: "drop", outTradeNo: ids.dropped },
        { kind: "amount", outTradeNo: ids.amount, deltaMinor: 5 },
        { kind: "fee", outTradeNo: ids.fee, deltaMinor: 1 },
        { kind: "coupon", outTradeNo: ids.coupon, deltaMinor: 300 },
        { kind: "status", outTradeNo: ids.status, status: "REVOKED" },
        { kind: "late", outTradeNo: ids.late },
        { kind: "extra", amountMinor: 777, subMerchant: "898000000000999" },
      ],
    });

    const day = await download("2024-01-05");
    const merId = ctx.account.params.merId ?? "";
    expect(day.fileName).toBe(`${merId}_20240105.zip`);
    expect(day.names).toContain(`INN24010588ZME_${merId}`);
    // Every line is 607 bytes followed by CRLF.
    expect(day.raw.subarray(-2).toString("latin1")).toBe("\r\n");
    const lines = splitZmLines(day.raw);
    expect(lines.length).toBe(day.records.length);
    for (const line of lines) expect(line.length).toBe(ZM_LINE_BYTES);

    const byOrder = new Map(day.records.map((r) => [r.orderId, r]));
    const amount = (r: ZmRecord | undefined) => (r ? BigInt(r.txnAmt) : undefined);
    const fee = (r: ZmRecord | undefined) => (r ? parseZmSignedAmount(r.merFee)?.amountMinor : undefined);
    const settle = (r: ZmRecord | undefined) => (r ? parseZmSignedAmount(r.settleAmt)?.amountMinor : undefined);

    // Untouched trades: amount as paid, fee at the default 0.38% half-up, settled gross (fee billed monthly).
    const plain = byOrder.get(ids.plain);
    expect(plain).toMatchObject({ txnCode: "S22", txnType: "01", merId, subMerAbbr: "模拟商户", merReserved: "会员充值：一号店", txnTime: "0105100000" });
    expect([amount(plain), fee(plain), settle(plain)]).toEqual([1000n, 4n, 1000n]);
    expect(plain?.queryId).toMatch(/^\d{21}$/);
    expect(plain?.payCardNo).toBe("6222***********3445");
    expect(amount(byOrder.get(ids.refunded))).toBe(2000n);

    // The refund and the void are lines of their own, pointing at the original.
    const refundLine = byOrder.get("ZMREFUND01R");
    expect(refundLine).toMatchObject({ txnType: "04", origOrderId: ids.refunded, origQryId: byOrder.get(ids.refunded)?.queryId });
    expect([amount(refundLine), fee(refundLine)]).toEqual([500n, 0n]);
    const voidLine = day.records.find((r) => r.txnType === "31" && r.origOrderId === ids.voided);
    expect(amount(voidLine)).toBe(3000n);
    expect(byOrder.get(ids.voided)?.txnType).toBe("01");

    // The differences.
    expect(byOrder.has(ids.dropped)).toBe(false);
    expect(amount(byOrder.get(ids.amount))).toBe(5005n);
    expect(fee(byOrder.get(ids.fee))).toBe(23n + 1n);
    const coupon = byOrder.get(ids.coupon);
    expect([amount(coupon), parseZmSignedAmount(coupon?.discountAmt ?? "")?.amountMinor, settle(coupon)]).toEqual([7000n, 300n, 6700n]);
    expect(byOrder.get(ids.status)).toMatchObject({ txnType: "31", txnCode: "S31" });
    expect(byOrder.has(ids.late)).toBe(false);
    expect(byOrder.has(ids.declined)).toBe(false);
    const extra = day.records.filter((r) => r.merId === "898000000000999");
    expect(extra.map(amount)).toEqual([777n]);

    // Every trade the bank processed is accounted for: 9 consumes − drop − late, 1 refund, 1 void, 1 extra.
    expect(day.records.length).toBe(7 + 1 + 1 + 1);

    // The late line arrives in the next day's file.
    clock = new Date("2024-01-06T02:00:00Z");
    const next = await download("2024-01-06");
    expect(next.records.map((r) => r.orderId)).toEqual([ids.late]);
    expect(amount(next.records[0])).toBe(9000n);
  });

  it("a day with no trades is an empty file", async () => {
    const empty = await download("2024-01-01");
    expect(empty.raw.length).toBe(0);
    expect(empty.records).toEqual([]);
  });

  it("offers the ZM bill type only", async () => {
    await expect(bank.downloadStatement(ctx, { billDate: "2024-01-05", billType: "ALL" })).rejects.toMatchObject({ code: "NOT_SUPPORTED" });
  });
});
