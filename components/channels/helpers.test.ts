import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exampleFee } from "./fee-example";
import { fillMinutes } from "./health-series";
import { formatRate, parseRate, rateLabel } from "./rate";
import { DEFAULT_SETTINGS, settingsPayload } from "./settings";

const ppm = (text: string, unit: "percent" | "permille" = "percent") => {
  const r = parseRate(text, unit);
  if (!r.ok) throw new Error(`${text}: ${r.error}`);
  return r.ppm;
};
const rateError = (text: string, unit: "percent" | "permille" = "percent") => {
  const r = parseRate(text, unit);
  return r.ok ? null : r.error;
};

describe("parseRate", () => {
  it("reads percent and per mille into exact ppm", () => {
    expect(ppm("0.38")).toBe(3800);
    expect(ppm("0.235")).toBe(2350);
    expect(ppm("0.0001")).toBe(1);
    expect(ppm("100")).toBe(1_000_000);
    expect(ppm("3.8", "permille")).toBe(3800);
    expect(ppm("0.001", "permille")).toBe(1);
    expect(ppm("0.38%")).toBe(3800);
    expect(ppm("3.8 ‰", "permille")).toBe(3800);
    expect(ppm("０．３８")).toBe(3800);
    expect(ppm(".5")).toBe(5000);
    expect(ppm("0.380000")).toBe(3800);
  });

  it("refuses what is not a whole number of ppm or above 100%", () => {
    expect(rateError("")).toBe("empty");
    expect(rateError("abc")).toBe("format");
    expect(rateError("-1")).toBe("format");
    expect(rateError("1,5")).toBe("format");
    expect(rateError("0.00001")).toBe("decimals");
    expect(rateError("0.0001", "permille")).toBe("decimals");
    expect(rateError("100.0001")).toBe("tooLarge");
    expect(rateError("1001", "permille")).toBe("tooLarge");
  });

  it("round-trips every ppm through both units", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom("percent" as const, "permille" as const), (value, unit) => {
        expect(ppm(formatRate(value, unit), unit)).toBe(value);
      }),
    );
  });

  it("formats without trailing zeros", () => {
    expect(formatRate(3800, "percent")).toBe("0.38");
    expect(formatRate(3800, "permille")).toBe("3.8");
    expect(formatRate(0, "percent")).toBe("0");
    expect(formatRate(10_000, "percent")).toBe("1");
    expect(rateLabel(2350)).toBe("0.235%");
    expect(rateLabel(2350, "permille")).toBe("2.35‰");
  });
});

describe("settingsPayload", () => {
  it("turns the defaults into the schema's shape with nulls for no limit", () => {
    const r = settingsPayload(DEFAULT_SETTINGS);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.settings).toMatchObject({
      priority: 100,
      weight: 1,
      minAmountMinor: null,
      maxAmountMinor: null,
      dailyAmountCap: null,
      dailyCountCap: null,
      windowStart: null,
      windowEnd: null,
      costRatePpm: 0,
      costFixedMinor: 0n,
      costMaxMinor: null,
      healthErrorRatePpm: 500_000,
    });
    expect("settlementAccountNumber" in r.settings).toBe(false);
  });

  it("converts yuan to fen and the cost rate from the chosen unit", () => {
    const r = settingsPayload({ ...DEFAULT_SETTINGS, minAmount: "0.01", maxAmount: "5,000.00", dailyAmountCap: "200000", costRate: "2.5", costRateUnit: "permille", costMax: "1.5", settlementAccountNumber: "6222 0202 0000 1234" });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.settings.minAmountMinor).toBe(1n);
    expect(r.settings.maxAmountMinor).toBe(500_000n);
    expect(r.settings.dailyAmountCap).toBe(20_000_000n);
    expect(r.settings.costRatePpm).toBe(2500);
    expect(r.settings.costMaxMinor).toBe(150n);
    expect(r.settings.settlementAccountNumber).toBe("6222020200001234");
  });

  it("reports typing problems under the schema's field names", () => {
    const r = settingsPayload({ ...DEFAULT_SETTINGS, priority: "", weight: "1.5", minAmount: "1.234", maxAmount: "0", costRate: "x", dailyCountCap: "０" });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual({
      priority: "channels.requiredField",
      weight: "channels.integerError",
      minAmountMinor: "channels.amountError_decimals",
      maxAmountMinor: "channels.validation_positive",
      costRatePpm: "channels.rateError_format",
      dailyCountCap: "channels.rangeError",
    });
  });
});

describe("fillMinutes", () => {
  it("gives every minute of the hour, oldest first, with gaps as zero calls and no latency", () => {
    const now = new Date("2026-03-01T10:30:45Z");
    const points = fillMinutes(
      [
        { minute: new Date("2026-03-01T10:30:00Z"), calls: 4, failures: 1, avgLatencyMs: 120.6, maxLatencyMs: 300 },
        { minute: new Date("2026-03-01T09:40:00Z"), calls: 2, failures: 0, avgLatencyMs: 80, maxLatencyMs: 90 },
      ],
      now,
    );
    expect(points).toHaveLength(60);
    expect(points[0]?.at).toBe(Date.parse("2026-03-01T09:31:00Z"));
    expect(points[59]).toEqual({ at: Date.parse("2026-03-01T10:30:00Z"), calls: 4, failures: 1, avgLatencyMs: 121, maxLatencyMs: 300 });
    expect(points[9]).toEqual({ at: Date.parse("2026-03-01T09:40:00Z"), calls: 2, failures: 0, avgLatencyMs: 80, maxLatencyMs: 90 });
    expect(points[10]).toEqual({ at: Date.parse("2026-03-01T09:41:00Z"), calls: 0, failures: 0, avgLatencyMs: null, maxLatencyMs: null });
  });
});

describe("exampleFee", () => {
  it("is the ledger's fee: half-up rate plus fixed, clamped", () => {
    expect(exampleFee(10_000n, { feeRatePpm: 3800, fixedMinor: 0n, minFeeMinor: 0n, maxFeeMinor: null })).toBe(38n);
    // 0.6% of ¥0.75 = 0.45 fen → 0 fen; 0.6% of ¥2.50 = 1.5 fen → 2 fen (half-up).
    expect(exampleFee(75n, { feeRatePpm: 6000, fixedMinor: 0n, minFeeMinor: 0n, maxFeeMinor: null })).toBe(0n);
    expect(exampleFee(250n, { feeRatePpm: 6000, fixedMinor: 0n, minFeeMinor: 0n, maxFeeMinor: null })).toBe(2n);
    expect(exampleFee(10_000n, { feeRatePpm: 3800, fixedMinor: 10n, minFeeMinor: 100n, maxFeeMinor: null })).toBe(100n);
    expect(exampleFee(10_000n, { feeRatePpm: 3800, fixedMinor: 0n, minFeeMinor: 0n, maxFeeMinor: 20n })).toBe(20n);
  });

  it("has no answer for a rule the server would refuse", () => {
    expect(exampleFee(10_000n, { feeRatePpm: 3800, fixedMinor: 0n, minFeeMinor: 50n, maxFeeMinor: 10n })).toBeNull();
    expect(exampleFee(10_000n, { feeRatePpm: 1_000_001, fixedMinor: 0n, minFeeMinor: 0n, maxFeeMinor: null })).toBeNull();
  });
});
