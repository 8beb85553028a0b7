import { DETAIL_WIDTHS } from "@/server/core/payouts/file";
import { beijingTimestamp, decodeStrict, detectEncoding, splitByteLines, splitDelimited, stripUtf8Bom, type ByteLine } from "./template";
import { StatementFormatError, type ParsedStatement, type StatementLine } from "./types";

// Two bank files we define ourselves, because every bank's own differs (channels.md §3.3): banks
// or the people who fetch their files convert them into these. Both are read line by line; the
// whole file is in memory for now, but nothing but running totals is carried from line to line,
// so they could be streamed.
//
// Account numbers are kept masked: statement lines are stored and shown in the exception view,
// and a full account or card number has no business there. An account printed in full (digits
// only, more than 8) is masked on reading, keeping the first and last four digits.
//
// ── SWYCRD01: a bank's credit (collection) file ────────────────────────────────────────────────
// Every credit to one of our accounts on a day: the channels' net settlements arriving. CSV, comma
// separated, fields quoted with " when they hold a comma (a doubled quote is a literal one; a
// field may not span lines). UTF-8 (BOM optional) or GBK, told apart by decoding the whole file.
// LF or CRLF. Blank lines are ignored.
//
//   H,SWYCRD01,<our account>,<statement date YYYYMMDD>,CNY
//   C,<value date YYYYMMDD>,<counterparty account>,<counterparty name>,<amount in fen>,<bank serial no.>,<memo>
//   …one C line per credit, amount a positive whole number of fen
//   T,<number of C lines>,<total of the amounts in fen>
//
// A credit becomes a CREDIT line: amount positive (money arriving), occurredAt the value date at
// 00:00 Beijing time, account the counterparty's, the name, serial and memo (摘要/附言, where the
// channel's settlement reference usually is) in raw. A bank serial number appearing twice is
// refused: the same credit listed twice would be counted twice.
//
// ── SWYRES01: a bank's result file for a payout batch (回盘文件) ────────────────────────────────
// The answer to our payout file SWYPAY01 (docs/decisions.md, "The payout file (FILE delivery)";
// server/core/payouts/file.ts), in its style: fixed width, UTF-8 (BOM tolerated), LF (CRLF
// tolerated), widths counting characters (code points), not bytes; text left-aligned and
// space-padded, numbers right-aligned and zero-padded. A line may come shorter than its width
// when the spaces at its end were trimmed on the way; it is read as if padded. Longer is refused.
//
//   header   H 1 | format "SWYRES01" 8 | batch id (32 hex, no dashes, as in our file) 32 |
//            processed YYYYMMDD 8 | HHMMSS 6 (Asia/Shanghai) | currency "CNY" 3             = 58
//   detail   D 1 | our file's line number 6 | our payout no. 32 | account (masked) 30 |
//            amount in fen 15 | result 9 (SUCCEEDED, FAILED, RETURNED) |
//            processed YYYYMMDDHHMMSS 14 | bank serial no. 32 | reason code 8 | reason 60   = 207
//   trailer  T 1 | count 8 | total in fen 18 | succeeded count 8 | succeeded total 18 |
//            failed count 8 | failed total 18 | returned count 8 | returned total 18       = 105
//
// One detail per payout the bank has resolved; a payout still processing is left out and comes in
// a later file (a RETURNED may follow an earlier SUCCEEDED the same way). Lines become
// PAYOUT_RESULT lines matched by payout no.; amounts are positive (the payout's amount; the
// result says what became of it). A payout no. appearing twice in one file is refused.

const CREDIT_FORMAT = "SWYCRD01";
const RESULT_FORMAT = "SWYRES01";

/** Full account numbers are masked to their first and last four digits; masked or odd ones stay as printed. */
/** A bank account number as files may show it: the first and last four digits. */
export function maskAccount(account: string): string {
  return /^\d{9,}$/.test(account) ? `${account.slice(0, 4)}${"*".repeat(account.length - 8)}${account.slice(-4)}` : account;
}

function date8(text: string, what: string, lineNo: number): { iso: string; at: string } {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  const at = m ? beijingTimestamp(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
  if (!at) throw new StatementFormatError("MALFORMED_LINE", `${what} "${text}" is not a YYYYMMDD date`, lineNo);
  return { iso: at.slice(0, 10), at };
}

function wholeNumber(text: string, digits: number, what: string, lineNo: number): bigint {
  if (!new RegExp(`^\\d{1,${digits}}$`).test(text)) throw new StatementFormatError("MALFORMED_LINE", `${what} "${text}" is not a whole number`, lineNo);
  return BigInt(text);
}

/** The non-blank lines, and the number of the last line (for messages about a missing trailer). */
function contentLines(bytes: Buffer): { lines: ByteLine[]; last: number } {
  const lines: ByteLine[] = [];
  let last = 0;
  for (const line of splitByteLines(bytes)) {
    last = line.lineNo;
    if (line.bytes.some((b) => b !== 0x20 && b !== 0x09)) lines.push(line);
  }
  return { lines, last };
}

// ── credits ───────────────────────────────────────────────────────────────────────────────────

export function parseBankCredit(bytes: Buffer): ParsedStatement & { readonly account: string } {
  const encoding = detectEncoding(bytes);
  const { lines: raw, last } = contentLines(encoding === "utf-8" ? stripUtf8Bom(bytes) : bytes);
  const rows = raw.map((l) => ({ lineNo: l.lineNo, cells: splitDelimited(decodeStrict(l.bytes, encoding, l.lineNo), ",", '"', l.lineNo) }));

  const header = rows[0];
  if (!header || header.cells[0] !== "H" || header.cells[1] !== CREDIT_FORMAT) {
    throw new StatementFormatError("NOT_A_STATEMENT", `a credit file starts with "H,${CREDIT_FORMAT},…"`, header?.lineNo ?? 1);
  }
  const [, , account = "", dateText = "", currency = ""] = header.cells;
  if (header.cells.length !== 5) throw new StatementFormatError("MALFORMED_LINE", `the header has ${header.cells.length} fields, not 5`, header.lineNo);
  if (currency !== "CNY") throw new StatementFormatError("UNSUPPORTED", `currency "${currency}": only CNY`, header.lineNo);
  const statementDate = date8(dateText, "the statement date", header.lineNo).iso;

  const lines: StatementLine[] = [];
  const serials = new Map<string, number>();
  let total = 0n;
  let trailer: { lineNo: number; count: number; total: bigint } | undefined;
  for (const { lineNo, cells } of rows.slice(1)) {
    if (trailer) throw new StatementFormatError("MALFORMED_LINE", `a line after the trailer (line ${trailer.lineNo})`, lineNo);
    const type = cells[0];
    if (type === "T") {
      if (cells.length !== 3) throw new StatementFormatError("MALFORMED_LINE", `the trailer has ${cells.length} fields, not 3`, lineNo);
      trailer = { lineNo, count: Number(wholeNumber(cells[1] ?? "", 9, "the trailer's count", lineNo)), total: wholeNumber(cells[2] ?? "", 18, "the trailer's total", lineNo) };
      continue;
    }
    if (type !== "C") throw new StatementFormatError("MALFORMED_LINE", `record type "${type ?? ""}" is not C (a credit) or T (the trailer)`, lineNo);
    if (cells.length !== 7) throw new StatementFormatError("MALFORMED_LINE", `a credit has 7 fields, this one ${cells.length}`, lineNo);
    const [, valueDate = "", counterparty = "", name = "", amountText = "", serial = "", memo = ""] = cells;
    const { at } = date8(valueDate, "the value date", lineNo);
    const amountMinor = wholeNumber(amountText, 15, "the amount", lineNo);
    if (amountMinor === 0n) throw new StatementFormatError("MALFORMED_LINE", "a credit of 0 fen", lineNo);
    if (counterparty === "") throw new StatementFormatError("MALFORMED_LINE", "the counterparty account is empty", lineNo);
    if (serial === "") throw new StatementFormatError("MALFORMED_LINE", "the bank serial no. is empty", lineNo);
    const seen = serials.get(serial);
    if (seen !== undefined) throw new StatementFormatError("MALFORMED_LINE", `bank serial no. ${serial} is listed twice (first on line ${seen})`, lineNo);
    serials.set(serial, lineNo);
    const masked = maskAccount(counterparty);
    total += amountMinor;
    lines.push({
      lineNo,
      kind: "CREDIT",
      status: "CREDIT",
      occurredAt: at,
      account: masked,
      amountMinor,
      settleableMinor: amountMinor,
      feeMinor: 0n,
      raw: { valueDate, counterpartyAccount: masked, counterpartyName: name, bankSerialNo: serial, memo },
    });
  }
  if (!trailer) throw new StatementFormatError("MALFORMED_LINE", "the file ends without its trailer (T,count,total): it may be cut short", last);

  const computed = { count: lines.length, amountMinor: total };
  const declared = { count: trailer.count, amountMinor: trailer.total };
  if (declared.count !== computed.count || declared.amountMinor !== computed.amountMinor) {
    throw new StatementFormatError(
      "TOTALS_MISMATCH",
      `the trailer states ${declared.count} credits totalling ${declared.amountMinor} fen, the file has ${computed.count} totalling ${computed.amountMinor}`,
      trailer.lineNo,
    );
  }
  return { format: "BANK_CREDIT", billDate: statementDate, account: maskAccount(account), lines, declared, computed };
}

// ── payout results ───────────────────────────────────────────────────────────────────────────

const HEADER_WIDTHS = [1, 8, 32, 8, 6, 3] as const;
const DETAIL_FIELDS = [1, 6, DETAIL_WIDTHS.outPayoutNo, 30, DETAIL_WIDTHS.amount, 9, 14, 32, 8, 60] as const;
const TRAILER_WIDTHS = [1, 8, 18, 8, 18, 8, 18, 8, 18] as const;

const RESULTS = ["SUCCEEDED", "FAILED", "RETURNED"] as const;
type PayoutResult = (typeof RESULTS)[number];

/** The line cut into fields by character widths; a line shorter than the record is read as if space-padded. */
function cut(text: string, widths: readonly number[], what: string, lineNo: number): string[] {
  const chars = [...text];
  const width = widths.reduce((a, b) => a + b, 0);
  if (chars.length > width) throw new StatementFormatError("MALFORMED_LINE", `${what} is ${width} characters, this one ${chars.length}`, lineNo);
  const fields: string[] = [];
  let at = 0;
  for (const w of widths) {
    fields.push(chars.slice(at, at + w).join(""));
    at += w;
  }
  return fields;
}

function timestamp14(text: string, lineNo: number): string {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  const at = m ? beijingTimestamp(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : undefined;
  if (!at) throw new StatementFormatError("MALFORMED_LINE", `the processing time "${text}" is not YYYYMMDDHHMMSS`, lineNo);
  return at;
}

export function parseBankPayoutResult(bytes: Buffer): ParsedStatement & { readonly batchId: string } {
  const { lines: raw, last } = contentLines(stripUtf8Bom(bytes));
  const first = raw[0];
  const headerText = first ? decodeStrict(first.bytes, "utf-8", first.lineNo) : "";
  if (!first || !headerText.startsWith(`H${RESULT_FORMAT}`)) {
    throw new StatementFormatError("NOT_A_STATEMENT", `a payout result file starts with "H${RESULT_FORMAT}"`, first?.lineNo ?? 1);
  }
  const [, , batchHex = "", dateText = "", timeText = "", currency = ""] = cut(headerText, HEADER_WIDTHS, "the header", first.lineNo);
  if (!/^[0-9a-fA-F]{32}$/.test(batchHex)) throw new StatementFormatError("MALFORMED_LINE", `the batch id "${batchHex.trim()}" is not 32 hex digits`, first.lineNo);
  if (currency !== "CNY") throw new StatementFormatError("UNSUPPORTED", `currency "${currency.trim()}": only CNY`, first.lineNo);
  const processedAt = timestamp14(dateText + timeText, first.lineNo);
  const h = batchHex.toLowerCase();
  const batchId = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;

  const lines: StatementLine[] = [];
  const seen = new Map<string, number>();
  const byResult: Record<PayoutResult, { count: number; amountMinor: bigint }> = {
    SUCCEEDED: { count: 0, amountMinor: 0n },
    FAILED: { count: 0, amountMinor: 0n },
    RETURNED: { count: 0, amountMinor: 0n },
  };
  let total = 0n;
  let trailer: { lineNo: number; fields: string[] } | undefined;
  for (const { lineNo, bytes: lineBytes } of raw.slice(1)) {
    if (trailer) throw new StatementFormatError("MALFORMED_LINE", `a line after the trailer (line ${trailer.lineNo})`, lineNo);
    const text = decodeStrict(lineBytes, "utf-8", lineNo);
    if (text.startsWith("T")) {
      trailer = { lineNo, fields: cut(text, TRAILER_WIDTHS, "the trailer", lineNo) };
      continue;
    }
    if (!text.startsWith("D")) throw new StatementFormatError("MALFORMED_LINE", `record type "${text.slice(0, 1)}" is not D (a payout) or T (the trailer)`, lineNo);
    const [, fileLine = "", payoutNo = "", accountText = "", amountText = "", resultText = "", atText = "", serial = "", reasonCode = "", reason = ""] = cut(text, DETAIL_FIELDS, "a payout result", lineNo);
    if (!/^\d{6}$/.test(fileLine)) throw new StatementFormatError("MALFORMED_LINE", `the payout file's line number "${fileLine.trim()}" is not 6 digits`, lineNo);
    const outPayoutNo = payoutNo.trim();
    if (outPayoutNo === "") throw new StatementFormatError("MALFORMED_LINE", "the payout no. is empty", lineNo);
    const earlier = seen.get(outPayoutNo);
    if (earlier !== undefined) throw new StatementFormatError("MALFORMED_LINE", `payout ${outPayoutNo} has a result twice (first on line ${earlier})`, lineNo);
    seen.set(outPayoutNo, lineNo);
    if (!/^\d{15}$/.test(amountText)) throw new StatementFormatError("MALFORMED_LINE", `the amount "${amountText.trim()}" is not 15 digits of fen`, lineNo);
    const amountMinor = BigInt(amountText);
    const result = RESULTS.find((r) => r === resultText.trim());
    if (!result) {
      throw new StatementFormatError("MALFORMED_LINE", `the result "${resultText.trim()}" is not SUCCEEDED, FAILED or RETURNED (a payout still processing is left out until it resolves)`, lineNo);
    }
    const account = maskAccount(accountText.trim());
    total += amountMinor;
    byResult[result].count += 1;
    byResult[result].amountMinor += amountMinor;
    const why = [reasonCode.trim(), reason.trim()].filter((s) => s !== "").join(" ");
    lines.push({
      lineNo,
      kind: "PAYOUT_RESULT",
      status: result,
      occurredAt: timestamp14(atText, lineNo),
      outPayoutNo,
      payoutStatus: result,
      ...(result !== "SUCCEEDED" && why !== "" ? { failureReason: why } : {}),
      account,
      amountMinor,
      settleableMinor: amountMinor,
      feeMinor: 0n,
      raw: { fileLineNo: fileLine, account, bankSerialNo: serial.trim(), reasonCode: reasonCode.trim(), reason: reason.trim() },
    });
  }
  if (!trailer) throw new StatementFormatError("MALFORMED_LINE", "the file ends without its trailer (T): it may be cut short", last);

  const [, countText = "", totalText = "", ...perResult] = trailer.fields;
  const at = trailer.lineNo;
  const declared = { count: Number(wholeNumber(countText, 8, "the trailer's count", at)), amountMinor: wholeNumber(totalText, 18, "the trailer's total", at) };
  const computed = { count: lines.length, amountMinor: total };
  const mismatches: string[] = [];
  if (declared.count !== computed.count || declared.amountMinor !== computed.amountMinor) {
    mismatches.push(`${declared.count} payouts totalling ${declared.amountMinor} fen stated, ${computed.count} totalling ${computed.amountMinor} in the file`);
  }
  RESULTS.forEach((result, i) => {
    const count = Number(wholeNumber(perResult[i * 2] ?? "", 8, `the trailer's ${result} count`, at));
    const amountMinor = wholeNumber(perResult[i * 2 + 1] ?? "", 18, `the trailer's ${result} total`, at);
    const found = byResult[result];
    if (count !== found.count || amountMinor !== found.amountMinor) mismatches.push(`${result}: ${count} totalling ${amountMinor} fen stated, ${found.count} totalling ${found.amountMinor} in the file`);
  });
  if (mismatches.length > 0) throw new StatementFormatError("TOTALS_MISMATCH", `the trailer disagrees with the lines: ${mismatches.join("; ")}`, at);

  return { format: "BANK_PAYOUT_RESULT", billDate: processedAt.slice(0, 10), batchId, lines, declared, computed };
}
