// Rates are stored as integer parts per million (0.38% = 3800 ppm). People type them as a percent
// ("0.38") or per mille ("3.8"); the conversion is string arithmetic, because 0.38 * 10000 in
// floating point is 3799.9999999999995 and a rate one ppm off is a wrong fee on every payment.

export type RateUnit = "percent" | "permille";
export const RATE_UNITS: readonly RateUnit[] = ["percent", "permille"];

export type RateParseError = "empty" | "format" | "decimals" | "tooLarge";
export type RateParse = { ok: true; ppm: number } | { ok: false; error: RateParseError };

/** ppm in one unit, and the decimals that keep a typed rate a whole number of ppm. */
const UNIT = { percent: { ppm: 10_000, decimals: 4, symbol: "%" }, permille: { ppm: 1_000, decimals: 3, symbol: "‰" } } as const;

export const MAX_PPM = 1_000_000;

export function rateSymbol(unit: RateUnit): string {
  return UNIT[unit].symbol;
}

function toAscii(text: string): string {
  // Chinese input methods often produce full-width digits and point.
  return text.replace(/[\uFF10-\uFF19\uFF0E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

/** "0.38" in percent → 3800; "3.8" in per mille → 3800. A trailing % or ‰ is ignored. */
export function parseRate(text: string, unit: RateUnit): RateParse {
  const s = toAscii(text).trim().replace(/\s*[%‰\uFF05]$/, "").trim();
  if (s === "") return { ok: false, error: "empty" };
  const m = /^(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m) return { ok: false, error: "format" };
  const whole = m[1] ?? "";
  const fraction = m[2] ?? "";
  if (whole === "" && fraction === "") return { ok: false, error: "format" };
  const { ppm: scale, decimals } = UNIT[unit];
  // Trailing zeros beyond the precision are harmless ("0.380000"); other digits are not.
  const significant = fraction.replace(/0+$/, "");
  if (significant.length > decimals) return { ok: false, error: "decimals" };
  const digits = whole.replace(/^0+(?=\d)/, "");
  if (digits.length > 7) return { ok: false, error: "tooLarge" };
  const ppm = Number(digits || "0") * scale + Number(significant.padEnd(decimals, "0") || "0");
  if (ppm > MAX_PPM) return { ok: false, error: "tooLarge" };
  return { ok: true, ppm };
}

/** 3800 → "0.38" (percent) or "3.8" (per mille): no symbol, no trailing zeros, for an input. */
export function formatRate(ppm: number, unit: RateUnit): string {
  const { ppm: scale, decimals } = UNIT[unit];
  const whole = Math.floor(ppm / scale);
  const fraction = String(ppm % scale).padStart(decimals, "0").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : String(whole);
}

/** For tables: "0.38%". */
export function rateLabel(ppm: number, unit: RateUnit = "percent"): string {
  return `${formatRate(ppm, unit)}${UNIT[unit].symbol}`;
}
