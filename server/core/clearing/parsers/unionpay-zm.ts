import { beijingTimestamp, decodeStrict, defined, splitByteLines } from "./template";
import { collectStatement, statementStream, StatementFormatError, type LineKind, type ParsedStatement, type StatementLine, type StatementStream } from "./types";
import { readZip } from "./zip";

// The UnionPay ACP ZM file (INN{yyMMdd}88ZM_{merId}, channels.md §3.2): the day's cleared
// transactions of one merchant, GBK, one record per CRLF line, 42 fixed-width fields with one
// space after each but the last: 607 bytes a line.
//
// Widths are bytes of GBK, where a Chinese character (a merchant's abbreviation, say) is two bytes
// and an ASCII one is one. So each line is sliced on its raw bytes and every field is decoded on
// its own: decoding the line first and slicing the text would shift every field after the first
// Chinese character. The separator after each field must be a space; if it is not, the line's
// fields are not where the layout says and we refuse it rather than read shifted numbers.
//
// The file has no header, trailer or totals line (every line is a record; the ACP SDK's own reader
// treats it so), so there is nothing of the file's to check the lines against: `declared` repeats
// `computed` and `hasDeclaredTotals` is false. What can be checked is checked: every line is
// exactly 607 bytes (a file cut short, or an extra line appended, is refused), every separator is a
// space, every amount is digits.
//
// Normalisation:
//   - kind from 交易类型 txnType: 01 consume → PAYMENT, 04 退货 → REFUND, 31 消费撤销 → REVOKED;
//     anything else is refused (the file is imported whole or not at all, and a type we do not
//     know could be money we would count wrongly). The 交易代码 txnCode (S22, S30, S31 in the
//     simulator) is kept as the status word but does not decide: its refund and void values are
//     unconfirmed (channels.md §7.6).
//   - amounts are fen (交易金额, unsigned); refunds and voids are made negative.
//   - the fee's C/D letter decides its sign: D (debited to the merchant) positive, C (given back,
//     as on a void) negative, which is "signed like the amount" for every line the simulator and
//     the SDK samples show. What C/D means in real files is unconfirmed (§7.6).
//   - 优惠金额 is the coupon the channel funds, signed like the amount; settleable = amount − coupon.
//     结算金额 is kept in raw only: whether it is net of the fee (the spec's reading) or of the
//     coupon (the simulator's) is unsettled.
//   - subMerchant is 商户代码 merId, the merchant's number at the acquirer.
//   - refunds: outRefundNo/channelRefundNo are the refund's own orderId/queryId, outTradeNo and
//     channelTradeNo the original's (原始交易订单号, 原交易查询流水号). Voids: outTradeNo and
//     channelTradeNo are the voided payment's; the void's own order and query ids stay in raw.
//   - 交易传输时间 is MMDDhhmmss without a year: with `billDate` the year is the one that puts the
//     date nearest the bill date (a 31 December trade in the 1 January file is last year's);
//     without it, occurredAt is left out.
//
// The file is held in memory whole for now, but read line by line with nothing carried between
// lines except the totals, so it could be streamed.

const LAYOUT = [
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

type Field = (typeof LAYOUT)[number][0];
type Fields = Record<Field, string>;

export const ZM_LINE_BYTES = LAYOUT.reduce((total, [, width]) => total + width, 0) + LAYOUT.length - 1;

const KINDS: Readonly<Record<string, LineKind>> = { "01": "PAYMENT", "04": "REFUND", "31": "REVOKED" };

export interface ZmOptions {
  /** The bill (settlement) date, YYYY-MM-DD, from the file name or the download request: it supplies the year. */
  readonly billDate?: string;
}

/** The bill date in a ZM file's name: `INN24010588ZM_898111453110001` → 2024-01-05. */
export function zmBillDateFromFileName(name: string): string | undefined {
  const m = /INN(\d{2})(\d{2})(\d{2})88ZM_/.exec(name);
  return m ? `20${m[1]}-${m[2]}-${m[3]}` : undefined;
}

function readFields(line: Buffer, lineNo: number): Fields {
  if (line.length !== ZM_LINE_BYTES) {
    throw new StatementFormatError("MALFORMED_LINE", `a ZM line is ${ZM_LINE_BYTES} bytes, this one is ${line.length}`, lineNo);
  }
  const fields: Partial<Fields> = {};
  let at = 0;
  LAYOUT.forEach(([key, width], i) => {
    if (i > 0) {
      if (line[at] !== 0x20) throw new StatementFormatError("MALFORMED_LINE", `no space before field ${i + 1} (${key}) at byte ${at}: the fields are shifted`, lineNo);
      at += 1;
    }
    fields[key] = decodeStrict(line.subarray(at, at + width), "gbk", lineNo, `field ${i + 1} (${key})`).trim();
    at += width;
  });
  return fields as Fields;
}

/** 12 digits of fen (zero- or space-padded: real files' padding is unconfirmed). */
function unsignedFen(text: string, what: string, lineNo: number): bigint {
  if (!/^\d{1,12}$/.test(text)) throw new StatementFormatError("MALFORMED_LINE", `${what} "${text}" is not a number of fen`, lineNo);
  return BigInt(text);
}

/** `C`/`D` + 12 digits of fen; an empty field is none. */
function signedFen(text: string, what: string, lineNo: number): { sign: "C" | "D"; fen: bigint } | undefined {
  if (text === "") return undefined;
  const m = /^([CD])(\d{12})$/.exec(text);
  if (!m) throw new StatementFormatError("MALFORMED_LINE", `${what} "${text}" is not C or D and 12 digits of fen`, lineNo);
  return { sign: m[1] === "C" ? "C" : "D", fen: BigInt(m[2] ?? "0") };
}

function occurredAt(txnTime: string, billDate: string | undefined, lineNo: number): string | undefined {
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(txnTime);
  if (!m) throw new StatementFormatError("MALFORMED_LINE", `the transmission time "${txnTime}" is not MMDDhhmmss`, lineNo);
  const [mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number];
  // Checked against a leap year so that 0229 passes here and fails below only in a common year.
  if (beijingTimestamp(2000, mo, d, h, mi, s) === undefined) throw new StatementFormatError("MALFORMED_LINE", `the transmission time "${txnTime}" is no such time`, lineNo);
  if (billDate === undefined) return undefined;
  // The year that puts the date nearest the bill date: the file holds the bill day's trades and a
  // few late ones from the days before, so 1231 in the 1 January file is last year's.
  const bill = Date.parse(`${billDate}T00:00:00Z`);
  const billYear = Number(billDate.slice(0, 4));
  const distance = (y: number) => Math.abs(Date.UTC(y, mo - 1, d) - bill);
  const year = [billYear - 1, billYear, billYear + 1].reduce((best, y) => (distance(y) < distance(best) ? y : best));
  const at = beijingTimestamp(year, mo, d, h, mi, s);
  if (at === undefined) throw new StatementFormatError("MALFORMED_LINE", `the transmission time "${txnTime}" is no such time in ${year}`, lineNo);
  return at;
}

function readLine(bytes: Buffer, lineNo: number, billDate: string | undefined): StatementLine {
  const f = readFields(bytes, lineNo);
  const kind = KINDS[f.txnType];
  if (kind === undefined) throw new StatementFormatError("UNSUPPORTED", `交易类型 txnType "${f.txnType}" is not a consume (01), refund (04) or void (31)`, lineNo);
  const sign = kind === "PAYMENT" ? 1n : -1n;
  const amount = unsignedFen(f.txnAmt, "交易金额 txnAmt", lineNo) * sign;
  const fee = signedFen(f.merFee, "商户手续费 merFee", lineNo);
  const coupon = signedFen(f.discountAmt, "优惠金额 discountAmt", lineNo);
  signedFen(f.settleAmt, "结算金额 settleAmt", lineNo); // kept in raw; checked for shape only
  const couponMinor = coupon ? coupon.fen * sign : undefined;
  const original = kind !== "PAYMENT";
  const refund = kind === "REFUND";
  const text = (value: string) => (value === "" ? undefined : value);
  return {
    lineNo,
    kind,
    status: f.txnCode,
    ...defined({
      occurredAt: occurredAt(f.txnTime, billDate, lineNo),
      outTradeNo: text(original ? f.origOrderId : f.orderId),
      channelTradeNo: text(original ? f.origQryId : f.queryId),
      outRefundNo: refund ? text(f.orderId) : undefined,
      channelRefundNo: refund ? text(f.queryId) : undefined,
      subMerchant: text(f.merId),
    }),
    amountMinor: amount,
    settleableMinor: amount - (couponMinor ?? 0n),
    feeMinor: fee === undefined ? 0n : fee.sign === "D" ? fee.fen : -fee.fen,
    ...(couponMinor !== undefined ? { couponMinor } : {}),
    raw: f,
  };
}

export function parseUnionpayZm(bytes: Buffer, options: ZmOptions = {}): ParsedStatement {
  return collectStatement(streamUnionpayZm(bytes, options));
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/**
 * The day's file transfer as the bank connector downloads it is a zip holding the ZM file
 * (INN…88ZM_{merId}) beside its error file (…88ZME_…): the ZM file is read from it, and its name
 * gives the bill date when none was given. A bare ZM file is read as it is.
 */
function zmFile(bytes: Buffer): { bytes: Buffer; name?: string } {
  if (bytes.length < 4 || !bytes.subarray(0, 4).equals(ZIP_MAGIC)) return { bytes };
  const files = readZip(bytes).filter((entry) => !entry.isDirectory);
  const zm = files.filter((entry) => /88ZM_/.test(entry.name.slice(entry.name.lastIndexOf("/") + 1)));
  const names = files.map((entry) => entry.name).join(", ") || "nothing";
  const [file, ...others] = zm;
  if (!file) throw new StatementFormatError("NOT_A_STATEMENT", `not a UnionPay file transfer: the zip holds no INN…88ZM_ file (it holds ${names})`);
  if (others.length > 0) throw new StatementFormatError("UNSUPPORTED", `the zip holds several ZM files (${names}); expected one`);
  return { bytes: file.read(), name: file.name };
}

export function streamUnionpayZm(raw: Buffer, options: ZmOptions = {}): StatementStream {
  const unwrapped = zmFile(raw);
  const bytes = unwrapped.bytes;
  const billDate = options.billDate ?? (unwrapped.name ? zmBillDateFromFileName(unwrapped.name) : undefined);
  const valid = billDate === undefined || (/^\d{4}-\d{2}-\d{2}$/.test(billDate) && beijingTimestamp(Number(billDate.slice(0, 4)), Number(billDate.slice(5, 7)), Number(billDate.slice(8, 10))) !== undefined);
  if (!valid) throw new StatementFormatError("UNSUPPORTED", `billDate "${billDate}" is not YYYY-MM-DD`);
  return statementStream(function* () {
    let count = 0;
    let amountMinor = 0n;
    let feeMinor = 0n;
    for (const { lineNo, bytes: line } of splitByteLines(bytes)) {
      const parsed = readLine(line, lineNo, billDate);
      count += 1;
      amountMinor += parsed.amountMinor;
      feeMinor += parsed.feeMinor;
      yield parsed;
    }
    const computed = { count, amountMinor, feeMinor };
    return { format: "UNIONPAY_ZM", ...(billDate ? { billDate } : {}), declared: computed, computed, hasDeclaredTotals: false };
  });
}
