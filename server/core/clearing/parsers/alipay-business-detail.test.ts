import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import type { StatementDiff } from "@/server/simulators/harness";
import { billLines, billZip, detailCsv, summaryCsv, type BillInput } from "@/server/simulators/alipay/bill";
import { encodeGbk } from "@/server/simulators/alipay/gbk";
import { writeZip } from "@/server/simulators/alipay/zip";
import { parseAlipayBusinessDetail, streamAlipayBusinessDetail } from "./alipay-business-detail";
import { expectSameReading, readUntilRefused } from "./stream.testing";
import { StatementFormatError } from "./types";
import { readZip } from "./zip";

// The parser against bills written by the Alipay simulator (its GBK encoder and zip writer too):
// two independent implementations of channels.md §2.4 that have to agree. Broken files are the
// simulator's csv edited by hand and zipped again, so each test changes one thing.

const at = (beijing: string) => new Date(`${beijing.replace(" ", "T")}+08:00`);
const USER_ID = "20881234567890120156";

const input: BillInput = {
  userId: USER_ID,
  billDate: "2024-03-15",
  trades: [
    {
      tradeNo: "2024031522001400001000000001",
      outTradeNo: "FP101",
      subject: "刷脸消费",
      createdAt: at("2024-03-15 09:59:58"),
      paidAt: at("2024-03-15 10:00:00"),
      storeId: "S001",
      storeName: "一号店",
      terminalId: "SN8A1F0001",
      buyerLogonId: "*三(138****0000)",
      amountMinor: 10_000n,
      feeMinor: 60n,
      refunds: [{ outRequestNo: "RF101", amountMinor: 3_000n, feeReturnedMinor: 18n, createdAt: at("2024-03-15 11:00:00"), succeededAt: at("2024-03-15 11:00:02") }],
    },
    {
      tradeNo: "2024031522001400001000000002",
      outTradeNo: "FP102",
      subject: "刷脸消费",
      createdAt: at("2024-03-15 10:09:59"),
      paidAt: at("2024-03-15 10:10:00"),
      storeId: "S002",
      storeName: "二号店",
      buyerLogonId: "a**@example.com",
      amountMinor: 2_550n,
      feeMinor: 15n,
      refunds: [],
    },
    {
      tradeNo: "2024031522001400001000000003",
      outTradeNo: "FP103",
      subject: "刷脸消费",
      createdAt: at("2024-03-15 12:00:00"),
      paidAt: at("2024-03-15 12:00:01"),
      buyerLogonId: "*四(139****0000)",
      amountMinor: 888n,
      feeMinor: 5n,
      refunds: [
        { outRequestNo: "RF103A", amountMinor: 100n, feeReturnedMinor: 1n, createdAt: at("2024-03-15 13:00:00"), succeededAt: at("2024-03-15 13:00:01") },
        { outRequestNo: "RF103B", amountMinor: 200n, feeReturnedMinor: 1n, createdAt: at("2024-03-15 14:00:00"), succeededAt: at("2024-03-15 14:00:01") },
      ],
    },
  ],
  // A 0.50 yuan discount the merchant funds on FP102: 商家实收 25.00 against 订单金额 25.50.
  diffs: [{ kind: "coupon", outTradeNo: "FP102", deltaMinor: 50 }],
  previousDayDiffs: [],
  exportedAt: at("2024-03-16 10:00:00"),
  feeRatePpm: 6000,
  newTradeNo: () => "2024031522001400001000009999",
};

const stem = `${USER_ID}_20240315`;

/** The detail csv as the simulator writes it, to edit before zipping. */
function csvOf(bill: BillInput = input): string {
  return detailCsv(bill, billLines(bill));
}

/** A zip of the given detail csv and the simulator's 汇总 file, as Alipay serves it. */
function zipOf(csv: string | Buffer, bill: BillInput = input): Buffer {
  return writeZip([
    { name: encodeGbk(`${stem}_业务明细.csv`), data: typeof csv === "string" ? encodeGbk(csv) : csv, modifiedAt: bill.exportedAt },
    { name: encodeGbk(`${stem}_业务明细(汇总).csv`), data: encodeGbk(summaryCsv(bill, billLines(bill))), modifiedAt: bill.exportedAt },
  ]);
}

function edited(from: string, to: string): Buffer {
  const csv = csvOf();
  expect(csv.split(from)).toHaveLength(2); // the edit hits exactly one place
  return zipOf(csv.replace(from, to));
}

function failure(bytes: Buffer): StatementFormatError {
  try {
    parseAlipayBusinessDetail(bytes);
  } catch (error) {
    if (error instanceof StatementFormatError) return error;
    throw error;
  }
  throw new Error("the parser accepted the file");
}

function normalised(parsed: ReturnType<typeof parseAlipayBusinessDetail>) {
  return parsed.lines.map(({ raw: _raw, ...line }) => line);
}

const fp101 = { outTradeNo: "FP101", channelTradeNo: "2024031522001400001000000001" };
const fp102 = { outTradeNo: "FP102", channelTradeNo: "2024031522001400001000000002" };
const fp103 = { outTradeNo: "FP103", channelTradeNo: "2024031522001400001000000003" };

describe("parseAlipayBusinessDetail on the simulator's bills", () => {
  it("reads trades, partial refunds and a merchant discount, and checks the footer", () => {
    const { bytes } = billZip(input);
    const parsed = parseAlipayBusinessDetail(bytes);
    expect(parsed).toMatchObject({ format: "ALIPAY_BUSINESS_DETAIL", billDate: "2024-03-15", account: USER_ID });
    expect(parsed.billType).toBeUndefined();
    // Lines 1–4 are the # header, 5 the column header; rows follow in the simulator's order.
    expect(normalised(parsed)).toEqual([
      { lineNo: 6, kind: "PAYMENT", occurredAt: "2024-03-15T10:00:00+08:00", ...fp101, status: "交易", amountMinor: 10_000n, settleableMinor: 10_000n, couponMinor: 0n, feeMinor: 60n },
      { lineNo: 7, kind: "REFUND", occurredAt: "2024-03-15T11:00:02+08:00", ...fp101, outRefundNo: "RF101", status: "退款", amountMinor: -3_000n, settleableMinor: -3_000n, couponMinor: 0n, feeMinor: -18n },
      { lineNo: 8, kind: "PAYMENT", occurredAt: "2024-03-15T10:10:00+08:00", ...fp102, status: "交易", amountMinor: 2_550n, settleableMinor: 2_500n, couponMinor: 50n, feeMinor: 15n },
      { lineNo: 9, kind: "PAYMENT", occurredAt: "2024-03-15T12:00:01+08:00", ...fp103, status: "交易", amountMinor: 888n, settleableMinor: 888n, couponMinor: 0n, feeMinor: 5n },
      { lineNo: 10, kind: "REFUND", occurredAt: "2024-03-15T13:00:01+08:00", ...fp103, outRefundNo: "RF103A", status: "退款", amountMinor: -100n, settleableMinor: -100n, couponMinor: 0n, feeMinor: -1n },
      { lineNo: 11, kind: "REFUND", occurredAt: "2024-03-15T14:00:01+08:00", ...fp103, outRefundNo: "RF103B", status: "退款", amountMinor: -200n, settleableMinor: -200n, couponMinor: 0n, feeMinor: -1n },
    ]);
    // Footer: 交易 3笔 商家实收 133.88 商家优惠 0.50; 退款 3笔 商家实收 -33.00 商家优惠 0.00. It states no fee total.
    const stated = { count: 6, amountMinor: 13_388n + 50n - 3_300n, settleableMinor: 13_388n - 3_300n, refundMinor: -3_300n };
    expect(parsed.declared).toEqual(stated);
    expect(parsed.computed).toEqual({ ...stated, feeMinor: 60n - 18n + 15n + 5n - 1n - 1n });
  });

  it("keeps every column in raw, tabs trimmed", () => {
    const refund = parseAlipayBusinessDetail(billZip(input).bytes).lines[1];
    expect(refund?.raw).toMatchObject({
      支付宝交易号: "2024031522001400001000000001",
      商户订单号: "FP101",
      业务类型: "退款",
      创建时间: "2024-03-15 11:00:00",
      门店编号: "S001",
      门店名称: "一号店",
      终端号: "SN8A1F0001",
      对方账户: "*三(138****0000)",
      "订单金额（元）": "-30.00",
      "服务费（元）": "0.18",
      "退款批次号/请求号": "RF101",
      备注: "",
    });
    expect(Object.keys(refund?.raw ?? {})).toHaveLength(25);
  });

  it("accepts an empty bill: headers and a zero footer, no rows", () => {
    const empty: BillInput = { ...input, trades: [], diffs: [] };
    const parsed = parseAlipayBusinessDetail(billZip(empty).bytes);
    expect(parsed.lines).toEqual([]);
    expect(parsed.declared).toEqual({ count: 0, amountMinor: 0n, settleableMinor: 0n, refundMinor: 0n });
    expect(parsed.computed).toEqual({ count: 0, amountMinor: 0n, settleableMinor: 0n, feeMinor: 0n, refundMinor: 0n });
    expect(parsed.billDate).toBe("2024-03-15");
  });

  it("reads a bill with the simulator's other differences (an extra line, a changed amount and fee, a late line)", () => {
    const diffs: StatementDiff[] = [
      { kind: "extra", amountMinor: 777, outTradeNo: "EXTRA1" },
      { kind: "amount", outTradeNo: "FP103", deltaMinor: 1 },
      { kind: "fee", outTradeNo: "FP101", deltaMinor: 2 },
      { kind: "late", outTradeNo: "FP102" },
    ];
    const parsed = parseAlipayBusinessDetail(billZip({ ...input, diffs }).bytes);
    expect(parsed.lines.map((line) => [line.outTradeNo, line.kind, line.amountMinor, line.feeMinor])).toEqual([
      ["FP101", "PAYMENT", 10_000n, 62n],
      ["FP101", "REFUND", -3_000n, -18n],
      ["FP103", "PAYMENT", 889n, 5n],
      ["FP103", "REFUND", -100n, -1n],
      ["FP103", "REFUND", -200n, -1n],
      ["EXTRA1", "PAYMENT", 777n, 5n],
    ]);
    expect(parsed.declared).toEqual({ count: 6, amountMinor: 11_666n - 3_300n, settleableMinor: 11_666n - 3_300n, refundMinor: -3_300n });
  });
});

describe("parseAlipayBusinessDetail on hand-made bills", () => {
  it("refuses a footer total that the rows do not add up to, naming both", () => {
    const error = failure(edited("商家实收共133.88元", "商家实收共133.98元"));
    expect(error).toMatchObject({ code: "TOTALS_MISMATCH", lineNo: 13, message: "line 13: #交易合计 states 商家实收 133.98 but the 交易 rows come to 133.88" });
  });

  it("refuses a footer count that is not the number of rows", () => {
    const error = failure(edited("#退款合计：3笔", "#退款合计：2笔"));
    expect(error).toMatchObject({ code: "TOTALS_MISMATCH", lineNo: 14, message: "line 14: #退款合计 states a count of 2 but the 退款 rows come to 3" });
  });

  it("refuses a malformed amount, naming the line and the column", () => {
    const error = failure(edited(",25.50,25.00,", ",25.50,25.OO,"));
    expect(error).toMatchObject({ code: "MALFORMED_LINE", lineNo: 8, message: 'line 8: 商家实收（元） "25.OO" is not an amount in yuan with at most two decimals' });
  });

  it("refuses a row whose field count is not the header's", () => {
    const error = failure(edited("RF103A\t,", "RF103A\t,,"));
    expect(error).toMatchObject({ code: "MALFORMED_LINE", lineNo: 10, message: "line 10: a row with 26 fields; the column header has 25" });
  });

  it("refuses a 业务类型 it cannot classify (the simulator's `status` difference)", () => {
    const bytes = billZip({ ...input, diffs: [{ kind: "status", outTradeNo: "FP102", status: "交易关闭" }] }).bytes;
    expect(failure(bytes)).toMatchObject({ code: "UNSUPPORTED", lineNo: 8 });
  });

  it("refuses a refund printed positive", () => {
    const error = failure(edited(",-30.00,-30.00,", ",30.00,-30.00,"));
    expect(error).toMatchObject({ code: "MALFORMED_LINE", lineNo: 7 });
  });

  it("refuses bytes that are not GBK, naming the line", () => {
    const lines = csvOf().split("\r\n");
    const broken = Buffer.concat(
      lines.map((line, index) => {
        const bytes = encodeGbk(index === lines.length - 1 ? line : `${line}\r\n`);
        // Line 8: a lead byte followed by a digit, which no GBK character has as its second byte.
        return index === 7 ? Buffer.concat([Buffer.from([0x81]), bytes]) : bytes;
      }),
    );
    expect(failure(zipOf(broken))).toMatchObject({ code: "ENCODING", lineNo: 8, message: "line 8: not valid GBK" });
  });

  it("refuses a file cut off before its footer totals", () => {
    const csv = csvOf();
    const cut = csv.slice(0, csv.indexOf("#退款合计"));
    expect(failure(zipOf(cut))).toMatchObject({ code: "MALFORMED_LINE", lineNo: 14, message: "line 14: the file ends without its #退款合计 footer line (a truncated file?)" });
  });

  it("refuses rows after the footer began", () => {
    const csv = csvOf();
    const row = csv.split("\r\n")[5] ?? "";
    expect(failure(zipOf(`${csv}${row}\r\n`))).toMatchObject({ code: "MALFORMED_LINE", lineNo: 16 });
  });

  it("refuses a zip without a 业务明细 file", () => {
    const zip = writeZip([{ name: encodeGbk(`${stem}_业务明细(汇总).csv`), data: encodeGbk(summaryCsv(input, billLines(input))), modifiedAt: input.exportedAt }]);
    const error = failure(zip);
    expect(error.code).toBe("NOT_A_STATEMENT");
    expect(error.message).toBe(`not an Alipay 业务明细 bill: the zip holds no …_业务明细.csv (it holds ${stem}_业务明细(汇总).csv)`);
  });

  it("refuses a 业务明细 file that is something else inside", () => {
    const zip = writeZip([{ name: encodeGbk(`${stem}_业务明细.csv`), data: encodeGbk(summaryCsv(input, billLines(input))), modifiedAt: input.exportedAt }]);
    expect(failure(zip)).toMatchObject({ code: "NOT_A_STATEMENT", lineNo: 5 });
  });

  it("refuses what is not a zip, and a zip cut short", () => {
    expect(failure(encodeGbk(csvOf()))).toMatchObject({ code: "NOT_A_STATEMENT" });
    expect(failure(Buffer.alloc(0))).toMatchObject({ code: "NOT_A_STATEMENT" });
    const zip = billZip(input).bytes;
    expect(failure(zip.subarray(0, zip.length - 10))).toMatchObject({ code: "NOT_A_STATEMENT" });
  });
});

/** A zip built by hand, one stored (uncompressed) entry, for what the simulator's writer never writes. */
function storedZip(name: Buffer, data: Buffer, flags = 0, method = 0): Buffer {
  const crc = zlib.crc32(data) >>> 0;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4);
  local.writeUInt16LE(flags, 6);
  local.writeUInt16LE(method, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(10, 4);
  central.writeUInt16LE(10, 6);
  central.writeUInt16LE(flags, 8);
  central.writeUInt16LE(method, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(local.length + name.length + data.length, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

describe("readZip", () => {
  it("reads deflated entries with GBK names, as the simulator writes them", () => {
    const entries = readZip(billZip(input).bytes, { legacyNameEncoding: "gbk" });
    expect(entries.map((entry) => [entry.name, entry.method])).toEqual([
      [`${stem}_业务明细.csv`, 8],
      [`${stem}_业务明细(汇总).csv`, 8],
    ]);
    expect(entries[0]?.read().equals(encodeGbk(csvOf()))).toBe(true);
  });

  it("reads a stored entry, and a UTF-8 flagged name as UTF-8", () => {
    const csv = encodeGbk(csvOf());
    const zip = storedZip(Buffer.from(`${stem}_业务明细.csv`, "utf8"), csv, 0x0800);
    const [entry] = readZip(zip, { legacyNameEncoding: "gbk" });
    expect(entry?.name).toBe(`${stem}_业务明细.csv`);
    expect(entry?.read().equals(csv)).toBe(true);
    expect(parseAlipayBusinessDetail(zip).lines).toHaveLength(6);
  });

  it("refuses other compression methods and encryption by name", () => {
    const data = Buffer.from("x");
    expect(() => readZip(storedZip(Buffer.from("a.csv"), data, 0, 12))).toThrow(expect.objectContaining({ code: "UNSUPPORTED", message: "zip entry a.csv uses compression method 12; only stored (0) and deflate (8) are read" }));
    expect(() => readZip(storedZip(Buffer.from("a.csv"), data, 0x0001))).toThrow(expect.objectContaining({ code: "UNSUPPORTED", message: "zip entry a.csv is encrypted" }));
  });

  it("refuses an entry whose data fails its CRC-32", () => {
    const zip = storedZip(Buffer.from("a.csv"), Buffer.from("hello"));
    zip[30 + 5] = "j".charCodeAt(0);
    const [entry] = readZip(zip);
    expect(() => entry?.read()).toThrow(expect.objectContaining({ code: "ENCODING", message: "damaged zip archive: zip entry a.csv fails its CRC-32 check" }));
  });

  it("refuses deflate data that does not inflate", () => {
    const zip = Buffer.from(billZip(input).bytes);
    const dataStart = 30 + zip.readUInt16LE(26);
    zip.fill(0xff, dataStart, dataStart + 8);
    expect(failure(zip)).toMatchObject({ code: "ENCODING" });
  });
});

describe("streamAlipayBusinessDetail (import reads a bill line by line, twice)", () => {
  it("yields the lines parseAlipayBusinessDetail returns and the bill's facts once done", () => {
    expectSameReading(streamAlipayBusinessDetail(zipOf(csvOf())), parseAlipayBusinessDetail(zipOf(csvOf())));
  });

  it("yields every row before it refuses a footer the rows do not add up to", () => {
    const { yielded, error } = readUntilRefused(streamAlipayBusinessDetail(edited("#退款合计：3笔", "#退款合计：2笔")));
    expect(yielded).toHaveLength(6);
    expect(error.message).toBe("line 14: #退款合计 states a count of 2 but the 退款 rows come to 3");
  });
});
