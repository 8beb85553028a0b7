import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { routing } from "@/i18n/messages/routing";
import { translator } from "@/i18n/translate";
import * as engineTypes from "@/server/core/routing/types";
import { PAYMENT_ELEMENTS as SERVER_ELEMENTS, PRODUCT_CODES } from "@/server/channels/types";
import { dropText, formatParams, ISSUE_CODES, issueText, noRouteText, ppmPercent, reasonLabel, type CodeContext } from "./codes";
import {
  draftToWire,
  editorBase,
  emptyRule,
  issuePlace,
  metadataRow,
  moveRule,
  newRuleId,
  placeIssues,
  ruleLocalErrors,
  ruleSetToDraft,
  ruleToWire,
  wireKey,
  type RuleDraft,
} from "./draft";
import { parseDays } from "./dry-run-input";
import { ruleSetNote } from "./names";
import { asTrace, reasonParams } from "./trace";
import { DROP_CODES, NO_ROUTE_CODES, PAYMENT_ELEMENTS, PRODUCTS, ROUTING_ORDER_TYPES, RULE_ACTIONS, STRATEGIES, type ConfigIssue, type RuleSetRow, type StoredRule } from "./types";

const en = translator("en");
const zh = translator("zh-CN");
const names = { account: (id: string) => `acct:${id}`, rule: (id: string) => `rule:${id}`, merchant: (id: string) => `m:${id}` };
const ctxEn: CodeContext = { t: en, locale: "en", names };
const ctxZh: CodeContext = { t: zh, locale: "zh-CN", names };

function rule(patch: Partial<RuleDraft> = {}): RuleDraft {
  return { ...emptyRule("r1"), ...patch };
}

describe("the client's lists match the engine's", () => {
  it("codes, strategies, actions, order types, products and elements", () => {
    expect([...DROP_CODES]).toEqual([...engineTypes.DROP_CODES]);
    expect([...NO_ROUTE_CODES]).toEqual([...engineTypes.NO_ROUTE_CODES]);
    expect([...STRATEGIES]).toEqual([...engineTypes.ROUTING_STRATEGIES]);
    expect([...RULE_ACTIONS]).toEqual([...engineTypes.RULE_ACTIONS]);
    expect([...ROUTING_ORDER_TYPES]).toEqual([...engineTypes.ROUTING_ORDER_TYPES]);
    expect([...PRODUCTS]).toEqual([...PRODUCT_CODES]);
    expect([...PAYMENT_ELEMENTS]).toEqual([...SERVER_ELEMENTS]);
  });

  it("every issue code validate.ts and fees.ts can raise has a translation", () => {
    const source = ["validate.ts", "fees.ts"].map((f) => readFileSync(path.resolve(import.meta.dirname, "../../server/core/routing", f), "utf8")).join("\n");
    const raised = new Set<string>();
    for (const m of source.matchAll(/issues\.add\(\s*"(?:ERROR|WARNING)",\s*"([A-Z_]+)"/g)) raised.add(m[1] ?? "");
    for (const m of source.matchAll(/code:\s*"([A-Z_]+)",\s*severity/g)) raised.add(m[1] ?? "");
    // checkRange passes its code in: AMOUNT_RANGE_INVALID and RATE_RANGE_INVALID.
    for (const m of source.matchAll(/checkRange\([^)]*"([A-Z_]+)"/g)) raised.add(m[1] ?? "");
    expect(raised.size).toBeGreaterThan(20);
    expect([...raised].filter((c) => !(ISSUE_CODES as readonly string[]).includes(c))).toEqual([]);
  });
});

describe("the routing catalogue", () => {
  it("has the same placeholders in English and Chinese", () => {
    const vars = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const zhMessages = routing["zh-CN"] as Record<string, string>;
    for (const [key, text] of Object.entries(routing.en)) {
      expect(vars(zhMessages[key] ?? ""), key).toEqual(vars(text));
    }
  });

  it("names every drop and no-route code in both languages", () => {
    for (const code of [...DROP_CODES, ...NO_ROUTE_CODES]) {
      expect(reasonLabel(en, code)).not.toBe(code);
      expect(reasonLabel(zh, code)).not.toBe(code);
      expect(dropText(ctxEn, code, {}), code).not.toMatch(/^routing\./);
    }
  });
});

describe("codes with their params", () => {
  it("formats fen as money, ids as names, lists as lists", () => {
    const vars = formatParams(ctxEn, { minMinor: "100", maxMinor: "500000", ruleId: "x", channelAccountId: "a", missing: ["FACE_CODE", "DEVICE"], products: ["WECHAT_FACE", "ALIPAY_FACE"] });
    expect(vars.range).toBe("¥1.00 – ¥5,000.00");
    expect(vars.rule).toBe("rule:x");
    expect(vars.account).toBe("acct:a");
    expect(vars.missing).toBe("Face code and Face device");
    expect(vars.products).toBe("WeChat face pay or Alipay face pay");
  });

  it("drop codes pick the variant their params describe", () => {
    expect(dropText(ctxEn, "DAILY_LIMIT_EXCEEDED", { limit: "AMOUNT", capMinor: "100000", todayMinor: "99000" })).toBe("Today's amount cap of ¥1,000.00 would be exceeded (¥990.00 taken so far).");
    expect(dropText(ctxEn, "DAILY_LIMIT_EXCEEDED", { limit: "COUNT", cap: 10, today: 10 })).toBe("Today's cap of 10 payments would be exceeded (10 so far).");
    expect(dropText(ctxEn, "OUTSIDE_TIME_WINDOW", { window: "INVALID" })).toMatch(/not valid times/);
    expect(dropText(ctxEn, "OUTSIDE_TIME_WINDOW", { window: "09:00-18:00", timeZone: "Asia/Shanghai", localTime: "20:15" })).toBe("Closed now: open 09:00-18:00 (Asia/Shanghai); it is 20:15 there.");
    expect(dropText(ctxZh, "EXCLUDED_BY_RULE", { ruleId: "r9" })).toBe("被规则“rule:r9”排除。");
    expect(dropText(ctxEn, "REGISTRATION_INACTIVE", { registrationStatus: "SUSPENDED" })).toBe("The merchant's registration here is Suspended.");
  });

  it("no-route reasons: detailed with params, short without", () => {
    expect(noRouteText(ctxEn, "ELEMENT_MISSING", { missing: ["FACE_CODE"], alternatives: ["FACE_CODE+DEVICE", "AUTH_CODE"], product: "WECHAT_FACE" })).toBe(
      "The payer or device must supply Face code (accepted: Face code + Face device or Payment code).",
    );
    expect(noRouteText(ctxEn, "AMOUNT_OUT_OF_RANGE", { scope: "PRODUCT", maxMinor: "100" })).toBe("The amount is outside the range the product accepts (… – ¥1.00).");
    expect(noRouteText(ctxEn, "MERCHANT_LIMIT_EXCEEDED", { limit: "PER_TRANSACTION", capMinor: "50000" })).toBe("The payment is above the merchant's per-payment maximum of ¥500.00.");
    expect(noRouteText(ctxEn, "ALL_EXCLUDED", null)).toBe("Excluded by rules");
    // The payment's own channel filter, not a rule, emptied the set.
    expect(noRouteText(ctxEn, "ALL_EXCLUDED", { channelAccounts: 3, filter: "forceChannel" })).toBe("The channel the merchant's request forced is none of the 3 channel account(s) that could carry this payment.");
    expect(noRouteText(ctxZh, "ALL_EXCLUDED", { channelAccounts: 2, filter: "excludeChannels" })).toBe("商户请求排除的渠道覆盖了可承载该笔支付的全部 2 个渠道账户。");
    expect(noRouteText(ctxEn, "ALL_EXCLUDED", { channelAccounts: 2 })).toBe("Routing rules exclude every channel account that could carry this payment.");
    expect(noRouteText(ctxZh, "PRODUCT_NOT_OFFERED", { product: "WECHAT_QR", orderType: "RECHARGE" })).toBe(`${zh("channels.orderType_RECHARGE")}订单未开通${zh("channels.product_WECHAT_QR")}。`);
    expect(noRouteText(ctxEn, "SOMETHING_NEW", null)).toBe("SOMETHING_NEW");
  });

  it("issues: translated by code, the server's message for an unknown code", () => {
    const issue = (code: string, params: ConfigIssue["params"] = {}): ConfigIssue => ({ code, params, severity: "ERROR", path: "ruleSet.rules[0]", message: `server says ${code}` });
    expect(issueText(ctxEn, issue("RULE_NO_TARGETS", { ruleId: "r1" }))).toBe("Choose at least one channel account: without one the rule does nothing.");
    expect(issueText(ctxEn, issue("AMOUNT_RANGE_INVALID", { minMinor: "1000", maxMinor: "10" }))).toBe("The minimum (¥10.00) is above the maximum (¥0.10), so nothing can match.");
    expect(issueText(ctxEn, issue("AMOUNT_NEGATIVE", { ruleId: "r1", field: "minAmountMinor" }))).toBe("The minimum amount must not be negative.");
    expect(issueText(ctxEn, issue("FORCE_CONFLICT", { ruleId: "b", conflictsWith: "a" }))).toMatch(/^This rule and rule:a can match/);
    expect(issueText(ctxEn, issue("WEIGHTS_ALL_ZERO", { products: ["WALLET"] }))).toMatch(/every account carrying Wallet has weight 0/);
    expect(issueText(ctxEn, issue("WEIGHTS_ALL_ZERO"))).toMatch(/^Weighted routing is selected/);
    expect(issueText(ctxEn, issue("BRAND_NEW"))).toBe("server says BRAND_NEW");
    for (const code of ISSUE_CODES) expect(issueText(ctxZh, issue(code)), code).not.toMatch(/^routing\./);
  });

  it("ppm as a percent, by string arithmetic", () => {
    expect(ppmPercent(3800)).toBe("0.38%");
    expect(ppmPercent(1_000_000)).toBe("100%");
    expect(ppmPercent(6000)).toBe("0.6%");
  });
});

describe("the editor's working copy", () => {
  const stored: StoredRule = {
    id: "b",
    name: "Keep A off the sandbox",
    enabled: true,
    action: "EXCLUDE",
    targetChannelAccountIds: ["acc"],
    conditions: { merchantIds: ["m1"], minAmountMinor: 12345n, metadata: { channel: "kiosk" } },
    order: 20,
  };

  it("round-trips a stored rule with amounts in yuan and fen as decimal strings", () => {
    const draft = ruleSetToDraft({ strategy: "PRIORITY", fallbackEnabled: false, rules: [stored, { ...stored, id: "a", order: 10 }] });
    expect(draft.rules.map((r) => r.id)).toEqual(["a", "b"]);
    expect(draft.rules[1]?.minAmount).toBe("123.45");
    const wire = draftToWire(draft);
    expect(wire.strategy).toBe("PRIORITY");
    expect(wire.rules[1]).toEqual({
      id: "b",
      name: "Keep A off the sandbox",
      enabled: true,
      action: "EXCLUDE",
      targetChannelAccountIds: ["acc"],
      conditions: { merchantIds: ["m1"], minAmountMinor: "12345", metadata: { channel: "kiosk" } },
      order: 20,
    });
    expect(wire).not.toHaveProperty("note");
  });

  it("leaves out what a person still has to fix, and says what it is", () => {
    const r = rule({ minAmount: "1.234", maxAmount: "abc", metadata: [metadataRow("", "x"), metadataRow("k", "1"), metadataRow("k", "2"), metadataRow("", "")] });
    const errors = ruleLocalErrors(r);
    expect(errors.minAmount).toBe("decimals");
    expect(errors.maxAmount).toBe("format");
    expect(Object.values(errors.metadata ?? {})).toEqual(["keyMissing", "keyDuplicate"]);
    expect(ruleToWire(r, 0).conditions).toEqual({ metadata: { k: "1" } });
    expect(ruleLocalErrors(rule({ minAmount: "¥1,000", maxAmount: "" }))).toEqual({});
  });

  it("a reorder or edit changes the key; a note does not", () => {
    const a = { strategy: "LOWEST_COST" as const, fallbackEnabled: true, rules: [rule({ id: "x" }), rule({ id: "y" })], note: "" };
    expect(wireKey({ ...a, note: "why" })).toBe(wireKey(a));
    expect(wireKey({ ...a, rules: moveRule(a.rules, 1, -1) })).not.toBe(wireKey(a));
    expect(moveRule(a.rules, 0, -1).map((r) => r.id)).toEqual(["x", "y"]);
  });

  it("starts from the draft, else the published version, else the default", () => {
    const row = (version: number, status: RuleSetRow["status"]) => ({ version, status, strategy: "WEIGHTED", fallbackEnabled: true, rules: [], note: "n" }) as unknown as RuleSetRow;
    expect(editorBase([row(3, "DRAFT"), row(2, "PUBLISHED")])).toMatchObject({ version: 3, status: "DRAFT", draft: { note: "n", strategy: "WEIGHTED" } });
    expect(editorBase([row(2, "PUBLISHED"), row(1, "SUPERSEDED")])).toMatchObject({ version: 2, draft: { note: "" } });
    expect(editorBase([])).toMatchObject({ version: null, draft: { strategy: "LOWEST_COST", rules: [] } });
  });

  it("new rule ids never clash", () => {
    let n = 0;
    const fixed = (b: Uint8Array) => b.fill(n++ < 2 ? 0 : 1);
    expect(newRuleId(["rule_000000000000"], fixed)).toBe("rule_010101010101");
  });
});

describe("issues by place", () => {
  const issue = (code: string, path: string, severity: ConfigIssue["severity"] = "ERROR"): ConfigIssue => ({ code, path, severity, params: {}, message: "" });

  it("reads the rule and the field from the path", () => {
    expect(issuePlace(issue("UNKNOWN_CHANNEL_ACCOUNT", "ruleSet.rules[2].targetChannelAccountIds[0]"))).toEqual({ scope: "rule", index: 2, field: "targets" });
    expect(issuePlace(issue("AMOUNT_RANGE_INVALID", "ruleSet.rules[0].conditions"))).toEqual({ scope: "rule", index: 0, field: "amount" });
    expect(issuePlace(issue("EXCLUDE_WITHOUT_CONDITIONS", "ruleSet.rules[1].conditions"))).toEqual({ scope: "rule", index: 1, field: "conditions" });
    expect(issuePlace(issue("METADATA_KEY_EMPTY", "ruleSet.rules[1].conditions.metadata"))).toEqual({ scope: "rule", index: 1, field: "metadata" });
    expect(issuePlace(issue("RULE_NAME_EMPTY", "ruleSet.rules[1].name"))).toEqual({ scope: "rule", index: 1, field: "name" });
    expect(issuePlace(issue("FORCE_CONFLICT", "ruleSet.rules[4]"))).toEqual({ scope: "rule", index: 4, field: "rule" });
    expect(issuePlace(issue("WEIGHTS_ALL_ZERO", "accounts"))).toEqual({ scope: "set" });
  });

  it("places by the id of the rule as checked, and counts", () => {
    const placed = placeIssues(
      [issue("RULE_NO_TARGETS", "ruleSet.rules[1].targetChannelAccountIds"), issue("RULE_NAME_EMPTY", "ruleSet.rules[0].name", "WARNING"), issue("X", "ruleSet.rules[9]")],
      ["a", "b"],
    );
    expect(placed.errors).toBe(2);
    expect(placed.warnings).toBe(1);
    expect(placed.rules.get("b")?.targets?.[0]?.code).toBe("RULE_NO_TARGETS");
    expect(placed.rules.get("a")?.name?.[0]?.code).toBe("RULE_NAME_EMPTY");
    // A rule that no longer exists in the checked list: shown with the set, never lost.
    expect(placed.set.map((i) => i.code)).toEqual(["X"]);
  });
});

describe("stored traces", () => {
  const trace = {
    format: 1,
    configVersion: "v",
    ruleSetVersion: 2,
    request: { settlementMode: "CUSTODIAL", merchantId: "m", orderType: "CONSUMPTION", product: "WECHAT_QR", amountMinor: "100", at: "2026-01-01T00:00:00Z", timeZone: "Asia/Shanghai", elements: [], random: 0.5 },
    checks: [{ check: "PRODUCT_RULE", ok: false, code: "PRODUCT_NOT_OFFERED", params: { product: "WECHAT_QR", orderType: "CONSUMPTION" } }],
    unregisteredAccounts: 0,
    candidates: [],
    omittedCandidates: { count: 0, byCode: {} },
    rules: [],
    omittedRules: 0,
    strategy: { configured: "LOWEST_COST", applied: "LOWEST_COST" },
    warnings: [],
    outcome: "NO_ROUTE",
    chosen: null,
    fallbacks: [],
    reason: "PRODUCT_NOT_OFFERED",
  };

  it("reads format 1 and refuses anything else", () => {
    expect(asTrace(trace)).not.toBeNull();
    expect(asTrace({ ...trace, format: 2 })).toBeNull();
    expect(asTrace({ ...trace, candidates: undefined })).toBeNull();
    expect(asTrace("nope")).toBeNull();
  });

  it("recovers the reason's params from the failing check or the request", () => {
    const t1 = asTrace(trace);
    expect(t1 && reasonParams(t1)).toEqual({ product: "WECHAT_QR", orderType: "CONSUMPTION" });
    const t2 = asTrace({ ...trace, checks: [], reason: "NO_REGISTRATION" });
    expect(t2 && reasonParams(t2)).toEqual({ product: "WECHAT_QR", orderType: "CONSUMPTION" });
    const t3 = asTrace({ ...trace, checks: [], reason: "ALL_EXCLUDED" });
    expect(t3 && reasonParams(t3)).toBeNull();
  });
});

describe("version notes", () => {
  it("shows the server's own notes in the reader's language", () => {
    expect(ruleSetNote(en, "rollback to version 4")).toBe("Rolled back to version 4");
    expect(ruleSetNote(zh, "rollback to version 4")).toBe("回滚到版本 4");
    expect(ruleSetNote(zh, "default")).toBe("初始规则集");
    expect(ruleSetNote(en, "Black Friday split")).toBe("Black Friday split");
    expect(ruleSetNote(en, null)).toBeNull();
  });
});

describe("dry-run days", () => {
  it("accepts whole numbers from 1 to 90", () => {
    expect(parseDays("30")).toBe(30);
    expect(parseDays(" 1 ")).toBe(1);
    expect(parseDays("90")).toBe(90);
    expect(parseDays("0")).toBeNull();
    expect(parseDays("91")).toBeNull();
    expect(parseDays("7.5")).toBeNull();
    expect(parseDays("")).toBeNull();
  });
});
