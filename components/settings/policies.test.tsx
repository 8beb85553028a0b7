import { describe, expect, it } from "vitest";
import { serverRenderer } from "@/components/testing/server-render";
import { parseWhole, readHistoryValues, readPolicies, type SavedPolicies } from "./policies-draft";
import { POLICY_HISTORY_INPUT, PoliciesView } from "./policies-view";

// The Policies page: what the form sends (only what changed, amounts typed in yuan as fen), and
// what it shows in both languages with its data in the query cache.

const CUSTODIAL: SavedPolicies = {
  settlementMode: "CUSTODIAL",
  refundShortfallPolicy: "REFUSE",
  autoRefundLateSuccess: true,
  approvalAdminThresholdMinor: 1_000_000n,
  reconFeeToleranceMinor: 1n,
  reconPoolDays: 1,
  updatedAt: new Date("2026-11-27T08:00:00Z"),
};
const DIRECT: SavedPolicies = { ...CUSTODIAL, settlementMode: "DIRECT" };
/** The <input> tag of one radio or checkbox, by its value or name. */
const inputTag = (html: string, attr: string) => html.match(new RegExp(`<input[^>]*${attr}[^>]*>`))?.[0] ?? "";
const noRawKeys = (html: string) => expect(html.match(/policies\.[a-zA-Z_]+/g) ?? []).toEqual([]);

describe("the policies draft", () => {
  it("shows the saved values until touched, and sends only what differs", () => {
    const untouched = readPolicies(CUSTODIAL, {});
    expect(untouched).toMatchObject({ shortfall: "REFUSE", autoRefund: true, thresholdText: "10000.00", change: {}, isDirty: false, canSave: false });
    const r = readPolicies(CUSTODIAL, { refundShortfallPolicy: "ALLOW_DEBT", thresholdText: "5,000.5", autoRefundLateSuccess: true });
    expect(r.change).toEqual({ refundShortfallPolicy: "ALLOW_DEBT", approvalAdminThresholdMinor: 500_050n });
    expect(r.canSave).toBe(true);
    // The same amount typed differently is no change.
    expect(readPolicies(CUSTODIAL, { thresholdText: "１００００" }).change).toEqual({});
    expect(readPolicies(CUSTODIAL, { thresholdText: "0" }).change).toEqual({ approvalAdminThresholdMinor: 0n });
  });

  it("the reconciliation settings: whole fen and days, sent only when they differ", () => {
    expect(readPolicies(CUSTODIAL, {})).toMatchObject({ toleranceText: "1", poolDaysText: "1", toleranceProblem: null, poolDaysProblem: null });
    expect(readPolicies(CUSTODIAL, { toleranceText: "0", poolDaysText: "3" })).toMatchObject({ change: { reconFeeToleranceMinor: 0n, reconPoolDays: 3 }, canSave: true });
    expect(readPolicies(CUSTODIAL, { toleranceText: " 100 ", poolDaysText: "１４" }).change).toEqual({ reconFeeToleranceMinor: 100n, reconPoolDays: 14 });
    // "01" is the saved 1: no change.
    expect(readPolicies(CUSTODIAL, { toleranceText: "01", poolDaysText: "1" })).toMatchObject({ change: {}, isDirty: false });

    expect(parseWhole("", 14)).toEqual({ ok: false, error: "required" });
    expect(parseWhole("1.5", 14)).toEqual({ ok: false, error: "whole" });
    expect(parseWhole("1e1", 14)).toEqual({ ok: false, error: "whole" });
    expect(parseWhole("-1", 14)).toEqual({ ok: false, error: "range" });
    expect(parseWhole("15", 14)).toEqual({ ok: false, error: "range" });
    expect(parseWhole("0", 14)).toEqual({ ok: true, value: 0 });
    expect(readPolicies(CUSTODIAL, { toleranceText: "101" })).toMatchObject({ toleranceProblem: "range", canSave: false });
    expect(readPolicies(CUSTODIAL, { toleranceText: "0.5" })).toMatchObject({ toleranceProblem: "whole", canSave: false });
    expect(readPolicies(CUSTODIAL, { poolDaysText: "" })).toMatchObject({ poolDaysProblem: "required", canSave: false });
    // A valid change beside an invalid one is not sent either.
    expect(readPolicies(CUSTODIAL, { toleranceText: "2", poolDaysText: "15" })).toMatchObject({ poolDaysProblem: "range", canSave: false });
  });

  it("refuses what the server would refuse, before sending it", () => {
    expect(readPolicies(CUSTODIAL, { thresholdText: "" })).toMatchObject({ thresholdProblem: "required", canSave: false });
    expect(readPolicies(CUSTODIAL, { thresholdText: "-1" })).toMatchObject({ thresholdProblem: "negative", canSave: false });
    expect(readPolicies(CUSTODIAL, { thresholdText: "1.234" })).toMatchObject({ thresholdProblem: "decimals", canSave: false });
    expect(readPolicies(CUSTODIAL, { thresholdText: "ten" })).toMatchObject({ thresholdProblem: "format", canSave: false });
    expect(readPolicies(CUSTODIAL, { thresholdText: "1".repeat(16) })).toMatchObject({ thresholdProblem: "tooLarge", canSave: false });
    // A valid change beside an invalid one is not sent either.
    expect(readPolicies(CUSTODIAL, { autoRefundLateSuccess: false, thresholdText: "x" }).canSave).toBe(false);
    expect(readPolicies(DIRECT, { refundShortfallPolicy: "ALLOW_DEBT" })).toMatchObject({ shortfallProblem: "needsCustodial", canSave: false });
  });

  it("reads audit snapshots (bigints as strings) and ignores anything else", () => {
    expect(readHistoryValues({ approvalAdminThresholdMinor: "500000", refundShortfallPolicy: "ALLOW_DEBT", autoRefundLateSuccess: false })).toEqual({
      approvalAdminThresholdMinor: 500_000n,
      refundShortfallPolicy: "ALLOW_DEBT",
      autoRefundLateSuccess: false,
    });
    expect(readHistoryValues({ approvalAdminThresholdMinor: "-1", refundShortfallPolicy: "FORGIVE", autoRefundLateSuccess: "yes" })).toEqual({});
    expect(readHistoryValues({ reconFeeToleranceMinor: "2", reconPoolDays: 0 })).toEqual({ reconFeeToleranceMinor: 2n, reconPoolDays: 0 });
    expect(readHistoryValues({ reconFeeToleranceMinor: "-2", reconPoolDays: "3" })).toEqual({});
    expect(readHistoryValues(null)).toEqual({});
  });
});

describe("the policies page", () => {
  it("an owner of a CUSTODIAL provider: the policies, Save, and the recent changes", () => {
    const { queryClient, trpc, render } = serverRenderer();
    queryClient.setQueryData(trpc.settings.policies.queryKey(), CUSTODIAL);
    queryClient.setQueryData(trpc.audit.find.queryKey(POLICY_HISTORY_INPUT), {
      items: [
        {
          id: "8a1f2c3d-0000-4000-8000-000000000001",
          actorKind: "USER" as const,
          actorEmail: "owner@huiyun.demo",
          action: "tenant.policies",
          entityType: "tenant",
          entityId: "8a1f2c3d-0000-4000-8000-000000000002",
          before: { refundShortfallPolicy: "REFUSE", approvalAdminThresholdMinor: "1000000", reconPoolDays: 1 },
          after: { refundShortfallPolicy: "ALLOW_DEBT", approvalAdminThresholdMinor: "500000", reconPoolDays: 3 },
          requestId: null,
          createdAt: new Date("2026-11-27T08:00:00Z"),
        },
      ],
      nextCursor: null,
    });
    const html = render(<PoliciesView canEdit canSeeHistory />);
    expect(html).toContain("Refund shortfall");
    expect(html).toContain("Let the merchant owe the shortfall");
    expect(html).not.toContain("Not available in DIRECT settlement");
    expect(inputTag(html, 'value="ALLOW_DEBT"')).not.toContain("disabled");
    expect(inputTag(html, 'value="REFUSE"')).toContain('checked=""');
    expect(html).toContain("Refund late successes to the payer automatically");
    expect(html).toContain('value="10000.00"');
    expect(html).toContain("Save policies");
    expect(html).not.toContain("Only an owner or admin can change these policies.");
    // The recent change, values as people read them.
    expect(html).toContain("owner@huiyun.demo");
    expect(html).toContain("¥10,000.00");
    expect(html).toContain("¥5,000.00");
    expect(html).toContain("Refuse the refund");
    // The reconciliation settings, explained, and the pool's change in the history.
    expect(html).toContain("Reconciliation");
    expect(inputTag(html, 'name="reconFeeToleranceMinor"')).toContain('value="1"');
    expect(inputTag(html, 'name="reconFeeToleranceMinor"')).toContain('max="100"');
    expect(inputTag(html, 'name="reconPoolDays"')).toContain('value="1"');
    expect(inputTag(html, 'name="reconPoolDays"')).toContain('max="14"');
    expect(html).toContain("a larger difference is a fee exception. 0: a difference of 1 fen is an exception. At most 100.");
    expect(html).toContain("before it becomes a platform-only shortage exception. 0: an exception at once. At most 14.");
    expect(html).toMatch(/Cross-day pool \(days\)<\/dt><dd[^>]*><span[^>]*>1<\/span><span>→<\/span><span[^>]*>3<\/span>/);
    expect(html).not.toContain("Fee tolerance (fen)</dt>");
    noRawKeys(html);
  });

  it("a DIRECT provider: ALLOW_DEBT shown disabled with the reason, the rest editable", () => {
    const { queryClient, trpc, render } = serverRenderer();
    queryClient.setQueryData(trpc.settings.policies.queryKey(), DIRECT);
    const html = render(<PoliciesView canEdit canSeeHistory={false} />);
    expect(inputTag(html, 'value="ALLOW_DEBT"')).toContain('disabled=""');
    expect(inputTag(html, 'value="REFUSE"')).not.toContain("disabled");
    expect(inputTag(html, 'name="autoRefundLateSuccess"')).not.toContain("disabled");
    expect(html).toContain("Not available in DIRECT settlement: the channel settles merchants directly");
    expect(html).toContain("Save policies");
    noRawKeys(html);
  });

  it("read-only for finance, operations and viewers, in Chinese", () => {
    const { queryClient, trpc, render } = serverRenderer();
    queryClient.setQueryData(trpc.settings.policies.queryKey(), DIRECT);
    const html = render(<PoliciesView canEdit={false} canSeeHistory={false} />, "zh-CN");
    for (const attr of ['value="REFUSE"', 'value="ALLOW_DEBT"', 'name="autoRefundLateSuccess"', 'name="approvalAdminThresholdMinor"', 'name="reconFeeToleranceMinor"', 'name="reconPoolDays"']) expect(inputTag(html, attr), attr).toContain('disabled=""');
    expect(html).toContain("直清（DIRECT）模式下不可用");
    expect(html).toContain("仅所有者或管理员可以修改业务策略。");
    expect(html).not.toContain("保存策略");
    expect(html).not.toContain("最近的修改");
    expect(html).toContain("需管理员审批的金额起点（元）");
    expect(html).toContain("手续费容差（分）");
    expect(html).toContain("跨日待匹配天数");
    expect(html).toContain("填 0 表示立即记为差错。最多 14 天。");
    noRawKeys(html);
  });

  it("loading, and an empty history with the defaults explained", () => {
    const { queryClient, trpc, render } = serverRenderer();
    expect(render(<PoliciesView canEdit canSeeHistory={false} />)).toContain('role="status"');
    queryClient.setQueryData(trpc.settings.policies.queryKey(), CUSTODIAL);
    queryClient.setQueryData(trpc.audit.find.queryKey(POLICY_HISTORY_INPUT), { items: [], nextCursor: null });
    const html = render(<PoliciesView canEdit canSeeHistory />);
    expect(html).toContain("No changes yet");
    expect(html).toContain("admin approval from ¥10,000.00");
    noRawKeys(html);
  });
});
