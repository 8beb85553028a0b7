import { describe, expect, it } from "vitest";
import { chartNumberToMinor, minorToChartNumber, moneyFormatter, seriesColor, SERIES_COLORS } from "./chart-utils";

describe("chart money edge", () => {
  it("converts minor units to numbers and back exactly within the safe range", () => {
    expect(minorToChartNumber(123456n)).toBe(123456);
    expect(chartNumberToMinor(minorToChartNumber(-9_007_199_254_740_991n))).toBe(-9_007_199_254_740_991n);
  });

  it("rounds fractional ticks and tolerates non-finite values", () => {
    expect(chartNumberToMinor(2.5)).toBe(3n);
    expect(chartNumberToMinor(Number.NaN)).toBe(0n);
  });

  it("formats ticks through formatMoney", () => {
    expect(moneyFormatter("CNY", "zh-CN")(1234567)).toBe("¥12,345.67");
    expect(moneyFormatter("CNY", "en")(-5)).toBe("-¥0.05");
  });
});

describe("seriesColor", () => {
  it("cycles the brand palette and honours an override", () => {
    expect(seriesColor(0)).toBe("var(--color-primary)");
    expect(seriesColor(SERIES_COLORS.length + 1)).toBe("var(--color-accent)");
    expect(seriesColor(3, "var(--color-warning)")).toBe("var(--color-warning)");
  });
});
