"use client";

import { useEffect, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/components/providers/trpc";
import { Button, buttonClass } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { ErrorState, errorMessage, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";

const CYCLES = ["T1", "D1", "WEEKLY"] as const;
type Cycle = (typeof CYCLES)[number];

/** A merchant's settlement cycle, risk reserve and bank code (console, settlement.settings). */
export function MerchantSettlementSettings({ merchantId, canEdit }: { merchantId: string; canEdit: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const settings = useQuery(trpc.settlement.settings.queryOptions({ merchantId }));
  const [draft, setDraft] = useState({ cycle: "T1" as Cycle, weekday: "1", reservePercent: "0", reserveDays: "0", bankCode: "" });
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const s = settings.data;
    if (s) setDraft({ cycle: s.settlementCycle, weekday: String(s.settlementWeekday), reservePercent: String(s.reserveRatePpm / 10_000), reserveDays: String(s.reserveDays), bankCode: s.settlementBankCode ?? "" });
  }, [settings.data]);
  const save = useMutation(
    trpc.settlement.updateSettings.mutationOptions({
      onSuccess: () => {
        toast.success(t("settlement.saved"));
        setError(null);
        void queryClient.invalidateQueries({ queryKey: trpc.settlement.settings.queryKey({ merchantId }) });
      },
      onError: (e) => setError(errorMessage(e) ?? String(e)),
    }),
  );
  if (settings.isPending) return <LoadingState rows={3} />;
  if (settings.isError) return <ErrorState error={settings.error} onRetry={() => void settings.refetch()} compact />;
  const s = settings.data;
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("settlement.settingsTitle")}</CardTitle>
        <CardDescription>{s.mode === "CUSTODIAL" ? t("settlement.settingsHelp") : t("settlement.notCustodial")}</CardDescription>
      </CardHeader>
      <CardContent>
        <form
          className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3"
          onSubmit={(e) => {
            e.preventDefault();
            const percent = Number(draft.reservePercent);
            if (!Number.isFinite(percent) || percent < 0 || percent > 100) return setError(t("settlement.reservePercent"));
            save.mutate({
              merchantId,
              settlementCycle: draft.cycle,
              settlementWeekday: Number(draft.weekday),
              reserveRatePpm: Math.round(percent * 10_000),
              reserveDays: Number(draft.reserveDays) || 0,
              settlementBankCode: draft.bankCode.trim() || null,
            });
          }}
        >
          <Field label={t("settlement.cycle")} hint={t("settlement.todayDue", { date: s.todayDue })}>
            <Select
              name="settlementCycle"
              disabled={!canEdit}
              value={draft.cycle}
              onChange={(e) => setDraft({ ...draft, cycle: e.target.value as Cycle })}
              options={CYCLES.map((c) => ({ value: c, label: t(`settlement.cycle_${c}`) }))}
            />
          </Field>
          {draft.cycle === "WEEKLY" ? (
            <Field label={t("settlement.weekday")}>
              <Select
                name="settlementWeekday"
                disabled={!canEdit}
                value={draft.weekday}
                onChange={(e) => setDraft({ ...draft, weekday: e.target.value })}
                options={[1, 2, 3, 4, 5, 6, 7].map((d) => ({ value: String(d), label: t(`settlement.weekday_${d}` as "settlement.weekday_1") }))}
              />
            </Field>
          ) : null}
          {s.mode === "CUSTODIAL" ? (
            <>
              <Field label={t("settlement.reservePercent")}>
                <Input name="reservePercent" inputMode="decimal" disabled={!canEdit} value={draft.reservePercent} onChange={(e) => setDraft({ ...draft, reservePercent: e.target.value })} />
              </Field>
              <Field label={t("settlement.reserveDays")}>
                <Input name="reserveDays" inputMode="numeric" disabled={!canEdit} value={draft.reserveDays} onChange={(e) => setDraft({ ...draft, reserveDays: e.target.value })} />
              </Field>
              <Field label={t("settlement.bankCode")} hint={t("settlement.bankCodeHelp")}>
                <Input name="settlementBankCode" disabled={!canEdit} value={draft.bankCode} onChange={(e) => setDraft({ ...draft, bankCode: e.target.value })} />
              </Field>
            </>
          ) : null}
          {error ? <p className="text-sm text-danger sm:col-span-full" role="alert">{error}</p> : null}
          {canEdit ? (
            <div className="sm:col-span-full">
              <Button type="submit" loading={save.isPending}>
                {t("settlement.save")}
              </Button>
            </div>
          ) : null}
        </form>
      </CardContent>
    </Card>
  );
}

function monthStart(today: string): string {
  return `${today.slice(0, 8)}01`;
}

/** Statement downloads (PDF or CSV) for one merchant; used by the console and the merchant portal. */
export function StatementDownload({ merchantId, today }: { merchantId?: string; today: string }) {
  const { t, locale } = useI18n();
  const [from, setFrom] = useState(monthStart(today));
  const [to, setTo] = useState(today);
  const [lang, setLang] = useState<string>(locale);
  const href = (format: "pdf" | "csv") => {
    const q = new URLSearchParams({ from, to, format, locale: lang, ...(merchantId ? { merchantId } : {}) });
    return `/api/settlement-statement?${q.toString()}`;
  };
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("settlement.statementTitle")}</CardTitle>
        <CardDescription>{t("settlement.statementHelp")}</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-wrap items-end gap-3">
        <Field label={t("settlement.from")}>
          <Input type="date" name="from" value={from} onChange={(e) => setFrom(e.target.value)} />
        </Field>
        <Field label={t("settlement.to")}>
          <Input type="date" name="to" value={to} onChange={(e) => setTo(e.target.value)} />
        </Field>
        <Field label={t("settlement.language")}>
          <Select name="locale" value={lang} onChange={(e) => setLang(e.target.value)} options={[{ value: "zh-CN", label: "中文" }, { value: "en", label: "English" }]} />
        </Field>
        <a className={buttonClass("primary")} href={href("pdf")} download>
          {t("settlement.downloadPdf")}
        </a>
        <a className={buttonClass("secondary")} href={href("csv")} download>
          {t("settlement.downloadCsv")}
        </a>
      </CardContent>
    </Card>
  );
}
