import { isDomainError } from "@/server/core/errors/domain-error";
import { yuanToFen } from "@/server/core/ledger/money";
import { StatementFormatError } from "./types";

// Amounts as statement files print them, to exact fen. Digits only, never a float: 0.07 yuan must
// not become 7.000000000000001 fen. Every refusal names the column and the line, because the
// person reading it has the file open next to the message.

export type Sign = "any" | "nonNegative";

/** A yuan amount with at most two decimals ("25.50", "-5.00", "0.0", "3") to fen. */
export function parseYuan(text: string, column: string, lineNo: number, sign: Sign = "any"): bigint {
  let fen: bigint;
  try {
    fen = yuanToFen(text);
  } catch (error) {
    if (isDomainError(error)) throw new StatementFormatError("MALFORMED_LINE", `${column} ${JSON.stringify(text)} is not an amount in yuan with at most two decimals`, lineNo);
    throw error;
  }
  if (sign === "nonNegative" && fen < 0n) throw new StatementFormatError("MALFORMED_LINE", `${column} ${JSON.stringify(text)} is negative; this file prints it unsigned`, lineNo);
  return fen;
}

const FEE = /^(-?)(\d+)(?:\.(\d{1,5}))?$/;

/**
 * WeChat's 手续费: yuan with up to five decimals ("0.04000", "-0.02000", a summary's "0.08"). WeChat
 * rounds fees to the fen and pads with 000, so the last three decimals must be zero. Anything
 * finer is refused rather than rounded: settlement moves whole fen, and a sub-fen fee means the
 * file is not what we think it is.
 */
export function parseFeeYuan(text: string, column: string, lineNo: number): bigint {
  const match = FEE.exec(text);
  if (!match) throw new StatementFormatError("MALFORMED_LINE", `${column} ${JSON.stringify(text)} is not an amount in yuan with at most five decimals`, lineNo);
  const [, minus = "", whole = "0", decimals = ""] = match;
  if (/[^0]/.test(decimals.slice(2))) {
    throw new StatementFormatError("MALFORMED_LINE", `${column} ${JSON.stringify(text)} is not a whole number of fen (fees are rounded to the fen and padded with 000)`, lineNo);
  }
  const cents = decimals.slice(0, 2);
  return parseYuan(cents === "" ? `${minus}${whole}` : `${minus}${whole}.${cents}`, column, lineNo);
}

/** A count printed as "3" or, in some WeChat summaries, "45.0". */
export function parseCount(text: string, column: string, lineNo: number): number {
  const match = /^(\d+)(?:\.0+)?$/.exec(text);
  const count = match ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(count)) throw new StatementFormatError("MALFORMED_LINE", `${column} ${JSON.stringify(text)} is not a whole count`, lineNo);
  return count;
}

/** Fen as yuan with two decimals, for messages that quote the file's own figures back. */
export function formatYuan(fen: bigint): string {
  const abs = fen < 0n ? -fen : fen;
  return `${fen < 0n ? "-" : ""}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
}
