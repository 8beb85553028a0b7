import { describe, expect, it } from "vitest";
import { buildCsv, CSV_BOM, csvField, csvFilename, rowsToCsv } from "./csv";

describe("csvField", () => {
  it("leaves plain text unquoted", () => {
    expect(csvField("abc")).toBe("abc");
    expect(csvField("商户甲")).toBe("商户甲");
  });

  it("quotes commas, quotes and line breaks, doubling quotes (RFC 4180)", () => {
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("line1\nline2")).toBe('"line1\nline2"');
    expect(csvField("line1\r\nline2")).toBe('"line1\r\nline2"');
  });

  it("writes bigint minor units as exact integers", () => {
    expect(csvField(12345n)).toBe("12345");
    expect(csvField(-1n)).toBe("-1");
    expect(csvField(9_007_199_254_740_993n)).toBe("9007199254740993");
  });

  it("writes numbers, and nothing for null, undefined and non-finite numbers", () => {
    expect(csvField(3800)).toBe("3800");
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
    expect(csvField(Number.NaN)).toBe("");
    expect(csvField(Number.POSITIVE_INFINITY)).toBe("");
  });

  it("neutralises formula injection in strings", () => {
    expect(csvField("=HYPERLINK(\"http://x\")")).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("+cmd")).toBe("'+cmd");
    expect(csvField("-2+3")).toBe("'-2+3");
    expect(csvField("\tx")).toBe("'\tx");
  });

  it("keeps signed plain numbers given as strings", () => {
    expect(csvField("-12")).toBe("-12");
    expect(csvField("+3.50")).toBe("+3.50");
  });
});

describe("buildCsv", () => {
  it("starts with a UTF-8 BOM and ends every record with CRLF", () => {
    const csv = buildCsv(["订单号", "金额"], [["P1", 100n], ["P2", -50n]]);
    expect(csv.startsWith(CSV_BOM)).toBe(true);
    expect(csv).toBe(`${CSV_BOM}订单号,金额\r\nP1,100\r\nP2,-50\r\n`);
  });

  it("encodes the BOM as EF BB BF in UTF-8", () => {
    const bytes = new TextEncoder().encode(buildCsv(["a"], []));
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  });

  it("writes a header-only file for no rows", () => {
    expect(buildCsv(["a", "b"], [])).toBe(`${CSV_BOM}a,b\r\n`);
  });
});

describe("rowsToCsv", () => {
  it("maps rows through the column value functions", () => {
    const rows = [{ id: "P1", amountMinor: 1999n, note: null as string | null }];
    const csv = rowsToCsv(
      [
        { header: "ID", value: (r: (typeof rows)[number]) => r.id },
        { header: "Amount (fen)", value: (r: (typeof rows)[number]) => r.amountMinor },
        { header: "Note", value: (r: (typeof rows)[number]) => r.note },
      ],
      rows,
    );
    expect(csv).toBe(`${CSV_BOM}ID,Amount (fen),Note\r\nP1,1999,\r\n`);
  });
});

describe("csvFilename", () => {
  it("adds .csv once and removes characters that are unsafe in file names", () => {
    expect(csvFilename("payments")).toBe("payments.csv");
    expect(csvFilename("payments.CSV")).toBe("payments.CSV");
    expect(csvFilename("a/b:c")).toBe("a_b_c.csv");
    expect(csvFilename("  ")).toBe("export.csv");
  });
});
