import { fitGbk } from "./gbk";

// Writes ZM reconciliation lines (channels.md §3.2): 42 fixed-width GBK fields, one space between
// fields, 607 bytes per line, CRLF after each line. Text is left-justified and space-padded;
// amounts are zero-padded digits (the padding of real files is uncertain, §7.6).

export const ZM_LAYOUT = [
  ["txnCode", 3],
  ["acqInsCode", 11],
  ["sendInsCode", 11],
  ["traceNo", 6],
  ["txnTime", 10],
  ["payCardNo", 19],
  ["txnAmt", 12],
  ["merCatCode", 4],
  ["termType", 2],
  ["queryId", 21],
  ["payTypeOld", 2],
  ["orderId", 32],
  ["payCardType", 2],
  ["origTraceNo", 6],
  ["origTxnTime", 10],
  ["merFee", 13],
  ["settleAmt", 13],
  ["payType", 4],
  ["groupMerId", 15],
  ["txnType", 2],
  ["txnSubType", 2],
  ["bizType", 6],
  ["accType", 2],
  ["billType", 4],
  ["billNo", 32],
  ["interactMode", 1],
  ["origQryId", 21],
  ["merId", 15],
  ["splitMode", 1],
  ["subMerId", 15],
  ["subMerAbbr", 32],
  ["subMerSplitAmt", 13],
  ["clearingNetAmt", 13],
  ["termId", 8],
  ["merReserved", 32],
  ["discountAmt", 13],
  ["invoiceAmt", 13],
  ["installmentFee", 12],
  ["installmentCount", 2],
  ["txnMedium", 1],
  ["origOrderId", 32],
  ["reserved", 98],
] as const;

export type ZmKey = (typeof ZM_LAYOUT)[number][0];
export type ZmValues = Partial<Record<ZmKey, string>>;

export const ZM_BYTES_PER_LINE = ZM_LAYOUT.reduce((sum, [, width]) => sum + width, 0) + ZM_LAYOUT.length - 1;

export function writeZmLine(values: ZmValues): Buffer {
  const parts: Buffer[] = [];
  ZM_LAYOUT.forEach(([key, width], i) => {
    if (i > 0) parts.push(Buffer.from(" "));
    parts.push(fitGbk(values[key] ?? "", width));
  });
  const line = Buffer.concat(parts);
  if (line.length !== ZM_BYTES_PER_LINE) throw new Error(`ZM line came out ${line.length} bytes`);
  return line;
}

export function writeZmFile(lines: readonly Buffer[]): Buffer {
  const crlf = Buffer.from("\r\n");
  return Buffer.concat(lines.flatMap((line) => [line, crlf]));
}

/** Fen, 12 digits zero-padded. */
export function fen12(amount: bigint): string {
  return amount.toString().padStart(12, "0");
}

/** `C`/`D` + 12 digits; a negative amount flips the sign letter. */
export function signed13(sign: "C" | "D", amount: bigint): string {
  const flipped = amount < 0n ? (sign === "C" ? "D" : "C") : sign;
  return `${flipped}${fen12(amount < 0n ? -amount : amount)}`;
}
