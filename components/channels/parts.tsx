"use client";

import { Fragment, useId, type ReactNode } from "react";
import { Badge } from "@/components/ui/badge";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { fenToYuanText, parseYuan } from "@/components/ledger/amount-input";
import { useI18n, useT } from "@/i18n/client";
import { HEALTH_TONE, healthLabel } from "./labels";
import { RATE_UNITS, rateSymbol, type RateUnit } from "./rate";
import type { HealthState } from "./types";

// Small pieces the channel, registration and pricing pages share.

export function HealthBadge({ state, title }: { state: HealthState; title?: string | null }) {
  const t = useT();
  return (
    <Badge tone={HEALTH_TONE[state]} title={title ?? undefined} data-testid="health-badge">
      {healthLabel(t, state)}
    </Badge>
  );
}

export function EnabledBadge({ enabled }: { enabled: boolean }) {
  const t = useT();
  return <Badge tone={enabled ? "success" : "neutral"}>{enabled ? t("channels.enabled") : t("channels.disabled")}</Badge>;
}

/** A definition list row of detail pages. */
export function Detail({ label, children, testId }: { label: ReactNode; children: ReactNode; testId?: string }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium text-muted-foreground">{label}</dt>
      <dd className="mt-0.5 break-words text-sm" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

export function Dash() {
  return <span className="text-muted-foreground">—</span>;
}

/**
 * An amount typed in yuan (sent as fen by the caller). On blur a valid amount is rewritten as
 * "1234.50", so what the person sees is what will be saved.
 */
export function YuanField({
  label,
  value,
  onChange,
  error,
  hint,
  required = false,
  disabled = false,
  name,
  placeholder,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  hint?: string | undefined;
  required?: boolean;
  disabled?: boolean;
  name?: string;
  placeholder?: string;
}) {
  return (
    <Field label={label} required={required} error={error} {...(hint ? { hint } : {})}>
      <Input
        name={name}
        inputMode="decimal"
        autoComplete="off"
        className="text-right tabular"
        placeholder={placeholder ?? "0.00"}
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value)}
        onBlur={(e) => {
          const r = parseYuan(e.target.value);
          if (r.ok) onChange(fenToYuanText(r.fen));
        }}
      />
    </Field>
  );
}

/** A rate typed in % or ‰ (stored as ppm by the caller); the unit is a choice beside the number. */
export function RateField({
  label,
  value,
  unit,
  onChange,
  onUnitChange,
  error,
  hint,
  required = false,
  disabled = false,
  name,
}: {
  label: string;
  value: string;
  unit: RateUnit;
  onChange: (value: string) => void;
  /** Omit to fix the unit (shown, not chosen). */
  onUnitChange?: (unit: RateUnit) => void;
  error?: string | undefined;
  hint?: string | undefined;
  required?: boolean;
  disabled?: boolean;
  name?: string;
}) {
  const t = useT();
  return (
    <Field label={label} required={required} error={error} {...(hint ? { hint } : {})}>
      <RateControl name={name} value={value} unit={unit} onChange={onChange} onUnitChange={onUnitChange} disabled={disabled} unitLabel={t("channels.rateUnit")} />
    </Field>
  );
}

function RateControl({
  name,
  value,
  unit,
  onChange,
  onUnitChange,
  disabled,
  unitLabel,
}: {
  name: string | undefined;
  value: string;
  unit: RateUnit;
  onChange: (value: string) => void;
  onUnitChange: ((unit: RateUnit) => void) | undefined;
  disabled: boolean;
  unitLabel: string;
}) {
  const unitId = useId();
  return (
    <div className="flex items-center gap-2">
      <Input name={name} inputMode="decimal" autoComplete="off" className="text-right tabular" value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)} />
      {onUnitChange ? (
        // Its own id: inside a Field every control would otherwise take the Field's id.
        <Select
          id={unitId}
          aria-label={unitLabel}
          className="w-20 shrink-0"
          value={unit}
          disabled={disabled}
          onChange={(e) => onUnitChange(e.target.value as RateUnit)}
          options={RATE_UNITS.map((u) => ({ value: u, label: rateSymbol(u) }))}
        />
      ) : (
        <span className="w-6 shrink-0 text-sm text-muted-foreground" aria-hidden="true">
          {rateSymbol(unit)}
        </span>
      )}
    </div>
  );
}

/**
 * Puts React nodes into a translated sentence: "On {amount} the fee is {fee}" with <Money> for
 * the placeholders, so amounts stay rendered by <Money> and word order stays the translator's.
 */
export function Sentence({ text, parts }: { text: string; parts: Record<string, ReactNode> }) {
  const pieces = text.split(/(\{\w+\})/);
  return (
    <>
      {pieces.map((piece, i) => {
        const m = /^\{(\w+)\}$/.exec(piece);
        const key = m?.[1];
        return <Fragment key={i}>{key && key in parts ? parts[key] : piece}</Fragment>;
      })}
    </>
  );
}

/** Key/value pairs of a JSON object (parameters, event metrics) as a compact list. */
export function KeyValues({ value }: { value: unknown }) {
  const { locale } = useI18n();
  if (value === null || typeof value !== "object" || Array.isArray(value)) return <Dash />;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return <Dash />;
  return (
    <ul className="space-y-0.5 text-xs">
      {entries.map(([k, v]) => (
        <li key={k} className="break-all">
          <span className="font-mono text-muted-foreground">{k}</span>{" "}
          <span className="font-mono">{typeof v === "number" ? new Intl.NumberFormat(locale).format(v) : typeof v === "string" ? v : JSON.stringify(v)}</span>
        </li>
      ))}
    </ul>
  );
}
