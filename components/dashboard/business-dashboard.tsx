"use client";

import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { ChartCard } from "@/components/charts/chart-card";
import { minorToChartNumber, moneyFormatter, numberFormatter } from "@/components/charts/chart-utils";
import { useTRPC } from "@/components/providers/trpc";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Money } from "@/components/ui/money";
import { Select } from "@/components/ui/select";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useI18n } from "@/i18n/client";
import { formatNumber } from "@/i18n/format";
import type { AppRouter } from "@/server/api/root";

type Dashboard = inferRouterOutputs<AppRouter>["dashboard"]["business"];
type Group = Dashboard["byChannel"][number];
const CURRENCY = "CNY";
const percent = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(1)}%`);

/** The business half of the dashboard: every figure from the daily statistics, every chart with its table. */
export function BusinessDashboard() {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const [days, setDays] = useState<7 | 30 | 90>(30);
  const q = useQuery(trpc.dashboard.business.queryOptions({ days }, { refetchInterval: 60_000 }));
  const money = moneyFormatter(CURRENCY, locale);
  const header = (
    <div className="flex items-center justify-between">
      <h2 className="text-lg font-semibold">{t("business.title")}</h2>
      <label className="flex items-center gap-2 text-sm">
        {t("business.period")}
        <Select value={String(days)} onChange={(e) => setDays(Number(e.target.value) as 7 | 30 | 90)} options={[7, 30, 90].map((d) => ({ value: String(d), label: t(`business.days_${d}` as "business.days_7") }))} />
      </label>
    </div>
  );
  if (q.isPending) return <section className="space-y-4">{header}<LoadingState rows={6} /></section>;
  if (q.isError) return <section className="space-y-4">{header}<ErrorState error={q.error} onRetry={() => void q.refetch()} /></section>;
  const d = q.data;
  const today = d.kpis.today;
  const yesterday = d.kpis.yesterday;
  const trend = d.trend.map((r) => ({ date: r.date, volume: minorToChartNumber(r.amountMinor), margin: minorToChartNumber(r.marginMinor), attempts: r.count, successes: r.successes }));
  const hasData = d.trend.some((r) => r.count > 0);
  const tiles = [
    { label: t("business.todayVolume"), value: <Money amountMinor={today.amountMinor} currency={CURRENCY} />, sub: yesterday ? t("business.vsYesterday", { value: money(minorToChartNumber(yesterday.amountMinor)) }) : "", testid: "kpi-volume" },
    { label: t("business.todayCount"), value: formatNumber(today.count, locale), sub: yesterday ? t("business.vsYesterday", { value: formatNumber(yesterday.count, locale) }) : "", testid: "kpi-count" },
    { label: t("business.todaySuccess"), value: percent(today.successRate), sub: yesterday ? t("business.vsYesterday", { value: percent(yesterday.successRate) }) : "", testid: "kpi-success" },
    { label: t("business.todayMargin"), value: <Money amountMinor={today.marginMinor} currency={CURRENCY} />, sub: yesterday ? t("business.vsYesterday", { value: money(minorToChartNumber(yesterday.marginMinor)) }) : "", testid: "kpi-margin" },
  ];
  const groupChart = (title: string, rows: Group[], fallback: string) => (
    <ChartCard
      title={title}
      chart={{
        kind: "bar",
        data: rows.map((r) => ({ name: r.label ?? (r.key === "" ? fallback : r.key.slice(0, 8)), volume: minorToChartNumber(r.amount), margin: minorToChartNumber(r.margin) })),
        xKey: "name",
        xLabel: t("business.name"),
        series: [
          { key: "volume", label: t("business.volume") },
          { key: "margin", label: t("business.margin"), color: "var(--brand-accent)" },
        ],
        valueFormatter: money,
        height: 240,
      }}
    />
  );
  return (
    <section className="space-y-4" aria-label={t("business.title")}>
      {header}
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {tiles.map((s) => (
          <Card key={s.testid}>
            <CardContent className="p-4">
              <p className="text-sm text-muted-foreground">{s.label}</p>
              <p className="mt-1 text-2xl font-semibold tabular" data-testid={s.testid}>
                {s.value}
              </p>
              <p className="text-xs text-muted-foreground">{s.sub}</p>
            </CardContent>
          </Card>
        ))}
      </div>
      {hasData ? (
        <>
          <div className="grid gap-4 lg:grid-cols-2">
            <ChartCard
              title={t("business.trendTitle")}
              description={t("business.trendHelp")}
              chart={{ kind: "line", data: trend, xKey: "date", xLabel: t("business.date"), series: [{ key: "volume", label: t("business.volume") }, { key: "margin", label: t("business.margin"), color: "var(--brand-accent)" }], valueFormatter: money }}
            />
            <ChartCard
              title={t("business.countTitle")}
              description={t("business.countHelp")}
              chart={{ kind: "bar", data: trend, xKey: "date", xLabel: t("business.date"), series: [{ key: "attempts", label: t("business.attempts") }, { key: "successes", label: t("business.successes"), color: "var(--color-success)" }], integerValues: true, valueFormatter: numberFormatter(locale) }}
            />
          </div>
          <div className="grid gap-4 lg:grid-cols-2">
            {groupChart(t("business.byChannel"), d.byChannel, "—")}
            {groupChart(t("business.byProduct"), d.byProduct, "—")}
            {groupChart(t("business.byStore"), d.byStore, t("business.noStore"))}
            {groupChart(t("business.topMerchants"), d.topMerchants, "—")}
          </div>
        </>
      ) : (
        <EmptyState title={t("business.empty")} description={t("business.emptyBody")} />
      )}
      <div className="grid gap-4 lg:grid-cols-3">
        <Card>
          <CardHeader>
            <CardTitle>{t("business.devicesTitle")}</CardTitle>
          </CardHeader>
          <CardContent className="text-sm" data-testid="devices-online">
            {t("business.devicesOnline", { online: formatNumber(d.devices.online, locale), active: formatNumber(d.devices.active, locale) })}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>{t("business.suspenseTitle")}</CardTitle>
          </CardHeader>
          <CardContent className="space-y-1 text-sm">
            <p>
              {t("business.suspenseOverage")}: <Money amountMinor={d.suspense.overage.balanceMinor} currency={CURRENCY} inline />
            </p>
            <p>
              {t("business.suspenseShortage")}: <Money amountMinor={d.suspense.shortage.balanceMinor} currency={CURRENCY} inline />
            </p>
            <p className="text-muted-foreground">{t("business.openItems", { count: d.suspense.openCount })}</p>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>{t("business.webhooksTitle")}</CardTitle>
          </CardHeader>
          <CardContent className="space-y-1 text-sm">
            <p className={d.webhooks.failedLast7Days ? "text-danger" : ""}>{t("business.webhooksFailed", { count: d.webhooks.failedLast7Days })}</p>
            <p className="text-muted-foreground">{t("business.webhooksRetrying", { count: d.webhooks.retrying })}</p>
          </CardContent>
        </Card>
      </div>
      {d.suspense.openCount ? (
        <ChartCard
          title={t("business.ageing")}
          chart={{
            kind: "bar",
            stacked: true,
            data: d.suspense.ageing.map((a) => ({ bucket: a.bucket, overage: minorToChartNumber(a.overageMinor), shortage: minorToChartNumber(a.shortageMinor) })),
            xKey: "bucket",
            xLabel: t("business.bucket"),
            series: [
              { key: "overage", label: t("business.suspenseOverage") },
              { key: "shortage", label: t("business.suspenseShortage"), color: "var(--color-danger)" },
            ],
            valueFormatter: money,
            height: 220,
          }}
        />
      ) : null}
    </section>
  );
}
