"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { errorText } from "@/components/ui/form-errors";
import { Input } from "@/components/ui/input";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";
import { kindLabel } from "./exception-queue";

const th = "whitespace-nowrap px-3 py-2 text-left font-medium text-muted-foreground";
const td = "px-3 py-2 align-middle";

/** The SLA hours per exception kind: the default, the tenant's own, editable by finance (due times follow at once). */
export function SlaSettings({ canEdit }: { canEdit: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const q = useQuery(trpc.exceptionQueue.sla.queryOptions());
  return (
    <Card className="space-y-3 p-4" data-testid="sla-settings">
      <h2 className="text-base font-semibold">{t("exceptionQueue.slaTitle")}</h2>
      <p className="text-sm text-muted-foreground">{t("exceptionQueue.slaHelp")}</p>
      {q.isPending ? <LoadingState rows={3} /> : null}
      {q.isError ? <ErrorState error={q.error} compact onRetry={() => void q.refetch()} /> : null}
      {q.data ? (
        <div className="overflow-x-auto">
          <table className="w-full text-sm">
            <caption className="sr-only">{t("exceptionQueue.slaTitle")}</caption>
            <thead>
              <tr>
                <th className={th}>{t("exceptionQueue.slaKind")}</th>
                <th className={`${th} text-right`}>{t("exceptionQueue.slaDefault")}</th>
                <th className={th}>{t("exceptionQueue.slaHours")}</th>
              </tr>
            </thead>
            <tbody>
              {q.data.map((row) => (
                <SlaRow key={`${row.kind}:${row.hours}`} row={row} canEdit={canEdit} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Card>
  );
}

function SlaRow({ row, canEdit }: { row: { kind: string; hours: number; defaultHours: number; custom: boolean }; canEdit: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const set = useMutation(trpc.exceptionQueue.setSla.mutationOptions());
  const [value, setValue] = useState(String(row.hours));
  const [error, setError] = useState<string | null>(null);
  const label = kindLabel(t, row.kind);
  const hours = Number(value);
  const valid = /^\d+$/.test(value) && hours >= 1 && hours <= 8760;
  const save = async (next: number | null) => {
    setError(null);
    try {
      await set.mutateAsync({ kind: row.kind, hours: next });
      toast.success(t("exceptionQueue.slaSaved", { kind: label }));
      // The queue's due times and highlighting are computed from the policy when read.
      await qc.invalidateQueries({ queryKey: trpc.exceptionQueue.pathKey() });
    } catch (e) {
      setError(errorText(e) ?? String(e));
    }
  };
  return (
    <tr className="border-t border-border" data-kind={row.kind}>
      <td className={td}>
        {label} {row.custom ? <Badge tone="info">{t("exceptionQueue.slaCustom")}</Badge> : null}
      </td>
      <td className={`${td} text-right tabular`}>{row.defaultHours}</td>
      <td className={td}>
        {canEdit ? (
          <div className="flex flex-wrap items-center gap-2">
            <Input
              type="number"
              min={1}
              max={8760}
              step={1}
              className="w-24"
              aria-label={t("exceptionQueue.slaHoursFor", { kind: label })}
              aria-invalid={!valid}
              value={value}
              onChange={(e) => setValue(e.target.value)}
            />
            <Button size="sm" variant="secondary" disabled={!valid || hours === row.hours} loading={set.isPending} onClick={() => void save(hours)}>
              {t("exceptionQueue.slaSave")}
            </Button>
            {row.custom ? (
              <Button size="sm" variant="ghost" loading={set.isPending} onClick={() => void save(null)}>
                {t("exceptionQueue.slaReset")}
              </Button>
            ) : null}
            {!valid ? <span className="text-xs text-danger">{t("exceptionQueue.slaInvalid")}</span> : null}
            {error ? (
              <span role="alert" className="text-xs text-danger">
                {error}
              </span>
            ) : null}
          </div>
        ) : (
          <span className="tabular">{row.hours}</span>
        )}
      </td>
    </tr>
  );
}
