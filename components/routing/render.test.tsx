import { describe, expect, it } from "vitest";
import type { ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { I18nProvider } from "@/i18n/client";
import type { Locale } from "@/i18n/define";
import { translator } from "@/i18n/translate";
import { emptyRule, metadataRow } from "./draft";
import { DryRunReport } from "./dry-run-tab";
import { codeContext, makeNames } from "./names";
import { RuleCard } from "./rule-card";
import { RuleSetSummary } from "./rule-table";
import { TraceView } from "./trace-view";
import type { ChannelAccountRow, ConfigIssue, DryRunResult, RoutingTrace, RuleSetRow } from "./types";
import type { RoutingLookups } from "./use-lookups";

function render(node: ReactNode, locale: Locale = "en") {
  return renderToStaticMarkup(
    <I18nProvider locale={locale} timeZone="Asia/Shanghai">
      {node}
    </I18nProvider>,
  );
}

function lookups(locale: Locale = "en"): RoutingLookups {
  const t = translator(locale);
  const accounts = [
    { id: "acc-sbx", name: "Sandbox", channelType: "SANDBOX", enabled: true },
    { id: "acc-wx", name: "WeChat Pay (simulator)", channelType: "WECHAT", enabled: false },
  ] as unknown as ChannelAccountRow[];
  const merchants = [{ id: "m1", shortName: "Fresh Fruit", status: "ACTIVE" }];
  const stores = [{ id: "s1", name: "West Lake", merchantId: "m1", merchantName: "Fresh Fruit" }];
  const names = makeNames(t, { accounts, merchants, stores, rules: [{ id: "r1", name: "Keep off sandbox" }] });
  return { accounts, merchants, stores, names, ctx: codeContext(t, locale, names), isPending: false, error: null, refetch: () => {} };
}

const ids = (html: string) => [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);

describe("RuleCard", () => {
  it("shows the form with labelled controls and each issue next to its field", () => {
    const rule = { ...emptyRule("r1"), name: "Keep off sandbox", targetChannelAccountIds: [], merchantIds: ["m1"], minAmount: "1.234", metadata: [metadataRow("", "x")] };
    const issue = (code: string, severity: ConfigIssue["severity"]): ConfigIssue => ({ code, severity, path: "", params: { ruleId: "r1" }, message: "" });
    const html = render(
      <RuleCard
        rule={rule}
        index={0}
        count={1}
        expanded
        onToggle={() => {}}
        onChange={() => {}}
        onMove={() => {}}
        onDelete={() => {}}
        issues={{ targets: [issue("RULE_NO_TARGETS", "ERROR")] }}
        localErrors={{ minAmount: "decimals", metadata: { [rule.metadata[0]?.key ?? 0]: "keyMissing" } }}
        lookups={lookups()}
      />,
    );
    expect(html).toContain('aria-label="Rule 1"');
    expect(html).toContain("Choose at least one channel account: without one the rule does nothing.");
    expect(html).toContain("At most two decimals (fen)");
    expect(html).toContain("Enter a key for this value");
    expect(html).toContain("Sandbox");
    expect(html).toContain("WeChat Pay (simulator)");
    expect(html).toContain("Merchants: Fresh Fruit");
    expect(html).toMatch(/<fieldset[^>]*aria-invalid="true"[^>]*><legend[^>]*>Channel accounts/);
    const all = ids(html);
    expect(new Set(all).size).toBe(all.length);
    const zh = render(<RuleCard rule={rule} index={0} count={1} expanded={false} onToggle={() => {}} onChange={() => {}} onMove={() => {}} onDelete={() => {}} issues={{}} localErrors={{}} lookups={lookups("zh-CN")} />, "zh-CN");
    expect(zh).toContain("排除 （未选账户）");
    expect(zh).toContain("商户：Fresh Fruit");
  });
});

describe("RuleSetSummary", () => {
  it("lists the rules in the order they run", () => {
    const set = {
      strategy: "PRIORITY",
      fallbackEnabled: false,
      rules: [
        { id: "b", name: "Second", enabled: false, action: "FORCE", targetChannelAccountIds: ["acc-wx"], conditions: { products: ["WECHAT_FACE"] }, order: 20 },
        { id: "a", name: "First", enabled: true, action: "EXCLUDE", targetChannelAccountIds: ["acc-sbx"], conditions: { maxAmountMinor: 10000n }, order: 10 },
      ],
    } as unknown as Pick<RuleSetRow, "strategy" | "fallbackEnabled" | "rules">;
    const html = render(<RuleSetSummary ruleSet={set} lookups={lookups()} />);
    expect(html.indexOf("First")).toBeLessThan(html.indexOf("Second"));
    expect(html).toContain("Excludes Sandbox");
    expect(html).toContain("Amount: up to ¥100.00");
    expect(html).toContain("Forces to WeChat Pay (simulator)");
    expect(html).toContain("Payment products: WeChat face pay");
    expect(html).toContain("Priority");
  });
});

const trace: RoutingTrace = {
  format: 1,
  configVersion: "cfg-1",
  ruleSetVersion: 3,
  request: { settlementMode: "CUSTODIAL", merchantId: "m1", storeId: "s1", orderType: "CONSUMPTION", product: "WECHAT_FACE", amountMinor: "1234", at: "2026-03-01T02:00:00.000Z", timeZone: "Asia/Shanghai", elements: ["FACE_CODE", "DEVICE"], random: 0.1 },
  checks: [
    { check: "PRODUCT_RULE", ok: true, ruleId: "pr" },
    { check: "MERCHANT_LIMIT", ok: true },
    { check: "FEE_RULE", ok: true, ruleId: "fr" },
  ],
  unregisteredAccounts: 1,
  candidates: [
    { channelAccountId: "acc-sbx", registrationId: "reg", status: "RANKED", rank: 1, score: { costMinor: "2", priority: 1000, weight: 1, successRatePpm: 953000, sampleSize: 40 }, live: { health: "HEALTHY", todayAmountMinor: "50000", todayCount: 3 } },
    { channelAccountId: "acc-wx", status: "DROPPED", drop: { code: "EXCLUDED_BY_RULE", params: { ruleId: "r1" } }, live: { health: "PAUSED", todayAmountMinor: "0", todayCount: 0 } },
  ],
  omittedCandidates: { count: 2, byCode: { CHANNEL_DISABLED: 2 } },
  rules: [{ ruleId: "r1", name: "Keep off sandbox", action: "EXCLUDE", effect: "REMOVED", channelAccountIds: ["acc-wx"] }],
  omittedRules: 0,
  strategy: { configured: "WEIGHTED", applied: "PRIORITY", note: "ALL_WEIGHTS_ZERO" },
  warnings: [{ code: "DIRECT_FEE_RULE_IGNORED", params: { feeRate: "0.6%", channelRate: "0.38%" } }],
  outcome: "ROUTED",
  chosen: "acc-sbx",
  fallbacks: [],
};

describe("TraceView", () => {
  it("says what was chosen, why others were not, and what the rules and strategy did", () => {
    const html = render(<TraceView trace={trace} money={{ feeMinor: 5n, costMinor: 2n, marginMinor: 3n }} lookups={lookups()} />);
    expect(html).toMatch(/data-testid="trace-chosen">Sandbox</);
    expect(html).toContain("Rank 1");
    expect(html).toContain("Excluded by rule Keep off sandbox.");
    expect(html).toContain("Removed its accounts");
    expect(html).toContain("Weighted, applied as Priority");
    expect(html).toContain("Every account has weight 0, so they were ranked by priority.");
    expect(html).toContain("the channel charges the registration&#x27;s rate (0.38%)");
    expect(html).toContain("2 more account(s) not listed: Channel account disabled ×2");
    expect(html).toContain("Face code and Face device");
    expect(html).toContain("¥12.34");
    expect(html).toContain("Success 95.3% of 40");
    expect(html).not.toContain("trace-channel-filter");
  });

  it("says how the merchant's request narrowed the channels", () => {
    const html = render(<TraceView trace={{ ...trace, channelFilter: { forceChannel: "WECHAT", excludeChannels: ["acc-sbx"], removedAccounts: 2 } }} lookups={lookups()} />);
    expect(html).toContain("The merchant&#x27;s request narrowed the channels (forced WECHAT; excluded acc-sbx): 2 account(s) left out before any check.");
  });

  it("gives a stored no-route decision's reason from what the trace kept", () => {
    const noRoute: RoutingTrace = {
      ...trace,
      outcome: "NO_ROUTE",
      chosen: null,
      reason: "PRODUCT_NOT_OFFERED",
      checks: [{ check: "PRODUCT_RULE", ok: false, code: "PRODUCT_NOT_OFFERED", params: { product: "WECHAT_FACE", orderType: "CONSUMPTION" } }],
      candidates: [],
    };
    const html = render(<TraceView trace={noRoute} reason={{ code: "PRODUCT_NOT_OFFERED", params: null }} lookups={lookups("zh-CN")} />, "zh-CN");
    expect(html).toContain("无可用路由");
    expect(html).toMatch(/data-testid="trace-reason">消费订单未开通/);
  });
});

describe("DryRunReport", () => {
  const zero = { count: 0, amountMinor: 0n, costMinor: 0n, marginMinor: 0n };
  it("shows an empty state when there is no history", () => {
    const report = { requests: 0, overall: { requests: 0, changedChoice: 0, newlyNoRoute: 0, newlyRouted: 0, accounts: [], total: { current: zero, proposed: zero, delta: zero } }, byRule: [], newlyNoRoute: [], errors: [], since: new Date(), proposedVersion: 2, currentVersion: 1 } as unknown as DryRunResult;
    const html = render(<DryRunReport report={report} days={30} proposed="version 2" lookups={lookups()} />);
    expect(html).toContain('data-testid="dry-run-empty"');
    expect(html).toContain("No payment was routed in the last 30 day(s).");
  });

  it("shows current, proposed and change per account, and the newly unroutable", () => {
    const cur = { count: 3, amountMinor: 30000n, costMinor: 60n, marginMinor: 54n };
    const prop = { count: 1, amountMinor: 10000n, costMinor: 20n, marginMinor: 18n };
    const delta = { count: -2, amountMinor: -20000n, costMinor: -40n, marginMinor: -36n };
    const report = {
      requests: 3,
      overall: { requests: 3, changedChoice: 0, newlyNoRoute: 2, newlyRouted: 0, accounts: [{ channelAccountId: "acc-sbx", current: cur, proposed: prop, delta }], total: { current: cur, proposed: prop, delta } },
      byRule: [{ ruleId: "r1", name: "Keep off sandbox", inCurrent: false, inProposed: true, requests: 2, changedChoice: 0, newlyNoRoute: 2, newlyRouted: 0, accounts: [], total: { current: cur, proposed: prop, delta } }],
      newlyNoRoute: [{ historyId: "h1", at: "2026-03-01T02:00:00.000Z", merchantId: "m1", amountMinor: 10000n, currentChannelAccountId: "acc-sbx", reason: "ALL_EXCLUDED", params: { channelAccounts: 1 } }],
      errors: [],
      since: new Date("2026-02-01T00:00:00Z"),
      proposedVersion: 2,
      currentVersion: 1,
    } as unknown as DryRunResult;
    const html = render(<DryRunReport report={report} days={30} proposed="version 2" lookups={lookups()} />);
    expect(html).toContain('data-testid="dry-run-report"');
    expect(html).toMatch(/data-testid="dry-run-requests">3</);
    expect(html).toContain("-2");
    expect(html).toContain("-¥200.00");
    expect(html).toContain("Routing rules exclude every channel account that could carry this payment.");
    expect(html).toContain("Keep off sandbox");
  });
});
