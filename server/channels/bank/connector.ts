import { createHash, createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { inflateSync } from "node:zlib";
import { callChannel } from "../http";
import {
  ChannelError,
  type ChannelAttributes,
  type ChannelExchange,
  type ChannelTradeStatus,
  type CloseResult,
  type Connector,
  type ConnectorContext,
  type ContractResult,
  type NotificationAck,
  type ParsedNotification,
  type PayResult,
  type PayoutResult,
  type QueryResult,
  type RefundResult,
  type StatementFile,
} from "../types";
import { acpSign, acpTime, acpVerify, braced, encryptSensitive, parseAcpResponse, parseBraced, parseFen, parseTraceTime, type AcpFields } from "./acp";

// A bank quick-pay (银联无跳转 token 支付 style) and payout (代付) channel speaking UnionPay ACP
// 5.1.0: form POSTs signed with signMethod=01, answers in `k=v&…` signed by the bank.
//
// Result semantics follow the ACP demo code: on a back-end money transaction, respCode 00 means
// "accepted", not "succeeded" — the result comes by notification to backUrl or by query
// (origRespCode). 03/04/05 mean "status unknown, query". Every other code is a definite failure.
// A duplicate order (12) is never read as a failure: the first request may have charged.
// The account form (params vs credentials) is in fields.ts.

const DEFAULT_TR_ID = "62000000001";
const ACCEPTED_OR_UNKNOWN = new Set(["00", "03", "04", "05"]);
const STILL_PROCESSING = new Set(["03", "04", "05"]);
const DUPLICATE_ORDER = "12";
const NO_SUCH_TRADE = "34";
const PAYOUT_RETURNED = "RT"; // the simulator's 退汇 code; confirm the bank's own before going live

const attributes: ChannelAttributes = {
  channelType: "BANK",
  products: ["BANK_QUICK"],
  elements: { BANK_QUICK: ["CONTRACT"] },
  minAmountMinor: 1n,
  maxAmountMinor: 5_000_000n,
  feeModel: { kind: "RATE", description: "Rate per transaction, billed monthly by the bank (not deducted from settlement); refunds do not return the fee." },
  feeCollection: "MONTHLY",
  refundReturnsFee: false,
  settlementAccount: "PROVIDER_BANK",
  resultDelivery: { BANK_QUICK: "BOTH" },
  cutoffTime: "23:00",
  supportsPayout: true,
  supportsContract: true,
  supportsFaceAuthInfo: false,
  billTypes: ["ZM"],
};

interface BankConfig {
  readonly baseUrl: string;
  readonly merId: string;
  readonly certId: string;
  readonly trId: string;
  readonly fileTransferUrl: string;
  readonly privateKey: KeyObject;
  readonly bankPublicKey: KeyObject;
}

function readConfig(ctx: ConnectorContext): BankConfig {
  const { params, credentials } = ctx.account;
  const baseUrl = params.baseUrl?.trim() ?? "";
  if (!/^https?:\/\/[^\s/]+/.test(baseUrl)) throw new ChannelError("CONFIG_INVALID", "params.baseUrl must be an http(s) URL");
  const merId = params.merId?.trim() ?? "";
  if (!/^[0-9A-Za-z]{15}$/.test(merId)) throw new ChannelError("CONFIG_INVALID", "params.merId must be the 15-character UnionPay merchant ID");
  const certId = params.certId?.trim() ?? "";
  if (!/^\d{1,40}$/.test(certId)) throw new ChannelError("CONFIG_INVALID", "params.certId must be the signing certificate's serial number in decimal");
  const trId = params.trId?.trim() || DEFAULT_TR_ID;
  if (!/^\d{11}$/.test(trId)) throw new ChannelError("CONFIG_INVALID", "params.trId must be an 11-digit token requestor ID");
  const fileTransferUrl = params.fileTransferUrl?.trim() || `${baseUrl.replace(/\/+$/, "")}/gateway/api/fileTransfer.do`;
  if (!/^https?:\/\/[^\s/]+/.test(fileTransferUrl)) throw new ChannelError("CONFIG_INVALID", "params.fileTransferUrl must be an http(s) URL");
  return {
    baseUrl: baseUrl.replace(/\/+$/, ""),
    merId,
    certId,
    trId,
    fileTransferUrl,
    privateKey: rsaKey("merchantPrivateKeyPem", credentials.merchantPrivateKeyPem, createPrivateKey),
    bankPublicKey: rsaKey("bankPublicKeyPem", credentials.bankPublicKeyPem, createPublicKey),
  };
}

function rsaKey(field: string, pem: string | undefined, load: (pem: string) => KeyObject): KeyObject {
  if (pem === undefined || pem.trim() === "") throw new ChannelError("CONFIG_INVALID", `credentials.${field} is required`);
  let key: KeyObject;
  try {
    key = load(pem);
  } catch {
    throw new ChannelError("CONFIG_INVALID", `credentials.${field} is not a readable PEM key`);
  }
  if (key.asymmetricKeyType !== "rsa") throw new ChannelError("CONFIG_INVALID", `credentials.${field} must be an RSA key`);
  return key;
}

type AcpOutcome =
  | { readonly kind: "ANSWER"; readonly fields: AcpFields; readonly respCode: string; readonly respMsg: string; readonly exchange: ChannelExchange }
  /** Timeout, network error, non-200, unreadable or unsigned answer: nothing can be concluded. */
  | { readonly kind: "UNKNOWN"; readonly reason: string; readonly signatureInvalid: boolean; readonly exchange: ChannelExchange };

// Fields that carry the payer's account or identity; never written to the payment's record.
const SENSITIVE_FIELDS = new Set(["accNo", "customerInfo"]);

async function send(
  ctx: ConnectorContext,
  cfg: BankConfig,
  operation: string,
  url: string,
  txn: { txnType: string; txnSubType: string; bizType: string; orderId?: string },
  extra: Readonly<AcpFields>,
): Promise<AcpOutcome> {
  const now = ctx.now?.() ?? new Date();
  const fields: AcpFields = {
    version: "5.1.0",
    encoding: "UTF-8",
    signMethod: "01",
    txnType: txn.txnType,
    txnSubType: txn.txnSubType,
    bizType: txn.bizType,
    channelType: "07",
    accessType: "0",
    merId: cfg.merId,
    txnTime: acpTime(now),
    certId: cfg.certId,
    ...(txn.orderId === undefined ? {} : { orderId: txn.orderId }),
  };
  for (const [key, value] of Object.entries(extra)) if (value !== "") fields[key] = value;
  fields.signature = acpSign(fields, cfg.privateKey);
  const body = new URLSearchParams(fields).toString();
  const recorded = new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, SENSITIVE_FIELDS.has(k) ? "***" : v])).toString();

  const response = await callChannel(ctx, {
    operation,
    method: "POST",
    url,
    headers: { "content-type": "application/x-www-form-urlencoded;charset=UTF-8" },
    body,
    recordedBody: recorded,
  });
  if (response.outcome === "UNKNOWN") return { kind: "UNKNOWN", reason: response.reason, signatureInvalid: false, exchange: response.exchange };
  if (response.status !== 200) return { kind: "UNKNOWN", reason: `HTTP ${response.status}`, signatureInvalid: false, exchange: response.exchange };
  let answer: AcpFields;
  try {
    answer = parseAcpResponse(response.text);
  } catch (error) {
    return { kind: "UNKNOWN", reason: `unreadable answer: ${(error as Error).message}`, signatureInvalid: false, exchange: response.exchange };
  }
  // An answer we cannot prove is the bank's says nothing, not even "declined".
  if (!acpVerify(answer, cfg.bankPublicKey)) {
    return { kind: "UNKNOWN", reason: "the answer's signature does not verify with the bank's public key", signatureInvalid: true, exchange: response.exchange };
  }
  return { kind: "ANSWER", fields: answer, respCode: answer.respCode ?? "", respMsg: answer.respMsg ?? "", exchange: response.exchange };
}

const backTransUrl = (cfg: BankConfig) => `${cfg.baseUrl}/gateway/api/backTransReq.do`;
const queryUrl = (cfg: BankConfig) => `${cfg.baseUrl}/gateway/api/queryTrans.do`;

/** The void's own order id: derived from the payment's so that a retried void is a duplicate, not a second void. */
function voidOrderId(outTradeNo: string): string {
  return outTradeNo.length <= 31 ? `V${outTradeNo}` : `V${createHash("sha256").update(outTradeNo).digest("hex").slice(0, 31)}`;
}

function encodeCustomerInfo(values: Readonly<AcpFields>): string {
  return Buffer.from(braced(values), "utf8").toString("base64");
}

interface OrderState {
  readonly status: "SUCCEEDED" | "PROCESSING" | "FAILED" | "RETURNED" | "NOT_FOUND";
  readonly queryId?: string;
  readonly amountMinor?: bigint;
  readonly at?: Date;
  readonly failure?: { code: string; message: string };
  readonly exchange: ChannelExchange;
}

/** txnType=00 for any order id (payment, refund, void, payout): its status by origRespCode. */
async function queryOrder(ctx: ConnectorContext, cfg: BankConfig, operation: string, orderId: string): Promise<OrderState> {
  // ACP wants the original txnTime here; a stateless connector does not have it, so it sends now.
  const outcome = await send(ctx, cfg, operation, queryUrl(cfg), { txnType: "00", txnSubType: "00", bizType: "000000", orderId }, {});
  if (outcome.kind === "UNKNOWN") return { status: "PROCESSING", exchange: outcome.exchange };
  if (outcome.respCode === NO_SUCH_TRADE) return { status: "NOT_FOUND", exchange: outcome.exchange };
  if (outcome.respCode !== "00") {
    // The query itself was refused: the order's state is still unknown.
    return { status: "PROCESSING", failure: { code: outcome.respCode, message: outcome.respMsg }, exchange: outcome.exchange };
  }
  const f = outcome.fields;
  const orig = f.origRespCode ?? "";
  const common = {
    queryId: f.queryId,
    amountMinor: parseFen(f.txnAmt),
    at: parseTraceTime(f.traceTime, ctx.now?.() ?? new Date()),
    exchange: outcome.exchange,
  };
  if (orig === "00") return { status: "SUCCEEDED", ...common };
  if (STILL_PROCESSING.has(orig)) return { status: "PROCESSING", ...common, at: undefined };
  if (orig === PAYOUT_RETURNED) return { status: "RETURNED", ...common, failure: { code: orig, message: f.origRespMsg ?? "" } };
  return { status: "FAILED", ...common, at: undefined, failure: { code: orig, message: f.origRespMsg ?? "" } };
}

async function pay(ctx: ConnectorContext, req: Parameters<Connector["pay"]>[1]): Promise<PayResult> {
  if (req.product !== "BANK_QUICK") throw new ChannelError("NOT_SUPPORTED", `the bank channel does not offer ${req.product}`);
  const cfg = readConfig(ctx);
  if (req.contractId === undefined || req.contractId === "") {
    return { status: "FAILED", noMoneyMoved: true, failure: { code: "CONTRACT_REQUIRED", message: "bank quick pay needs a signed contract" }, exchanges: [] };
  }
  if (req.amountMinor <= 0n) throw new ChannelError("MALFORMED", "amount must be positive");
  const outcome = await send(
    ctx,
    cfg,
    "pay",
    backTransUrl(cfg),
    { txnType: "01", txnSubType: "01", bizType: "000902", orderId: req.outTradeNo },
    {
      txnAmt: req.amountMinor.toString(),
      currencyCode: "156",
      backUrl: req.notifyUrl ?? "",
      tokenPayData: braced({ token: req.contractId, trId: cfg.trId }),
      orderDesc: req.description,
      payTimeout: req.expiresAt ? acpTime(req.expiresAt) : "",
    },
  );
  if (outcome.kind === "UNKNOWN") return { status: "PROCESSING", noMoneyMoved: false, exchanges: [outcome.exchange] };
  if (ACCEPTED_OR_UNKNOWN.has(outcome.respCode) || outcome.respCode === DUPLICATE_ORDER) {
    return { status: "PROCESSING", channelTradeNo: outcome.fields.queryId, noMoneyMoved: false, exchanges: [outcome.exchange] };
  }
  return { status: "FAILED", noMoneyMoved: true, failure: { code: outcome.respCode, message: outcome.respMsg }, exchanges: [outcome.exchange] };
}

async function query(ctx: ConnectorContext, req: { outTradeNo: string }): Promise<QueryResult> {
  const cfg = readConfig(ctx);
  const state = await queryOrder(ctx, cfg, "query", req.outTradeNo);
  const status: ChannelTradeStatus = state.status === "RETURNED" ? "FAILED" : state.status;
  return {
    status,
    channelTradeNo: state.queryId,
    amountMinor: state.amountMinor,
    paidAt: status === "SUCCEEDED" ? state.at : undefined,
    failure: state.failure,
    exchanges: [state.exchange],
  };
}

async function closeOrReverse(ctx: ConnectorContext, req: { outTradeNo: string }): Promise<CloseResult> {
  const cfg = readConfig(ctx);
  const original = await queryOrder(ctx, cfg, "close.query", req.outTradeNo);
  const exchanges: ChannelExchange[] = [original.exchange];
  if (original.status === "NOT_FOUND") return { status: "FAILED", failure: { code: NO_SUCH_TRADE, message: "the bank has no such payment to void" }, exchanges };
  // A declined payment moved no money: there is nothing to void.
  if (original.status === "FAILED") return { status: "CLOSED", exchanges };
  if (original.queryId === undefined || original.amountMinor === undefined) return { status: "RETRY", exchanges };

  const orderId = voidOrderId(req.outTradeNo);
  const outcome = await send(
    ctx,
    cfg,
    "reverse",
    backTransUrl(cfg),
    { txnType: "31", txnSubType: "00", bizType: "000902", orderId },
    { origQryId: original.queryId, txnAmt: original.amountMinor.toString(), currencyCode: "156", reqReserved: req.outTradeNo },
  );
  exchanges.push(outcome.exchange);
  if (outcome.kind === "UNKNOWN" || STILL_PROCESSING.has(outcome.respCode)) return { status: "RETRY", exchanges };
  if (outcome.respCode === "00") return { status: "REVERSED", exchanges };
  // A duplicate void order or "original state incorrect" may mean an earlier void went through.
  const earlier = await queryOrder(ctx, cfg, "reverse.query", orderId);
  exchanges.push(earlier.exchange);
  if (earlier.status === "SUCCEEDED") return { status: "REVERSED", exchanges };
  if (earlier.status === "PROCESSING") return { status: "RETRY", exchanges };
  return { status: "FAILED", failure: { code: outcome.respCode, message: outcome.respMsg }, exchanges };
}

async function refund(ctx: ConnectorContext, req: Parameters<Connector["refund"]>[1]): Promise<RefundResult> {
  const cfg = readConfig(ctx);
  if (req.refundMinor <= 0n) throw new ChannelError("MALFORMED", "refund amount must be positive");
  const exchanges: ChannelExchange[] = [];
  let origQryId = req.channelTradeNo;
  if (origQryId === undefined) {
    // ACP refunds name the original by queryId; find it. Nothing is sent if we cannot.
    const original = await queryOrder(ctx, cfg, "refund.query", req.outTradeNo);
    exchanges.push(original.exchange);
    if (original.status !== "SUCCEEDED" || original.queryId === undefined) {
      return { status: "FAILED", failure: { code: "ORIGINAL_NOT_PAID", message: `the original payment is ${original.status} at the bank` }, exchanges };
    }
    origQryId = original.queryId;
  }
  const outcome = await send(
    ctx,
    cfg,
    "refund",
    backTransUrl(cfg),
    { txnType: "04", txnSubType: "00", bizType: "000902", orderId: req.outRefundNo },
    {
      origQryId,
      txnAmt: req.refundMinor.toString(),
      currencyCode: "156",
      backUrl: req.notifyUrl ?? "",
      // Echoed in the refund's notification, which otherwise names only the refund's own order id.
      reqReserved: req.outTradeNo,
    },
  );
  exchanges.push(outcome.exchange);
  if (outcome.kind === "UNKNOWN") return { status: "PROCESSING", exchanges };
  if (ACCEPTED_OR_UNKNOWN.has(outcome.respCode) || outcome.respCode === DUPLICATE_ORDER) {
    return { status: "PROCESSING", channelRefundNo: outcome.fields.queryId, exchanges };
  }
  return { status: "FAILED", failure: { code: outcome.respCode, message: outcome.respMsg }, exchanges };
}

async function queryRefund(ctx: ConnectorContext, req: { outTradeNo: string; outRefundNo: string }): Promise<RefundResult> {
  const cfg = readConfig(ctx);
  const state = await queryOrder(ctx, cfg, "refund.query", req.outRefundNo);
  return {
    status: state.status === "RETURNED" ? "FAILED" : state.status,
    channelRefundNo: state.queryId,
    refundedAt: state.status === "SUCCEEDED" ? state.at : undefined,
    failure: state.failure,
    exchanges: [state.exchange],
  };
}

async function signContract(ctx: ConnectorContext, req: Parameters<NonNullable<Connector["signContract"]>>[1]): Promise<ContractResult> {
  const cfg = readConfig(ctx);
  const outcome = await send(
    ctx,
    cfg,
    "contract.sms",
    backTransUrl(cfg),
    { txnType: "77", txnSubType: "00", bizType: "000902", orderId: req.contractRef },
    {
      accNo: encryptSensitive(req.accountNumber, cfg.bankPublicKey),
      customerInfo: encodeCustomerInfo({
        customerNm: req.accountName,
        certifTp: "01",
        encryptedInfo: encryptSensitive(`phoneNo=${req.phone}&certifId=${req.idNumber}`, cfg.bankPublicKey),
      }),
    },
  );
  if (outcome.kind === "UNKNOWN") return { status: "FAILED", failure: { code: "UNKNOWN", message: `SMS not confirmed sent (${outcome.reason}); send again` }, exchanges: [outcome.exchange] };
  if (outcome.respCode === "00") return { status: "PENDING_SMS", exchanges: [outcome.exchange] };
  return { status: "FAILED", failure: { code: outcome.respCode, message: outcome.respMsg }, exchanges: [outcome.exchange] };
}

async function confirmContract(ctx: ConnectorContext, req: { contractRef: string; smsCode: string }): Promise<ContractResult> {
  const cfg = readConfig(ctx);
  const outcome = await send(
    ctx,
    cfg,
    "contract.open",
    backTransUrl(cfg),
    { txnType: "79", txnSubType: "00", bizType: "000902", orderId: req.contractRef },
    { customerInfo: encodeCustomerInfo({ smsCode: req.smsCode }), tokenPayData: braced({ trId: cfg.trId, tokenType: "01" }) },
  );
  if (outcome.kind === "UNKNOWN") return { status: "FAILED", failure: { code: "UNKNOWN", message: `contract not confirmed (${outcome.reason}); confirm again` }, exchanges: [outcome.exchange] };
  if (outcome.respCode !== "00") return { status: "FAILED", failure: { code: outcome.respCode, message: outcome.respMsg }, exchanges: [outcome.exchange] };
  const token = parseBraced(outcome.fields.tokenPayData).token;
  if (token === undefined || token === "") return { status: "FAILED", failure: { code: "NO_TOKEN", message: "the bank accepted but returned no token" }, exchanges: [outcome.exchange] };
  return { status: "SIGNED", contractId: token, exchanges: [outcome.exchange] };
}

async function payout(ctx: ConnectorContext, req: Parameters<NonNullable<Connector["payout"]>>[1]): Promise<PayoutResult> {
  const cfg = readConfig(ctx);
  if (req.amountMinor <= 0n) throw new ChannelError("MALFORMED", "payout amount must be positive");
  const outcome = await send(
    ctx,
    cfg,
    "payout",
    backTransUrl(cfg),
    { txnType: "12", txnSubType: "00", bizType: "000401", orderId: req.outPayoutNo },
    {
      txnAmt: req.amountMinor.toString(),
      currencyCode: "156",
      accNo: encryptSensitive(req.accountNumber, cfg.bankPublicKey),
      customerInfo: encodeCustomerInfo({ customerNm: req.accountName }),
      reqReserved: req.memo ?? "",
    },
  );
  if (outcome.kind === "UNKNOWN") return { status: "PROCESSING", exchanges: [outcome.exchange] };
  if (ACCEPTED_OR_UNKNOWN.has(outcome.respCode) || outcome.respCode === DUPLICATE_ORDER) {
    return { status: "PROCESSING", channelPayoutNo: outcome.fields.queryId, exchanges: [outcome.exchange] };
  }
  return { status: "FAILED", failure: { code: outcome.respCode, message: outcome.respMsg }, exchanges: [outcome.exchange] };
}

async function queryPayout(ctx: ConnectorContext, req: { outPayoutNo: string }): Promise<PayoutResult> {
  const cfg = readConfig(ctx);
  const state = await queryOrder(ctx, cfg, "payout.query", req.outPayoutNo);
  return { status: state.status, channelPayoutNo: state.queryId, failure: state.failure, exchanges: [state.exchange] };
}

async function parseNotification(ctx: ConnectorContext, incoming: Parameters<Connector["parseNotification"]>[1]): Promise<ParsedNotification> {
  const cfg = readConfig(ctx);
  const fields: AcpFields = Object.fromEntries(new URLSearchParams(incoming.body));
  if (fields.signMethod !== undefined && fields.signMethod !== "01") throw new ChannelError("SIGNATURE_INVALID", `unsupported signMethod ${fields.signMethod}`);
  if (!acpVerify(fields, cfg.bankPublicKey)) throw new ChannelError("SIGNATURE_INVALID", "the notification's signature does not verify with the bank's public key");

  const { txnType, orderId, queryId, merId, respCode } = fields;
  if (!txnType || !orderId || !queryId || !merId || !respCode) throw new ChannelError("MALFORMED", "notification lacks txnType, orderId, queryId, merId or respCode");
  const base = {
    // One notification per (queryId, txnType): the bank's retries and replays carry the same pair.
    eventId: `${queryId}:${txnType}`,
    amountMinor: parseFen(fields.txnAmt),
    occurredAt: parseTraceTime(fields.traceTime, incoming.receivedAt),
    subMerchant: merId,
  };
  const status = respCode === "00" ? "SUCCEEDED" : STILL_PROCESSING.has(respCode) ? "PROCESSING" : "FAILED";
  switch (txnType) {
    case "01":
      return { ...base, kind: "PAYMENT", outTradeNo: orderId, channelTradeNo: queryId, status };
    case "31": {
      if (!fields.reqReserved) throw new ChannelError("MALFORMED", "void notification lacks the original order (reqReserved)");
      return { ...base, kind: "PAYMENT", outTradeNo: fields.reqReserved, channelTradeNo: fields.origQryId, status: status === "SUCCEEDED" ? "REVERSED" : status };
    }
    case "04": {
      if (!fields.reqReserved) throw new ChannelError("MALFORMED", "refund notification lacks the original order (reqReserved)");
      return { ...base, kind: "REFUND", outTradeNo: fields.reqReserved, outRefundNo: orderId, channelTradeNo: fields.origQryId, channelRefundNo: queryId, status };
    }
    default:
      throw new ChannelError("MALFORMED", `notifications for txnType ${txnType} are not handled; query instead`);
  }
}

function notificationAck(accepted: boolean): NotificationAck {
  return accepted ? { status: 200, contentType: "text/plain; charset=utf-8", body: "ok" } : { status: 500, contentType: "text/plain; charset=utf-8", body: "error" };
}

async function downloadStatement(ctx: ConnectorContext, req: { billDate: string; billType: string }): Promise<StatementFile> {
  if (req.billType !== "ZM") throw new ChannelError("NOT_SUPPORTED", `the bank channel offers the ZM file only, not ${req.billType}`);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(req.billDate);
  if (!m) throw new ChannelError("MALFORMED", "billDate must be YYYY-MM-DD");
  const cfg = readConfig(ctx);
  const outcome = await send(
    ctx,
    cfg,
    "statement",
    cfg.fileTransferUrl,
    { txnType: "76", txnSubType: "01", bizType: "000000" },
    { settleDate: `${m[2]}${m[3]}`, fileType: "00" },
  );
  if (outcome.kind === "UNKNOWN") {
    if (outcome.signatureInvalid) throw new ChannelError("SIGNATURE_INVALID", outcome.reason);
    throw new Error(`statement download for ${req.billDate} failed: ${outcome.reason}`);
  }
  if (outcome.respCode !== "00") throw new ChannelError("CHANNEL_REJECTED", `statement download for ${req.billDate}: respCode ${outcome.respCode} ${outcome.respMsg}`);
  const content = outcome.fields.fileContent;
  if (!content) throw new ChannelError("MALFORMED", "the file transfer answer has no fileContent");
  let zip: Buffer;
  try {
    // fileContent = base64(zlib(zip)): zlib-wrapped deflate, as java.util.zip.Inflater reads it.
    zip = inflateSync(Buffer.from(content, "base64"));
  } catch {
    throw new ChannelError("MALFORMED", "fileContent is not base64 zlib data");
  }
  if (zip.length < 4 || zip.readUInt32LE(0) !== (zip.length === 22 ? 0x06054b50 : 0x04034b50)) throw new ChannelError("MALFORMED", "fileContent does not hold a zip");
  return {
    fileName: outcome.fields.fileName || `${cfg.merId}_${m[1]}${m[2]}${m[3]}.zip`,
    bytes: zip,
    contentType: "application/zip",
    exchanges: [outcome.exchange],
  };
}

export const bankConnector: Connector = {
  attributes,
  pay,
  query,
  closeOrReverse,
  refund,
  queryRefund,
  parseNotification,
  notificationAck,
  downloadStatement,
  signContract,
  confirmContract,
  payout,
  queryPayout,
};
