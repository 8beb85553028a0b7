"use client";

import { useI18n } from "@/i18n/client";
import { formatMoney } from "@/i18n/format";
import { cn } from "./cn";

export interface MoneyProps {
  /** Integer minor units (fen). bigint only: a number here has already lost precision somewhere. */
  amountMinor: bigint;
  /** ISO 4217 code, e.g. "CNY". */
  currency: string;
  showSymbol?: boolean;
  /** Inline in running text instead of a right-aligned block (table cells, totals). */
  inline?: boolean;
  className?: string;
}

/** The only way money is rendered: exact (no float on the way), tabular figures, negatives in danger. */
export function Money({ amountMinor, currency, showSymbol, inline = false, className }: MoneyProps) {
  const { locale } = useI18n();
  // The type already forbids numbers; this catches values that slipped past it (a JSON number
  // cast with `as`, superjson not applied) before they are shown as if they were exact.
  if (typeof amountMinor !== "bigint") {
    throw new TypeError(`<Money> needs a bigint amountMinor, got ${typeof amountMinor}`);
  }
  return (
    <span
      className={cn(
        "tabular whitespace-nowrap",
        inline ? "inline" : "block text-right",
        amountMinor < 0n && "text-danger",
        className,
      )}
    >
      {formatMoney(amountMinor, currency, locale, { showSymbol })}
    </span>
  );
}
