"use client";

import type { ReactNode } from "react";
import { cn, focusRing } from "@/components/ui/cn";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { useT } from "@/i18n/client";
import { RateField, YuanField } from "./parts";
import type { SettingsDraft } from "./settings";

// The settings of a channel account, shared by the create form and the edit dialog. Errors are
// keyed by the schema's field names (local typing problems and server errors alike).

export function SettingsFields({
  draft,
  onChange,
  errors,
  settlementAccountLast4 = null,
}: {
  draft: SettingsDraft;
  onChange: (patch: Partial<SettingsDraft>) => void;
  errors: Record<string, string>;
  /** Set when editing an account that has a number: blank keeps it. */
  settlementAccountLast4?: string | null;
}) {
  const t = useT();
  const text = (key: keyof SettingsDraft) => (e: { target: { value: string } }) => onChange({ [key]: e.target.value });
  return (
    <div className="space-y-6">
      <Section title={t("channels.routingSection")} description={t("channels.routingSectionHelp")}>
        <Field label={t("channels.priority")} required hint={t("channels.priorityHint")} error={errors.priority}>
          <Input name="priority" inputMode="numeric" className="tabular" value={draft.priority} onChange={text("priority")} />
        </Field>
        <Field label={t("channels.weight")} required hint={t("channels.weightHint")} error={errors.weight}>
          <Input name="weight" inputMode="numeric" className="tabular" value={draft.weight} onChange={text("weight")} />
        </Field>
      </Section>

      <Section title={t("channels.limitsSection")} description={t("channels.limitsSectionHelp")}>
        <YuanField name="minAmount" label={t("channels.minAmount")} value={draft.minAmount} onChange={(v) => onChange({ minAmount: v })} error={errors.minAmountMinor} placeholder={t("channels.noLimit")} />
        <YuanField name="maxAmount" label={t("channels.maxAmount")} value={draft.maxAmount} onChange={(v) => onChange({ maxAmount: v })} error={errors.maxAmountMinor} placeholder={t("channels.noLimit")} />
        <YuanField
          name="dailyAmountCap"
          label={t("channels.dailyAmountCap")}
          value={draft.dailyAmountCap}
          onChange={(v) => onChange({ dailyAmountCap: v })}
          error={errors.dailyAmountCap}
          placeholder={t("channels.noLimit")}
        />
        <Field label={t("channels.dailyCountCap")} error={errors.dailyCountCap}>
          <Input name="dailyCountCap" inputMode="numeric" className="tabular" placeholder={t("channels.noLimit")} value={draft.dailyCountCap} onChange={text("dailyCountCap")} />
        </Field>
        <Field label={t("channels.windowStart")} hint={t("channels.windowHint")} error={errors.windowStart}>
          <Input name="windowStart" type="time" value={draft.windowStart} onChange={text("windowStart")} />
        </Field>
        <Field label={t("channels.windowEnd")} error={errors.windowEnd}>
          <Input name="windowEnd" type="time" value={draft.windowEnd} onChange={text("windowEnd")} />
        </Field>
      </Section>

      <Section title={t("channels.costSection")} description={t("channels.costSectionHelp")}>
        <RateField
          name="costRate"
          label={t("channels.costRate")}
          required
          value={draft.costRate}
          unit={draft.costRateUnit}
          onChange={(v) => onChange({ costRate: v })}
          onUnitChange={(u) => onChange({ costRateUnit: u })}
          error={errors.costRatePpm}
          hint={t("channels.rateHint")}
        />
        <YuanField name="costFixed" label={t("channels.costFixed")} value={draft.costFixed} onChange={(v) => onChange({ costFixed: v })} error={errors.costFixedMinor} />
        <YuanField name="costMin" label={t("channels.costMin")} value={draft.costMin} onChange={(v) => onChange({ costMin: v })} error={errors.costMinMinor} />
        <YuanField name="costMax" label={t("channels.costMax")} value={draft.costMax} onChange={(v) => onChange({ costMax: v })} error={errors.costMaxMinor} placeholder={t("channels.noLimit")} />
      </Section>

      <Section title={t("channels.settlementSection")} description={t("channels.settlementSectionHelp")}>
        <Field label={t("channels.settlementAccountName")} error={errors.settlementAccountName}>
          <Input name="settlementAccountName" value={draft.settlementAccountName} onChange={text("settlementAccountName")} />
        </Field>
        <Field label={t("channels.settlementBankName")} error={errors.settlementBankName}>
          <Input name="settlementBankName" value={draft.settlementBankName} onChange={text("settlementBankName")} />
        </Field>
        <Field label={t("channels.settlementCycle")} hint={t("channels.settlementCycleHint")} error={errors.settlementCycle}>
          <Select
            name="settlementCycle"
            value={draft.settlementCycle}
            onChange={(e) => onChange({ settlementCycle: e.target.value === "D1" ? "D1" : "T1" })}
            options={[
              { value: "T1", label: t("channels.settlementCycle_T1") },
              { value: "D1", label: t("channels.settlementCycle_D1") },
            ]}
          />
        </Field>
        <Field label={t("channels.settlementAccountNumber")} hint={settlementAccountLast4 ? t("channels.accountNumberKeepHint") : t("channels.accountNumberHint")} error={errors.settlementAccountNumber}>
          <Input
            name="settlementAccountNumber"
            inputMode="numeric"
            autoComplete="off"
            placeholder={settlementAccountLast4 ? `•••• ${settlementAccountLast4}` : ""}
            value={draft.settlementAccountNumber}
            onChange={(e) => onChange({ settlementAccountNumber: e.target.value.replace(/\s/g, "") })}
          />
        </Field>
      </Section>

      <Section title={t("channels.healthSection")} description={t("channels.healthSectionHelp")}>
        <label className="flex items-center gap-2 text-sm font-medium md:col-span-2">
          <input
            type="checkbox"
            name="autoPause"
            checked={draft.autoPause}
            onChange={(e) => onChange({ autoPause: e.target.checked })}
            className={cn("size-4 accent-primary", focusRing)}
          />
          {t("channels.autoPause")}
        </label>
        <Field label={t("channels.healthWindowSeconds")} required error={errors.healthWindowSeconds}>
          <Input name="healthWindowSeconds" inputMode="numeric" className="tabular" value={draft.healthWindowSeconds} onChange={text("healthWindowSeconds")} />
        </Field>
        <Field label={t("channels.healthMinSample")} required error={errors.healthMinSample}>
          <Input name="healthMinSample" inputMode="numeric" className="tabular" value={draft.healthMinSample} onChange={text("healthMinSample")} />
        </Field>
        <RateField
          name="healthErrorRate"
          label={t("channels.healthErrorRate")}
          required
          value={draft.healthErrorRate}
          unit="percent"
          onChange={(v) => onChange({ healthErrorRate: v })}
          error={errors.healthErrorRatePpm}
        />
        <Field label={t("channels.healthCooldownSeconds")} required hint={t("channels.healthCooldownHint")} error={errors.healthCooldownSeconds}>
          <Input name="healthCooldownSeconds" inputMode="numeric" className="tabular" value={draft.healthCooldownSeconds} onChange={text("healthCooldownSeconds")} />
        </Field>
      </Section>
    </div>
  );
}

function Section({ title, description, children }: { title: string; description?: string; children: ReactNode }) {
  return (
    <fieldset className="space-y-3">
      <legend className="text-sm font-semibold">{title}</legend>
      {description ? <p className="text-xs text-muted-foreground">{description}</p> : null}
      <div className="grid gap-4 md:grid-cols-2">{children}</div>
    </fieldset>
  );
}
