import { decodeStrict, detectEncoding, parseMoney, splitByteLines, splitDelimited, stripUtf8Bom } from "./template";
import { StatementFormatError } from "./types";

// The shape acquirers' exports share (the profit-share and the merchant settlement statements): CSV
// with a header of Chinese column names, one record per line, and a 合计 (total) line last.
// Comma separated, " quoting within one line; UTF-8 (BOM optional) or GBK, told apart by decoding
// the whole file; LF or CRLF; blank lines ignored; full-width parentheses in the header accepted,
// as Excel users type them.

export const TOTAL = "合计";

export interface HeadedRow {
  readonly lineNo: number;
  readonly cells: readonly string[];
}

/** The records and the 合计 line of a file whose header must be exactly `columns`. */
export function headedCsv(bytes: Buffer, columns: readonly string[], what: string): { rows: HeadedRow[]; total: HeadedRow } {
  const encoding = detectEncoding(bytes);
  let header: number | undefined;
  let total: HeadedRow | undefined;
  const rows: HeadedRow[] = [];
  for (const { lineNo, bytes: lineBytes } of splitByteLines(encoding === "utf-8" ? stripUtf8Bom(bytes) : bytes)) {
    const text = decodeStrict(lineBytes, encoding, lineNo);
    if (text.trim() === "") continue;
    const cells = splitDelimited(text, ",", '"', lineNo);
    if (header === undefined) {
      const names = cells.map((c) => c.replaceAll("（", "(").replaceAll("）", ")"));
      if (names.length !== columns.length || names.some((n, i) => n !== columns[i])) {
        throw new StatementFormatError("NOT_A_STATEMENT", `${what} starts with the header ${columns.join(",")}`, lineNo);
      }
      header = lineNo;
      continue;
    }
    if (total) throw new StatementFormatError("MALFORMED_LINE", `a line after the ${TOTAL} line (line ${total.lineNo})`, lineNo);
    if (cells.length !== columns.length) throw new StatementFormatError("MALFORMED_LINE", `${cells.length} columns, not ${columns.length}`, lineNo);
    if (cells[0] === TOTAL) total = { lineNo, cells };
    else rows.push({ lineNo, cells });
  }
  if (header === undefined) throw new StatementFormatError("NOT_A_STATEMENT", "the file is empty");
  if (!total) throw new StatementFormatError("MALFORMED_LINE", `the file ends without its ${TOTAL} line: it may be cut short`);
  return { rows, total };
}

export function yuan(text: string, what: string, lineNo: number): bigint {
  const value = parseMoney(text, "YUAN");
  if (value === undefined) throw new StatementFormatError("MALFORMED_LINE", `${what} "${text}" is not an amount in yuan with at most two decimals`, lineNo);
  return value;
}

export function count(text: string, what: string, lineNo: number): bigint {
  if (!/^\d{1,12}$/.test(text)) throw new StatementFormatError("MALFORMED_LINE", `${what} "${text}" is not a whole number`, lineNo);
  return BigInt(text);
}

/** Refuses a 合计 line whose sums differ from the records', naming each that does. */
export function checkTotals<K extends string>(stated: Record<K, bigint>, sums: Record<K, bigint>, labels: Record<K, string>, lineNo: number): void {
  const differ = (Object.keys(labels) as K[]).filter((k) => stated[k] !== sums[k]);
  if (differ.length > 0) {
    throw new StatementFormatError("TOTALS_MISMATCH", `the ${TOTAL} line disagrees with the lines: ${differ.map((k) => `${labels[k]} ${stated[k]} stated, ${sums[k]} added up`).join("; ")}`, lineNo);
  }
}
