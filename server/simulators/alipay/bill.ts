import type { StatementDiff } from "../harness";
import { encodeGbk } from "./gbk";
import { writeZip } from "./zip";

// The 业务明细 bill (reference/channels.md §2.4): a zip of GBK CSV files with `#` header and
// footer lines, yuan amounts, a tab after the id-like fields, refunds as negative rows. Built
// from the trades the simulator processed, then the injected statement differences.

export interface BillRefund {
  readonly outRequestNo: string;
  readonly amountMinor: bigint;
  readonly feeReturnedMinor: bigint;
  readonly createdAt: Date;
  readonly succeededAt: Date;
  readonly remark?: string;
}

export interface BillTrade {
  readonly tradeNo: string;
  readonly outTradeNo: string;
  readonly subject: string;
  readonly createdAt: Date;
  readonly paidAt: Date;
  readonly storeId?: string;
  readonly storeName?: string;
  readonly terminalId?: string;
  readonly buyerLogonId: string;
  readonly amountMinor: bigint;
  readonly feeMinor: bigint;
  readonly refunds: readonly BillRefund[];
}

export interface BillInput {
  /** The account printed in the header and the file names: merchant PID + "0156". */
  readonly userId: string;
  /** YYYY-MM-DD, a day in GMT+8. */
  readonly billDate: string;
  readonly trades: readonly BillTrade[];
  readonly diffs: readonly StatementDiff[];
  /** `late` differences injected for the previous day: those lines are printed today. */
  readonly previousDayDiffs: readonly StatementDiff[];
  readonly exportedAt: Date;
  readonly feeRatePpm: number;
  readonly newTradeNo: () => string;
}

interface BillLine {
  tradeNo: string;
  outTradeNo: string;
  isRefund: boolean;
  label: string;
  subject: string;
  createdAt: Date;
  finishedAt: Date;
  storeId: string;
  storeName: string;
  terminalId: string;
  buyer: string;
  orderMinor: bigint;
  receivedMinor: bigint;
  merchantDiscountMinor: bigint;
  refundNo: string;
  /** As printed: negative on trades (charged), positive on refunds (returned). [U] sign */
  serviceFeeMinor: bigint;
  remark: string;
}

const HOUR_MS = 3600_000;

function beijing(date: Date): Date {
  return new Date(date.getTime() + 8 * HOUR_MS);
}

export function beijingDay(date: Date): string {
  return beijing(date).toISOString().slice(0, 10);
}

function timestamp(date: Date): string {
  const iso = beijing(date).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

function chineseTime(date: Date): string {
  const iso = beijing(date).toISOString();
  return `${iso.slice(0, 4)}年${iso.slice(5, 7)}月${iso.slice(8, 10)}日 ${iso.slice(11, 19)}`;
}

function dayStart(day: string): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 8 * HOUR_MS);
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 24 * HOUR_MS).toISOString().slice(0, 10);
}

function yuan(minor: bigint): string {
  const sign = minor < 0n ? "-" : "";
  const abs = minor < 0n ? -minor : minor;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
}

/** Free text goes into an unquoted CSV: no commas or line breaks. */
function text(value: string): string {
  return value.replace(/[,\r\n]/g, " ");
}

function baseLines(trades: readonly BillTrade[], day: string): BillLine[] {
  const lines: BillLine[] = [];
  for (const trade of trades) {
    const common = {
      tradeNo: trade.tradeNo,
      outTradeNo: trade.outTradeNo,
      subject: trade.subject,
      storeId: trade.storeId ?? "",
      storeName: trade.storeName ?? "",
      terminalId: trade.terminalId ?? "",
      buyer: trade.buyerLogonId,
      merchantDiscountMinor: 0n,
    };
    if (beijingDay(trade.paidAt) === day) {
      lines.push({
        ...common,
        isRefund: false,
        label: "交易",
        createdAt: trade.createdAt,
        finishedAt: trade.paidAt,
        orderMinor: trade.amountMinor,
        receivedMinor: trade.amountMinor,
        refundNo: "",
        serviceFeeMinor: -trade.feeMinor,
        remark: "",
      });
    }
    for (const refund of trade.refunds) {
      if (beijingDay(refund.succeededAt) !== day) continue;
      lines.push({
        ...common,
        isRefund: true,
        label: "退款",
        createdAt: refund.createdAt,
        finishedAt: refund.succeededAt,
        orderMinor: -refund.amountMinor,
        receivedMinor: -refund.amountMinor,
        refundNo: refund.outRequestNo,
        serviceFeeMinor: refund.feeReturnedMinor,
        remark: refund.remark ?? "",
      });
    }
  }
  return lines;
}

/** The lines a difference is about: the trade's payment line that day, else its refund lines. */
function targets(lines: readonly BillLine[], outTradeNo: string | undefined): BillLine[] {
  const mine = lines.filter((line) => line.outTradeNo === outTradeNo);
  const payment = mine.filter((line) => !line.isRefund);
  return payment.length > 0 ? payment : mine;
}

export function billLines(input: BillInput): BillLine[] {
  const today = baseLines(input.trades, input.billDate);
  const yesterday = baseLines(input.trades, addDays(input.billDate, -1));
  const lateFromYesterday = input.previousDayDiffs.filter((diff) => diff.kind === "late").flatMap((diff) => targets(yesterday, diff.outTradeNo));
  const lateToTomorrow = new Set(input.diffs.filter((diff) => diff.kind === "late").flatMap((diff) => targets(today, diff.outTradeNo)));
  let lines = [...today.filter((line) => !lateToTomorrow.has(line)), ...lateFromYesterday];

  for (const diff of input.diffs) {
    const delta = BigInt(diff.deltaMinor ?? 0);
    switch (diff.kind) {
      case "drop": {
        const dropped = new Set(targets(lines, diff.outTradeNo));
        lines = lines.filter((line) => !dropped.has(line));
        break;
      }
      case "extra": {
        const amount = BigInt(diff.amountMinor ?? 100);
        const at = new Date(dayStart(input.billDate).getTime() + 12 * HOUR_MS);
        lines.push({
          tradeNo: input.newTradeNo(),
          outTradeNo: diff.outTradeNo ?? `EXTRA${input.billDate.replaceAll("-", "")}${lines.length}`,
          isRefund: false,
          label: "交易",
          subject: "未知交易",
          createdAt: at,
          finishedAt: at,
          storeId: "",
          storeName: "",
          terminalId: "",
          buyer: "",
          orderMinor: amount,
          receivedMinor: amount,
          merchantDiscountMinor: 0n,
          refundNo: "",
          serviceFeeMinor: -((amount * BigInt(input.feeRatePpm) + 500_000n) / 1_000_000n),
          remark: diff.subMerchant ?? "",
        });
        break;
      }
      case "amount":
        for (const line of targets(lines, diff.outTradeNo)) {
          line.orderMinor += delta;
          line.receivedMinor += delta;
        }
        break;
      case "status":
        for (const line of targets(lines, diff.outTradeNo)) line.label = diff.status ?? line.label;
        break;
      case "fee":
        // delta is more fee charged on a payment line, more fee returned on a refund line.
        for (const line of targets(lines, diff.outTradeNo)) line.serviceFeeMinor += line.isRefund ? delta : -delta;
        break;
      case "coupon":
        // A merchant-funded discount: the order amount stands, the merchant receives less.
        for (const line of targets(lines, diff.outTradeNo)) {
          line.merchantDiscountMinor += delta;
          line.receivedMinor -= delta;
        }
        break;
      case "late":
        break;
    }
  }
  return lines;
}

const COLUMNS =
  "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注";

function row(line: BillLine): string {
  const tab = (value: string) => `${value}\t`;
  return [
    tab(line.tradeNo),
    tab(line.outTradeNo),
    tab(text(line.label)),
    text(line.subject),
    timestamp(line.createdAt),
    timestamp(line.finishedAt),
    tab(line.storeId),
    tab(text(line.storeName)),
    tab(""), // 操作员
    tab(line.terminalId),
    tab(line.buyer),
    yuan(line.orderMinor),
    yuan(line.receivedMinor),
    "0.00",
    "0.00",
    "0.00",
    yuan(line.merchantDiscountMinor),
    "0.00",
    "",
    tab("0.00"),
    "0.00",
    tab(line.refundNo),
    yuan(line.serviceFeeMinor),
    "0.00",
    text(line.remark),
  ].join(",");
}

function header(title: string, list: string, input: BillInput): string[] {
  const start = dayStart(input.billDate);
  const end = new Date(start.getTime() + 24 * HOUR_MS);
  return [
    `#${title}`,
    `#账号：[${input.userId}]`,
    `#起始日期：[${chineseTime(start)}]   终止日期：[${chineseTime(end)}]`,
    `#-----------------------------------------${list}----------------------------------------`,
  ];
}

function sum(lines: readonly BillLine[], pick: (line: BillLine) => bigint): bigint {
  return lines.reduce((total, line) => total + pick(line), 0n);
}

export function detailCsv(input: BillInput, lines: readonly BillLine[]): string {
  const trades = lines.filter((line) => !line.isRefund);
  const refunds = lines.filter((line) => line.isRefund);
  return [
    ...header("支付宝业务明细查询", "业务明细列表", input),
    COLUMNS,
    ...lines.map(row),
    "#-----------------------------------------业务明细列表结束------------------------------------",
    `#交易合计：${trades.length}笔，商家实收共${yuan(sum(trades, (l) => l.receivedMinor))}元，商家优惠共${yuan(sum(trades, (l) => l.merchantDiscountMinor))}元`,
    `#退款合计：${refunds.length}笔，商家实收退款共${yuan(sum(refunds, (l) => l.receivedMinor))}元，商家优惠退款共${yuan(sum(refunds, (l) => l.merchantDiscountMinor))}元`,
    `#导出时间：[${chineseTime(input.exportedAt)}]`,
    "",
  ].join("\r\n");
}

/** Per-store totals. The real 汇总 layout is not documented in our sources [U]; parsers skip it. */
export function summaryCsv(input: BillInput, lines: readonly BillLine[]): string {
  const stores = [...new Set(lines.map((line) => line.storeId))].sort();
  const summarise = (name: string, mine: readonly BillLine[]) =>
    [
      `${name}\t`,
      "\t",
      String(mine.filter((l) => !l.isRefund).length),
      String(mine.filter((l) => l.isRefund).length),
      yuan(sum(mine, (l) => l.orderMinor)),
      yuan(sum(mine, (l) => l.receivedMinor)),
      "0.00",
      yuan(sum(mine, (l) => l.merchantDiscountMinor)),
      "0.00",
      yuan(sum(mine, (l) => l.serviceFeeMinor)),
      "0.00",
      yuan(sum(mine, (l) => l.receivedMinor + l.serviceFeeMinor)),
    ].join(",");
  return [
    ...header("支付宝业务汇总查询", "业务汇总列表", input),
    "门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）,支付宝优惠（元）,商家优惠（元）,卡消费金额（元）,服务费（元）,分润（元）,实收净额（元）",
    ...stores.map((store) => summarise(store, lines.filter((line) => line.storeId === store))),
    summarise("合计", lines),
    "#-----------------------------------------业务汇总列表结束------------------------------------",
    `#导出时间：[${chineseTime(input.exportedAt)}]`,
    "",
  ].join("\r\n");
}

export function billZip(input: BillInput): { fileName: string; bytes: Buffer } {
  const lines = billLines(input);
  const stem = `${input.userId}_${input.billDate.replaceAll("-", "")}`;
  const bytes = writeZip([
    { name: encodeGbk(`${stem}_业务明细.csv`), data: encodeGbk(detailCsv(input, lines)), modifiedAt: input.exportedAt },
    { name: encodeGbk(`${stem}_业务明细(汇总).csv`), data: encodeGbk(summaryCsv(input, lines)), modifiedAt: input.exportedAt },
  ]);
  return { fileName: `${stem}.csv.zip`, bytes };
}
