"use client";

import Link from "next/link";
import { useId, useState, type FormEvent, type ReactNode } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { YuanField } from "@/components/channels/parts";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Field } from "@/components/ui/field";
import { formErrors } from "@/components/ui/form-errors";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useT } from "@/i18n/client";
import type { Translate } from "@/i18n/translate";
import {
  FEE_TOLERANCE_MAX_FEN,
  POOL_DAYS_MAX,
  readHistoryValues,
  readPolicies,
  SHORTFALL_POLICIES,
  type PolicyEdits,
  type PolicyHistoryValues,
  type SavedPolicies,
  type ThresholdProblem,
  type WholeProblem,
} from "./policies-draft";

const CURRENCY = "CNY";
/** The policies page's audit records (updateTenantPolicies writes them). */
export const POLICY_HISTORY_INPUT = { action: "tenant.policies", limit: 10 } as const;

function thresholdMessage(t: Translate, problem: ThresholdProblem): string {
  return problem === "required" ? t("policies.thresholdRequired") : t(`policies.amountError_${problem}`);
}

function toleranceMessage(t: Translate, problem: WholeProblem): string {
  return t(`policies.toleranceError_${problem}`, { max: FEE_TOLERANCE_MAX_FEN });
}

function poolDaysMessage(t: Translate, problem: WholeProblem): string {
  return t(`policies.poolDaysError_${problem}`, { max: POOL_DAYS_MAX });
}

/** A refusal from the server in the reader's language; the field it concerns, when it names one. */
function saveErrors(t: Translate, error: unknown): { fields: Record<string, string>; general: string | null } {
  if (!error) return { fields: {}, general: null };
  const code = (error as { data?: { domainCode?: string | null } }).data?.domainCode;
  if (code === "REFUND_DEBT_NEEDS_CUSTODIAL") return { fields: { refundShortfallPolicy: t("policies.error_debtNeedsCustodial") }, general: null };
  return formErrors(error);
}

/** The Policies page: the policies (editable with settings.manage) and, for those who may read the audit log, their recent changes. */
export function PoliciesView({ canEdit, canSeeHistory }: { canEdit: boolean; canSeeHistory: boolean }) {
  const t = useT();
  const trpc = useTRPC();
  const policies = useQuery(trpc.settings.policies.queryOptions());
  return (
    <div className="space-y-6">
      {canEdit ? null : (
        <p role="note" className="rounded-brand border border-border bg-muted px-4 py-3 text-sm text-muted-foreground">
          {t("policies.readOnly")}
        </p>
      )}
      {policies.isPending ? (
        <Card>
          <LoadingState rows={4} />
        </Card>
      ) : policies.isError ? (
        <Card>
          <ErrorState error={policies.error} title={t("policies.loadError")} onRetry={() => void policies.refetch()} />
        </Card>
      ) : (
        <PoliciesForm saved={policies.data} canEdit={canEdit} />
      )}
      {canSeeHistory ? <PolicyHistory /> : null}
    </div>
  );
}

function Section({ title, help, children }: { title: string; help: string; children: ReactNode }) {
  return (
    <section className="space-y-3 border-b border-border px-5 py-5 last:border-b-0">
      <div>
        <h2 className="text-base font-semibold">{title}</h2>
        <p className="mt-1 max-w-3xl text-sm text-muted-foreground">{help}</p>
      </div>
      {children}
    </section>
  );
}

export function PoliciesForm({ saved, canEdit }: { saved: SavedPolicies; canEdit: boolean }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const ids = useId();
  const [edits, setEdits] = useState<PolicyEdits>({});
  const save = useMutation(
    trpc.settings.updatePolicies.mutationOptions({
      onSuccess: (p) => {
        queryClient.setQueryData(trpc.settings.policies.queryKey(), p);
        void queryClient.invalidateQueries({ queryKey: trpc.audit.find.queryKey(POLICY_HISTORY_INPUT) });
        setEdits({});
        toast.success(t("policies.saved"));
      },
    }),
  );
  const v = readPolicies(saved, edits);
  const server = saveErrors(t, save.error);
  const isDirect = saved.settlementMode !== "CUSTODIAL";
  const disabled = !canEdit || save.isPending;
  const edit = (next: PolicyEdits) => {
    save.reset();
    setEdits({ ...edits, ...next });
  };

  function submit(e: FormEvent) {
    e.preventDefault();
    if (v.canSave) save.mutate(v.change);
  }

  const shortfallError = (v.shortfallProblem ? t("policies.error_debtNeedsCustodial") : null) ?? server.fields.refundShortfallPolicy ?? null;
  const thresholdError = (v.thresholdProblem ? thresholdMessage(t, v.thresholdProblem) : null) ?? server.fields.approvalAdminThresholdMinor;
  const toleranceError = (v.toleranceProblem ? toleranceMessage(t, v.toleranceProblem) : null) ?? server.fields.reconFeeToleranceMinor;
  const poolDaysError = (v.poolDaysProblem ? poolDaysMessage(t, v.poolDaysProblem) : null) ?? server.fields.reconPoolDays;

  return (
    <Card>
      <form onSubmit={submit} noValidate aria-label={t("policies.title")}>
        <Section title={t("policies.shortfallTitle")} help={t("policies.shortfallHelp")}>
          <fieldset className="space-y-3" aria-describedby={shortfallError ? `${ids}-shortfall-error` : undefined} data-testid="shortfall-policy">
            <legend className="sr-only">{t("policies.shortfallTitle")}</legend>
            {SHORTFALL_POLICIES.map((p) => {
              // Shown but disabled for a DIRECT provider, with the reason in place of its description.
              const unavailable = p === "ALLOW_DEBT" && isDirect;
              const id = `${ids}-shortfall-${p}`;
              return (
                <div key={p} className="flex items-start gap-2">
                  <input
                    type="radio"
                    id={id}
                    name="refundShortfallPolicy"
                    value={p}
                    className="mt-1"
                    checked={v.shortfall === p}
                    disabled={disabled || unavailable}
                    aria-describedby={`${id}-help`}
                    onChange={() => edit({ refundShortfallPolicy: p })}
                  />
                  <div className="min-w-0">
                    <label htmlFor={id} className={unavailable ? "text-sm font-medium text-muted-foreground" : "text-sm font-medium"}>
                      {t(`policies.shortfall_${p}`)}
                    </label>
                    <p id={`${id}-help`} className="text-xs text-muted-foreground">
                      {unavailable ? t("policies.shortfallDirect") : t(`policies.shortfall_${p}_help`)}
                    </p>
                  </div>
                </div>
              );
            })}
            {isDirect && saved.refundShortfallPolicy === "ALLOW_DEBT" ? <p className="text-sm text-warning">{t("policies.shortfallDirectStale")}</p> : null}
            {shortfallError ? (
              <p id={`${ids}-shortfall-error`} className="text-sm text-danger">
                {shortfallError}
              </p>
            ) : null}
          </fieldset>
        </Section>

        <Section title={t("policies.lateSuccessTitle")} help={t("policies.lateSuccessHelp")}>
          <div className="flex items-center gap-2">
            <input
              type="checkbox"
              id={`${ids}-late`}
              name="autoRefundLateSuccess"
              checked={v.autoRefund}
              disabled={disabled}
              onChange={(e) => edit({ autoRefundLateSuccess: e.target.checked })}
            />
            <label htmlFor={`${ids}-late`} className="text-sm font-medium">
              {t("policies.lateSuccessLabel")}
            </label>
            <Badge tone={v.autoRefund ? "success" : "neutral"}>{v.autoRefund ? t("policies.on") : t("policies.off")}</Badge>
          </div>
          {server.fields.autoRefundLateSuccess ? <p className="text-sm text-danger">{server.fields.autoRefundLateSuccess}</p> : null}
        </Section>

        <Section title={t("policies.thresholdTitle")} help={t("policies.thresholdHelp")}>
          <div className="max-w-xs">
            <YuanField
              label={t("policies.thresholdLabel")}
              name="approvalAdminThresholdMinor"
              value={v.thresholdText}
              disabled={disabled}
              error={thresholdError}
              onChange={(text) => edit({ thresholdText: text })}
            />
          </div>
        </Section>

        <Section title={t("policies.reconTitle")} help={t("policies.reconHelp")}>
          <div className="grid max-w-3xl gap-4 sm:grid-cols-2">
            <Field label={t("policies.toleranceLabel")} hint={t("policies.toleranceHelp", { max: FEE_TOLERANCE_MAX_FEN })} error={toleranceError}>
              <Input
                type="number"
                name="reconFeeToleranceMinor"
                inputMode="numeric"
                min={0}
                max={FEE_TOLERANCE_MAX_FEN}
                step={1}
                className="max-w-32 text-right tabular"
                value={v.toleranceText}
                disabled={disabled}
                onChange={(e) => edit({ toleranceText: e.target.value })}
              />
            </Field>
            <Field label={t("policies.poolDaysLabel")} hint={t("policies.poolDaysHelp", { max: POOL_DAYS_MAX })} error={poolDaysError}>
              <Input
                type="number"
                name="reconPoolDays"
                inputMode="numeric"
                min={0}
                max={POOL_DAYS_MAX}
                step={1}
                className="max-w-32 text-right tabular"
                value={v.poolDaysText}
                disabled={disabled}
                onChange={(e) => edit({ poolDaysText: e.target.value })}
              />
            </Field>
          </div>
        </Section>

        {canEdit ? (
          <CardFooter className="flex-wrap">
            {server.general ? (
              <p role="alert" className="me-auto text-sm text-danger">
                {server.general}
              </p>
            ) : v.isDirty ? (
              <span className="me-auto text-sm text-muted-foreground">{t("policies.unsaved")}</span>
            ) : null}
            <Button type="button" variant="secondary" disabled={save.isPending || Object.keys(edits).length === 0} onClick={() => {
                save.reset();
                setEdits({});
              }}>
              {t("policies.reset")}
            </Button>
            <Button type="submit" loading={save.isPending} disabled={!v.canSave}>
              {t("policies.save")}
            </Button>
          </CardFooter>
        ) : null}
      </form>
    </Card>
  );
}

function HistoryValue({ field, values }: { field: keyof PolicyHistoryValues; values: PolicyHistoryValues }) {
  const t = useT();
  if (field === "approvalAdminThresholdMinor") {
    return values.approvalAdminThresholdMinor === undefined ? <span>—</span> : <Money amountMinor={values.approvalAdminThresholdMinor} currency={CURRENCY} inline />;
  }
  // Plain numbers: the row's label carries the unit (fen, days).
  if (field === "reconFeeToleranceMinor" || field === "reconPoolDays") return <span className="tabular">{values[field]?.toString() ?? "—"}</span>;
  if (field === "autoRefundLateSuccess") return <span>{values.autoRefundLateSuccess === undefined ? "—" : values.autoRefundLateSuccess ? t("policies.on") : t("policies.off")}</span>;
  return <span>{values.refundShortfallPolicy ? t(`policies.shortfall_${values.refundShortfallPolicy}`) : "—"}</span>;
}

const HISTORY_FIELDS = [
  ["refundShortfallPolicy", "policies.shortfallTitle"],
  ["autoRefundLateSuccess", "policies.lateSuccessTitle"],
  ["approvalAdminThresholdMinor", "policies.thresholdTitle"],
  ["reconFeeToleranceMinor", "policies.toleranceLabel"],
  ["reconPoolDays", "policies.poolDaysLabel"],
] as const;

/** The last changes of the policies, from the audit log (audit.read). */
export function PolicyHistory() {
  const t = useT();
  const trpc = useTRPC();
  const history = useQuery(trpc.audit.find.queryOptions(POLICY_HISTORY_INPUT));
  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle>{t("policies.historyTitle")}</CardTitle>
          <CardDescription>{t("policies.historyHelp")}</CardDescription>
        </div>
        <Link href="/audit?audit.action=tenant.policies" className="text-sm text-primary hover:underline">
          {t("policies.historyAll")}
        </Link>
      </CardHeader>
      <CardContent className="p-0">
        {history.isPending ? (
          <LoadingState rows={2} />
        ) : history.isError ? (
          <ErrorState error={history.error} onRetry={() => void history.refetch()} compact />
        ) : history.data.items.length === 0 ? (
          <EmptyState title={t("policies.historyEmpty")} description={t("policies.historyEmptyHelp")} />
        ) : (
          <ol className="divide-y divide-border" data-testid="policy-history">
            {history.data.items.map((r) => {
              const before = readHistoryValues(r.before);
              const after = readHistoryValues(r.after);
              return (
                <li key={r.id} className="space-y-1 px-5 py-3 text-sm">
                  <div className="flex flex-wrap items-center gap-x-3 text-xs text-muted-foreground">
                    <DateTime value={r.createdAt} />
                    <span>{r.actorEmail ?? r.actorKind}</span>
                  </div>
                  <dl className="space-y-0.5">
                    {HISTORY_FIELDS.filter(([f]) => after[f] !== undefined).map(([f, label]) => (
                      <div key={f} className="flex flex-wrap gap-x-2">
                        <dt className="font-medium">{t(label)}</dt>
                        <dd className="flex flex-wrap items-center gap-x-1.5">
                          <HistoryValue field={f} values={before} />
                          <span>→</span>
                          <HistoryValue field={f} values={after} />
                        </dd>
                      </div>
                    ))}
                  </dl>
                </li>
              );
            })}
          </ol>
        )}
      </CardContent>
    </Card>
  );
}
