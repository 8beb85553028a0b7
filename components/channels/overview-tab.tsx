"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { FormFooter } from "@/components/ui/form-footer";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";
import { formatNumber } from "@/i18n/format";
import { ConnectorAttributes } from "./connector-attributes";
import { channelFormErrors } from "./errors";
import { Dash, Detail } from "./parts";
import { rateLabel } from "./rate";
import { draftFromAccount, SETTINGS_FIELD_NAMES, settingsPayload, type FieldProblems, type SettingsDraft } from "./settings";
import { SettingsFields } from "./settings-fields";
import type { ChannelAccountDetail } from "./types";
import { useInvalidateChannel } from "./use-invalidate-channel";

export function OverviewTab({ account, canManage }: { account: ChannelAccountDetail; canManage: boolean }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const types = useQuery(trpc.channels.types.queryOptions());
  const [editing, setEditing] = useState(false);
  const info = types.data?.find((x) => x.type === account.channelType);
  const money = (v: bigint | null) => (v === null ? <span className="text-muted-foreground">{t("channels.noLimit")}</span> : <Money amountMinor={v} currency="CNY" inline />);

  return (
    <div className="space-y-6">
      <Card>
        <CardHeader>
          <div>
            <CardTitle>{t("channels.settings")}</CardTitle>
            <CardDescription>{t("channels.settingsHelp")}</CardDescription>
          </div>
          {canManage ? (
            <Button variant="secondary" onClick={() => setEditing(true)}>
              {t("channels.editSettings")}
            </Button>
          ) : null}
        </CardHeader>
        <CardContent>
          <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
            <Detail label={t("channels.priority")} testId="setting-priority">
              <span className="tabular">{account.priority}</span>
            </Detail>
            <Detail label={t("channels.weight")} testId="setting-weight">
              <span className="tabular">{account.weight}</span>
            </Detail>
            <Detail label={t("channels.perTransaction")} testId="setting-per-transaction">
              {money(account.minAmountMinor)} – {money(account.maxAmountMinor)}
            </Detail>
            <Detail label={t("channels.timeWindow")}>
              {account.windowStart && account.windowEnd ? (
                <span className="tabular">
                  {account.windowStart}–{account.windowEnd}
                </span>
              ) : (
                <span className="text-muted-foreground">{t("channels.allDay")}</span>
              )}
            </Detail>
            <Detail label={t("channels.dailyAmountCap")}>{money(account.dailyAmountCap)}</Detail>
            <Detail label={t("channels.dailyCountCap")}>
              {account.dailyCountCap === null ? <span className="text-muted-foreground">{t("channels.noLimit")}</span> : <span className="tabular">{formatNumber(account.dailyCountCap, locale)}</span>}
            </Detail>
            <Detail label={t("channels.costRate")} testId="setting-cost-rate">
              <span className="tabular">{rateLabel(account.costRatePpm)}</span>
              {account.costFixedMinor > 0n ? (
                <>
                  {" + "}
                  <Money amountMinor={account.costFixedMinor} currency="CNY" inline />
                </>
              ) : null}
            </Detail>
            <Detail label={t("channels.costMinMax")}>
              <Money amountMinor={account.costMinMinor} currency="CNY" inline /> – {money(account.costMaxMinor)}
            </Detail>
            <Detail label={t("channels.settlementSection")}>
              {account.settlementAccountName || account.settlementBankName || account.settlementAccountLast4 ? (
                <span className="flex flex-col">
                  <span>{account.settlementAccountName ?? "—"}</span>
                  <span className="text-xs text-muted-foreground">
                    {account.settlementBankName ?? "—"}
                    {account.settlementAccountLast4 ? ` · •••• ${account.settlementAccountLast4}` : ""}
                  </span>
                </span>
              ) : (
                <Dash />
              )}
            </Detail>
            <Detail label={t("channels.settlementCycle")}>{t(account.settlementCycle === "D1" ? "channels.settlementCycle_D1" : "channels.settlementCycle_T1")}</Detail>
            <Detail label={t("channels.healthSection")}>
              {account.autoPause ? (
                <span className="text-sm">
                  {t("channels.autoPauseSummary", {
                    rate: rateLabel(account.healthErrorRatePpm),
                    sample: formatNumber(account.healthMinSample, locale),
                    window: formatNumber(account.healthWindowSeconds, locale),
                    cooldown: formatNumber(account.healthCooldownSeconds, locale),
                  })}
                </span>
              ) : (
                <span className="text-muted-foreground">{t("channels.autoPauseOff")}</span>
              )}
            </Detail>
            <Detail label={t("channels.currentVersion")}>
              <span className="tabular">v{account.currentVersion}</span>
            </Detail>
            <Detail label={t("common.updatedAt")}>
              <DateTime value={account.updatedAt} />
            </Detail>
          </dl>
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <div>
            <CardTitle>{t("channels.connector")}</CardTitle>
            <CardDescription>{t("channels.connectorHelp")}</CardDescription>
          </div>
        </CardHeader>
        <CardContent>
          {types.isPending ? (
            <LoadingState rows={2} />
          ) : types.isError ? (
            <ErrorState error={types.error} onRetry={() => void types.refetch()} />
          ) : info ? (
            <ConnectorAttributes attributes={info.attributes} />
          ) : (
            <Dash />
          )}
        </CardContent>
      </Card>

      {editing ? <SettingsDialog account={account} onClose={() => setEditing(false)} /> : null}
    </div>
  );
}

function SettingsDialog({ account, onClose }: { account: ChannelAccountDetail; onClose: () => void }) {
  const t = useI18n().t;
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateChannel(account.id);
  const update = useMutation(trpc.channels.update.mutationOptions());
  const [name, setName] = useState(account.name);
  const [draft, setDraft] = useState<SettingsDraft>(() => draftFromAccount(account));
  const [problems, setProblems] = useState<FieldProblems>({});
  const server = channelFormErrors(t, update.error, ["name", ...SETTINGS_FIELD_NAMES]);
  const errors: Record<string, string> = { ...server.fields };
  for (const [k, key] of Object.entries(problems)) errors[k] = t(key);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const s = settingsPayload(draft);
    const local: FieldProblems = s.ok ? {} : { ...s.problems };
    if (!name.trim()) local.name = "channels.requiredField";
    setProblems(local);
    if (!s.ok || Object.keys(local).length) return;
    update.reset();
    const r = await update.mutateAsync({ id: account.id, settings: { ...s.settings, name: name.trim() } }).catch(() => null);
    if (r) {
      toast.success(t("channels.settingsSaved"));
      await invalidate();
      onClose();
    }
  }

  return (
    <Dialog open onClose={onClose} size="lg" title={t("channels.editSettings")} description={account.name}>
      <form onSubmit={submit} className="space-y-6" noValidate>
        <Field label={t("channels.name")} required error={errors.name} className="max-w-md">
          <Input name="name" maxLength={80} value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <SettingsFields draft={draft} onChange={(patch) => setDraft((d) => ({ ...d, ...patch }))} errors={errors} settlementAccountLast4={account.settlementAccountLast4} />
        <FormFooter error={server.general} onCancel={onClose} loading={update.isPending} submitLabel={t("common.save")} />
      </form>
    </Dialog>
  );
}
