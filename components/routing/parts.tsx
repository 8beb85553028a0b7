"use client";

import { useId, useState, type ReactNode } from "react";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { cn } from "@/components/ui/cn";
import { Input } from "@/components/ui/input";
import { useI18n, useT } from "@/i18n/client";
import { formatNumber } from "@/i18n/format";
import { issueText, type CodeContext } from "./codes";
import { isRuleSetStatus, type ConfigIssue } from "./types";

// Small pieces the routing tabs share.

const STATUS_TONE = { DRAFT: "warning", PUBLISHED: "success", SUPERSEDED: "neutral" } as const satisfies Record<string, BadgeTone>;

export function RuleSetStatusBadge({ status }: { status: string }) {
  const t = useT();
  if (!isRuleSetStatus(status)) return <Badge>{status}</Badge>;
  return <Badge tone={STATUS_TONE[status]}>{t(`routing.status_${status}`)}</Badge>;
}

export function OutcomeBadge({ outcome }: { outcome: string }) {
  const t = useT();
  if (outcome === "ROUTED") return <Badge tone="success">{t("routing.outcome_ROUTED")}</Badge>;
  if (outcome === "NO_ROUTE") return <Badge tone="danger">{t("routing.outcome_NO_ROUTE")}</Badge>;
  if (outcome === "RISK_REFUSED") return <Badge tone="warning">{t("routing.outcome_RISK_REFUSED")}</Badge>;
  return <Badge tone="warning">{outcome}</Badge>;
}

/** Validation issues, errors first, each with its severity in words (never colour alone). */
export function IssueList({ issues, ctx, className, testId }: { issues: readonly ConfigIssue[]; ctx: CodeContext; className?: string; testId?: string }) {
  if (issues.length === 0) return null;
  const sorted = [...issues].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === "ERROR" ? -1 : 1));
  return (
    <ul className={cn("space-y-1", className)} data-testid={testId}>
      {sorted.map((issue, i) => (
        <li
          key={`${issue.code}-${issue.path}-${i}`}
          className={cn("flex items-start gap-2 text-sm", issue.severity === "ERROR" ? "text-danger" : "text-warning")}
          data-severity={issue.severity}
        >
          <Badge tone={issue.severity === "ERROR" ? "danger" : "warning"} className="mt-0.5 shrink-0">
            {ctx.t(`routing.severity_${issue.severity}`)}
          </Badge>
          <span className="min-w-0 text-foreground">{issueText(ctx, issue)}</span>
        </li>
      ))}
    </ul>
  );
}

export interface CheckOption<T extends string> {
  value: T;
  label: string;
  /** A second line, e.g. the merchant of a store. */
  detail?: string;
}

const FILTER_FROM = 8;

/**
 * A multi-select as a fieldset of checkboxes: every option is a real, labelled checkbox for
 * keyboards and screen readers, with a filter once the list gets long.
 */
export function CheckboxGroup<T extends string>({
  legend,
  options,
  selected,
  onChange,
  hint,
  footer,
  disabled = false,
  invalid = false,
  orphanLabel,
  className,
}: {
  legend: string;
  options: readonly CheckOption<T>[];
  selected: readonly T[];
  onChange: (next: T[]) => void;
  hint?: ReactNode;
  /** Issues or errors under the list. */
  footer?: ReactNode;
  disabled?: boolean;
  invalid?: boolean;
  /** The label of a chosen value that is not among the options. */
  orphanLabel?: (value: T) => string;
  className?: string;
}) {
  const { t, locale } = useI18n();
  const [filter, setFilter] = useState("");
  const hintId = useId();
  const q = filter.trim().toLowerCase();
  const shown = q ? options.filter((o) => o.label.toLowerCase().includes(q) || (o.detail ?? "").toLowerCase().includes(q)) : options;
  // Chosen values that are not options (a merchant beyond the first page, a deleted account) stay
  // chosen and visible, so saving never drops them silently.
  const orphans = selected.filter((v) => !options.some((o) => o.value === v));

  function set(value: T, on: boolean) {
    const without = selected.filter((v) => v !== value);
    onChange(on ? [...without, value] : without);
  }

  return (
    <fieldset
      className={cn("min-w-0 rounded-brand border p-3", invalid ? "border-danger" : "border-border", className)}
      aria-describedby={hint ? hintId : undefined}
      aria-invalid={invalid || undefined}
      disabled={disabled}
    >
      <legend className="px-1 text-sm font-medium text-foreground">
        {legend}
        {selected.length ? <span className="ms-2 text-xs font-normal text-muted-foreground">{t("routing.selectedCount", { count: formatNumber(selected.length, locale) })}</span> : null}
      </legend>
      {hint ? (
        <p id={hintId} className="mb-2 text-xs text-muted-foreground">
          {hint}
        </p>
      ) : null}
      {options.length > FILTER_FROM ? (
        <Input
          type="search"
          aria-label={t("routing.filterOptions", { what: legend })}
          placeholder={t("common.search")}
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          className="mb-2 h-8"
        />
      ) : null}
      {options.length === 0 && orphans.length === 0 ? (
        <p className="text-sm text-muted-foreground">{t("routing.noOptions")}</p>
      ) : shown.length === 0 && orphans.length === 0 ? (
        <p className="text-sm text-muted-foreground">{t("routing.noOptionsMatch")}</p>
      ) : (
        <ul className="max-h-48 space-y-1 overflow-y-auto pe-1">
          {shown.map((o) => (
            <li key={o.value}>
              <label className="flex cursor-pointer items-start gap-2 rounded-brand px-1 py-0.5 text-sm hover:bg-muted">
                <input type="checkbox" className="mt-0.5" checked={selected.includes(o.value)} onChange={(e) => set(o.value, e.target.checked)} />
                <span className="min-w-0">
                  <span className="break-words">{o.label}</span>
                  {o.detail ? <span className="block text-xs text-muted-foreground">{o.detail}</span> : null}
                </span>
              </label>
            </li>
          ))}
          {orphans.map((v) => (
            <li key={v}>
              <label className="flex cursor-pointer items-start gap-2 rounded-brand px-1 py-0.5 text-sm hover:bg-muted">
                <input type="checkbox" className="mt-0.5" checked onChange={(e) => set(v, e.target.checked)} />
                <span className="break-words">{orphanLabel ? orphanLabel(v) : v}</span>
              </label>
            </li>
          ))}
        </ul>
      )}
      {footer ? <div className="mt-2">{footer}</div> : null}
    </fieldset>
  );
}

/** A small labelled figure for report summaries. */
export function Stat({ label, value, testId, tone }: { label: string; value: ReactNode; testId?: string; tone?: "danger" | "success" }) {
  return (
    <div className="min-w-0 rounded-brand border border-border px-4 py-3">
      <dt className="text-xs font-medium text-muted-foreground">{label}</dt>
      <dd className={cn("tabular mt-1 text-xl font-semibold", tone === "danger" && "text-danger", tone === "success" && "text-success")} data-testid={testId}>
        {value}
      </dd>
    </div>
  );
}

export function thClass(align: "left" | "right" = "left"): string {
  return cn("whitespace-nowrap px-3 py-2 font-medium text-muted-foreground", align === "right" ? "text-right" : "text-left");
}
