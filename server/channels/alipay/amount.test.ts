import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ALIPAY_MAX_AMOUNT_FEN, fenToYuan, yuanToFen } from "./amount";

describe("yuan strings ↔ fen", () => {
  it("converts exactly", () => {
    expect(yuanToFen("10.00", "a")).toBe(1000n);
    expect(yuanToFen("0.07", "a")).toBe(7n);
    expect(yuanToFen("0.1", "a")).toBe(10n);
    expect(yuanToFen("25", "a")).toBe(2500n);
    expect(yuanToFen("100000000.00", "a")).toBe(ALIPAY_MAX_AMOUNT_FEN);
    expect(fenToYuan(1n, "a")).toBe("0.01");
    expect(fenToYuan(1005n, "a")).toBe("10.05");
    expect(fenToYuan(ALIPAY_MAX_AMOUNT_FEN, "a")).toBe("100000000.00");
  });

  it.each(["", " 1.00", "1.00 ", "-1.00", "+1.00", "1.234", "1e3", "01.00", "1.", ".5", "1,00", "NaN", "0x10", "１.００"])("refuses %j as MALFORMED", (value) => {
    expect(() => yuanToFen(value, "total_amount")).toThrow(expect.objectContaining({ code: "MALFORMED" }));
  });

  it("refuses amounts Alipay would not take", () => {
    for (const fen of [0n, -1n, ALIPAY_MAX_AMOUNT_FEN + 1n]) expect(() => fenToYuan(fen, "amountMinor")).toThrow(expect.objectContaining({ code: "MALFORMED" }));
  });

  it("round-trips every amount in range", () => {
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: ALIPAY_MAX_AMOUNT_FEN }), (fen) => yuanToFen(fenToYuan(fen, "a"), "a") === fen));
  });
});
