import { describe, expect, it } from "vitest";
import { formatError } from "./format-error.testing";
import { encodeGbk } from "@/server/simulators/bank/gbk";
import { parseProfitShare } from "./profit-share";

const HEADER = "账期,商户编号,商户名称,交易笔数,交易金额(元),手续费(元),分润金额(元)";
const rows = [
  "2024-01,898111453110001,某某便利店,12,12345.00,46.91,12.34",
  '202401,898111453110002,"张记面馆, 二店",3,-20.5,-0.08,-0.02',
  "2024-01,898111453110003,水果铺,0,0,0,0",
];
const TOTAL = "合计,,,15,12324.50,46.83,12.32";
const text = (...lines: string[]) => lines.join("\r\n") + "\r\n";

describe("the profit-share statement", () => {
  it("reads one PROFIT_SHARE line per merchant and month: our share as the amount, the fees as the fee", () => {
    const parsed = parseProfitShare(Buffer.from(text(HEADER, ...rows, TOTAL)));
    expect(parsed.format).toBe("PROFIT_SHARE");
    expect(parsed.billDate).toBe("2024-01-01");
    expect(parsed.lines[0]).toEqual({
      lineNo: 2,
      kind: "PROFIT_SHARE",
      status: "PROFIT_SHARE",
      subMerchant: "898111453110001",
      amountMinor: 1_234n,
      settleableMinor: 1_234n,
      feeMinor: 4_691n,
      raw: {
        month: "2024-01",
        volumeMinor: "1234500",
        账期: "2024-01",
        商户编号: "898111453110001",
        商户名称: "某某便利店",
        交易笔数: "12",
        "交易金额(元)": "12345.00",
        "手续费(元)": "46.91",
        "分润金额(元)": "12.34",
      },
    });
    // A month of refunds claws a share back; YYYYMM is read as YYYY-MM.
    expect(parsed.lines[1]).toMatchObject({ subMerchant: "898111453110002", amountMinor: -2n, feeMinor: -8n, raw: { month: "2024-01", volumeMinor: "-2050", 商户名称: "张记面馆, 二店" } });
    expect(parsed.declared).toEqual({ count: 3, amountMinor: 1_232n, feeMinor: 4_683n });
    expect(parsed.computed).toEqual(parsed.declared);
  });

  it("reads GBK as well as UTF-8 with a BOM, and full-width parentheses in the header", () => {
    const expected = parseProfitShare(Buffer.from(text(HEADER, ...rows, TOTAL))).lines;
    expect(parseProfitShare(encodeGbk(text(HEADER, ...rows, TOTAL))).lines).toEqual(expected);
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text(HEADER.replaceAll("(", "（").replaceAll(")", "）"), ...rows, TOTAL))]);
    expect(parseProfitShare(bom).lines.map((l) => l.amountMinor)).toEqual(expected.map((l) => l.amountMinor));
  });

  it("has no bill date when the statement spans months", () => {
    const parsed = parseProfitShare(Buffer.from(text(HEADER, rows[0]!, "2024-02,898111453110001,某某便利店,1,1.00,0.01,0.00", "合计,,,13,12346.00,46.92,12.34")));
    expect(parsed.billDate).toBeUndefined();
    expect(parsed.lines).toHaveLength(2);
  });

  it("checks every sum of the 合计 line", () => {
    const e = formatError(() => parseProfitShare(Buffer.from(text(HEADER, ...rows, "合计,,,14,12324.50,46.83,12.33"))));
    expect(e).toMatchObject({ code: "TOTALS_MISMATCH", lineNo: 5 });
    expect(e.message).toBe("line 5: the 合计 line disagrees with the lines: 交易笔数 14 stated, 15 added up; 分润金额 (fen) 1233 stated, 1232 added up");
  });

  it("refuses a statement cut short, lines after the total, duplicates and malformed lines, naming the line", () => {
    expect(formatError(() => parseProfitShare(Buffer.from(text(HEADER, ...rows))))).toMatchObject({ code: "MALFORMED_LINE" });
    expect(formatError(() => parseProfitShare(Buffer.from(text(HEADER, ...rows, TOTAL, rows[0]!))))).toMatchObject({ code: "MALFORMED_LINE", lineNo: 6 });
    const twice = formatError(() => parseProfitShare(Buffer.from(text(HEADER, rows[0]!, rows[0]!.replace("2024-01", "202401"), TOTAL))));
    expect(twice).toMatchObject({ code: "MALFORMED_LINE", lineNo: 3 });
    expect(twice.message).toMatch(/appears twice for 2024-01 \(first on line 2\)/);
    const bad = (row: string) => formatError(() => parseProfitShare(Buffer.from(text(HEADER, rows[0]!, row, TOTAL))));
    expect(bad("2024-13,898111453110002,X,1,1.00,0.01,0.00")).toMatchObject({ code: "MALFORMED_LINE", lineNo: 3 });
    expect(bad("2024-01,898111453110002,X,1.5,1.00,0.01,0.00")).toMatchObject({ code: "MALFORMED_LINE", lineNo: 3 });
    expect(bad("2024-01,898111453110002,X,1,1.001,0.01,0.00")).toMatchObject({ code: "MALFORMED_LINE", lineNo: 3 });
    expect(bad("2024-01,898111453110002,X,1,1.00,0.01")).toMatchObject({ code: "MALFORMED_LINE", lineNo: 3 });
    expect(bad("2024-01,,X,1,1.00,0.01,0.00")).toMatchObject({ code: "MALFORMED_LINE", lineNo: 3 });
  });

  it("refuses what is not a profit-share statement", () => {
    expect(formatError(() => parseProfitShare(Buffer.from(text("月份,商户,金额", "2024-01,1,1"))))).toMatchObject({ code: "NOT_A_STATEMENT", lineNo: 1 });
    expect(formatError(() => parseProfitShare(Buffer.from("\r\n")))).toMatchObject({ code: "NOT_A_STATEMENT" });
    expect(formatError(() => parseProfitShare(Buffer.concat([encodeGbk(HEADER), Buffer.from([0x0a, 0x81, 0x0a])])))).toMatchObject({ code: "ENCODING" });
  });
});
