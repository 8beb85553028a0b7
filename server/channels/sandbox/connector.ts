import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import {
  ChannelError,
  NO_FALLBACK_PRODUCTS,
  type ChannelAttributes,
  type ChannelExchange,
  type ChannelTradeStatus,
  type CloseResult,
  type Connector,
  type ConnectorContext,
  type FaceAuthInfoResult,
  type NotificationAck,
  type ParsedNotification,
  type PayRequest,
  type PayResult,
  type PayoutRequest,
  type PayoutResult,
  type ProductCode,
  type QueryResult,
  type RefundResult,
  type RefundStatus,
  type StatementFile,
} from "../types";

// An in-process channel for demos and new tenants: no network, no credentials needed, and
// behaviour chosen by the amount so a demo or a test can drive every path:
//
//   amount fen ending …01  declined: FAILED, noMoneyMoved (routing may fall back)
//   amount fen ending …02  user paying: PROCESSING; the 1st query PROCESSING, the 2nd SUCCEEDED
//   amount fen ending …03  unknown result (as after a timeout): PROCESSING; the 1st query SUCCEEDED
//   anything else          SUCCEEDED at once
//
// Trades live in this process's memory (one Map, keyed by channel account + outTradeNo; the
// oldest are dropped past 100,000) and are lost on restart: a query for a trade the sandbox does
// not know answers NOT_FOUND. Refunds, by the refund amount's last two fen digits: …01 declined
// (FAILED at once, as a channel refuses when the merchant's balance there is short), …02 PROCESSING
// then SUCCEEDED at the first query, …04 PROCESSING then ABNORMAL at the first query (the payer's
// card can no longer take it), anything else SUCCEEDED at once. The payer of a trade with a face or
// payment code is `sbx_` + a hash of that code (one code, one payer), so distinct payers can be
// counted as at a real channel. The sandbox sends no notifications;
// parseNotification still verifies an HMAC-SHA256 of the body (hex, header `x-sandbox-signature`,
// key credentials.notifySecret) so the notify endpoint can be exercised. The statement is a CSV
// of the account's paid trades for the day (Asia/Shanghai, cut-off 00:00), with a fee at
// params.feeRatePpm (default 6000) half-up; refunds are not listed.
//
// Payouts (代付), so demo tenants without a bank simulator can pay out; by the account number's
// last four digits (the bank simulator's rules where they overlap):
//
//   …0000  refused: FAILED at once (the account does not exist)
//   …8888  PROCESSING; the 1st query SUCCEEDED
//   …9999  PROCESSING; the 1st query RETURNED (paid, then returned by the payee's bank: 退汇)
//   anything else SUCCEEDED at once
//
// A repeated outPayoutNo is the same payout (its state is answered, nothing is paid twice).

export const SANDBOX_SIGNATURE_HEADER = "x-sandbox-signature";
const DEFAULT_FEE_RATE_PPM = 6000;
const MAX_TRADES = 100_000;
const BEIJING_MS = 8 * 3_600_000;

const attributes: ChannelAttributes = {
  channelType: "SANDBOX",
  products: ["WECHAT_FACE", "ALIPAY_FACE", "WECHAT_CODE", "ALIPAY_CODE", "WECHAT_QR", "ALIPAY_QR", "WALLET"],
  elements: {
    WECHAT_FACE: ["FACE_CODE", "DEVICE"],
    ALIPAY_FACE: ["FACE_CODE", "DEVICE"],
    WECHAT_CODE: ["AUTH_CODE"],
    ALIPAY_CODE: ["AUTH_CODE"],
    WECHAT_QR: [],
    ALIPAY_QR: [],
    WALLET: ["WALLET"],
  },
  minAmountMinor: 1n,
  maxAmountMinor: 100_000_000n,
  feeModel: { kind: "RATE", description: "params.feeRatePpm (default 0.6%) per payment, half-up, deducted at source; refunds return it pro rata." },
  feeCollection: "AT_SOURCE",
  refundReturnsFee: true,
  settlementAccount: "MERCHANT_BANK",
  resultDelivery: { WECHAT_FACE: "QUERY", ALIPAY_FACE: "QUERY", WECHAT_CODE: "QUERY", ALIPAY_CODE: "QUERY", WECHAT_QR: "QUERY", ALIPAY_QR: "QUERY", WALLET: "QUERY" },
  cutoffTime: "00:00",
  supportsPayout: true,
  supportsContract: false,
  supportsFaceAuthInfo: true,
  billTypes: ["ALL"],
};

interface SandboxRefund {
  readonly outRefundNo: string;
  readonly channelRefundNo: string;
  readonly amountMinor: bigint;
  refundedAt?: Date;
  status: "SUCCEEDED" | "PROCESSING" | "ABNORMAL";
  /** What the first query turns a PROCESSING refund into (…02 and …04). */
  readonly settlesAs: "SUCCEEDED" | "ABNORMAL";
}

interface SandboxTrade {
  readonly channelAccountId: string;
  readonly outTradeNo: string;
  readonly channelTradeNo: string;
  readonly product: ProductCode;
  readonly amountMinor: bigint;
  status: "SUCCEEDED" | "PROCESSING" | "FAILED" | "CLOSED" | "REVERSED";
  /** Queries answered so far, for the …02 and …03 rules. */
  queries: number;
  readonly rule: "DECLINE" | "USER_PAYING" | "UNKNOWN" | "SUCCESS";
  paidAt?: Date;
  readonly payerId?: string;
  readonly refunds: SandboxRefund[];
}

// On globalThis rather than a bare module variable: Next can load this module more than once in
// one process (route bundles, hot reload), and all of them must see the same trades.
const STORE_KEY = Symbol.for("switchyard.sandbox.trades");
const holder = globalThis as typeof globalThis & { [STORE_KEY]?: Map<string, SandboxTrade> };
const trades: Map<string, SandboxTrade> = (holder[STORE_KEY] ??= new Map());
let sequence = 0;

const tradeKey = (ctx: ConnectorContext, outTradeNo: string) => `${ctx.account.channelAccountId}\u0000${outTradeNo}`;
const nowOf = (ctx: ConnectorContext) => ctx.now?.() ?? new Date();

function nextNo(prefix: string, at: Date): string {
  sequence = (sequence + 1) % 1_000_000;
  return `${prefix}${beijingDate(at).replaceAll("-", "")}${String(at.getTime() % 100_000_000).padStart(8, "0")}${String(sequence).padStart(6, "0")}`;
}

function beijingDate(at: Date): string {
  return new Date(at.getTime() + BEIJING_MS).toISOString().slice(0, 10);
}

function beijingIso(at: Date): string {
  return `${new Date(at.getTime() + BEIJING_MS).toISOString().slice(0, 19)}+08:00`;
}

function exchange(operation: string, request: unknown, response: unknown): ChannelExchange {
  const text = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return { operation, method: "LOCAL", url: `sandbox://${operation}`, requestBody: text(request), status: 200, responseBody: text(response), durationMs: 0 };
}

function feeRatePpm(ctx: ConnectorContext): bigint {
  const raw = ctx.account.params.feeRatePpm?.trim();
  if (raw === undefined || raw === "") return BigInt(DEFAULT_FEE_RATE_PPM);
  if (!/^\d{1,7}$/.test(raw) || Number(raw) > 1_000_000) throw new ChannelError("CONFIG_INVALID", "params.feeRatePpm must be an integer between 0 and 1000000");
  return BigInt(raw);
}

function ruleFor(amountMinor: bigint, declineAll: boolean): SandboxTrade["rule"] {
  // An account set to decline everything: a definite decline (no money moved), so routing's fallback can be seen at work.
  if (declineAll) return "DECLINE";
  switch (amountMinor % 100n) {
    case 1n:
      return "DECLINE";
    case 2n:
      return "USER_PAYING";
    case 3n:
      return "UNKNOWN";
    default:
      return "SUCCESS";
  }
}

function payResult(trade: SandboxTrade, exchanges: ChannelExchange[]): PayResult {
  if (trade.status === "FAILED") {
    return { status: "FAILED", channelTradeNo: trade.channelTradeNo, noMoneyMoved: true, failure: { code: "SANDBOX_DECLINED", message: "declined (amounts ending in 01, or an account set to decline all)" }, exchanges };
  }
  return {
    status: trade.status === "SUCCEEDED" ? "SUCCEEDED" : "PROCESSING",
    channelTradeNo: trade.channelTradeNo,
    amountMinor: trade.amountMinor,
    paidAt: trade.paidAt,
    ...(trade.payerId ? { payerId: trade.payerId } : {}),
    noMoneyMoved: false,
    codeUrl: trade.product === "WECHAT_QR" || trade.product === "ALIPAY_QR" ? `sandbox://qr/${trade.channelTradeNo}` : undefined,
    exchanges,
  };
}

async function pay(ctx: ConnectorContext, req: PayRequest): Promise<PayResult> {
  if (!attributes.products.includes(req.product)) throw new ChannelError("NOT_SUPPORTED", `the sandbox does not offer ${req.product}`);
  if (req.amountMinor <= 0n) throw new ChannelError("MALFORMED", "amount must be positive");
  feeRatePpm(ctx);
  const key = tradeKey(ctx, req.outTradeNo);
  const existing = trades.get(key);
  // The terminal as the request described it, recorded in the exchange like a channel's log would.
  const request = { outTradeNo: req.outTradeNo, amountMinor: req.amountMinor, product: req.product, ...(req.terminalInfo ? { terminalInfo: req.terminalInfo } : {}) };
  // A repeated order number is the same order, as at a real channel: answer its state, charge nothing.
  if (existing) return payResult(existing, [exchange("pay", request, { duplicate: true, status: existing.status })]);

  const now = nowOf(ctx);
  const rule = ruleFor(req.amountMinor, ctx.account.params.declineAll?.trim() === "true");
  const trade: SandboxTrade = {
    channelAccountId: ctx.account.channelAccountId,
    outTradeNo: req.outTradeNo,
    channelTradeNo: nextNo("SBX", now),
    product: req.product,
    amountMinor: req.amountMinor,
    status: rule === "DECLINE" ? "FAILED" : rule === "SUCCESS" ? "SUCCEEDED" : "PROCESSING",
    queries: 0,
    rule,
    paidAt: rule === "SUCCESS" ? now : undefined,
    ...(req.authCode ? { payerId: `sbx_${createHash("sha256").update(req.authCode).digest("hex").slice(0, 16)}` } : {}),
    refunds: [],
  };
  trades.set(key, trade);
  // A demo process may run for weeks: forget the oldest trades rather than grow without bound.
  if (trades.size > MAX_TRADES) {
    const oldest = trades.keys().next();
    if (!oldest.done) trades.delete(oldest.value);
  }
  return payResult(trade, [exchange("pay", request, { channelTradeNo: trade.channelTradeNo, status: trade.status, rule })]);
}

async function query(ctx: ConnectorContext, req: { outTradeNo: string }): Promise<QueryResult> {
  const trade = trades.get(tradeKey(ctx, req.outTradeNo));
  if (!trade) return { status: "NOT_FOUND", exchanges: [exchange("query", req, { status: "NOT_FOUND" })] };
  trade.queries += 1;
  if (trade.status === "PROCESSING") {
    const settles = trade.rule === "UNKNOWN" ? trade.queries >= 1 : trade.queries >= 2;
    if (settles) {
      trade.status = "SUCCEEDED";
      trade.paidAt = nowOf(ctx);
    }
  }
  const refunded = trade.refunds.reduce((sum, r) => sum + r.amountMinor, 0n);
  const status: ChannelTradeStatus = trade.status === "SUCCEEDED" && refunded === trade.amountMinor ? "REFUNDED" : trade.status;
  return {
    status,
    channelTradeNo: trade.channelTradeNo,
    amountMinor: trade.amountMinor,
    paidAt: trade.paidAt,
    ...(trade.payerId && trade.status === "SUCCEEDED" ? { payerId: trade.payerId } : {}),
    failure: trade.status === "FAILED" ? { code: "SANDBOX_DECLINED", message: "declined: amounts ending in 01 decline" } : undefined,
    exchanges: [exchange("query", req, { status, queries: trade.queries })],
  };
}

async function closeOrReverse(ctx: ConnectorContext, req: { outTradeNo: string; product: ProductCode }): Promise<CloseResult> {
  const trade = trades.get(tradeKey(ctx, req.outTradeNo));
  const answer = (result: Omit<CloseResult, "exchanges">): CloseResult => ({ ...result, exchanges: [exchange("close", req, result)] });
  // The sandbox is the whole channel: a trade it never saw cannot be charged later.
  if (!trade) return answer({ status: "CLOSED" });
  if (trade.status === "CLOSED" || trade.status === "REVERSED") return answer({ status: trade.status });
  if (trade.status === "PROCESSING" || trade.status === "FAILED") {
    trade.status = "CLOSED";
    return answer({ status: "CLOSED" });
  }
  if (trade.refunds.length > 0) return answer({ status: "FAILED", failure: { code: "TRADE_REFUNDED", message: "a refunded trade cannot be reversed" } });
  // A paid QR order cannot be closed (refund it instead); a face, code or wallet payment is reversed.
  if (!NO_FALLBACK_PRODUCTS.has(trade.product) && trade.product !== "WALLET") {
    return answer({ status: "FAILED", failure: { code: "ORDER_PAID", message: "a paid order cannot be closed; refund it" } });
  }
  trade.status = "REVERSED";
  return answer({ status: "REVERSED", refunded: true });
}

function refundResult(refund: SandboxRefund, operation: string, request: unknown): RefundResult {
  return {
    status: refund.status,
    channelRefundNo: refund.channelRefundNo,
    ...(refund.refundedAt ? { refundedAt: refund.refundedAt } : {}),
    ...(refund.status === "ABNORMAL" ? { failure: { code: "SANDBOX_REFUND_ABNORMAL", message: "the payer's card can no longer take the refund" } } : {}),
    exchanges: [exchange(operation, request, { status: refund.status, channelRefundNo: refund.channelRefundNo })],
  };
}

async function refund(ctx: ConnectorContext, req: Parameters<Connector["refund"]>[1]): Promise<RefundResult> {
  const request = { outTradeNo: req.outTradeNo, outRefundNo: req.outRefundNo, refundMinor: req.refundMinor };
  const failed = (code: string, message: string): RefundResult => ({ status: "FAILED", failure: { code, message }, exchanges: [exchange("refund", request, { status: "FAILED", code })] });
  const trade = trades.get(tradeKey(ctx, req.outTradeNo));
  if (!trade) return failed("TRADE_NOT_FOUND", "the sandbox has no such trade (it forgets trades on restart)");
  const existing = trade.refunds.find((r) => r.outRefundNo === req.outRefundNo);
  if (existing) return refundResult(existing, "refund", request);
  if (trade.status !== "SUCCEEDED") return failed("TRADE_NOT_PAID", `the trade is ${trade.status}`);
  if (req.refundMinor <= 0n) return failed("REFUND_AMOUNT_INVALID", "refund amount must be positive");
  const refunded = trade.refunds.reduce((sum, r) => sum + r.amountMinor, 0n);
  if (refunded + req.refundMinor > trade.amountMinor) return failed("REFUND_AMOUNT_EXCEEDED", "refunds would exceed the trade amount");
  const rule = req.refundMinor % 100n;
  if (rule === 1n) return failed("SANDBOX_REFUND_DECLINED", "the merchant's balance at the channel cannot cover this refund");
  const now = nowOf(ctx);
  const slow = rule === 2n || rule === 4n;
  const created: SandboxRefund = {
    outRefundNo: req.outRefundNo,
    channelRefundNo: nextNo("SBR", now),
    amountMinor: req.refundMinor,
    status: slow ? "PROCESSING" : "SUCCEEDED",
    settlesAs: rule === 4n ? "ABNORMAL" : "SUCCEEDED",
    ...(slow ? {} : { refundedAt: now }),
  };
  trade.refunds.push(created);
  return refundResult(created, "refund", request);
}

async function queryRefund(ctx: ConnectorContext, req: { outTradeNo: string; outRefundNo: string }): Promise<RefundResult> {
  const found = trades.get(tradeKey(ctx, req.outTradeNo))?.refunds.find((r) => r.outRefundNo === req.outRefundNo);
  if (!found) return { status: "NOT_FOUND", exchanges: [exchange("refund.query", req, { status: "NOT_FOUND" })] };
  if (found.status === "PROCESSING") {
    found.status = found.settlesAs;
    if (found.status === "SUCCEEDED") found.refundedAt = nowOf(ctx);
  }
  return refundResult(found, "refund.query", req);
}

/** The header value the sandbox's notify check expects: hex HMAC-SHA256 of the raw body. */
export function sandboxNotificationSignature(body: string, notifySecret: string): string {
  return createHmac("sha256", notifySecret).update(body, "utf8").digest("hex");
}

const NOTIFICATION_STATUSES = new Set<string>(["SUCCEEDED", "PROCESSING", "FAILED", "CLOSED", "REVERSED", "REFUNDED", "NOT_FOUND", "ABNORMAL"]);

async function parseNotification(ctx: ConnectorContext, incoming: Parameters<Connector["parseNotification"]>[1]): Promise<ParsedNotification> {
  const secret = ctx.account.credentials.notifySecret;
  if (!secret) throw new ChannelError("SIGNATURE_INVALID", "this sandbox account has no notifySecret, so no notification can be verified");
  const given = incoming.headers[SANDBOX_SIGNATURE_HEADER] ?? "";
  const expected = Buffer.from(sandboxNotificationSignature(incoming.body, secret), "hex");
  const actual = /^[0-9a-fA-F]{64}$/.test(given) ? Buffer.from(given, "hex") : Buffer.alloc(0);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw new ChannelError("SIGNATURE_INVALID", `${SANDBOX_SIGNATURE_HEADER} does not match the body`);

  let raw: unknown;
  try {
    raw = JSON.parse(incoming.body);
  } catch {
    throw new ChannelError("MALFORMED", "the notification body is not JSON");
  }
  const body = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const str = (key: string) => (typeof body[key] === "string" && body[key] !== "" ? (body[key] as string) : undefined);
  const eventId = str("eventId");
  const outTradeNo = str("outTradeNo");
  const kind = str("kind");
  const status = str("status");
  if (!eventId || !outTradeNo || (kind !== "PAYMENT" && kind !== "REFUND") || !status || !NOTIFICATION_STATUSES.has(status)) {
    throw new ChannelError("MALFORMED", "a sandbox notification needs eventId, kind PAYMENT|REFUND, outTradeNo and a status");
  }
  const amount = body.amountMinor;
  const occurredAt = str("occurredAt");
  return {
    kind,
    eventId,
    outTradeNo,
    outRefundNo: str("outRefundNo"),
    channelTradeNo: str("channelTradeNo"),
    channelRefundNo: str("channelRefundNo"),
    status: status as ChannelTradeStatus | RefundStatus,
    amountMinor: typeof amount === "number" && Number.isSafeInteger(amount) ? BigInt(amount) : typeof amount === "string" && /^-?\d+$/.test(amount) ? BigInt(amount) : undefined,
    occurredAt: occurredAt && !Number.isNaN(Date.parse(occurredAt)) ? new Date(occurredAt) : undefined,
    ...(str("payerId") ? { payerId: str("payerId") } : {}),
    subMerchant: str("subMerchant"),
  };
}

function notificationAck(accepted: boolean): NotificationAck {
  return accepted ? { status: 200, contentType: "text/plain; charset=utf-8", body: "ok" } : { status: 500, contentType: "text/plain; charset=utf-8", body: "retry" };
}

async function downloadStatement(ctx: ConnectorContext, req: { billDate: string; billType: string }): Promise<StatementFile> {
  if (req.billType !== "ALL") throw new ChannelError("NOT_SUPPORTED", `the sandbox statement has bill type ALL only, not ${req.billType}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(req.billDate)) throw new ChannelError("MALFORMED", "billDate must be YYYY-MM-DD");
  const ppm = feeRatePpm(ctx);
  const rows = [...trades.values()]
    .filter((t) => t.channelAccountId === ctx.account.channelAccountId && t.paidAt !== undefined && beijingDate(t.paidAt) === req.billDate)
    .sort((a, b) => (a.paidAt?.getTime() ?? 0) - (b.paidAt?.getTime() ?? 0))
    .map((t) => {
      const fee = (t.amountMinor * ppm * 2n + 1_000_000n) / 2_000_000n; // half-up
      const status = t.status === "REVERSED" ? "REVERSED" : "SUCCESS";
      return [t.channelTradeNo, t.outTradeNo, status, t.amountMinor.toString(), fee.toString(), beijingIso(t.paidAt as Date)].map(csvCell).join(",");
    });
  const csv = ["trade_no,out_trade_no,status,amount_fen,fee_fen,paid_at", ...rows].join("\n") + "\n";
  return {
    fileName: `sandbox_${ctx.account.channelAccountId}_${req.billDate}.csv`,
    bytes: Buffer.from(csv, "utf8"),
    contentType: "text/csv; charset=utf-8",
    exchanges: [exchange("statement", req, { rows: rows.length })],
  };
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

async function faceAuthInfo(ctx: ConnectorContext, req: Parameters<NonNullable<Connector["faceAuthInfo"]>>[1]): Promise<FaceAuthInfoResult> {
  const now = nowOf(ctx);
  const authinfo = `SANDBOX-AUTHINFO-${randomBytes(16).toString("hex")}`;
  const expiresAt = new Date(now.getTime() + 3_600_000);
  return { authinfo, expiresAt, exchanges: [exchange("face.authinfo", { deviceId: req.deviceId, storeId: req.storeId }, { expiresAt: expiresAt.toISOString() })] };
}

interface SandboxPayout {
  readonly channelPayoutNo: string;
  readonly amountMinor: bigint;
  status: "PROCESSING" | "SUCCEEDED" | "FAILED" | "RETURNED";
  readonly rule: "REFUSE" | "LATER" | "RETURN" | "SUCCESS";
}

const PAYOUT_STORE_KEY = Symbol.for("switchyard.sandbox.payouts");
const payoutHolder = globalThis as typeof globalThis & { [PAYOUT_STORE_KEY]?: Map<string, SandboxPayout> };
const payouts: Map<string, SandboxPayout> = (payoutHolder[PAYOUT_STORE_KEY] ??= new Map());

function payoutRule(accountNumber: string): SandboxPayout["rule"] {
  if (accountNumber.endsWith("0000")) return "REFUSE";
  if (accountNumber.endsWith("8888")) return "LATER";
  if (accountNumber.endsWith("9999")) return "RETURN";
  return "SUCCESS";
}

function payoutResult(p: SandboxPayout, operation: string, request: unknown): PayoutResult {
  return {
    status: p.status,
    channelPayoutNo: p.channelPayoutNo,
    ...(p.status === "FAILED" ? { failure: { code: "SANDBOX_ACCOUNT_INVALID", message: "refused: account numbers ending in 0000 do not exist" } } : {}),
    ...(p.status === "RETURNED" ? { failure: { code: "SANDBOX_RETURNED", message: "returned by the payee's bank: account numbers ending in 9999 are returned" } } : {}),
    exchanges: [exchange(operation, request, { status: p.status, channelPayoutNo: p.channelPayoutNo })],
  };
}

async function payout(ctx: ConnectorContext, req: PayoutRequest): Promise<PayoutResult> {
  if (req.amountMinor <= 0n) throw new ChannelError("MALFORMED", "payout amount must be positive");
  if (!/^\d{8,30}$/.test(req.accountNumber)) throw new ChannelError("MALFORMED", "the account number must be 8 to 30 digits");
  // The account number never goes into the recorded exchange: its last four are enough.
  const request = { outPayoutNo: req.outPayoutNo, amountMinor: req.amountMinor, accountLast4: req.accountNumber.slice(-4) };
  const key = tradeKey(ctx, req.outPayoutNo);
  const existing = payouts.get(key);
  if (existing) return payoutResult(existing, "payout", request);
  const rule = payoutRule(req.accountNumber);
  const created: SandboxPayout = {
    channelPayoutNo: nextNo("SBP", nowOf(ctx)),
    amountMinor: req.amountMinor,
    status: rule === "REFUSE" ? "FAILED" : rule === "SUCCESS" ? "SUCCEEDED" : "PROCESSING",
    rule,
  };
  payouts.set(key, created);
  if (payouts.size > MAX_TRADES) {
    const oldest = payouts.keys().next();
    if (!oldest.done) payouts.delete(oldest.value);
  }
  return payoutResult(created, "payout", request);
}

async function queryPayout(ctx: ConnectorContext, req: { outPayoutNo: string }): Promise<PayoutResult> {
  const found = payouts.get(tradeKey(ctx, req.outPayoutNo));
  if (!found) return { status: "NOT_FOUND", exchanges: [exchange("payout.query", req, { status: "NOT_FOUND" })] };
  if (found.status === "PROCESSING") found.status = found.rule === "RETURN" ? "RETURNED" : "SUCCEEDED";
  return payoutResult(found, "payout.query", req);
}

export const sandboxConnector: Connector = {
  attributes,
  pay,
  query,
  closeOrReverse,
  refund,
  queryRefund,
  parseNotification,
  notificationAck,
  downloadStatement,
  faceAuthInfo,
  payout,
  queryPayout,
};
