import type { TColumnRef, TStatementTemplate } from "@/server/core/clearing/parsers/template";

// The statement template editor's form state and its conversion to and from a definition
// (server/core/clearing/parsers/template.ts). Every input is kept as the text typed, so a half-typed
// value is never lost; the server's schema checks the definition and names what is missing, which
// the editor shows as it is. Only the definition's types may be imported here (a client module).

/** The same list as TEMPLATE_DATE_FORMATS (a value of a server module, so not importable here). */
export const DATE_FORMATS = ["YYYY-MM-DD HH:mm:ss", "YYYYMMDDHHmmss", "YYYY/MM/DD HH:mm:ss"] as const satisfies readonly TStatementTemplate["dateFormat"][];

/** The detail columns a template can read, in the order the editor shows them (amount first: the one required). */
export const COLUMN_KEYS = ["amount", "fee", "outTradeNo", "outRefundNo", "channelTradeNo", "channelRefundNo", "subMerchant", "occurredAt", "status"] as const;
export type ColumnKey = (typeof COLUMN_KEYS)[number];

/** Delimiters offered by name; anything else is typed. */
export const DELIMITERS = [",", "\t", "|", ";"] as const;

/** A sample is a file's first part; the server refuses more (MAX_SAMPLE_BYTES in server/core/clearing/templates.ts). */
export const MAX_SAMPLE_BYTES = 2 * 1024 * 1024;

export interface WidthRow {
  field: string;
  start: string;
  length: string;
}

export interface TemplateForm {
  name: string;
  encoding: TStatementTemplate["encoding"];
  layout: TStatementTemplate["layout"]["kind"];
  delimiter: string;
  /** "" for none. */
  quote: string;
  widths: WidthRow[];
  headerLines: string;
  footerLines: string;
  columns: Record<ColumnKey, string>;
  kindBy: "SIGN" | "COLUMN";
  kindColumn: string;
  /** Comma-separated values of the kind column. */
  kindPayment: string;
  kindRefund: string;
  kindRevoked: string;
  amountUnit: TStatementTemplate["amountUnit"];
  dateFormat: TStatementTemplate["dateFormat"];
  signConvention: TStatementTemplate["signConvention"];
  /** "" for no summary line. */
  summaryLine: "" | NonNullable<TStatementTemplate["summary"]>["line"];
  summaryCount: string;
  summaryAmount: string;
  /** "" for the template's own unit. */
  summaryUnit: "" | TStatementTemplate["amountUnit"];
}

const noColumns = (): Record<ColumnKey, string> => ({ amount: "", fee: "", outTradeNo: "", outRefundNo: "", channelTradeNo: "", channelRefundNo: "", subMerchant: "", occurredAt: "", status: "" });

export const emptyWidth = (): WidthRow => ({ field: "", start: "", length: "" });

export function emptyForm(): TemplateForm {
  return {
    name: "",
    encoding: "utf-8",
    layout: "delimited",
    delimiter: ",",
    quote: '"',
    widths: [emptyWidth()],
    headerLines: "1",
    footerLines: "0",
    columns: noColumns(),
    kindBy: "SIGN",
    kindColumn: "",
    kindPayment: "",
    kindRefund: "",
    kindRevoked: "",
    amountUnit: "YUAN",
    dateFormat: DATE_FORMATS[0],
    signConvention: "REFUNDS_NEGATIVE",
    summaryLine: "",
    summaryCount: "",
    summaryAmount: "",
    summaryUnit: "",
  };
}

/** A whole number as a number; anything else as typed, for the server's schema to name. */
function count(text: string, empty: number | undefined): number | string | undefined {
  const s = text.trim();
  if (s === "") return empty;
  return /^\d+$/.test(s) ? Number(s) : s;
}

/**
 * A column reference as typed: digits are a 0-based position, other text a header name. In a
 * fixed-width layout every reference names a field, whatever it looks like.
 */
function ref(text: string, fixed: boolean): TColumnRef | undefined {
  const s = text.trim();
  if (s === "") return undefined;
  return !fixed && /^\d+$/.test(s) ? Number(s) : s;
}

/** "SALE, 消费，PAY" → ["SALE", "消费", "PAY"]: an ASCII or a full-width comma separates. */
export function splitValues(text: string): string[] {
  return text
    .split(/[,，]/)
    .map((v) => v.trim())
    .filter(Boolean);
}

/** The object without its undefined properties, so that the definition compares and stores as typed. */
function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The definition the form describes, for the server to check: not typed as a TStatementTemplate
 * because it may not be one yet (a missing amount column, a start that is not a number).
 */
export function toDefinition(f: TemplateForm): Record<string, unknown> {
  const fixed = f.layout === "fixed";
  const columns: Record<string, unknown> = {};
  for (const key of COLUMN_KEYS) {
    const r = ref(f.columns[key], fixed);
    if (r !== undefined) columns[key] = r;
  }
  const refund = splitValues(f.kindRefund);
  const revoked = splitValues(f.kindRevoked);
  columns.kind =
    f.kindBy === "SIGN"
      ? { by: "SIGN" }
      : compact({
          by: "COLUMN",
          column: ref(f.kindColumn, fixed),
          payment: splitValues(f.kindPayment),
          refund: refund.length ? refund : undefined,
          revoked: revoked.length ? revoked : undefined,
        });
  const layout = fixed
    ? {
        kind: "fixed",
        widths: f.widths
          .filter((w) => w.field.trim() || w.start.trim() || w.length.trim())
          .map((w) => compact({ field: w.field.trim(), start: count(w.start, undefined), length: count(w.length, undefined) })),
      }
    : compact({ kind: "delimited", delimiter: f.delimiter, quote: f.quote || undefined });
  return compact({
    name: f.name.trim(),
    encoding: f.encoding,
    layout,
    headerLines: count(f.headerLines, 0),
    footerLines: count(f.footerLines, 0),
    columns,
    amountUnit: f.amountUnit,
    dateFormat: f.dateFormat,
    signConvention: f.signConvention,
    summary: f.summaryLine
      ? compact({
          line: f.summaryLine,
          countColumn: ref(f.summaryCount, fixed),
          amountColumn: ref(f.summaryAmount, fixed),
          amountUnit: f.summaryUnit || undefined,
        })
      : undefined,
  });
}

const text = (r: TColumnRef | undefined) => (r === undefined ? "" : String(r));

/** A saved definition in the form, to edit it into the next version. */
export function fromDefinition(d: TStatementTemplate): TemplateForm {
  const columns = noColumns();
  for (const key of COLUMN_KEYS) columns[key] = text(d.columns[key]);
  const kind = d.columns.kind;
  return {
    name: d.name,
    encoding: d.encoding,
    layout: d.layout.kind,
    delimiter: d.layout.kind === "delimited" ? d.layout.delimiter : ",",
    quote: d.layout.kind === "delimited" ? (d.layout.quote ?? "") : '"',
    widths: d.layout.kind === "fixed" ? d.layout.widths.map((w) => ({ field: w.field, start: String(w.start), length: String(w.length) })) : [emptyWidth()],
    headerLines: String(d.headerLines),
    footerLines: String(d.footerLines),
    columns,
    kindBy: kind.by,
    kindColumn: kind.by === "COLUMN" ? text(kind.column) : "",
    kindPayment: kind.by === "COLUMN" ? kind.payment.join(", ") : "",
    kindRefund: kind.by === "COLUMN" ? (kind.refund ?? []).join(", ") : "",
    kindRevoked: kind.by === "COLUMN" ? (kind.revoked ?? []).join(", ") : "",
    amountUnit: d.amountUnit,
    dateFormat: d.dateFormat,
    signConvention: d.signConvention,
    summaryLine: d.summary?.line ?? "",
    summaryCount: text(d.summary?.countColumn),
    summaryAmount: text(d.summary?.amountColumn),
    summaryUnit: d.summary?.amountUnit ?? "",
  };
}

/** A file's bytes as base64 (FileReader's data URL, without its prefix): a sample travels in a tRPC mutation. */
export function readBase64(file: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(",") + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error("read"));
    reader.readAsDataURL(file);
  });
}
