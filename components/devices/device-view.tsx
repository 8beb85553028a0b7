"use client";

import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ChartCard } from "@/components/charts/chart-card";
import { minorToChartNumber, moneyFormatter, numberFormatter } from "@/components/charts/chart-utils";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { DateTime } from "@/components/ui/date-time";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { ErrorState, errorMessage, LoadingState } from "@/components/ui/states";
import { useToast } from "@/components/ui/toast";
import { useI18n } from "@/i18n/client";
import type { DailyPoint } from "@/server/core/devices/stats";
import { DeviceStatusBadge, OnlineBadge, successRateText, tdClass, thClass } from "./parts";
import { RebindForm } from "./rebind-form";

/** One device: where it is, its health, its last 30 days as charts, and its history. */
export function DeviceView({ id, canManage }: { id: string; canManage: boolean }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const device = useQuery(trpc.devices.get.queryOptions({ id }));
  const daily = useQuery(trpc.devices.daily.queryOptions({ id, days: 30 }));
  const [terminalNo, setTerminalNo] = useState<string | null>(null);
  const save = useMutation(
    trpc.devices.update.mutationOptions({
      onSuccess: () => {
        toast.success(t("devices.saved"));
        void queryClient.invalidateQueries({ queryKey: trpc.devices.get.queryKey({ id }) });
      },
    }),
  );
  if (device.isPending) return <LoadingState rows={8} />;
  if (device.isError) return <ErrorState error={device.error} onRetry={() => void device.refetch()} />;
  const d = device.data;
  const days = (daily.data?.days ?? []).map((x) => ({
    date: x.date.slice(5),
    payments: x.paymentCount,
    successes: x.successCount,
    valid: x.validCount,
    payers: x.payerCount,
    volume: minorToChartNumber(x.amountMinor),
    refunds: minorToChartNumber(x.refundMinor),
  }));
  const totals = (daily.data?.days ?? []).reduce((s, x) => ({ n: s.n + x.paymentCount, ok: s.ok + x.successCount, amount: s.amount + x.amountMinor, margin: s.margin + x.marginMinor }), { n: 0, ok: 0, amount: 0n, margin: 0n });
  const facts: [string, React.ReactNode][] = [
    [t("devices.deviceId"), <span key="id" className="font-mono text-xs">{d.deviceId}</span>],
    [t("devices.status"), <DeviceStatusBadge key="s" status={d.status} />],
    [t("devices.online"), <OnlineBadge key="o" isOnline={d.isOnline} isRelocated={d.isRelocated} />],
    [t("devices.merchant"), d.merchantName ?? "—"],
    [t("devices.store"), d.storeName ?? "—"],
    [t("devices.channelAccount"), d.channelAccount ? `${d.channelAccount.name} (${d.channelAccount.channelType})` : "—"],
    [t("devices.vendor"), t(`devices.vendor_${d.vendor}`)],
    [t("devices.model"), d.model || "—"],
    [t("devices.appVersion"), d.appVersion ?? "—"],
    [t("devices.firmwareVersion"), d.firmwareVersion ?? "—"],
    [t("devices.network"), d.network ?? "—"],
    [t("devices.lastSeen"), d.lastSeenAt ? <DateTime key="l" value={d.lastSeenAt} /> : t("devices.never")],
    [t("devices.relocated"), d.isRelocated && d.relocatedMeters !== null ? t("devices.relocatedMeters", { meters: d.relocatedMeters }) : "—"],
    [t("devices.errorsReported"), Array.isArray(d.lastErrors) && d.lastErrors.length > 0 ? (d.lastErrors as string[]).join("; ") : t("devices.noErrors")],
  ];
  return (
    <div className="space-y-6">
      <PageHeader title={t("devices.detailTitle", { serial: d.serialNumber })} />
      <div className="grid gap-4 lg:grid-cols-3">
        <Card className="lg:col-span-2">
          <CardContent className="py-4">
            <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
              {facts.map(([k, v]) => (
                <div key={k} className="flex justify-between gap-3 border-b border-border/50 py-1">
                  <dt className="text-muted-foreground">{k}</dt>
                  <dd className="text-right">{v}</dd>
                </div>
              ))}
            </dl>
          </CardContent>
        </Card>
        <Card>
          <CardContent className="space-y-3 py-4 text-sm">
            <div className="flex justify-between">
              <span className="text-muted-foreground">{t("devices.totalPayments")}</span>
              <span className="tabular-nums">{totals.n}</span>
            </div>
            <div className="flex justify-between">
              <span className="text-muted-foreground">{t("devices.successRate")}</span>
              <span className="tabular-nums">{successRateText(totals.ok, totals.n)}</span>
            </div>
            <div className="flex justify-between">
              <span className="text-muted-foreground">{t("devices.totalVolume")}</span>
              <Money amountMinor={totals.amount} currency="CNY" />
            </div>
            <div className="flex justify-between">
              <span className="text-muted-foreground">{t("devices.totalMargin")}</span>
              <Money amountMinor={totals.margin} currency="CNY" />
            </div>
            {daily.data ? <p className="text-xs text-muted-foreground">{t("devices.incentiveHelp", { amount: (Number(daily.data.incentiveMinAmountMinor) / 100).toFixed(2) })}</p> : null}
            {canManage ? (
              <form
                className="flex items-end gap-2"
                onSubmit={(e) => {
                  e.preventDefault();
                  save.mutate({ id, terminalNo: (terminalNo ?? d.terminalNo ?? "").trim() || null });
                }}
              >
                <Field label={t("devices.terminalNo")} error={save.isError ? (errorMessage(save.error) ?? undefined) : undefined}>
                  <Input name="terminalNo" value={terminalNo ?? d.terminalNo ?? ""} onChange={(e) => setTerminalNo(e.target.value)} maxLength={32} />
                </Field>
                <Button type="submit" size="sm" loading={save.isPending}>
                  {t("devices.edit")}
                </Button>
              </form>
            ) : (
              <div className="flex justify-between">
                <span className="text-muted-foreground">{t("devices.terminalNo")}</span>
                <span>{d.terminalNo ?? "—"}</span>
              </div>
            )}
          </CardContent>
        </Card>
      </div>

      {canManage && (d.status === "ACTIVE" || d.status === "ASSIGNED") ? <RebindForm deviceId={d.id} currentAccountId={d.channelAccount?.id ?? null} /> : null}

      {daily.isError ? (
        <ErrorState error={daily.error} onRetry={() => void daily.refetch()} compact />
      ) : daily.isPending ? (
        <LoadingState rows={4} />
      ) : (
        <div className="grid gap-4 lg:grid-cols-2" data-testid="device-charts">
          <ChartCard
            title={t("devices.chartPayments")}
            description={t("devices.chartPaymentsHelp")}
            chart={{
              kind: "bar",
              data: days,
              xKey: "date",
              xLabel: t("devices.when"),
              integerValues: true,
              valueFormatter: numberFormatter(locale),
              series: [
                { key: "payments", label: t("devices.payments") },
                { key: "successes", label: t("devices.successes") },
                { key: "valid", label: t("devices.validTransactions") },
                { key: "payers", label: t("devices.payerCount") },
              ],
            }}
          />
          <ChartCard
            title={t("devices.chartVolume")}
            description={t("devices.chartVolumeHelp")}
            chart={{
              kind: "line",
              data: days,
              xKey: "date",
              xLabel: t("devices.when"),
              valueFormatter: moneyFormatter("CNY", locale),
              series: [
                { key: "volume", label: t("devices.volume") },
                { key: "refunds", label: t("devices.refunds") },
              ],
            }}
          />
        </div>
      )}

      {daily.data ? <DailyFigures days={daily.data.days} /> : null}

      <Card>
        <CardHeader>
          <CardTitle>{t("devices.history")}</CardTitle>
        </CardHeader>
        <CardContent>
          <table className="w-full text-sm" data-testid="device-history">
            <thead className="bg-muted/40">
              <tr>
                <th className={thClass}>{t("devices.when")}</th>
                <th className={thClass}>{t("devices.action")}</th>
                <th className={thClass}>{t("devices.status")}</th>
                <th className={thClass}>{t("devices.reason")}</th>
                <th className={thClass}>{t("devices.actor")}</th>
              </tr>
            </thead>
            <tbody>
              {d.transitions.map((x) => (
                <tr key={x.id} className="border-t border-border">
                  <td className={tdClass}>
                    <DateTime value={x.createdAt} />
                  </td>
                  <td className={tdClass}>{x.action}</td>
                  <td className={tdClass}>
                    {x.fromStatus ? `${t(`devices.status_${x.fromStatus}`)} → ` : ""}
                    {t(`devices.status_${x.toStatus}`)}
                  </td>
                  <td className={tdClass}>{x.reason ?? "—"}</td>
                  <td className={tdClass}>{x.actor}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </CardContent>
      </Card>
    </div>
  );
}

/** The device's days with payments, newest first: the figures behind the charts, incentive columns included. */
function DailyFigures({ days }: { days: readonly DailyPoint[] }) {
  const { t } = useI18n();
  const active = days.filter((x) => x.paymentCount > 0 || x.refundMinor !== 0n).reverse();
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("devices.dailyFigures")}</CardTitle>
        <p className="text-xs text-muted-foreground">{t("devices.dailyFiguresHelp")}</p>
      </CardHeader>
      <CardContent>
        {active.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("devices.dailyFiguresEmpty")}</p>
        ) : (
          <table className="w-full text-sm" data-testid="device-daily">
            <thead className="bg-muted/40">
              <tr>
                <th className={thClass}>{t("devices.date")}</th>
                <th className={`${thClass} text-right`}>{t("devices.payments")}</th>
                <th className={`${thClass} text-right`}>{t("devices.successRate")}</th>
                <th className={`${thClass} text-right`}>{t("devices.volume")}</th>
                <th className={`${thClass} text-right`}>{t("devices.validTransactions")}</th>
                <th className={`${thClass} text-right`}>{t("devices.payerCount")}</th>
                <th className={`${thClass} text-right`}>{t("devices.refunds")}</th>
                <th className={`${thClass} text-right`}>{t("devices.margin")}</th>
              </tr>
            </thead>
            <tbody>
              {active.map((x) => (
                <tr key={x.date} className="border-t border-border">
                  <td className={`${tdClass} tabular-nums`}>{x.date}</td>
                  <td className={`${tdClass} text-right tabular-nums`}>{x.paymentCount}</td>
                  <td className={`${tdClass} text-right tabular-nums`}>{successRateText(x.successCount, x.paymentCount)}</td>
                  <td className={`${tdClass} text-right`}>
                    <Money amountMinor={x.amountMinor} currency="CNY" />
                  </td>
                  <td className={`${tdClass} text-right tabular-nums`}>{x.validCount}</td>
                  <td className={`${tdClass} text-right tabular-nums`}>{x.payerCount}</td>
                  <td className={`${tdClass} text-right`}>
                    <Money amountMinor={x.refundMinor} currency="CNY" />
                  </td>
                  <td className={`${tdClass} text-right`}>
                    <Money amountMinor={x.marginMinor} currency="CNY" />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </CardContent>
    </Card>
  );
}
