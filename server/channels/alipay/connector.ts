import { callChannel } from "../http";
import {
  ChannelError,
  type ChannelAttributes,
  type ChannelTradeStatus,
  type CloseResult,
  type Connector,
  type ConnectorContext,
  type FaceAuthInfoRequest,
  type FaceAuthInfoResult,
  type IncomingNotification,
  type NotificationAck,
  type ParsedNotification,
  type PayRequest,
  type PayResult,
  type QueryResult,
  type RefundRequest,
  type RefundResult,
  type StatementFile,
  type StatementRequest,
} from "../types";
import { ALIPAY_MAX_AMOUNT_FEN, fenToYuan, yuanToFen } from "./amount";
import { readAlipayConfig, readMerchant, type AlipayConfig, type AlipayMerchant } from "./config";
import { field, formatBeijing, invokeGateway, parseBeijing, replyFailure, unknownFailure, type AlipayReply } from "./protocol";
import { notifySignContent, rsa2Verify } from "./signing";

export { alipayAccountFields } from "./fields";

// Alipay OpenAPI 2.0 in ISV mode: every merchant call carries the merchant's app_auth_token and
// the ISV PID in extend_params.sys_service_provider_id (the rebate attribution). Face (刷脸, the
// device's ftoken) and payment-code payments are alipay.trade.pay and are never notified: the
// result is the response or a query. QR payments are alipay.trade.precreate and are notified.

export const alipayAttributes: ChannelAttributes = {
  channelType: "ALIPAY",
  products: ["ALIPAY_FACE", "ALIPAY_CODE", "ALIPAY_QR"],
  elements: { ALIPAY_FACE: ["FACE_CODE", "DEVICE"], ALIPAY_CODE: ["AUTH_CODE"], ALIPAY_QR: [] },
  minAmountMinor: 1n,
  maxAmountMinor: ALIPAY_MAX_AMOUNT_FEN,
  feeModel: { kind: "RATE", description: "Alipay service fee (服务费): a rate on each trade, deducted from the settled amount; returned pro rata on refunds" },
  feeCollection: "AT_SOURCE",
  refundReturnsFee: true,
  settlementAccount: "MERCHANT_BANK",
  resultDelivery: { ALIPAY_FACE: "QUERY", ALIPAY_CODE: "QUERY", ALIPAY_QR: "BOTH" },
  cutoffTime: "00:00",
  supportsPayout: false,
  supportsContract: false,
  supportsFaceAuthInfo: true,
  billTypes: ["trade"],
};

/** Refusals by the gateway itself (bad arguments, signature, authorisation): nothing was processed. */
const GATEWAY_REFUSALS = new Set(["20001", "40001", "40002", "40006"]);

/** 40004 sub codes after which the trade may still succeed or already has: query, never decline. */
const PAY_UNDECIDED = new Set(["ACQ.SYSTEM_ERROR", "ACQ.TRADE_HAS_SUCCESS", "ACQ.TRADE_STATUS_ERROR"]);

/** How long a smile-pay zimId is worth caching. It is per face scan; the platform gives no lifetime. [U] */
const FACE_AUTH_TTL_MS = 5 * 60_000;

function amountOrUndefined(value: string | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  try {
    return yuanToFen(value, "amount");
  } catch {
    return undefined;
  }
}

function dateOrUndefined(value: string | undefined): Date | undefined {
  return value === undefined ? undefined : parseBeijing(value);
}

function payerOf(reply: AlipayReply): string | undefined {
  return field(reply, "buyer_user_id") ?? field(reply, "buyer_open_id") ?? field(reply, "buyer_id");
}

function tradeStatus(value: string | undefined): ChannelTradeStatus | undefined {
  switch (value) {
    case "WAIT_BUYER_PAY":
      return "PROCESSING";
    case "TRADE_SUCCESS":
    case "TRADE_FINISHED": // success that can no longer be refunded
      return "SUCCEEDED";
    case "TRADE_CLOSED": // unpaid and closed, reversed, or fully refunded
      return "CLOSED";
    default:
      return undefined;
  }
}

async function pay(ctx: ConnectorContext, req: PayRequest): Promise<PayResult> {
  const config = readAlipayConfig(ctx.account);
  const merchant = readMerchant(ctx);
  if (req.currency !== "CNY") throw new ChannelError("MALFORMED", `Alipay takes CNY only, got ${String(req.currency)}`);
  const biz: Record<string, unknown> = {
    out_trade_no: req.outTradeNo,
    total_amount: fenToYuan(req.amountMinor, "amountMinor"),
    subject: req.description.slice(0, 256) || req.outTradeNo,
    store_id: req.storeId ?? merchant.storeId,
    // The face device (it must match the one smile-pay was initialised on), else the merchant's
    // own terminal number, else the one registered for the merchant.
    terminal_id: req.deviceId ?? req.terminalInfo?.terminalId ?? merchant.terminalId,
    extend_params: { sys_service_provider_id: config.sysServiceProviderId },
  };
  // 直付通 / institution mode: the secondary merchant the money is for.
  if (merchant.smid !== undefined) biz.sub_merchant = { merchant_id: merchant.smid };
  if (req.expiresAt !== undefined) biz.time_expire = formatBeijing(req.expiresAt);

  if (req.product === "ALIPAY_QR") return precreate(ctx, config, merchant, req, biz);
  if (req.product !== "ALIPAY_FACE" && req.product !== "ALIPAY_CODE") throw new ChannelError("NOT_SUPPORTED", `Alipay does not take ${req.product}`);
  const authCode = req.authCode?.trim();
  if (!authCode) throw new ChannelError("MALFORMED", req.product === "ALIPAY_FACE" ? "ALIPAY_FACE needs the device's ftoken as authCode" : "ALIPAY_CODE needs the payer's payment code as authCode");
  biz.scene = req.product === "ALIPAY_FACE" ? "security_code" : "bar_code";
  biz.auth_code = authCode;
  biz.product_code = "FACE_TO_FACE_PAYMENT";

  const result = await invokeGateway(ctx, config, { method: "alipay.trade.pay", bizContent: biz, merchant });
  if (result.kind === "UNKNOWN") return { status: "PROCESSING", noMoneyMoved: false, failure: unknownFailure(result.reason), exchanges: [result.exchange] };
  const { reply, exchange } = result;
  const exchanges = [exchange];
  const channelTradeNo = field(reply, "trade_no");
  switch (reply.code) {
    case "10000": {
      const echoed = field(reply, "out_trade_no");
      if (echoed !== undefined && echoed !== req.outTradeNo) {
        return { status: "PROCESSING", noMoneyMoved: false, failure: unknownFailure(`response names out_trade_no ${echoed}`), exchanges };
      }
      return {
        status: "SUCCEEDED",
        channelTradeNo,
        amountMinor: amountOrUndefined(field(reply, "total_amount")),
        paidAt: dateOrUndefined(field(reply, "gmt_payment")),
        payerId: payerOf(reply),
        noMoneyMoved: false,
        exchanges,
      };
    }
    case "10003": // 等待用户付款 (password or confirmation on the phone): query until it settles
      return { status: "PROCESSING", channelTradeNo, noMoneyMoved: false, exchanges };
    case "40004":
      if (reply.subCode !== undefined && PAY_UNDECIDED.has(reply.subCode)) {
        return { status: "PROCESSING", channelTradeNo, noMoneyMoved: false, failure: replyFailure(reply), exchanges };
      }
      return { status: "FAILED", channelTradeNo, noMoneyMoved: true, failure: replyFailure(reply), exchanges };
    default:
      if (GATEWAY_REFUSALS.has(reply.code)) return { status: "FAILED", noMoneyMoved: true, failure: replyFailure(reply), exchanges };
      // 20000 and anything unrecognised: the result is unknown.
      return { status: "PROCESSING", channelTradeNo, noMoneyMoved: false, failure: replyFailure(reply), exchanges };
  }
}

async function precreate(ctx: ConnectorContext, config: AlipayConfig, merchant: AlipayMerchant, req: PayRequest, biz: Record<string, unknown>): Promise<PayResult> {
  const result = await invokeGateway(ctx, config, { method: "alipay.trade.precreate", bizContent: biz, merchant, notifyUrl: req.notifyUrl });
  if (result.kind === "UNKNOWN") return { status: "PROCESSING", noMoneyMoved: false, failure: unknownFailure(result.reason), exchanges: [result.exchange] };
  const { reply, exchange } = result;
  const exchanges = [exchange];
  if (reply.code === "10000") {
    const codeUrl = field(reply, "qr_code");
    if (codeUrl === undefined) return { status: "PROCESSING", noMoneyMoved: false, failure: unknownFailure("precreate returned no qr_code"), exchanges };
    return { status: "PROCESSING", codeUrl, noMoneyMoved: false, exchanges };
  }
  // A refused precreate produced no code for anyone to pay.
  if (reply.code === "40004" || GATEWAY_REFUSALS.has(reply.code)) return { status: "FAILED", noMoneyMoved: true, failure: replyFailure(reply), exchanges };
  return { status: "PROCESSING", noMoneyMoved: false, failure: replyFailure(reply), exchanges };
}

async function query(ctx: ConnectorContext, req: { outTradeNo: string }): Promise<QueryResult> {
  const config = readAlipayConfig(ctx.account);
  const merchant = readMerchant(ctx);
  const result = await invokeGateway(ctx, config, { method: "alipay.trade.query", bizContent: { out_trade_no: req.outTradeNo }, merchant });
  if (result.kind === "UNKNOWN") return { status: "PROCESSING", failure: unknownFailure(result.reason), exchanges: [result.exchange] };
  const { reply, exchange } = result;
  const exchanges = [exchange];
  if (reply.code === "10000") {
    const status = tradeStatus(field(reply, "trade_status"));
    if (status === undefined) return { status: "PROCESSING", failure: unknownFailure(`unknown trade_status ${String(reply.fields.trade_status)}`), exchanges };
    return {
      status,
      channelTradeNo: field(reply, "trade_no"),
      amountMinor: amountOrUndefined(field(reply, "total_amount")),
      paidAt: status === "SUCCEEDED" ? dateOrUndefined(field(reply, "send_pay_date")) : undefined,
      ...(payerOf(reply) ? { payerId: payerOf(reply) } : {}),
      exchanges,
    };
  }
  if (reply.code === "40004" && reply.subCode === "ACQ.TRADE_NOT_EXIST") return { status: "NOT_FOUND", failure: replyFailure(reply), exchanges };
  // The query itself failed; it says nothing about the trade.
  return { status: "PROCESSING", failure: replyFailure(reply), exchanges };
}

async function closeOrReverse(ctx: ConnectorContext, req: { outTradeNo: string; product: PayRequest["product"] }): Promise<CloseResult> {
  const config = readAlipayConfig(ctx.account);
  const merchant = readMerchant(ctx);
  if (req.product === "ALIPAY_QR") {
    const result = await invokeGateway(ctx, config, { method: "alipay.trade.close", bizContent: { out_trade_no: req.outTradeNo }, merchant });
    if (result.kind === "UNKNOWN") return { status: "RETRY", failure: unknownFailure(result.reason), exchanges: [result.exchange] };
    const { reply, exchange } = result;
    if (reply.code === "10000") return { status: "CLOSED", exchanges: [exchange] };
    if (reply.code === "20000" || reply.subCode === "ACQ.SYSTEM_ERROR") return { status: "RETRY", failure: replyFailure(reply), exchanges: [exchange] };
    // Includes ACQ.TRADE_NOT_EXIST: a code nobody has scanned yet. It is not proof of closure (the
    // code stays payable until time_expire), so the caller decides.
    return { status: "FAILED", failure: replyFailure(reply), exchanges: [exchange] };
  }
  if (req.product !== "ALIPAY_FACE" && req.product !== "ALIPAY_CODE") throw new ChannelError("NOT_SUPPORTED", `Alipay does not take ${req.product}`);
  // 撤销: closes an unpaid trade, refunds a paid one (action=refund); made for unknown pay results.
  const result = await invokeGateway(ctx, config, { method: "alipay.trade.cancel", bizContent: { out_trade_no: req.outTradeNo }, merchant });
  if (result.kind === "UNKNOWN") return { status: "RETRY", failure: unknownFailure(result.reason), exchanges: [result.exchange] };
  const { reply, exchange } = result;
  const exchanges = [exchange];
  const retry = field(reply, "retry_flag") === "Y";
  if (reply.code === "10000") {
    if (retry) return { status: "RETRY", exchanges };
    return { status: "REVERSED", refunded: field(reply, "action") === "refund", exchanges };
  }
  if (retry || reply.code === "20000" || reply.subCode === "ACQ.SYSTEM_ERROR") return { status: "RETRY", failure: replyFailure(reply), exchanges };
  return { status: "FAILED", failure: replyFailure(reply), exchanges };
}

async function refund(ctx: ConnectorContext, req: RefundRequest): Promise<RefundResult> {
  const config = readAlipayConfig(ctx.account);
  const merchant = readMerchant(ctx);
  if (req.refundMinor > req.totalMinor) throw new ChannelError("MALFORMED", `refund ${req.refundMinor} exceeds the payment's ${req.totalMinor}`);
  const biz: Record<string, unknown> = {
    out_trade_no: req.outTradeNo,
    trade_no: req.channelTradeNo,
    refund_amount: fenToYuan(req.refundMinor, "refundMinor"),
    out_request_no: req.outRefundNo,
    refund_reason: req.reason?.slice(0, 256),
  };
  const result = await invokeGateway(ctx, config, { method: "alipay.trade.refund", bizContent: biz, merchant });
  if (result.kind === "UNKNOWN") return { status: "PROCESSING", failure: unknownFailure(result.reason), exchanges: [result.exchange] };
  const { reply, exchange } = result;
  const exchanges = [exchange];
  if (reply.code === "10000") {
    // Alipay refunds are synchronous. fund_change=N is the answer to a repeated out_request_no
    // (the money moved the first time, or not at all): confirm with the refund query.
    if (field(reply, "fund_change") === "Y") return { status: "SUCCEEDED", refundedAt: dateOrUndefined(field(reply, "gmt_refund_pay")), exchanges };
    return { status: "PROCESSING", exchanges };
  }
  if (reply.code === "20000" || reply.subCode === "ACQ.SYSTEM_ERROR") return { status: "PROCESSING", failure: replyFailure(reply), exchanges };
  if (reply.code === "40004" || GATEWAY_REFUSALS.has(reply.code)) return { status: "FAILED", failure: replyFailure(reply), exchanges };
  return { status: "PROCESSING", failure: replyFailure(reply), exchanges };
}

async function queryRefund(ctx: ConnectorContext, req: { outTradeNo: string; outRefundNo: string }): Promise<RefundResult> {
  const config = readAlipayConfig(ctx.account);
  const merchant = readMerchant(ctx);
  const result = await invokeGateway(ctx, config, {
    method: "alipay.trade.fastpay.refund.query",
    bizContent: { out_trade_no: req.outTradeNo, out_request_no: req.outRefundNo, query_options: ["gmt_refund_pay"] },
    merchant,
  });
  if (result.kind === "UNKNOWN") return { status: "PROCESSING", failure: unknownFailure(result.reason), exchanges: [result.exchange] };
  const { reply, exchange } = result;
  const exchanges = [exchange];
  if (reply.code === "10000") {
    // Documented rule: data with refund_status empty or REFUND_SUCCESS is a refund that happened;
    // a 10000 without refund data is a refund that did not.
    if (field(reply, "refund_amount") === undefined) return { status: "NOT_FOUND", exchanges };
    const refundStatus = field(reply, "refund_status");
    if (refundStatus === undefined || refundStatus === "REFUND_SUCCESS") {
      return { status: "SUCCEEDED", refundedAt: dateOrUndefined(field(reply, "gmt_refund_pay")), exchanges };
    }
    return { status: "PROCESSING", exchanges };
  }
  if (reply.code === "40004" && reply.subCode === "ACQ.TRADE_NOT_EXIST") return { status: "NOT_FOUND", failure: replyFailure(reply), exchanges };
  return { status: "PROCESSING", failure: replyFailure(reply), exchanges };
}

async function parseNotification(ctx: ConnectorContext, incoming: IncomingNotification): Promise<ParsedNotification> {
  const config = readAlipayConfig(ctx.account);
  const form = new URLSearchParams(incoming.body);
  const fields = new Map<string, string>();
  for (const [key, value] of form) {
    if (fields.has(key)) throw new ChannelError("MALFORMED", `notification repeats ${key}`);
    fields.set(key, value);
  }
  const signature = fields.get("sign");
  if (!signature) throw new ChannelError("SIGNATURE_INVALID", "notification is not signed");
  const signType = fields.get("sign_type");
  if (signType !== undefined && signType !== "RSA2") throw new ChannelError("SIGNATURE_INVALID", `notification sign_type ${signType} is not accepted`);
  if (!rsa2Verify(notifySignContent(fields), signature, config.alipayPublicKey)) throw new ChannelError("SIGNATURE_INVALID", "notification signature does not verify with the Alipay public key");

  // Signed by Alipay from here on; what is left to refuse is a notification that is not ours or not understood.
  const get = (key: string) => {
    const value = fields.get(key);
    return value === undefined || value === "" ? undefined : value;
  };
  const need = (key: string) => {
    const value = get(key);
    if (value === undefined) throw new ChannelError("MALFORMED", `notification has no ${key}`);
    return value;
  };
  const time = (key: string) => {
    const value = get(key);
    if (value === undefined) return undefined;
    const date = parseBeijing(value);
    if (!date) throw new ChannelError("MALFORMED", `notification ${key} is not a time: ${value}`);
    return date;
  };
  if (need("app_id") !== config.appId) throw new ChannelError("MALFORMED", `notification is for app ${String(get("app_id"))}, not ${config.appId}`);
  const notifyType = need("notify_type");
  if (notifyType !== "trade_status_sync") throw new ChannelError("MALFORMED", `notification type ${notifyType} is not handled`);
  const eventId = need("notify_id");
  const outTradeNo = need("out_trade_no");
  const status = tradeStatus(need("trade_status"));
  if (status === undefined) throw new ChannelError("MALFORMED", `unknown trade_status ${String(get("trade_status"))}`);
  // Amounts are validated even where not returned: a malformed amount means a message we do not understand.
  const totalMinor = yuanToFen(need("total_amount"), "total_amount");
  const refundFeeText = get("refund_fee");
  const refundedMinor = refundFeeText === undefined ? 0n : yuanToFen(refundFeeText, "refund_fee");
  // ISV mode names the merchant by auth_app_id; 直付通 / 间连 notifications carry the smid.
  const subMerchant = get("smid") ?? get("auth_app_id");
  const base = { eventId, outTradeNo, channelTradeNo: get("trade_no"), subMerchant };

  // The same trade_status_sync reports refunds: gmt_refund and out_biz_no (the out_request_no)
  // appear, refund_fee is the trade's refunded total so far, and trade_status turns TRADE_CLOSED
  // once everything is refunded. A payment notification may carry refund_fee=0.00.
  if (get("gmt_refund") !== undefined || get("out_biz_no") !== undefined || refundedMinor > 0n) {
    // No amountMinor: refund_fee is cumulative, not this refund's amount.
    return { ...base, kind: "REFUND", outRefundNo: get("out_biz_no"), status: "SUCCEEDED", occurredAt: time("gmt_refund") ?? time("notify_time") };
  }
  const occurredAt = status === "SUCCEEDED" ? time("gmt_payment") : status === "CLOSED" ? time("gmt_close") : undefined;
  const payerId = get("buyer_id") ?? get("buyer_open_id");
  return { ...base, kind: "PAYMENT", status, amountMinor: totalMinor, occurredAt: occurredAt ?? time("notify_time"), ...(payerId ? { payerId } : {}) };
}

function notificationAck(accepted: boolean): NotificationAck {
  // Alipay retries (about 8 times over 25 h) until the body is exactly `success`.
  return { status: 200, contentType: "text/plain; charset=utf-8", body: accepted ? "success" : "fail" };
}

async function downloadStatement(ctx: ConnectorContext, req: StatementRequest): Promise<StatementFile> {
  const config = readAlipayConfig(ctx.account);
  const merchant = readMerchant(ctx);
  if (!alipayAttributes.billTypes.includes(req.billType)) throw new ChannelError("NOT_SUPPORTED", `Alipay bill type ${req.billType} is not supported`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(req.billDate) || Number.isNaN(Date.parse(`${req.billDate}T00:00:00Z`))) {
    throw new ChannelError("MALFORMED", `bill date must be YYYY-MM-DD, got ${req.billDate}`);
  }
  const result = await invokeGateway(ctx, config, {
    method: "alipay.data.dataservice.bill.downloadurl.query",
    bizContent: { bill_type: req.billType, bill_date: req.billDate },
    merchant,
  });
  // No verified answer is not a refusal: the statement job tries again later.
  if (result.kind === "UNKNOWN") throw new Error(`Alipay bill URL query for ${req.billDate} got no verified answer: ${result.reason}`);
  const { reply, exchange } = result;
  if (reply.code !== "10000") {
    const failure = replyFailure(reply);
    throw new ChannelError("CHANNEL_REJECTED", `Alipay refused the ${req.billDate} bill: ${failure.code} (${failure.message})`);
  }
  const url = field(reply, "bill_download_url");
  if (url === undefined) throw new ChannelError("MALFORMED", "bill URL query returned no bill_download_url");

  // The URL is valid for 30 seconds: fetch it at once. It is not signed; the file is what it is.
  const file = await callChannel(ctx, { operation: "alipay.bill.download", method: "GET", url });
  if (file.outcome === "UNKNOWN") throw new Error(`Alipay bill download for ${req.billDate} failed: ${file.reason}`);
  if (file.status !== 200) throw new ChannelError("CHANNEL_REJECTED", `Alipay bill download for ${req.billDate} answered HTTP ${file.status}: ${file.text.slice(0, 200)}`);
  // An expired or bad link can still answer 200 with an error page.
  if (file.body.length < 4 || file.body.readUInt32LE(0) !== 0x04034b50) throw new ChannelError("MALFORMED", `Alipay bill download for ${req.billDate} is not a zip file`);
  const named = new URL(url).searchParams.get("downloadFileName");
  const fileName = named && /^[\w.-]+$/.test(named) ? named : `alipay_${req.billType}_${req.billDate.replaceAll("-", "")}.csv.zip`;
  return { fileName, bytes: file.body, contentType: "application/zip", exchanges: [exchange, file.exchange] };
}

async function faceAuthInfo(ctx: ConnectorContext, req: FaceAuthInfoRequest): Promise<FaceAuthInfoResult> {
  const config = readAlipayConfig(ctx.account);
  const merchant = readMerchant(ctx);
  if (!req.rawdata.trim()) throw new ChannelError("MALFORMED", "the device's metainfo (rawdata) is empty");
  const result = await invokeGateway(ctx, config, {
    method: "zoloz.authentication.customer.smilepay.initialize",
    bizContent: { zimmetainfo: req.rawdata },
    merchant,
  });
  if (result.kind === "UNKNOWN") throw new Error(`Alipay smile-pay initialize got no verified answer: ${result.reason}`);
  const { reply, exchange } = result;
  // 40006 here usually means the merchant authorised the app before it had the face package.
  if (reply.code !== "10000") {
    const failure = replyFailure(reply);
    throw new ChannelError("CHANNEL_REJECTED", `Alipay smile-pay initialize refused: ${failure.code} (${failure.message})`);
  }
  const raw = field(reply, "result");
  let parsed: unknown;
  try {
    parsed = raw === undefined ? undefined : JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const record = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const { zimId, zimInitClientData } = record;
  if (typeof zimId !== "string" || typeof zimInitClientData !== "string" || !zimId || !zimInitClientData) {
    throw new ChannelError("MALFORMED", "smile-pay initialize result has no zimId / zimInitClientData");
  }
  const now = ctx.now?.() ?? new Date();
  return { authinfo: JSON.stringify({ zimId, zimInitClientData }), expiresAt: new Date(now.getTime() + FACE_AUTH_TTL_MS), exchanges: [exchange] };
}

export const alipayConnector: Connector = {
  attributes: alipayAttributes,
  pay,
  query,
  closeOrReverse,
  refund,
  queryRefund,
  parseNotification,
  notificationAck,
  downloadStatement,
  faceAuthInfo,
};
