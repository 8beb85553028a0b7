import { createSign, createVerify, generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimTrade } from "../harness";
import { fromXml, parseAuthorization, sealResource, toXml, wxSign } from "./protocol";
import { startWechatSimulator, type RunningWechatSimulator } from "./simulator";
import { renderTradeBill } from "./trade-bill";

// The simulator on its own: its crypto against the published vectors (reference/channels.md
// §1.4, §1.5.1), its refusals over raw HTTP, and the bill's exact bytes. Requests here are signed
// inline with node:crypto so that nothing is borrowed from the connector.

describe("simulator crypto against the published vectors", () => {
  it("seals the AES-256-GCM vector to the published ciphertext", () => {
    const plaintext =
      '{"sp_appid":"wx8888888888888888","sp_mchid":"1230000109","sub_appid":"wxd678efh567hg6999","sub_mchid":"1900000109","out_trade_no":"FP20240101000001","transaction_id":"4200000000202401010000000001","trade_type":"MICROPAY","trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"OTHERS","attach":"","success_time":"2024-01-01T12:00:05+08:00","payer":{"sp_openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o","sub_openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},"amount":{"total":100,"payer_total":100,"currency":"CNY","payer_currency":"CNY"}}';
    const sealed = sealResource("0123456789abcdefghijklmnopqrstuv", plaintext, "transaction", "fdasflkja484");
    expect(sealed.ciphertext.startsWith("kdUs4zcMY7MuqMys7Y06iR3kbHY3H240eYADh5O/TC1pjjEhVIWDF7CttdzQUJDaqiPfn0irDL73VZisi9sWAmjpXHC/")).toBe(true);
    expect(sealed.ciphertext.endsWith("ETBfY3e2xL9B")).toBe(true);
  });

  it("signs the official v2 example with MD5 and HMAC-SHA256", () => {
    const fields = { appid: "wxd930ea5d5a258f4f", mch_id: "10000100", device_info: "1000", body: "test", nonce_str: "ibuaiVcKdpRxkhJA" };
    expect(wxSign(fields, "192006250b4c09247ec02edce69f6a2d", "MD5")).toBe("9A0A8659F005D6984697E2CA0A9CF3B7");
    expect(wxSign(fields, "192006250b4c09247ec02edce69f6a2d", "HMAC-SHA256")).toBe("6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6");
  });

  it("reads Authorization pairs in either SDK's order", () => {
    const go = parseAuthorization('WECHATPAY2-SHA256-RSA2048 mchid="1900000001",nonce_str="N",timestamp="1554208460",serial_no="S",signature="X=="');
    const axios = parseAuthorization('WECHATPAY2-SHA256-RSA2048 mchid="1900000001",serial_no="S",timestamp="1554208460",nonce_str="N",signature="X=="');
    expect(go).toEqual(axios);
    expect(typeof parseAuthorization('Bearer mchid="1"')).toBe("string");
    expect(typeof parseAuthorization('WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="N"')).toBe("string");
  });

  it("round-trips v2 XML and refuses a DOCTYPE", () => {
    const fields = { return_code: "SUCCESS", total_fee: "100", body: "a]]>b <c> & d" };
    expect(fromXml(toXml(fields))).toEqual(fields);
    expect(fromXml('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><xml><a>&e;</a></xml>')).toBeUndefined();
    expect(fromXml("<xml><a><b>1</b></a></xml>")).toBeUndefined();
  });
});

describe("simulator refusals over raw HTTP", () => {
  let sim: RunningWechatSimulator;
  const merchant = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const spMchId = "1230000109";
  const serialNo = "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C";
  const apiV2Key = "192006250b4c09247ec02edce69f6a2d";

  beforeAll(async () => {
    sim = await startWechatSimulator({ notifyDelayMs: 10 });
    const response = await fetch(`${sim.url}/__sim/wechat/merchants`, {
      method: "POST",
      body: JSON.stringify({ spMchId, serialNo, publicKeyPem: merchant.publicKey.export({ type: "spki", format: "pem" }), apiV3Key: "0123456789abcdefghijklmnopqrstuv", apiV2Key }),
    });
    expect(response.status).toBe(200);
  });

  afterAll(async () => {
    await sim.close();
  });

  function authorization(method: string, pathAndQuery: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
    const nonce = "593BEC0C930BF1AFEB40B4A08C8FB242";
    const signature = createSign("RSA-SHA256").update(`${method}\n${pathAndQuery}\n${timestamp}\n${nonce}\n${body}\n`).sign(merchant.privateKey, "base64");
    return `WECHATPAY2-SHA256-RSA2048 serial_no="${serialNo}",mchid="${spMchId}",timestamp="${timestamp}",nonce_str="${nonce}",signature="${signature}"`;
  }

  it("publishes its platform identity: a 40-hex serial and a PUB_KEY_ID_", async () => {
    const platform = (await (await fetch(`${sim.url}/__sim/wechat/platform`)).json()) as { serialNo: string; publicKeyId: string; publicKeyPem: string };
    expect(platform.serialNo).toMatch(/^[0-9A-F]{40}$/);
    expect(platform.publicKeyId).toMatch(/^PUB_KEY_ID_\d+$/);
    expect(platform.publicKeyPem).toContain("BEGIN PUBLIC KEY");
  });

  it("answers a correctly signed query, signed with the platform key under the identifier asked for", async () => {
    const path = `/v3/pay/partner/transactions/out-trade-no/NONE?sp_mchid=${spMchId}&sub_mchid=1900000109`;
    const response = await fetch(sim.url + path, { headers: { Authorization: authorization("GET", path, ""), "Wechatpay-Serial": sim.platform.publicKeyId } });
    expect(response.status).toBe(404);
    const body = await response.text();
    expect(JSON.parse(body)).toEqual({ code: "ORDER_NOT_EXIST", message: "订单不存在" });
    expect(response.headers.get("wechatpay-serial")).toBe(sim.platform.publicKeyId);
    const message = `${response.headers.get("wechatpay-timestamp")}\n${response.headers.get("wechatpay-nonce")}\n${body}\n`;
    expect(createVerify("RSA-SHA256").update(message).verify(sim.platform.publicKeyPem, response.headers.get("wechatpay-signature") ?? "", "base64")).toBe(true);
  });

  it("401 SIGN_ERROR for a missing, forged, re-targeted or stale Authorization", async () => {
    const path = `/v3/pay/partner/transactions/out-trade-no/NONE?sp_mchid=${spMchId}&sub_mchid=1900000109`;
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: authorization("GET", path, "").replace(/signature="[^"]+"/, 'signature="AAAA"') },
      { Authorization: authorization("GET", "/v3/pay/partner/transactions/out-trade-no/OTHER", "") },
      { Authorization: authorization("GET", path, "", Math.floor(Date.now() / 1000) - 301) },
    ];
    for (const headers of attempts) {
      const response = await fetch(sim.url + path, { headers });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { code: string }).code).toBe("SIGN_ERROR");
    }
  });

  it("v2: a bad sign is return_code=FAIL; a good one is answered and signed", async () => {
    const fields: Record<string, string> = {
      appid: "wx8888888888888888",
      mch_id: spMchId,
      sub_mch_id: "1900000109",
      nonce_str: "ibuaiVcKdpRxkhJA",
      sign_type: "MD5",
      body: "刷脸消费",
      out_trade_no: "RAW0001",
      total_fee: "100",
      spbill_create_ip: "127.0.0.1",
      auth_code: "134567890123456789",
    };
    const post = async (xml: string) => fromXml(await (await fetch(`${sim.url}/pay/micropay`, { method: "POST", body: xml })).text());
    const forged = await post(toXml({ ...fields, sign: "0".repeat(32) }));
    expect(forged).toMatchObject({ return_code: "FAIL", return_msg: "签名错误" });
    expect(sim.state.trades.has("RAW0001")).toBe(false);

    const answer = await post(toXml({ ...fields, sign: wxSign(fields, apiV2Key, "MD5") }));
    expect(answer).toMatchObject({ return_code: "SUCCESS", result_code: "SUCCESS", total_fee: "100", trade_type: "MICROPAY" });
    expect(answer?.sign).toBe(wxSign(answer ?? {}, apiV2Key, "MD5"));
    expect(await post("<xml><mch_id>nobody</mch_id></xml>")).toMatchObject({ return_code: "FAIL" });
  });

  it("control plane: unknown faults and short APIv3 keys are refused", async () => {
    expect((await fetch(`${sim.url}/__sim/wechat/faults`, { method: "POST", body: JSON.stringify({ fault: "nope" }) })).status).toBe(400);
    expect((await fetch(`${sim.url}/__sim/wechat/faults`, { method: "POST", body: JSON.stringify({ fault: "bill_hash_mismatch" }) })).status).toBe(200);
    const shortKey = await fetch(`${sim.url}/__sim/wechat/merchants`, {
      method: "POST",
      body: JSON.stringify({ spMchId: "1", serialNo: "S", publicKeyPem: merchant.publicKey.export({ type: "spki", format: "pem" }), apiV3Key: "short", apiV2Key: "k" }),
    });
    expect(shortKey.status).toBe(400);
  });
});

describe("trade bill bytes", () => {
  const paidAt = new Date("2024-01-01T04:00:05Z"); // 12:00:05 Beijing
  const trade = (overrides: Partial<SimTrade>): SimTrade => ({
    outTradeNo: "FP20240101000001",
    channelTradeNo: "4200000000202401010000000001",
    merchant: "1230000109",
    subMerchant: "1900000109",
    amountMinor: 1000n,
    feeMinor: 4n,
    status: "SUCCESS",
    product: "WECHAT_FACE",
    description: "刷脸消费",
    deviceId: "SN8A1F0001",
    createdAt: paidAt,
    paidAt,
    pollsLeft: 0,
    refunds: [],
    ...overrides,
  });

  it("prints the documented layout: BOM, CRLF, backticks, yuan, five-decimal fees, negative refund fee, summed totals", () => {
    const first = trade({
      refunds: [{ outRefundNo: "RF20240101000001", channelRefundNo: "50300000002024010100000001", amountMinor: 500n, status: "SUCCEEDED", createdAt: new Date("2024-01-01T07:30:00Z") }],
    });
    const second = trade({ outTradeNo: "FP20240101000002", channelTradeNo: "4200000000202401010000000002", amountMinor: 2550n, feeMinor: 10n, paidAt: new Date("2024-01-01T04:10:00Z"), deviceId: "SN8A1F0002" });
    const yesterday = trade({ outTradeNo: "FP20231231000009", paidAt: new Date("2023-12-31T15:59:59Z") }); // 23:59:59 Beijing, the day before
    const bytes = renderTradeBill({
      billDate: "2024-01-01",
      billType: "ALL",
      spMchId: "1230000109",
      spAppId: "wx8888888888888888",
      trades: [first, second, yesterday].map((item) => ({ trade: item, spAppId: "wx8888888888888888", openId: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", tradeType: "MICROPAY" })),
      diffs: [],
      previousDayDiffs: [],
      feeRatePpm: 3800,
      newChannelTradeNo: () => "unused",
    });
    const expected =
      "\uFEFF交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注\r\n" +
      "`2024-01-01 12:00:05,`wx8888888888888888,`1230000109,`1900000109,`SN8A1F0001,`4200000000202401010000000001,`FP20240101000001,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`MICROPAY,`SUCCESS,`OTHERS,`CNY,`10.00,`0.00,`0,`0,`0.00,`0.00,`,`,`刷脸消费,`,`0.04000,`0.38%,`10.00,`0.00,`\r\n" +
      "`2024-01-01 12:10:00,`wx8888888888888888,`1230000109,`1900000109,`SN8A1F0002,`4200000000202401010000000002,`FP20240101000002,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`MICROPAY,`SUCCESS,`OTHERS,`CNY,`25.50,`0.00,`0,`0,`0.00,`0.00,`,`,`刷脸消费,`,`0.10000,`0.38%,`25.50,`0.00,`\r\n" +
      "`2024-01-01 15:30:00,`wx8888888888888888,`1230000109,`1900000109,`SN8A1F0001,`4200000000202401010000000001,`FP20240101000001,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`MICROPAY,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50300000002024010100000001,`RF20240101000001,`5.00,`0.00,`ORIGINAL,`SUCCESS,`刷脸消费,`,`-0.02000,`0.38%,`0.00,`5.00,`\r\n" +
      "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n" +
      "`3,`35.50,`5.00,`0.00,`0.12000,`35.50,`5.00\r\n";
    expect(bytes?.toString("utf8")).toBe(expected);
    expect([...(bytes ?? Buffer.alloc(0)).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });
});
