import { describe, expect, it } from "vitest";
import { CompiledConfigCache, compileConfig } from "./compile";
import { route, routeUncompiled } from "./engine";
import { parseRoutingRequest, toJson } from "./schema";
import { account, config, feeRule, M1, M2, NOON_BEIJING, registration, request, rule, ruleSet } from "./test-fixtures";
import { TRACE_MAX_CANDIDATES, type Decision, type LiveState, type NoRouteDecision, type RoutedDecision, type RoutingConfig, type RoutingRequest, type RuleConditions } from "./types";

function routed(d: Decision): RoutedDecision {
  if (d.outcome !== "ROUTED") throw new Error(`expected ROUTED, got ${d.reason.code}: ${d.reason.message}`);
  return d;
}

function refused(d: Decision): NoRouteDecision {
  if (d.outcome !== "NO_ROUTE") throw new Error(`expected NO_ROUTE, got ${d.chosen.channelAccountId}`);
  return d;
}

/** Both paths, checked to agree, so every scenario here also tests the compiled index. */
function decide(req: RoutingRequest, cfg: RoutingConfig, live?: LiveState): Decision {
  const compiled = route(req, compileConfig(cfg), live);
  expect(routeUncompiled(req, cfg, live)).toEqual(compiled);
  return compiled;
}

const three = (over: Partial<RoutingConfig> = {}) =>
  config({
    accounts: [account("a1"), account("a2"), account("a3")],
    registrations: [registration("r1", M1, "a1"), registration("r2", M1, "a2"), registration("r3", M1, "a3")],
    ...over,
  });

describe("route: the basic decision", () => {
  it("routes to the merchant's registration and prices it", () => {
    const d = routed(decide(request({ amountMinor: 10_000n }), config()));
    expect(d.chosen).toMatchObject({ channelAccountId: "a1", registrationId: "r1", channelType: "WECHAT", isProbe: false });
    // fee 0.38% of 10000 = 38 (fee rule f-qr), cost 0.2% = 20, margin 18
    expect([d.feeMinor, d.costMinor, d.marginMinor]).toEqual([38n, 20n, 18n]);
    expect(d.chosen.feeSource).toEqual({ kind: "FEE_RULE", feeRuleId: "f-qr" });
    expect(d.trace).toMatchObject({ outcome: "ROUTED", chosen: "a1", fallbacks: [], configVersion: "v1", ruleSetVersion: 1 });
  });

  it("produces a trace that survives JSON unchanged", () => {
    const d = decide(request({ storeId: "s1" }), three());
    expect(JSON.parse(JSON.stringify(d.trace))).toEqual(d.trace);
  });

  it("never uses another merchant's registration", () => {
    const d = refused(decide(request({ merchantId: M2 }), config()));
    expect(d.reason.code).toBe("NO_REGISTRATION");
    expect(d.trace.unregisteredAccounts).toBe(1);
  });

  it("says when no account carries the product at all", () => {
    expect(refused(decide(request({ product: "ALIPAY_QR" }), config())).reason.code).toBe("NO_CHANNEL_FOR_PRODUCT");
  });

  it("refuses a non-positive amount or a random draw outside [0, 1) as bad input", () => {
    expect(() => route(request({ amountMinor: 0n }), config())).toThrow(/at least 1 fen/);
    expect(() => route(request({ random: 1 }), config())).toThrow(/\[0, 1\)/);
    expect(() => route(request({ random: Number.NaN }), config())).toThrow(/\[0, 1\)/);
  });
});

describe("registrations", () => {
  const cfg = config({
    registrations: [registration("r-merchant", M1, "a1"), registration("r-store", M1, "a1", { storeId: "s1" }), registration("r-other", M1, "a1", { storeId: "s2", status: "SUSPENDED" })],
  });

  it("prefers the store's own registration over the merchant-level one", () => {
    expect(routed(decide(request({ storeId: "s1" }), cfg)).chosen.registrationId).toBe("r-store");
    expect(routed(decide(request({ storeId: "s9" }), cfg)).chosen.registrationId).toBe("r-merchant");
    expect(routed(decide(request({}), cfg)).chosen.registrationId).toBe("r-merchant");
  });

  it("lets a store's inactive registration block the account for that store rather than borrow the merchant's", () => {
    const d = refused(decide(request({ storeId: "s2" }), cfg));
    expect(d.reason).toMatchObject({ code: "REGISTRATION_INACTIVE", params: { statuses: ["SUSPENDED"] } });
    expect(d.trace.candidates[0]).toMatchObject({ channelAccountId: "a1", registrationId: "r-other", status: "DROPPED", drop: { code: "REGISTRATION_INACTIVE" } });
  });

  it("does not count a registration for another store", () => {
    const onlyStore = config({ registrations: [registration("r", M1, "a1", { storeId: "s1" })] });
    expect(refused(decide(request({ storeId: "s2" }), onlyStore)).reason.code).toBe("NO_REGISTRATION");
    expect(refused(decide(request({}), onlyStore)).reason.code).toBe("NO_REGISTRATION");
  });
});

describe("eligibility checks and the NO_ROUTE reason", () => {
  it("drops accounts outside their per-transaction range and reports the widest range", () => {
    const cfg = three({
      accounts: [account("a1", { minAmountMinor: 100n, maxAmountMinor: 1000n }), account("a2", { minAmountMinor: 500n, maxAmountMinor: 2000n }), account("a3", { maxAmountMinor: 50n })],
    });
    const d = refused(decide(request({ amountMinor: 5000n }), cfg));
    expect(d.reason).toMatchObject({ code: "AMOUNT_OUT_OF_RANGE", userActionNeeded: false, params: { scope: "CHANNEL", minMinor: "1", maxMinor: "2000" } });
    expect(routed(decide(request({ amountMinor: 1500n }), cfg)).chosen.channelAccountId).toBe("a2");
  });

  it("applies daily caps to today's totals plus this payment, from the config or live counters", () => {
    const cfg = config({ accounts: [account("a1", { dailyAmountCapMinor: 100_000n, todayAmountMinor: 90_000n, dailyCountCap: 10, todayCount: 3 })] });
    expect(routed(decide(request({ amountMinor: 10_000n }), cfg)).chosen.channelAccountId).toBe("a1"); // 90000 + 10000 = cap
    const over = refused(decide(request({ amountMinor: 10_001n }), cfg));
    expect(over.reason.code).toBe("DAILY_LIMIT_EXCEEDED");
    expect(over.trace.candidates[0]?.drop).toEqual({ code: "DAILY_LIMIT_EXCEEDED", params: { limit: "AMOUNT", capMinor: "100000", todayMinor: "90000" } });

    const live: LiveState = { account: () => ({ todayAmountMinor: 0n, todayCount: 10 }), merchant: () => undefined };
    const byCount = refused(decide(request({ amountMinor: 1n }), cfg, live));
    expect(byCount.trace.candidates[0]?.drop).toEqual({ code: "DAILY_LIMIT_EXCEEDED", params: { limit: "COUNT", cap: 10, today: 10 } });
    expect(byCount.trace.candidates[0]?.live).toEqual({ health: "HEALTHY", todayAmountMinor: "0", todayCount: 10 });
  });

  it("keeps time windows in the account's or the tenant's zone, wrapping midnight", () => {
    const night = config({ accounts: [account("a1", { timeWindow: { startLocal: "22:00", endLocal: "06:00" } })] });
    const d = refused(decide(request({ at: NOON_BEIJING }), night));
    expect(d.reason).toMatchObject({ code: "OUTSIDE_TIME_WINDOW", params: { windows: ["22:00-06:00"], timeZone: "Asia/Shanghai" } });
    expect(d.trace.candidates[0]?.drop?.params.localTime).toBe("12:00");
    // 23:30 Beijing = 15:30 UTC
    expect(routed(decide(request({ at: new Date("2026-11-27T15:30:00Z") }), night)).chosen.channelAccountId).toBe("a1");
    // The same instant is 15:30 in UTC, outside the window when the tenant's zone is UTC.
    expect(refused(decide(request({ at: new Date("2026-11-27T15:30:00Z"), timeZone: "UTC" }), night)).reason.code).toBe("OUTSIDE_TIME_WINDOW");
    // A window's own zone wins over the tenant's.
    const utcWindow = config({ accounts: [account("a1", { timeWindow: { startLocal: "04:00", endLocal: "05:00", timeZone: "UTC" } })] });
    expect(routed(decide(request({ at: NOON_BEIJING }), utcWindow)).chosen.channelAccountId).toBe("a1");
  });

  it("treats a malformed window as closed", () => {
    const bad = config({ accounts: [account("a1", { timeWindow: { startLocal: "8:00", endLocal: "22:00" } })] });
    expect(refused(decide(request(), bad)).trace.candidates[0]?.drop).toEqual({ code: "OUTSIDE_TIME_WINDOW", params: { window: "INVALID" } });
  });

  it("asks the payer or device for missing elements, counting a device id as DEVICE", () => {
    const face = request({ product: "WECHAT_FACE", elements: [] });
    const d = refused(decide(face, config()));
    expect(d.reason).toMatchObject({ code: "ELEMENT_MISSING", userActionNeeded: true, params: { missing: ["FACE_CODE", "DEVICE"] } });
    expect(refused(decide({ ...face, deviceId: "dev-1" }, config())).reason.params.missing).toEqual(["FACE_CODE"]);
    expect(routed(decide({ ...face, deviceId: "dev-1", elements: ["FACE_CODE"] }, config())).chosen.channelAccountId).toBe("a1");
  });

  it("offers the smallest set of missing elements among the accounts that got that far", () => {
    const cfg = config({
      accounts: [account("a1"), account("a2", { elements: { WECHAT_FACE: ["FACE_CODE"], WECHAT_CODE: [], WECHAT_QR: [] } })],
      registrations: [registration("r1", M1, "a1"), registration("r2", M1, "a2")],
    });
    const d = refused(decide(request({ product: "WECHAT_FACE" }), cfg));
    expect(d.reason.params).toMatchObject({ missing: ["FACE_CODE"], alternatives: ["FACE_CODE", "FACE_CODE+DEVICE"] });
  });

  it("answers with the account that got furthest, so a missing element is never blamed when the account is paused anyway", () => {
    const pausedOnly = config({ accounts: [account("a1", { health: "PAUSED" })] });
    expect(refused(decide(request({ product: "WECHAT_FACE" }), pausedOnly)).reason.code).toBe("CHANNEL_PAUSED");
    const mixed = three({ accounts: [account("a1", { health: "PAUSED" }), account("a2", { maxAmountMinor: 10n }), account("a3")] });
    const d = refused(decide(request({ product: "WECHAT_FACE" }), mixed));
    expect(d.reason.code).toBe("ELEMENT_MISSING");
    expect(d.trace.candidates.map((c) => [c.channelAccountId, c.drop?.code])).toEqual([
      ["a3", "ELEMENT_MISSING"],
      ["a2", "AMOUNT_OUT_OF_RANGE"],
      ["a1", "CHANNEL_PAUSED"],
    ]);
  });

  it("skips disabled and paused accounts and admits a half-open one as a probe", () => {
    expect(refused(decide(request(), config({ accounts: [account("a1", { enabled: false })] }))).reason.code).toBe("CHANNEL_DISABLED");
    const probe = routed(decide(request(), config({ accounts: [account("a1", { health: "HALF_OPEN" })] })));
    expect(probe.chosen.isProbe).toBe(true);
    expect(probe.trace.candidates[0]?.isProbe).toBe(true);
    const live: LiveState = { account: (id) => (id === "a1" ? { health: "PAUSED" } : undefined), merchant: () => undefined };
    expect(refused(decide(request(), config(), live)).reason.code).toBe("CHANNEL_PAUSED");
  });
});

describe("request-level checks", () => {
  it("refuses a product the tenant does not offer for the order type or amount", () => {
    expect(refused(decide(request(), config({ productRules: [] }))).reason).toMatchObject({ code: "PRODUCT_NOT_OFFERED", params: { product: "WECHAT_QR", orderType: "CONSUMPTION" } });
    const rules = [
      { id: "default", product: "WECHAT_QR" as const, orderType: "CONSUMPTION" as const, enabled: true, maxAmountMinor: 50_000n },
      { id: "m1-off", product: "WECHAT_QR" as const, orderType: "CONSUMPTION" as const, enabled: false, merchantId: M1 },
    ];
    const cfg = config({ productRules: rules, registrations: [registration("r1", M1, "a1"), registration("r2", M2, "a1")] });
    expect(refused(decide(request(), cfg)).reason.code).toBe("PRODUCT_NOT_OFFERED"); // M1's own rule turns it off
    expect(routed(decide(request({ merchantId: M2 }), cfg)).chosen.registrationId).toBe("r2");
    expect(refused(decide(request({ merchantId: M2, amountMinor: 50_001n }), cfg)).reason).toMatchObject({ code: "AMOUNT_OUT_OF_RANGE", params: { scope: "PRODUCT", maxMinor: "50000" } });
    expect(refused(decide(request({ orderType: "RECHARGE" }), cfg)).reason.code).toBe("PRODUCT_NOT_OFFERED");
  });

  it("applies the merchant's per-transaction and daily limits", () => {
    const limits = [{ merchantId: M1, perTransactionMaxMinor: 20_000n, dailyAmountCapMinor: 100_000n, dailyCountCap: 5, todayAmountMinor: 85_000n, todayCount: 2 }];
    const cfg = config({ merchantLimits: limits });
    expect(refused(decide(request({ amountMinor: 20_001n }), cfg)).reason.params).toMatchObject({ limit: "PER_TRANSACTION" });
    expect(refused(decide(request({ amountMinor: 15_001n }), cfg)).reason.params).toMatchObject({ limit: "DAILY_AMOUNT", todayMinor: "85000" });
    expect(routed(decide(request({ amountMinor: 15_000n }), cfg)).trace.merchantToday).toEqual({ amountMinor: "85000", count: 2 });
    const live: LiveState = { account: () => undefined, merchant: () => ({ todayAmountMinor: 0n, todayCount: 5 }) };
    expect(refused(decide(request({ amountMinor: 1n }), cfg, live)).reason).toMatchObject({ code: "MERCHANT_LIMIT_EXCEEDED", params: { limit: "DAILY_COUNT" } });
  });

  it("needs a fee rule in CUSTODIAL mode, and uses the merchant's own over the default", () => {
    expect(refused(decide(request(), config({ feeRules: [] }))).reason.code).toBe("NO_FEE_RULE");
    const cfg = config({ feeRules: [feeRule("default", { product: "WECHAT_QR", feeRatePpm: 6000 }), feeRule("own", { product: "WECHAT_QR", merchantId: M1, feeRatePpm: 3000 })] });
    const d = routed(decide(request({ amountMinor: 10_000n }), cfg));
    expect(d.feeMinor).toBe(30n);
    expect(d.chosen.feeSource).toEqual({ kind: "FEE_RULE", feeRuleId: "own" });
  });

  it("charges DIRECT merchants their registration's rate, never the fee rule as well", () => {
    const cfg = config({
      feeRules: [feeRule("f", { product: "WECHAT_QR", feeRatePpm: 6000, fixedMinor: 10n })],
      registrations: [registration("r1", M1, "a1", { channelRatePpm: 2800 })],
    });
    const d = routed(decide(request({ settlementMode: "DIRECT", amountMinor: 10_000n }), cfg));
    // 10000 × 0.28% = 28; the 0.6% + 10 rule is ignored and flagged
    expect([d.feeMinor, d.costMinor, d.marginMinor]).toEqual([28n, 20n, 8n]);
    expect(d.chosen.feeSource).toEqual({ kind: "REGISTRATION_RATE", registrationId: "r1", feeRatePpm: 2800 });
    expect(d.trace.warnings).toEqual([{ code: "DIRECT_FEE_RULE_IGNORED", params: { feeRuleId: "f", feeRate: "0.6%", channelRate: "0.28%", registrationId: "r1" } }]);
    // DIRECT needs no fee rule, but does need the registration's rate.
    expect(routed(decide(request({ settlementMode: "DIRECT" }), config({ feeRules: [] }))).feeMinor).toBe(38n);
    const noRate = config({ registrations: [registration("r1", M1, "a1", { channelRatePpm: undefined })] });
    expect(refused(decide(request({ settlementMode: "DIRECT" }), noRate)).reason.code).toBe("REGISTRATION_RATE_MISSING");
  });
});

describe("rules", () => {
  it("removes EXCLUDE targets and says ALL_EXCLUDED when nothing is left", () => {
    const cfg = three({ ruleSet: ruleSet({ rules: [rule("x", { action: "EXCLUDE", targetChannelAccountIds: ["a1", "a2"], conditions: { merchantIds: [M1] } })] }) });
    const d = routed(decide(request(), cfg));
    expect(d.chosen.channelAccountId).toBe("a3");
    expect(d.trace.rules).toEqual([{ ruleId: "x", name: "Rule x", action: "EXCLUDE", effect: "REMOVED", channelAccountIds: ["a1", "a2"] }]);
    const all = three({ ruleSet: ruleSet({ rules: [rule("x", { action: "EXCLUDE", targetChannelAccountIds: ["a1", "a2", "a3"], conditions: { products: ["WECHAT_QR"] } })] }) });
    expect(refused(decide(request(), all)).reason).toMatchObject({ code: "ALL_EXCLUDED", params: { channelAccounts: 3 } });
  });

  it("narrows to FORCE targets when one is eligible, and skips the rule when none is", () => {
    const force = (targets: string[]) => three({ ruleSet: ruleSet({ rules: [rule("f", { targetChannelAccountIds: targets, conditions: { orderTypes: ["CONSUMPTION"] } })] }) });
    const d = routed(decide(request(), force(["a3"])));
    expect(d.chosen.channelAccountId).toBe("a3");
    expect(d.fallbacks).toEqual([]);
    expect(d.trace.candidates.filter((c) => c.drop?.code === "NOT_FORCED").map((c) => c.channelAccountId)).toEqual(["a1", "a2"]);
    const skipped = routed(decide(request(), force(["gone"])));
    expect(skipped.chosen.channelAccountId).toBe("a1");
    expect(skipped.trace.rules[0]?.effect).toBe("NO_ELIGIBLE_TARGET");
  });

  it("never lets a FORCE override an EXCLUDE", () => {
    const cfg = three({
      ruleSet: ruleSet({
        rules: [
          rule("force", { targetChannelAccountIds: ["a3"], conditions: { merchantIds: [M1] }, order: 1 }),
          rule("ban", { action: "EXCLUDE", targetChannelAccountIds: ["a3"], conditions: { merchantIds: [M1] }, order: 2 }),
        ],
      }),
    });
    const d = routed(decide(request(), cfg));
    expect(d.chosen.channelAccountId).toBe("a1");
    expect(d.trace.rules.map((r) => [r.ruleId, r.effect])).toEqual([
      ["ban", "REMOVED"],
      ["force", "NO_ELIGIBLE_TARGET"],
    ]);
  });

  it("applies FORCE rules in order, each narrowing further", () => {
    const cfg = three({
      ruleSet: ruleSet({
        rules: [
          rule("second", { targetChannelAccountIds: ["a3"], conditions: { products: ["WECHAT_QR"] }, order: 2 }),
          rule("first", { targetChannelAccountIds: ["a2", "a3"], conditions: { products: ["WECHAT_QR"] }, order: 1 }),
        ],
      }),
    });
    const d = routed(decide(request(), cfg));
    expect(d.chosen.channelAccountId).toBe("a3");
    expect(d.trace.rules.map((r) => r.ruleId)).toEqual(["first", "second"]);
  });

  it("matches every condition: merchants, stores, order types, products, amounts, metadata", () => {
    const only = (conditions: RuleConditions) => three({ ruleSet: ruleSet({ rules: [rule("f", { targetChannelAccountIds: ["a3"], conditions })] }) });
    const chosen = (req: RoutingRequest, cfg: RoutingConfig) => routed(decide(req, cfg)).chosen.channelAccountId;
    expect(chosen(request(), only({ merchantIds: [M2] }))).toBe("a1");
    expect(chosen(request({ storeId: "s1" }), only({ storeIds: ["s1"] }))).toBe("a3");
    expect(chosen(request(), only({ storeIds: ["s1"] }))).toBe("a1"); // no store on the request
    expect(chosen(request({ orderType: "RECHARGE" }), only({ orderTypes: ["CONSUMPTION"] }))).toBe("a1");
    expect(chosen(request({ amountMinor: 500n }), only({ minAmountMinor: 500n, maxAmountMinor: 500n }))).toBe("a3");
    expect(chosen(request({ amountMinor: 501n }), only({ minAmountMinor: 500n, maxAmountMinor: 500n }))).toBe("a1");
    expect(chosen(request({ metadata: { scene: "canteen", x: "1" } }), only({ metadata: { scene: "canteen" } }))).toBe("a3");
    expect(chosen(request({ metadata: { scene: "shop" } }), only({ metadata: { scene: "canteen" } }))).toBe("a1");
    expect(chosen(request(), only({ metadata: { scene: "canteen" } }))).toBe("a1");
    expect(chosen(request(), only({ products: ["WECHAT_FACE"] }))).toBe("a1");
    const disabled = three({ ruleSet: ruleSet({ rules: [rule("f", { enabled: false, targetChannelAccountIds: ["a3"], conditions: { merchantIds: [M1] } })] }) });
    expect(chosen(request(), disabled)).toBe("a1");
  });
});

describe("the request's channel filter", () => {
  // a1 WECHAT, a2 and a3 SANDBOX, all carrying WECHAT_QR; PRIORITY ranks them a1, a2, a3.
  const mixed = (over: Partial<RoutingConfig> = {}) =>
    three({
      accounts: [account("a1", { priority: 10 }), account("a2", { channelType: "SANDBOX", priority: 20 }), account("a3", { channelType: "SANDBOX", priority: 30 })],
      ...over,
    });
  const filtered = (channelFilter: RoutingRequest["channelFilter"], over: Partial<RoutingRequest> = {}) => request({ channelFilter, ...over });

  it("forceChannel by type keeps that type's accounts only, for the choice and the fallbacks, and the trace says what it took out", () => {
    expect(routed(decide(request(), mixed())).chosen.channelAccountId).toBe("a1");
    const d = routed(decide(filtered({ forceChannel: "SANDBOX" }), mixed()));
    expect(d.chosen).toMatchObject({ channelAccountId: "a2", channelType: "SANDBOX" });
    expect(d.fallbacks.map((f) => f.channelAccountId)).toEqual(["a3"]);
    expect(d.trace.channelFilter).toEqual({ forceChannel: "SANDBOX", removedAccounts: 1 });
    // Taken out before any check: counted, not listed (like accounts without a registration).
    expect(d.trace.candidates.map((c) => c.channelAccountId)).toEqual(["a2", "a3"]);
    expect(JSON.parse(JSON.stringify(d.trace))).toEqual(d.trace);
  });

  it("forceChannel by account id keeps that account only", () => {
    const d = routed(decide(filtered({ forceChannel: "a3" }), mixed()));
    expect(d.chosen.channelAccountId).toBe("a3");
    expect(d.fallbacks).toEqual([]);
    expect(d.trace.channelFilter).toEqual({ forceChannel: "a3", removedAccounts: 2 });
  });

  it("excludeChannels removes types and accounts; an exclusion wins over the force", () => {
    const d = routed(decide(filtered({ excludeChannels: ["WECHAT", "a2"] }), mixed()));
    expect(d.chosen.channelAccountId).toBe("a3");
    expect(d.fallbacks).toEqual([]);
    const noSandbox = routed(decide(filtered({ excludeChannels: ["SANDBOX"] }), mixed()));
    expect([noSandbox.chosen.channelAccountId, noSandbox.fallbacks]).toEqual(["a1", []]);
    const both = routed(decide(filtered({ forceChannel: "SANDBOX", excludeChannels: ["a2"] }), mixed()));
    expect([both.chosen.channelAccountId, both.fallbacks]).toEqual(["a3", []]);
  });

  it("says ALL_EXCLUDED with the half that emptied the set when nothing is left", () => {
    const forced = refused(decide(filtered({ forceChannel: "ALIPAY" }), mixed()));
    expect(forced.reason).toMatchObject({ code: "ALL_EXCLUDED", params: { channelAccounts: 3, filter: "forceChannel" }, userActionNeeded: false });
    expect(forced.reason.message).toMatch(/forced channel/);
    expect(forced.trace).toMatchObject({ outcome: "NO_ROUTE", reason: "ALL_EXCLUDED", channelFilter: { forceChannel: "ALIPAY", removedAccounts: 3 }, candidates: [] });
    expect(refused(decide(filtered({ forceChannel: "no-such-account" }), mixed())).reason.params).toEqual({ channelAccounts: 3, filter: "forceChannel" });
    const excluded = refused(decide(filtered({ forceChannel: "SANDBOX", excludeChannels: ["SANDBOX"] }), mixed()));
    expect(excluded.reason).toMatchObject({ code: "ALL_EXCLUDED", params: { channelAccounts: 3, filter: "excludeChannels" } });
    expect(excluded.reason.message).toMatch(/excluded channels/);
    // No registration at all is still NO_REGISTRATION: the filter did not cause it.
    expect(refused(decide(filtered({ forceChannel: "SANDBOX" }, { merchantId: M2 }), mixed())).reason.code).toBe("NO_REGISTRATION");
  });

  it("a forced account that is there but ineligible gives its own drop code", () => {
    const cfg = mixed({ accounts: [account("a1", { priority: 10 }), account("a2", { channelType: "SANDBOX", enabled: false }), account("a3", { channelType: "SANDBOX", maxAmountMinor: 100n })] });
    expect(refused(decide(filtered({ forceChannel: "a2" }), cfg)).reason.code).toBe("CHANNEL_DISABLED");
    expect(refused(decide(filtered({ forceChannel: "SANDBOX" }), cfg)).reason.code).toBe("AMOUNT_OUT_OF_RANGE");
  });

  it("applies before the tenant's rules: a FORCE rule on a filtered-out account is skipped, an EXCLUDE rule still applies", () => {
    const forceA1 = mixed({ ruleSet: ruleSet({ rules: [rule("f", { targetChannelAccountIds: ["a1"] })] }) });
    expect(routed(decide(request(), forceA1)).chosen.channelAccountId).toBe("a1");
    const d = routed(decide(filtered({ excludeChannels: ["WECHAT"] }), forceA1));
    expect(d.chosen.channelAccountId).toBe("a2");
    expect(d.trace.rules[0]?.effect).toBe("NO_ELIGIBLE_TARGET");
    const excludeA2 = mixed({ ruleSet: ruleSet({ rules: [rule("x", { action: "EXCLUDE", targetChannelAccountIds: ["a2"] })] }) });
    expect(routed(decide(filtered({ forceChannel: "SANDBOX" }), excludeA2)).chosen.channelAccountId).toBe("a3");
    expect(refused(decide(filtered({ forceChannel: "a2" }), excludeA2)).reason).toMatchObject({ code: "ALL_EXCLUDED", params: { channelAccounts: 1 } });
  });

  it("survives storage: the stored request parses back with its filter, for replays", () => {
    const req = filtered({ forceChannel: "SANDBOX", excludeChannels: ["a3"] });
    expect(parseRoutingRequest(toJson(req))).toEqual(req);
    expect(routed(decide(parseRoutingRequest(toJson(req)), mixed())).chosen.channelAccountId).toBe("a2");
  });
});

describe("strategies", () => {
  const costs = three({
    accounts: [
      account("a1", { cost: { feeRatePpm: 3000 }, priority: 1 }),
      account("a2", { cost: { feeRatePpm: 2000 }, priority: 50 }),
      account("a3", { cost: { feeRatePpm: 2000 }, priority: 10 }),
    ],
  });

  it("LOWEST_COST: cheapest first, ties by priority then id", () => {
    const d = routed(decide(request({ amountMinor: 10_000n }), { ...costs, ruleSet: ruleSet({ strategy: "LOWEST_COST" }) }));
    expect([d.chosen.channelAccountId, ...d.fallbacks.map((f) => f.channelAccountId)]).toEqual(["a3", "a2", "a1"]);
    expect(d.fallbacks.map((f) => f.costMinor)).toEqual([20n, 30n]);
    expect(d.trace.candidates[0]?.score).toEqual({ costMinor: "20", priority: 10, weight: 1, successRatePpm: 990_000, sampleSize: 100 });
    // A fixed part changes the order for small amounts: 100 fen at 0.3% = 0 vs 0.2% + 1 fixed = 1.
    const fixed = three({ accounts: [account("a1", { cost: { feeRatePpm: 3000 } }), account("a2", { cost: { feeRatePpm: 2000, fixedMinor: 1n } }), account("a3", { enabled: false })] });
    expect(routed(decide(request({ amountMinor: 100n }), { ...fixed, ruleSet: ruleSet({ strategy: "LOWEST_COST" }) })).chosen.channelAccountId).toBe("a1");
  });

  it("PRIORITY: lower number first, ties by id", () => {
    const d = routed(decide(request(), costs));
    expect([d.chosen.channelAccountId, ...d.fallbacks.map((f) => f.channelAccountId)]).toEqual(["a1", "a3", "a2"]);
  });

  it("WEIGHTED: the draw picks in proportion to weight; weight 0 is never drawn; all zero falls back to priority", () => {
    const w = three({ accounts: [account("a1", { weight: 1 }), account("a2", { weight: 3 }), account("a3", { weight: 0, priority: 1 })], ruleSet: ruleSet({ strategy: "WEIGHTED" }) });
    // Pool a1 [0, 1), a2 [1, 4) of 4.
    expect(routed(decide(request({ random: 0 }), w)).chosen.channelAccountId).toBe("a1");
    expect(routed(decide(request({ random: 0.2499 }), w)).chosen.channelAccountId).toBe("a1");
    expect(routed(decide(request({ random: 0.25 }), w)).chosen.channelAccountId).toBe("a2");
    const last = routed(decide(request({ random: 0.9999999999 }), w));
    expect(last.chosen.channelAccountId).toBe("a2");
    expect(last.fallbacks.map((f) => f.channelAccountId)).toEqual(["a3", "a1"]); // the rest by priority
    const counts = { a1: 0, a2: 0, a3: 0 };
    for (let i = 0; i < 1000; i++) counts[routed(route(request({ random: i / 1000 }), w)).chosen.channelAccountId as keyof typeof counts]++;
    expect(counts).toEqual({ a1: 250, a2: 750, a3: 0 });
    const zero = three({ accounts: [account("a1", { weight: 0, priority: 5 }), account("a2", { weight: 0, priority: 1 }), account("a3", { weight: 0 })], ruleSet: ruleSet({ strategy: "WEIGHTED" }) });
    const z = routed(decide(request(), zero));
    expect(z.chosen.channelAccountId).toBe("a2");
    expect(z.trace.strategy).toEqual({ configured: "WEIGHTED", applied: "PRIORITY", note: "ALL_WEIGHTS_ZERO" });
  });

  it("SUCCESS_RATE: best rate among well-sampled accounts, the unsampled after them; none sampled → priority", () => {
    const s = three({
      accounts: [
        account("a1", { recentSuccessRatePpm: 999_000, recentSampleSize: 5, priority: 1 }),
        account("a2", { recentSuccessRatePpm: 950_000, recentSampleSize: 500 }),
        account("a3", { recentSuccessRatePpm: 980_000, recentSampleSize: 30 }),
      ],
      ruleSet: ruleSet({ strategy: "SUCCESS_RATE", successRateMinSample: 20 }),
    });
    const d = routed(decide(request(), s));
    expect([d.chosen.channelAccountId, ...d.fallbacks.map((f) => f.channelAccountId)]).toEqual(["a3", "a2", "a1"]);
    expect(d.trace.strategy).toEqual({ configured: "SUCCESS_RATE", applied: "SUCCESS_RATE", minSample: 20, note: "UNSAMPLED_RANKED_LAST" });
    const none = routed(decide(request(), { ...s, ruleSet: ruleSet({ strategy: "SUCCESS_RATE", successRateMinSample: 1000 }) }));
    expect(none.chosen.channelAccountId).toBe("a1");
    expect(none.trace.strategy.applied).toBe("PRIORITY");
    const live: LiveState = { account: (id) => (id === "a2" ? { recentSuccessRatePpm: 1_000_000 } : undefined), merchant: () => undefined };
    expect(routed(decide(request(), s, live)).chosen.channelAccountId).toBe("a2");
  });
});

describe("fallbacks", () => {
  it("lists the other eligible accounts in rank order, each with its own registration and price", () => {
    const cfg = three({ registrations: [registration("r1", M1, "a1"), registration("r2", M1, "a2", { channelRatePpm: 3000 }), registration("r3", M1, "a3")] });
    const d = routed(decide(request({ settlementMode: "DIRECT", amountMinor: 10_000n }), cfg));
    expect(d.fallbacks.map((f) => [f.channelAccountId, f.registrationId, f.feeMinor])).toEqual([
      ["a2", "r2", 30n],
      ["a3", "r3", 38n],
    ]);
    expect(d.trace.fallbacks).toEqual(["a2", "a3"]);
  });

  it("never falls back for face or payment-code products, or when the rule set turns fallback off", () => {
    const face = routed(decide(request({ product: "WECHAT_FACE", elements: ["FACE_CODE", "DEVICE"] }), three()));
    expect(face.fallbacks).toEqual([]);
    expect(face.trace.candidates.filter((c) => c.status === "RANKED")).toHaveLength(3);
    expect(routed(decide(request({ product: "WECHAT_CODE", elements: ["AUTH_CODE"] }), three())).fallbacks).toEqual([]);
    expect(routed(decide(request(), three({ ruleSet: ruleSet({ fallbackEnabled: false }) }))).fallbacks).toEqual([]);
    expect(routed(decide(request(), three())).fallbacks).toHaveLength(2);
  });
});

describe("trace size", () => {
  it("lists at most TRACE_MAX_CANDIDATES candidates and counts the rest by code", () => {
    const accounts = Array.from({ length: 100 }, (_, i) => account(`a${String(i).padStart(3, "0")}`, { maxAmountMinor: i < 90 ? 10n : 5_000_000n }));
    const cfg = config({ accounts, registrations: accounts.map((a, i) => registration(`r${i}`, M1, a.id)) });
    const d = routed(decide(request({ amountMinor: 100n }), cfg));
    expect(d.trace.candidates).toHaveLength(TRACE_MAX_CANDIDATES);
    expect(d.trace.candidates.slice(0, 10).every((c) => c.status === "RANKED")).toBe(true);
    expect(d.trace.omittedCandidates).toEqual({ count: 60, byCode: { AMOUNT_OUT_OF_RANGE: 60 } });
    expect(JSON.stringify(d.trace).length).toBeLessThan(16_000);
  });
});

describe("CompiledConfigCache", () => {
  it("compiles once per tenant and version, keeps tenants apart and evicts the least recent", () => {
    const cache = new CompiledConfigCache(2);
    const a = cache.get(config({ version: "1" }));
    expect(cache.get(config({ version: "1" }))).toBe(a);
    const other = cache.get(config({ version: "1", tenantId: "tenant-2" }));
    expect(other).not.toBe(a);
    cache.get(config({ version: "1" })); // touch, so tenant-2 is now the oldest
    cache.get(config({ version: "2" }));
    expect(cache.size).toBe(2);
    expect(cache.get(config({ version: "1" }))).toBe(a);
    expect(cache.get(config({ version: "1", tenantId: "tenant-2" }))).not.toBe(other);
  });
});
