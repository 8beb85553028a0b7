"use client";

import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { ChartCard } from "@/components/charts/chart-card";
import { minorToChartNumber, moneyFormatter } from "@/components/charts/chart-utils";
import { buildCsv } from "@/components/data-table/csv";
import { downloadCsv } from "@/components/data-table/use-csv-export";
import { useTRPC } from "@/components/providers/trpc";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { Select } from "@/components/ui/select";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/states";
import { useI18n } from "@/i18n/client";

const CURRENCY = "CNY";
const DIMENSIONS = ["merchant", "channel", "product", "store", "device"] as const;
type Dimension = (typeof DIMENSIONS)[number];

export function IncomeView({ thisMonth }: { thisMonth: string }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const [month, setMonth] = useState(thisMonth);
  const [by, setBy] = useState<Dimension>("merchant");
  const valid = /^\d{4}-(0[1-9]|1[0-2])$/.test(month);
  const q = useQuery({ ...trpc.settlement.income.queryOptions({ month, by }), enabled: valid });
  const money = moneyFormatter(CURRENCY, locale);
  const body = () => {
    if (!valid) return null;
    if (q.isPending) return <LoadingState rows={5} />;
    if (q.isError) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
    const d = q.data;
    if (!d.lines.length) return <EmptyState title={t("settlement.incomeEmpty")} />;
    const label = (l: (typeof d.lines)[number]) => l.name ?? t("settlement.none");
    return (
      <div className="space-y-4">
        <ChartCard
          title={t(`settlement.by_${by}`)}
          chart={{
            kind: "bar",
            data: d.lines.slice(0, 20).map((l) => ({ name: label(l), margin: minorToChartNumber(l.marginMinor), fees: minorToChartNumber(l.feeMinor) })),
            xKey: "name",
            xLabel: t(`settlement.by_${by}`),
            series: [
              { key: "fees", label: t("settlement.fees") },
              { key: "margin", label: t("settlement.margin"), color: "var(--brand-accent)" },
            ],
            valueFormatter: money,
            height: 260,
          }}
        />
        <Card>
          <CardContent className="overflow-x-auto p-4">
            <table className="w-full text-sm" data-testid="income-table">
              <caption className="sr-only">{t("settlement.incomeTitle")}</caption>
              <thead>
                <tr className="text-left text-muted-foreground">
                  <th className="py-1 font-medium">{t(`settlement.by_${by}`)}</th>
                  <th className="py-1 text-right font-medium">{t("settlement.payments")}</th>
                  <th className="py-1 text-right font-medium">{t("settlement.volume")}</th>
                  <th className="py-1 text-right font-medium">{t("settlement.refunds")}</th>
                  <th className="py-1 text-right font-medium">{t("settlement.fees")}</th>
                  <th className="py-1 text-right font-medium">{t("settlement.cost")}</th>
                  <th className="py-1 text-right font-medium">{t("settlement.margin")}</th>
                </tr>
              </thead>
              <tbody>
                {[...d.lines.map((l) => ({ ...l, label: label(l), isTotal: false })), { ...d.total, key: "__total", label: t("settlement.total"), isTotal: true }].map((l) => (
                  <tr key={l.key} className={`border-t border-border ${l.isTotal ? "font-semibold" : ""}`}>
                    <td className="py-1">{l.label}</td>
                    <td className="py-1 text-right tabular">{l.count}</td>
                    <td className="py-1 text-right"><Money amountMinor={l.volumeMinor} currency={CURRENCY} /></td>
                    <td className="py-1 text-right"><Money amountMinor={l.refundMinor} currency={CURRENCY} /></td>
                    <td className="py-1 text-right"><Money amountMinor={l.feeMinor} currency={CURRENCY} /></td>
                    <td className="py-1 text-right"><Money amountMinor={l.costMinor} currency={CURRENCY} /></td>
                    <td className="py-1 text-right"><Money amountMinor={l.marginMinor} currency={CURRENCY} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="mt-3 text-sm">
              {t("settlement.platformFee")}: {d.platformFeeMinor === null ? t("settlement.notInvoiced") : <Money amountMinor={d.platformFeeMinor} currency={CURRENCY} inline />} · {t("settlement.netIncome")}:{" "}
              <Money amountMinor={d.netIncomeMinor} currency={CURRENCY} inline />
            </p>
            <Button
              variant="secondary"
              size="sm"
              className="mt-3"
              onClick={() =>
                downloadCsv(
                  `income-${d.month}-${by}.csv`,
                  buildCsv(
                    ["key", "name", "payments", "volume_minor", "refund_minor", "fee_minor", "cost_minor", "margin_minor"],
                    d.lines.map((l) => [l.key, l.name, l.count, l.volumeMinor, l.refundMinor, l.feeMinor, l.costMinor, l.marginMinor]),
                  ),
                )
              }
            >
              {t("settlement.exportCsv")}
            </Button>
          </CardContent>
        </Card>
      </div>
    );
  };
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end gap-3">
        <Field label={t("settlement.month")}>
          <Input type="month" value={month} onChange={(e) => setMonth(e.target.value)} />
        </Field>
        <Field label={t("settlement.groupBy")}>
          <Select value={by} onChange={(e) => setBy(e.target.value as Dimension)} options={DIMENSIONS.map((d) => ({ value: d, label: t(`settlement.by_${d}`) }))} />
        </Field>
      </div>
      {body()}
    </div>
  );
}
