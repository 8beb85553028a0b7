"use client";

import { useI18n } from "@/i18n/client";
import { formatNumber } from "@/i18n/format";
import { cn } from "./cn";

export interface ProgressBarProps {
  /** Visible and accessible name, e.g. t("ui.exporting"). */
  label: string;
  done: number;
  /** Omit (or null) when the total is unknown: the bar is indeterminate and shows `valueText`. */
  total?: number | null;
  /** Text for the indeterminate case, e.g. "1,200 rows fetched"; defaults to the formatted `done`. */
  valueText?: string;
  className?: string;
}

export function ProgressBar({ label, done, total, valueText, className }: ProgressBarProps) {
  const { locale, t } = useI18n();
  const determinate = total != null && total > 0;
  const percent = determinate ? Math.min(100, Math.max(0, (done / total) * 100)) : 0;
  const text = determinate
    ? t("common.progress", { done: formatNumber(done, locale), total: formatNumber(total, locale) })
    : (valueText ?? formatNumber(done, locale));

  return (
    <div className={cn("flex flex-col gap-1", className)}>
      <div className="flex justify-between gap-3 text-sm">
        <span className="text-foreground">{label}</span>
        <span className="tabular text-muted-foreground">{text}</span>
      </div>
      <div
        role="progressbar"
        aria-label={label}
        // ARIA: an indeterminate progressbar omits aria-valuenow.
        aria-valuemin={determinate ? 0 : undefined}
        aria-valuemax={determinate ? total : undefined}
        aria-valuenow={determinate ? done : undefined}
        aria-valuetext={text}
        className="h-2 w-full overflow-hidden rounded-brand bg-muted"
      >
        {determinate ? (
          <div className="h-full bg-primary transition-[width]" style={{ width: `${percent}%` }} />
        ) : (
          <div className="h-full w-full animate-pulse bg-primary/60 motion-reduce:animate-none" />
        )}
      </div>
    </div>
  );
}
