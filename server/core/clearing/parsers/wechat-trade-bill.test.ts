import { describe, expect, it } from "vitest";
import type { SimTrade, StatementDiff } from "@/server/simulators/harness";
import { renderTradeBill, type BillType } from "@/server/simulators/wechat/trade-bill";
import { StatementFormatError } from "./types";
import { expectSameReading, readUntilRefused } from "./stream.testing";
import { parseWechatTradeBill, streamWechatTradeBill } from "./wechat-trade-bill";

// The parser against bills written by the WeChat simulator: two independent implementations of
// channels.md §1.6 that have to agree byte for byte. Broken files are the simulator's output edited
// by hand, so each test changes one thing.

const SP_MCHID = "1230000109";
const SP_APPID = "wx8888888888888888";

function trade(overrides: Partial<SimTrade> & Pick<SimTrade, "outTradeNo" | "channelTradeNo" | "subMerchant" | "amountMinor" | "feeMinor" | "paidAt">): SimTrade {
  return {
    merchant: SP_MCHID,
    status: "SUCCESS",
    product: "WECHAT_FACE",
    description: "刷脸消费",
    deviceId: "SN8A1F0001",
    createdAt: overrides.paidAt ?? new Date(0),
    pollsLeft: 0,
    refunds: [],
    ...overrides,
  };
}

// 2024-03-15 in Beijing. Fees at 0.38%; a refund hands back its share of the fee, to the fen.
const trades: SimTrade[] = [
  trade({
    outTradeNo: "FP001",
    channelTradeNo: "4200000000202403150000000001",
    subMerchant: "1900000109",
    amountMinor: 10_000n,
    feeMinor: 38n,
    paidAt: new Date("2024-03-15T01:00:00Z"),
    refunds: [
      { outRefundNo: "RF001", channelRefundNo: "50300000002024031500000001", amountMinor: 3_000n, status: "SUCCEEDED", createdAt: new Date("2024-03-15T03:00:00Z"), succeededAt: new Date("2024-03-15T03:00:05Z") },
      { outRefundNo: "RF002", channelRefundNo: "50300000002024031500000002", amountMinor: 2_000n, status: "PROCESSING", createdAt: new Date("2024-03-15T05:00:00Z") },
    ],
  }),
  trade({ outTradeNo: "FP002", channelTradeNo: "4200000000202403150000000002", subMerchant: "1900000110", amountMinor: 2_550n, feeMinor: 10n, paidAt: new Date("2024-03-15T02:10:00Z") }),
  trade({ outTradeNo: "FP003", channelTradeNo: "4200000000202403150000000003", subMerchant: "1900000110", amountMinor: 888n, feeMinor: 3n, paidAt: new Date("2024-03-15T04:00:00Z"), status: "REVOKED" }),
  trade({ outTradeNo: "FP005", channelTradeNo: "4200000000202403150000000005", subMerchant: "1900000111", amountMinor: 1n, feeMinor: 0n, paidAt: new Date("2024-03-15T06:00:00Z"), deviceId: "SN8A1F0002" }),
];

// A 3.00 yuan non-recharge coupon on FP002: 应结订单金额 22.50 against 订单金额 25.50.
const couponOnFp002: StatementDiff = { kind: "coupon", outTradeNo: "FP002", deltaMinor: 300 };

function bill(billType: BillType, options: { subMchId?: string } = {}): Buffer {
  const bytes = renderTradeBill({
    billDate: "2024-03-15",
    billType,
    spMchId: SP_MCHID,
    spAppId: SP_APPID,
    ...options,
    trades: trades.map((item) => ({ trade: item, spAppId: SP_APPID, openId: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", tradeType: "MICROPAY" })),
    diffs: [couponOnFp002],
    previousDayDiffs: [],
    feeRatePpm: 3800,
    newChannelTradeNo: () => "unused",
  });
  if (!bytes) throw new Error("the simulator wrote no bill");
  return bytes;
}

/** The bill as text without its BOM, to edit one thing, and back to bytes with the BOM. */
const textOf = (bytes: Buffer) => bytes.subarray(3).toString("utf8");
const withBom = (text: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]);

function edited(bytes: Buffer, from: string, to: string): Buffer {
  const text = textOf(bytes);
  expect(text.split(from)).toHaveLength(2); // the edit hits exactly one place
  return withBom(text.replace(from, to));
}

function failure(bytes: Buffer): StatementFormatError {
  try {
    parseWechatTradeBill(bytes);
  } catch (error) {
    if (error instanceof StatementFormatError) return error;
    throw error;
  }
  throw new Error("the parser accepted the file");
}

const fp001 = { outTradeNo: "FP001", channelTradeNo: "4200000000202403150000000001", subMerchant: "1900000109" };
const fp002 = { outTradeNo: "FP002", channelTradeNo: "4200000000202403150000000002", subMerchant: "1900000110" };
const fp003 = { outTradeNo: "FP003", channelTradeNo: "4200000000202403150000000003", subMerchant: "1900000110" };
const fp005 = { outTradeNo: "FP005", channelTradeNo: "4200000000202403150000000005", subMerchant: "1900000111" };
const rf001 = { ...fp001, outRefundNo: "RF001", channelRefundNo: "50300000002024031500000001" };
const rf002 = { ...fp001, outRefundNo: "RF002", channelRefundNo: "50300000002024031500000002" };

/** What the tests compare: the normalised line without its raw columns (checked separately). */
function normalised(parsed: ReturnType<typeof parseWechatTradeBill>) {
  return parsed.lines.map(({ raw: _raw, ...line }) => line);
}

describe("parseWechatTradeBill on the simulator's bills", () => {
  it("reads an ALL bill: payments, partial refunds, a coupon, a reversal, several sub-merchants", () => {
    const parsed = parseWechatTradeBill(bill("ALL"));
    expect(parsed.format).toBe("WECHAT_TRADE_BILL");
    expect(parsed.billType).toBe("ALL");
    expect(parsed.billDate).toBeUndefined(); // the bill does not print its date
    expect(normalised(parsed)).toEqual([
      { lineNo: 2, kind: "PAYMENT", occurredAt: "2024-03-15T09:00:00+08:00", ...fp001, status: "SUCCESS", amountMinor: 10_000n, settleableMinor: 10_000n, couponMinor: 0n, feeMinor: 38n },
      { lineNo: 3, kind: "PAYMENT", occurredAt: "2024-03-15T10:10:00+08:00", ...fp002, status: "SUCCESS", amountMinor: 2_550n, settleableMinor: 2_250n, couponMinor: 300n, feeMinor: 10n },
      { lineNo: 4, kind: "REFUND", occurredAt: "2024-03-15T11:00:00+08:00", ...rf001, status: "SUCCESS", amountMinor: -3_000n, settleableMinor: -3_000n, couponMinor: 0n, feeMinor: -11n },
      // A reversal keeps its amounts as printed (they are in the summary); its fee came back with it.
      { lineNo: 5, kind: "REVOKED", occurredAt: "2024-03-15T12:00:00+08:00", ...fp003, status: "REVOKED", amountMinor: 888n, settleableMinor: 888n, couponMinor: 0n, feeMinor: 0n },
      { lineNo: 6, kind: "REFUND", occurredAt: "2024-03-15T13:00:00+08:00", ...rf002, status: "PROCESSING", amountMinor: -2_000n, settleableMinor: -2_000n, couponMinor: 0n, feeMinor: -8n },
      { lineNo: 7, kind: "PAYMENT", occurredAt: "2024-03-15T14:00:00+08:00", ...fp005, status: "SUCCESS", amountMinor: 1n, settleableMinor: 1n, couponMinor: 0n, feeMinor: 0n },
    ]);
    // Summary: `6,`131.39,`50.00,`0.00,`0.29000,`134.39,`50.00
    const totals = { count: 6, amountMinor: 13_439n - 5_000n, settleableMinor: 13_139n - 5_000n, feeMinor: 29n, refundMinor: -5_000n };
    expect(parsed.declared).toEqual(totals);
    expect(parsed.computed).toEqual(totals);
  });

  it("keeps every column of a row in raw, backticks removed", () => {
    const refund = parseWechatTradeBill(bill("ALL")).lines[2];
    expect(refund?.raw).toMatchObject({
      交易时间: "2024-03-15 11:00:00",
      公众账号ID: SP_APPID,
      商户号: SP_MCHID,
      特约商户号: "1900000109",
      设备号: "SN8A1F0001",
      交易状态: "REFUND",
      退款金额: "30.00",
      退款类型: "ORIGINAL",
      退款状态: "SUCCESS",
      手续费: "-0.11000",
      费率: "0.38%",
      费率备注: "",
    });
    expect(Object.keys(refund?.raw ?? {})).toHaveLength(27);
  });

  it("reads a SUCCESS bill: payments and the reversal, no refund columns", () => {
    const parsed = parseWechatTradeBill(bill("SUCCESS"));
    expect(parsed.billType).toBe("SUCCESS");
    expect(normalised(parsed).map((line) => [line.lineNo, line.kind, line.outTradeNo, line.amountMinor, line.settleableMinor, line.feeMinor])).toEqual([
      [2, "PAYMENT", "FP001", 10_000n, 10_000n, 38n],
      [3, "PAYMENT", "FP002", 2_550n, 2_250n, 10n],
      [4, "REVOKED", "FP003", 888n, 888n, 0n],
      [5, "PAYMENT", "FP005", 1n, 1n, 0n],
    ]);
    const totals = { count: 4, amountMinor: 13_439n, settleableMinor: 13_139n, feeMinor: 48n };
    expect(parsed.declared).toEqual(totals);
    expect(parsed.computed).toEqual(totals);
  });

  it("reads a REFUND bill, timing each refund by 退款申请时间 rather than the payment's 交易时间", () => {
    const parsed = parseWechatTradeBill(bill("REFUND"));
    expect(parsed.billType).toBe("REFUND");
    expect(normalised(parsed)).toEqual([
      { lineNo: 2, kind: "REFUND", occurredAt: "2024-03-15T11:00:00+08:00", ...rf001, status: "SUCCESS", amountMinor: -3_000n, settleableMinor: -3_000n, couponMinor: 0n, feeMinor: -11n },
      { lineNo: 3, kind: "REFUND", occurredAt: "2024-03-15T13:00:00+08:00", ...rf002, status: "PROCESSING", amountMinor: -2_000n, settleableMinor: -2_000n, couponMinor: 0n, feeMinor: -8n },
    ]);
    expect(parsed.lines[0]?.raw).toMatchObject({ 交易时间: "2024-03-15 09:00:00", 退款申请时间: "2024-03-15 11:00:00", 退款成功时间: "2024-03-15 11:00:05" });
    expect(parsed.lines[1]?.raw.退款成功时间).toBe("");
    const totals = { count: 2, amountMinor: -5_000n, settleableMinor: -5_000n, feeMinor: -19n, refundMinor: -5_000n };
    expect(parsed.declared).toEqual(totals);
    expect(parsed.computed).toEqual(totals);
  });

  it("reads one sub-merchant's bill", () => {
    const parsed = parseWechatTradeBill(bill("ALL", { subMchId: "1900000110" }));
    expect(parsed.lines.map((line) => [line.subMerchant, line.outTradeNo, line.kind])).toEqual([
      ["1900000110", "FP002", "PAYMENT"],
      ["1900000110", "FP003", "REVOKED"],
    ]);
    expect(parsed.declared).toEqual({ count: 2, amountMinor: 3_438n, settleableMinor: 3_138n, feeMinor: 10n, refundMinor: 0n });
  });
});

describe("parseWechatTradeBill on hand-made bills", () => {
  const ALL_HEADER =
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注";
  const ALL_SUMMARY = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额";

  it("accepts an empty bill: only the headers and a zero summary", () => {
    const parsed = parseWechatTradeBill(withBom(`${ALL_HEADER}\r\n${ALL_SUMMARY}\r\n\`0,\`0.00,\`0.00,\`0.00,\`0.00000,\`0.00,\`0.00\r\n`));
    expect(parsed.lines).toEqual([]);
    const zero = { count: 0, amountMinor: 0n, settleableMinor: 0n, feeMinor: 0n, refundMinor: 0n };
    expect(parsed.declared).toEqual(zero);
    expect(parsed.computed).toEqual(zero);
  });

  it("reads summaries written as WeChat's own sample writes them (`45.0, `0.0, a two-decimal fee total)", () => {
    const row = "`2024-01-01 12:00:05,`wx8888888888888888,`1230000109,`0,`,`4200000000202401010000000001,`FP20240101000001,`oUpF8u,`MICROPAY,`SUCCESS,`OTHERS,`CNY,`0.47,`0.00,`0,`0,`0.00,`0.00,`,`,`刷脸消费,`,`0.00000,`0.60%,`0.47,`0.00,`";
    const parsed = parseWechatTradeBill(withBom(`${ALL_HEADER}\r\n${row}\r\n${ALL_SUMMARY}\r\n\`1.0,\`0.47,\`0.0,\`0.0,\`0.00,\`0.47,\`0.0\r\n`));
    expect(parsed.declared.count).toBe(1);
    // 特约商户号 "0" is a direct merchant: no sub-merchant.
    expect(parsed.lines[0]?.subMerchant).toBeUndefined();
    expect(parsed.lines[0]?.amountMinor).toBe(47n);
  });

  it("refuses a summary figure that is not the sum of its column, naming both", () => {
    const error = failure(edited(bill("ALL"), "`134.39,", "`134.40,"));
    expect(error.code).toBe("TOTALS_MISMATCH");
    expect(error.lineNo).toBe(9);
    expect(error.message).toBe("line 9: summary 订单总金额 is 134.40 but the 订单金额 of the detail rows adds up to 134.39");
  });

  it("refuses a summary whose count is not the number of rows", () => {
    const error = failure(edited(bill("ALL"), "\r\n`6,", "\r\n`7,"));
    expect(error).toMatchObject({ code: "TOTALS_MISMATCH", lineNo: 9, message: "line 9: summary 总交易单数 is 7 but the bill has 6 detail rows" });
  });

  it("refuses a wrong fee total", () => {
    const error = failure(edited(bill("ALL"), "`0.29000,", "`0.30000,"));
    expect(error).toMatchObject({ code: "TOTALS_MISMATCH", message: "line 9: summary 手续费总金额 is 0.30 but the 手续费 of the detail rows adds up to 0.29" });
  });

  it("refuses a malformed amount, naming the line and the column", () => {
    const error = failure(edited(bill("ALL"), "`25.50,", "`25.5O,"));
    expect(error).toMatchObject({ code: "MALFORMED_LINE", lineNo: 3, message: 'line 3: 订单金额 "25.5O" is not an amount in yuan with at most two decimals' });
  });

  it("refuses a fee with five decimals that is not a whole number of fen", () => {
    const error = failure(edited(bill("ALL"), "`0.38000,", "`0.38500,"));
    expect(error).toMatchObject({ code: "MALFORMED_LINE", lineNo: 2 });
    expect(error.message).toBe('line 2: 手续费 "0.38500" is not a whole number of fen (fees are rounded to the fen and padded with 000)');
  });

  it("refuses a row whose field count is not the header's", () => {
    const error = failure(edited(bill("ALL"), "`刷脸消费,`,`0.10000", "`刷脸消费,`0.10000"));
    expect(error).toMatchObject({ code: "MALFORMED_LINE", lineNo: 3, message: "line 3: a detail row with 26 fields; the header has 27" });
  });

  it("refuses a 交易状态 it cannot classify", () => {
    const error = failure(edited(bill("ALL"), "`MICROPAY,`REVOKED,", "`MICROPAY,`PAYERROR,"));
    expect(error).toMatchObject({ code: "UNSUPPORTED", lineNo: 5 });
  });

  it("refuses bytes that are not UTF-8, naming the line", () => {
    const text = textOf(bill("ALL"));
    const at = Buffer.byteLength(text.slice(0, text.indexOf("`2024-03-15 11:00:00")), "utf8") + 3;
    const bytes = bill("ALL");
    bytes[at + 5] = 0xff;
    expect(failure(bytes)).toMatchObject({ code: "ENCODING", lineNo: 4 });
  });

  it("refuses a bill cut off before its summary", () => {
    const text = textOf(bill("ALL"));
    const cut = text.slice(0, text.indexOf("总交易单数"));
    expect(failure(withBom(cut))).toMatchObject({ code: "MALFORMED_LINE", lineNo: 8, message: "line 8: the bill ends without its summary lines (a truncated download?)" });
  });

  it("refuses anything after the summary row", () => {
    expect(failure(withBom(`${textOf(bill("ALL"))}\`extra\r\n`))).toMatchObject({ code: "MALFORMED_LINE", lineNo: 10 });
  });

  it("refuses a refund figure on a payment row and an order figure on a refund row", () => {
    const payment = failure(edited(bill("ALL"), "`FP005,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`MICROPAY,`SUCCESS,`OTHERS,`CNY,`0.01,`0.00,`0,`0,`0.00,", "`FP005,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`MICROPAY,`SUCCESS,`OTHERS,`CNY,`0.01,`0.00,`0,`0,`0.01,"));
    expect(payment).toMatchObject({ code: "MALFORMED_LINE", lineNo: 7 });
    const refund = failure(edited(bill("ALL"), "`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50300000002024031500000002", "`REFUND,`OTHERS,`CNY,`0.01,`0.00,`50300000002024031500000002"));
    expect(refund).toMatchObject({ code: "MALFORMED_LINE", lineNo: 6 });
  });

  it("refuses what is not a trade bill", () => {
    expect(failure(Buffer.alloc(0))).toMatchObject({ code: "NOT_A_STATEMENT" });
    expect(failure(Buffer.from('{"code":"NO_STATEMENT_EXIST","message":"当日无交易，账单不存在"}'))).toMatchObject({ code: "NOT_A_STATEMENT" });
    // An Alipay 业务明细 csv: GBK, so its first line is not even UTF-8.
    expect(failure(Buffer.from([0x23, 0xd6, 0xa7, 0xb8, 0xb6, 0xb1, 0xa6, 0x0d, 0x0a]))).toMatchObject({ code: "NOT_A_STATEMENT" });
    expect(failure(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]))).toMatchObject({ code: "NOT_A_STATEMENT" });
  });

  it("refuses the pre-2018 layout rather than guess at it", () => {
    const legacy = "交易时间,公众账号ID,商户号,子商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,总金额,代金券或立减优惠金额,微信退款单号,商户退款单号,退款金额,代金券或立减优惠退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率";
    expect(failure(withBom(`${legacy}\r\n总交易单数,总交易额,总退款金额,总代金券或立减优惠退款金额,手续费总金额\r\n\`0,\`0.00,\`0.00,\`0.00,\`0.00000\r\n`))).toMatchObject({ code: "UNSUPPORTED", lineNo: 1 });
  });

  it("refuses a summary column it cannot check", () => {
    const error = failure(withBom(`${ALL_HEADER}\r\n${ALL_SUMMARY},新总金额\r\n\`0,\`0.00,\`0.00,\`0.00,\`0.00000,\`0.00,\`0.00,\`0.00\r\n`));
    expect(error).toMatchObject({ code: "UNSUPPORTED", lineNo: 2 });
  });
});

describe("streamWechatTradeBill (import reads a bill line by line, twice)", () => {
  it("yields the lines parseWechatTradeBill returns and the bill's facts once done", () => {
    for (const type of ["ALL", "SUCCESS", "REFUND"] as const) expectSameReading(streamWechatTradeBill(bill(type)), parseWechatTradeBill(bill(type)));
  });

  it("yields every row before it refuses a summary the rows do not add up to", () => {
    const { yielded, error } = readUntilRefused(streamWechatTradeBill(edited(bill("ALL"), "`134.39,", "`134.40,")));
    expect(yielded).toEqual([2, 3, 4, 5, 6, 7]);
    expect(error.message).toBe("line 9: summary 订单总金额 is 134.40 but the 订单金额 of the detail rows adds up to 134.39");
  });
});
