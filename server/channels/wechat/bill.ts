import { ChannelError } from "../types";

// Reading the WeChat trade bill (交易账单): UTF-8 with BOM, CRLF, a plain header line, detail rows
// whose every field starts with a backtick, then a summary header and one summary row
// (reference/channels.md §1.6). Columns move between bill versions, so they are read by name.

export interface TradeBill {
  readonly header: readonly string[];
  /** Detail rows keyed by the header's column names, backticks removed. */
  readonly rows: readonly Readonly<Record<string, string>>[];
  readonly summary: Readonly<Record<string, string>>;
}

const BOM = "\uFEFF";

export function parseTradeBill(bytes: Buffer): TradeBill {
  let text = bytes.toString("utf8");
  if (text.startsWith(BOM)) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  if (lines.length < 3) throw new ChannelError("MALFORMED", "a trade bill has a header, a summary header and a summary row at least");
  const header = (lines[0] as string).split(",");
  const summaryHeader = (lines[lines.length - 2] as string).split(",");
  const summaryValues = splitRow(lines[lines.length - 1] as string);
  if (summaryValues.length !== summaryHeader.length) throw new ChannelError("MALFORMED", "the summary row does not match its header");
  const rows = lines.slice(1, -2).map((line, index) => {
    const values = splitRow(line);
    if (values.length !== header.length) throw new ChannelError("MALFORMED", `bill row ${index + 1} has ${values.length} fields, the header ${header.length}`);
    return Object.fromEntries(header.map((name, column) => [name, values[column] ?? ""]));
  });
  return { header, rows, summary: Object.fromEntries(summaryHeader.map((name, column) => [name, summaryValues[column] ?? ""])) };
}

/** Fields are joined by ",`" with no quoting, so a comma inside a field survives the split. */
function splitRow(line: string): string[] {
  if (!line.startsWith("`")) throw new ChannelError("MALFORMED", "bill rows start with a backtick");
  return line.slice(1).split(",`");
}

/**
 * Yuan as printed in the bill ("25.50", fees "0.10000", counts "45.0") to integer fen. Fees carry
 * five decimals but are whole fen padded with zeros; anything finer is rounded half away from zero.
 */
export function billYuanToFen(value: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!match) throw new ChannelError("MALFORMED", `not an amount: "${value}"`);
  const [, sign, whole, fraction = ""] = match;
  const padded = fraction.padEnd(3, "0");
  let fen = BigInt(whole as string) * 100n + BigInt(padded.slice(0, 2));
  if (Number(padded[2]) >= 5) fen += 1n;
  return sign === "-" ? -fen : fen;
}
