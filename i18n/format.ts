import type { Locale } from "./define";

const CURRENCY_DIGITS: Record<string, number> = { CNY: 2, HKD: 2, USD: 2, JPY: 0 };

/**
 * Formats integer minor units without ever going through a float: the integer part is grouped by
 * Intl (BigInt formatting is exact), the fraction is string arithmetic.
 */
export function formatMoney(amountMinor: bigint, currency: string, locale: Locale, options?: { showSymbol?: boolean }): string {
  const digits = CURRENCY_DIGITS[currency] ?? 2;
  const negative = amountMinor < 0n;
  const abs = negative ? -amountMinor : amountMinor;
  const scale = 10n ** BigInt(digits);
  const whole = abs / scale;
  const fraction = (abs % scale).toString().padStart(digits, "0");
  const grouped = new Intl.NumberFormat(locale, { useGrouping: true }).format(whole);
  const number = digits > 0 ? `${grouped}.${fraction}` : grouped;
  const symbol = options?.showSymbol === false ? "" : currencySymbol(currency, locale);
  return `${negative ? "-" : ""}${symbol}${number}`;
}

function currencySymbol(currency: string, locale: Locale): string {
  if (currency === "CNY") return "¥";
  const parts = new Intl.NumberFormat(locale, { style: "currency", currency }).formatToParts(0);
  return parts.find((p) => p.type === "currency")?.value ?? `${currency} `;
}

export function formatNumber(value: number | bigint, locale: Locale): string {
  return new Intl.NumberFormat(locale).format(value);
}

export function formatDateTime(value: Date | string, timeZone: string, locale: Locale): string {
  const date = typeof value === "string" ? new Date(value) : value;
  return new Intl.DateTimeFormat(locale, {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  }).format(date);
}

export function formatDate(value: Date | string, timeZone: string, locale: Locale): string {
  const date = typeof value === "string" ? new Date(value) : value;
  return new Intl.DateTimeFormat(locale, { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
}
