import { formatYuan, parseYuan } from "./amounts";
import { collectStatement, LineTotals, statementStream, StatementFormatError, type LineKind, type ParsedStatement, type StatementFacts, type StatementLine, type StatementStream, type StatementSummary } from "./types";
import { readZip } from "./zip";
import { decodedLines } from "./lines";

// The Alipay 业务明细 (business detail) bill as downloaded (reference/channels.md §2.4): a zip
// holding `{PID}0156_{yyyyMMdd}_业务明细.csv`, usually beside a 业务明细(汇总) file that is not
// needed here. The csv is GBK, with `#` header lines (title, 账号, date range), one column header,
// comma-separated rows with a tab after id-like fields and no quoting, then `#` footer lines whose
// 交易合计 / 退款合计 state counts and 商家实收 / 商家优惠 totals. Amounts are yuan; refunds are
// printed negative. Columns are read by header name: newer accounts have more of them.
//
// The whole file is in memory for now (bills are tens of MB at most), but the csv is consumed one
// decoded line at a time with a small state machine, so a streaming line source can replace
// decodedLines() without touching the rest.

const TRADE_NO = "支付宝交易号";
const OUT_TRADE_NO = "商户订单号";
const TYPE = "业务类型";
const CREATED = "创建时间";
const FINISHED = "完成时间";
const ORDER = "订单金额（元）";
const RECEIVED = "商家实收（元）";
const MERCHANT_DISCOUNT = "商家优惠（元）";
const SERVICE_FEE = "服务费（元）";
const REFUND_NO = "退款批次号/请求号";

/** Without these the csv is some other file (the 汇总 file, another bill type). */
const IDENTITY_COLUMNS = [TRADE_NO, TYPE, ORDER];
const REQUIRED_COLUMNS = [OUT_TRADE_NO, FINISHED, RECEIVED, MERCHANT_DISCOUNT, SERVICE_FEE, REFUND_NO];

const TRADE_TOTAL = /^#交易合计[：:](\d+)笔[，,]商家实收共(\S+?)元[，,]商家优惠共(\S+?)元/;
const REFUND_TOTAL = /^#退款合计[：:](\d+)笔[，,]商家实收退款共(\S+?)元[，,]商家优惠退款共(\S+?)元/;
const ACCOUNT = /^#账号[：:]\[([^\]]+)\]/;
const DATE_RANGE = /起始日期[：:]\[(\d{4})年(\d{2})月(\d{2})日 00:00:00\]\s*终止日期[：:]\[(\d{4})年(\d{2})月(\d{2})日 00:00:00\]/;

/** What a footer total line states, and the same figures summed over the rows it covers. */
interface Tally {
  count: number;
  receivedMinor: bigint;
  discountMinor: bigint;
}

interface FooterTotal extends Tally {
  readonly lineNo: number;
}

export function parseAlipayBusinessDetail(bytes: Buffer): ParsedStatement {
  return collectStatement(streamAlipayBusinessDetail(bytes));
}

/** The zip is opened once; its csv is read line by line on every pass. */
export function streamAlipayBusinessDetail(bytes: Buffer): StatementStream {
  let csv: Buffer | undefined;
  return statementStream(() => readDetailCsv((csv ??= detailFile(bytes))));
}

/** The 业务明细 csv inside the downloaded zip, picked by name: the 汇总 file sits beside it. */
function detailFile(bytes: Buffer): Buffer {
  const files = readZip(bytes, { legacyNameEncoding: "gbk" }).filter((entry) => !entry.isDirectory);
  const details = files.filter((entry) => {
    const base = entry.name.slice(entry.name.lastIndexOf("/") + 1);
    return base.includes("业务明细") && !base.includes("汇总") && base.toLowerCase().endsWith(".csv");
  });
  const names = files.map((entry) => entry.name).join(", ") || "nothing";
  const [detail, ...others] = details;
  if (!detail) throw new StatementFormatError("NOT_A_STATEMENT", `not an Alipay 业务明细 bill: the zip holds no …_业务明细.csv (it holds ${names})`);
  if (others.length > 0) throw new StatementFormatError("UNSUPPORTED", `the zip holds several 业务明细 files (${names}); expected one`);
  return detail.read();
}

function* readDetailCsv(csv: Buffer): Generator<StatementLine, StatementFacts, undefined> {
  let account: string | undefined;
  let billDate: string | undefined;
  let columns: readonly string[] | undefined;
  let footerFrom: number | undefined;
  let tradeTotal: FooterTotal | undefined;
  let refundTotal: FooterTotal | undefined;
  const totals = new LineTotals();
  const trades: Tally = { count: 0, receivedMinor: 0n, discountMinor: 0n };
  const refunds: Tally = { count: 0, receivedMinor: 0n, discountMinor: 0n };
  let lastLineNo = 0;

  for (const { lineNo, text } of decodedLines(csv, "gbk")) {
    lastLineNo = lineNo;
    if (!columns) {
      if (text === "") continue;
      if (text.startsWith("#")) {
        account ??= ACCOUNT.exec(text)?.[1]?.trim();
        billDate ??= oneDay(text);
        continue;
      }
      columns = readColumns(text, lineNo);
      continue;
    }
    if (text.startsWith("#")) {
      footerFrom ??= lineNo;
      if (text.startsWith("#交易合计")) tradeTotal = readTotal(TRADE_TOTAL, text, lineNo, tradeTotal);
      else if (text.startsWith("#退款合计")) refundTotal = readTotal(REFUND_TOTAL, text, lineNo, refundTotal);
      // Other footer lines (the end marker, 导出时间) carry nothing to check.
      continue;
    }
    if (footerFrom !== undefined) {
      if (text === "") continue;
      throw new StatementFormatError("MALFORMED_LINE", `a row after the footer began on line ${footerFrom}`, lineNo);
    }
    if (text === "") throw new StatementFormatError("MALFORMED_LINE", "an empty line among the rows", lineNo);
    const line = readRow(columns, text, lineNo);
    totals.add(line);
    const tally = line.kind === "REFUND" ? refunds : trades;
    tally.count += 1;
    tally.receivedMinor += line.settleableMinor;
    tally.discountMinor += line.couponMinor ?? 0n;
    yield line;
  }

  if (!columns) throw new StatementFormatError("NOT_A_STATEMENT", "not an Alipay 业务明细 bill: no column header");
  // A file cut short loses its footer first; without the totals there is nothing to vouch for it.
  if (!tradeTotal) throw new StatementFormatError("MALFORMED_LINE", "the file ends without its #交易合计 footer line (a truncated file?)", lastLineNo + 1);
  if (!refundTotal) throw new StatementFormatError("MALFORMED_LINE", "the file ends without its #退款合计 footer line (a truncated file?)", lastLineNo + 1);
  checkTotal("交易合计", "交易", tradeTotal, trades);
  checkTotal("退款合计", "退款", refundTotal, refunds);

  const computed = totals.summary(true);
  // The footer states no order total, only 商家实收 and 商家优惠. Reading 订单金额 as their sum is
  // an inference [U]: it holds for every file we have seen, and when it does not the file is
  // refused here, naming both figures, rather than imported with an order total nobody stated.
  const declared: StatementSummary = {
    count: tradeTotal.count + refundTotal.count,
    amountMinor: tradeTotal.receivedMinor + tradeTotal.discountMinor + refundTotal.receivedMinor + refundTotal.discountMinor,
    settleableMinor: tradeTotal.receivedMinor + refundTotal.receivedMinor,
    refundMinor: refundTotal.receivedMinor + refundTotal.discountMinor,
  };
  if (declared.amountMinor !== computed.amountMinor) {
    throw new StatementFormatError(
      "TOTALS_MISMATCH",
      `the footer's 商家实收 + 商家优惠 come to ${formatYuan(declared.amountMinor)} but the rows' ${ORDER} add up to ${formatYuan(computed.amountMinor)}`,
      tradeTotal.lineNo,
    );
  }
  return {
    format: "ALIPAY_BUSINESS_DETAIL",
    ...(billDate === undefined ? {} : { billDate }),
    ...(account === undefined ? {} : { account }),
    declared,
    computed,
  };
}

/** The date range of a daily bill names its day; a monthly or custom range names none. */
function oneDay(text: string): string | undefined {
  const match = DATE_RANGE.exec(text);
  if (!match) return undefined;
  const [, y1, m1, d1, y2, m2, d2] = match;
  const start = `${y1}-${m1}-${d1}`;
  const startAt = Date.parse(`${start}T00:00:00Z`);
  const endAt = Date.parse(`${y2}-${m2}-${d2}T00:00:00Z`);
  return endAt - startAt === 86_400_000 ? start : undefined;
}

function readColumns(text: string, lineNo: number): readonly string[] {
  const columns = text.split(",").map((column) => column.trim());
  const missingIdentity = IDENTITY_COLUMNS.filter((column) => !columns.includes(column));
  if (missingIdentity.length > 0) {
    throw new StatementFormatError("NOT_A_STATEMENT", `not an Alipay 业务明细 bill: the column header has no ${missingIdentity.join(", ")}`, lineNo);
  }
  const missing = REQUIRED_COLUMNS.filter((column) => !columns.includes(column));
  if (missing.length > 0) throw new StatementFormatError("UNSUPPORTED", `a 业务明细 layout this parser does not read (no ${missing.join(", ")})`, lineNo);
  if (new Set(columns).size !== columns.length) throw new StatementFormatError("MALFORMED_LINE", "the column header names a column twice", lineNo);
  return columns;
}

function readRow(columns: readonly string[], text: string, lineNo: number): StatementLine {
  // No quoting: Alipay keeps commas out of the fields. The tab after id-like fields (so that a
  // spreadsheet shows 28 digits as text) is trimmed with the rest of the whitespace.
  const values = text.split(",");
  if (values.length !== columns.length) {
    throw new StatementFormatError("MALFORMED_LINE", `a row with ${values.length} fields; the column header has ${columns.length}`, lineNo);
  }
  const raw: Record<string, string> = Object.fromEntries(columns.map((column, index) => [column, (values[index] ?? "").trim()]));
  const field = (column: string) => raw[column] ?? "";

  const type = field(TYPE);
  const kind = kindOf(type, lineNo);
  const amountMinor = parseYuan(field(ORDER), ORDER, lineNo);
  if (kind === "REFUND" ? amountMinor > 0n : amountMinor < 0n) {
    throw new StatementFormatError("MALFORMED_LINE", `a ${type} row with ${ORDER} ${field(ORDER)}; 交易 rows are positive and 退款 rows negative`, lineNo);
  }
  const finished = field(FINISHED);
  return {
    lineNo,
    kind,
    occurredAt: beijingTime(finished === "" ? field(CREATED) : finished, finished === "" ? CREATED : FINISHED, lineNo),
    outTradeNo: field(OUT_TRADE_NO) || undefined,
    channelTradeNo: field(TRADE_NO) || undefined,
    // The refund's out_request_no. Alipay prints no refund id of its own here.
    ...(kind === "REFUND" ? { outRefundNo: field(REFUND_NO) || undefined } : {}),
    status: type,
    amountMinor,
    // 商家实收: the order less the discounts the merchant funds itself; Alipay-funded ones (红包,
    // 集分宝, 支付宝优惠) still reach the merchant.
    settleableMinor: parseYuan(field(RECEIVED), RECEIVED, lineNo),
    couponMinor: parseYuan(field(MERCHANT_DISCOUNT), MERCHANT_DISCOUNT, lineNo),
    // 服务费 is printed from the merchant's balance: charged on a trade is negative, returned with
    // a refund positive. Ours is the fee's own sign, so it flips. (The sign is [U], channels.md §7.)
    feeMinor: -parseYuan(field(SERVICE_FEE), SERVICE_FEE, lineNo),
    raw,
  };
}

function kindOf(type: string, lineNo: number): LineKind {
  if (type === "交易") return "PAYMENT";
  if (type === "退款") return "REFUND";
  throw new StatementFormatError("UNSUPPORTED", `业务类型 ${JSON.stringify(type)} is neither 交易 nor 退款`, lineNo);
}

/** "2024-01-01 12:00:05", Beijing time. */
function beijingTime(value: string, column: string, lineNo: number): string {
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value)) {
    throw new StatementFormatError("MALFORMED_LINE", `${column} ${JSON.stringify(value)} is not a time as yyyy-MM-dd HH:mm:ss`, lineNo);
  }
  return `${value.replace(" ", "T")}+08:00`;
}

function readTotal(pattern: RegExp, text: string, lineNo: number, already: FooterTotal | undefined): FooterTotal {
  const name = text.slice(1, 5);
  if (already) throw new StatementFormatError("MALFORMED_LINE", `a second #${name} line (the first is line ${already.lineNo})`, lineNo);
  const match = pattern.exec(text);
  if (!match) throw new StatementFormatError("MALFORMED_LINE", `cannot read the #${name} line: ${text}`, lineNo);
  const [, count = "", received = "", discount = ""] = match;
  return {
    lineNo,
    count: Number(count),
    receivedMinor: parseYuan(received, `#${name} 商家实收`, lineNo),
    discountMinor: parseYuan(discount, `#${name} 商家优惠`, lineNo),
  };
}

function checkTotal(name: string, type: string, stated: FooterTotal, rows: Tally): void {
  const mismatch = (what: string, statedFigure: string, rowsFigure: string) =>
    new StatementFormatError("TOTALS_MISMATCH", `#${name} states ${what} ${statedFigure} but the ${type} rows come to ${rowsFigure}`, stated.lineNo);
  if (stated.count !== rows.count) throw mismatch("a count of", String(stated.count), String(rows.count));
  if (stated.receivedMinor !== rows.receivedMinor) throw mismatch("商家实收", formatYuan(stated.receivedMinor), formatYuan(rows.receivedMinor));
  if (stated.discountMinor !== rows.discountMinor) throw mismatch("商家优惠", formatYuan(stated.discountMinor), formatYuan(rows.discountMinor));
}

