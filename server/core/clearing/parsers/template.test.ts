import { describe, expect, it } from "vitest";
import { formatError } from "./format-error.testing";
import { encodeGbk, fitGbk } from "@/server/simulators/bank/gbk";
import { parseWithTemplate, previewTemplate, streamWithTemplate, ZStatementTemplate, type TStatementTemplate } from "./template";

const crlf = (...lines: string[]) => Buffer.from(lines.join("\r\n") + "\r\n");

// A bank's CSV with a title line and a header, yuan, refunds printed positive and told by 类型,
// and a 合计 line with the count and the net total.
const BANK_HEADER = "交易时间,商户订单号,退款单号,渠道流水号,类型,金额,手续费,状态";
const bankRows = [
  "2024-01-05 12:00:05,FP1,,CH1,消费,10.00,0.04,成功",
  "2024-01-05 13:00:00,FP1,RF1,CH2,退款,3.00,0.01,成功",
  "2024-01-05 14:00:00,FP2,,CH3,撤销,5.00,0.02,成功",
];
const bankFile = (...footer: string[]) => crlf("某银行商户对账单", BANK_HEADER, ...bankRows, ...(footer.length ? footer : ["合计,3,2.00"]));

const bankTemplate: TStatementTemplate = {
  name: "某银行 CSV",
  encoding: "utf-8",
  layout: { kind: "delimited", delimiter: ",", quote: '"' },
  headerLines: 2,
  footerLines: 1,
  columns: {
    occurredAt: "交易时间",
    outTradeNo: "商户订单号",
    outRefundNo: "退款单号",
    channelTradeNo: "渠道流水号",
    amount: "金额",
    fee: "手续费",
    status: "状态",
    kind: { by: "COLUMN", column: "类型", payment: ["消费"], refund: ["退款"], revoked: ["撤销"] },
  },
  amountUnit: "YUAN",
  dateFormat: "YYYY-MM-DD HH:mm:ss",
  signConvention: "REFUNDS_POSITIVE_BY_KIND",
  summary: { line: "LAST_FOOTER", countColumn: 1, amountColumn: 2 },
};

// The same trades, pipe-delimited without a header, fen, refunds negative and told by the sign.
const pipeFile = crlf("2024/01/05 12:00:05|FP1||CH1|1000|4", "2024/01/05 13:00:00|FP1|RF1|CH2|-300|-1", "2024/01/05 14:00:00|FP2||CH3|-500|-2");
const pipeTemplate: TStatementTemplate = {
  name: "pipe, no header",
  encoding: "utf-8",
  layout: { kind: "delimited", delimiter: "|" },
  headerLines: 0,
  footerLines: 0,
  columns: { occurredAt: 0, outTradeNo: 1, outRefundNo: 2, channelTradeNo: 3, amount: 4, fee: 5, kind: { by: "SIGN" } },
  amountUnit: "FEN",
  dateFormat: "YYYY/MM/DD HH:mm:ss",
  signConvention: "REFUNDS_NEGATIVE",
};

// Fixed width in GBK with a Chinese name before the amount, so offsets must be bytes:
// time 0–13, order 14–33, name 34–43, type 44–45, amount 46–57 (right-aligned, signed), fee 58–65;
// the footer "T" + count 1–6 + amount 7–18, described as fields overlapping the details'.
const fixedLine = (time: string, order: string, name: string, type: string, amount: string, fee: string) =>
  Buffer.concat([fitGbk(time, 14), fitGbk(order, 20), fitGbk(name, 10), fitGbk(type, 2), fitGbk(amount, 12, "right"), fitGbk(fee, 8, "right")]);
const fixedDetails = [fixedLine("20240105120005", "FP1", "便利店超市", "01", "1000", "4"), fixedLine("20240105130000", "RF1", "便利店", "04", "-300", "-1")];
const fixedFile = (details: Buffer[] = fixedDetails, footer = `T000002${"700".padStart(12)}`) =>
  Buffer.concat([encodeGbk("明细"), ...details.flatMap((d) => [Buffer.from("\r\n"), d]), Buffer.from(`\r\n${footer}\r\n`)]);
const fixedTemplate: TStatementTemplate = {
  name: "GBK fixed",
  encoding: "gbk",
  layout: {
    kind: "fixed",
    widths: [
      { field: "time", start: 0, length: 14 },
      { field: "order", start: 14, length: 20 },
      { field: "name", start: 34, length: 10 },
      { field: "type", start: 44, length: 2 },
      { field: "amount", start: 46, length: 12 },
      { field: "fee", start: 58, length: 8 },
      { field: "footCount", start: 1, length: 6 },
      { field: "footAmount", start: 7, length: 12 },
    ],
  },
  headerLines: 1,
  footerLines: 1,
  columns: { occurredAt: "time", outTradeNo: "order", subMerchant: "name", amount: "amount", fee: "fee", kind: { by: "COLUMN", column: "type", payment: ["01"], refund: ["04"] } },
  amountUnit: "FEN",
  dateFormat: "YYYYMMDDHHmmss",
  signConvention: "REFUNDS_NEGATIVE",
  summary: { line: "LAST_FOOTER", countColumn: "footCount", amountColumn: "footAmount" },
};

describe("statement templates: reading", () => {
  it("reads a delimited file by header names, in yuan, refunds printed positive and told by a column", () => {
    const parsed = parseWithTemplate(bankFile(), bankTemplate);
    expect(parsed.format).toBe("TEMPLATE");
    expect(parsed.lines[0]).toEqual({
      lineNo: 3,
      kind: "PAYMENT",
      status: "成功",
      occurredAt: "2024-01-05T12:00:05+08:00",
      outTradeNo: "FP1",
      channelTradeNo: "CH1",
      amountMinor: 1_000n,
      settleableMinor: 1_000n,
      feeMinor: 4n,
      raw: { 交易时间: "2024-01-05 12:00:05", 商户订单号: "FP1", 退款单号: "", 渠道流水号: "CH1", 类型: "消费", 金额: "10.00", 手续费: "0.04", 状态: "成功" },
    });
    expect(parsed.lines.map((l) => [l.lineNo, l.kind, l.amountMinor, l.feeMinor, l.outRefundNo])).toEqual([
      [3, "PAYMENT", 1_000n, 4n, undefined],
      [4, "REFUND", -300n, -1n, "RF1"],
      [5, "REVOKED", -500n, -2n, undefined],
    ]);
    expect(parsed.computed).toEqual({ count: 3, amountMinor: 200n, feeMinor: 1n });
    expect(parsed.declared).toEqual({ count: 3, amountMinor: 200n });
    expect(parsed.hasDeclaredTotals).toBe(true);
  });

  it("reads a delimited file by position, in fen, refunds negative and told by the sign; without a summary nothing is declared", () => {
    const parsed = parseWithTemplate(pipeFile, pipeTemplate);
    expect(parsed.lines.map((l) => [l.lineNo, l.kind, l.status, l.occurredAt, l.amountMinor, l.feeMinor])).toEqual([
      [1, "PAYMENT", "PAYMENT", "2024-01-05T12:00:05+08:00", 1_000n, 4n],
      [2, "REFUND", "REFUND", "2024-01-05T13:00:00+08:00", -300n, -1n],
      [3, "REFUND", "REFUND", "2024-01-05T14:00:00+08:00", -500n, -2n],
    ]);
    expect(parsed.lines[0]?.raw).toEqual({ "0": "2024/01/05 12:00:05", "1": "FP1", "2": "", "3": "CH1", "4": "1000", "5": "4" });
    expect(parsed.hasDeclaredTotals).toBe(false);
    expect(parsed.declared).toEqual({ count: 3, amountMinor: 200n });
  });

  it("reads a fixed-width GBK file on byte offsets, with a summary in fields overlapping the details'", () => {
    const parsed = parseWithTemplate(fixedFile(), fixedTemplate);
    expect(parsed.lines.map((l) => [l.lineNo, l.kind, l.outTradeNo, l.subMerchant, l.occurredAt, l.amountMinor, l.feeMinor])).toEqual([
      [2, "PAYMENT", "FP1", "便利店超市", "2024-01-05T12:00:05+08:00", 1_000n, 4n],
      [3, "REFUND", "RF1", "便利店", "2024-01-05T13:00:00+08:00", -300n, -1n],
    ]);
    expect(parsed.lines[0]?.raw).toMatchObject({ name: "便利店超市", type: "01", amount: "1000" });
    expect(parsed.declared).toEqual({ count: 2, amountMinor: 700n });
    // Yuan in a fixed-width file too.
    const yuan = parseWithTemplate(fixedFile([fixedLine("20240105120005", "FP1", "便利店", "01", "10.00", "0.04")], `T000001${"10.00".padStart(12)}`), { ...fixedTemplate, amountUnit: "YUAN" });
    expect(yuan.lines.map((l) => [l.amountMinor, l.feeMinor])).toEqual([[1_000n, 4n]]);
  });

  it("refuses a file whose summary disagrees with its lines, naming the summary line", () => {
    const amount = formatError(() => parseWithTemplate(bankFile("合计,3,2.01"), bankTemplate));
    expect(amount).toMatchObject({ code: "TOTALS_MISMATCH", lineNo: 6 });
    expect(amount.message).toBe("line 6: the summary states a total of 201 fen, the lines add up to 200");
    expect(formatError(() => parseWithTemplate(fixedFile(undefined, `T000003${"700".padStart(12)}`), fixedTemplate))).toMatchObject({ code: "TOTALS_MISMATCH", lineNo: 4 });
  });

  it("refuses malformed lines, naming the line and what is wrong", () => {
    const withRow = (row: string) => formatError(() => parseWithTemplate(crlf("某银行商户对账单", BANK_HEADER, bankRows[0]!, row, "合计,2,0.00"), bankTemplate));
    expect(withRow("2024-01-05 13:00:00,FP1,RF1,CH2,退款,3.001,0.01,成功")).toMatchObject({ code: "MALFORMED_LINE", lineNo: 4 });
    expect(withRow("2024-01-05 25:00:00,FP1,RF1,CH2,退款,3.00,0.01,成功").message).toBe('line 4: the time "2024-01-05 25:00:00" is not a YYYY-MM-DD HH:mm:ss time');
    expect(withRow("2024-01-05 13:00:00,FP1,RF1,CH2,冲正,3.00,0.01,成功").message).toMatch(/^line 4: the kind column holds "冲正"/);
    expect(withRow("2024-01-05 13:00:00,FP1,RF1,CH2,退款,3.00").message).toBe("line 4: the fee is \"手续费\", but the line has only 6 columns");
    expect(withRow('2024-01-05 13:00:00,"FP1,RF1,CH2,退款,3.00,0.01,成功')).toMatchObject({ code: "MALFORMED_LINE", lineNo: 4 });
    expect(withRow("2024-01-05 13:00:00,FP1,RF1,CH2,退款,,0.01,成功").message).toBe("line 4: the amount is empty");

    const short = formatError(() => parseWithTemplate(fixedFile([fixedDetails[0]!, fixedDetails[1]!.subarray(0, 60)]), fixedTemplate));
    expect(short).toMatchObject({ code: "MALFORMED_LINE", lineNo: 3 });
    expect(short.message).toBe('line 3: the fee is "fee" at bytes 58–65, but the line is only 60 bytes');
    const cutChar = Buffer.from(fixedDetails[1]!);
    cutChar[43] = 0xb1; // a lead byte as the name field's last byte: its trail would be in the next field
    const encoding = formatError(() => parseWithTemplate(fixedFile([fixedDetails[0]!, cutChar]), fixedTemplate));
    expect(encoding).toMatchObject({ code: "ENCODING", lineNo: 3 });
    expect(encoding.message).toMatch(/field "name"/);
  });

  it("refuses a file with fewer lines than its header and footer, and a header without a named column", () => {
    expect(formatError(() => parseWithTemplate(crlf("某银行商户对账单", BANK_HEADER), bankTemplate))).toMatchObject({ code: "NOT_A_STATEMENT" });
    const renamed = crlf("某银行商户对账单", BANK_HEADER.replace("金额", "交易金额"), ...bankRows, "合计,3,2.00");
    expect(formatError(() => parseWithTemplate(renamed, bankTemplate)).message).toBe('line 2: the header has no column "金额"');
  });

  it("validates templates: rules that hold across fields are checked by the schema", () => {
    const issues = (t: unknown) => {
      const r = ZStatementTemplate.safeParse(t);
      return r.success ? [] : r.error.issues.map((i) => i.message);
    };
    expect(issues(bankTemplate)).toEqual([]);
    expect(issues(pipeTemplate)).toEqual([]);
    expect(issues(fixedTemplate)).toEqual([]);
    expect(issues({ ...pipeTemplate, signConvention: "REFUNDS_POSITIVE_BY_KIND" })).toEqual(["when refunds are printed positive, only a column can tell them from payments"]);
    expect(issues({ ...pipeTemplate, columns: { ...pipeTemplate.columns, amount: "金额" } })).toEqual(["columns.amount refers to a column by name, but the template has no header line to find it in"]);
    expect(issues({ ...fixedTemplate, columns: { ...fixedTemplate.columns, amount: 4 } })).toEqual(["columns.amount must name one of the fixed-width fields"]);
    expect(issues({ ...pipeTemplate, summary: { line: "LAST_FOOTER", countColumn: 1 } })).toEqual(["a summary is read from a footer line, and the template has none"]);
    expect(issues({ ...bankTemplate, summary: { line: "LAST_FOOTER" } })).toEqual(["a summary needs a count column, an amount column or both"]);
    expect(issues({ ...bankTemplate, columns: { ...bankTemplate.columns, kind: { by: "COLUMN", column: "类型", payment: ["消费"], refund: ["消费"] } } })).toEqual([
      "a value of the kind column may stand for one kind only",
    ]);
    expect(issues({ ...bankTemplate, dateFormat: "DD/MM/YYYY" }).length).toBe(1);
    expect(() => parseWithTemplate(pipeFile, { ...pipeTemplate, signConvention: "REFUNDS_POSITIVE_BY_KIND" })).toThrow(/only a column/);
  });
});

describe("statement templates: the preview", () => {
  it("shows the first lines with their roles, the first parsed lines, and both totals side by side", () => {
    const preview = previewTemplate(bankFile(), bankTemplate, { rows: 4 });
    expect(preview.head).toEqual([
      { lineNo: 1, role: "HEADER", text: "某银行商户对账单" },
      { lineNo: 2, role: "HEADER", text: BANK_HEADER },
      { lineNo: 3, role: "DETAIL", text: bankRows[0] },
      { lineNo: 4, role: "DETAIL", text: bankRows[1] },
    ]);
    expect(preview.lines).toHaveLength(3);
    expect(preview.computed).toEqual({ count: 3, amountMinor: 200n, feeMinor: 1n });
    expect(preview.declared).toEqual({ count: 3, amountMinor: 200n });
    expect(preview.errors).toEqual([]);
    expect(preview.hints).toEqual([]);
  });

  it("catches yuan read as fen: the lines with decimals are listed and the unit is named", () => {
    const preview = previewTemplate(bankFile(), { ...bankTemplate, amountUnit: "FEN", summary: { ...bankTemplate.summary!, amountUnit: "YUAN" } });
    expect(preview.errorCount).toBe(3);
    expect(preview.errors.map((e) => [e.lineNo, e.code])).toEqual([
      [3, "MALFORMED_LINE"],
      [4, "MALFORMED_LINE"],
      [5, "MALFORMED_LINE"],
    ]);
    expect(preview.errors[0]?.message).toBe('line 3: the amount "10.00" has decimals, but the template reads whole fen');
    expect(preview.hints.map((h) => h.code)).toContain("YUAN_READ_AS_FEN");
  });

  it("catches fen read as yuan: 100× the declared total, or no decimal point anywhere", () => {
    // Details in fen, the total printed in yuan (and the template says so for the summary only).
    const fenDetails = crlf("某银行商户对账单", BANK_HEADER, ...bankRows.map((r) => r.replace("10.00,0.04", "1000,4").replace("3.00,0.01", "300,1").replace("5.00,0.02", "500,2")), "合计,3,2.00");
    const hundredfold = previewTemplate(fenDetails, { ...bankTemplate, summary: { ...bankTemplate.summary!, amountUnit: "YUAN" } });
    expect(hundredfold.computed.amountMinor).toBe(20_000n);
    expect(hundredfold.declared?.amountMinor).toBe(200n);
    expect(hundredfold.hints).toEqual([{ code: "FEN_READ_AS_YUAN", message: "amounts look like fen read as yuan: the lines add up to 100× the declared total; set amountUnit to FEN" }]);
    expect(() => parseWithTemplate(fenDetails, { ...bankTemplate, summary: { ...bankTemplate.summary!, amountUnit: "YUAN" } })).toThrow(/summary states a total of 200 fen, the lines add up to 20000/);

    // Everything in fen: the totals agree (both 100× too large), so only the look of the amounts tells.
    const allFen = crlf("某银行商户对账单", BANK_HEADER, ...bankRows.map((r) => r.replace("10.00,0.04", "1000,4").replace("3.00,0.01", "300,1").replace("5.00,0.02", "500,2")), "合计,3,200");
    const quiet = previewTemplate(allFen, bankTemplate);
    expect(quiet.errors).toEqual([]);
    expect(quiet.hints.map((h) => h.code)).toEqual(["FEN_READ_AS_YUAN"]);
  });

  it("catches a wrong sign convention, either way round", () => {
    const positiveRefunds = previewTemplate(bankFile(), { ...bankTemplate, signConvention: "REFUNDS_NEGATIVE" });
    expect(positiveRefunds.errors.map((e) => e.lineNo)).toEqual([4, 5]);
    expect(positiveRefunds.errors[0]?.message).toBe("line 4: a refund line whose amount is positive, but the template says refunds are printed negative (REFUNDS_NEGATIVE)");
    expect(positiveRefunds.hints).toContainEqual({ code: "SIGN_CONVENTION", message: "2 lines contradict the sign convention REFUNDS_NEGATIVE: the file looks like REFUNDS_POSITIVE_BY_KIND" });

    const negativeRefunds = crlf("某银行商户对账单", BANK_HEADER, bankRows[0]!, bankRows[1]!.replace("3.00,0.01", "-3.00,-0.01"), "合计,2,7.00");
    const byKind = previewTemplate(negativeRefunds, bankTemplate);
    expect(byKind.errors.map((e) => e.lineNo)).toEqual([4]);
    expect(byKind.hints.map((h) => h.code)).toContain("SIGN_CONVENTION");
    expect(byKind.hints.find((h) => h.code === "SIGN_CONVENTION")?.message).toMatch(/looks like REFUNDS_NEGATIVE/);
    expect(parseWithTemplate(negativeRefunds, { ...bankTemplate, signConvention: "REFUNDS_NEGATIVE" }).computed.amountMinor).toBe(700n);

    const flipped = previewTemplate(bankFile("合计,3,-2.00"), bankTemplate);
    expect(flipped.hints.map((h) => h.code)).toEqual(["SIGN_CONVENTION"]);
  });

  it("recognises a gross total, a miscounted header, and a file in the other encoding", () => {
    const gross = previewTemplate(bankFile("合计,3,18.00"), bankTemplate);
    expect(gross.hints.map((h) => h.code)).toEqual(["GROSS_TOTAL"]);

    const oneHeader = previewTemplate(crlf(BANK_HEADER, ...bankRows, "合计,3,2.00"), { ...bankTemplate, headerLines: 2, columns: { ...pipeTemplate.columns, amount: 5, fee: 6, kind: { by: "COLUMN", column: 4, payment: ["消费"], refund: ["退款"], revoked: ["撤销"] } }, dateFormat: "YYYY-MM-DD HH:mm:ss" });
    expect(oneHeader.computed.count).toBe(2);
    expect(oneHeader.hints.map((h) => h.code)).toContain("COUNT_MISMATCH");
    expect(oneHeader.hints.find((h) => h.code === "COUNT_MISMATCH")?.message).toMatch(/check headerLines and footerLines/);

    const gbk = previewTemplate(encodeGbk(bankFile().toString("utf8")), bankTemplate);
    expect(gbk.errors[0]).toMatchObject({ code: "ENCODING", lineNo: 2 }); // the header line, where the column names are read
    expect(gbk.head[0]?.text).toContain("\uFFFD");
    expect(gbk.hints).toContainEqual({ code: "ENCODING", message: 'the file does not read as UTF-8 but does as GBK: set encoding to "gbk"' });
  });

  it("reports a file too short for the template, or a header without a named column, instead of throwing", () => {
    const preview = previewTemplate(crlf("one line"), bankTemplate);
    expect(preview.errors).toEqual([{ code: "NOT_A_STATEMENT", message: "the file has 1 lines, fewer than the template's 2 header and 1 footer lines" }]);
    expect(preview.computed.count).toBe(0);
    // A column the header no longer has is one problem, not one per line.
    const renamed = previewTemplate(crlf("某银行商户对账单", BANK_HEADER.replace("金额", "交易金额"), ...bankRows, "合计,3,2.00"), bankTemplate);
    expect(renamed.errors).toEqual([{ lineNo: 2, code: "NOT_A_STATEMENT", message: 'line 2: the header has no column "金额"' }]);
  });
});

describe("streamWithTemplate (import reads a template's file line by line)", () => {
  it("yields the lines parseWithTemplate returns, blank lines and trailing blank lines aside, and its totals once done", () => {
    const file = Buffer.concat([bankFile().subarray(0, bankFile().indexOf("合计")), Buffer.from("\r\n合计,3,2.00\r\n\r\n  \r\n")]);
    const stream = streamWithTemplate(file, bankTemplate);
    expect(stream.facts).toBeNull();
    const lines = [...stream.lines()];
    expect(lines).toEqual(parseWithTemplate(file, bankTemplate).lines);
    expect(stream.facts).toMatchObject({ format: "TEMPLATE", declared: { count: 3, amountMinor: 200n }, computed: { count: 3 }, hasDeclaredTotals: true });
    // A second reading gives the same lines (import checks, then stores).
    expect([...stream.lines()]).toEqual(lines);
  });

  it("refuses a summary that disagrees only after the last line, naming the summary's line, and holds back what may be a footer", () => {
    const stream = streamWithTemplate(bankFile("合计,3,9.99"), bankTemplate);
    const seen: string[] = [];
    expect(() => {
      for (const l of stream.lines()) seen.push(l.outTradeNo ?? "");
    }).toThrow(/line 6: the summary states a total of 999 fen, the lines add up to 200/);
    expect(seen).toEqual(["FP1", "FP1", "FP2"]);
    expect(stream.facts).toBeNull();
    expect(() => [...streamWithTemplate(crlf("某银行商户对账单"), bankTemplate).lines()]).toThrow(/fewer than the template's 2 header and 1 footer lines/);
  });
});
