// What a person types into a debit or credit cell ("100", "1,234.56", "¥12.3", full-width "１００．５")
// turned into fen as a bigint by string arithmetic alone: a float on the way (0.1 + 0.2) would put
// a wrong amount into a journal entry that a second person then approves without noticing.

export type YuanParseError = "empty" | "format" | "negative" | "decimals" | "tooLarge";
export type YuanParse = { ok: true; fen: bigint } | { ok: false; error: YuanParseError };

// 10^15 yuan is far beyond any adjustment and keeps fen well inside PostgreSQL's bigint.
const MAX_INTEGER_DIGITS = 15;

function toAscii(text: string): string {
  // Chinese input methods often produce full-width digits, point and comma.
  return text.replace(/[\uFF10-\uFF19\uFF0E\uFF0C]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
}

/** Parses yuan with at most two decimals into fen (≥ 0). Thousands commas only where they group by three. */
export function parseYuan(text: string): YuanParse {
  let s = toAscii(text).trim().replace(/^[¥\uFFE5]\s*/, "").trim();
  if (s === "") return { ok: false, error: "empty" };
  if (s.startsWith("-")) return { ok: false, error: "negative" };
  if (s.startsWith("+")) s = s.slice(1);
  // "1,234.56" is a grouped number; "1,5" is a European decimal comma and must not become 15.
  if (s.includes(",")) {
    if (!/^\d{1,3}(,\d{3})+(\.\d*)?$/.test(s)) return { ok: false, error: "format" };
    s = s.replace(/,/g, "");
  }
  const m = /^(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m) return { ok: false, error: "format" };
  const whole = m[1] ?? "";
  const fraction = m[2] ?? "";
  if (whole === "" && fraction === "") return { ok: false, error: "format" };
  if (fraction.length > 2) return { ok: false, error: "decimals" };
  const digits = whole.replace(/^0+(?=\d)/, "");
  if (digits.length > MAX_INTEGER_DIGITS) return { ok: false, error: "tooLarge" };
  return { ok: true, fen: BigInt(digits || "0") * 100n + BigInt(fraction.padEnd(2, "0")) };
}

/** Fen back to the plain text an input shows ("1234.50"): no symbol, no grouping. */
export function fenToYuanText(fen: bigint): string {
  const negative = fen < 0n;
  const abs = negative ? -fen : fen;
  return `${negative ? "-" : ""}${(abs / 100n).toString()}.${(abs % 100n).toString().padStart(2, "0")}`;
}
