import { z } from "zod";
import { collectStatement, statementStream, StatementFormatError, type LineKind, type ParsedStatement, type StatementLine, type StatementStream, type StatementSummary } from "./types";

// Finance-defined statement templates: for a channel or bank whose file we have no parser for,
// finance describes the file (encoding, delimited or fixed width, which column holds what, the
// unit and the sign of amounts, where its totals are) and this reads it into the same
// StatementLines as the built-in parsers. `previewTemplate` runs a template over a sample file and
// puts the computed totals next to the file's own, with hints, so that a wrong unit or sign shows
// up before the template is saved rather than as a month of wrong reconciliation.
//
// How a template reads a file:
//   - Lines end with LF (CRLF tolerated). The file is split into lines on bytes before anything is
//     decoded: GBK's and UTF-8's multi-byte characters never contain 0x0A, and fixed-width offsets
//     count bytes, so a line must stay bytes until it is sliced. A UTF-8 BOM is skipped.
//   - The first `headerLines` lines are headers; the last `footerLines` non-blank lines are
//     footers; everything between is detail, one statement line per non-blank line.
//   - Delimited: columns are referred to by 0-based position, or by name as printed in the last
//     header line. Fields are trimmed. With `quote`, a field may be quoted (a doubled quote is a
//     literal one) but may not span lines.
//   - Fixed: `widths` name byte ranges (0-based start, length) in the file's encoding; they may
//     overlap, so a footer's fields can be described next to the details'. Columns are referred to
//     by those names. A field that cuts a character in half is an encoding error, not a guess.
//   - Times are Beijing time (+08:00) in one of three formats.
//   - Signs: REFUNDS_NEGATIVE means amounts (and fees) are printed as money moves: refunds negative;
//     REFUNDS_POSITIVE_BY_KIND means everything is printed positive and the kind column tells a
//     refund, which we then negate. Kind comes from a column's value or, with REFUNDS_NEGATIVE only,
//     from the amount's sign.
//   - The summary (a footer line) states the number of detail lines and/or the NET total, payments
//     less refunds, in `summary.amountUnit` (default: the template's unit). A footer that adds
//     refunds instead (a gross total) cannot be checked; the preview says so when it sees one.
//
// The file's bytes are in memory, but its lines are read one at a time (streamWithTemplate): only
// the footer needs a look-ahead of `footerLines` lines, so no array of every line is ever built.

export const TEMPLATE_DATE_FORMATS = ["YYYY-MM-DD HH:mm:ss", "YYYYMMDDHHmmss", "YYYY/MM/DD HH:mm:ss"] as const;

/** A column: its 0-based position (delimited files) or its name (header name, or a fixed-width field). */
export const ZColumnRef = z.union([z.number().int().min(0).max(999), z.string().trim().min(1).max(100)]);
export type TColumnRef = z.infer<typeof ZColumnRef>;

const ZKindValues = z.array(z.string().trim().min(1).max(100)).max(50);

export const ZStatementTemplate = z
  .object({
    name: z.string().trim().min(1).max(100),
    encoding: z.enum(["utf-8", "gbk"]),
    layout: z.discriminatedUnion("kind", [
      z.object({
        kind: z.literal("delimited"),
        delimiter: z.string().min(1).max(4),
        quote: z.string().length(1).optional(),
      }),
      z.object({
        kind: z.literal("fixed"),
        widths: z
          .array(
            z.object({
              field: z.string().trim().min(1).max(100),
              start: z.number().int().min(0).max(10_000),
              length: z.number().int().min(1).max(1_000),
            }),
          )
          .min(1)
          .max(200),
      }),
    ]),
    headerLines: z.number().int().min(0).max(50),
    footerLines: z.number().int().min(0).max(50),
    columns: z.object({
      outTradeNo: ZColumnRef.optional(),
      outRefundNo: ZColumnRef.optional(),
      channelTradeNo: ZColumnRef.optional(),
      channelRefundNo: ZColumnRef.optional(),
      subMerchant: ZColumnRef.optional(),
      occurredAt: ZColumnRef.optional(),
      amount: ZColumnRef,
      fee: ZColumnRef.optional(),
      status: ZColumnRef.optional(),
      kind: z.discriminatedUnion("by", [
        z.object({ by: z.literal("SIGN") }),
        z.object({
          by: z.literal("COLUMN"),
          column: ZColumnRef,
          payment: ZKindValues.min(1),
          refund: ZKindValues.optional(),
          revoked: ZKindValues.optional(),
        }),
      ]),
    }),
    amountUnit: z.enum(["FEN", "YUAN"]),
    dateFormat: z.enum(TEMPLATE_DATE_FORMATS),
    signConvention: z.enum(["REFUNDS_NEGATIVE", "REFUNDS_POSITIVE_BY_KIND"]),
    summary: z
      .object({
        line: z.enum(["FIRST_FOOTER", "LAST_FOOTER"]),
        countColumn: ZColumnRef.optional(),
        amountColumn: ZColumnRef.optional(),
        /** Some files print details in fen and the total in yuan; default: the template's unit. */
        amountUnit: z.enum(["FEN", "YUAN"]).optional(),
      })
      .optional(),
  })
  .superRefine((t, ctx) => {
    const refs = columnRefs(t);
    if (t.layout.kind === "fixed") {
      const names = t.layout.widths.map((w) => w.field);
      if (new Set(names).size !== names.length) ctx.addIssue({ code: "custom", path: ["layout", "widths"], message: "every fixed-width field needs its own name" });
      for (const [path, ref] of refs) {
        if (typeof ref === "number" || !names.includes(ref)) ctx.addIssue({ code: "custom", path: path.split("."), message: `${path} must name one of the fixed-width fields` });
      }
    } else if (t.headerLines === 0) {
      for (const [path, ref] of refs) {
        if (typeof ref === "string") ctx.addIssue({ code: "custom", path: path.split("."), message: `${path} refers to a column by name, but the template has no header line to find it in` });
      }
    }

    const kind = t.columns.kind;
    if (kind.by === "SIGN" && t.signConvention === "REFUNDS_POSITIVE_BY_KIND") {
      ctx.addIssue({ code: "custom", path: ["columns", "kind"], message: "when refunds are printed positive, only a column can tell them from payments" });
    }
    if (kind.by === "COLUMN") {
      const all = [...kind.payment, ...(kind.refund ?? []), ...(kind.revoked ?? [])];
      if (new Set(all).size !== all.length) ctx.addIssue({ code: "custom", path: ["columns", "kind"], message: "a value of the kind column may stand for one kind only" });
    }
    if (t.summary) {
      if (t.footerLines === 0) ctx.addIssue({ code: "custom", path: ["summary"], message: "a summary is read from a footer line, and the template has none" });
      if (t.summary.countColumn === undefined && t.summary.amountColumn === undefined) {
        ctx.addIssue({ code: "custom", path: ["summary"], message: "a summary needs a count column, an amount column or both" });
      }
    }
  });
export type TStatementTemplate = z.infer<typeof ZStatementTemplate>;

/** Every column the template reads, with where it says so. */
function columnRefs(t: Pick<TStatementTemplate, "columns" | "summary">): [string, TColumnRef][] {
  const refs: [string, TColumnRef][] = [];
  for (const [key, ref] of Object.entries(t.columns)) {
    if (typeof ref === "number" || typeof ref === "string") refs.push([`columns.${key}`, ref]);
  }
  if (t.columns.kind.by === "COLUMN") refs.push(["columns.kind.column", t.columns.kind.column]);
  if (t.summary?.countColumn !== undefined) refs.push(["summary.countColumn", t.summary.countColumn]);
  if (t.summary?.amountColumn !== undefined) refs.push(["summary.amountColumn", t.summary.amountColumn]);
  return refs;
}

type Unit = TStatementTemplate["amountUnit"];
type Encoding = TStatementTemplate["encoding"];

// ---------------------------------------------------------------------------------------------
// Reading helpers, shared with the built-in CSV and fixed-width layouts (bank-files, profit-share,
// unionpay-zm), so that every statement file is split, decoded and read for money the same way.

export interface ByteLine {
  /** 1-based. */
  readonly lineNo: number;
  /** Without its line ending. */
  readonly bytes: Buffer;
}

/** Lines on LF (a CR before it dropped); no line for the empty rest after a final line ending. */
export function* splitByteLines(bytes: Buffer): Generator<ByteLine> {
  let start = 0;
  let lineNo = 0;
  while (start < bytes.length) {
    const lf = bytes.indexOf(0x0a, start);
    const end = lf === -1 ? bytes.length : lf;
    const trimmed = end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
    lineNo += 1;
    yield { lineNo, bytes: bytes.subarray(start, trimmed) };
    if (lf === -1) break;
    start = lf + 1;
  }
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export function stripUtf8Bom(bytes: Buffer): Buffer {
  return bytes.subarray(0, 3).equals(UTF8_BOM) ? bytes.subarray(3) : bytes;
}

// ignoreBOM keeps a BOM as text: the one at the start of a file is stripped on bytes, and one
// anywhere else is not ours to drop silently.
const strictDecoders: Record<Encoding, TextDecoder> = {
  "utf-8": new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }),
  gbk: new TextDecoder("gbk", { fatal: true }),
};
const lenientDecoders: Record<Encoding, TextDecoder> = {
  "utf-8": new TextDecoder("utf-8", { ignoreBOM: true }),
  gbk: new TextDecoder("gbk"),
};

/** The bytes as text, or undefined when they are not valid in `encoding`. */
export function tryDecode(bytes: Buffer, encoding: Encoding): string | undefined {
  // Node's GBK decoder drops a 0xFF byte silently even when fatal; 0xFF is never valid in GBK.
  if (encoding === "gbk" && bytes.includes(0xff)) return undefined;
  try {
    return strictDecoders[encoding].decode(bytes);
  } catch {
    return undefined;
  }
}

/** The bytes as text; a StatementFormatError ENCODING naming the line (and field) if they are not valid. */
export function decodeStrict(bytes: Buffer, encoding: Encoding, lineNo?: number, what = "the line"): string {
  const text = tryDecode(bytes, encoding);
  if (text === undefined) throw new StatementFormatError("ENCODING", `${what} is not valid ${encoding.toUpperCase()} (a cut or stray byte)`, lineNo);
  return text;
}

/** For display only: invalid bytes become U+FFFD. */
export function decodeLenient(bytes: Buffer, encoding: Encoding): string {
  return lenientDecoders[encoding].decode(bytes);
}

/**
 * UTF-8 when the file has a BOM or is valid UTF-8, else GBK when it is valid GBK. Decided on the
 * whole file, never per line, so a file cannot be read half in one encoding and half in the other.
 * (Chinese text in GBK is practically never valid UTF-8, and ASCII reads the same in both.)
 */
export function detectEncoding(bytes: Buffer): Encoding {
  if (bytes.subarray(0, 3).equals(UTF8_BOM)) return "utf-8";
  if (tryDecode(bytes, "utf-8") !== undefined) return "utf-8";
  if (tryDecode(bytes, "gbk") !== undefined) return "gbk";
  throw new StatementFormatError("ENCODING", "the file is neither UTF-8 nor GBK");
}

/**
 * One delimited line into trimmed fields. With `quote`, a field that starts with it runs to the
 * next lone quote (a doubled quote is a literal one); a quote inside an unquoted field is text.
 */
export function splitDelimited(text: string, delimiter: string, quote: string | undefined, lineNo: number): string[] {
  const fields: string[] = [];
  let at = 0;
  for (;;) {
    while (text[at] === " " || text[at] === "\t") {
      if (text.startsWith(delimiter, at)) break; // a tab delimiter is not padding
      at += 1;
    }
    if (quote !== undefined && text[at] === quote) {
      let value = "";
      at += 1;
      for (;;) {
        const close = text.indexOf(quote, at);
        if (close === -1) throw new StatementFormatError("MALFORMED_LINE", "a quoted field is not closed on its line (fields may not span lines)", lineNo);
        value += text.slice(at, close);
        if (text[close + 1] === quote) {
          value += quote;
          at = close + 2;
          continue;
        }
        at = close + 1;
        break;
      }
      while (text[at] === " " || text[at] === "\t") {
        if (text.startsWith(delimiter, at)) break;
        at += 1;
      }
      fields.push(value);
      if (at >= text.length) return fields;
      if (!text.startsWith(delimiter, at)) throw new StatementFormatError("MALFORMED_LINE", `text after a closing quote at character ${at + 1}`, lineNo);
      at += delimiter.length;
      continue;
    }
    const next = text.indexOf(delimiter, at);
    if (next === -1) {
      fields.push(text.slice(at).trim());
      return fields;
    }
    fields.push(text.slice(at, next).trim());
    at = next + delimiter.length;
  }
}

/** An amount as printed, into fen: FEN a whole number, YUAN at most two decimals; undefined if neither. */
export function parseMoney(text: string, unit: Unit): bigint | undefined {
  const m = unit === "FEN" ? /^([+-])?(\d{1,18})$/.exec(text) : /^([+-])?(\d{1,16})(?:\.(\d{1,2}))?$/.exec(text);
  if (!m) return undefined;
  const whole = BigInt(m[2] ?? "0");
  const value = unit === "FEN" ? whole : whole * 100n + BigInt((m[3] ?? "").padEnd(2, "0"));
  return m[1] === "-" ? -value : value;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A Beijing wall-clock time as an ISO string with +08:00, or undefined if it is no such time. */
export function beijingTimestamp(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): string | undefined {
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = mo === 2 && !leap ? 28 : DAYS_IN_MONTH[mo - 1];
  if (days === undefined || d < 1 || d > days || h > 23 || mi > 59 || s > 59) return undefined;
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(y, 4)}-${p(mo)}-${p(d)}T${p(h)}:${p(mi)}:${p(s)}+08:00`;
}

const DATE_PATTERNS: Record<TStatementTemplate["dateFormat"], RegExp> = {
  "YYYY-MM-DD HH:mm:ss": /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/,
  YYYYMMDDHHmmss: /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/,
  "YYYY/MM/DD HH:mm:ss": /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/,
};

function parseTime(text: string, format: TStatementTemplate["dateFormat"]): string | undefined {
  const m = DATE_PATTERNS[format].exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return beijingTimestamp(y, mo, d, h, mi, s);
}

// ---------------------------------------------------------------------------------------------
// The template reader.

/** What the preview turns into advice; parse errors carry it so that a hint can name the cause. */
export type TemplateHintCode = "FEN_READ_AS_YUAN" | "YUAN_READ_AS_FEN" | "SIGN_CONVENTION" | "GROSS_TOTAL" | "COUNT_MISMATCH" | "AMOUNT_MISMATCH" | "ENCODING";

class TemplateLineError extends StatementFormatError {
  constructor(
    code: StatementFormatError["code"],
    message: string,
    lineNo: number | undefined,
    readonly hint: TemplateHintCode | undefined = undefined,
  ) {
    super(code, message, lineNo);
  }
}

interface Row {
  /** The trimmed value of a column. */
  get(ref: TColumnRef, what: string): string;
  raw(): Record<string, string>;
}

type RowReader = (line: ByteLine) => Row;

function refLabel(ref: TColumnRef): string {
  return typeof ref === "number" ? `column ${ref}` : `"${ref}"`;
}

function delimitedReader(t: TStatementTemplate, layout: Extract<TStatementTemplate["layout"], { kind: "delimited" }>, header: string[] | undefined): RowReader {
  const byName = new Map<string, number>();
  const duplicated = new Set<string>();
  header?.forEach((name, i) => {
    if (name === "") return;
    if (byName.has(name)) duplicated.add(name);
    else byName.set(name, i);
  });
  const indexOf = (ref: TColumnRef): number => {
    if (typeof ref === "number") return ref;
    if (duplicated.has(ref)) throw new StatementFormatError("NOT_A_STATEMENT", `the header names column "${ref}" twice; refer to it by position`, t.headerLines);
    const i = byName.get(ref);
    if (i === undefined) throw new StatementFormatError("NOT_A_STATEMENT", `the header has no column "${ref}"`, t.headerLines);
    return i;
  };
  // Every name is looked up once here, so a renamed column is one error about the header rather
  // than one about every line.
  for (const [, ref] of columnRefs(t)) indexOf(ref);
  return (line) => {
    const cells = splitDelimited(decodeStrict(line.bytes, t.encoding, line.lineNo), layout.delimiter, layout.quote, line.lineNo);
    return {
      get(ref, what) {
        const i = indexOf(ref);
        const value = cells[i];
        if (value === undefined) throw new StatementFormatError("MALFORMED_LINE", `${what} is ${refLabel(ref)}, but the line has only ${cells.length} columns`, line.lineNo);
        return value;
      },
      raw() {
        const out: Record<string, string> = {};
        cells.forEach((value, i) => {
          const name = header?.[i];
          out[name && !duplicated.has(name) ? name : String(i)] = value;
        });
        return out;
      },
    };
  };
}

function fixedReader(t: TStatementTemplate, layout: Extract<TStatementTemplate["layout"], { kind: "fixed" }>): RowReader {
  const fields = new Map(layout.widths.map((w) => [w.field, w]));
  return (line) => {
    const slice = (field: string, what: string): string => {
      const w = fields.get(field);
      if (!w) throw new StatementFormatError("UNSUPPORTED", `the template has no fixed-width field "${field}"`);
      const end = w.start + w.length;
      if (end > line.bytes.length) {
        throw new StatementFormatError("MALFORMED_LINE", `${what} is "${field}" at bytes ${w.start}–${end - 1}, but the line is only ${line.bytes.length} bytes`, line.lineNo);
      }
      // Offsets are bytes of the file's encoding; decoding each slice on its own means a field
      // boundary inside a Chinese character fails loudly instead of shifting every later field.
      return decodeStrict(line.bytes.subarray(w.start, end), t.encoding, line.lineNo, `field "${field}"`).trim();
    };
    return {
      get(ref, what) {
        return slice(String(ref), what);
      },
      raw() {
        // Every field that fits the line and decodes: widths may overlap (a footer's fields over the
        // details'), so a field that is not the details' may cut a character here; the fields the
        // template reads were decoded strictly by get().
        const out: Record<string, string> = {};
        for (const w of layout.widths) {
          const text = w.start + w.length <= line.bytes.length ? tryDecode(line.bytes.subarray(w.start, w.start + w.length), t.encoding) : undefined;
          if (text !== undefined) out[w.field] = text.trim();
        }
        return out;
      },
    };
  };
}

interface Classified {
  readonly headers: ByteLine[];
  readonly details: ByteLine[];
  readonly footers: ByteLine[];
}

function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09) return false;
  return true;
}

function classify(bytes: Buffer, t: TStatementTemplate): Classified {
  const lines = [...splitByteLines(t.encoding === "utf-8" ? stripUtf8Bom(bytes) : bytes)];
  let end = lines.length;
  while (end > 0 && isBlank((lines[end - 1] as ByteLine).bytes)) end -= 1;
  if (t.headerLines + t.footerLines > end) {
    throw new StatementFormatError("NOT_A_STATEMENT", `the file has ${end} lines, fewer than the template's ${t.headerLines} header and ${t.footerLines} footer lines`);
  }
  return {
    headers: lines.slice(0, t.headerLines),
    details: lines.slice(t.headerLines, end - t.footerLines),
    footers: lines.slice(end - t.footerLines, end),
  };
}

function rowReader(t: TStatementTemplate, headers: readonly ByteLine[]): RowReader {
  if (t.layout.kind === "fixed") return fixedReader(t, t.layout);
  const last = headers[headers.length - 1];
  const names = last ? splitDelimited(decodeStrict(last.bytes, t.encoding, last.lineNo), t.layout.delimiter, t.layout.quote, last.lineNo) : undefined;
  return delimitedReader(t, t.layout, names);
}

interface DetailRead {
  readonly line: StatementLine;
  readonly amountText: string;
}

function readDetail(t: TStatementTemplate, row: Row, lineNo: number): DetailRead {
  const c = t.columns;
  const optional = (ref: TColumnRef | undefined, what: string) => {
    if (ref === undefined) return undefined;
    const value = row.get(ref, what);
    return value === "" ? undefined : value;
  };
  const money = (text: string, what: string): bigint => {
    const value = parseMoney(text, t.amountUnit);
    if (value !== undefined) return value;
    if (t.amountUnit === "FEN" && parseMoney(text, "YUAN") !== undefined) {
      throw new TemplateLineError("MALFORMED_LINE", `${what} "${text}" has decimals, but the template reads whole fen`, lineNo, "YUAN_READ_AS_FEN");
    }
    throw new TemplateLineError("MALFORMED_LINE", `${what} "${text}" is not ${t.amountUnit === "FEN" ? "a whole number of fen" : "an amount in yuan with at most two decimals"}`, lineNo);
  };

  const amountText = row.get(c.amount, "the amount");
  if (amountText === "") throw new TemplateLineError("MALFORMED_LINE", "the amount is empty", lineNo);
  const printed = money(amountText, "the amount");
  const feeText = optional(c.fee, "the fee");
  const printedFee = feeText === undefined ? 0n : money(feeText, "the fee");

  let kind: LineKind;
  const rule = c.kind;
  if (rule.by === "SIGN") {
    kind = printed < 0n ? "REFUND" : "PAYMENT";
  } else {
    const value = row.get(rule.column, "the kind");
    if (rule.payment.includes(value)) kind = "PAYMENT";
    else if (rule.refund?.includes(value)) kind = "REFUND";
    else if (rule.revoked?.includes(value)) kind = "REVOKED";
    else throw new TemplateLineError("MALFORMED_LINE", `the kind column holds "${value}", which the template lists neither as a payment, a refund nor a revocation`, lineNo);
  }

  let amountMinor = printed;
  let feeMinor = printedFee;
  const reversal = kind !== "PAYMENT";
  if (t.signConvention === "REFUNDS_NEGATIVE") {
    if (rule.by === "COLUMN" && (reversal ? printed > 0n : printed < 0n)) {
      const hint = reversal ? "positive, but the template says refunds are printed negative (REFUNDS_NEGATIVE)" : "negative, but the template says only refunds are";
      throw new TemplateLineError("MALFORMED_LINE", `a ${kind.toLowerCase()} line whose amount is ${hint}`, lineNo, "SIGN_CONVENTION");
    }
  } else {
    if (printed < 0n || printedFee < 0n) {
      const what = printed < 0n ? "amount" : "fee";
      const message = `a negative ${what}, but the template says everything is printed positive and the kind column tells refunds (REFUNDS_POSITIVE_BY_KIND)`;
      throw new TemplateLineError("MALFORMED_LINE", message, lineNo, "SIGN_CONVENTION");
    }
    if (reversal) {
      amountMinor = -printed;
      feeMinor = -printedFee;
    }
  }

  let occurredAt: string | undefined;
  const timeText = optional(c.occurredAt, "the time");
  if (timeText !== undefined) {
    occurredAt = parseTime(timeText, t.dateFormat);
    if (occurredAt === undefined) throw new TemplateLineError("MALFORMED_LINE", `the time "${timeText}" is not a ${t.dateFormat} time`, lineNo);
  }

  const line: StatementLine = {
    lineNo,
    kind,
    status: optional(c.status, "the status") ?? kind,
    amountMinor,
    settleableMinor: amountMinor,
    feeMinor,
    raw: row.raw(),
    ...defined({
      occurredAt,
      outTradeNo: optional(c.outTradeNo, "the order number"),
      outRefundNo: optional(c.outRefundNo, "the refund number"),
      channelTradeNo: optional(c.channelTradeNo, "the channel's trade number"),
      channelRefundNo: optional(c.channelRefundNo, "the channel's refund number"),
      subMerchant: optional(c.subMerchant, "the sub-merchant"),
    }),
  };
  return { line, amountText };
}

/** The object without its undefined properties (the line types are readonly and optional, not `| undefined`). */
export function defined<T extends Record<string, string | undefined>>(values: T): Partial<Record<keyof T, string>> {
  const out: Partial<Record<keyof T, string>> = {};
  for (const key of Object.keys(values) as (keyof T)[]) {
    const value = values[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

interface Declared {
  count?: number;
  amountMinor?: bigint;
}

function readSummary(t: TStatementTemplate, footers: readonly ByteLine[], read: RowReader): Declared | undefined {
  const s = t.summary;
  if (!s) return undefined;
  const footer = s.line === "FIRST_FOOTER" ? footers[0] : footers[footers.length - 1];
  if (!footer) return undefined; // the schema requires footer lines with a summary
  const row = read(footer);
  const declared: Declared = {};
  if (s.countColumn !== undefined) {
    const text = row.get(s.countColumn, "the summary's count");
    if (!/^\d{1,9}$/.test(text)) throw new StatementFormatError("MALFORMED_LINE", `the summary's count "${text}" is not a whole number`, footer.lineNo);
    declared.count = Number(text);
  }
  if (s.amountColumn !== undefined) {
    const text = row.get(s.amountColumn, "the summary's amount");
    const unit = s.amountUnit ?? t.amountUnit;
    const value = parseMoney(text, unit);
    if (value === undefined) throw new StatementFormatError("MALFORMED_LINE", `the summary's amount "${text}" is not ${unit === "FEN" ? "a whole number of fen" : "an amount in yuan"}`, footer.lineNo);
    declared.amountMinor = value;
  }
  return declared;
}

function sum(lines: readonly StatementLine[]): StatementSummary {
  let amountMinor = 0n;
  let feeMinor = 0n;
  for (const l of lines) {
    amountMinor += l.amountMinor;
    feeMinor += l.feeMinor;
  }
  return { count: lines.length, amountMinor, feeMinor };
}

/**
 * The file's lines in order, each with its role, holding back only what might still be a footer:
 * the last `footerLines` lines that are not trailing blank lines. Returns the footers (trailing
 * blank lines dropped) when the file is done. Same roles as classify(), without an array of every line.
 */
function* streamSections(bytes: Buffer, t: TStatementTemplate): Generator<{ role: "HEADER" | "DETAIL"; line: ByteLine }, ByteLine[]> {
  const pending: ByteLine[] = [];
  let trailingBlanks = 0;
  let emitted = 0;
  for (const line of splitByteLines(t.encoding === "utf-8" ? stripUtf8Bom(bytes) : bytes)) {
    pending.push(line);
    trailingBlanks = isBlank(line.bytes) ? trailingBlanks + 1 : 0;
    while (pending.length > t.footerLines + trailingBlanks) {
      const next = pending.shift() as ByteLine;
      yield { role: emitted < t.headerLines ? "HEADER" : "DETAIL", line: next };
      emitted += 1;
    }
  }
  const footers = pending.slice(0, pending.length - trailingBlanks);
  if (emitted < t.headerLines || footers.length < t.footerLines) {
    throw new StatementFormatError("NOT_A_STATEMENT", `the file has ${Math.min(emitted, t.headerLines) + footers.length} lines, fewer than the template's ${t.headerLines} header and ${t.footerLines} footer lines`);
  }
  return footers;
}

/**
 * Reads a file with a finance-defined template without holding its lines: import runs it once to
 * check the file (before any transaction) and once more to store it, so memory stays flat however
 * long the file is. Errors are the same StatementFormatErrors parseWithTemplate throws.
 */
export function streamWithTemplate(bytes: Buffer, template: TStatementTemplate): StatementStream {
  const t = ZStatementTemplate.parse(template);
  return statementStream(function* () {
    const sections = streamSections(bytes, t);
    const headers: ByteLine[] = [];
    let read: RowReader | undefined;
    let count = 0;
    let amountMinor = 0n;
    let feeMinor = 0n;
    let step = sections.next();
    while (!step.done) {
      const { role, line } = step.value;
      if (role === "HEADER") headers.push(line);
      else if (!isBlank(line.bytes)) {
        read ??= rowReader(t, headers);
        const detail = readDetail(t, read(line), line.lineNo).line;
        count += 1;
        amountMinor += detail.amountMinor;
        feeMinor += detail.feeMinor;
        yield detail;
      }
      step = sections.next();
    }
    const footers = step.value;
    read ??= rowReader(t, headers);
    const computed = { count, amountMinor, feeMinor };
    const stated = readSummary(t, footers, read);
    checkSummary(t, footers, stated, computed);
    return {
      format: "TEMPLATE",
      declared: { count: stated?.count ?? computed.count, amountMinor: stated?.amountMinor ?? computed.amountMinor },
      computed,
      hasDeclaredTotals: stated !== undefined,
    };
  });
}

function checkSummary(t: TStatementTemplate, footers: readonly ByteLine[], stated: Declared | undefined, computed: StatementSummary): void {
  const summaryLine = footers[t.summary?.line === "FIRST_FOOTER" ? 0 : footers.length - 1]?.lineNo;
  if (stated?.count !== undefined && stated.count !== computed.count) {
    throw new StatementFormatError("TOTALS_MISMATCH", `the summary states ${stated.count} lines, the file has ${computed.count}`, summaryLine);
  }
  if (stated?.amountMinor !== undefined && stated.amountMinor !== computed.amountMinor) {
    throw new StatementFormatError("TOTALS_MISMATCH", `the summary states a total of ${stated.amountMinor} fen, the lines add up to ${computed.amountMinor}`, summaryLine);
  }
}

/** Reads a file with a finance-defined template; throws a StatementFormatError naming the first bad line. */
export function parseWithTemplate(bytes: Buffer, template: TStatementTemplate): ParsedStatement {
  return collectStatement(streamWithTemplate(bytes, template));
}

export interface TemplatePreviewRow {
  readonly lineNo: number;
  readonly role: "HEADER" | "DETAIL" | "FOOTER";
  /** As text, invalid bytes shown as U+FFFD, so a wrong encoding is visible rather than an error. */
  readonly text: string;
}

export interface TemplatePreviewError {
  readonly lineNo?: number;
  readonly code: StatementFormatError["code"];
  readonly message: string;
}

export interface TemplatePreview {
  /** The file's first lines as they are, with the role the template gives each. */
  readonly head: readonly TemplatePreviewRow[];
  /** The first detail lines as the template reads them. */
  readonly lines: readonly StatementLine[];
  /** The first problems (at most 50); errorCount counts them all. */
  readonly errors: readonly TemplatePreviewError[];
  readonly errorCount: number;
  /** Over every detail line that could be read. */
  readonly computed: StatementSummary;
  /** What the summary line states, when the template says where it is and it could be read. */
  readonly declared?: { readonly count?: number; readonly amountMinor?: bigint };
  readonly hints: readonly { readonly code: TemplateHintCode; readonly message: string }[];
}

const MAX_PREVIEW_ERRORS = 50;

type NotedError = TemplatePreviewError & { readonly hint?: TemplateHintCode };

function asPreviewError(e: unknown): NotedError {
  if (e instanceof TemplateLineError) return { lineNo: e.lineNo, code: e.code, message: e.message, hint: e.hint };
  if (e instanceof StatementFormatError) return { lineNo: e.lineNo, code: e.code, message: e.message };
  throw e;
}

/**
 * Runs a template over a sample file without stopping at the first problem: the first `rows`
 * lines, the totals computed and declared side by side, every problem with its line, and hints
 * when the numbers suggest a wrong unit, sign or encoding.
 */
export function previewTemplate(bytes: Buffer, template: TStatementTemplate, options: { rows?: number } = {}): TemplatePreview {
  const t = ZStatementTemplate.parse(template);
  const rows = options.rows ?? 20;
  const errors: NotedError[] = [];
  const note = (e: unknown) => errors.push(asPreviewError(e));

  let classified: Classified;
  try {
    classified = classify(bytes, t);
  } catch (e) {
    note(e);
    const empty: StatementSummary = { count: 0, amountMinor: 0n, feeMinor: 0n };
    return { head: [], lines: [], errors, errorCount: errors.length, computed: empty, hints: [] };
  }
  const { headers, details, footers } = classified;
  const head = [
    ...headers.map((l) => ({ l, role: "HEADER" as const })),
    ...details.map((l) => ({ l, role: "DETAIL" as const })),
    ...footers.map((l) => ({ l, role: "FOOTER" as const })),
  ]
    .slice(0, rows)
    .map(({ l, role }) => ({ lineNo: l.lineNo, role, text: decodeLenient(l.bytes, t.encoding) }));

  const lines: StatementLine[] = [];
  const amountTexts: string[] = [];
  let declared: Declared | undefined;
  try {
    const read = rowReader(t, headers);
    for (const d of details) {
      if (isBlank(d.bytes)) continue;
      try {
        const r = readDetail(t, read(d), d.lineNo);
        lines.push(r.line);
        amountTexts.push(r.amountText);
      } catch (e) {
        note(e);
      }
    }
    try {
      declared = readSummary(t, footers, read);
    } catch (e) {
      note(e);
    }
  } catch (e) {
    note(e); // the header lacks a column the template names
  }
  const computed = sum(lines);
  return {
    head,
    lines: lines.slice(0, rows),
    errors: errors.slice(0, MAX_PREVIEW_ERRORS).map(({ lineNo, code, message }) => ({ lineNo, code, message })),
    errorCount: errors.length,
    computed,
    ...(declared ? { declared } : {}),
    hints: hintsFor(t, bytes, lines, amountTexts, errors, computed, declared),
  };
}

function hintsFor(
  t: TStatementTemplate,
  bytes: Buffer,
  lines: readonly StatementLine[],
  amountTexts: readonly string[],
  errors: readonly NotedError[],
  computed: StatementSummary,
  declared: Declared | undefined,
): { code: TemplateHintCode; message: string }[] {
  const hints: { code: TemplateHintCode; message: string }[] = [];
  const add = (code: TemplateHintCode, message: string) => {
    if (!hints.some((h) => h.code === code)) hints.push({ code, message });
  };
  const caused = (hint: TemplateHintCode) => errors.filter((e) => e.hint === hint).length;

  if (errors.some((e) => e.code === "ENCODING")) {
    const other: Encoding = t.encoding === "gbk" ? "utf-8" : "gbk";
    if (tryDecode(t.encoding === "gbk" ? bytes : stripUtf8Bom(bytes), other) !== undefined) add("ENCODING", `the file does not read as ${t.encoding.toUpperCase()} but does as ${other.toUpperCase()}: set encoding to "${other}"`);
  }

  const d = declared?.amountMinor;
  const c = computed.amountMinor;
  if (caused("YUAN_READ_AS_FEN") > 0 || (d !== undefined && d !== 0n && c * 100n === d)) {
    add("YUAN_READ_AS_FEN", "amounts look like yuan read as fen (they have decimals, or add up to a hundredth of the declared total): set amountUnit to YUAN");
  }
  if (d !== undefined && d !== 0n && c === d * 100n) {
    add("FEN_READ_AS_YUAN", "amounts look like fen read as yuan: the lines add up to 100× the declared total; set amountUnit to FEN");
  } else if (t.amountUnit === "YUAN" && amountTexts.length > 0 && amountTexts.every((a) => !a.includes("."))) {
    // The totals cannot tell when the footer is in the same unit: both are 100× too large.
    add("FEN_READ_AS_YUAN", "no amount in the file has a decimal point: if they are fen, set amountUnit to FEN");
  }

  const signErrors = caused("SIGN_CONVENTION");
  if (signErrors > 0) {
    const other = t.signConvention === "REFUNDS_NEGATIVE" ? "REFUNDS_POSITIVE_BY_KIND" : "REFUNDS_NEGATIVE";
    add("SIGN_CONVENTION", `${signErrors} ${signErrors === 1 ? "line contradicts" : "lines contradict"} the sign convention ${t.signConvention}: the file looks like ${other}`);
  } else if (d !== undefined && d !== 0n && c === -d) {
    add("SIGN_CONVENTION", "the lines add up to the declared total with the opposite sign: the file prints money from the other side (payments negative)");
  }

  if (d !== undefined && c !== d) {
    const gross = lines.reduce((s, l) => s + (l.amountMinor < 0n ? -l.amountMinor : l.amountMinor), 0n);
    if (gross === d && gross !== c) add("GROSS_TOTAL", "the declared total adds refunds instead of subtracting them (a gross total); it cannot be checked against the lines: leave summary.amountColumn out");
    else if (hints.length === 0) add("AMOUNT_MISMATCH", `the lines add up to ${c} fen, the summary states ${d}`);
  }
  const dc = declared?.count;
  if (dc !== undefined && dc !== computed.count && errors.length === 0) {
    const diff = computed.count - dc;
    const where = Math.abs(diff) <= 3 ? ": check headerLines and footerLines (a header or footer line may be read as a detail, or the other way round)" : "";
    add("COUNT_MISMATCH", `the file has ${computed.count} detail lines, the summary states ${dc}${where}`);
  }
  return hints;
}
