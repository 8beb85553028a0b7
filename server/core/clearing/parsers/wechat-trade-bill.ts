import { formatYuan, parseCount, parseFeeYuan, parseYuan } from "./amounts";
import { collectStatement, LineTotals, statementStream, StatementFormatError, type LineKind, type ParsedStatement, type StatementFacts, type StatementLine, type StatementStream, type StatementSummary } from "./types";
import { decodedLines, type TextLine } from "./lines";

// The WeChat Pay 交易账单 (trade bill) for bill types ALL, SUCCESS and REFUND, as downloaded
// (reference/channels.md §1.6): UTF-8 with a BOM, CRLF, a plain header line, detail rows whose every
// field starts with a backtick, then a summary header and one summary row of column sums.
//
// Columns move between bill versions, so everything is read by header name. The bill type is not
// printed anywhere; it follows from the header (REFUND has 退款申请时间, ALL has 退款金额, SUCCESS
// neither). The pre-2018 layout (子商户号, 总金额, no 订单金额) is refused, not guessed at.
//
// The file's bytes are in memory (bills are tens of MB at most); its lines are decoded and yielded
// one at a time by a small state machine (streamWechatTradeBill), so no array of them is held.

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Without these the file is some other kind of file. */
const IDENTITY_COLUMNS = ["交易时间", "微信订单号", "商户订单号", "交易状态"];
/** A trade bill of the current layout has these; their absence means a layout we do not read. */
const REQUIRED_COLUMNS = ["商户号", "特约商户号", "应结订单金额", "代金券金额", "手续费", "订单金额"];
/** ALL and REFUND bills carry refunds; SUCCESS bills have none of these. */
const REFUND_COLUMNS = ["微信退款单号", "商户退款单号", "退款金额", "充值券退款金额", "退款状态", "申请退款金额"];

/** Amount columns in yuan (two decimals, printed unsigned) and the one fee column (five decimals, signed). */
const YUAN_COLUMNS = ["应结订单金额", "代金券金额", "退款金额", "充值券退款金额", "订单金额", "申请退款金额"];
const FEE_COLUMN = "手续费";

/** Each summary figure is the plain sum of one detail column (verified on WeChat's own sample bill). */
const SUMMARY_OF: Readonly<Record<string, string>> = {
  应结订单总金额: "应结订单金额",
  退款总金额: "退款金额",
  充值券退款总金额: "充值券退款金额",
  手续费总金额: FEE_COLUMN,
  订单总金额: "订单金额",
  申请退款总金额: "申请退款金额",
};
const COUNT = "总交易单数";

type BillType = "ALL" | "SUCCESS" | "REFUND";

const SUMMARY_COLUMNS: Readonly<Record<BillType, readonly string[]>> = {
  ALL: [COUNT, "应结订单总金额", "退款总金额", "充值券退款总金额", "手续费总金额", "订单总金额", "申请退款总金额"],
  SUCCESS: [COUNT, "应结订单总金额", "手续费总金额", "订单总金额"],
  REFUND: [COUNT, "应结订单总金额", "退款总金额", "充值券退款总金额", "手续费总金额", "订单总金额", "申请退款总金额"],
};

interface Layout {
  readonly billType: BillType;
  readonly columns: readonly string[];
  readonly hasRefunds: boolean;
}

export function parseWechatTradeBill(bytes: Buffer): ParsedStatement {
  return collectStatement(streamWechatTradeBill(bytes));
}

export function streamWechatTradeBill(bytes: Buffer): StatementStream {
  return statementStream(() => readBill(bytes));
}

function* readBill(bytes: Buffer): Generator<StatementLine, StatementFacts, undefined> {
  const source = decodedLines(bytes.subarray(0, 3).equals(BOM) ? bytes.subarray(3) : bytes, "utf-8");
  const layout = readHeader(firstLine(source));
  const totals = new LineTotals();
  const columnSums = new Map<string, bigint>();
  let summaryColumns: readonly string[] | undefined;
  let summary: { readonly lineNo: number; readonly values: Readonly<Record<string, string>> } | undefined;
  let lastLineNo = 1;

  for (const { lineNo, text } of source) {
    lastLineNo = lineNo;
    if (summary) {
      if (text === "") continue;
      throw new StatementFormatError("MALFORMED_LINE", "text after the summary row; a trade bill ends with it", lineNo);
    }
    if (summaryColumns) {
      summary = { lineNo, values: readSummaryRow(summaryColumns, text, lineNo) };
      continue;
    }
    if (text.startsWith("`")) {
      const line = readDetail(layout, text, lineNo, columnSums);
      totals.add(line);
      yield line;
      continue;
    }
    summaryColumns = readSummaryHeader(layout, text, lineNo);
  }
  if (!summary) {
    throw new StatementFormatError("MALFORMED_LINE", "the bill ends without its summary lines (a truncated download?)", lastLineNo + 1);
  }

  const declared = checkSummary(layout, summary.values, summary.lineNo, totals.count, columnSums);
  return { format: "WECHAT_TRADE_BILL", billType: layout.billType, declared, computed: totals.summary(layout.hasRefunds) };
}

function firstLine(source: Iterator<TextLine>): TextLine {
  let first: IteratorResult<TextLine>;
  try {
    first = source.next();
  } catch (error) {
    // A header that is not UTF-8 text is a different file (an Alipay GBK csv, a zip), not a damaged bill.
    if (error instanceof StatementFormatError && error.code === "ENCODING") {
      throw new StatementFormatError("NOT_A_STATEMENT", "not a WeChat trade bill: the first line is not UTF-8 text");
    }
    throw error;
  }
  if (first.done) throw new StatementFormatError("NOT_A_STATEMENT", "not a WeChat trade bill: the file is empty");
  return first.value;
}

function readHeader({ lineNo, text }: TextLine): Layout {
  const columns = text.split(",");
  const missingIdentity = IDENTITY_COLUMNS.filter((column) => !columns.includes(column));
  if (missingIdentity.length > 0) {
    throw new StatementFormatError("NOT_A_STATEMENT", `not a WeChat trade bill: the header has no ${missingIdentity.join(", ")}`, lineNo);
  }
  const missing = REQUIRED_COLUMNS.filter((column) => !columns.includes(column));
  if (missing.length > 0) {
    throw new StatementFormatError("UNSUPPORTED", `a trade bill layout this parser does not read (no ${missing.join(", ")}; a pre-2018 bill?)`, lineNo);
  }
  if (new Set(columns).size !== columns.length) throw new StatementFormatError("MALFORMED_LINE", "the header names a column twice", lineNo);
  const billType: BillType = columns.includes("退款申请时间") ? "REFUND" : columns.includes("退款金额") ? "ALL" : "SUCCESS";
  const hasRefunds = billType !== "SUCCESS";
  if (hasRefunds) {
    const missingRefund = REFUND_COLUMNS.filter((column) => !columns.includes(column));
    if (missingRefund.length > 0) throw new StatementFormatError("UNSUPPORTED", `a ${billType} bill without ${missingRefund.join(", ")}`, lineNo);
  }
  return { billType, columns, hasRefunds };
}

/** Rows are ",`"-joined with no quoting; splitting on the two characters keeps a comma inside a field. */
function splitRow(text: string, what: string, lineNo: number): string[] {
  if (!text.startsWith("`")) throw new StatementFormatError("MALFORMED_LINE", `${what} must start with a backtick`, lineNo);
  return text.slice(1).split(",`");
}

function readDetail(layout: Layout, text: string, lineNo: number, columnSums: Map<string, bigint>): StatementLine {
  const values = splitRow(text, "a detail row", lineNo);
  if (values.length !== layout.columns.length) {
    throw new StatementFormatError("MALFORMED_LINE", `a detail row with ${values.length} fields; the header has ${layout.columns.length}`, lineNo);
  }
  const raw: Record<string, string> = Object.fromEntries(layout.columns.map((column, index) => [column, values[index] ?? ""]));
  const field = (column: string) => raw[column] ?? "";

  const amounts = new Map<string, bigint>();
  for (const column of YUAN_COLUMNS) {
    if (column in raw) amounts.set(column, parseYuan(field(column), column, lineNo, "nonNegative"));
  }
  amounts.set(FEE_COLUMN, parseFeeYuan(field(FEE_COLUMN), FEE_COLUMN, lineNo));
  for (const [column, fen] of amounts) columnSums.set(column, (columnSums.get(column) ?? 0n) + fen);
  const amount = (column: string) => amounts.get(column) ?? 0n;

  const tradeStatus = field("交易状态");
  const kind = kindOf(tradeStatus, lineNo);
  const common = {
    lineNo,
    kind,
    occurredAt: beijingTime(field("交易时间"), "交易时间", lineNo),
    outTradeNo: field("商户订单号") || undefined,
    channelTradeNo: field("微信订单号") || undefined,
    // 特约商户号 is "0" for a direct (non-partner) merchant: there is no sub-merchant then.
    subMerchant: idOrNone(field("特约商户号")),
    // Printed unsigned either way; WeChat's own sample shows a returned fee as a negative 手续费.
    feeMinor: amount(FEE_COLUMN),
    raw,
  };

  if (kind !== "REFUND") {
    // Payments and reversals carry their amounts in the order columns only; a refund figure here
    // would be lost in the normalisation, and the documented layout never prints one.
    for (const column of ["退款金额", "申请退款金额"]) {
      if (amount(column) !== 0n) throw new StatementFormatError("MALFORMED_LINE", `a ${tradeStatus} row with ${column} ${field(column)}; refunds have rows of their own`, lineNo);
    }
    return {
      ...common,
      status: tradeStatus,
      amountMinor: amount("订单金额"),
      // 应结订单金额 = 订单金额 − non-recharge coupons: what WeChat settles.
      settleableMinor: amount("应结订单金额"),
      couponMinor: amount("代金券金额"),
    };
  }

  if (!layout.hasRefunds) throw new StatementFormatError("MALFORMED_LINE", "a REFUND row in a SUCCESS bill, which has no refund columns", lineNo);
  // Refund rows print 0.00 in the order columns (channels.md §1.6); a figure there would be counted
  // in 订单总金额 and could be either the original order or something else entirely.
  for (const column of ["订单金额", "应结订单金额"]) {
    if (amount(column) !== 0n) throw new StatementFormatError("MALFORMED_LINE", `a REFUND row with ${column} ${field(column)}; refund rows carry 0.00 there`, lineNo);
  }
  // 申请退款金额 is what the merchant asked to refund; 退款金额 what WeChat settles back, less
  // non-recharge coupons (like 应结订单金额 on the payment side).
  const requested = -amount("申请退款金额");
  const settled = -amount("退款金额");
  return {
    ...common,
    // The REFUND bill keeps the payment's time in 交易时间; the refund's own is 退款申请时间, which
    // is what the ALL bill prints in 交易时间 for the same row.
    occurredAt: "退款申请时间" in raw ? beijingTime(field("退款申请时间"), "退款申请时间", lineNo) : common.occurredAt,
    outRefundNo: idOrNone(field("商户退款单号")),
    channelRefundNo: idOrNone(field("微信退款单号")),
    // 交易状态 is REFUND on every refund row; whether the refund went through is 退款状态.
    status: field("退款状态") || tradeStatus,
    amountMinor: requested,
    settleableMinor: settled,
    couponMinor: requested - settled,
  };
}

function kindOf(status: string, lineNo: number): LineKind {
  switch (status) {
    case "SUCCESS":
      return "PAYMENT";
    case "REFUND":
      return "REFUND";
    case "REVOKED":
      return "REVOKED";
    default:
      throw new StatementFormatError("UNSUPPORTED", `交易状态 ${JSON.stringify(status)} is not SUCCESS, REFUND or REVOKED`, lineNo);
  }
}

/** Empty and the "0" WeChat prints for an absent id (refund numbers on payment rows, 特约商户号 when direct) mean none. */
function idOrNone(value: string): string | undefined {
  return value === "" || value === "0" ? undefined : value;
}

/** "2024-01-01 12:00:05", Beijing time. */
function beijingTime(value: string, column: string, lineNo: number): string {
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value)) {
    throw new StatementFormatError("MALFORMED_LINE", `${column} ${JSON.stringify(value)} is not a time as yyyy-MM-dd HH:mm:ss`, lineNo);
  }
  return `${value.replace(" ", "T")}+08:00`;
}

function readSummaryHeader(layout: Layout, text: string, lineNo: number): readonly string[] {
  const columns = text.split(",");
  if (!columns.includes(COUNT)) {
    throw new StatementFormatError("MALFORMED_LINE", "neither a detail row (starting with a backtick) nor the summary header (总交易单数,…)", lineNo);
  }
  // Every figure of the summary is checked; one this parser cannot check is refused rather than
  // skipped, since a skipped total is exactly what the check exists to catch.
  const expected = SUMMARY_COLUMNS[layout.billType];
  const unknown = columns.filter((column) => !expected.includes(column));
  if (unknown.length > 0) throw new StatementFormatError("UNSUPPORTED", `summary column ${unknown.join(", ")} is not one a ${layout.billType} bill has`, lineNo);
  const missing = expected.filter((column) => !columns.includes(column));
  if (missing.length > 0) throw new StatementFormatError("MALFORMED_LINE", `the summary header has no ${missing.join(", ")}`, lineNo);
  return columns;
}

function readSummaryRow(columns: readonly string[], text: string, lineNo: number): Readonly<Record<string, string>> {
  const values = splitRow(text, "the summary row", lineNo);
  if (values.length !== columns.length) {
    throw new StatementFormatError("MALFORMED_LINE", `the summary row has ${values.length} fields; its header has ${columns.length}`, lineNo);
  }
  return Object.fromEntries(columns.map((column, index) => [column, values[index] ?? ""]));
}

/** The summary against the detail rows, figure by figure; then what the summary says in our signs. */
function checkSummary(layout: Layout, values: Readonly<Record<string, string>>, lineNo: number, count: number, columnSums: ReadonlyMap<string, bigint>): StatementSummary {
  const declaredCount = parseCount(values[COUNT] ?? "", COUNT, lineNo);
  if (declaredCount !== count) {
    throw new StatementFormatError("TOTALS_MISMATCH", `summary ${COUNT} is ${declaredCount} but the bill has ${count} detail rows`, lineNo);
  }
  const stated = new Map<string, bigint>();
  for (const column of SUMMARY_COLUMNS[layout.billType]) {
    const detailColumn = SUMMARY_OF[column];
    if (detailColumn === undefined) continue;
    const text = values[column] ?? "";
    const fen = detailColumn === FEE_COLUMN ? parseFeeYuan(text, column, lineNo) : parseYuan(text, column, lineNo, "nonNegative");
    const sum = columnSums.get(detailColumn) ?? 0n;
    if (fen !== sum) {
      throw new StatementFormatError("TOTALS_MISMATCH", `summary ${column} is ${formatYuan(fen)} but the ${detailColumn} of the detail rows adds up to ${formatYuan(sum)}`, lineNo);
    }
    stated.set(column, fen);
  }
  const figure = (column: string) => stated.get(column) ?? 0n;
  const refunds = figure("申请退款总金额");
  return {
    count: declaredCount,
    amountMinor: figure("订单总金额") - refunds,
    settleableMinor: figure("应结订单总金额") - figure("退款总金额"),
    feeMinor: figure("手续费总金额"),
    ...(layout.hasRefunds ? { refundMinor: -refunds } : {}),
  };
}

