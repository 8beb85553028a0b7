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
/** The reconciliation settings' ranges (server/core/tenancy/policies.ts and the tenant table's checks hold the same). */
export const FEE_TOLERANCE_MAX_FEN = 100;
export const POOL_DAYS_MAX = 14;

export interface PolicyEdits {
  refundShortfallPolicy?: ShortfallPolicy;
  autoRefundLateSuccess?: boolean;
  /** The threshold as typed, in yuan. */
  thresholdText?: string;
  /** Reconciliation's fee tolerance as typed, in whole fen. */
  toleranceText?: string;
  /** Reconciliation's cross-day pool as typed, in whole days. */
  poolDaysText?: string;
}

export type ThresholdProblem = "required" | Exclude<YuanParseError, "empty">;
/** A whole-number setting's problem: nothing typed, not a whole number, or outside its range. */
export type WholeProblem = "required" | "whole" | "range";

/** A whole number from 0 to max, as typed (full-width digits too). */
export function parseWhole(text: string, max: number): { ok: true; value: number } | { ok: false; error: WholeProblem } {
  const s = text.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).trim();
  if (s === "") return { ok: false, error: "required" };
  if (/^-\d+$/.test(s)) return { ok: false, error: "range" };
  if (!/^\d+$/.test(s)) return { ok: false, error: "whole" };
  const value = Number(s);
  return value > max ? { ok: false, error: "range" } : { ok: true, value };
}

export interface ReadPolicies {
  shortfall: ShortfallPolicy;
  autoRefund: boolean;
  thresholdText: string;
  toleranceText: string;
  poolDaysText: string;
  /** Only what differs from the saved values; empty when there is nothing to save. */
  change: PoliciesChange;
  thresholdProblem: ThresholdProblem | null;
  toleranceProblem: WholeProblem | null;
  poolDaysProblem: WholeProblem | null;
  /** ALLOW_DEBT chosen for a DIRECT provider (the radio is disabled; this guards anything else). */
  shortfallProblem: "needsCustodial" | null;
  isDirty: boolean;
  canSave: boolean;
}

export function readPolicies(saved: SavedPolicies, edits: PolicyEdits): ReadPolicies {
  const shortfall = edits.refundShortfallPolicy ?? saved.refundShortfallPolicy;
  const autoRefund = edits.autoRefundLateSuccess ?? saved.autoRefundLateSuccess;
  const thresholdText = edits.thresholdText ?? fenToYuanText(saved.approvalAdminThresholdMinor);
  const toleranceText = edits.toleranceText ?? saved.reconFeeToleranceMinor.toString();
  const poolDaysText = edits.poolDaysText ?? String(saved.reconPoolDays);
  const change: PoliciesChange = {};
  if (shortfall !== saved.refundShortfallPolicy) change.refundShortfallPolicy = shortfall;
  if (autoRefund !== saved.autoRefundLateSuccess) change.autoRefundLateSuccess = autoRefund;
  let thresholdProblem: ThresholdProblem | null = null;
  if (edits.thresholdText !== undefined) {
    const r = parseYuan(edits.thresholdText);
    if (!r.ok) thresholdProblem = r.error === "empty" ? "required" : r.error;
    else if (r.fen !== saved.approvalAdminThresholdMinor) change.approvalAdminThresholdMinor = r.fen;
  }
  let toleranceProblem: WholeProblem | null = null;
  if (edits.toleranceText !== undefined) {
    const r = parseWhole(edits.toleranceText, FEE_TOLERANCE_MAX_FEN);
    if (!r.ok) toleranceProblem = r.error;
    else if (BigInt(r.value) !== saved.reconFeeToleranceMinor) change.reconFeeToleranceMinor = BigInt(r.value);
  }
  let poolDaysProblem: WholeProblem | null = null;
  if (edits.poolDaysText !== undefined) {
    const r = parseWhole(edits.poolDaysText, POOL_DAYS_MAX);
    if (!r.ok) poolDaysProblem = r.error;
    else if (r.value !== saved.reconPoolDays) change.reconPoolDays = r.value;
  }
  const shortfallProblem = change.refundShortfallPolicy === "ALLOW_DEBT" && saved.settlementMode !== "CUSTODIAL" ? "needsCustodial" : null;
  const isDirty = Object.keys(change).length > 0;
  const canSave = isDirty && !thresholdProblem && !toleranceProblem && !poolDaysProblem && !shortfallProblem;
  return { shortfall, autoRefund, thresholdText, toleranceText, poolDaysText, change, thresholdProblem, toleranceProblem, poolDaysProblem, shortfallProblem, isDirty, canSave };
}

/** One audit record's before/after of the policies page (bigints stored as strings), as typed values. */
export interface PolicyHistoryValues {
  refundShortfallPolicy?: ShortfallPolicy;
  autoRefundLateSuccess?: boolean;
  approvalAdminThresholdMinor?: bigint;
  reconFeeToleranceMinor?: bigint;
  reconPoolDays?: number;
}

export function readHistoryValues(json: unknown): PolicyHistoryValues {
  const out: PolicyHistoryValues = {};
  if (typeof json !== "object" || json === null) return out;
  const v = json as Record<string, unknown>;
  if (v.refundShortfallPolicy === "REFUSE" || v.refundShortfallPolicy === "ALLOW_DEBT") out.refundShortfallPolicy = v.refundShortfallPolicy;
  if (typeof v.autoRefundLateSuccess === "boolean") out.autoRefundLateSuccess = v.autoRefundLateSuccess;
  const t = v.approvalAdminThresholdMinor;
  if ((typeof t === "string" && /^\d+$/.test(t)) || (typeof t === "number" && Number.isSafeInteger(t))) out.approvalAdminThresholdMinor = BigInt(t);
  const tol = v.reconFeeToleranceMinor;
  if ((typeof tol === "string" && /^\d+$/.test(tol)) || (typeof tol === "number" && Number.isSafeInteger(tol) && tol >= 0)) out.reconFeeToleranceMinor = BigInt(tol);
  if (typeof v.reconPoolDays === "number" && Number.isSafeInteger(v.reconPoolDays) && v.reconPoolDays >= 0) out.reconPoolDays = v.reconPoolDays;
  return out;
}
