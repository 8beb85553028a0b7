// The payout file (代付文件) of a FILE batch, uploaded at the bank's corporate portal by a person.
// Fixed width, documented in docs/decisions.md ("Wallets and payouts"):
//
//   encoding UTF-8 without BOM, lines end with LF, the last line too. Widths count characters
//   (Unicode code points), not bytes: banks' GBK files count bytes, where a Chinese character is
//   two, and getting that wrong silently shifts every later column; in UTF-8 a Chinese character
//   is three bytes, so we count characters and say so. Text is left-aligned and padded with
//   spaces; numbers are right-aligned and padded with zeros.
//
//   header   H  1 | format "SWYPAY01" 8 | batch id (32 hex, no dashes) 32 | created YYYYMMDD 8 |
//                 HHMMSS 6 (Asia/Shanghai) | currency "CNY" 3 | delivery "FILE" 4            = 62
//   detail   D  1 | line number 6 | our payout no. 32 | account number 30 | account name 60 |
//                 bank code 12 | amount in fen 15 | memo 30                                   = 186
//   trailer  T  1 | detail count 8 | total in fen 18                                          = 27
//
// The results come back in the bank's result file, imported by clearing (a later issue), which
// matches them by our payout number.

export const PAYOUT_FILE_FORMAT = "SWYPAY01";

export interface PayoutFileLine {
  readonly outPayoutNo: string;
  readonly accountNumber: string;
  readonly accountName: string;
  readonly bankCode: string;
  readonly amountMinor: bigint;
  readonly memo: string;
}

export const DETAIL_WIDTHS = { outPayoutNo: 32, accountNumber: 30, accountName: 60, bankCode: 12, amount: 15, memo: 30 } as const;

const chars = (s: string) => [...s];

/** Left-aligned text of exactly `width` characters; refuses what would not fit rather than cut it (except memos). */
function text(value: string, width: number, field: string, truncate = false): string {
  const c = chars(value.replace(/\p{Cc}/gu, " "));
  if (c.length > width && !truncate) throw new Error(`${field} is longer than ${width} characters`);
  return c.slice(0, width).join("") + " ".repeat(Math.max(0, width - c.length));
}

function digits(value: bigint, width: number, field: string): string {
  if (value < 0n) throw new Error(`${field} must not be negative`);
  const s = value.toString();
  if (s.length > width) throw new Error(`${field} does not fit ${width} digits`);
  return s.padStart(width, "0");
}

const BEIJING_MS = 8 * 3_600_000;

export function payoutFileName(batchId: string, at: Date): string {
  const d = new Date(at.getTime() + BEIJING_MS).toISOString();
  return `PAYOUT_${batchId.replaceAll("-", "").slice(0, 12).toUpperCase()}_${d.slice(0, 10).replaceAll("-", "")}.txt`;
}

export function renderPayoutFile(batchId: string, createdAt: Date, lines: readonly PayoutFileLine[]): string {
  const local = new Date(createdAt.getTime() + BEIJING_MS).toISOString();
  const header = `H${PAYOUT_FILE_FORMAT}${text(batchId.replaceAll("-", ""), 32, "batch id")}${local.slice(0, 10).replaceAll("-", "")}${local.slice(11, 19).replaceAll(":", "")}CNYFILE`;
  let total = 0n;
  const details = lines.map((l, i) => {
    total += l.amountMinor;
    return [
      "D",
      digits(BigInt(i + 1), 6, "line number"),
      text(l.outPayoutNo, DETAIL_WIDTHS.outPayoutNo, "outPayoutNo"),
      text(l.accountNumber, DETAIL_WIDTHS.accountNumber, "accountNumber"),
      text(l.accountName, DETAIL_WIDTHS.accountName, "accountName"),
      text(l.bankCode, DETAIL_WIDTHS.bankCode, "bankCode"),
      digits(l.amountMinor, DETAIL_WIDTHS.amount, "amount"),
      text(l.memo, DETAIL_WIDTHS.memo, "memo", true),
    ].join("");
  });
  const trailer = `T${digits(BigInt(lines.length), 8, "count")}${digits(total, 18, "total")}`;
  return [header, ...details, trailer].join("\n") + "\n";
}

/** Reads a detail line back (for tests and for checking a file before upload). */
export function parseDetailLine(line: string): PayoutFileLine & { lineNo: number } {
  const c = chars(line);
  if (c[0] !== "D" || c.length !== 186) throw new Error("not a detail line");
  let at = 1;
  const take = (n: number) => {
    const s = c.slice(at, at + n).join("");
    at += n;
    return s;
  };
  const lineNo = Number(take(6));
  const outPayoutNo = take(DETAIL_WIDTHS.outPayoutNo).trimEnd();
  const accountNumber = take(DETAIL_WIDTHS.accountNumber).trimEnd();
  const accountName = take(DETAIL_WIDTHS.accountName).trimEnd();
  const bankCode = take(DETAIL_WIDTHS.bankCode).trimEnd();
  const amountMinor = BigInt(take(DETAIL_WIDTHS.amount));
  const memo = take(DETAIL_WIDTHS.memo).trimEnd();
  return { lineNo, outPayoutNo, accountNumber, accountName, bankCode, amountMinor, memo };
}
