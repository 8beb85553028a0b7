import { createHash } from "node:crypto";
import { callChannel } from "../http";
import {
  ChannelError,
  type ChannelAttributes,
  type ChannelExchange,
  type ChannelFailure,
  type ChannelTradeStatus,
  type CloseResult,
  type Connector,
  type ConnectorContext,
  type FaceAuthInfoResult,
  type NotificationAck,
  type ParsedNotification,
  type PayRequest,
  type PayResult,
  type QueryResult,
  type RefundResult,
  type RefundStatus,
  type StatementFile,
} from "../types";
import { buildXml, parseXml, v2Sign, v2SignatureMatches, type V2SignType } from "./apiv2";
import { decryptResource, randomNonce, signRequest, verifyWechatSignature } from "./apiv3";
import { readWechatConfig, requireSubMerchant, type WechatConfig } from "./config";

// WeChat Pay in partner (服务商) mode. Face and payment-code payments go through v2 micropay
// (what the face SDK's face_code_type=1 codes are paid with, and what aggregators still use),
// which never notifies: the result comes from the answer or from querying. Everything else is
// APIv3. Queries always use the v3 out-trade-no query, which answers for micropay orders too,
// so one mapping of trade_state serves every product.

const attributes: ChannelAttributes = {
  channelType: "WECHAT",
  products: ["WECHAT_FACE", "WECHAT_CODE", "WECHAT_QR"],
  elements: { WECHAT_FACE: ["FACE_CODE", "DEVICE"], WECHAT_CODE: ["AUTH_CODE"], WECHAT_QR: [] },
  minAmountMinor: 1n,
  // total_fee is a signed 32-bit integer of fen; per-payer limits are WeChat's own, at pay time.
  maxAmountMinor: 2_147_483_647n,
  feeModel: { kind: "RATE", description: "A rate per sub-merchant (e.g. 0.38%), rounded to the fen and deducted from each payment" },
  feeCollection: "AT_SOURCE",
  refundReturnsFee: true,
  // Partner mode: WeChat settles to the sub-merchant's own account; the 服务商 never holds funds.
  settlementAccount: "MERCHANT_BANK",
  resultDelivery: { WECHAT_FACE: "QUERY", WECHAT_CODE: "QUERY", WECHAT_QR: "BOTH" },
  cutoffTime: "00:00",
  supportsPayout: false,
  supportsContract: false,
  supportsFaceAuthInfo: true,
  billTypes: ["ALL", "SUCCESS", "REFUND"],
};

const V2_SIGN_TYPE: V2SignType = "HMAC-SHA256";
const USER_AGENT = "Switchyard-WechatPay/1.0";

/** micropay err_codes after which the payment may still complete: query, never fall back. */
const MICROPAY_PENDING_CODES = new Set(["SYSTEMERROR", "USERPAYING", "BANKERROR", "ORDERPAID", "OUT_TRADE_NO_USED"]);

export const wechatConnector: Connector = {
  attributes,

  async pay(ctx, req) {
    const config = readWechatConfig(ctx.account);
    const subMerchant = requireSubMerchant(ctx);
    if (req.currency !== "CNY") throw new ChannelError("NOT_SUPPORTED", `WeChat partner payments are in CNY, not ${String(req.currency)}`);
    switch (req.product) {
      case "WECHAT_FACE":
      case "WECHAT_CODE":
        return micropay(ctx, config, subMerchant, req);
      case "WECHAT_QR":
        return nativePay(ctx, config, subMerchant, req);
      default:
        throw new ChannelError("NOT_SUPPORTED", `WeChat does not offer ${req.product}`);
    }
  },

  async query(ctx, req) {
    const config = readWechatConfig(ctx.account);
    const { subMchId } = requireSubMerchant(ctx);
    const exchanges: ChannelExchange[] = [];
    const reply = await callV3(ctx, config, exchanges, {
      operation: "query",
      method: "GET",
      url: `${config.baseUrl}/v3/pay/partner/transactions/out-trade-no/${encodeURIComponent(req.outTradeNo)}?${new URLSearchParams({ sp_mchid: config.spMchId, sub_mchid: subMchId })}`,
    });
    if (reply.kind === "error" && (reply.status === 404 || reply.code === "ORDER_NOT_EXIST" || reply.code === "ORDERNOTEXIST")) {
      return { status: "NOT_FOUND", failure: failureOf(reply), exchanges };
    }
    if (reply.kind !== "ok") return { status: "PROCESSING", failure: failureOf(reply), exchanges };
    const trade = parseJsonObject(reply.text);
    if (!trade || str(trade, "out_trade_no") !== req.outTradeNo) {
      return { status: "PROCESSING", failure: { code: "MALFORMED", message: "the query answer is not a transaction for this order" }, exchanges };
    }
    return { ...readTransaction(trade), exchanges };
  },

  async closeOrReverse(ctx, req) {
    const config = readWechatConfig(ctx.account);
    const subMerchant = requireSubMerchant(ctx);
    const exchanges: ChannelExchange[] = [];
    if (req.product === "WECHAT_FACE" || req.product === "WECHAT_CODE") {
      // Reverse (撤销) rather than close: it also refunds a payment that completed meanwhile.
      // In production /secapi/ needs the merchant API certificate as the TLS client certificate.
      const reply = await callV2(ctx, config, exchanges, {
        operation: "reverse",
        url: `${config.baseUrl}/secapi/pay/reverse`,
        fields: { appid: config.spAppId, mch_id: config.spMchId, sub_appid: subMerchant.subAppId, sub_mch_id: subMerchant.subMchId, out_trade_no: req.outTradeNo },
      });
      if (reply.kind === "unknown") return { status: "RETRY", failure: { code: "UNKNOWN", message: reply.reason }, exchanges };
      if (reply.kind === "rejected") return { status: "FAILED", failure: reply.failure, exchanges };
      const failure = reply.fields.result_code === "SUCCESS" ? undefined : v2BusinessFailure(reply.fields);
      if (reply.fields.recall === "Y") return { status: "RETRY", failure, exchanges };
      if (reply.fields.result_code === "SUCCESS") return { status: "REVERSED", exchanges };
      return { status: "FAILED", failure, exchanges };
    }
    if (req.product === "WECHAT_QR") {
      const reply = await callV3(ctx, config, exchanges, {
        operation: "close",
        method: "POST",
        url: `${config.baseUrl}/v3/pay/partner/transactions/out-trade-no/${encodeURIComponent(req.outTradeNo)}/close`,
        body: { sp_mchid: config.spMchId, sub_mchid: subMerchant.subMchId },
      });
      if (reply.kind === "ok") return { status: "CLOSED", exchanges };
      if (reply.kind === "unknown" || isTransient(reply)) return { status: "RETRY", failure: failureOf(reply), exchanges };
      return { status: "FAILED", failure: failureOf(reply), exchanges };
    }
    throw new ChannelError("NOT_SUPPORTED", `WeChat cannot close a ${req.product} order`);
  },

  async refund(ctx, req) {
    const config = readWechatConfig(ctx.account);
    const { subMchId } = requireSubMerchant(ctx);
    const exchanges: ChannelExchange[] = [];
    const notifyUrl = req.notifyUrl ?? config.notifyUrl;
    const reply = await callV3(ctx, config, exchanges, {
      operation: "refund",
      method: "POST",
      url: `${config.baseUrl}/v3/refund/domestic/refunds`,
      body: {
        sub_mchid: subMchId,
        out_trade_no: req.outTradeNo,
        out_refund_no: req.outRefundNo,
        ...(req.reason ? { reason: truncate(req.reason, 80) } : {}),
        ...(notifyUrl ? { notify_url: notifyUrl } : {}),
        amount: { refund: toFen(req.refundMinor), total: toFen(req.totalMinor), currency: "CNY" },
      },
    });
    if (reply.kind === "unknown" || (reply.kind === "error" && isTransient(reply))) return { status: "PROCESSING", failure: failureOf(reply), exchanges };
    if (reply.kind === "error") return { status: "FAILED", failure: failureOf(reply), exchanges };
    return { ...readRefund(reply.text, req.outRefundNo), exchanges };
  },

  async queryRefund(ctx, req) {
    const config = readWechatConfig(ctx.account);
    const { subMchId } = requireSubMerchant(ctx);
    const exchanges: ChannelExchange[] = [];
    const reply = await callV3(ctx, config, exchanges, {
      operation: "queryRefund",
      method: "GET",
      url: `${config.baseUrl}/v3/refund/domestic/refunds/${encodeURIComponent(req.outRefundNo)}?${new URLSearchParams({ sub_mchid: subMchId })}`,
    });
    if (reply.kind === "error" && (reply.status === 404 || reply.code === "RESOURCE_NOT_EXISTS")) return { status: "NOT_FOUND", failure: failureOf(reply), exchanges };
    if (reply.kind !== "ok") return { status: "PROCESSING", failure: failureOf(reply), exchanges };
    return { ...readRefund(reply.text, req.outRefundNo), exchanges };
  },

  async parseNotification(ctx, incoming) {
    const config = readWechatConfig(ctx.account);
    // The window is measured from when the callback arrived, so a queued one can be processed later.
    verifyWechatSignature({ headers: incoming.headers, body: incoming.body, now: incoming.receivedAt, platformKeys: config.platformKeys });
    const envelope = parseJsonObject(incoming.body);
    const resource = envelope && obj(envelope, "resource");
    const eventId = envelope && str(envelope, "id");
    const eventType = envelope && str(envelope, "event_type");
    if (!envelope || !resource || !eventId || !eventType) throw new ChannelError("MALFORMED", "a WeChat callback has id, event_type and resource");
    if (str(resource, "algorithm") !== "AEAD_AES_256_GCM") throw new ChannelError("DECRYPT_FAILED", `unsupported resource algorithm ${str(resource, "algorithm") ?? "(none)"}`);
    const plaintext = decryptResource({
      apiV3Key: config.apiV3Key,
      nonce: str(resource, "nonce") ?? "",
      associatedData: str(resource, "associated_data") ?? "",
      ciphertext: str(resource, "ciphertext") ?? "",
    });
    const content = parseJsonObject(plaintext);
    if (!content) throw new ChannelError("MALFORMED", "the decrypted resource is not a JSON object");
    const spMchId = str(content, "sp_mchid");
    if (spMchId !== undefined && spMchId !== config.spMchId) throw new ChannelError("MALFORMED", `the callback is for sp_mchid ${spMchId}, this account is ${config.spMchId}`);
    if (eventType.startsWith("TRANSACTION.")) return readPaymentNotification(eventId, content);
    if (eventType.startsWith("REFUND.")) return readRefundNotification(eventId, content);
    throw new ChannelError("MALFORMED", `unsupported event_type ${eventType}`);
  },

  notificationAck(accepted): NotificationAck {
    // WeChat judges by HTTP status first: only a non-2xx makes it deliver again.
    return accepted
      ? { status: 200, contentType: "application/json", body: JSON.stringify({ code: "SUCCESS", message: "成功" }) }
      : { status: 500, contentType: "application/json", body: JSON.stringify({ code: "FAIL", message: "失败" }) };
  },

  async downloadStatement(ctx, req): Promise<StatementFile> {
    const config = readWechatConfig(ctx.account);
    if (!attributes.billTypes.includes(req.billType)) throw new ChannelError("NOT_SUPPORTED", `WeChat bill type ${req.billType} is not one of ${attributes.billTypes.join(", ")}`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(req.billDate)) throw new ChannelError("MALFORMED", `billDate must be YYYY-MM-DD, got ${req.billDate}`);
    const exchanges: ChannelExchange[] = [];
    // Without a registration the provider's full bill (every sub-merchant) is fetched.
    const query = new URLSearchParams({ bill_date: req.billDate, bill_type: req.billType });
    const subMchId = ctx.registration?.subMchId?.trim();
    if (subMchId) query.set("sub_mchid", subMchId);
    const reply = await callV3(ctx, config, exchanges, { operation: "tradeBill", method: "GET", url: `${config.baseUrl}/v3/bill/tradebill?${query}` });
    if (reply.kind === "unknown") throw new Error(`WeChat trade bill request failed: ${reply.reason}`);
    if (reply.kind === "error") throw new ChannelError("CHANNEL_REJECTED", `${reply.code}: ${reply.message}`);
    const answer = parseJsonObject(reply.text);
    const downloadUrl = answer && str(answer, "download_url");
    const hashValue = answer && str(answer, "hash_value");
    if (!answer || !downloadUrl || !hashValue || (str(answer, "hash_type") ?? "SHA1") !== "SHA1") {
      throw new ChannelError("MALFORMED", "the trade bill answer lacks download_url or a SHA1 hash_value");
    }
    checkDownloadHost(config, downloadUrl);
    // The file itself carries no signature: the SHA1 from the signed answer is what binds it.
    const file = await callV3(ctx, config, exchanges, { operation: "downloadBill", method: "GET", url: downloadUrl, unsignedResponse: true });
    if (file.kind === "unknown") throw new Error(`WeChat bill download failed: ${file.reason}`);
    if (file.kind === "error") throw new ChannelError("CHANNEL_REJECTED", `${file.code}: ${file.message}`);
    const digest = createHash("sha1").update(file.body).digest("hex");
    if (digest !== hashValue.toLowerCase()) {
      throw new ChannelError("SIGNATURE_INVALID", `the bill file's SHA1 ${digest} does not match hash_value ${hashValue}`);
    }
    return {
      fileName: `wechat-tradebill-${config.spMchId}${subMchId ? `-${subMchId}` : ""}-${req.billDate}-${req.billType}.csv`,
      bytes: file.body,
      contentType: "text/csv; charset=utf-8",
      exchanges,
    };
  },

  async faceAuthInfo(ctx, req): Promise<FaceAuthInfoResult> {
    const config = readWechatConfig(ctx.account);
    const subMerchant = requireSubMerchant(ctx);
    const exchanges: ChannelExchange[] = [];
    const issuedAt = now(ctx);
    const reply = await callV2(ctx, config, exchanges, {
      operation: "faceAuthInfo",
      url: `${config.faceBaseUrl}/face/get_wxpayface_authinfo`,
      fields: {
        store_id: req.storeId,
        store_name: req.storeName,
        device_id: req.deviceId,
        rawdata: req.rawdata,
        appid: config.spAppId,
        mch_id: config.spMchId,
        sub_appid: subMerchant.subAppId,
        sub_mch_id: subMerchant.subMchId,
        now: String(Math.floor(issuedAt.getTime() / 1000)),
        version: "1",
      },
    });
    if (reply.kind === "unknown") throw new Error(`get_wxpayface_authinfo failed: ${reply.reason}`);
    if (reply.kind === "rejected") throw new ChannelError("CHANNEL_REJECTED", `${reply.failure.code}: ${reply.failure.message}`);
    const authinfo = reply.fields.authinfo;
    const expiresIn = Number(reply.fields.expires_in ?? "3600");
    if (!authinfo || !Number.isFinite(expiresIn)) throw new ChannelError("MALFORMED", "get_wxpayface_authinfo answered without authinfo");
    return { authinfo, expiresAt: new Date(issuedAt.getTime() + expiresIn * 1000), exchanges };
  },
};

// ---- payments ----------------------------------------------------------------------------------

type SubMerchant = ReturnType<typeof requireSubMerchant>;

async function micropay(ctx: ConnectorContext, config: WechatConfig, subMerchant: SubMerchant, req: PayRequest): Promise<PayResult> {
  if (!req.authCode) throw new ChannelError("MALFORMED", `${req.product} needs authCode (the ${req.product === "WECHAT_FACE" ? "face_code" : "payment code"})`);
  if (req.product === "WECHAT_FACE" && !req.deviceId) throw new ChannelError("MALFORMED", "WECHAT_FACE needs deviceId (device_info)");
  const exchanges: ChannelExchange[] = [];
  const reply = await callV2(ctx, config, exchanges, {
    operation: "pay",
    url: `${config.baseUrl}/pay/micropay`,
    fields: {
      appid: config.spAppId,
      mch_id: config.spMchId,
      sub_appid: subMerchant.subAppId,
      sub_mch_id: subMerchant.subMchId,
      // 终端设备号: the face device (it must match the one the face code was issued to), else the
      // merchant's own terminal number.
      device_info: req.deviceId ?? req.terminalInfo?.terminalId,
      body: truncate(req.description, 128),
      out_trade_no: req.outTradeNo,
      total_fee: String(toFen(req.amountMinor)),
      fee_type: "CNY",
      // For micropay this is the terminal's (or our server's) IP, not the payer's phone.
      spbill_create_ip: req.terminalInfo?.ip ?? req.payerIp ?? "127.0.0.1",
      auth_code: req.authCode,
      time_expire: req.expiresAt ? beijingCompact(req.expiresAt) : undefined,
      scene_info: req.storeId ? JSON.stringify({ store_info: { id: req.storeId } }) : undefined,
    },
  });
  if (reply.kind === "unknown") return { status: "PROCESSING", noMoneyMoved: false, failure: { code: "UNKNOWN", message: reply.reason }, exchanges };
  // return_code=FAIL: WeChat refused the request itself (signature, parameters), nothing was charged.
  if (reply.kind === "rejected") return { status: "FAILED", noMoneyMoved: true, failure: reply.failure, exchanges };
  const fields = reply.fields;
  if (fields.result_code !== "SUCCESS") {
    const failure = v2BusinessFailure(fields);
    if (MICROPAY_PENDING_CODES.has(failure.code)) return { status: "PROCESSING", noMoneyMoved: false, failure, exchanges };
    return { status: "FAILED", noMoneyMoved: true, failure, exchanges };
  }
  const totalFee = fields.total_fee;
  if (fields.out_trade_no !== req.outTradeNo || !fields.transaction_id || !totalFee || !/^\d+$/.test(totalFee)) {
    return { status: "PROCESSING", noMoneyMoved: false, failure: { code: "MALFORMED", message: "micropay SUCCESS without this order's transaction" }, exchanges };
  }
  return {
    status: "SUCCEEDED",
    channelTradeNo: fields.transaction_id,
    amountMinor: BigInt(totalFee),
    paidAt: fields.time_end ? parseBeijingCompact(fields.time_end) : undefined,
    payerId: fields.sub_openid || fields.openid || undefined,
    noMoneyMoved: false,
    exchanges,
  };
}

/** Native's scene_info: the payer's IP (required once scene_info is sent) and the device or terminal that showed the code. */
function sceneInfo(req: PayRequest): { scene_info?: { payer_client_ip: string; device_id?: string } } {
  const deviceId = req.deviceId ?? req.terminalInfo?.terminalId;
  if (!deviceId && !req.payerIp) return {};
  return { scene_info: { payer_client_ip: req.payerIp ?? "127.0.0.1", ...(deviceId ? { device_id: deviceId } : {}) } };
}

async function nativePay(ctx: ConnectorContext, config: WechatConfig, subMerchant: SubMerchant, req: PayRequest): Promise<PayResult> {
  const notifyUrl = req.notifyUrl ?? config.notifyUrl;
  if (!notifyUrl) throw new ChannelError("CONFIG_INVALID", "WECHAT_QR needs a notifyUrl (on the request or params.notifyUrl)");
  const exchanges: ChannelExchange[] = [];
  const reply = await callV3(ctx, config, exchanges, {
    operation: "pay",
    method: "POST",
    url: `${config.baseUrl}/v3/pay/partner/transactions/native`,
    body: {
      sp_appid: config.spAppId,
      sp_mchid: config.spMchId,
      ...(subMerchant.subAppId ? { sub_appid: subMerchant.subAppId } : {}),
      sub_mchid: subMerchant.subMchId,
      description: truncate(req.description, 127),
      out_trade_no: req.outTradeNo,
      ...(req.expiresAt ? { time_expire: beijingRfc3339(req.expiresAt) } : {}),
      notify_url: notifyUrl,
      amount: { total: toFen(req.amountMinor), currency: "CNY" },
      ...sceneInfo(req),
    },
  });
  if (reply.kind === "unknown" || (reply.kind === "error" && isTransient(reply))) return { status: "PROCESSING", noMoneyMoved: false, failure: failureOf(reply), exchanges };
  // A refused QR order was never shown to a payer: nothing can have been paid.
  if (reply.kind === "error") return { status: "FAILED", noMoneyMoved: true, failure: failureOf(reply), exchanges };
  const codeUrl = str(parseJsonObject(reply.text) ?? {}, "code_url");
  if (!codeUrl) return { status: "PROCESSING", noMoneyMoved: false, failure: { code: "MALFORMED", message: "native order answered without code_url" }, exchanges };
  return { status: "PROCESSING", codeUrl, noMoneyMoved: false, exchanges };
}

const TRADE_STATES: Readonly<Record<string, ChannelTradeStatus>> = {
  SUCCESS: "SUCCEEDED",
  REFUND: "REFUNDED",
  NOTPAY: "PROCESSING",
  USERPAYING: "PROCESSING",
  CLOSED: "CLOSED",
  REVOKED: "REVERSED",
  PAYERROR: "FAILED",
};

function readTransaction(trade: Json): Omit<QueryResult, "exchanges"> {
  const state = str(trade, "trade_state") ?? "";
  const status = TRADE_STATES[state];
  const amount = obj(trade, "amount");
  const payer = obj(trade, "payer");
  const payerId = payer ? (str(payer, "sub_openid") ?? str(payer, "sp_openid")) : undefined;
  const base = {
    channelTradeNo: str(trade, "transaction_id"),
    amountMinor: amount ? fen(amount, "total") : undefined,
    paidAt: date(str(trade, "success_time")),
    ...(payerId ? { payerId } : {}),
  };
  if (!status) return { status: "PROCESSING", ...base, failure: { code: "UNKNOWN_TRADE_STATE", message: `trade_state ${state || "(missing)"}` } };
  if (status === "FAILED") return { status, ...base, failure: { code: state, message: str(trade, "trade_state_desc") ?? state } };
  return { status, ...base };
}

function readPaymentNotification(eventId: string, content: Json): ParsedNotification {
  const outTradeNo = str(content, "out_trade_no");
  if (!outTradeNo) throw new ChannelError("MALFORMED", "payment callback without out_trade_no");
  const transaction = readTransaction(content);
  return {
    kind: "PAYMENT",
    eventId,
    outTradeNo,
    channelTradeNo: transaction.channelTradeNo,
    status: transaction.status,
    amountMinor: transaction.amountMinor,
    occurredAt: transaction.paidAt,
    ...(transaction.payerId ? { payerId: transaction.payerId } : {}),
    subMerchant: str(content, "sub_mchid"),
  };
}

// ---- refunds -----------------------------------------------------------------------------------

const REFUND_STATES: Readonly<Record<string, RefundStatus>> = {
  SUCCESS: "SUCCEEDED",
  PROCESSING: "PROCESSING",
  CLOSED: "CLOSED",
  ABNORMAL: "ABNORMAL",
};

function readRefund(text: string, outRefundNo: string): Omit<RefundResult, "exchanges"> {
  const refund = parseJsonObject(text);
  if (!refund || str(refund, "out_refund_no") !== outRefundNo) {
    return { status: "PROCESSING", failure: { code: "MALFORMED", message: "the answer is not this refund" } };
  }
  const state = str(refund, "status") ?? "";
  const status = REFUND_STATES[state];
  const base = { channelRefundNo: str(refund, "refund_id"), refundedAt: date(str(refund, "success_time")) };
  if (!status) return { status: "PROCESSING", ...base, failure: { code: "UNKNOWN_REFUND_STATUS", message: `status ${state || "(missing)"}` } };
  return { status, ...base };
}

function readRefundNotification(eventId: string, content: Json): ParsedNotification {
  const outTradeNo = str(content, "out_trade_no");
  const outRefundNo = str(content, "out_refund_no");
  if (!outTradeNo || !outRefundNo) throw new ChannelError("MALFORMED", "refund callback without out_trade_no and out_refund_no");
  const state = str(content, "refund_status") ?? "";
  const amount = obj(content, "amount");
  return {
    kind: "REFUND",
    eventId,
    outTradeNo,
    outRefundNo,
    channelTradeNo: str(content, "transaction_id"),
    channelRefundNo: str(content, "refund_id"),
    status: REFUND_STATES[state] ?? "PROCESSING",
    amountMinor: amount ? fen(amount, "refund") : undefined,
    occurredAt: date(str(content, "success_time")),
    subMerchant: str(content, "sub_mchid"),
  };
}

// ---- APIv3 transport ---------------------------------------------------------------------------

type V3Reply =
  | { readonly kind: "ok"; readonly status: number; readonly text: string; readonly body: Buffer }
  | { readonly kind: "error"; readonly status: number; readonly code: string; readonly message: string }
  | { readonly kind: "unknown"; readonly reason: string };

interface V3Call {
  readonly operation: string;
  readonly method: "GET" | "POST";
  readonly url: string;
  readonly body?: unknown;
  /** Bill files come back without signature headers; the caller checks their hash instead. */
  readonly unsignedResponse?: boolean;
}

async function callV3(ctx: ConnectorContext, config: WechatConfig, exchanges: ChannelExchange[], call: V3Call): Promise<V3Reply> {
  const target = new URL(call.url);
  const body = call.body === undefined ? "" : JSON.stringify(call.body);
  const authorization = signRequest(
    { mchId: config.spMchId, serialNo: config.merchantSerialNo, privateKey: config.merchantPrivateKey },
    { method: call.method, canonicalUrl: target.pathname + target.search, body, timestamp: Math.floor(now(ctx).getTime() / 1000), nonce: randomNonce() },
  );
  const response = await callChannel(ctx, {
    operation: call.operation,
    method: call.method,
    url: target.href,
    headers: {
      Accept: "application/json",
      ...(call.method === "POST" ? { "Content-Type": "application/json" } : {}),
      "User-Agent": USER_AGENT,
      Authorization: authorization,
      "Wechatpay-Serial": config.preferredPlatformSerial,
    },
    body: call.method === "POST" ? body : undefined,
  });
  exchanges.push(response.exchange);
  if (response.outcome === "UNKNOWN") return { kind: "unknown", reason: response.reason };
  if (response.status >= 200 && response.status < 300) {
    if (!call.unsignedResponse) {
      try {
        verifyWechatSignature({ headers: response.headers, body: response.text, now: now(ctx), platformKeys: config.platformKeys });
      } catch (error) {
        // An answer we cannot prove came from WeChat tells us nothing: the outcome stays unknown.
        if (error instanceof ChannelError) return { kind: "unknown", reason: `answer not proven to come from WeChat: ${error.message}` };
        throw error;
      }
    }
    return { kind: "ok", status: response.status, text: response.text, body: response.body };
  }
  const error = parseJsonObject(response.text);
  return { kind: "error", status: response.status, code: (error && str(error, "code")) ?? `HTTP_${response.status}`, message: (error && str(error, "message")) ?? response.text.slice(0, 200) };
}

/** Errors that say "try again", not "no": the request may or may not have been acted on. */
function isTransient(reply: Extract<V3Reply, { kind: "error" }>): boolean {
  return reply.status >= 500 || reply.status === 429 || reply.code === "SYSTEM_ERROR" || reply.code === "FREQUENCY_LIMITED";
}

function failureOf(reply: V3Reply): ChannelFailure | undefined {
  if (reply.kind === "error") return { code: reply.code, message: reply.message };
  if (reply.kind === "unknown") return { code: "UNKNOWN", message: reply.reason };
  return undefined;
}

function checkDownloadHost(config: WechatConfig, downloadUrl: string): void {
  let url: URL;
  try {
    url = new URL(downloadUrl);
  } catch {
    throw new ChannelError("MALFORMED", "download_url is not a URL");
  }
  // We sign the download request, so it only goes to WeChat (or the configured gateway).
  if (url.origin !== new URL(config.baseUrl).origin && !(url.protocol === "https:" && url.hostname.endsWith(".mch.weixin.qq.com"))) {
    throw new ChannelError("MALFORMED", `download_url points at ${url.origin}, not WeChat`);
  }
}

// ---- APIv2 transport ---------------------------------------------------------------------------

type V2Reply =
  | { readonly kind: "ok"; readonly fields: Readonly<Record<string, string>> }
  | { readonly kind: "rejected"; readonly failure: ChannelFailure }
  | { readonly kind: "unknown"; readonly reason: string };

async function callV2(
  ctx: ConnectorContext,
  config: WechatConfig,
  exchanges: ChannelExchange[],
  call: { operation: string; url: string; fields: Readonly<Record<string, string | undefined>> },
): Promise<V2Reply> {
  const fields: Record<string, string> = { nonce_str: randomNonce(), sign_type: V2_SIGN_TYPE };
  for (const [key, value] of Object.entries(call.fields)) if (value !== undefined && value !== "") fields[key] = value;
  const xml = buildXml({ ...fields, sign: v2Sign(fields, config.apiV2Key, V2_SIGN_TYPE) });
  const recorded = fields.auth_code ? buildXml({ ...fields, auth_code: maskCode(fields.auth_code) }) : buildXml(fields);
  const response = await callChannel(ctx, {
    operation: call.operation,
    method: "POST",
    url: call.url,
    headers: { "Content-Type": "text/xml; charset=utf-8", "User-Agent": USER_AGENT },
    body: xml,
    recordedBody: recorded,
  });
  exchanges.push(response.exchange);
  if (response.outcome === "UNKNOWN") return { kind: "unknown", reason: response.reason };
  if (response.status !== 200) return { kind: "unknown", reason: `HTTP ${response.status}` };
  let reply: Record<string, string>;
  try {
    reply = parseXml(response.text);
  } catch (error) {
    return { kind: "unknown", reason: `unreadable answer: ${(error as Error).message}` };
  }
  if (reply.return_code !== "SUCCESS") {
    const message = reply.return_msg ?? "return_code FAIL";
    return { kind: "rejected", failure: { code: reply.err_code ?? (message.includes("签名") ? "SIGNERROR" : "RETURN_FAIL"), message } };
  }
  if (!v2SignatureMatches(reply, config.apiV2Key, V2_SIGN_TYPE)) return { kind: "unknown", reason: "the answer's sign does not verify" };
  return { kind: "ok", fields: reply };
}

function v2BusinessFailure(fields: Readonly<Record<string, string>>): ChannelFailure {
  const code = fields.err_code ?? "FAIL";
  return { code, message: fields.err_code_des ?? code };
}

function maskCode(code: string): string {
  return code.length > 8 ? `${code.slice(0, 4)}${"*".repeat(code.length - 8)}${code.slice(-4)}` : "****";
}

// ---- small helpers -----------------------------------------------------------------------------

type Json = Record<string, unknown>;

function parseJsonObject(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

function str(value: Json, key: string): string | undefined {
  const field = value[key];
  return typeof field === "string" ? field : undefined;
}

function obj(value: Json, key: string): Json | undefined {
  const field = value[key];
  return typeof field === "object" && field !== null && !Array.isArray(field) ? (field as Json) : undefined;
}

/** WeChat amounts are integer fen. */
function fen(value: Json, key: string): bigint | undefined {
  const field = value[key];
  return typeof field === "number" && Number.isSafeInteger(field) ? BigInt(field) : undefined;
}

function toFen(amountMinor: bigint): number {
  if (amountMinor < attributes.minAmountMinor || amountMinor > attributes.maxAmountMinor) {
    throw new ChannelError("MALFORMED", `amount ${amountMinor} fen is outside WeChat's 1..${attributes.maxAmountMinor}`);
  }
  return Number(amountMinor);
}

function date(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
}

function now(ctx: ConnectorContext): Date {
  return ctx.now?.() ?? new Date();
}

function truncate(text: string, maxChars: number): string {
  return [...text].slice(0, maxChars).join("");
}

const BEIJING_OFFSET_MS = 8 * 3600_000;

/** yyyyMMddHHmmss in Beijing time (v2 time fields). */
function beijingCompact(at: Date): string {
  return new Date(at.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 19).replace(/\D/g, "");
}

/** RFC 3339 with +08:00 (v3 time fields). */
function beijingRfc3339(at: Date): string {
  return `${new Date(at.getTime() + BEIJING_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

function parseBeijingCompact(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second) - BEIJING_OFFSET_MS);
}
