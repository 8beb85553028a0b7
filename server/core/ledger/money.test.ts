import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isDomainError } from "@/server/core/errors/domain-error";
import { feeFor, mulDivHalfUp, proportionalShare, yuanToFen } from "./money";

function codeOfSync(fn: () => unknown): string {
  try {
    fn();
    return "OK";
  } catch (e) {
    if (isDomainError(e)) return e.code;
    throw e;
  }
}

describe("mulDivHalfUp", () => {
  it("rounds half up (away from zero) on exact .5 and keeps exact results", () => {
    expect(mulDivHalfUp(5n, 1n, 2n)).toBe(3n); // 2.5 → 3
    expect(mulDivHalfUp(3n, 1n, 2n)).toBe(2n); // 1.5 → 2
    expect(mulDivHalfUp(1n, 1n, 2n)).toBe(1n); // 0.5 → 1
    expect(mulDivHalfUp(7n, 1n, 2n)).toBe(4n); // 3.5 → 4
    expect(mulDivHalfUp(10n, 3n, 6n)).toBe(5n); // exact
    expect(mulDivHalfUp(0n, 123n, 7n)).toBe(0n);
  });

  it("rounds below .5 down and above .5 up", () => {
    expect(mulDivHalfUp(10n, 1n, 3n)).toBe(3n); // 3.333…
    expect(mulDivHalfUp(20n, 1n, 3n)).toBe(7n); // 6.666…
    expect(mulDivHalfUp(1249n, 1n, 1000n)).toBe(1n); // 1.249
    expect(mulDivHalfUp(1499n, 1n, 1000n)).toBe(1n); // 1.499
    expect(mulDivHalfUp(1500n, 1n, 1000n)).toBe(2n); // 1.5
  });

  it("rounds negatives away from zero on .5, symmetric with positives", () => {
    expect(mulDivHalfUp(-5n, 1n, 2n)).toBe(-3n); // −2.5 → −3
    expect(mulDivHalfUp(5n, -1n, 2n)).toBe(-3n);
    expect(mulDivHalfUp(5n, 1n, -2n)).toBe(-3n);
    expect(mulDivHalfUp(-5n, -1n, 2n)).toBe(3n);
    expect(mulDivHalfUp(-5n, 1n, -2n)).toBe(3n);
    expect(mulDivHalfUp(-10n, 1n, 3n)).toBe(-3n); // −3.33 → −3
    expect(mulDivHalfUp(-20n, 1n, 3n)).toBe(-7n); // −6.67 → −7
    expect(mulDivHalfUp(0n, 5n, -3n)).toBe(0n);
  });

  it("computes the architecture's rate examples on fen", () => {
    // 0.38% of ¥100.00 = 38 fen; 0.38% of ¥1.32 = 0.5016 → 1 fen; 0.235% of ¥10.00 = 2.35 → 2 fen;
    // 0.25% of ¥2.00 = 0.5 → 1 fen (the half goes up).
    expect(mulDivHalfUp(10000n, 3800n, 1_000_000n)).toBe(38n);
    expect(mulDivHalfUp(132n, 3800n, 1_000_000n)).toBe(1n);
    expect(mulDivHalfUp(1000n, 2350n, 1_000_000n)).toBe(2n);
    expect(mulDivHalfUp(200n, 2500n, 1_000_000n)).toBe(1n);
    expect(mulDivHalfUp(199n, 2500n, 1_000_000n)).toBe(0n); // 0.4975
  });

  it("is exact beyond 2^53 (bigint, no floats)", () => {
    const a = 9_007_199_254_740_993n; // 2^53 + 1
    expect(mulDivHalfUp(a, 3n, 3n)).toBe(a);
    expect(mulDivHalfUp(a, 1n, 2n)).toBe(4_503_599_627_370_497n); // …496.5 → …497
  });

  it("refuses division by zero", () => {
    expect(() => mulDivHalfUp(1n, 1n, 0n)).toThrow(/division by zero/);
  });

  it("matches the rational definition round(a·b/c) = floor(a·b/c + 1/2) for |x|, sign restored (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.bigInt({ min: -(10n ** 7n), max: 10n ** 7n }), fc.bigInt({ min: -(10n ** 7n), max: 10n ** 7n }).filter((c) => c !== 0n), (a, b, c) => {
        const r = mulDivHalfUp(a, b, c);
        const n = a * b;
        const abs = (x: bigint) => (x < 0n ? -x : x);
        // |r| is the nearest integer to |n/c|, ties up: |r| − 1/2 ≤ |n/c| < |r| + 1/2.
        expect(2n * abs(r) * abs(c) - abs(c) <= 2n * abs(n)).toBe(true);
        expect(2n * abs(n) < 2n * abs(r) * abs(c) + abs(c)).toBe(true);
        if (r !== 0n) expect(r < 0n).toBe(n < 0n !== c < 0n);
        // Symmetry: negating the numerator negates the result.
        expect(mulDivHalfUp(-a, b, c)).toBe(-r);
      }),
      { numRuns: 500 },
    );
  });
});

describe("feeFor", () => {
  it("applies the ppm rate half-up", () => {
    expect(feeFor(10000n, { feeRatePpm: 3800 })).toBe(38n);
    expect(feeFor(132n, { feeRatePpm: 3800 })).toBe(1n);
    expect(feeFor(131n, { feeRatePpm: 3800 })).toBe(0n); // 0.4978
    expect(feeFor(0n, { feeRatePpm: 3800 })).toBe(0n);
    expect(feeFor(12345n, { feeRatePpm: 0 })).toBe(0n);
    expect(feeFor(12345n, { feeRatePpm: 1_000_000 })).toBe(12345n);
  });

  it("adds the fixed part, then clamps to the minimum and the maximum", () => {
    expect(feeFor(10000n, { feeRatePpm: 3800, fixedMinor: 10n })).toBe(48n);
    expect(feeFor(100n, { feeRatePpm: 3800, minMinor: 5n })).toBe(5n); // 0.38 → 0, raised to 5
    expect(feeFor(1_000_000n, { feeRatePpm: 3800, maxMinor: 2000n })).toBe(2000n); // 3800 capped
    expect(feeFor(1_000_000n, { feeRatePpm: 3800, fixedMinor: 100n, maxMinor: 3850n })).toBe(3850n); // 3900 capped
    expect(feeFor(10000n, { feeRatePpm: 3800, minMinor: 38n, maxMinor: 38n })).toBe(38n); // exactly at both bounds
  });

  it("never charges more than the amount (min and fixed included)", () => {
    expect(feeFor(3n, { feeRatePpm: 3800, minMinor: 5n })).toBe(3n);
    expect(feeFor(3n, { feeRatePpm: 0, fixedMinor: 10n })).toBe(3n);
    expect(feeFor(0n, { feeRatePpm: 3800, minMinor: 5n })).toBe(0n);
  });

  it("refuses negative amounts and invalid rates", () => {
    expect(codeOfSync(() => feeFor(-1n, { feeRatePpm: 3800 }))).toBe("AMOUNT_NEGATIVE");
    expect(codeOfSync(() => feeFor(100n, { feeRatePpm: -1 }))).toBe("FEE_RATE_INVALID");
    expect(codeOfSync(() => feeFor(100n, { feeRatePpm: 1_000_001 }))).toBe("FEE_RATE_INVALID");
    expect(codeOfSync(() => feeFor(100n, { feeRatePpm: 38.5 }))).toBe("FEE_RATE_INVALID");
    expect(codeOfSync(() => feeFor(100n, { feeRatePpm: Number.NaN }))).toBe("FEE_RATE_INVALID");
  });

  it("is within [0, amount] and within [min, max] when the amount allows (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.bigInt({ min: 0n, max: 1000n }),
        fc.bigInt({ min: 0n, max: 1000n }),
        fc.bigInt({ min: 0n, max: 100_000n }),
        (amount, ppm, fixed, min, extra) => {
          const max = min + extra;
          const fee = feeFor(amount, { feeRatePpm: ppm, fixedMinor: fixed, minMinor: min, maxMinor: max });
          expect(fee >= 0n && fee <= amount).toBe(true);
          if (amount >= max) expect(fee >= min && fee <= max).toBe(true);
          const raw = mulDivHalfUp(amount, BigInt(ppm), 1_000_000n) + fixed;
          const clamped = raw < min ? min : raw > max ? max : raw;
          expect(fee).toBe(clamped > amount ? amount : clamped);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("proportionalShare", () => {
  it("three partial refunds return exactly the original fee; the last takes the remainder", () => {
    // ¥100.00 paid, fee 38 fen. Refunds ¥33.33, ¥33.33, ¥33.34.
    // 38 × 3333 / 10000 = 12.6654 → 13; again 13; the last returns 38 − 26 = 12 (pro rata would be 12.6692 → 13).
    const f1 = proportionalShare(38n, 10000n, 3333n, 0n, 0n);
    const f2 = proportionalShare(38n, 10000n, 3333n, f1, 3333n);
    const f3 = proportionalShare(38n, 10000n, 3334n, f1 + f2, 6666n);
    expect([f1, f2, f3]).toEqual([13n, 13n, 12n]);
    expect(f1 + f2 + f3).toBe(38n);
  });

  it("a single full refund returns the whole fee; odd splits still sum exactly", () => {
    expect(proportionalShare(38n, 10000n, 10000n, 0n, 0n)).toBe(38n);
    // Fee 1 fen on ¥1.32: refunds of 66 + 66 → 0.5 → 1, then the remainder 0.
    const a = proportionalShare(1n, 132n, 66n, 0n, 0n);
    const b = proportionalShare(1n, 132n, 66n, a, 66n);
    expect([a, b]).toEqual([1n, 0n]);
  });

  it("never returns more than is left, even when rounding would", () => {
    // Fee 3 on 7: refunds 3, 3, 1 → 1.29 → 1, 1.29 → 1 (left 2)… the clamp matters for pathological earlier returns.
    expect(proportionalShare(3n, 7n, 3n, 3n, 3n)).toBe(0n); // everything already returned: nothing more
    expect(proportionalShare(3n, 7n, 1n, 1n, 3n)).toBe(0n); // 3·1/7 = 0.43 → 0
  });

  it("refuses non-positive refunds and refunds beyond the captured amount", () => {
    expect(codeOfSync(() => proportionalShare(38n, 10000n, 0n, 0n, 0n))).toBe("REFUND_AMOUNT_INVALID");
    expect(codeOfSync(() => proportionalShare(38n, 10000n, -5n, 0n, 0n))).toBe("REFUND_AMOUNT_INVALID");
    expect(codeOfSync(() => proportionalShare(38n, 10000n, 10001n, 0n, 0n))).toBe("REFUND_EXCEEDS_CAPTURED");
    expect(codeOfSync(() => proportionalShare(38n, 10000n, 2n, 13n, 9999n))).toBe("REFUND_EXCEEDS_CAPTURED");
  });

  it("any sequence of partial refunds that completes the payment returns exactly the total (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 9n }), fc.bigInt({ min: 0n, max: 10n ** 6n }), fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 12 }), (captured, totalRaw, weights) => {
        const total = totalRaw > captured ? captured : totalRaw;
        // Split `captured` into positive parts proportional to the weights.
        const sum = BigInt(weights.reduce((s, w) => s + w, 0));
        const parts: bigint[] = [];
        let used = 0n;
        for (let i = 0; i < weights.length - 1; i++) {
          const p = (captured * BigInt(weights[i]!)) / sum;
          if (p > 0n && used + p < captured) {
            parts.push(p);
            used += p;
          }
        }
        parts.push(captured - used);
        let returned = 0n;
        let refunded = 0n;
        for (const p of parts) {
          const share = proportionalShare(total, captured, p, returned, refunded);
          expect(share >= 0n).toBe(true);
          returned += share;
          refunded += p;
          expect(returned <= total).toBe(true);
        }
        expect(refunded).toBe(captured);
        expect(returned).toBe(total);
      }),
      { numRuns: 300 },
    );
  });
});

describe("yuanToFen", () => {
  it("parses yuan with zero, one or two decimals", () => {
    expect(yuanToFen("12.30")).toBe(1230n);
    expect(yuanToFen("12.3")).toBe(1230n);
    expect(yuanToFen("12")).toBe(1200n);
    expect(yuanToFen("0.01")).toBe(1n);
    expect(yuanToFen("0.1")).toBe(10n);
    expect(yuanToFen("0")).toBe(0n);
    expect(yuanToFen("0.00")).toBe(0n);
    expect(yuanToFen("007.05")).toBe(705n);
    expect(yuanToFen("  5.00 ")).toBe(500n);
  });

  it("parses negatives, and −0 is zero", () => {
    expect(yuanToFen("-0.05")).toBe(-5n);
    expect(yuanToFen("-12.30")).toBe(-1230n);
    expect(yuanToFen("-0.00")).toBe(0n);
  });

  it("is exact for amounts far beyond Number's safe range", () => {
    expect(yuanToFen("92233720368547758.07")).toBe(9_223_372_036_854_775_807n); // PostgreSQL bigint max in fen
    expect(yuanToFen("12345678901234567890.12")).toBe(1_234_567_890_123_456_789_012n);
  });

  it("refuses anything that is not yuan with at most two decimals", () => {
    for (const bad of ["", " ", "-", ".", "1.", ".5", "1.234", "1.2.3", "+1", "1e3", "1,000", "1 000", "¥1", "1元", "１２", "0x10", "NaN", "Infinity", "--1", "1-", "- 1", "1.5 0", "12.300"]) {
      expect(codeOfSync(() => yuanToFen(bad)), JSON.stringify(bad)).toBe("AMOUNT_FORMAT");
    }
  });

  it("round-trips every fen amount through its two-decimal text (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (fen) => {
        const abs = fen < 0n ? -fen : fen;
        const text = `${fen < 0n ? "-" : ""}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
        expect(yuanToFen(text)).toBe(fen);
      }),
      { numRuns: 300 },
    );
  });
});
