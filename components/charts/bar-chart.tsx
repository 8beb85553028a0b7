"use client";

import { Bar, BarChart as RechartsBarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { axisTick, chartTooltipStyle, seriesColor, type CartesianChartProps } from "./chart-utils";

export interface BarChartProps<Row> extends CartesianChartProps<Row> {
  /** Stack the series instead of grouping them. */
  stacked?: boolean;
}

/** Thin recharts wrapper: brand colours, formatted ticks, responsive width. Pair it with ChartCard for its table. */
export function BarChart<Row>({ data, xKey, series, xFormatter, valueFormatter, integerValues = false, height = 280, stacked = false }: BarChartProps<Row>) {
  return (
    <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 600, height }}>
      <RechartsBarChart data={[...data]} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
        <CartesianGrid stroke="var(--color-border)" strokeDasharray="3 3" vertical={false} />
        <XAxis
          // recharts cannot resolve its typed-key conditional for a generic Row; xKey is a key of Row.
          dataKey={xKey as string}
          tick={axisTick}
          tickLine={false}
          axisLine={{ stroke: "var(--color-border)" }}
          tickFormatter={xFormatter ? (v: Row[keyof Row & string]) => xFormatter(v) : undefined}
        />
        <YAxis
          width="auto"
          tick={axisTick}
          tickLine={false}
          axisLine={false}
          allowDecimals={!integerValues}
          tickFormatter={valueFormatter ? (v: number) => valueFormatter(v) : undefined}
        />
        <Tooltip
          cursor={{ fill: "var(--color-muted)" }}
          contentStyle={chartTooltipStyle}
          labelFormatter={xFormatter ? (label) => xFormatter(label as Row[keyof Row & string]) : undefined}
          formatter={valueFormatter ? (value) => (typeof value === "number" ? valueFormatter(value) : String(value)) : undefined}
        />
        {series.length > 1 ? <Legend wrapperStyle={{ fontSize: 12 }} /> : null}
        {series.map((s, i) => (
          <Bar
            key={s.key}
            dataKey={s.key}
            name={s.label}
            fill={seriesColor(i, s.color)}
            stackId={stacked ? "stack" : undefined}
            radius={stacked ? 0 : [2, 2, 0, 0]}
            maxBarSize={48}
            isAnimationActive="auto"
          />
        ))}
      </RechartsBarChart>
    </ResponsiveContainer>
  );
}
