"use client";

import { useI18n } from "@/i18n/client";
import { formatDate, formatDateTime } from "@/i18n/format";
import { cn } from "./cn";

export interface DateTimeProps {
  /** A Date or an ISO 8601 string; null shows a dash. */
  value: Date | string | null | undefined;
  /** Only the date (still in the tenant time zone). */
  dateOnly?: boolean;
  className?: string;
}

/** A point in time in the tenant's time zone (not the browser's), as finance reads it. */
export function DateTime({ value, dateOnly = false, className }: DateTimeProps) {
  const { locale, timeZone } = useI18n();
  if (value == null) return <span className={cn("text-muted-foreground", className)}>—</span>;
  const date = typeof value === "string" ? new Date(value) : value;
  // Intl throws RangeError on an invalid date; show the raw input instead of breaking the page.
  if (Number.isNaN(date.getTime())) return <span className={className}>{String(value)}</span>;
  const text = dateOnly ? formatDate(date, timeZone, locale) : formatDateTime(date, timeZone, locale);
  return (
    // Server and browser ICU data can differ in small ways (separators); the text is cosmetic.
    <time dateTime={date.toISOString()} title={timeZone} className={cn("tabular whitespace-nowrap", className)} suppressHydrationWarning>
      {text}
    </time>
  );
}
