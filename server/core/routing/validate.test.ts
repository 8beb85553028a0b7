import { describe, expect, it } from "vitest";
import { account, config, feeRule, M1, M2, registration, rule, ruleSet } from "./test-fixtures";
import type { ConfigIssue } from "./types";
import { conditionsOverlap, validateConfig, validateRuleSet } from "./validate";

const accounts = [account("a1"), account("a2"), account("ali", { channelType: "ALIPAY", products: ["ALIPAY_QR"], elements: { ALIPAY_QR: [] } })];
const codes = (issues: readonly ConfigIssue[]) => issues.map((i) => i.code);

describe("validateRuleSet", () => {
  it("accepts a sound rule set", () => {
    const rs = ruleSet({
      rules: [
        rule("f", { targetChannelAccountIds: ["a1"], conditions: { merchantIds: [M1] } }),
        rule("x", { action: "EXCLUDE", targetChannelAccountIds: ["a2"], conditions: { products: ["WECHAT_QR"] } }),
      ],
    });
    expect(validateRuleSet(rs, accounts)).toEqual([]);
  });

  it("names unknown accounts with the exact path", () => {
    const issues = validateRuleSet(ruleSet({ rules: [rule("f", { targetChannelAccountIds: ["a1", "nope"], conditions: { merchantIds: [M1] } })] }), accounts);
    expect(issues).toEqual([
      {
        code: "UNKNOWN_CHANNEL_ACCOUNT",
        severity: "ERROR",
        path: "ruleSet.rules[0].targetChannelAccountIds[1]",
        params: { ruleId: "f", channelAccountId: "nope" },
        message: 'Rule "Rule f" names channel account nope, which does not exist.',
      },
    ]);
  });

  it("refuses a FORCE without conditions and warns on an EXCLUDE without them", () => {
    const issues = validateRuleSet(
      ruleSet({ rules: [rule("f", { targetChannelAccountIds: ["a1"] }), rule("x", { action: "EXCLUDE", targetChannelAccountIds: ["a2"], conditions: { metadata: {} } })] }),
      accounts,
    );
    expect(issues.map((i) => [i.code, i.severity])).toEqual([
      ["FORCE_WITHOUT_CONDITIONS", "ERROR"],
      ["EXCLUDE_WITHOUT_CONDITIONS", "WARNING"],
    ]);
  });

  it("finds FORCE rules that can match the same payment with no target in common", () => {
    const rs = ruleSet({
      rules: [
        rule("late", { order: 5, targetChannelAccountIds: ["a2"], conditions: { products: ["WECHAT_QR"], minAmountMinor: 1_000n } }),
        rule("early", { order: 1, targetChannelAccountIds: ["a1"], conditions: { merchantIds: [M1], maxAmountMinor: 5_000n } }),
        // Shares a target with "early": narrowing both ways is consistent, not a conflict.
        rule("shared", { order: 2, targetChannelAccountIds: ["a1", "a2"], conditions: { merchantIds: [M1] } }),
        // Other merchant, so it never meets "early".
        rule("m2", { order: 3, targetChannelAccountIds: ["ali"], conditions: { merchantIds: [M2], products: ["ALIPAY_QR"] } }),
      ],
    });
    const conflicts = validateRuleSet(rs, accounts).filter((i) => i.code === "FORCE_CONFLICT");
    expect(conflicts.map((c) => c.params)).toEqual([{ ruleId: "late", conflictsWith: "early" }]);
    expect(conflicts[0]?.path).toBe("ruleSet.rules[0]");
    expect(conflicts[0]?.message).toContain('"Rule early" runs first');
  });

  it("reports min > max, empty targets, duplicate ids and a forced account lacking the product", () => {
    const rs = ruleSet({
      rules: [
        rule("r", { targetChannelAccountIds: ["ali"], conditions: { products: ["WECHAT_QR"], minAmountMinor: 500n, maxAmountMinor: 100n } }),
        rule("r", { action: "EXCLUDE", targetChannelAccountIds: [], conditions: { merchantIds: [M1] } }),
      ],
    });
    expect(codes(validateRuleSet(rs, accounts))).toEqual(["FORCE_TARGET_LACKS_PRODUCT", "AMOUNT_RANGE_INVALID", "RULE_ID_DUPLICATE", "RULE_NO_TARGETS"]);
  });

  it("ignores disabled rules apart from their identity", () => {
    expect(validateRuleSet(ruleSet({ rules: [rule("off", { enabled: false, targetChannelAccountIds: ["nope"] })] }), accounts)).toEqual([]);
  });

  it("refuses WEIGHTED routing when every weight is zero, and warns per product when some are", () => {
    const zero = accounts.map((a) => ({ ...a, weight: 0 }));
    expect(codes(validateRuleSet(ruleSet({ strategy: "WEIGHTED" }), zero))).toEqual(["WEIGHTS_ALL_ZERO"]);
    expect(validateRuleSet(ruleSet({ strategy: "PRIORITY" }), zero)).toEqual([]);
    const some = [...accounts.slice(0, 2), { ...accounts[2]!, weight: 0 }];
    const issues = validateRuleSet(ruleSet({ strategy: "WEIGHTED" }), some);
    expect(issues.map((i) => [i.code, i.severity, i.params.products])).toEqual([["WEIGHTS_ALL_ZERO", "WARNING", ["ALIPAY_QR"]]]);
    expect(codes(validateRuleSet(ruleSet(), [account("w", { weight: -1, priority: 1.5 })]))).toEqual(["WEIGHT_INVALID", "PRIORITY_INVALID"]);
  });
});

describe("conditionsOverlap", () => {
  it("overlaps unless some dimension is disjoint", () => {
    expect(conditionsOverlap({}, {})).toBe(true);
    expect(conditionsOverlap({ merchantIds: [M1] }, { merchantIds: [M2] })).toBe(false);
    expect(conditionsOverlap({ merchantIds: [M1, M2] }, { merchantIds: [M2] })).toBe(true);
    expect(conditionsOverlap({ minAmountMinor: 100n, maxAmountMinor: 200n }, { minAmountMinor: 201n })).toBe(false);
    expect(conditionsOverlap({ minAmountMinor: 100n, maxAmountMinor: 200n }, { maxAmountMinor: 100n })).toBe(true);
    expect(conditionsOverlap({ metadata: { scene: "a" } }, { metadata: { scene: "b" } })).toBe(false);
    expect(conditionsOverlap({ metadata: { scene: "a" } }, { metadata: { lane: "b" } })).toBe(true);
  });
});

describe("validateConfig", () => {
  it("accepts the fixture configuration", () => {
    expect(validateConfig(config(), "CUSTODIAL")).toEqual([]);
  });

  it("checks time windows, zones, ranges and rates of the accounts", () => {
    const cfg = config({
      accounts: [
        account("a1", { timeWindow: { startLocal: "8:00", endLocal: "24:00", timeZone: "Mars/Base" }, minAmountMinor: 10n, maxAmountMinor: 5n, cost: { feeRatePpm: 2_000_000, minMinor: 9n, maxMinor: 1n } }),
      ],
    });
    expect(codes(validateConfig(cfg))).toEqual([
      "AMOUNT_RANGE_INVALID",
      "RATE_INVALID",
      "RATE_RANGE_INVALID",
      "TIME_WINDOW_INVALID",
      "TIME_WINDOW_INVALID",
      "TIME_ZONE_INVALID",
    ]);
    expect(validateConfig(cfg).find((i) => i.code === "TIME_WINDOW_INVALID")?.message).toBe(
      'Channel account Account a1: "8:00" is not a time of day in HH:MM form (00:00–23:59); the account is treated as closed.',
    );
  });

  it("checks registrations, duplicate fee and product rules, and offered products without a price", () => {
    const cfg = config({
      registrations: [registration("r1", M1, "a1"), registration("r2", M1, "a1"), registration("r3", M1, "nowhere")],
      feeRules: [feeRule("f1", { product: "WECHAT_QR" }), feeRule("f2", { product: "WECHAT_QR" })],
      productRules: [
        { id: "p1", product: "WECHAT_QR", orderType: "CONSUMPTION", enabled: true, minAmountMinor: 10n, maxAmountMinor: 1n },
        { id: "p2", product: "WECHAT_FACE", orderType: "CONSUMPTION", enabled: true },
      ],
    });
    expect(codes(validateConfig(cfg, "CUSTODIAL"))).toEqual([
      "REGISTRATION_DUPLICATE",
      "REGISTRATION_UNKNOWN_ACCOUNT",
      "FEE_RULE_DUPLICATE",
      "AMOUNT_RANGE_INVALID",
      "FEE_RULE_MISSING",
    ]);
  });

  it("reports DIRECT-mode fee conflicts only for DIRECT tenants", () => {
    const cfg = config({ registrations: [registration("r1", M1, "a1", { channelRatePpm: 3000 })] });
    expect(codes(validateConfig(cfg, "DIRECT"))).toEqual(["DIRECT_FEE_RATE_MISMATCH", "DIRECT_FEE_RATE_MISMATCH", "DIRECT_FEE_RATE_MISMATCH"]);
    expect(validateConfig(cfg, "CUSTODIAL")).toEqual([]);
  });
});
