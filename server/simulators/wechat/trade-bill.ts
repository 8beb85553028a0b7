import type { SimTrade, StatementDiff } from "../harness";

// The 交易账单 (trade bill) a 服务商 downloads for one day, produced from the trades the simulator
// processed and then bent by the injected statement differences. Physical format as WeChat's:
// UTF-8 BOM, CRLF, a plain header, every value prefixed with a backtick, amounts in yuan with two
// decimals except 手续费 (five), then a summary header and a summary row of column sums.
// Diffs address a trade's payment line (its refund lines are left alone):
//   drop: the line is missing · extra: a line for a trade never processed (the running simulator
//   makes it a real trade first, so it reaches this writer as a trade) · amount: ±fen on the
//   amounts · status: another 交易状态 · fee: ±fen on 手续费 · coupon: a non-recharge coupon, so
//   应结订单金额 = 订单金额 − coupon · late: the line moves to the next day's bill.

export type BillType = "ALL" | "SUCCESS" | "REFUND";

const HEADERS: Readonly<Record<BillType, readonly string[]>> = {
  ALL: "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注".split(","),
  SUCCESS: "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,商品名称,商户数据包,手续费,费率,订单金额,费率备注".split(","),
  REFUND: "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,退款申请时间,退款成功时间,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注".split(","),
};

const SUMMARY_HEADERS: Readonly<Record<BillType, readonly string[]>> = {
  ALL: "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额".split(","),
  SUCCESS: "总交易单数,应结订单总金额,手续费总金额,订单总金额".split(","),
  REFUND: "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额".split(","),
};

/** A processed trade plus what the bill prints that the shared trade record does not hold. */
export interface BillTrade {
  readonly trade: SimTrade;
  readonly spAppId: string;
  readonly openId: string;
  readonly tradeType: string;
}

export interface TradeBillInput {
  readonly billDate: string;
  readonly billType: BillType;
  readonly spMchId: string;
  readonly spAppId: string;
  readonly subMchId?: string;
  readonly trades: readonly BillTrade[];
  readonly diffs: readonly StatementDiff[];
  /** The previous day's diffs: its `late` lines are printed on this day. */
  readonly previousDayDiffs: readonly StatementDiff[];
  readonly feeRatePpm: number;
  readonly newChannelTradeNo: () => string;
}

interface Line {
  readonly kind: "PAYMENT" | "REFUND";
  outTradeNo: string;
  time: Date;
  values: Record<string, string>;
  settleFen: bigint;
  couponFen: bigint;
  orderFen: bigint;
  refundFen: bigint;
  requestedRefundFen: bigint;
  feeFen: bigint;
}

/** The file's bytes, or undefined when the day has no lines (WeChat answers NO_STATEMENT_EXIST). */
export function renderTradeBill(input: TradeBillInput): Buffer | undefined {
  const trades = input.trades.filter((item) => item.trade.merchant === input.spMchId && (!input.subMchId || item.trade.subMerchant === input.subMchId));
  const lateToday = new Set(input.diffs.filter((diff) => diff.kind === "late").map((diff) => diff.outTradeNo));
  const lateFromYesterday = new Set(input.previousDayDiffs.filter((diff) => diff.kind === "late").map((diff) => diff.outTradeNo));
  const previousDay = addDays(input.billDate, -1);

  const payments: Line[] = [];
  for (const item of trades) {
    const { trade } = item;
    if (!trade.paidAt || (trade.status !== "SUCCESS" && trade.status !== "REVOKED")) continue;
    const paidOn = beijingDate(trade.paidAt);
    const onThisBill = (paidOn === input.billDate && !lateToday.has(trade.outTradeNo)) || (paidOn === previousDay && lateFromYesterday.has(trade.outTradeNo));
    if (onThisBill) payments.push(paymentLine(item, input.feeRatePpm));
  }

  for (const diff of input.diffs) {
    if (diff.kind === "extra") {
      payments.push(extraLine(diff, input, trades[0]?.trade.subMerchant));
      continue;
    }
    const line = payments.find((candidate) => candidate.outTradeNo === diff.outTradeNo);
    if (!line) continue;
    switch (diff.kind) {
      case "drop":
        payments.splice(payments.indexOf(line), 1);
        break;
      case "amount":
        line.orderFen += BigInt(diff.deltaMinor ?? 0);
        line.settleFen += BigInt(diff.deltaMinor ?? 0);
        break;
      case "status":
        line.values.交易状态 = diff.status ?? "REVOKED";
        break;
      case "fee":
        line.feeFen += BigInt(diff.deltaMinor ?? 0);
        break;
      case "coupon":
        line.couponFen = BigInt(diff.deltaMinor ?? 0);
        line.settleFen = line.orderFen - line.couponFen;
        break;
      case "late":
        break;
    }
  }

  const refunds: Line[] = [];
  for (const item of trades) {
    for (const refund of item.trade.refunds) {
      if (refund.status === "FAILED" || beijingDate(refund.createdAt) !== input.billDate) continue;
      refunds.push(refundLine(item, refund, input.feeRatePpm, input.billType));
    }
  }

  const lines = (input.billType === "SUCCESS" ? payments : input.billType === "REFUND" ? refunds : [...payments, ...refunds]).sort((a, b) => a.time.getTime() - b.time.getTime());
  if (lines.length === 0) return undefined;

  const header = HEADERS[input.billType];
  const rows = lines.map((line) => {
    const values: Record<string, string> = {
      ...line.values,
      应结订单金额: yuan(line.settleFen),
      代金券金额: yuan(line.couponFen),
      订单金额: yuan(line.orderFen),
      退款金额: yuan(line.refundFen),
      申请退款金额: yuan(line.requestedRefundFen),
      手续费: fee(line.feeFen),
    };
    return header.map((column) => "`" + (values[column] ?? "")).join(",");
  });
  const sum = (pick: (line: Line) => bigint) => lines.reduce((total, line) => total + pick(line), 0n);
  const totals: Record<string, string> = {
    总交易单数: String(lines.length),
    应结订单总金额: yuan(sum((line) => line.settleFen)),
    退款总金额: yuan(sum((line) => line.refundFen)),
    充值券退款总金额: yuan(0n),
    手续费总金额: fee(sum((line) => line.feeFen)),
    订单总金额: yuan(sum((line) => line.orderFen)),
    申请退款总金额: yuan(sum((line) => line.requestedRefundFen)),
  };
  const summaryHeader = SUMMARY_HEADERS[input.billType];
  const text = [header.join(","), ...rows, summaryHeader.join(","), summaryHeader.map((column) => "`" + totals[column]).join(",")].map((line) => line + "\r\n").join("");
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]);
}

function commonValues(item: BillTrade, feeRatePpm: number): Record<string, string> {
  const { trade } = item;
  return {
    公众账号ID: item.spAppId,
    商户号: trade.merchant,
    特约商户号: trade.subMerchant,
    设备号: trade.deviceId ?? "",
    微信订单号: trade.channelTradeNo,
    商户订单号: trade.outTradeNo,
    用户标识: item.openId,
    交易类型: item.tradeType,
    付款银行: "OTHERS",
    货币种类: "CNY",
    商品名称: trade.description,
    商户数据包: "",
    费率: rate(feeRatePpm),
    费率备注: "",
  };
}

function paymentLine(item: BillTrade, feeRatePpm: number): Line {
  const { trade } = item;
  const paidAt = trade.paidAt ?? trade.createdAt;
  return {
    kind: "PAYMENT",
    outTradeNo: trade.outTradeNo,
    time: paidAt,
    values: {
      ...commonValues(item, feeRatePpm),
      交易时间: beijingDateTime(paidAt),
      交易状态: trade.status === "REVOKED" ? "REVOKED" : "SUCCESS",
      微信退款单号: "0",
      商户退款单号: "0",
      充值券退款金额: yuan(0n),
      退款类型: "",
      退款状态: "",
    },
    settleFen: trade.amountMinor,
    couponFen: 0n,
    orderFen: trade.amountMinor,
    refundFen: 0n,
    requestedRefundFen: 0n,
    // A payment reversed after it was charged returns its fee with it.
    feeFen: trade.status === "REVOKED" ? 0n : trade.feeMinor,
  };
}

function refundLine(item: BillTrade, refund: SimTrade["refunds"][number], feeRatePpm: number, billType: BillType): Line {
  const { trade } = item;
  return {
    kind: "REFUND",
    outTradeNo: trade.outTradeNo,
    time: refund.createdAt,
    values: {
      ...commonValues(item, feeRatePpm),
      // In the REFUND bill 交易时间 stays the payment's; the refund has its own two columns.
      交易时间: beijingDateTime(billType === "REFUND" ? (trade.paidAt ?? trade.createdAt) : refund.createdAt),
      退款申请时间: beijingDateTime(refund.createdAt),
      退款成功时间: refund.succeededAt ? beijingDateTime(refund.succeededAt) : "",
      交易状态: "REFUND",
      微信退款单号: refund.channelRefundNo,
      商户退款单号: refund.outRefundNo,
      充值券退款金额: yuan(0n),
      退款类型: "ORIGINAL",
      退款状态: refund.status === "SUCCEEDED" ? "SUCCESS" : "PROCESSING",
    },
    settleFen: 0n,
    couponFen: 0n,
    orderFen: 0n,
    refundFen: refund.amountMinor,
    requestedRefundFen: refund.amountMinor,
    // The fee WeChat hands back on a refund, pro rata, printed negative.
    feeFen: -refundedFee(trade, refund.amountMinor),
  };
}

function extraLine(diff: StatementDiff, input: TradeBillInput, defaultSubMerchant: string | undefined): Line {
  const amount = BigInt(diff.amountMinor ?? 100);
  const at = new Date(`${input.billDate}T12:00:00+08:00`);
  const channelTradeNo = input.newChannelTradeNo();
  const outTradeNo = diff.outTradeNo ?? `EXTRA${channelTradeNo.slice(-12)}`;
  return {
    kind: "PAYMENT",
    outTradeNo,
    time: at,
    values: {
      交易时间: beijingDateTime(at),
      公众账号ID: input.spAppId,
      商户号: input.spMchId,
      特约商户号: diff.subMerchant ?? input.subMchId ?? defaultSubMerchant ?? "1900000109",
      设备号: "",
      微信订单号: channelTradeNo,
      商户订单号: outTradeNo,
      用户标识: "oSimExtraPayer000000000000000",
      交易类型: "MICROPAY",
      交易状态: "SUCCESS",
      付款银行: "OTHERS",
      货币种类: "CNY",
      微信退款单号: "0",
      商户退款单号: "0",
      充值券退款金额: yuan(0n),
      退款类型: "",
      退款状态: "",
      商品名称: "simulated extra line",
      商户数据包: "",
      费率: rate(input.feeRatePpm),
      费率备注: "",
    },
    settleFen: amount,
    couponFen: 0n,
    orderFen: amount,
    refundFen: 0n,
    requestedRefundFen: 0n,
    feeFen: feeFor(amount, input.feeRatePpm),
  };
}

/** Fee on an amount at a rate in parts per million, rounded half up to the fen. */
export function feeFor(amountFen: bigint, feeRatePpm: number): bigint {
  return (amountFen * BigInt(feeRatePpm) + 500_000n) / 1_000_000n;
}

export function refundedFee(trade: SimTrade, refundFen: bigint): bigint {
  if (trade.amountMinor === 0n) return 0n;
  return (trade.feeMinor * refundFen * 2n + trade.amountMinor) / (trade.amountMinor * 2n);
}

function yuan(fen: bigint): string {
  const sign = fen < 0n ? "-" : "";
  const abs = fen < 0n ? -fen : fen;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
}

/** 手续费: whole fen printed with five decimals ("0.04000"). */
function fee(fen: bigint): string {
  return `${yuan(fen)}000`;
}

function rate(ppm: number): string {
  return `${(ppm / 10_000).toFixed(2)}%`;
}

const EIGHT_HOURS_MS = 8 * 60 * 60 * 1000;

export function beijingDate(at: Date): string {
  return new Date(at.getTime() + EIGHT_HOURS_MS).toISOString().slice(0, 10);
}

function beijingDateTime(at: Date): string {
  return new Date(at.getTime() + EIGHT_HOURS_MS).toISOString().slice(0, 19).replace("T", " ");
}

function addDays(date: string, days: number): string {
  const at = new Date(`${date}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return at.toISOString().slice(0, 10);
}
