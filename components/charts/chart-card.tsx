"use client";

import dynamic from "next/dynamic";
import { useId, useState, type ReactNode } from "react";
import { useT } from "@/i18n/client";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import type { CartesianChartProps } from "./chart-utils";

// Recharts is the heaviest thing a console page would ship; loading the chart components on
// demand keeps it out of every route's first-load JavaScript (budget: 300 KiB gzipped, checked by
// scripts/check-bundle-size.mjs). The figure keeps its height while the chart arrives.
const chartPlaceholder = (height?: number) => <div className="animate-pulse rounded-brand bg-muted" style={{ height: height ?? 280 }} />;
const BarChart = dynamic(() => import("./bar-chart").then((m) => m.BarChart), { ssr: false, loading: () => chartPlaceholder() }) as typeof import("./bar-chart").BarChart;
const LineChart = dynamic(() => import("./line-chart").then((m) => m.LineChart), { ssr: false, loading: () => chartPlaceholder() }) as typeof import("./line-chart").LineChart;

export type ChartSpec<Row> = CartesianChartProps<Row> & {
  kind: "line" | "bar";
  /** Header of the category column in the table view. */
  xLabel: string;
  stacked?: boolean;
};

export interface ChartCardProps<Row> {
  title: ReactNode;
  description?: ReactNode;
  /** Extra controls in the header (e.g. a period select). */
  actions?: ReactNode;
  /** The chart and its table are drawn from this one spec, so they cannot disagree. */
  chart: ChartSpec<Row>;
  className?: string;
}

/** Every chart has its table: a toggle shows the same data as an accessible <table>. */
export function ChartCard<Row>({ title, description, actions, chart, className }: ChartCardProps<Row>) {
  const t = useT();
  const [asTable, setAsTable] = useState(false);
  const titleId = useId();
  const regionId = useId();

  return (
    <Card className={className}>
      <CardHeader>
        <div className="min-w-0">
          <CardTitle id={titleId}>{title}</CardTitle>
          {description ? <CardDescription>{description}</CardDescription> : null}
        </div>
        <div className="flex items-center gap-2">
          {actions}
          <Button variant="ghost" size="sm" aria-pressed={asTable} aria-controls={regionId} onClick={() => setAsTable((v) => !v)}>
            {asTable ? t("ui.showAsChart") : t("ui.showAsTable")}
          </Button>
        </div>
      </CardHeader>
      <CardContent id={regionId}>
        {asTable ? (
          <ChartDataTable spec={chart} labelledBy={titleId} />
        ) : (
          <figure aria-labelledby={titleId}>
            {chart.kind === "line" ? <LineChart {...chart} /> : <BarChart {...chart} />}
          </figure>
        )}
      </CardContent>
    </Card>
  );
}

export function ChartDataTable<Row>({ spec, labelledBy }: { spec: ChartSpec<Row>; labelledBy?: string }) {
  const { data, xKey, xLabel, series, xFormatter, valueFormatter } = spec;
  return (
    <div className="overflow-x-auto">
      <table aria-labelledby={labelledBy} className="w-full border-collapse text-sm">
        <thead className="bg-muted">
          <tr>
            <th scope="col" className="px-3 py-2 text-left font-medium text-muted-foreground">
              {xLabel}
            </th>
            {series.map((s) => (
              <th key={s.key} scope="col" className="px-3 py-2 text-right font-medium text-muted-foreground">
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.map((row, i) => {
            const x = row[xKey];
            return (
              <tr key={i} className="border-t border-border">
                <th scope="row" className="whitespace-nowrap px-3 py-2 text-left font-normal">
                  {xFormatter ? xFormatter(x) : String(x)}
                </th>
                {series.map((s) => {
                  const value = row[s.key];
                  return (
                    <td key={s.key} className="tabular whitespace-nowrap px-3 py-2 text-right">
                      {typeof value === "number" ? (valueFormatter ? valueFormatter(value) : String(value)) : "—"}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
