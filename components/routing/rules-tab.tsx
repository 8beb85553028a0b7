"use client";

import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useId, useMemo, useState } from "react";
import { ErrorNote } from "@/components/ledger/parts";
import { useTRPC, useTRPCClient } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";
import {
  draftToWire,
  emptyRule,
  hasLocalErrors,
  moveRule,
  newRuleId,
  placeIssues,
  ruleLocalErrors,
  wireKey,
  type RuleDraft,
  type RuleSetDraft,
  type WireRuleSet,
} from "./draft";
import { routingErrorText } from "./errors";
import { IssueList, RuleSetStatusBadge } from "./parts";
import { ruleSetNote } from "./names";
import { RuleCard } from "./rule-card";
import { RuleSetSummary } from "./rule-table";
import { STRATEGIES, type ConfigIssue, type RuleSetRow } from "./types";
import { useDebounced } from "./use-debounced";
import type { RoutingLookups } from "./use-lookups";

export interface EditorBase {
  version: number | null;
  status: RuleSetRow["status"] | null;
  draft: RuleSetDraft;
}

/** Who did something, by user id: a name where the viewer may list users. */
export type UserName = (id: string | null) => string | null;

export function RulesTab({
  ruleSets,
  base,
  working,
  dirty,
  onEdit,
  onChanged,
  canManage,
  lookups,
  userName,
}: {
  ruleSets: readonly RuleSetRow[];
  base: EditorBase;
  working: RuleSetDraft;
  dirty: boolean;
  onEdit: (next: RuleSetDraft | null) => void;
  onChanged: () => Promise<void>;
  canManage: boolean;
  lookups: RoutingLookups;
  userName: UserName;
}) {
  const { t } = useI18n();
  const published = ruleSets.find((r) => r.status === "PUBLISHED");
  const draft = ruleSets.find((r) => r.status === "DRAFT");
  return (
    <div className="space-y-6">
      <Card data-testid="published-rules">
        <CardHeader>
          <div className="min-w-0">
            <CardTitle>{t("routing.publishedTitle")}</CardTitle>
            {published ? (
              <CardDescription>
                {t("routing.versionNumber", { version: published.version })} · <DateTime value={published.publishedAt} />
                {published.publishedBy ? ` · ${userName(published.publishedBy) ?? ""}` : null}
                {published.note ? ` · ${ruleSetNote(t, published.note) ?? ""}` : null}
              </CardDescription>
            ) : null}
          </div>
          {published ? <RuleSetStatusBadge status={published.status} /> : null}
        </CardHeader>
        <CardContent>{published ? <RuleSetSummary ruleSet={published} lookups={lookups} /> : <p className="text-sm text-muted-foreground">{t("routing.publishedNone")}</p>}</CardContent>
      </Card>

      {canManage ? (
        <RuleSetEditor base={base} working={working} dirty={dirty} onEdit={onEdit} onChanged={onChanged} draftRow={draft ?? null} lookups={lookups} userName={userName} />
      ) : (
        <>
          {draft ? (
            <Card data-testid="draft-rules">
              <CardHeader>
                <div className="min-w-0">
                  <CardTitle>{t("routing.draftTitle")}</CardTitle>
                  <CardDescription>{t("routing.draftOpen", { version: draft.version })}</CardDescription>
                </div>
                <RuleSetStatusBadge status={draft.status} />
              </CardHeader>
              <CardContent>
                <RuleSetSummary ruleSet={draft} lookups={lookups} />
              </CardContent>
            </Card>
          ) : null}
          <p className="text-sm text-muted-foreground">{t("routing.readOnly")}</p>
        </>
      )}

      <ConfigIssuesCard lookups={lookups} />
    </div>
  );
}

/** The whole configuration checked as routing sees it now (fee conflicts, windows, registrations…). */
function ConfigIssuesCard({ lookups }: { lookups: RoutingLookups }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const issues = useQuery(trpc.routing.issues.queryOptions());
  return (
    <Card data-testid="config-issues">
      <CardHeader>
        <div className="min-w-0">
          <CardTitle>{t("routing.configIssuesTitle")}</CardTitle>
          <CardDescription>{t("routing.configIssuesHelp")}</CardDescription>
        </div>
      </CardHeader>
      <CardContent>
        {issues.isPending ? (
          <LoadingState rows={2} />
        ) : issues.isError ? (
          <ErrorState compact error={issues.error} onRetry={() => void issues.refetch()} />
        ) : issues.data.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("routing.checksNone")}</p>
        ) : (
          <IssueList issues={issues.data} ctx={lookups.ctx} />
        )}
      </CardContent>
    </Card>
  );
}

interface CheckResult {
  issues: ConfigIssue[];
  /** The ids of the rules as checked: issue paths name rules by their index in this list. */
  ruleIds: string[];
}

function RuleSetEditor({
  base,
  working,
  dirty,
  onEdit,
  onChanged,
  draftRow,
  lookups,
  userName,
}: {
  base: EditorBase;
  working: RuleSetDraft;
  dirty: boolean;
  onEdit: (next: RuleSetDraft | null) => void;
  onChanged: () => Promise<void>;
  draftRow: RuleSetRow | null;
  lookups: RoutingLookups;
  userName: UserName;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const toast = useToast();
  const fallbackId = useId();
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set());
  const [confirm, setConfirm] = useState<"publish" | "discard" | null>(null);
  const save = useMutation(trpc.routing.saveDraft.mutationOptions());
  const publish = useMutation(trpc.routing.publish.mutationOptions());
  const discard = useMutation(trpc.routing.discardDraft.mutationOptions());

  // Checked on a pause in typing. The answer carries the rule ids it was computed for, so issues
  // land on the right rule even if rules were moved or deleted meanwhile.
  const key = wireKey(working);
  const checkedKey = useDebounced(key, 300);
  const check = useQuery<CheckResult>({
    queryKey: ["routing.validate", checkedKey],
    queryFn: async () => {
      const input = JSON.parse(checkedKey) as Omit<WireRuleSet, "note">;
      const issues = await client.routing.validate.query(input);
      return { issues: [...issues], ruleIds: input.rules.map((r) => r.id) };
    },
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
  const placed = useMemo(() => placeIssues(check.data?.issues ?? [], check.data?.ruleIds ?? []), [check.data]);
  const checking = checkedKey !== key || check.isFetching;
  const local = working.rules.map(ruleLocalErrors);
  const anyLocal = local.some(hasLocalErrors);
  const knownErrors = !checking && placed.errors > 0;

  const edit = (patch: Partial<RuleSetDraft>) => onEdit({ ...working, ...patch });
  const setRules = (rules: RuleDraft[]) => edit({ rules });
  const setOpenRule = (id: string, on: boolean) =>
    setOpen((s) => {
      const next = new Set(s);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  function addRule() {
    const id = newRuleId(working.rules.map((r) => r.id));
    setRules([...working.rules, emptyRule(id)]);
    setOpenRule(id, true);
  }

  async function runSave() {
    publish.reset();
    discard.reset();
    const r = await save.mutateAsync(draftToWire(working)).catch(() => null);
    if (!r) return;
    toast.success(t("routing.draftSaved", { version: r.version }));
    setOpen(new Set());
    await onChanged();
  }

  async function runPublish(version: number) {
    const r = await publish.mutateAsync({ version }).catch(() => null);
    if (!r) return;
    toast.success(t("routing.published", { version: r.version }));
    setConfirm(null);
    await onChanged();
  }

  async function runDiscard(version: number) {
    const r = await discard.mutateAsync({ version }).catch(() => null);
    if (!r) return;
    toast.success(t("routing.draftDiscarded", { version: r.version }));
    setConfirm(null);
    setOpen(new Set());
    await onChanged();
  }

  const editingText =
    base.status === "DRAFT" && base.version !== null
      ? t("routing.editingDraft", { version: base.version })
      : base.version !== null
        ? t("routing.editingPublished", { version: base.version })
        : t("routing.editingDefault");

  return (
    <Card data-testid="rule-editor">
      <CardHeader>
        <div className="min-w-0">
          <CardTitle>{t("routing.editorTitle")}</CardTitle>
          <CardDescription>{t("routing.editorHelp")}</CardDescription>
          <p className="mt-2 flex flex-wrap items-center gap-2 text-sm">
            <span data-testid="editing-base">{editingText}</span>
            {draftRow ? (
              <span className="text-xs text-muted-foreground">
                {t("routing.createdAt")} <DateTime value={draftRow.createdAt} />
                {draftRow.createdBy ? ` · ${userName(draftRow.createdBy) ?? ""}` : null}
              </span>
            ) : null}
            {dirty ? (
              <Badge tone="warning" data-testid="unsaved-badge">
                {t("routing.unsaved")}
              </Badge>
            ) : null}
          </p>
        </div>
        {draftRow ? <RuleSetStatusBadge status={draftRow.status} /> : null}
      </CardHeader>

      <CardContent className="space-y-4">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label={t("routing.strategy")} hint={t(`routing.strategyHelp_${working.strategy}`)}>
            <Select
              value={working.strategy}
              onChange={(e) => {
                const s = STRATEGIES.find((x) => x === e.target.value);
                if (s) edit({ strategy: s });
              }}
              options={STRATEGIES.map((s) => ({ value: s, label: t(`routing.strategy_${s}`) }))}
            />
          </Field>
          <div className="flex flex-col gap-1.5">
            <span className="text-sm font-medium">{t("routing.fallback")}</span>
            <label htmlFor={fallbackId} className="flex items-center gap-2 text-sm">
              <input id={fallbackId} type="checkbox" checked={working.fallbackEnabled} onChange={(e) => edit({ fallbackEnabled: e.target.checked })} />
              {t("routing.fallbackLabel")}
            </label>
            <p className="text-xs text-muted-foreground">{t("routing.fallbackHelp")}</p>
          </div>
        </div>
        <IssueList issues={placed.set} ctx={lookups.ctx} testId="set-issues" />

        <div className="flex flex-wrap items-end justify-between gap-3">
          <div>
            <h3 className="text-sm font-semibold">{t("routing.rulesHeading")}</h3>
            <p className="text-xs text-muted-foreground">{t("routing.rulesOrderHelp")}</p>
          </div>
          <Button variant="secondary" size="sm" onClick={addRule} disabled={working.rules.length >= 500}>
            {t("routing.addRule")}
          </Button>
        </div>
        {working.rules.length === 0 ? (
          <p className="rounded-brand border border-dashed border-border px-4 py-6 text-center text-sm text-muted-foreground">{t("routing.noRules")}</p>
        ) : (
          <ol className="space-y-3">
            {working.rules.map((rule, i) => (
              <li key={rule.id}>
                <RuleCard
                  rule={rule}
                  index={i}
                  count={working.rules.length}
                  expanded={open.has(rule.id)}
                  onToggle={() => setOpenRule(rule.id, !open.has(rule.id))}
                  onChange={(next) => setRules(working.rules.map((r) => (r.id === rule.id ? next : r)))}
                  onMove={(by) => setRules(moveRule(working.rules, i, by))}
                  onDelete={() => setRules(working.rules.filter((r) => r.id !== rule.id))}
                  issues={placed.rules.get(rule.id) ?? {}}
                  localErrors={local[i] ?? {}}
                  lookups={lookups}
                />
              </li>
            ))}
          </ol>
        )}

        <Field label={t("routing.note")} hint={t("routing.noteHint")} className="max-w-xl">
          <Input value={working.note} maxLength={200} onChange={(e) => edit({ note: e.target.value })} />
        </Field>

        <div role="status" aria-live="polite" className="rounded-brand bg-muted px-3 py-2 text-sm" data-testid="checks-summary">
          <span className="font-medium">{t("routing.checks")}: </span>
          {check.isError ? (
            <span className="text-danger">{t("routing.checkFailedToRun", { message: routingErrorText(t, check.error) })}</span>
          ) : checking || !check.data ? (
            t("routing.checking")
          ) : placed.errors + placed.warnings === 0 ? (
            t("routing.checksNone")
          ) : (
            t("routing.checksCount", { errors: placed.errors, warnings: placed.warnings })
          )}
        </div>
        <ErrorNote message={save.error ? routingErrorText(t, save.error) : null} testId="save-error" />
      </CardContent>

      <CardFooter className="flex-wrap">
        {dirty && (anyLocal || knownErrors) ? <p className="me-auto text-sm text-danger">{t("routing.saveBlocked")}</p> : null}
        {!dirty && draftRow && knownErrors ? <p className="me-auto text-sm text-danger">{t("routing.publishBlocked")}</p> : null}
        {dirty && draftRow && !anyLocal && !knownErrors ? <p className="me-auto text-sm text-muted-foreground">{t("routing.publishNeedsSave")}</p> : null}
        {dirty ? (
          <Button variant="ghost" onClick={() => onEdit(null)} disabled={save.isPending}>
            {t("routing.revert")}
          </Button>
        ) : null}
        {draftRow ? (
          <Button variant="danger" onClick={() => {
              discard.reset();
              setConfirm("discard");
            }} disabled={save.isPending}>
            {t("routing.discardDraft")}
          </Button>
        ) : null}
        <Button variant={draftRow ? "secondary" : "primary"} loading={save.isPending} disabled={!dirty || anyLocal || knownErrors} onClick={() => void runSave()}>
          {t("routing.saveDraft")}
        </Button>
        {draftRow ? (
          <Button onClick={() => {
              publish.reset();
              setConfirm("publish");
            }} disabled={dirty || knownErrors || save.isPending}>
            {t("routing.publish")}
          </Button>
        ) : null}
      </CardFooter>

      {confirm === "publish" && draftRow ? (
        <Dialog
          open
          onClose={() => setConfirm(null)}
          dismissible={!publish.isPending}
          title={t("routing.publishTitle", { version: draftRow.version })}
          description={t("routing.publishConfirm")}
          footer={
            <>
              <Button variant="secondary" onClick={() => setConfirm(null)} disabled={publish.isPending}>
                {t("common.cancel")}
              </Button>
              <Button loading={publish.isPending} onClick={() => void runPublish(draftRow.version)}>
                {t("routing.publish")}
              </Button>
            </>
          }
        >
          <div className="space-y-3">
            <RuleSetSummary ruleSet={draftRow} lookups={lookups} />
            {draftRow.note ? <p className="text-sm">{`${t("routing.note")}: ${draftRow.note}`}</p> : null}
            <ErrorNote message={publish.error ? routingErrorText(t, publish.error) : null} testId="publish-error" />
          </div>
        </Dialog>
      ) : null}

      {confirm === "discard" && draftRow ? (
        <Dialog
          open
          size="sm"
          onClose={() => setConfirm(null)}
          dismissible={!discard.isPending}
          title={t("routing.discardTitle", { version: draftRow.version })}
          description={t("routing.discardConfirm")}
          footer={
            <>
              <Button variant="secondary" onClick={() => setConfirm(null)} disabled={discard.isPending}>
                {t("common.cancel")}
              </Button>
              <Button variant="danger" loading={discard.isPending} onClick={() => void runDiscard(draftRow.version)}>
                {t("routing.discardDraft")}
              </Button>
            </>
          }
        >
          <ErrorNote message={discard.error ? routingErrorText(t, discard.error) : null} testId="discard-error" />
        </Dialog>
      ) : null}
    </Card>
  );
}
