"use client";

import Link from "next/link";
import { useCallback, useState } from "react";
import type { ColumnDef } from "@tanstack/react-table";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { ChartCard } from "@/components/charts/chart-card";
import { minorToChartNumber, moneyFormatter } from "@/components/charts/chart-utils";
import { DataTable, type FetchPageArgs } from "@/components/data-table/data-table";
import { useTRPC, useTRPCClient } from "@/components/providers/trpc";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { EmptyState, ErrorState, errorMessage, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";
import type { AppRouter } from "@/server/api/root";

type Out = inferRouterOutputs<AppRouter>;
export type SettlementListItem = Out["settlement"]["find"]["items"][number];
type RunResult = Out["settlement"]["run"];

const CURRENCY = "CNY";
export const SETTLEMENTS_TABLE_KEY = ["settlement", "find"] as const;
const STATUSES = ["SETTLED", "HELD", "NOTHING_DUE", "EXPECTED", "CONFIRMED", "DIFFERENCE"] as const;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const day = (d: Date) => d.toISOString().slice(0, 10);

const TONE: Record<string, "success" | "warning" | "danger" | "neutral" | "info"> = {
  SETTLED: "success",
  CONFIRMED: "success",
  HELD: "warning",
  EXPECTED: "info",
  DIFFERENCE: "danger",
  ERROR: "danger",
  NOTHING_DUE: "neutral",
  NOT_DUE: "neutral",
};

export function SettlementStatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  return <Badge tone={TONE[status] ?? "neutral"}>{t(`settlement.status_${status}` as "settlement.status_SETTLED")}</Badge>;
}

/** Yuan typed by a person ("12.3", "12.30") → fen, or null when it is not an amount. */
export function yuanInputToMinor(text: string): bigint | null {
  const m = /^\s*(\d{1,12})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  return BigInt(m[1]!) * 100n + BigInt((m[2] ?? "").padEnd(2, "0"));
}

/** The tenant's settlement policy: hold merchants with open reconciliation exceptions (settlement.settings to change). */
function PolicyCard({ canEdit }: { canEdit: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const policy = useQuery(trpc.settlement.policy.queryOptions());
  // What the person just chose, shown at once (a controlled checkbox must change in the same event),
  // until the server's answer replaces it; a refusal puts the saved value back.
  const [choice, setChoice] = useState<boolean | null>(null);
  const save = useMutation(
    trpc.settlement.setPolicy.mutationOptions({
      onSuccess: (p) => {
        queryClient.setQueryData(trpc.settlement.policy.queryKey(), p);
        toast.success(t("settlement.policySaved"));
      },
      onError: (e) => toast.error(errorMessage(e) ?? String(e)),
      onSettled: () => setChoice(null),
    }),
  );
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("settlement.policyTitle")}</CardTitle>
        <CardDescription>{t("settlement.policyHelp")}</CardDescription>
      </CardHeader>
      <CardContent className="space-y-2">
        {policy.isPending ? (
          <LoadingState rows={1} />
        ) : policy.isError ? (
          <ErrorState error={policy.error} onRetry={() => void policy.refetch()} compact />
        ) : (
          <>
            <label className="flex items-start gap-2 text-sm">
              <input
                type="checkbox"
                className="mt-0.5"
                checked={choice ?? policy.data.holdOnExceptions}
                disabled={!canEdit || save.isPending}
                onChange={(e) => {
                  setChoice(e.target.checked);
                  save.mutate({ holdOnExceptions: e.target.checked });
                }}
              />
              <span>
                <span className="font-medium">{t("settlement.policyHold")}</span>
                <span className="block text-xs text-muted-foreground">{t("settlement.policyHoldHelp")}</span>
              </span>
            </label>
            <p className="text-xs text-muted-foreground">
              {t("settlement.policyOpen", { count: policy.data.openExceptions })}
              {canEdit ? null : ` ${t("settlement.policyReadOnly")}`}
            </p>
          </>
        )}
      </CardContent>
    </Card>
  );
}

export function SettlementsView({ mode, today, canRun, canEditPolicy }: { mode: "DIRECT" | "CUSTODIAL"; today: string; canRun: boolean; canEditPolicy: boolean }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const client = useTRPCClient();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [date, setDate] = useState(today);
  const [result, setResult] = useState<RunResult | null>(null);
  const [confirming, setConfirming] = useState<SettlementListItem | null>(null);
  const totals = useQuery(trpc.settlement.totals.queryOptions({}));
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: SETTLEMENTS_TABLE_KEY });
    void queryClient.invalidateQueries({ queryKey: trpc.settlement.totals.queryKey() });
  };
  const run = useMutation(
    trpc.settlement.run.mutationOptions({
      onSuccess: (r) => {
        setResult(r);
        refresh();
        toast.success(
          t("settlement.runDone", { date: r.date, settled: r.counts.SETTLED ?? r.counts.EXPECTED ?? 0, held: r.counts.HELD ?? 0, nothing: r.counts.NOTHING_DUE ?? 0, notDue: r.counts.NOT_DUE ?? 0 }),
        );
      },
      onError: (e) => toast.error(errorMessage(e) ?? String(e)),
    }),
  );

  const fetchPage = useCallback(
    ({ cursor, limit, filters, signal }: FetchPageArgs) =>
      client.settlement.find.query(
        {
          cursor,
          limit,
          ...((STATUSES as readonly string[]).includes(filters.status ?? "") ? { status: filters.status as (typeof STATUSES)[number] } : {}),
          ...(filters.date && DATE.test(filters.date) ? { date: filters.date } : {}),
        },
        { signal },
      ),
    [client],
  );
  const columns: ColumnDef<SettlementListItem, unknown>[] = [
    { id: "settlementDate", header: t("settlement.date"), cell: ({ row }) => <span className="tabular whitespace-nowrap">{day(row.original.settlementDate)}</span> },
    {
      id: "merchant",
      header: t("settlement.merchant"),
      enableHiding: false,
      cell: ({ row }) => (
        <Link href={`/merchants/${row.original.merchantId}`} className="font-medium text-primary underline-offset-2 hover:underline">
          {row.original.merchant.shortName}
        </Link>
      ),
    },
    { id: "status", header: t("settlement.status"), cell: ({ row }) => <SettlementStatusBadge status={row.original.status} /> },
    { id: "cutoff", header: t("settlement.cutoff"), cell: ({ row }) => <span className="tabular">{day(row.original.cutoffDate)}</span> },
    { id: "gross", header: t("settlement.gross"), meta: { align: "right" }, cell: ({ row }) => <Money amountMinor={row.original.grossMinor} currency={CURRENCY} /> },
    ...(mode === "CUSTODIAL"
      ? ([
          { id: "reserve", header: t("settlement.reserve"), meta: { align: "right" }, cell: ({ row }) => <Money amountMinor={row.original.reserveMinor} currency={CURRENCY} /> },
          { id: "released", header: t("settlement.released"), meta: { align: "right" }, cell: ({ row }) => <Money amountMinor={row.original.reserveReleasedMinor} currency={CURRENCY} /> },
          { id: "debt", header: t("settlement.debtRecovered"), meta: { align: "right" }, cell: ({ row }) => <Money amountMinor={row.original.debtRecoveredMinor} currency={CURRENCY} /> },
          { id: "net", header: t("settlement.net"), meta: { align: "right" }, cell: ({ row }) => <Money amountMinor={row.original.netMinor} currency={CURRENCY} /> },
          {
            id: "payout",
            header: t("settlement.payout"),
            cell: ({ row }) =>
              row.original.payoutId ? (
                <Link href={`/payouts/${row.original.payoutId}`} className="text-primary underline-offset-2 hover:underline">
                  {t("settlement.payout")}
                </Link>
              ) : (
                "—"
              ),
          },
        ] satisfies ColumnDef<SettlementListItem, unknown>[])
      : ([
          {
            id: "paid",
            header: t("settlement.paidAmount"),
            meta: { align: "right" },
            cell: ({ row }) =>
              row.original.channelSettledMinor !== null ? (
                <Money amountMinor={row.original.channelSettledMinor} currency={CURRENCY} />
              ) : canRun && row.original.status === "EXPECTED" ? (
                <Button size="sm" variant="secondary" onClick={() => setConfirming(row.original)}>
                  {t("settlement.confirm")}
                </Button>
              ) : (
                "—"
              ),
          },
        ] satisfies ColumnDef<SettlementListItem, unknown>[])),
    { id: "reason", header: t("settlement.reason"), cell: ({ row }) => <span className="text-xs text-muted-foreground">{row.original.heldReason ?? ""}</span> },
  ];

  const chartRows = (totals.data ?? []).map((r) => ({ date: r.date, net: minorToChartNumber(r.netMinor), reserve: minorToChartNumber(r.reserveMinor) }));
  return (
    <div className="space-y-6">
      {canRun ? (
        <Card>
          <CardHeader>
            <CardTitle>{t("settlement.runTitle")}</CardTitle>
            <CardDescription>{t("settlement.runHelp")}</CardDescription>
          </CardHeader>
          <CardContent className="space-y-4">
            <form
              aria-label={t("settlement.runTitle")}
              className="flex flex-wrap items-end gap-3"
              onSubmit={(e) => {
                e.preventDefault();
                setResult(null);
                run.mutate({ date });
              }}
            >
              <Field label={t("settlement.date")}>
                <Input type="date" value={date} onChange={(e) => setDate(e.target.value)} required />
              </Field>
              <Button type="submit" loading={run.isPending}>
                {run.isPending ? t("settlement.running") : t("settlement.run")}
              </Button>
            </form>
            {result ? <RunOutcomes result={result} /> : null}
          </CardContent>
        </Card>
      ) : null}
      {mode === "CUSTODIAL" ? <PolicyCard canEdit={canEditPolicy} /> : null}
      {totals.isPending ? (
        <LoadingState rows={3} />
      ) : totals.isError ? (
        <ErrorState error={totals.error} onRetry={() => void totals.refetch()} compact />
      ) : chartRows.length ? (
        <ChartCard
          title={t("settlement.chartTitle")}
          description={t("settlement.chartHelp")}
          chart={{
            kind: "bar",
            data: chartRows,
            xKey: "date",
            xLabel: t("settlement.date"),
            stacked: true,
            series: [
              { key: "net", label: t("settlement.net") },
              ...(mode === "CUSTODIAL" ? [{ key: "reserve" as const, label: t("settlement.reserve"), color: "var(--color-warning)" }] : []),
            ],
            valueFormatter: moneyFormatter(CURRENCY, locale),
          }}
        />
      ) : null}
      <DataTable<SettlementListItem>
        label={t("settlement.listTitle")}
        queryKey={SETTLEMENTS_TABLE_KEY}
        urlStateKey="st"
        fetchPage={fetchPage}
        columns={columns}
        getRowId={(r) => r.id}
        filters={[
          { id: "status", label: t("settlement.status"), type: "select", options: STATUSES.map((s) => ({ value: s, label: t(`settlement.status_${s}`) })) },
          { id: "date", label: t("settlement.date"), type: "date" },
        ]}
        csv={{
          filename: "settlements.csv",
          columns: [
            { header: "id", value: (r) => r.id },
            { header: "settlement_date", value: (r) => day(r.settlementDate) },
            { header: "cutoff_date", value: (r) => day(r.cutoffDate) },
            { header: "merchant_id", value: (r) => r.merchantId },
            { header: "merchant", value: (r) => r.merchant.shortName },
            { header: "status", value: (r) => r.status },
            { header: "gross_minor", value: (r) => r.grossMinor },
            { header: "reserve_minor", value: (r) => r.reserveMinor },
            { header: "reserve_released_minor", value: (r) => r.reserveReleasedMinor },
            { header: "debt_recovered_minor", value: (r) => r.debtRecoveredMinor },
            { header: "net_minor", value: (r) => r.netMinor },
            { header: "channel_settled_minor", value: (r) => r.channelSettledMinor },
            { header: "payout_id", value: (r) => r.payoutId },
            { header: "note", value: (r) => r.heldReason },
          ],
        }}
        emptyTitle={t("settlement.empty")}
        emptyDescription={t("settlement.emptyBody")}
      />
      {confirming ? <ConfirmDialog item={confirming} onClose={() => setConfirming(null)} onDone={refresh} /> : null}
    </div>
  );
}

function RunOutcomes({ result }: { result: RunResult }) {
  const { t } = useI18n();
  const shown = result.outcomes.filter((o) => o.status !== "NOT_DUE");
  const errors = result.outcomes.filter((o) => o.status === "ERROR").length;
  return (
    <div className="space-y-2" data-testid="settlement-run-result">
      <p className="text-sm">
        {t("settlement.runDone", {
          date: result.date,
          // DIRECT: recorded (EXPECTED), or already confirmed from the channels' statements.
          settled: (result.counts.SETTLED ?? 0) + (result.counts.EXPECTED ?? 0) + (result.counts.CONFIRMED ?? 0) + (result.counts.DIFFERENCE ?? 0),
          held: result.counts.HELD ?? 0,
          nothing: result.counts.NOTHING_DUE ?? 0,
          notDue: result.counts.NOT_DUE ?? 0,
        })}
      </p>
      {errors ? <p className="text-sm text-danger">{t("settlement.runErrors", { count: errors })}</p> : null}
      {shown.length ? (
        <table className="w-full text-sm">
          <caption className="sr-only">{t("settlement.outcomesTitle")}</caption>
          <thead>
            <tr className="text-left text-muted-foreground">
              <th className="py-1 font-medium">{t("settlement.merchant")}</th>
              <th className="py-1 font-medium">{t("settlement.status")}</th>
              <th className="py-1 text-right font-medium">{t("settlement.net")}</th>
              <th className="py-1 font-medium">{t("settlement.reason")}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((o) => (
              <tr key={o.merchantId} className="border-t border-border">
                <td className="py-1">{o.merchantName}</td>
                <td className="py-1">
                  <SettlementStatusBadge status={o.status} />
                </td>
                <td className="py-1 text-right">
                  <Money amountMinor={o.netMinor} currency={CURRENCY} />
                </td>
                <td className="py-1 text-xs text-muted-foreground">{o.reason ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <EmptyState title={t("settlement.empty")} />
      )}
    </div>
  );
}

function ConfirmDialog({ item, onClose, onDone }: { item: SettlementListItem; onClose: () => void; onDone: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const [amount, setAmount] = useState("");
  const [error, setError] = useState<string | null>(null);
  const confirm = useMutation(
    trpc.settlement.confirmDirect.mutationOptions({
      onSuccess: () => {
        toast.success(t("settlement.confirmed"));
        onDone();
        onClose();
      },
      onError: (e) => setError(errorMessage(e) ?? String(e)),
    }),
  );
  const owed = `¥${(Number(item.grossMinor) / 100).toFixed(2)}`;
  return (
    <Dialog
      open
      onClose={onClose}
      title={t("settlement.confirmTitle")}
      description={t("settlement.confirmHelp", { owed })}
      footer={
        <Button
          loading={confirm.isPending}
          onClick={() => {
            const minor = yuanInputToMinor(amount);
            if (minor === null) return setError(t("settlement.amountInvalid"));
            setError(null);
            confirm.mutate({ id: item.id, channelSettledMinor: minor });
          }}
        >
          {t("settlement.confirmSave")}
        </Button>
      }
    >
      <Field label={t("settlement.paidAmount")} error={error ?? undefined}>
        <Input inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
      </Field>
    </Dialog>
  );
}
