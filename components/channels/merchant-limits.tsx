"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { fenToYuanText } from "@/components/ledger/amount-input";
import { useT } from "@/i18n/client";
import { channelFormErrors } from "./errors";
import { MerchantSelect } from "./merchant-select";
import { YuanField } from "./parts";
import { readAmount, readInteger, type FieldProblems } from "./settings";
import type { MerchantLimitRow } from "./types";

/** One merchant's limits: per payment, per day, and the risk checks per payer and device. */
export function MerchantLimits({ canManage }: { canManage: boolean }) {
  const t = useT();
  const trpc = useTRPC();
  const [merchantId, setMerchantId] = useState("");
  const limit = useQuery({ ...trpc.pricing.merchantLimit.queryOptions({ merchantId }), enabled: merchantId !== "" });
  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle>{t("pricing.limitsTitle")}</CardTitle>
          <CardDescription>{t("pricing.limitsHelp")}</CardDescription>
        </div>
      </CardHeader>
      <CardContent className="space-y-6">
        <Field label={t("registrations.merchant")} className="max-w-sm">
          <MerchantSelect name="limitsMerchant" value={merchantId} onChange={setMerchantId} />
        </Field>
        {merchantId === "" ? (
          <EmptyState title={t("pricing.pickMerchant")} description={t("pricing.pickMerchantHelp")} />
        ) : limit.isPending ? (
          <LoadingState rows={4} />
        ) : limit.isError ? (
          <ErrorState error={limit.error} onRetry={() => void limit.refetch()} />
        ) : (
          // Keyed by merchant: the form starts again from that merchant's stored limits.
          <LimitsForm key={merchantId} merchantId={merchantId} stored={limit.data} canManage={canManage} />
        )}
      </CardContent>
    </Card>
  );
}

const yuan = (v: bigint | null | undefined) => (v == null ? "" : fenToYuanText(v));
const int = (v: number | null | undefined) => (v == null ? "" : String(v));

function LimitsForm({ merchantId, stored, canManage }: { merchantId: string; stored: MerchantLimitRow | null; canManage: boolean }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const save = useMutation(trpc.pricing.saveMerchantLimit.mutationOptions());
  const [v, setV] = useState({
    perTxnMax: yuan(stored?.perTxnMaxMinor),
    dailyAmountCap: yuan(stored?.dailyAmountCap),
    dailyCountCap: int(stored?.dailyCountCap),
    payerPerMinuteMax: int(stored?.payerPerMinuteMax),
    devicePerMinuteMax: int(stored?.devicePerMinuteMax),
    nightLargeAmount: yuan(stored?.nightLargeAmountMinor),
  });
  const [problems, setProblems] = useState<FieldProblems>({});
  const server = channelFormErrors(t, save.error, ["perTxnMaxMinor", "dailyAmountCap", "dailyCountCap", "payerPerMinuteMax", "devicePerMinuteMax", "nightLargeAmountMinor"]);
  const errors: Record<string, string> = { ...server.fields };
  for (const [k, key] of Object.entries(problems)) errors[k] = t(key);
  const set = (k: keyof typeof v) => (value: string) => setV((prev) => ({ ...prev, [k]: value }));
  const maxInt = 2_147_483_647;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const p: FieldProblems = {};
    // Every field is sent: a blank one removes that limit.
    const input = {
      merchantId,
      perTxnMaxMinor: readAmount(v.perTxnMax, "perTxnMaxMinor", p, { optional: true, positive: true }),
      dailyAmountCap: readAmount(v.dailyAmountCap, "dailyAmountCap", p, { optional: true, positive: true }),
      dailyCountCap: readInteger(v.dailyCountCap, "dailyCountCap", p, { optional: true, min: 1, max: maxInt }),
      payerPerMinuteMax: readInteger(v.payerPerMinuteMax, "payerPerMinuteMax", p, { optional: true, min: 1, max: maxInt }),
      devicePerMinuteMax: readInteger(v.devicePerMinuteMax, "devicePerMinuteMax", p, { optional: true, min: 1, max: maxInt }),
      nightLargeAmountMinor: readAmount(v.nightLargeAmount, "nightLargeAmountMinor", p, { optional: true, positive: true }),
    };
    setProblems(p);
    if (Object.keys(p).length) return;
    save.reset();
    const r = await save.mutateAsync(input).catch(() => null);
    if (r) {
      toast.success(t("pricing.limitsSaved"));
      await queryClient.invalidateQueries({ queryKey: trpc.pricing.merchantLimit.queryKey({ merchantId }) });
    }
  }

  return (
    <form onSubmit={submit} className="space-y-6" noValidate>
      <fieldset className="space-y-3" disabled={!canManage}>
        <legend className="text-sm font-semibold">{t("pricing.amountLimits")}</legend>
        <div className="grid gap-4 md:grid-cols-3">
          <YuanField name="perTxnMax" label={t("pricing.perTxnMax")} value={v.perTxnMax} onChange={set("perTxnMax")} error={errors.perTxnMaxMinor} placeholder={t("channels.noLimit")} />
          <YuanField name="dailyAmountCap" label={t("channels.dailyAmountCap")} value={v.dailyAmountCap} onChange={set("dailyAmountCap")} error={errors.dailyAmountCap} placeholder={t("channels.noLimit")} />
          <Field label={t("channels.dailyCountCap")} error={errors.dailyCountCap}>
            <Input name="dailyCountCap" inputMode="numeric" className="tabular" placeholder={t("channels.noLimit")} value={v.dailyCountCap} onChange={(e) => set("dailyCountCap")(e.target.value)} />
          </Field>
        </div>
      </fieldset>
      <fieldset className="space-y-3" disabled={!canManage}>
        <legend className="text-sm font-semibold">{t("pricing.riskChecks")}</legend>
        <p className="text-xs text-muted-foreground">{t("pricing.riskChecksHelp")}</p>
        <div className="grid gap-4 md:grid-cols-3">
          <Field label={t("pricing.payerPerMinuteMax")} error={errors.payerPerMinuteMax}>
            <Input name="payerPerMinuteMax" inputMode="numeric" className="tabular" placeholder={t("channels.noLimit")} value={v.payerPerMinuteMax} onChange={(e) => set("payerPerMinuteMax")(e.target.value)} />
          </Field>
          <Field label={t("pricing.devicePerMinuteMax")} error={errors.devicePerMinuteMax}>
            <Input name="devicePerMinuteMax" inputMode="numeric" className="tabular" placeholder={t("channels.noLimit")} value={v.devicePerMinuteMax} onChange={(e) => set("devicePerMinuteMax")(e.target.value)} />
          </Field>
          <YuanField
            name="nightLargeAmount"
            label={t("pricing.nightLargeAmount")}
            hint={t("pricing.nightLargeAmountHint")}
            value={v.nightLargeAmount}
            onChange={set("nightLargeAmount")}
            error={errors.nightLargeAmountMinor}
            placeholder={t("channels.noLimit")}
          />
        </div>
      </fieldset>
      {server.general ? (
        <p role="alert" className="text-sm text-danger">
          {server.general}
        </p>
      ) : null}
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-xs text-muted-foreground">
          {stored ? (
            <>
              {t("common.updatedAt")}: <DateTime value={stored.updatedAt} />
            </>
          ) : (
            t("pricing.noLimitsYet")
          )}
        </p>
        {canManage ? (
          <Button type="submit" loading={save.isPending}>
            {t("common.save")}
          </Button>
        ) : null}
      </div>
    </form>
  );
}
