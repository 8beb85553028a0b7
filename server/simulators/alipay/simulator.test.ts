import { createPublicKey, createSign, createVerify, generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { crc32, inflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { billLines, detailCsv, type BillInput } from "./bill";
import { encodeGbk } from "./gbk";
import { startAlipaySimulator, type AlipayNotificationRecord, type AlipaySimulator } from "./simulator";
import { writeZip } from "./zip";

// The simulator on its own, spoken to with the test's own signing: what it accepts and refuses,
// what it signs, and the file formats it writes.

describe("GBK encoder", () => {
  it("round-trips through the platform's GBK decoder", () => {
    const text = "#支付宝业务明细查询\r\n订单金额（元）,商家实收（元）,退款批次号/请求号\t,刷脸消费,一号店,*三(138****0000) €";
    expect(new TextDecoder("gbk").decode(encodeGbk(text))).toBe(text);
    expect(encodeGbk("（").equals(Buffer.from([0xa3, 0xa8]))).toBe(true);
    expect(encodeGbk("a😀b").toString("latin1")).toBe("a?b");
  });
});

describe("zip writer", () => {
  it("writes entries another reader can inflate, with GBK names and correct CRCs", () => {
    const data = Buffer.from("x".repeat(1000) + "tail");
    const zip = writeZip([
      { name: encodeGbk("账单_业务明细.csv"), data, modifiedAt: new Date("2024-01-02T02:00:00Z") },
      { name: Buffer.from("empty.txt"), data: Buffer.alloc(0), modifiedAt: new Date("2024-01-02T02:00:00Z") },
    ]);
    const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    expect(zip.readUInt16LE(end + 10)).toBe(2);
    let at = zip.readUInt32LE(end + 16);
    const names: string[] = [];
    const contents: Buffer[] = [];
    for (let i = 0; i < 2; i += 1) {
      expect(zip.readUInt32LE(at)).toBe(0x02014b50);
      expect(zip.readUInt16LE(at + 8) & 0x0800).toBe(0); // not flagged UTF-8: the names are GBK
      const nameLength = zip.readUInt16LE(at + 28);
      names.push(new TextDecoder("gbk").decode(zip.subarray(at + 46, at + 46 + nameLength)));
      const local = zip.readUInt32LE(at + 42);
      expect(zip.readUInt32LE(local)).toBe(0x04034b50);
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const content = inflateRawSync(zip.subarray(start, start + zip.readUInt32LE(at + 20)));
      expect(crc32(content) >>> 0).toBe(zip.readUInt32LE(at + 16));
      // 2024-01-02 10:00:00 in GMT+8 as an MS-DOS time.
      expect(zip.readUInt16LE(at + 12)).toBe(10 << 11);
      expect(zip.readUInt16LE(at + 14)).toBe(((2024 - 1980) << 9) | (1 << 5) | 2);
      contents.push(content);
      at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    }
    expect(names).toEqual(["账单_业务明细.csv", "empty.txt"]);
    expect(contents[0]?.equals(data)).toBe(true);
    expect(contents[1]?.length).toBe(0);
  });
});

describe("业务明细 rows", () => {
  const at = (text: string) => new Date(`${text.replace(" ", "T")}+08:00`);
  const input: BillInput = {
    userId: "20880000000000000156",
    billDate: "2024-01-01",
    trades: [
      {
        tradeNo: "2024010122001400001000000001",
        outTradeNo: "FP20240101000001",
        subject: "刷脸消费",
        createdAt: at("2024-01-01 12:00:01"),
        paidAt: at("2024-01-01 12:00:05"),
        storeId: "S001",
        storeName: "一号店",
        terminalId: "SN8A1F0001",
        buyerLogonId: "*三(138****0000)",
        amountMinor: 1000n,
        feeMinor: 6n,
        refunds: [{ outRequestNo: "RF20240101000001", amountMinor: 500n, feeReturnedMinor: 3n, createdAt: at("2024-01-01 15:30:00"), succeededAt: at("2024-01-01 15:30:02") }],
      },
    ],
    diffs: [],
    previousDayDiffs: [],
    exportedAt: at("2024-01-02 10:00:00"),
    feeRatePpm: 6000,
    newTradeNo: () => "2024010122001400001000009999",
  };

  it("match the sample rows of channels.md §2.4 character for character", () => {
    const csv = detailCsv(input, billLines(input)).split("\r\n");
    expect(csv).toContain(
      "2024010122001400001000000001\t,FP20240101000001\t,交易\t,刷脸消费,2024-01-01 12:00:01,2024-01-01 12:00:05,S001\t,一号店\t,\t,SN8A1F0001\t,*三(138****0000)\t,10.00,10.00,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,\t,-0.06,0.00,",
    );
    expect(csv).toContain(
      "2024010122001400001000000001\t,FP20240101000001\t,退款\t,刷脸消费,2024-01-01 15:30:00,2024-01-01 15:30:02,S001\t,一号店\t,\t,SN8A1F0001\t,*三(138****0000)\t,-5.00,-5.00,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,RF20240101000001\t,0.03,0.00,",
    );
    expect(csv.slice(0, 4)).toEqual([
      "#支付宝业务明细查询",
      "#账号：[20880000000000000156]",
      "#起始日期：[2024年01月01日 00:00:00]   终止日期：[2024年01月02日 00:00:00]",
      "#-----------------------------------------业务明细列表----------------------------------------",
    ]);
    expect(csv).toContain("#交易合计：1笔，商家实收共10.00元，商家优惠共0.00元");
    expect(csv).toContain("#退款合计：1笔，商家实收退款共-5.00元，商家优惠退款共0.00元");
    expect(csv).toContain("#导出时间：[2024年01月02日 10:00:00]");
  });

  it("move a `late` line to the next day's bill", () => {
    const late = { ...input, diffs: [{ kind: "late" as const, outTradeNo: "FP20240101000001" }] };
    expect(billLines(late).map((line) => line.label)).toEqual(["退款"]);
    const nextDay = { ...input, billDate: "2024-01-02", diffs: [], previousDayDiffs: late.diffs };
    expect(billLines(nextDay).map((line) => [line.label, line.outTradeNo])).toEqual([["交易", "FP20240101000001"]]);
  });
});

// ---- the gateway, signed by the test's own hand -----------------------------------------------

let sim: AlipaySimulator;
const app = generateKeyPairSync("rsa", { modulusLength: 2048 });
const appId = "2021000000000042";
let platformKey: ReturnType<typeof createPublicKey>;

beforeAll(async () => {
  sim = await startAlipaySimulator({ notifyRetryMs: [40, 40, 40] });
  const registered = await fetch(`${sim.url}/__sim/alipay/apps`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ appId, publicKeyPem: app.publicKey.export({ type: "spki", format: "pem" }) }),
  });
  expect(registered.status).toBe(200);
  const { alipayPublicKeyPem } = (await (await fetch(`${sim.url}/__sim/alipay/platform`)).json()) as { alipayPublicKeyPem: string };
  platformKey = createPublicKey(alipayPublicKeyPem);
});

afterAll(async () => {
  await sim.close();
});

function signedParams(params: Record<string, string>, options: { omitSignTypeFromSign?: boolean } = {}): URLSearchParams {
  const content = Object.keys(params)
    .filter((key) => params[key] !== "" && !(options.omitSignTypeFromSign && key === "sign_type"))
    .sort()
    .map((key) => `${key}=${params[key] ?? ""}`)
    .join("&");
  return new URLSearchParams({ ...params, sign: createSign("RSA-SHA256").update(content).sign(app.privateKey, "base64") });
}

function common(method: string, biz: object): Record<string, string> {
  return { app_id: appId, method, format: "JSON", charset: "utf-8", sign_type: "RSA2", timestamp: "2024-01-01 12:00:00", version: "1.0", biz_content: JSON.stringify(biz) };
}

async function call(body: URLSearchParams): Promise<{ key: string; inner: Record<string, unknown>; verified: boolean }> {
  const response = await fetch(`${sim.url}/gateway.do`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: body.toString() });
  const text = await response.text();
  const match = /^\{"([a-z_]+)":(\{.*\}),"sign":"([^"]+)"\}$/.exec(text);
  expect(match).not.toBeNull();
  const [, key = "", inner = "", sign = ""] = match ?? [];
  const verified = createVerify("RSA-SHA256").update(inner).verify(platformKey, sign, "base64");
  return { key, inner: JSON.parse(inner) as Record<string, unknown>, verified };
}

describe("gateway.do", () => {
  it("accepts a request signed with sign_type included and signs its answer over the raw response", async () => {
    const answer = await call(signedParams(common("alipay.trade.query", { out_trade_no: "NOPE1" })));
    expect(answer).toMatchObject({ key: "alipay_trade_query_response", verified: true, inner: { code: "40004", sub_code: "ACQ.TRADE_NOT_EXIST" } });
  });

  it("refuses a signature made without sign_type, a wrong key, a missing signature and an unknown app", async () => {
    const withoutSignType = await call(signedParams(common("alipay.trade.query", { out_trade_no: "NOPE2" }), { omitSignTypeFromSign: true }));
    expect(withoutSignType).toMatchObject({ verified: true, inner: { code: "40002", sub_code: "isv.invalid-signature" } });

    const tampered = signedParams(common("alipay.trade.query", { out_trade_no: "NOPE3" }));
    tampered.set("biz_content", JSON.stringify({ out_trade_no: "NOPE4" }));
    expect((await call(tampered)).inner).toMatchObject({ code: "40002", sub_code: "isv.invalid-signature" });

    const unsigned = signedParams(common("alipay.trade.query", {}));
    unsigned.delete("sign");
    expect((await call(unsigned)).inner).toMatchObject({ code: "40001", sub_code: "isv.missing-signature" });

    expect((await call(signedParams({ ...common("alipay.trade.query", {}), app_id: "2021000000000999" }))).inner).toMatchObject({ code: "40002", sub_code: "isv.invalid-app-id" });
    expect((await call(signedParams(common("alipay.no.such.method", {})))).key).toBe("error_response");
  });

  it("takes common parameters from the query string and the rest from the form body", async () => {
    const all = signedParams(common("alipay.trade.pay", { out_trade_no: "SPLIT1", scene: "bar_code", auth_code: "281234567890123456", total_amount: "1.00", subject: "x" }));
    const query = new URLSearchParams();
    const body = new URLSearchParams();
    for (const [key, value] of all) (key === "biz_content" ? body : query).set(key, value);
    const response = await fetch(`${sim.url}/gateway.do?${query.toString()}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: body.toString() });
    expect(await response.text()).toContain('"code":"10000"');
    expect(sim.state.trades.get("SPLIT1")?.status).toBe("SUCCESS");
  });

  it("retries a notification until the answer is exactly `success`", async () => {
    const answers = ["success ", "SUCCESS", "success"];
    const seen: string[] = [];
    const target = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        seen.push(body);
        res.end(answers[seen.length - 1] ?? "success");
      });
    });
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/n`;
      const pay = signedParams({ ...common("alipay.trade.precreate", { out_trade_no: "QRN1", total_amount: "2.00", subject: "qr" }), notify_url: url });
      expect((await call(pay)).inner).toMatchObject({ code: "10000", out_trade_no: "QRN1" });
      const deadline = Date.now() + 3000;
      let record: AlipayNotificationRecord | undefined;
      while (!record?.acknowledged && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        record = sim.notifications().find((n) => n.outTradeNo === "QRN1");
      }
      expect(record?.attempts.map((a) => a.response)).toEqual(["success ", "SUCCESS", "success"]);
      expect(new Set(seen).size).toBe(1);
      // Signed over every field but sign and sign_type.
      const fields = Object.fromEntries(new URLSearchParams(seen[0]));
      const content = Object.keys(fields)
        .filter((key) => key !== "sign" && key !== "sign_type")
        .sort()
        .map((key) => `${key}=${fields[key] ?? ""}`)
        .join("&");
      expect(createVerify("RSA-SHA256").update(content).verify(platformKey, fields.sign ?? "", "base64")).toBe(true);
      expect(fields).toMatchObject({ notify_type: "trade_status_sync", trade_status: "TRADE_SUCCESS", total_amount: "2.00", app_id: appId });
    } finally {
      await new Promise<void>((resolve) => target.close(() => resolve()));
    }
  });
});
