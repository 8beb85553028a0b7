import { describe, expect, it } from "vitest";
import { formatError } from "./format-error.testing";
import { encodeGbk } from "@/server/simulators/bank/gbk";
import { parseMerchantSettlement } from "./merchant-settlement";

const HEADER = "结算日期,商户编号,商户名称,结算笔数,交易金额(元),手续费(元),结算金额(元),结算流水号,入账账户";
const rows = [
  "2026-11-27,1900000109,某某便利店,12,12345.00,46.91,12298.09,ST2026112700001,6222020200001234",
  '20261127,1900000110,"张记面馆, 二店",3,20.50,0.08,0,ST2026112700002,',
];
const TOTAL = "合计,,,15,12365.50,46.99,12298.09,,";
const text = (...lines: string[]) => lines.join("\r\n") + "\r\n";

describe("the channel's settlement statement to merchants", () => {
  it("reads one SETTLEMENT line per merchant: what was paid as the amount, the fees as the fee, the account masked", () => {
    const parsed = parseMerchantSettlement(Buffer.from(text(HEADER, ...rows, TOTAL)));
    expect(parsed.format).toBe("MERCHANT_SETTLEMENT");
    expect(parsed.billDate).toBe("2026-11-27");
    expect(parsed.lines[0]).toMatchObject({
      lineNo: 2,
      kind: "SETTLEMENT",
      subMerchant: "1900000109",
      amountMinor: 1_229_809n,
      settleableMinor: 1_229_809n,
      feeMinor: 4_691n,
      account: "6222********1234",
      occurredAt: "2026-11-27T00:00:00+08:00",
    });
    expect(parsed.lines[0]!.raw).toMatchObject({ settlementDate: "2026-11-27", volumeMinor: "1234500", 入账账户: "6222********1234", 结算流水号: "ST2026112700001" });
    expect(parsed.lines[1]).toMatchObject({ subMerchant: "1900000110", amountMinor: 0n, feeMinor: 8n });
    expect(parsed.lines[1]!.account).toBeUndefined();
    expect(parsed.declared).toEqual({ count: 2, amountMinor: 1_229_809n, feeMinor: 4_699n });
  });

  it("reads GBK as well as UTF-8 with a BOM, and full-width parentheses in the header", () => {
    const gbk = parseMerchantSettlement(encodeGbk(text(HEADER.replaceAll("(", "（").replaceAll(")", "）"), ...rows, TOTAL)));
    expect(gbk.lines.map((l) => l.subMerchant)).toEqual(["1900000109", "1900000110"]);
    const bom = parseMerchantSettlement(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text(HEADER, ...rows, TOTAL))]));
    expect(bom.lines).toHaveLength(2);
  });

  it("refuses what would confirm the wrong amount, naming the line", () => {
    const cases: Array<[string[], string, string]> = [
      [[HEADER, ...rows, "合计,,,15,12365.50,46.99,12298.10,,"], "TOTALS_MISMATCH", "line 4: the 合计 line disagrees with the lines: 结算金额 (fen) 1229810 stated, 1229809 added up"],
      [[HEADER, ...rows], "MALFORMED_LINE", "the file ends without its 合计 line: it may be cut short"],
      [[HEADER, rows[0]!, rows[0]!.replace("ST2026112700001", "ST9"), TOTAL], "MALFORMED_LINE", "line 3: merchant 1900000109 appears twice (first on line 2)"],
      [[HEADER, rows[0]!, rows[1]!.replace("ST2026112700002", "ST2026112700001"), TOTAL], "MALFORMED_LINE", "line 3: 结算流水号 ST2026112700001 is listed twice (first on line 2)"],
      [[HEADER, rows[0]!, rows[1]!.replace("20261127", "20261128"), TOTAL], "MALFORMED_LINE", "line 3: 结算日期 2026-11-28 differs from the file's 2026-11-27: one statement per settlement date"],
      [[HEADER, rows[0]!.replace("2026-11-27", "2026-02-30"), TOTAL], "MALFORMED_LINE", 'line 2: 结算日期 "2026-02-30" is not a date (YYYY-MM-DD)'],
      [[HEADER, rows[0]!.replace(",12298.09,", ",-12298.09,"), TOTAL], "MALFORMED_LINE", 'line 2: 结算金额 "-12298.09" is negative: a settlement pays the merchant'],
      [[HEADER, rows[0]!.replace(",12298.09,", ",12298.091,"), TOTAL], "MALFORMED_LINE", 'line 2: 结算金额 "12298.091" is not an amount in yuan with at most two decimals'],
      [[HEADER.replace("结算流水号", "流水号"), ...rows, TOTAL], "NOT_A_STATEMENT", "line 1: a merchant settlement statement starts with the header"],
      [[HEADER, rows[0]!.slice(0, -17), TOTAL], "MALFORMED_LINE", "line 2: 8 columns, not 9"],
    ];
    for (const [lines, code, message] of cases) {
      const e = formatError(() => parseMerchantSettlement(Buffer.from(text(...lines))));
      expect([e.code, e.message.slice(0, message.length)]).toEqual([code, message]);
    }
  });
});
