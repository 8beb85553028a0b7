// CSV for finance users: RFC 4180 (comma, CRLF, quotes doubled) with a UTF-8 byte-order mark,
// which is what makes Excel on a Chinese Windows read UTF-8 instead of GBK.

export type CsvValue = string | number | bigint | null | undefined;

export const CSV_BOM = "\uFEFF";
const CRLF = "\r\n";

// A plain number written as text ("-12", "+3.5") is not a formula to Excel; leave it alone so
// signed values stay numbers.
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Neutralises spreadsheet formula injection: merchant names, remarks and the like come from
 * outside, and "=HYPERLINK(...)" in a cell runs when the file is opened. OWASP's remedy is a
 * leading apostrophe, which Excel shows as plain text. Only strings are touched: amounts are
 * bigint/number and are written as they are.
 */
function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** One field, quoted only when RFC 4180 requires it. */
export function csvField(value: CsvValue): string {
  let text: string;
  if (value === null || value === undefined) text = "";
  // Money arrives as bigint minor units and is written as an exact integer.
  else if (typeof value === "bigint") text = value.toString();
  else if (typeof value === "number") text = Number.isFinite(value) ? String(value) : "";
  else text = neutraliseFormula(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRecord(values: readonly CsvValue[]): string {
  return values.map(csvField).join(",");
}

/** The whole file: BOM, header record, data records, each ended by CRLF. */
export function buildCsv(headers: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  let out = CSV_BOM + csvRecord(headers) + CRLF;
  for (const row of rows) out += csvRecord(row) + CRLF;
  return out;
}

export interface CsvColumn<Row> {
  header: string;
  value: (row: Row) => CsvValue;
}

export function rowsToCsv<Row>(columns: readonly CsvColumn<Row>[], rows: readonly Row[]): string {
  return buildCsv(
    columns.map((c) => c.header),
    rows.map((row) => columns.map((c) => c.value(row))),
  );
}

/** A safe download name ending in .csv: no path separators or characters Windows rejects. */
export function csvFilename(name: string): string {
  const cleaned = name.replace(/[\\/:*?"<>|\u0000-\u001f]/g, "_").trim() || "export";
  return /\.csv$/i.test(cleaned) ? cleaned : `${cleaned}.csv`;
}
