"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTRPC } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { formErrors } from "@/components/ui/form-errors";
import { Input } from "@/components/ui/input";
import { ProgressBar } from "@/components/ui/progress";
import { Select } from "@/components/ui/select";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { Textarea } from "@/components/ui/textarea";
import { useToast } from "@/components/ui/toast";
import { useT } from "@/i18n/client";

export function CalendarView({ canEdit, initialYear }: { canEdit: boolean; initialYear: number }) {
  const t = useT();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [year, setYear] = useState(initialYear);
  const range = { from: `${year}-01-01`, to: `${year}-12-31` };
  const days = useQuery(trpc.calendar.find.queryOptions(range));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.calendar.find.queryKey() });
  const upsert = useMutation(trpc.calendar.upsert.mutationOptions());
  const remove = useMutation(trpc.calendar.delete.mutationOptions());
  const importer = useMutation(trpc.calendar.import.mutationOptions());
  const [day, setDay] = useState({ date: "", kind: "HOLIDAY" as "HOLIDAY" | "WORKDAY", name: "" });
  const [csv, setCsv] = useState("");
  const [replace, setReplace] = useState(false);
  const dayErrors = formErrors(upsert.error);

  async function addDay(e: FormEvent) {
    e.preventDefault();
    const r = await upsert.mutateAsync(day).catch(() => null);
    if (r) {
      setDay({ date: "", kind: "HOLIDAY", name: "" });
      await refresh();
    }
  }

  async function runImport(e: FormEvent) {
    e.preventDefault();
    const r = await importer.mutateAsync({ csv, ...(replace ? { replaceYear: year } : {}) }).catch(() => null);
    if (r) {
      toast.success(`${t("calendar.counts", { inserted: r.inserted, updated: r.updated, deleted: r.deleted })} · ${t("calendar.unchanged", { unchanged: r.unchanged })}`);
      setCsv("");
      await refresh();
    }
  }

  return (
    <div className="grid gap-6 xl:grid-cols-[1fr_420px]">
      <Card>
        <CardHeader className="flex flex-row items-center justify-between">
          <CardTitle>{year}</CardTitle>
          <div className="flex gap-2">
            <Button variant="secondary" size="sm" onClick={() => setYear(year - 1)} aria-label={String(year - 1)}>
              ←
            </Button>
            <Button variant="secondary" size="sm" onClick={() => setYear(year + 1)} aria-label={String(year + 1)}>
              →
            </Button>
          </div>
        </CardHeader>
        <CardContent>
          {days.isLoading ? (
            <LoadingState rows={6} />
          ) : days.error ? (
            <ErrorState error={days.error} onRetry={() => void days.refetch()} />
          ) : !days.data?.length ? (
            <EmptyState title={t("calendar.empty", { year })} />
          ) : (
            <table className="w-full text-sm">
              <thead>
                <tr className="text-left text-muted-foreground">
                  <th className="py-1">{t("calendar.date")}</th>
                  <th>{t("calendar.kind")}</th>
                  <th>{t("calendar.name")}</th>
                  {canEdit ? <th className="sr-only">{t("common.actions")}</th> : null}
                </tr>
              </thead>
              <tbody className="divide-y divide-border">
                {days.data.map((d) => (
                  <tr key={d.date}>
                    <td className="py-1.5 font-mono text-xs">{d.date}</td>
                    <td>
                      <Badge tone={d.kind === "HOLIDAY" ? "danger" : "info"}>{d.kind === "HOLIDAY" ? t("calendar.holiday") : t("calendar.workday")}</Badge>
                    </td>
                    <td>{d.name}</td>
                    {canEdit ? (
                      <td className="text-right">
                        <Button
                          size="sm"
                          variant="ghost"
                          onClick={async () => {
                            if (!window.confirm(t("calendar.deleteConfirm", { date: d.date }))) return;
                            await remove.mutateAsync({ date: d.date });
                            await refresh();
                          }}
                        >
                          {t("calendar.delete")}
                        </Button>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div className="mt-4 space-y-1 text-xs text-muted-foreground">
            <p>{t("calendar.ruleTPlusN")}</p>
            <p>{t("calendar.ruleDPlusN")}</p>
          </div>
        </CardContent>
      </Card>
      {canEdit ? (
        <div className="space-y-6">
          <Card>
            <CardHeader>
              <CardTitle>{t("calendar.addDay")}</CardTitle>
            </CardHeader>
            <CardContent>
              <form onSubmit={addDay} className="space-y-3" noValidate>
                <Field label={t("calendar.date")} required error={dayErrors.fields.date}>
                  <Input type="date" value={day.date} onChange={(e) => setDay({ ...day, date: e.target.value })} />
                </Field>
                <Field label={t("calendar.kind")} required>
                  <Select
                    value={day.kind}
                    onChange={(e) => setDay({ ...day, kind: e.target.value as "HOLIDAY" | "WORKDAY" })}
                    options={[
                      { value: "HOLIDAY", label: t("calendar.holiday") },
                      { value: "WORKDAY", label: t("calendar.workday") },
                    ]}
                  />
                </Field>
                <Field label={t("calendar.name")} required error={dayErrors.fields.name ?? dayErrors.general}>
                  <Input value={day.name} onChange={(e) => setDay({ ...day, name: e.target.value })} />
                </Field>
                <Button type="submit" loading={upsert.isPending}>
                  {t("calendar.addDay")}
                </Button>
              </form>
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>{t("calendar.import")}</CardTitle>
            </CardHeader>
            <CardContent>
              <form onSubmit={runImport} className="space-y-3" noValidate>
                <p className="text-xs text-muted-foreground">{t("calendar.importHelp")}</p>
                <Input
                  type="file"
                  accept=".csv,text/csv"
                  aria-label={t("calendar.import")}
                  onChange={async (e) => {
                    const f = e.target.files?.[0];
                    if (f) setCsv(await f.text());
                  }}
                />
                <Textarea aria-label="CSV" rows={6} value={csv} onChange={(e) => setCsv(e.target.value)} className="font-mono text-xs" />
                <label className="flex items-center gap-2 text-sm">
                  <input type="checkbox" checked={replace} onChange={(e) => setReplace(e.target.checked)} />
                  {t("calendar.replaceYear", { year })}
                </label>
                {importer.isPending ? <ProgressBar label={t("calendar.import")} done={0} /> : null}
                {importer.error ? (
                  <div role="alert" className="rounded-brand bg-muted p-3 text-xs text-danger">
                    <p className="font-medium">{t("calendar.importFailed")}</p>
                    <pre className="mt-1 whitespace-pre-wrap">{importer.error.message}</pre>
                  </div>
                ) : null}
                <Button type="submit" disabled={!csv.trim()} loading={importer.isPending}>
                  {t("calendar.import")}
                </Button>
              </form>
            </CardContent>
          </Card>
        </div>
      ) : null}
    </div>
  );
}
