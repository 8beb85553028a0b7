import { describe, expect, it } from "vitest";
import { formatError } from "./format-error.testing";
import { fen12, signed13, writeZmFile, writeZmLine, type ZmValues } from "@/server/simulators/bank/zm-writer";
import { expectSameReading, readUntilRefused } from "./stream.testing";
import { parseUnionpayZm, streamUnionpayZm, ZM_LINE_BYTES, zmBillDateFromFileName } from "./unionpay-zm";

// Fixtures come from the bank simulator's ZM writer: the parser and the writer are written apart
// and meet only at the format. The merchant's abbreviation is Chinese on every line, so a parser
// that sliced characters instead of GBK bytes would read every later field shifted.

const MER = "898111453110001";
const common: ZmValues = { acqInsCode: "00010000", sendInsCode: "00010000", merCatCode: "5331", termType: "07", bizType: "000902", merId: MER, subMerAbbr: "模拟商户便利店" };

const payment: ZmValues = {
  ...common,
  txnCode: "S22",
  traceNo: "000001",
  txnTime: "0105120005",
  payCardNo: "6222********1234",
  txnAmt: fen12(1_000n),
  queryId: "512401051200051234567",
  orderId: "FP20240105000001",
  merFee: signed13("D", 38n),
  settleAmt: signed13("C", 1_000n),
  txnType: "01",
  txnSubType: "01",
  merReserved: "午餐 套餐A",
};
const refund: ZmValues = {
  ...common,
  txnCode: "S30",
  traceNo: "000002",
  txnTime: "0105130000",
  txnAmt: fen12(300n),
  queryId: "512401051300001234568",
  orderId: "RF20240105000001",
  merFee: signed13("D", 0n),
  settleAmt: signed13("D", 300n),
  txnType: "04",
  txnSubType: "00",
  origTraceNo: "000001",
  origQryId: "512401051200051234567",
  origOrderId: "FP20240105000001",
};
const voided: ZmValues = {
  ...common,
  txnCode: "S31",
  traceNo: "000004",
  txnTime: "0105140000",
  txnAmt: fen12(500n),
  queryId: "512401051400001234570",
  orderId: "VFP20240105000002",
  merFee: signed13("C", 19n),
  settleAmt: signed13("D", 500n),
  txnType: "31",
  txnSubType: "00",
  origQryId: "512401051350001234569",
  origOrderId: "FP20240105000002",
};
const withCoupon: ZmValues = {
  ...payment,
  traceNo: "000005",
  txnTime: "0105150000",
  txnAmt: fen12(2_000n),
  queryId: "512401051500001234571",
  orderId: "FP20240105000003",
  merFee: signed13("D", 76n),
  settleAmt: signed13("C", 1_900n),
  discountAmt: signed13("C", 100n),
};

const file = (...lines: ZmValues[]) => writeZmFile(lines.map(writeZmLine));

describe("the UnionPay ZM file", () => {
  it("reads payments, refunds and voids into signed fen, with the original's numbers on refunds and voids", () => {
    const parsed = parseUnionpayZm(file(payment, refund, voided, withCoupon), { billDate: "2024-01-05" });
    expect(parsed.format).toBe("UNIONPAY_ZM");
    expect(parsed.billDate).toBe("2024-01-05");
    expect(parsed.lines).toHaveLength(4);
    const [p, r, v, c] = parsed.lines;
    expect(p).toMatchObject({
      lineNo: 1,
      kind: "PAYMENT",
      status: "S22",
      occurredAt: "2024-01-05T12:00:05+08:00",
      outTradeNo: "FP20240105000001",
      channelTradeNo: "512401051200051234567",
      subMerchant: MER,
      amountMinor: 1_000n,
      settleableMinor: 1_000n,
      feeMinor: 38n,
    });
    expect(p?.outRefundNo).toBeUndefined();
    expect(p?.couponMinor).toBeUndefined();
    // Fields after the Chinese abbreviation are where they should be, and the Chinese reads back.
    expect(p?.raw).toMatchObject({ subMerAbbr: "模拟商户便利店", merReserved: "午餐 套餐A", payCardNo: "6222********1234", settleAmt: "C000000001000", reserved: "" });
    expect(r).toMatchObject({
      lineNo: 2,
      kind: "REFUND",
      status: "S30",
      outTradeNo: "FP20240105000001",
      channelTradeNo: "512401051200051234567",
      outRefundNo: "RF20240105000001",
      channelRefundNo: "512401051300001234568",
      amountMinor: -300n,
      settleableMinor: -300n,
      feeMinor: 0n,
    });
    expect(v).toMatchObject({ lineNo: 3, kind: "REVOKED", status: "S31", outTradeNo: "FP20240105000002", channelTradeNo: "512401051350001234569", amountMinor: -500n, feeMinor: -19n });
    expect(v?.outRefundNo).toBeUndefined();
    expect(v?.raw).toMatchObject({ orderId: "VFP20240105000002", queryId: "512401051400001234570" });
    expect(c).toMatchObject({ kind: "PAYMENT", amountMinor: 2_000n, couponMinor: 100n, settleableMinor: 1_900n, feeMinor: 76n });
  });

  it("adds the lines up; the file states no totals of its own, so nothing declared is claimed", () => {
    const parsed = parseUnionpayZm(file(payment, refund, voided, withCoupon));
    expect(parsed.computed).toEqual({ count: 4, amountMinor: 1_000n - 300n - 500n + 2_000n, feeMinor: 38n - 19n + 76n });
    expect(parsed.declared).toEqual(parsed.computed);
    expect(parsed.hasDeclaredTotals).toBe(false);
  });

  it("gives times a year only from the bill date: the one nearest it", () => {
    expect(parseUnionpayZm(file(payment)).lines[0]?.occurredAt).toBeUndefined();
    const times = ["1231225959", "0101083000"].map((txnTime) => ({ ...payment, txnTime }));
    const parsed = parseUnionpayZm(file(...times), { billDate: "2024-01-01" });
    expect(parsed.lines.map((l) => l.occurredAt)).toEqual(["2023-12-31T22:59:59+08:00", "2024-01-01T08:30:00+08:00"]);
    expect(formatError(() => parseUnionpayZm(file({ ...payment, txnTime: "0229120000" }), { billDate: "2023-03-01" }))).toMatchObject({ code: "MALFORMED_LINE", lineNo: 1 });
    expect(zmBillDateFromFileName("INN24010588ZM_898111453110001")).toBe("2024-01-05");
    expect(zmBillDateFromFileName("INN24010588ZME_898111453110001")).toBeUndefined();
  });

  it("reads an empty file as no lines, and LF line ends as well as CRLF", () => {
    expect(parseUnionpayZm(Buffer.alloc(0)).lines).toEqual([]);
    const lf = Buffer.concat([writeZmLine(payment), Buffer.from("\n"), writeZmLine(refund)]);
    expect(parseUnionpayZm(lf).lines.map((l) => l.kind)).toEqual(["PAYMENT", "REFUND"]);
  });

  it("has no trailer, so a summary line appended to it is refused rather than skipped", () => {
    const withSummary = Buffer.concat([file(payment, refund), Buffer.from("TOTAL 2 700\r\n")]);
    const e = formatError(() => parseUnionpayZm(withSummary));
    expect(e).toMatchObject({ code: "MALFORMED_LINE", lineNo: 3 });
    expect(e.message).toBe(`line 3: a ZM line is ${ZM_LINE_BYTES} bytes, this one is 11`);
  });

  it("refuses a short line and a file cut in the middle of a line", () => {
    expect(ZM_LINE_BYTES).toBe(607);
    const short = writeZmLine(refund).subarray(0, ZM_LINE_BYTES - 1);
    const shortFile = Buffer.concat([writeZmLine(payment), Buffer.from("\r\n"), short, Buffer.from("\r\n")]);
    expect(formatError(() => parseUnionpayZm(shortFile))).toMatchObject({ code: "MALFORMED_LINE", lineNo: 2 });
    const cut = file(payment, refund).subarray(0, ZM_LINE_BYTES + 2 + 300);
    expect(formatError(() => parseUnionpayZm(cut))).toMatchObject({ code: "MALFORMED_LINE", lineNo: 2 });
  });

  it("refuses a line whose fields are shifted off their separators", () => {
    const line = Buffer.from(writeZmLine(payment));
    line[3] = 0x58; // the space after 交易代码
    const e = formatError(() => parseUnionpayZm(line));
    expect(e.code).toBe("MALFORMED_LINE");
    expect(e.message).toMatch(/field 2 \(acqInsCode\).*shifted/);
  });

  it("refuses bytes that are not GBK, naming the line and field", () => {
    const abbrStart = 327; // channels.md §3.2: 二级商户简称, 32 bytes
    const cutChar = Buffer.from(writeZmLine(refund));
    cutChar[abbrStart + 31] = 0x81; // a lead byte whose trail would be the separator
    const e = formatError(() => parseUnionpayZm(Buffer.concat([writeZmLine(payment), Buffer.from("\r\n"), cutChar])));
    expect(e).toMatchObject({ code: "ENCODING", lineNo: 2 });
    expect(e.message).toMatch(/subMerAbbr/);
    // Node's GBK decoder drops 0xFF silently even when fatal; the parser must not.
    const ff = Buffer.from(writeZmLine(payment));
    ff[abbrStart] = 0xff;
    expect(formatError(() => parseUnionpayZm(ff))).toMatchObject({ code: "ENCODING", lineNo: 1 });
  });

  it("refuses amounts that are not fen and transaction types it does not know", () => {
    expect(formatError(() => parseUnionpayZm(file({ ...payment, txnAmt: "00000000010A" })))).toMatchObject({ code: "MALFORMED_LINE", lineNo: 1 });
    expect(formatError(() => parseUnionpayZm(file(payment, { ...payment, merFee: "X000000000038" })))).toMatchObject({ code: "MALFORMED_LINE", lineNo: 2 });
    const e = formatError(() => parseUnionpayZm(file(payment, { ...payment, txnType: "02" })));
    expect(e).toMatchObject({ code: "UNSUPPORTED", lineNo: 2 });
    expect(e.message).toMatch(/"02"/);
  });
});

describe("streamUnionpayZm (import reads a file line by line, twice)", () => {
  it("yields the lines parseUnionpayZm returns and the file's facts once done", () => {
    const bytes = file(payment, refund, voided, withCoupon);
    expectSameReading(streamUnionpayZm(bytes, { billDate: "2024-01-05" }), parseUnionpayZm(bytes, { billDate: "2024-01-05" }));
  });

  it("yields the lines before a bad one, then refuses the file naming that line", () => {
    const { yielded, error } = readUntilRefused(streamUnionpayZm(file(payment, refund, { ...voided, txnType: "99" })));
    expect(yielded).toEqual([1, 2]);
    expect(error.message).toMatch(/^line 3: 交易类型 txnType "99"/);
  });
});
