"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { ChartCard } from "@/components/charts/chart-card";
import { minorToChartNumber, moneyFormatter } from "@/components/charts/chart-utils";
import { useTRPC } from "@/components/providers/trpc";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { Money } from "@/components/ui/money";
import { ErrorState, LoadingState } from "@/components/ui/states";
import { useI18n } from "@/i18n/client";
import { formatNumber } from "@/i18n/format";
import { statusLabel } from "./labels";
import { PaymentStatusBadge } from "./parts";
import type { PaymentFilterInput } from "./types";

/** Count and volume per status for the list's current filter; null until the list has asked for its first page. */
export function PaymentsSummary({ filter }: { filter: PaymentFilterInput | null }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const titleId = useId();
  const summary = useQuery({ ...trpc.payments.summary.queryOptions(filter ?? {}), enabled: filter !== null, placeholderData: keepPreviousData });

  let body;
  if (filter === null || summary.isPending) body = <LoadingState rows={1} />;
  else if (summary.isError) body = <ErrorState compact error={summary.error} onRetry={() => void summary.refetch()} />;
  else if (summary.data.count === 0) body = <p className="px-5 py-4 text-sm text-muted-foreground">{t("payments.summaryEmpty")}</p>;
  else
    body = (
      <CardContent>
        <ul className={cn("grid gap-3 sm:grid-cols-2 lg:grid-cols-4", summary.isPlaceholderData && "opacity-60")} data-testid="payments-summary">
          {summary.data.byStatus.map((row) => (
            <li key={`${row.status}-${row.currency}`} className="rounded-brand border border-border p-3" data-testid={`summary-${row.status}`}>
              <div className="flex items-center justify-between gap-2">
                <PaymentStatusBadge status={row.status} />
                <span className="tabular text-sm text-muted-foreground">{t("payments.summaryCount", { count: formatNumber(row.count, locale) })}</span>
              </div>
              <Money amountMinor={row.amountMinor} currency={row.currency} className="mt-2 text-lg font-semibold" />
            </li>
          ))}
        </ul>
      </CardContent>
    );

  const rows = summary.data?.byStatus ?? [];
  // One currency in practice (CNY); a chart mixing currencies would add apples to pears, so it only shows for one.
  const currencies = new Set(rows.map((r) => r.currency));
  const currency = rows[0]?.currency;
  const chartRows = rows.map((r) => ({ status: statusLabel(t, r.status), volume: minorToChartNumber(r.amountMinor) }));

  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <Card>
        <CardHeader>
          <div className="min-w-0">
            <CardTitle id={titleId}>{t("payments.summaryTitle")}</CardTitle>
            <CardDescription>{t("payments.summaryHelp")}</CardDescription>
          </div>
          {summary.data && summary.data.count > 0 ? (
            <span className="tabular text-sm font-medium" data-testid="payments-summary-total">
              {t("payments.summaryTotal", { count: formatNumber(summary.data.count, locale) })}
            </span>
          ) : null}
        </CardHeader>
        {body}
      </Card>
      {chartRows.length > 0 && currencies.size === 1 && currency ? (
        <ChartCard
          title={t("payments.summaryChartTitle")}
          chart={{
            kind: "bar",
            data: chartRows,
            xKey: "status",
            xLabel: t("payments.summaryStatusAxis"),
            series: [{ key: "volume", label: t("payments.summaryVolume") }],
            valueFormatter: moneyFormatter(currency, locale),
            integerValues: true,
            height: 180,
          }}
        />
      ) : null}
    </div>
  );
}
