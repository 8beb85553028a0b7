"use client";

import { channelTypeLabel } from "@/components/channels/labels";
import { fenToYuanText, parseYuan } from "@/components/ledger/amount-input";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { useI18n } from "@/i18n/client";
import { orderTypeName, productName } from "./codes";
import { metadataRow, type IssueField, type RuleDraft, type RuleLocalErrors } from "./draft";
import { conditionLines, ruleDisplayName, targetsSummary } from "./names";
import { CheckboxGroup, IssueList } from "./parts";
import { PRODUCTS, ROUTING_ORDER_TYPES, RULE_ACTIONS, type ConfigIssue } from "./types";
import type { RoutingLookups } from "./use-lookups";

const FIELDS: readonly IssueField[] = ["rule", "name", "targets", "conditions", "amount", "metadata"];

/**
 * One rule of the editor: a summary with its checks, and, when opened, the form. Every change goes
 * straight into the working copy (nothing is saved until "Save draft"), so the checks run on it.
 */
export function RuleCard({
  rule,
  index,
  count,
  expanded,
  onToggle,
  onChange,
  onMove,
  onDelete,
  issues,
  localErrors,
  lookups,
}: {
  rule: RuleDraft;
  index: number;
  count: number;
  expanded: boolean;
  onToggle: () => void;
  onChange: (rule: RuleDraft) => void;
  onMove: (by: -1 | 1) => void;
  onDelete: () => void;
  issues: Partial<Record<IssueField, ConfigIssue[]>>;
  localErrors: RuleLocalErrors;
  lookups: RoutingLookups;
}) {
  const { t, locale } = useI18n();
  const { names, ctx } = lookups;
  const label = t("routing.ruleNumber", { n: index + 1 });
  const name = ruleDisplayName(t, rule, index);
  const all = FIELDS.flatMap((f) => issues[f] ?? []);
  const errors = all.filter((i) => i.severity === "ERROR").length;
  const warnings = all.length - errors;
  const set = (patch: Partial<RuleDraft>) => onChange({ ...rule, ...patch });
  const sr = (text: string) => <span className="sr-only">{`: ${text}`}</span>;

  return (
    <section
      aria-label={label}
      data-testid={`rule-${index + 1}`}
      className={cn("rounded-brand border bg-card", errors ? "border-danger/60" : "border-border", !rule.enabled && "opacity-80")}
    >
      <div className="flex flex-wrap items-start justify-between gap-3 px-4 py-3">
        <div className="min-w-0 space-y-1">
          <h3 className="flex flex-wrap items-center gap-2 text-sm font-semibold">
            <span className="tabular text-muted-foreground">{index + 1}.</span>
            <span className={cn("break-words", !rule.name.trim() && "italic text-muted-foreground")}>{rule.name.trim() || t("routing.ruleUnnamed")}</span>
            <Badge tone={rule.action === "FORCE" ? "info" : "warning"}>{t(`routing.action_${rule.action}`)}</Badge>
            {rule.enabled ? null : <Badge>{t("routing.ruleDisabled")}</Badge>}
            {errors ? <Badge tone="danger">{`${t("routing.severity_ERROR")} ×${errors}`}</Badge> : null}
            {warnings ? <Badge tone="warning">{`${t("routing.severity_WARNING")} ×${warnings}`}</Badge> : null}
          </h3>
          <p className="text-sm">{targetsSummary(t, locale, names, rule)}</p>
          <ul className="text-xs text-muted-foreground">
            {conditionLines(t, locale, names, rule).map((l) => (
              <li key={l} className="break-words">
                {l}
              </li>
            ))}
          </ul>
        </div>
        <div className="flex flex-wrap items-center gap-1">
          <Button size="sm" variant="ghost" disabled={index === 0} onClick={() => onMove(-1)}>
            {t("routing.moveUp")}
            {sr(name)}
          </Button>
          <Button size="sm" variant="ghost" disabled={index === count - 1} onClick={() => onMove(1)}>
            {t("routing.moveDown")}
            {sr(name)}
          </Button>
          <Button size="sm" variant="ghost" onClick={() => set({ enabled: !rule.enabled })}>
            {rule.enabled ? t("routing.disable") : t("routing.enable")}
            {sr(name)}
          </Button>
          <Button size="sm" variant="secondary" onClick={onToggle} aria-expanded={expanded}>
            {expanded ? t("routing.done") : t("routing.edit")}
            {sr(name)}
          </Button>
          <Button size="sm" variant="danger" onClick={onDelete}>
            {t("routing.deleteRule")}
            {sr(name)}
          </Button>
        </div>
      </div>

      {expanded ? (
        <RuleForm rule={rule} set={set} issues={issues} localErrors={localErrors} lookups={lookups} />
      ) : all.length ? (
        <div className="border-t border-border px-4 py-3">
          <IssueList issues={all} ctx={ctx} />
        </div>
      ) : null}
    </section>
  );
}

function RuleForm({
  rule,
  set,
  issues,
  localErrors,
  lookups,
}: {
  rule: RuleDraft;
  set: (patch: Partial<RuleDraft>) => void;
  issues: Partial<Record<IssueField, ConfigIssue[]>>;
  localErrors: RuleLocalErrors;
  lookups: RoutingLookups;
}) {
  const { t } = useI18n();
  const { ctx, names } = lookups;
  const hasErrors = (f: IssueField) => (issues[f] ?? []).some((i) => i.severity === "ERROR");

  const accountOptions = lookups.accounts.map((a) => ({
    value: a.id,
    label: a.name,
    detail: `${channelTypeLabel(t, a.channelType)}${a.enabled ? "" : ` · ${t("channels.disabled")}`}`,
  }));
  const merchantOptions = lookups.merchants
    .filter((m) => m.status !== "ARCHIVED" || rule.merchantIds.includes(m.id))
    .map((m) => ({ value: m.id, label: m.shortName }));
  const storeOptions = lookups.stores
    .filter((s) => rule.merchantIds.length === 0 || rule.merchantIds.includes(s.merchantId) || rule.storeIds.includes(s.id))
    .map((s) => ({ value: s.id, label: s.name, detail: s.merchantName }));

  function amount(side: "minAmount" | "maxAmount") {
    const error = localErrors[side];
    return (
      <Field label={t(side === "minAmount" ? "routing.minAmount" : "routing.maxAmount")} error={error ? t(`routing.amountError_${error}`) : undefined}>
        <Input
          inputMode="decimal"
          autoComplete="off"
          className="text-right tabular"
          placeholder="0.00"
          value={rule[side]}
          aria-invalid={error !== undefined || hasErrors("amount") || undefined}
          onChange={(e) => set(side === "minAmount" ? { minAmount: e.target.value } : { maxAmount: e.target.value })}
          onBlur={(e) => {
            const r = parseYuan(e.target.value);
            if (r.ok) set(side === "minAmount" ? { minAmount: fenToYuanText(r.fen) } : { maxAmount: fenToYuanText(r.fen) });
          }}
        />
      </Field>
    );
  }

  return (
    <div className="space-y-4 border-t border-border px-4 py-4">
      <IssueList issues={issues.rule ?? []} ctx={ctx} />
      <div className="grid gap-4 sm:grid-cols-2">
        <div className="space-y-1">
          <Field label={t("routing.ruleName")} hint={t("routing.ruleNameHint")}>
            <Input value={rule.name} maxLength={200} onChange={(e) => set({ name: e.target.value })} />
          </Field>
          <IssueList issues={issues.name ?? []} ctx={ctx} />
        </div>
        <Field label={t("routing.action")} hint={t(`routing.actionHelp_${rule.action}`)}>
          <Select
            value={rule.action}
            onChange={(e) => set({ action: e.target.value === "FORCE" ? "FORCE" : "EXCLUDE" })}
            options={RULE_ACTIONS.map((a) => ({ value: a, label: t(`routing.action_${a}`) }))}
          />
        </Field>
      </div>

      <CheckboxGroup
        legend={t("routing.targets")}
        options={accountOptions}
        selected={rule.targetChannelAccountIds}
        onChange={(targetChannelAccountIds) => set({ targetChannelAccountIds })}
        invalid={hasErrors("targets")}
        orphanLabel={(id) => names.account(id)}
        footer={<IssueList issues={issues.targets ?? []} ctx={ctx} testId="targets-issues" />}
      />

      <fieldset className="min-w-0 space-y-3 rounded-brand border border-border p-3">
        <legend className="px-1 text-sm font-medium">{t("routing.conditions")}</legend>
        <p className="text-xs text-muted-foreground">{t("routing.conditionsHelp")}</p>
        <IssueList issues={issues.conditions ?? []} ctx={ctx} />
        <div className="grid gap-3 lg:grid-cols-2">
          <CheckboxGroup
            legend={t("routing.merchants")}
            options={merchantOptions}
            selected={rule.merchantIds}
            onChange={(merchantIds) => set({ merchantIds })}
            orphanLabel={(id) => names.merchant(id)}
          />
          <CheckboxGroup
            legend={t("routing.stores")}
            hint={rule.merchantIds.length ? t("routing.storesHint") : undefined}
            options={storeOptions}
            selected={rule.storeIds}
            onChange={(storeIds) => set({ storeIds })}
            orphanLabel={(id) => names.store(id)}
          />
          <CheckboxGroup
            legend={t("routing.orderTypes")}
            options={ROUTING_ORDER_TYPES.map((o) => ({ value: o, label: orderTypeName(t, o) }))}
            selected={rule.orderTypes}
            onChange={(orderTypes) => set({ orderTypes })}
          />
          <CheckboxGroup
            legend={t("routing.products")}
            options={PRODUCTS.map((p) => ({ value: p, label: productName(t, p) }))}
            selected={rule.products}
            onChange={(products) => set({ products })}
          />
        </div>
        <fieldset className="min-w-0 rounded-brand border border-border p-3">
          <legend className="px-1 text-sm font-medium">{t("routing.amountRange")}</legend>
          <p className="mb-2 text-xs text-muted-foreground">{t("routing.amountHint")}</p>
          <div className="grid gap-3 sm:grid-cols-2">
            {amount("minAmount")}
            {amount("maxAmount")}
          </div>
          <IssueList issues={issues.amount ?? []} ctx={ctx} className="mt-2" />
        </fieldset>
        <MetadataRows rule={rule} set={set} localErrors={localErrors} issues={issues.metadata ?? []} lookups={lookups} />
      </fieldset>
    </div>
  );
}

function MetadataRows({
  rule,
  set,
  localErrors,
  issues,
  lookups,
}: {
  rule: RuleDraft;
  set: (patch: Partial<RuleDraft>) => void;
  localErrors: RuleLocalErrors;
  issues: ConfigIssue[];
  lookups: RoutingLookups;
}) {
  const { t } = useI18n();
  const update = (key: number, patch: { name?: string; value?: string }) => set({ metadata: rule.metadata.map((m) => (m.key === key ? { ...m, ...patch } : m)) });
  return (
    <fieldset className="min-w-0 rounded-brand border border-border p-3">
      <legend className="px-1 text-sm font-medium">{t("routing.metadata")}</legend>
      <p className="mb-2 text-xs text-muted-foreground">{t("routing.metadataHelp")}</p>
      {rule.metadata.length ? (
        <ul className="space-y-2">
          {rule.metadata.map((m, i) => {
            const error = localErrors.metadata?.[m.key];
            return (
              <li key={m.key} className="space-y-1">
                <div className="flex flex-wrap items-center gap-2">
                  <Input
                    aria-label={t("routing.metadataKeyN", { n: i + 1 })}
                    placeholder={t("routing.metadataKey")}
                    value={m.name}
                    maxLength={64}
                    aria-invalid={error !== undefined || undefined}
                    onChange={(e) => update(m.key, { name: e.target.value })}
                    className="w-40 font-mono"
                  />
                  <span aria-hidden="true">=</span>
                  <Input
                    aria-label={t("routing.metadataValueN", { n: i + 1 })}
                    placeholder={t("routing.metadataValue")}
                    value={m.value}
                    maxLength={256}
                    onChange={(e) => update(m.key, { value: e.target.value })}
                    className="w-56 flex-1 font-mono"
                  />
                  <Button size="sm" variant="ghost" onClick={() => set({ metadata: rule.metadata.filter((x) => x.key !== m.key) })}>
                    {t("routing.removeMetadata", { n: i + 1 })}
                  </Button>
                </div>
                {error ? (
                  <p className="text-sm text-danger">{t(error === "keyMissing" ? "routing.metadataKeyMissing" : "routing.metadataKeyDuplicate")}</p>
                ) : null}
              </li>
            );
          })}
        </ul>
      ) : null}
      <Button size="sm" variant="secondary" className="mt-2" disabled={rule.metadata.length >= 20} onClick={() => set({ metadata: [...rule.metadata, metadataRow()] })}>
        {t("routing.addMetadata")}
      </Button>
      <IssueList issues={issues} ctx={lookups.ctx} className="mt-2" />
    </fieldset>
  );
}
