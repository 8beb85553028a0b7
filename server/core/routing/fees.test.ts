import { describe, expect, it } from "vitest";
import { applicableFeeRule, channelCost, directModeConflicts, feeBreakdown, feeRateFor, formatPpm, marginOf, merchantFee } from "./fees";
import { account, feeRule, M1, M2, registration } from "./test-fixtures";

describe("merchantFee: rate in ppm, half-up, plus fixed, clamped", () => {
  it("charges the rate: 100.00 yuan at 0.38% (3800 ppm) = 0.38 yuan", () => {
    // 10000 × 3800 / 1e6 = 38 exactly
    expect(merchantFee({ feeRatePpm: 3800 }, 10_000n)).toBe(38n);
  });

  it("rounds half up at the fen: 0.5 fen → 1, 0.4978 → 0, 0.5016 → 1", () => {
    expect(merchantFee({ feeRatePpm: 4000 }, 125n)).toBe(1n); // 125 × 0.004 = 0.5 → 1
    expect(merchantFee({ feeRatePpm: 3800 }, 131n)).toBe(0n); // 0.4978 → 0
    expect(merchantFee({ feeRatePpm: 3800 }, 132n)).toBe(1n); // 0.5016 → 1
    expect(merchantFee({ feeRatePpm: 2350 }, 10_000n)).toBe(24n); // 23.5 → 24
    expect(merchantFee({ feeRatePpm: 2350 }, 9_999n)).toBe(23n); // 23.49765 → 23
    expect(merchantFee({ feeRatePpm: 6000 }, 1n)).toBe(0n); // 0.006 → 0
  });

  it("adds the fixed part after rounding the rate part", () => {
    // 10000 × 0.38% = 38, + 20 fixed = 58
    expect(merchantFee({ feeRatePpm: 3800, fixedMinor: 20n }, 10_000n)).toBe(58n);
    // 131 × 0.38% = 0.4978 → 0, + 1 fixed = 1 (the fixed part is not rounded together with the rate)
    expect(merchantFee({ feeRatePpm: 3800, fixedMinor: 1n }, 131n)).toBe(1n);
  });

  it("clamps to the minimum and the maximum", () => {
    // 100 × 0.38% = 0.38 → 0, raised to the 1 fen minimum
    expect(merchantFee({ feeRatePpm: 3800, minMinor: 1n }, 100n)).toBe(1n);
    // 1,000,000 × 0.6% = 6000, capped at 2500
    expect(merchantFee({ feeRatePpm: 6000, maxMinor: 2_500n }, 1_000_000n)).toBe(2_500n);
    // Within the bounds nothing changes: 10000 × 0.38% = 38 ∈ [10, 50]
    expect(merchantFee({ feeRatePpm: 3800, minMinor: 10n, maxMinor: 50n }, 10_000n)).toBe(38n);
  });

  it("never charges more than the amount, so a zero amount has a zero fee", () => {
    expect(merchantFee({ feeRatePpm: 3800, fixedMinor: 20n, minMinor: 5n }, 0n)).toBe(0n);
    expect(merchantFee({ feeRatePpm: 3800, fixedMinor: 5n }, 3n)).toBe(3n);
    expect(merchantFee({ feeRatePpm: 0 }, 10_000n)).toBe(0n);
  });

  it("refuses a rate outside 0–1,000,000 ppm", () => {
    expect(() => merchantFee({ feeRatePpm: 1_000_001 }, 100n)).toThrow(/ppm/);
    expect(() => merchantFee({ feeRatePpm: 3.5 }, 100n)).toThrow(/ppm/);
  });
});

describe("channelCost and margin", () => {
  it("costs with the same arithmetic: 0.2% of 100.00 yuan + 0.10 fixed = 0.30", () => {
    expect(channelCost({ feeRatePpm: 2000, fixedMinor: 10n }, 10_000n)).toBe(30n);
    expect(channelCost({ feeRatePpm: 2000, minMinor: 1n }, 100n)).toBe(1n); // 0.2 → 0 → min 1
  });

  it("margin = merchant fee − channel cost, negative when the tenant loses", () => {
    expect(marginOf(38n, 20n)).toBe(18n);
    expect(marginOf(0n, 1n)).toBe(-1n);
    // 10000: fee 38 (0.38%), cost 25 (0.25%) → margin 13
    expect(feeBreakdown({ feeRatePpm: 3800 }, { feeRatePpm: 2500 }, 10_000n)).toEqual({ feeMinor: 38n, costMinor: 25n, marginMinor: 13n });
    // 131: fee 0.4978 → 0, cost min 1 → margin −1 (a 1-fen loss the rounding makes)
    expect(feeBreakdown({ feeRatePpm: 3800 }, { feeRatePpm: 2500, minMinor: 1n }, 131n)).toEqual({ feeMinor: 0n, costMinor: 1n, marginMinor: -1n });
  });
});

describe("fee rule resolution", () => {
  const rules = [
    feeRule("default", { product: "WECHAT_FACE", feeRatePpm: 3800 }),
    feeRule("m1-own", { product: "WECHAT_FACE", merchantId: M1, feeRatePpm: 3000 }),
    feeRule("qr", { product: "WECHAT_QR", feeRatePpm: 6000 }),
  ];

  it("prefers the merchant's own rule, else the tenant default, per product", () => {
    expect(applicableFeeRule(rules, "WECHAT_FACE", M1)?.id).toBe("m1-own");
    expect(applicableFeeRule(rules, "WECHAT_FACE", M2)?.id).toBe("default");
    expect(applicableFeeRule(rules, "WECHAT_QR", M1)?.id).toBe("qr");
    expect(applicableFeeRule(rules, "ALIPAY_QR", M1)).toBeUndefined();
  });

  it("charges DIRECT merchants the registration's rate and ignores the fee rule", () => {
    const reg = registration("r", M1, "a", { channelRatePpm: 2800 });
    const r = feeRateFor("DIRECT", rules[1], reg);
    expect(r?.rule).toEqual({ feeRatePpm: 2800 });
    expect(r?.source).toEqual({ kind: "REGISTRATION_RATE", registrationId: "r", feeRatePpm: 2800 });
    expect(feeRateFor("DIRECT", rules[1], registration("r", M1, "a", { channelRatePpm: undefined }))).toBeNull();
    expect(feeRateFor("CUSTODIAL", rules[1], reg)?.source).toEqual({ kind: "FEE_RULE", feeRuleId: "m1-own" });
    expect(feeRateFor("CUSTODIAL", undefined, reg)).toBeNull();
  });
});

describe("directModeConflicts", () => {
  const accounts = [account("wx"), account("ali", { channelType: "ALIPAY", products: ["ALIPAY_QR"], elements: { ALIPAY_QR: [] } })];

  it("reports nothing when the fee rules agree with the registrations", () => {
    const issues = directModeConflicts(
      [feeRule("f", { product: "WECHAT_FACE", feeRatePpm: 3800 })],
      [registration("r1", M1, "wx", { channelRatePpm: 3800 }), registration("r2", M2, "ali", { channelRatePpm: 2000 })],
      accounts,
    );
    expect(issues).toEqual([]);
  });

  it("reports a tenant default that disagrees, once per rate, with a count and sample ids", () => {
    const regs = [
      registration("r1", M1, "wx", { channelRatePpm: 3000 }),
      registration("r2", M2, "wx", { channelRatePpm: 3000 }),
      registration("r3", "m3", "wx", { channelRatePpm: 3800 }),
    ];
    const issues = directModeConflicts([feeRule("f", { product: "WECHAT_FACE", feeRatePpm: 3800 })], regs, accounts);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      code: "DIRECT_FEE_RATE_MISMATCH",
      severity: "ERROR",
      params: { feeRuleId: "f", product: "WECHAT_FACE", feeRatePpm: 3800, channelRatePpm: 3000, registrationCount: 2, registrationIds: ["r1", "r2"] },
    });
    expect(issues[0]?.message).toContain("0.38%");
    expect(issues[0]?.message).toContain("0.3%");
  });

  it("checks the merchant's own rule rather than the default it overrides", () => {
    const rules = [feeRule("default", { feeRatePpm: 3800 }), feeRule("own", { merchantId: M1, feeRatePpm: 3000 })];
    expect(directModeConflicts(rules, [registration("r1", M1, "wx", { channelRatePpm: 3000 })], accounts)).toEqual([]);
    expect(directModeConflicts(rules, [registration("r1", M1, "wx", { channelRatePpm: 3800 })], accounts).map((i) => i.params.feeRuleId)).toEqual(["own"]);
  });

  it("ignores products the registration's account does not carry, and rejected registrations", () => {
    const rules = [feeRule("f", { product: "WECHAT_FACE", feeRatePpm: 3800 })];
    expect(directModeConflicts(rules, [registration("r", M1, "ali", { channelRatePpm: 2000 })], accounts)).toEqual([]);
    expect(directModeConflicts(rules, [registration("r", M1, "wx", { channelRatePpm: 2000, status: "REJECTED" })], accounts)).toEqual([]);
  });

  it("reports fixed, minimum and maximum parts, which the channel would not charge", () => {
    const issues = directModeConflicts([feeRule("f", { feeRatePpm: 3800, fixedMinor: 10n, maxMinor: 500n })], [registration("r", M1, "wx", { channelRatePpm: 3800 })], accounts);
    expect(issues.map((i) => i.code)).toEqual(["DIRECT_FEE_EXTRA_COMPONENT"]);
    expect(issues[0]?.params.components).toEqual(["fixed", "maximum"]);
  });

  it("reports a registration with no channel rate", () => {
    const issues = directModeConflicts([], [registration("r", M1, "wx", { channelRatePpm: undefined })]);
    expect(issues.map((i) => [i.code, i.params.registrationId])).toEqual([["DIRECT_REGISTRATION_RATE_MISSING", "r"]]);
  });
});

describe("formatPpm", () => {
  it("shows ppm as a percentage without trailing zeros", () => {
    expect(formatPpm(3800)).toBe("0.38%");
    expect(formatPpm(2350)).toBe("0.235%");
    expect(formatPpm(10_000)).toBe("1%");
    expect(formatPpm(0)).toBe("0%");
    expect(formatPpm(1)).toBe("0.0001%");
  });
});
