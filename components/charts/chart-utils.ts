import type { Locale } from "@/i18n/define";
import { formatMoney, formatNumber } from "@/i18n/format";

/**
 * The one place where money leaves bigint: recharts only plots numbers. It stays in minor units,
 * so a tick or tooltip can go back to bigint (chartNumberToMinor) and be formatted exactly. A
 * number is exact up to 2^53 fen (about 90 trillion yuan), far beyond any chart value, and a
 * chart needs pixel precision anyway. Never feed these numbers back into sums, CSV or the ledger.
 */
export function minorToChartNumber(amountMinor: bigint): number {
  return Number(amountMinor);
}

/** Inverse of minorToChartNumber for display; rounds because axis ticks can fall between fen. */
export function chartNumberToMinor(value: number): bigint {
  return Number.isFinite(value) ? BigInt(Math.round(value)) : 0n;
}

/** Tick/tooltip formatter for series built with minorToChartNumber. */
export function moneyFormatter(currency: string, locale: Locale): (value: number) => string {
  return (value) => formatMoney(chartNumberToMinor(value), currency, locale);
}

export function numberFormatter(locale: Locale): (value: number) => string {
  return (value) => formatNumber(value, locale);
}

/**
 * Series colours follow the tenant's brand: primary, accent, then tints and shades mixed from them,
 * so any brand gets a coherent palette without raw colours. (Tailwind emits --color-primary etc.
 * because it finds these names in source.)
 */
export const SERIES_COLORS = [
  "var(--color-primary)",
  "var(--color-accent)",
  "color-mix(in oklab, var(--color-primary) 50%, var(--color-card))",
  "color-mix(in oklab, var(--color-accent) 50%, var(--color-card))",
  "color-mix(in oklab, var(--color-primary) 60%, var(--color-foreground))",
  "color-mix(in oklab, var(--color-accent) 60%, var(--color-foreground))",
] as const;

export function seriesColor(index: number, override?: string): string {
  return override ?? SERIES_COLORS[index % SERIES_COLORS.length] ?? "var(--color-primary)";
}

/** Keys of Row whose values are numbers: bigint money must go through minorToChartNumber first. */
export type NumericKey<Row> = {
  [K in keyof Row]-?: Row[K] extends number | null | undefined ? K : never;
}[keyof Row] &
  string;

export interface ChartSeries<Row> {
  key: NumericKey<Row>;
  /** Legend, tooltip and table header (already translated). */
  label: string;
  /** A CSS colour expression built from tokens; defaults to the brand palette. */
  color?: string;
}

export interface CartesianChartProps<Row> {
  data: readonly Row[];
  /** Category axis (dates, channels…). */
  xKey: keyof Row & string;
  series: readonly ChartSeries<Row>[];
  xFormatter?: (value: Row[keyof Row & string]) => string;
  /** Value-axis ticks, tooltip and table cells, e.g. moneyFormatter("CNY", locale). */
  valueFormatter?: (value: number) => string;
  /** Integer-only ticks (counts, fen). */
  integerValues?: boolean;
  height?: number;
}

export const chartTooltipStyle = {
  background: "var(--color-card)",
  border: "1px solid var(--color-border)",
  borderRadius: "var(--radius-brand)",
  color: "var(--color-foreground)",
  fontSize: "0.8125rem",
} as const;

export const axisTick = { fill: "var(--color-muted-foreground)", fontSize: 12 } as const;
