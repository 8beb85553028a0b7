"use client";

import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import type { inferRouterOutputs } from "@trpc/server";
import { useCallback, useEffect, useMemo, useState } from "react";
import { ChartCard } from "@/components/charts/chart-card";
import { minorToChartNumber, moneyFormatter } from "@/components/charts/chart-utils";
import type { CsvColumn } from "@/components/data-table/csv";
import { DataTable, type FetchPageArgs } from "@/components/data-table/data-table";
import { useTRPC, useTRPCClient } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { errorText } from "@/components/ui/form-errors";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { Select } from "@/components/ui/select";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { DateTime } from "@/components/ui/date-time";
import { useI18n } from "@/i18n/client";
import type { Translate } from "@/i18n/translate";
import type { AppRouter } from "@/server/api/root";
import { EXCEPTION_KINDS } from "@/server/core/clearing/exception-kinds";
import { SlaSettings } from "./sla-settings";

type Out = inferRouterOutputs<AppRouter>;
export type QueueItem = Out["exceptionQueue"]["find"]["items"][number];

const link = "text-primary underline-offset-2 hover:underline";

// Every exception kind the server opens (the SLA defaults in server/core/clearing/exceptions.ts
// list the same; exception-kinds.test.ts checks both and the labels): payment statement
// differences, bank credits against channel settlements (FUNDS_*), bank payout results
// (PAYOUT_*), profit-share statements, DIRECT settlements, and the payment application's own.
export const KINDS = EXCEPTION_KINDS;
export const STATUSES = ["OPEN", "INVESTIGATING", "RESOLUTION_PROPOSED", "RESOLVED", "WRITTEN_OFF"] as const;
const AGES = ["0-3", "4-7", "8-30", ">30"] as const;

export const kindLabel = (t: Translate, kind: string) => ((KINDS as readonly string[]).includes(kind) ? t(`payments.exceptionKind_${kind as (typeof KINDS)[number]}`) : kind);
export const statusLabel = (t: Translate, status: string) => ((STATUSES as readonly string[]).includes(status) ? t(`payments.exceptionStatus_${status as (typeof STATUSES)[number]}`) : status);
export const statusTone = (status: string) => (status === "OPEN" ? "warning" : status === "RESOLVED" || status === "WRITTEN_OFF" ? "success" : "info");

type Filters = { status: string; type: string; direction: string; channelAccountId: string; age: string; assigneeId: string };

/** Names the queue's list in the query cache (with the filters; DataTable adds its own page size). */
export const QUEUE_TABLE_KEY = ["clearing", "exceptionQueue"] as const;

/** The filters as exceptionQueue.find's input. */
export function queueInput(f: Filters) {
  return {
    status: f.status as "ACTIVE",
    ...(f.type ? { type: f.type } : {}),
    ...(f.direction ? { diffDirection: f.direction as "OVERAGE" } : {}),
    ...(f.channelAccountId ? { channelAccountId: f.channelAccountId } : {}),
    ...(f.age ? { age: f.age as "0-3" } : {}),
    ...(f.assigneeId ? { assigneeId: f.assigneeId } : {}),
  };
}

// Codes and integer minor units (fen), as every CSV of the console; the kind also in words.
export function queueCsvColumns(t: Translate): CsvColumn<QueueItem>[] {
  return [
    { header: "id", value: (e) => e.id },
    { header: "kind", value: (e) => e.kind },
    { header: "kind_label", value: (e) => kindLabel(t, e.kind) },
    { header: "status", value: (e) => e.status },
    { header: "direction", value: (e) => e.direction },
    { header: "amount_minor", value: (e) => e.amountMinor },
    { header: "business_date", value: (e) => e.businessDate },
    { header: "age_days", value: (e) => e.ageDays },
    { header: "channel_account_id", value: (e) => e.channelAccountId },
    { header: "sla_due_at", value: (e) => e.slaDueAt.toISOString() },
    { header: "sla_breached", value: (e) => (e.slaBreached ? "yes" : "no") },
    { header: "assignee", value: (e) => e.assigneeName },
    { header: "resolution", value: (e) => e.resolution },
    { header: "created_at", value: (e) => e.createdAt.toISOString() },
  ];
}

export function ExceptionQueue({ canWork, canClose }: { canWork: boolean; canClose: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const qc = useQueryClient();
  const toast = useToast();
  const [f, setF] = useState<Filters>({ status: "ACTIVE", type: "", direction: "", channelAccountId: "", age: "", assigneeId: "" });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [assignee, setAssignee] = useState("");
  // The filters are part of the table's query key as well as of what fetchPage asks for.
  const input = useMemo(() => queueInput(f), [f]);
  const fetchPage = useCallback(({ cursor, limit, signal }: FetchPageArgs) => client.exceptionQueue.find.query({ ...input, cursor, limit }, { signal }), [client, input]);
  // Always fresh when the page is shown again: the item page changes what the list shows.
  useEffect(() => {
    void qc.invalidateQueries({ queryKey: QUEUE_TABLE_KEY });
  }, [qc]);
  const stats = useQuery({ ...trpc.exceptionQueue.stats.queryOptions({}), staleTime: 0 });
  const accounts = useQuery(trpc.channels.list.queryOptions());
  const assign = useMutation(trpc.exceptionQueue.assign.mutationOptions());
  const users = stats.data?.users ?? [];
  const set = (k: keyof Filters) => (e: { target: { value: string } }) => {
    setF({ ...f, [k]: e.target.value });
    setSelected(new Set());
  };
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const doAssign = async () => {
    try {
      const r = await assign.mutateAsync({ ids: [...selected], assigneeId: assignee || null });
      toast.success(t("exceptionQueue.assigned", { count: String(r.changed) }));
      setSelected(new Set());
      await Promise.all([qc.invalidateQueries({ queryKey: QUEUE_TABLE_KEY }), qc.invalidateQueries({ queryKey: trpc.exceptionQueue.find.pathKey() })]);
    } catch (e) {
      toast.error(errorText(e) ?? String(e));
    }
  };

  const columns: ColumnDef<QueueItem, unknown>[] = [
    ...(canWork
      ? [
          {
            id: "select",
            meta: { label: t("exceptionQueue.select") },
            header: ({ table }) => {
              const ids = table.getRowModel().rows.map((r) => r.id);
              return (
                <input
                  type="checkbox"
                  aria-label={t("exceptionQueue.selectAll")}
                  checked={ids.length > 0 && ids.every((id) => selected.has(id))}
                  onChange={(e) => setSelected(e.target.checked ? new Set(ids) : new Set())}
                />
              );
            },
            cell: ({ row }) => <input type="checkbox" aria-label={t("exceptionQueue.select")} checked={selected.has(row.original.id)} onChange={() => toggle(row.original.id)} />,
          } satisfies ColumnDef<QueueItem, unknown>,
        ]
      : []),
    {
      id: "type",
      header: t("exceptionQueue.type"),
      cell: ({ row: { original: e } }) => (
        <span className="block min-w-40" data-kind={e.kind}>
          {kindLabel(t, e.kind)}
          {e.direction === "OVERAGE" || e.direction === "SHORTAGE" ? <span className="block text-xs text-muted-foreground">{t(`payments.direction_${e.direction}`)}</span> : null}
        </span>
      ),
    },
    { id: "status", header: t("exceptionQueue.status"), cell: ({ row: { original: e } }) => <Badge tone={statusTone(e.status)}>{statusLabel(t, e.status)}</Badge> },
    { id: "amount", header: t("exceptionQueue.amount"), meta: { align: "right" }, cell: ({ row: { original: e } }) => <Money amountMinor={e.amountMinor} currency="CNY" /> },
    { id: "businessDate", header: t("exceptionQueue.businessDate"), cell: ({ row: { original: e } }) => <span className="tabular whitespace-nowrap">{e.businessDate}</span> },
    { id: "age", header: t("exceptionQueue.age"), meta: { align: "right" }, cell: ({ row: { original: e } }) => <span className="tabular whitespace-nowrap">{t("exceptionQueue.ageDays", { days: String(e.ageDays) })}</span> },
    {
      id: "sla",
      header: t("exceptionQueue.sla"),
      cell: ({ row: { original: e } }) => (
        <span className="whitespace-nowrap">
          <DateTime value={e.slaDueAt} />
          {e.slaBreached ? (
            <Badge tone="danger" className="ms-1">
              {t("exceptionQueue.slaBreached")}
            </Badge>
          ) : e.slaDueSoon ? (
            <Badge tone="warning" className="ms-1">
              {t("exceptionQueue.slaSoon")}
            </Badge>
          ) : null}
        </span>
      ),
    },
    { id: "assignee", header: t("exceptionQueue.assignee"), cell: ({ row: { original: e } }) => e.assigneeName ?? <span className="text-muted-foreground">{t("exceptionQueue.unassigned")}</span> },
    {
      id: "open",
      header: () => <span className="sr-only">{t("common.actions")}</span>,
      meta: { align: "right" },
      cell: ({ row: { original: e } }) => (
        <Link href={`/exceptions/${e.id}`} className={link} data-testid="open-exception">
          {t("exceptionQueue.open")}
        </Link>
      ),
    },
  ];

  const opt = (value: string, label: string) => ({ value, label });
  return (
    <div className="space-y-6">
      <SuspenseCharts />
      <Card className="space-y-4 p-4">
        <div className="grid gap-3 sm:grid-cols-3 lg:grid-cols-6" data-testid="queue-filters">
          <Field label={t("exceptionQueue.status")}>
            <Select name="status" value={f.status} onChange={set("status")} options={[opt("ACTIVE", t("exceptionQueue.status_ACTIVE")), ...STATUSES.map((s) => opt(s, statusLabel(t, s)))]} />
          </Field>
          <Field label={t("exceptionQueue.type")}>
            <Select name="type" value={f.type} onChange={set("type")} options={[opt("", t("exceptionQueue.any")), ...KINDS.map((k) => opt(k, kindLabel(t, k)))]} />
          </Field>
          <Field label={t("exceptionQueue.direction")}>
            <Select name="direction" value={f.direction} onChange={set("direction")} options={[opt("", t("exceptionQueue.any")), opt("OVERAGE", t("payments.direction_OVERAGE")), opt("SHORTAGE", t("payments.direction_SHORTAGE"))]} />
          </Field>
          <Field label={t("exceptionQueue.channelAccount")}>
            <Select name="channelAccountId" value={f.channelAccountId} onChange={set("channelAccountId")} options={[opt("", t("exceptionQueue.any")), ...(accounts.data ?? []).map((a) => opt(a.id, a.name))]} />
          </Field>
          <Field label={t("exceptionQueue.age")}>
            <Select name="age" value={f.age} onChange={set("age")} options={[opt("", t("exceptionQueue.any")), ...AGES.map((a) => opt(a, a))]} />
          </Field>
          <Field label={t("exceptionQueue.assignee")}>
            <Select name="assigneeId" value={f.assigneeId} onChange={set("assigneeId")} options={[opt("", t("exceptionQueue.any")), opt("none", t("exceptionQueue.unassigned")), ...users.map((u) => opt(u.id, u.name))]} />
          </Field>
        </div>
        {canWork && selected.size > 0 ? (
          <div className="flex flex-wrap items-end gap-3" data-testid="bulk-assign">
            <span className="text-sm">{t("exceptionQueue.selected", { count: String(selected.size) })}</span>
            <Field label={t("exceptionQueue.assignTo")}>
              <Select name="assignee" value={assignee} onChange={(e) => setAssignee(e.target.value)} options={[opt("", t("exceptionQueue.unassigned")), ...users.map((u) => opt(u.id, u.name))]} />
            </Field>
            <Button onClick={() => void doAssign()} loading={assign.isPending}>
              {t("exceptionQueue.assign")}
            </Button>
          </div>
        ) : null}
        <div data-testid="queue-table">
          <DataTable<QueueItem>
            label={t("exceptionQueue.listLabel")}
            queryKey={[...QUEUE_TABLE_KEY, input]}
            fetchPage={fetchPage}
            // The filters above are part of the query key, which also keys DataTable's saved column
            // choice: with no column to hide, a choice cannot come and go with the filters.
            columns={columns.map((c) => ({ ...c, enableHiding: false }))}
            getRowId={(e) => e.id}
            csv={{ filename: "exceptions.csv", columns: queueCsvColumns(t) }}
            emptyTitle={t("exceptionQueue.empty")}
            emptyDescription={t("exceptionQueue.emptyBody")}
          />
        </div>
      </Card>
      <DayClose canClose={canClose} today={stats.data?.today} />
      <SlaSettings canEdit={canWork} />
    </div>
  );
}

function SuspenseCharts() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const stats = useQuery({ ...trpc.exceptionQueue.stats.queryOptions({}), staleTime: 0 });
  if (stats.isPending) return <LoadingState rows={2} />;
  if (stats.isError) return <ErrorState error={stats.error} onRetry={() => void stats.refetch()} compact />;
  const s = stats.data;
  const money = moneyFormatter("CNY", locale);
  const ok = s.overage.balanceMinor === s.overage.openItemsMinor && s.shortage.balanceMinor === s.shortage.openItemsMinor;
  return (
    <div className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2" data-testid="suspense-totals">
        {(["overage", "shortage"] as const).map((k) => (
          <Card key={k} className="p-4" data-testid={`suspense-${k}`}>
            <div className="text-sm text-muted-foreground">{t(`exceptionQueue.${k}`)}</div>
            <div className="text-2xl font-semibold tabular" data-testid={`suspense-${k}-balance`}>
              <Money amountMinor={s[k].balanceMinor} currency="CNY" inline />
            </div>
            <div className="text-xs text-muted-foreground">
              {t("exceptionQueue.openItems")}: <Money amountMinor={s[k].openItemsMinor} currency="CNY" inline />
            </div>
          </Card>
        ))}
      </div>
      {s.custodial ? <p className={`text-xs ${ok ? "text-muted-foreground" : "text-danger"}`}>{ok ? t("exceptionQueue.invariantOk") : t("exceptionQueue.invariantBroken")}</p> : null}
      <div className="grid gap-4 lg:grid-cols-2">
        <ChartCard
          title={t("exceptionQueue.balanceTitle")}
          description={t("exceptionQueue.balanceDescription")}
          chart={{
            kind: "line",
            data: s.history.map((h) => ({ date: h.date, overage: minorToChartNumber(h.overageMinor), shortage: minorToChartNumber(h.shortageMinor) })),
            xKey: "date",
            xLabel: t("exceptionQueue.businessDate"),
            series: [
              { key: "overage", label: t("exceptionQueue.overage") },
              { key: "shortage", label: t("exceptionQueue.shortage") },
            ],
            valueFormatter: money,
          }}
        />
        <ChartCard
          title={t("exceptionQueue.ageingTitle")}
          description={t("exceptionQueue.ageingDescription")}
          chart={{
            kind: "bar",
            stacked: true,
            data: s.ageing.map((a) => ({ bucket: a.bucket, overage: minorToChartNumber(a.overageMinor), shortage: minorToChartNumber(a.shortageMinor) })),
            xKey: "bucket",
            xLabel: t("exceptionQueue.age"),
            series: [
              { key: "overage", label: t("exceptionQueue.overage") },
              { key: "shortage", label: t("exceptionQueue.shortage") },
            ],
            valueFormatter: money,
          }}
        />
      </div>
    </div>
  );
}

const dayBefore = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

function DayClose({ canClose, today }: { canClose: boolean; today: string | undefined }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const qc = useQueryClient();
  // The day before the tenant's business date today (its time zone), once known.
  const [picked, setDate] = useState<string | null>(null);
  const date = picked ?? (today ? dayBefore(today) : "");
  const valid = /^\d{4}-\d{2}-\d{2}$/.test(date);
  const readiness = useQuery({ ...trpc.exceptionQueue.dayReadiness.queryOptions({ businessDate: date }), enabled: valid, staleTime: 0 });
  const close = useMutation(trpc.exceptionQueue.closeDay.mutationOptions());
  const [error, setError] = useState<string | null>(null);
  const doClose = async () => {
    setError(null);
    try {
      await close.mutateAsync({ businessDate: date });
      toast.success(t("exceptionQueue.dayClosed", { date }));
      await qc.invalidateQueries({ queryKey: trpc.exceptionQueue.dayReadiness.pathKey() });
    } catch (e) {
      setError(errorText(e) ?? String(e));
    }
  };
  return (
    <Card className="space-y-3 p-4" data-testid="day-close">
      <h2 className="text-base font-semibold">{t("exceptionQueue.dayCloseTitle")}</h2>
      <p className="text-sm text-muted-foreground">{t("exceptionQueue.dayCloseHelp")}</p>
      <div className="flex flex-wrap items-end gap-3">
        <Field label={t("exceptionQueue.dayCloseDate")}>
          <Input type="date" name="businessDate" value={date} onChange={(e) => setDate(e.target.value)} />
        </Field>
        {canClose ? (
          <Button onClick={() => void doClose()} loading={close.isPending} disabled={!valid} data-testid="close-day">
            {t("exceptionQueue.dayClose")}
          </Button>
        ) : null}
      </div>
      {readiness.isPending && valid ? <LoadingState rows={1} /> : null}
      {readiness.isError ? <ErrorState error={readiness.error} compact onRetry={() => void readiness.refetch()} /> : null}
      {readiness.data ? (
        readiness.data.length === 0 ? (
          <p className="text-sm" data-testid="day-ready">
            {t("exceptionQueue.dayCloseReady", { date })}
          </p>
        ) : (
          <div className="text-sm" data-testid="day-blockers">
            <p>{t("exceptionQueue.dayCloseBlocked", { date })}</p>
            <ul className="ms-5 list-disc">
              {readiness.data.map((b) => (
                <li key={b.code}>{t(`exceptionQueue.blocker_${b.code}`, { count: String(b.count), date })}</li>
              ))}
            </ul>
          </div>
        )
      ) : null}
      {error ? (
        <p role="alert" className="text-sm text-danger" data-testid="close-error">
          {error}
        </p>
      ) : null}
    </Card>
  );
}
