import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { fenToYuanText, parseYuan, type YuanParseError } from "@/components/ledger/amount-input";
import type { AppRouter } from "@/server/api/root";

// The Policies form's state as what the person touched, over the saved values: a field left alone
// always shows what is stored now (a refetch after someone else's save shows theirs), and Save sends
// only the fields that differ from it, so it never writes back a value nobody chose.

export type SavedPolicies = inferRouterOutputs<AppRouter>["settings"]["policies"];
export type PoliciesChange = inferRouterInputs<AppRouter>["settings"]["updatePolicies"];
export type ShortfallPolicy = SavedPolicies["refundShortfallPolicy"];
export const SHORTFALL_POLICIES = ["REFUSE", "ALLOW_DEBT"] as const satisfies readonly ShortfallPolicy[];

export interface PolicyEdits {
  refundShortfallPolicy?: ShortfallPolicy;
  autoRefundLateSuccess?: boolean;
  /** The threshold as typed, in yuan. */
  thresholdText?: string;
}

export type ThresholdProblem = "required" | Exclude<YuanParseError, "empty">;

export interface ReadPolicies {
  shortfall: ShortfallPolicy;
  autoRefund: boolean;
  thresholdText: string;
  /** Only what differs from the saved values; empty when there is nothing to save. */
  change: PoliciesChange;
  thresholdProblem: ThresholdProblem | null;
  /** ALLOW_DEBT chosen for a DIRECT provider (the radio is disabled; this guards anything else). */
  shortfallProblem: "needsCustodial" | null;
  isDirty: boolean;
  canSave: boolean;
}

export function readPolicies(saved: SavedPolicies, edits: PolicyEdits): ReadPolicies {
  const shortfall = edits.refundShortfallPolicy ?? saved.refundShortfallPolicy;
  const autoRefund = edits.autoRefundLateSuccess ?? saved.autoRefundLateSuccess;
  const thresholdText = edits.thresholdText ?? fenToYuanText(saved.approvalAdminThresholdMinor);
  const change: PoliciesChange = {};
  if (shortfall !== saved.refundShortfallPolicy) change.refundShortfallPolicy = shortfall;
  if (autoRefund !== saved.autoRefundLateSuccess) change.autoRefundLateSuccess = autoRefund;
  let thresholdProblem: ThresholdProblem | null = null;
  if (edits.thresholdText !== undefined) {
    const r = parseYuan(edits.thresholdText);
    if (!r.ok) thresholdProblem = r.error === "empty" ? "required" : r.error;
    else if (r.fen !== saved.approvalAdminThresholdMinor) change.approvalAdminThresholdMinor = r.fen;
  }
  const shortfallProblem = change.refundShortfallPolicy === "ALLOW_DEBT" && saved.settlementMode !== "CUSTODIAL" ? "needsCustodial" : null;
  const isDirty = Object.keys(change).length > 0;
  return { shortfall, autoRefund, thresholdText, change, thresholdProblem, shortfallProblem, isDirty, canSave: isDirty && !thresholdProblem && !shortfallProblem };
}

/** One audit record's before/after of the policies page (bigints stored as strings), as typed values. */
export interface PolicyHistoryValues {
  refundShortfallPolicy?: ShortfallPolicy;
  autoRefundLateSuccess?: boolean;
  approvalAdminThresholdMinor?: bigint;
}

export function readHistoryValues(json: unknown): PolicyHistoryValues {
  const out: PolicyHistoryValues = {};
  if (typeof json !== "object" || json === null) return out;
  const v = json as Record<string, unknown>;
  if (v.refundShortfallPolicy === "REFUSE" || v.refundShortfallPolicy === "ALLOW_DEBT") out.refundShortfallPolicy = v.refundShortfallPolicy;
  if (typeof v.autoRefundLateSuccess === "boolean") out.autoRefundLateSuccess = v.autoRefundLateSuccess;
  const t = v.approvalAdminThresholdMinor;
  if ((typeof t === "string" && /^\d+$/.test(t)) || (typeof t === "number" && Number.isSafeInteger(t))) out.approvalAdminThresholdMinor = BigInt(t);
  return out;
}
