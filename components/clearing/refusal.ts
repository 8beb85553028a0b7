import { catalogue, type MessageKey } from "@/i18n/catalogue";
import type { Translate } from "@/i18n/translate";

// Why /api/console/statements refused a file, in the reader's language. The route answers
// { error: { code, message, field?, params? } }: the code says what kind of problem it is (a
// headline we translate), the message is the parser's English detail ("line 7: 交易时间 "x" is
// not a time…"), and a parser's refusal carries its line number as params.lineNo too (the
// message repeats it as a "line N: " prefix, dropped here so it is said once, translated). The
// detail stays English: it quotes the file's own columns and values, which finance needs to find
// the line.

export interface Refusal {
  /** What went wrong, translated. */
  headline: string;
  /** The file's line the parser names, if any. */
  line: number | null;
  /** The server's specifics (English), when they add to the headline. */
  detail: string | null;
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; params?: unknown } | null;
}

// Codes the import can answer with, headlined in clearing.refusal_<CODE>. `true`: the server's
// message says what exactly (which line, which figures, which date) and is shown under it.
const HEADLINED = {
  STATEMENT_ENCODING: true,
  STATEMENT_MALFORMED_LINE: true,
  STATEMENT_TOTALS_MISMATCH: true,
  STATEMENT_NOT_A_STATEMENT: true,
  STATEMENT_UNSUPPORTED: true,
  STATEMENT_DATE_MISMATCH: true,
  STATEMENT_TOO_LARGE: true,
  STATEMENT_NOT_CURRENT: true,
  STATEMENT_EMPTY_FILE: false,
  STATEMENT_FORMAT_REQUIRED: false,
  STATEMENT_TEMPLATE_REQUIRED: false,
  INVALID_REQUEST: true,
  NOT_FOUND: true,
  INTERNAL: false,
} as const satisfies Record<string, boolean>;
type Headlined = keyof typeof HEADLINED;
export const HEADLINED_CODES = Object.keys(HEADLINED) as Headlined[];

const LINE_PREFIX = /^line (\d+):\s*/i;

function isHeadlined(code: string): code is Headlined {
  return Object.hasOwn(HEADLINED, code);
}

function lineOf(params: unknown, message: string): number | null {
  const p = (params && typeof params === "object" ? params : {}) as Record<string, unknown>;
  for (const v of [p.lineNo, p.line]) {
    if (typeof v === "number" && Number.isSafeInteger(v) && v > 0) return v;
    if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
  }
  const m = LINE_PREFIX.exec(message);
  return m?.[1] ? Number(m[1]) : null;
}

/** Reads a refusal (an HTTP status ≥ 300 and its JSON body, or null when the body was not JSON). */
export function readRefusal(t: Translate, status: number, body: unknown): Refusal {
  const error = (body as ErrorBody | null)?.error ?? null;
  const code = typeof error?.code === "string" ? error.code : "";
  const message = typeof error?.message === "string" ? error.message.trim() : "";
  const params = error?.params && typeof error.params === "object" ? (error.params as Record<string, string | number>) : {};
  if (isHeadlined(code)) {
    const line = lineOf(params, message);
    const detail = HEADLINED[code] ? message.replace(LINE_PREFIX, "").trim() || null : null;
    return { headline: t(`clearing.refusal_${code}`), line, detail };
  }
  // Any other code the catalogue knows (CSRF, FORBIDDEN, STATEMENT_NOT_CREDIT_FILE…): its own text, {detail} being the server's.
  if (code && Object.hasOwn(catalogue.errors.en, code)) {
    return { headline: t(`errors.${code}` as MessageKey, { ...params, detail: message }), line: null, detail: null };
  }
  if (message) return { headline: message, line: null, detail: null };
  return { headline: t("clearing.refusal_status", { status: String(status) }), line: null, detail: null };
}

/** The line and detail as one sentence ("Line 7: 交易时间 … is not a time"), or null when there is neither. */
export function refusalDetail(t: Translate, r: Refusal): string | null {
  if (r.line !== null && r.detail) return t("clearing.refusalLineDetail", { line: String(r.line), detail: r.detail });
  if (r.line !== null) return t("clearing.refusalLine", { line: String(r.line) });
  return r.detail;
}
