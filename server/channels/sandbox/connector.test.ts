import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ConnectorContext, PayRequest, ProductCode } from "../types";
import { ChannelError } from "../types";
import { SANDBOX_SIGNATURE_HEADER, sandboxConnector as sandbox, sandboxNotificationSignature } from "./connector";

// Each test uses its own channel account: the sandbox's trades are one in-memory Map per process.
function account(params: Record<string, string> = {}, credentials: Record<string, string> = {}, now?: () => Date): ConnectorContext {
  return { account: { channelAccountId: randomUUID(), version: 1, channelType: "SANDBOX", params, credentials }, now };
}

const payment = (outTradeNo: string, amountMinor: bigint, product: ProductCode = "WECHAT_FACE"): PayRequest => ({
  outTradeNo,
  amountMinor,
  currency: "CNY",
  product,
  description: "demo",
  authCode: "fp-demo",
  deviceId: "dev-1",
});

describe("sandbox amount rules", () => {
  it("…01 declines: FAILED with no money moved", async () => {
    const ctx = account();
    const result = await sandbox.pay(ctx, payment("T1", 1001n));
    expect(result).toMatchObject({ status: "FAILED", noMoneyMoved: true, failure: { code: "SANDBOX_DECLINED" } });
    expect((await sandbox.query(ctx, { outTradeNo: "T1" })).status).toBe("FAILED");
  });

  it("…02 is user paying: PROCESSING, still PROCESSING on the 1st query, SUCCEEDED on the 2nd", async () => {
    const ctx = account();
    expect(await sandbox.pay(ctx, payment("T2", 1002n))).toMatchObject({ status: "PROCESSING", noMoneyMoved: false });
    expect((await sandbox.query(ctx, { outTradeNo: "T2" })).status).toBe("PROCESSING");
    const second = await sandbox.query(ctx, { outTradeNo: "T2" });
    expect(second).toMatchObject({ status: "SUCCEEDED", amountMinor: 1002n });
    expect(second.paidAt).toBeInstanceOf(Date);
  });

  it("…03 is an unknown result: PROCESSING until queried once", async () => {
    const ctx = account();
    expect((await sandbox.pay(ctx, payment("T3", 203n))).status).toBe("PROCESSING");
    expect((await sandbox.query(ctx, { outTradeNo: "T3" })).status).toBe("SUCCEEDED");
  });

  it("anything else succeeds at once; a repeated order number answers the same trade", async () => {
    const ctx = account();
    const first = await sandbox.pay(ctx, payment("T4", 1000n));
    expect(first).toMatchObject({ status: "SUCCEEDED", amountMinor: 1000n, noMoneyMoved: false });
    expect(first.channelTradeNo).toMatch(/^SBX/);
    expect(first.exchanges[0]?.url).toBe("sandbox://pay");
    const again = await sandbox.pay(ctx, payment("T4", 1000n));
    expect(again.channelTradeNo).toBe(first.channelTradeNo);
    expect((await sandbox.pay(ctx, payment("T5", 104n, "WECHAT_QR"))).codeUrl).toMatch(/^sandbox:\/\/qr\//);
  });

  it("records the request's terminalInfo in the pay exchange, as a channel's log would", async () => {
    const terminalInfo = { terminalId: "POS-0007", ip: "10.1.2.3", deviceModel: "Sunmi T2", location: "31.2304,121.4737" };
    const result = await sandbox.pay(account(), { ...payment("T7", 700n), terminalInfo });
    expect(JSON.parse(result.exchanges[0]?.requestBody ?? "{}")).toEqual({ outTradeNo: "T7", amountMinor: "700", product: "WECHAT_FACE", terminalInfo });
    expect(JSON.parse((await sandbox.pay(account(), payment("T8", 700n))).exchanges[0]?.requestBody ?? "{}")).not.toHaveProperty("terminalInfo");
  });

  it("forgets nothing within a process but knows only its own account's trades", async () => {
    const ctx = account();
    await sandbox.pay(ctx, payment("T6", 500n));
    expect((await sandbox.query(account(), { outTradeNo: "T6" })).status).toBe("NOT_FOUND");
    expect((await sandbox.query(ctx, { outTradeNo: "never-paid" })).status).toBe("NOT_FOUND");
  });

  it("offers every product but bank quick pay", async () => {
    expect(sandbox.attributes.products).not.toContain("BANK_QUICK");
    expect(sandbox.attributes).toMatchObject({ feeCollection: "AT_SOURCE", refundReturnsFee: true, cutoffTime: "00:00", supportsFaceAuthInfo: true });
    await expect(sandbox.pay(account(), payment("T7", 100n, "BANK_QUICK"))).rejects.toMatchObject({ code: "NOT_SUPPORTED" });
  });
});

describe("sandbox close and reverse", () => {
  it("closes a pending trade, reverses a paid face payment, refuses to close a paid QR order", async () => {
    const ctx = account();
    await sandbox.pay(ctx, payment("C1", 1002n));
    expect((await sandbox.closeOrReverse(ctx, { outTradeNo: "C1", product: "WECHAT_FACE" })).status).toBe("CLOSED");
    expect((await sandbox.query(ctx, { outTradeNo: "C1" })).status).toBe("CLOSED");

    await sandbox.pay(ctx, payment("C2", 1000n));
    expect(await sandbox.closeOrReverse(ctx, { outTradeNo: "C2", product: "WECHAT_FACE" })).toMatchObject({ status: "REVERSED", refunded: true });
    expect((await sandbox.query(ctx, { outTradeNo: "C2" })).status).toBe("REVERSED");

    await sandbox.pay(ctx, payment("C3", 1000n, "ALIPAY_QR"));
    expect(await sandbox.closeOrReverse(ctx, { outTradeNo: "C3", product: "ALIPAY_QR" })).toMatchObject({ status: "FAILED", failure: { code: "ORDER_PAID" } });
  });
});

describe("sandbox refunds", () => {
  it("succeed at once, up to the amount, and can be queried", async () => {
    const ctx = account();
    await sandbox.pay(ctx, payment("R1", 1000n));
    const first = await sandbox.refund(ctx, { outTradeNo: "R1", outRefundNo: "R1-a", refundMinor: 400n, totalMinor: 1000n });
    expect(first.status).toBe("SUCCEEDED");
    expect(first.refundedAt).toBeInstanceOf(Date);
    expect((await sandbox.refund(ctx, { outTradeNo: "R1", outRefundNo: "R1-a", refundMinor: 400n, totalMinor: 1000n })).channelRefundNo).toBe(first.channelRefundNo);
    expect(await sandbox.refund(ctx, { outTradeNo: "R1", outRefundNo: "R1-b", refundMinor: 601n, totalMinor: 1000n })).toMatchObject({
      status: "FAILED",
      failure: { code: "REFUND_AMOUNT_EXCEEDED" },
    });
    expect((await sandbox.query(ctx, { outTradeNo: "R1" })).status).toBe("SUCCEEDED");
    expect((await sandbox.refund(ctx, { outTradeNo: "R1", outRefundNo: "R1-c", refundMinor: 600n, totalMinor: 1000n })).status).toBe("SUCCEEDED");
    expect((await sandbox.query(ctx, { outTradeNo: "R1" })).status).toBe("REFUNDED");

    expect(await sandbox.queryRefund(ctx, { outTradeNo: "R1", outRefundNo: "R1-c" })).toMatchObject({ status: "SUCCEEDED" });
    expect((await sandbox.queryRefund(ctx, { outTradeNo: "R1", outRefundNo: "R1-z" })).status).toBe("NOT_FOUND");
    expect(await sandbox.refund(ctx, { outTradeNo: "nope", outRefundNo: "x", refundMinor: 1n, totalMinor: 1n })).toMatchObject({ status: "FAILED", failure: { code: "TRADE_NOT_FOUND" } });
  });

  it("refuse a declined trade", async () => {
    const ctx = account();
    await sandbox.pay(ctx, payment("R2", 1001n));
    expect(await sandbox.refund(ctx, { outTradeNo: "R2", outRefundNo: "R2-a", refundMinor: 1n, totalMinor: 1001n })).toMatchObject({ status: "FAILED", failure: { code: "TRADE_NOT_PAID" } });
  });
});

describe("sandbox statement", () => {
  it("lists the account's paid trades of the Beijing day with half-up fees", async () => {
    let clock = new Date("2024-03-10T01:00:00Z"); // 09:00 Beijing, 10 March
    const ctx = account({ feeRatePpm: "6000" }, {}, () => clock);
    await sandbox.pay(ctx, payment("S1", 1000n)); // fee 6
    await sandbox.pay(ctx, payment("S2", 2550n)); // 15.3 → 15
    await sandbox.pay(ctx, payment("S3", 1250n)); // 7.5 → 8
    await sandbox.pay(ctx, payment("S4", 1001n)); // declined: not listed
    await sandbox.pay(ctx, payment("S5", 902n)); // pending: not listed until paid
    await sandbox.pay(account({}, {}, () => clock), payment("S6", 5000n)); // another account
    clock = new Date("2024-03-10T16:30:00Z"); // 00:30 Beijing, 11 March
    await sandbox.pay(ctx, payment("S7", 3000n)); // the next day

    const file = await sandbox.downloadStatement(ctx, { billDate: "2024-03-10", billType: "ALL" });
    expect(file.contentType).toBe("text/csv; charset=utf-8");
    const [header, ...rows] = file.bytes.toString("utf8").trimEnd().split("\n");
    expect(header).toBe("trade_no,out_trade_no,status,amount_fen,fee_fen,paid_at");
    const cells = rows.map((r) => r.split(","));
    expect(cells.map((c) => c[1])).toEqual(["S1", "S2", "S3"]);
    expect(cells.map((c) => c[4])).toEqual(["6", "15", "8"]);
    expect(cells.reduce((sum, c) => sum + BigInt(c[3] ?? "0"), 0n)).toBe(4800n);
    expect(cells.reduce((sum, c) => sum + BigInt(c[4] ?? "0"), 0n)).toBe(29n);
    expect(cells[0]?.[5]).toBe("2024-03-10T09:00:00+08:00");
    expect(cells[0]?.[2]).toBe("SUCCESS");

    const nextDay = await sandbox.downloadStatement(ctx, { billDate: "2024-03-11", billType: "ALL" });
    expect(nextDay.bytes.toString("utf8").trimEnd().split("\n").slice(1).map((r) => r.split(",")[1])).toEqual(["S7"]);
  });

  it("uses 6000 ppm by default and refuses a bad rate", async () => {
    const clock = () => new Date("2024-03-10T01:00:00Z");
    const ctx = account({}, {}, clock);
    await sandbox.pay(ctx, payment("D1", 250n)); // 1.5 → 2
    const file = await sandbox.downloadStatement(ctx, { billDate: "2024-03-10", billType: "ALL" });
    expect(file.bytes.toString("utf8")).toContain(",D1,SUCCESS,250,2,");
    await expect(sandbox.downloadStatement(account({ feeRatePpm: "1.5%" }), { billDate: "2024-03-10", billType: "ALL" })).rejects.toMatchObject({ code: "CONFIG_INVALID" });
  });
});

describe("sandbox notifications", () => {
  const body = JSON.stringify({ eventId: "evt-1", kind: "PAYMENT", outTradeNo: "N1", channelTradeNo: "SBX1", status: "SUCCEEDED", amountMinor: 1000, occurredAt: "2024-03-10T01:00:00Z", subMerchant: "m-1" });
  const ctx = account({}, { notifySecret: "s3cret" });

  it("accepts a body signed with the account's notifySecret", async () => {
    const parsed = await sandbox.parseNotification(ctx, { headers: { [SANDBOX_SIGNATURE_HEADER]: sandboxNotificationSignature(body, "s3cret") }, body, receivedAt: new Date() });
    expect(parsed).toMatchObject({ kind: "PAYMENT", eventId: "evt-1", outTradeNo: "N1", status: "SUCCEEDED", amountMinor: 1000n, subMerchant: "m-1" });
    expect(parsed.occurredAt?.toISOString()).toBe("2024-03-10T01:00:00.000Z");
    expect(sandbox.notificationAck(true)).toMatchObject({ status: 200, body: "ok" });
    expect(sandbox.notificationAck(false).status).toBe(500);
  });

  it("refuses a wrong, missing or keyless signature", async () => {
    const refuse = async (c: ConnectorContext, headers: Record<string, string>, b = body) => {
      const error = await sandbox.parseNotification(c, { headers, body: b, receivedAt: new Date() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChannelError);
      return (error as ChannelError).code;
    };
    expect(await refuse(ctx, { [SANDBOX_SIGNATURE_HEADER]: sandboxNotificationSignature(body, "other") })).toBe("SIGNATURE_INVALID");
    expect(await refuse(ctx, {})).toBe("SIGNATURE_INVALID");
    expect(await refuse(ctx, { [SANDBOX_SIGNATURE_HEADER]: sandboxNotificationSignature(body, "s3cret") }, body.replace("1000", "9000"))).toBe("SIGNATURE_INVALID");
    expect(await refuse(account(), { [SANDBOX_SIGNATURE_HEADER]: sandboxNotificationSignature(body, "s3cret") })).toBe("SIGNATURE_INVALID");
    const junk = "not json";
    expect(await refuse(ctx, { [SANDBOX_SIGNATURE_HEADER]: sandboxNotificationSignature(junk, "s3cret") }, junk)).toBe("MALFORMED");
  });
});

describe("sandbox face auth info", () => {
  it("is valid for one hour", async () => {
    const at = new Date("2024-03-10T01:00:00Z");
    const result = await sandbox.faceAuthInfo?.(account({}, {}, () => at), { rawdata: "raw", deviceId: "d", storeId: "s", storeName: "店" });
    expect(result?.authinfo).toMatch(/^SANDBOX-AUTHINFO-/);
    expect(result?.expiresAt.toISOString()).toBe("2024-03-10T02:00:00.000Z");
  });
});
