import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fenToYuanText, parseYuan } from "./amount-input";

const fen = (text: string) => {
  const r = parseYuan(text);
  if (!r.ok) throw new Error(`${text}: ${r.error}`);
  return r.fen;
};
const error = (text: string) => {
  const r = parseYuan(text);
  return r.ok ? null : r.error;
};

describe("parseYuan", () => {
  it("reads yuan with up to two decimals as fen", () => {
    expect(fen("100")).toBe(10000n);
    expect(fen("100.00")).toBe(10000n);
    expect(fen("100.5")).toBe(10050n);
    expect(fen("0.01")).toBe(1n);
    expect(fen("0.1")).toBe(10n);
    expect(fen(".5")).toBe(50n);
    expect(fen("5.")).toBe(500n);
    expect(fen("007.20")).toBe(720n);
    expect(fen("0")).toBe(0n);
  });

  it("accepts what people paste: spaces, a yuan sign, thousands commas, full-width digits", () => {
    expect(fen("  12.30 ")).toBe(1230n);
    expect(fen("¥12.30")).toBe(1230n);
    expect(fen("￥ 8")).toBe(800n);
    expect(fen("+3")).toBe(300n);
    expect(fen("1,234.56")).toBe(123456n);
    expect(fen("12,345,678")).toBe(1234567800n);
    expect(fen("１００．５")).toBe(10050n);
  });

  it("is exact beyond 2^53 fen, where a float would already be wrong", () => {
    expect(fen("900719925474099.33")).toBe(90071992547409933n);
    expect(fen("0.29")).toBe(29n); // 0.29 * 100 = 28.999999999999996 as a float
  });

  it("refuses what it cannot read without guessing", () => {
    expect(error("")).toBe("empty");
    expect(error("   ")).toBe("empty");
    expect(error("-1")).toBe("negative");
    expect(error("12.345")).toBe("decimals");
    expect(error("1,5")).toBe("format");
    expect(error("1,23,456")).toBe("format");
    expect(error("1e3")).toBe("format");
    expect(error("abc")).toBe("format");
    expect(error(".")).toBe("format");
    expect(error("1.2.3")).toBe("format");
    expect(error("1234567890123456")).toBe("tooLarge");
  });

  it("round-trips every amount through fenToYuanText", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 17n - 1n }), (n) => {
        expect(fen(fenToYuanText(n))).toBe(n);
      }),
    );
  });
});

describe("fenToYuanText", () => {
  it("writes two decimals without grouping", () => {
    expect(fenToYuanText(0n)).toBe("0.00");
    expect(fenToYuanText(5n)).toBe("0.05");
    expect(fenToYuanText(123456n)).toBe("1234.56");
    expect(fenToYuanText(-10n)).toBe("-0.10");
  });
});
