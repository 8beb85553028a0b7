// What every statement parser produces (issue 6, statement import). A parser reads a channel's or
// bank's file as downloaded and yields normalised lines; it never touches the database. Import
// (later) stores a file whole or not at all, so a parser either returns every line and the file's
// own totals, or throws a StatementFormatError naming the line.
//
// Amounts are bigint minor units (fen), signed as money moves for the merchant's trade: a payment
// line is positive, a refund line negative (whatever the file's own sign convention). Fees are fen
// too (WeChat's 5-decimal fees must end in 000; anything else is refused).

export type StatementFormat =
  | "WECHAT_TRADE_BILL" // 交易账单 ALL / SUCCESS / REFUND (UTF-8 with BOM, backtick fields)
  | "ALIPAY_BUSINESS_DETAIL" // 业务明细 (zip → GBK csv, # header/footer)
  | "UNIONPAY_ZM" // ZM fixed-width (GBK)
  | "BANK_CREDIT" // a bank's collection/credit file (the channel's net settlement arriving)
  | "BANK_PAYOUT_RESULT" // a bank's result file for a payout batch
  | "PROFIT_SHARE" // the acquirer's 分润 statement
  | "MERCHANT_SETTLEMENT" // the channel's settlement to merchants (DIRECT tenants)
  | "TEMPLATE"; // a finance-defined template

export const STATEMENT_FORMATS = ["WECHAT_TRADE_BILL", "ALIPAY_BUSINESS_DETAIL", "UNIONPAY_ZM", "BANK_CREDIT", "BANK_PAYOUT_RESULT", "PROFIT_SHARE", "MERCHANT_SETTLEMENT"] as const satisfies readonly StatementFormat[];

/** Statements of trades (payments, refunds, revocations): reconciled against our payments and refunds, closed with the day. */
export const PAYMENT_FORMATS: readonly StatementFormat[] = ["WECHAT_TRADE_BILL", "ALIPAY_BUSINESS_DETAIL", "UNIONPAY_ZM", "TEMPLATE"];

export type LineKind = "PAYMENT" | "REFUND" | "REVOKED" | "CREDIT" | "PAYOUT_RESULT" | "PROFIT_SHARE" | "SETTLEMENT";

export interface StatementLine {
  /** 1-based line number in the decoded file, for messages a person can act on. */
  readonly lineNo: number;
  readonly kind: LineKind;
  /** When the channel says it happened (its own clock, as an ISO string with offset, e.g. +08:00). */
  readonly occurredAt?: string;
  /** Our order number at the channel (out_trade_no) — payments and refunds. */
  readonly outTradeNo?: string;
  readonly channelTradeNo?: string;
  /** Our refund number (out_refund_no) — refund lines. */
  readonly outRefundNo?: string;
  readonly channelRefundNo?: string;
  /** The sub-merchant the line belongs to (sub_mchid / smid / acquirer merchant no.). */
  readonly subMerchant?: string;
  /** The channel's status word as printed (SUCCESS, REFUND, REVOKED, PROCESSING, 交易成功 …). */
  readonly status: string;
  /** Order amount (signed). */
  readonly amountMinor: bigint;
  /** Settleable amount (signed): the order amount less coupons the channel funds. Equal to amountMinor when the file has no coupons. */
  readonly settleableMinor: bigint;
  /** The channel's fee on this line (signed like the amount: a refund returns fee as a negative). */
  readonly feeMinor: bigint;
  readonly couponMinor?: bigint;
  /** PAYOUT_RESULT: our payout number, the bank's verdict. */
  readonly outPayoutNo?: string;
  readonly payoutStatus?: "SUCCEEDED" | "FAILED" | "RETURNED";
  readonly failureReason?: string;
  /** CREDIT / PAYOUT_RESULT / PROFIT_SHARE / SETTLEMENT: the counterparty's account as printed (masked). */
  readonly account?: string;
  /** Anything else the file carries, by its own column names, for the exception view. */
  readonly raw: Readonly<Record<string, string>>;
}

/** The file's own totals (summary lines, footer, trailer), which the details must add up to. */
export interface StatementSummary {
  readonly count: number;
  /** Σ of amountMinor over the lines, as the file states it (signed per the normalisation above). */
  readonly amountMinor: bigint;
  /** Σ of settleableMinor, when the file states it (WeChat 应结订单总金额 less 退款总金额; Alipay's footer, which states 商家实收 only). */
  readonly settleableMinor?: bigint;
  readonly feeMinor?: bigint;
  readonly refundMinor?: bigint;
}

export interface ParsedStatement {
  readonly format: StatementFormat;
  /** Bill type as the file says (ALL, SUCCESS, REFUND, …), when it has one. */
  readonly billType?: string;
  /** The bill date (YYYY-MM-DD) the file states, when it does. */
  readonly billDate?: string;
  /** The account the file is for, as its header prints it (Alipay's 账号: the merchant's PID + "0156"), when it does. */
  readonly account?: string;
  readonly lines: readonly StatementLine[];
  /** What the file itself claims; the parser has already checked the lines against it. */
  readonly declared: StatementSummary;
  /** What the lines add up to. */
  readonly computed: StatementSummary;
  /**
   * False when the file states no totals of its own (the ZM file; a template without a summary):
   * declared then repeats computed and nothing was checked. Absent or true: the file's totals were checked.
   */
  readonly hasDeclaredTotals?: boolean;
}

/** Any problem with a file: its code is stable, its message names the line and what is wrong. */
export class StatementFormatError extends Error {
  readonly code: "ENCODING" | "MALFORMED_LINE" | "TOTALS_MISMATCH" | "NOT_A_STATEMENT" | "UNSUPPORTED";
  readonly lineNo?: number;
  constructor(code: StatementFormatError["code"], message: string, lineNo?: number) {
    super(lineNo === undefined ? message : `line ${lineNo}: ${message}`);
    this.name = "StatementFormatError";
    this.code = code;
    if (lineNo !== undefined) this.lineNo = lineNo;
  }
}

/** What a parser knows of a file besides its lines: type, date, account, and its totals, checked. */
export type StatementFacts = Omit<ParsedStatement, "lines">;

/**
 * A parser's reading of a file, one line at a time, so that no array of a file's lines is ever
 * held: import reads a file once to check it (every line, then the totals against the file's own
 * summary) before any transaction, and again while storing it.
 */
export interface StatementStream {
  /** Yields every line; at its end checks them against the file's totals and sets `facts`. Each call reads the file anew. */
  lines(): Generator<StatementLine, void, undefined>;
  /** Set once lines() has run to its end without a StatementFormatError. */
  readonly facts: StatementFacts | null;
}

/** A stream from a generator that yields the lines and returns the facts it checked at the end. */
export function statementStream(read: () => Generator<StatementLine, StatementFacts, undefined>): StatementStream {
  let facts: StatementFacts | null = null;
  return {
    *lines() {
      facts = null;
      facts = yield* read();
    },
    get facts() {
      return facts;
    },
  };
}

/** The whole file at once, for callers that want the array (tests, small files): the stream run to its end. */
export function collectStatement(stream: StatementStream): ParsedStatement {
  const lines = [...stream.lines()];
  return { ...(stream.facts as StatementFacts), lines };
}

/** Running sums over lines as they go by: count, amount, settleable, fee, and refunds' amount. */
export class LineTotals {
  count = 0;
  amountMinor = 0n;
  settleableMinor = 0n;
  feeMinor = 0n;
  refundMinor = 0n;
  add(line: StatementLine): void {
    this.count += 1;
    this.amountMinor += line.amountMinor;
    this.settleableMinor += line.settleableMinor;
    this.feeMinor += line.feeMinor;
    if (line.kind === "REFUND") this.refundMinor += line.amountMinor;
  }
  summary(withRefunds: boolean): StatementSummary {
    const { count, amountMinor, settleableMinor, feeMinor, refundMinor } = this;
    return { count, amountMinor, settleableMinor, feeMinor, ...(withRefunds ? { refundMinor } : {}) };
  }
}
