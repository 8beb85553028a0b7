import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRoutingConfig, parseRoutingRequest, parseRuleSet, toJson } from "./schema";
import { account, config, feeRule, M1, registration, request, rule, ruleSet } from "./test-fixtures";
import type { RoutingConfig } from "./types";

const rich: RoutingConfig = config({
  accounts: [
    account("a1", { timeWindow: { startLocal: "22:00", endLocal: "06:00", timeZone: "Asia/Shanghai" }, dailyAmountCapMinor: 9_007_199_254_740_993n, dailyCountCap: 10 }),
    account("a2", { health: "HALF_OPEN", cost: { feeRatePpm: 2000, fixedMinor: 1n, minMinor: 1n, maxMinor: 500n } }),
  ],
  registrations: [registration("r1", M1, "a1", { storeId: "s1" }), registration("r2", M1, "a2", { channelRatePpm: undefined, status: "PENDING" })],
  feeRules: [feeRule("f", { merchantId: M1, fixedMinor: 5n })],
  merchantLimits: [{ merchantId: M1, perTransactionMaxMinor: 100n, todayAmountMinor: 3n, todayCount: 1 }],
  ruleSet: ruleSet({
    strategy: "SUCCESS_RATE",
    successRateMinSample: 50,
    rules: [rule("x", { conditions: { merchantIds: [M1], minAmountMinor: 0n, maxAmountMinor: 10n, metadata: { scene: "canteen" } }, targetChannelAccountIds: ["a1"] })],
  }),
});

describe("toJson / parse", () => {
  it("writes amounts as decimal strings and times as ISO strings, dropping undefined fields", () => {
    expect(toJson({ a: 12n, b: new Date("2026-11-27T00:00:00Z"), c: undefined, d: [1n, { e: -3n }] })).toEqual({ a: "12", b: "2026-11-27T00:00:00.000Z", d: ["1", { e: "-3" }] });
  });

  it("round-trips a whole configuration through JSON text, beyond 2^53 too", () => {
    const text = JSON.stringify(toJson(rich));
    expect(text).toContain('"dailyAmountCapMinor":"9007199254740993"');
    expect(parseRoutingConfig(JSON.parse(text))).toEqual(rich);
  });

  it("round-trips a request, its time included", () => {
    const req = request({ storeId: "s1", deviceId: "d1", timeZone: "UTC", metadata: { scene: "canteen" }, elements: ["FACE_CODE"], random: 0.123 });
    expect(parseRoutingRequest(JSON.parse(JSON.stringify(toJson(req))))).toEqual(req);
  });

  it("accepts database-shaped input: integers for amounts and null for absent fields", () => {
    const rs = parseRuleSet({
      version: 3,
      strategy: "PRIORITY",
      fallbackEnabled: true,
      successRateMinSample: null,
      rules: [{ id: "r", name: "r", enabled: true, action: "EXCLUDE", targetChannelAccountIds: ["a"], order: 1, conditions: { minAmountMinor: 100, maxAmountMinor: null, merchantIds: null } }],
    });
    expect(rs.rules[0]?.conditions).toStrictEqual({ minAmountMinor: 100n });
    expect(rs).not.toHaveProperty("successRateMinSample");
  });

  it("refuses what is not an amount, a clock time or a product", () => {
    const base = JSON.parse(JSON.stringify(toJson(rich))) as { accounts: Record<string, unknown>[] };
    const bad = (patch: Record<string, unknown>) => () => parseRoutingConfig({ ...base, accounts: [{ ...base.accounts[0], ...patch }] });
    expect(bad({ minAmountMinor: "12.50" })).toThrow();
    expect(bad({ minAmountMinor: 0.5 })).toThrow();
    expect(bad({ minAmountMinor: "-1" })).toThrow();
    expect(bad({ timeWindow: { startLocal: "24:00", endLocal: "06:00" } })).toThrow();
    expect(bad({ products: ["CASH"] })).toThrow();
    expect(() => parseRoutingRequest({ ...toJson(request()), amountMinor: "0" })).toThrow();
    expect(() => parseRoutingRequest({ ...toJson(request()), random: 1 })).toThrow();
  });

  it("keeps any amount exactly (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 62n }), fc.bigInt({ min: 0n, max: 2n ** 62n }), (lo, hi) => {
        const rs = ruleSet({ rules: [rule("r", { conditions: { minAmountMinor: lo, maxAmountMinor: hi } })] });
        expect(parseRuleSet(JSON.parse(JSON.stringify(toJson(rs))))).toEqual(rs);
      }),
    );
  });
});
