import { createHash, createPublicKey, generateKeyPairSync, randomBytes, randomInt, randomUUID, type KeyObject } from "node:crypto";
import {
  SimulatorState,
  sleep,
  startSimulatorServer,
  type BehaviourRule,
  type RunningSimulator,
  type SimRefund,
  type SimRequest,
  type SimResponse,
  type SimTrade,
  type StatementDiff,
} from "../harness";
import { Notifier, type NotificationRecord } from "./notifier";
import { fromXml, merchantSignatureValid, parseAuthorization, platformSignature, randomToken, sealResource, toXml, wxSign, type WxSignType } from "./protocol";
import { feeFor, refundedFee, renderTradeBill, type BillTrade, type BillType } from "./trade-bill";

// A local WeChat Pay (partner mode) that speaks the real protocol: v3 JSON signed both ways with
// RSA, v2 XML micropay/reverse/face-credential signed with the APIv2 key, AES-GCM callbacks
// retried until answered 2xx, and the trade bill produced from what it processed.
//
// Control plane, beside the harness's /__sim/*:
//   POST /__sim/wechat/merchants      { spMchId, serialNo, publicKeyPem, apiV3Key, apiV2Key, callbackSerial? }
//   GET  /__sim/wechat/platform       → { serialNo, publicKeyId, publicKeyPem }
//   POST /__sim/wechat/faults         { fault, count? }  (one of SIM_FAULTS, for the next `count` uses)
//   GET  /__sim/wechat/notifications  every callback sent, with its delivery attempts

export interface WechatSimulatorOptions {
  readonly port?: number;
  readonly host?: string;
  /** Delay before a QR payer pays and before a refund completes (each then notifies). Default 100 ms. */
  readonly notifyDelayMs?: number;
  /** Gaps between callback deliveries while the receiver does not answer 2xx. */
  readonly notifyRetryScheduleMs?: readonly number[];
  /** Gap before the deliberate second delivery of `late_duplicate_notify`. Default 1 s. */
  readonly duplicateDelayMs?: number;
  /** The sub-merchants' fee rate, parts per million (default 3800 = 0.38%). */
  readonly feeRatePpm?: number;
}

export const SIM_FAULTS = [
  "notify_bad_signature", // the callback's signature does not cover its body
  "notify_tampered_ciphertext", // the callback is signed correctly but its ciphertext has a flipped byte
  "notify_stale_timestamp", // the callback's Wechatpay-Timestamp is 10 minutes old
  "response_bad_signature", // the next v3 answer carries a signature that does not verify
  "bill_hash_mismatch", // the next tradebill answer's hash_value is not the file's SHA1
] as const;
export type SimFault = (typeof SIM_FAULTS)[number];

/** Which platform identifier signs callbacks: the certificate serial, the public key ID, or each in turn. */
export type CallbackSerialMode = "certificate" | "publicKey" | "alternate";

export interface MerchantRegistrationInput {
  readonly spMchId: string;
  readonly serialNo: string;
  readonly publicKeyPem: string;
  readonly apiV3Key: string;
  readonly apiV2Key: string;
  readonly callbackSerial?: CallbackSerialMode;
}

export interface PlatformIdentity {
  readonly serialNo: string;
  readonly publicKeyId: string;
  readonly publicKeyPem: string;
}

export interface RunningWechatSimulator extends RunningSimulator {
  readonly state: SimulatorState;
  readonly platform: PlatformIdentity;
  readonly notifications: readonly NotificationRecord[];
  registerMerchant(input: MerchantRegistrationInput): void;
  injectFault(fault: SimFault, count?: number): void;
}

export async function startWechatSimulator(options: WechatSimulatorOptions = {}): Promise<RunningWechatSimulator> {
  const state = new SimulatorState();
  const simulator = new WechatSimulator(state, options);
  const server = await startSimulatorServer(state, (req) => simulator.handle(req), { port: options.port, host: options.host });
  simulator.fallbackOrigin = server.url;
  return {
    url: server.url,
    state,
    platform: simulator.platformIdentity,
    get notifications() {
      return simulator.notifier.records;
    },
    registerMerchant: (input) => simulator.registerMerchant(input),
    injectFault: (fault, count) => simulator.injectFault(fault, count),
    close: async () => {
      simulator.stop();
      await server.close();
    },
  };
}

interface Merchant {
  readonly spMchId: string;
  readonly serialNo: string;
  readonly publicKey: KeyObject;
  readonly apiV3Key: string;
  readonly apiV2Key: string;
  readonly callbackSerial: CallbackSerialMode;
  callbacksSent: number;
}

/** What WeChat knows about a trade beyond the harness's shared record. */
interface TradeDetail {
  readonly spAppId: string;
  readonly subAppId?: string;
  readonly openId: string;
  readonly tradeType: "MICROPAY" | "NATIVE";
  readonly rule: BehaviourRule;
  codeUrl?: string;
  /** A reverse was answered recall=Y: the next reverse completes it. */
  recallPending?: boolean;
}

interface StoredBill {
  readonly spMchId: string;
  readonly bytes: Buffer;
  readonly expiresAt: number;
}

const TIMESTAMP_WINDOW_SECONDS = 300;
const BILL_URL_TTL_MS = 5 * 60_000;
const DEFAULT_TIMEOUT_HOLD_MS = 15_000;

const TRADE_STATE_DESC: Readonly<Record<string, string>> = {
  SUCCESS: "支付成功",
  REFUND: "转入退款",
  NOTPAY: "未支付",
  CLOSED: "已关闭",
  REVOKED: "已撤销（付款码支付）",
  USERPAYING: "用户支付中（付款码支付）",
  PAYERROR: "支付失败",
};

class WechatSimulator {
  readonly notifier: Notifier;
  readonly platformIdentity: PlatformIdentity;
  fallbackOrigin = "";
  private readonly platformKey: KeyObject;
  private readonly merchants = new Map<string, Merchant>();
  private readonly details = new Map<string, TradeDetail>();
  /** Extra statement lines made into trades (their out_trade_no). */
  private readonly extras = new WeakMap<StatementDiff, string>();
  private readonly refundNotifyUrls = new Map<string, string>();
  private readonly bills = new Map<string, StoredBill>();
  private readonly faults = new Map<SimFault, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly notifyDelayMs: number;
  private readonly duplicateDelayMs: number;
  private readonly feeRatePpm: number;

  constructor(
    private readonly state: SimulatorState,
    options: WechatSimulatorOptions,
  ) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.platformKey = privateKey;
    this.platformIdentity = {
      serialNo: randomBytes(20).toString("hex").toUpperCase(),
      publicKeyId: `PUB_KEY_ID_01${Array.from({ length: 27 }, () => randomInt(10)).join("")}`,
      publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    };
    this.notifier = new Notifier(options.notifyRetryScheduleMs ?? [1_000, 2_000, 5_000, 10_000, 30_000]);
    this.notifyDelayMs = options.notifyDelayMs ?? 100;
    this.duplicateDelayMs = options.duplicateDelayMs ?? 1_000;
    this.feeRatePpm = options.feeRatePpm ?? 3_800;
  }

  stop(): void {
    this.notifier.stop();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  registerMerchant(input: MerchantRegistrationInput): void {
    if (!input.spMchId || !input.serialNo || !input.apiV2Key) throw new Error("spMchId, serialNo and apiV2Key are required");
    if (Buffer.byteLength(input.apiV3Key ?? "", "utf8") !== 32) throw new Error("apiV3Key must be 32 bytes");
    this.merchants.set(input.spMchId, {
      spMchId: input.spMchId,
      serialNo: input.serialNo,
      publicKey: createPublicKey(input.publicKeyPem),
      apiV3Key: input.apiV3Key,
      apiV2Key: input.apiV2Key,
      callbackSerial: input.callbackSerial ?? "publicKey",
      callbacksSent: 0,
    });
  }

  injectFault(fault: SimFault, count = 1): void {
    if (!(SIM_FAULTS as readonly string[]).includes(fault)) throw new Error(`fault must be one of ${SIM_FAULTS.join(", ")}`);
    this.faults.set(fault, (this.faults.get(fault) ?? 0) + count);
  }

  async handle(req: SimRequest): Promise<SimResponse | undefined> {
    if (req.path.startsWith("/__sim/wechat/")) return this.control(req);
    if (req.path.startsWith("/v3/")) return this.v3(req);
    if (req.method !== "POST") return undefined;
    switch (req.path) {
      case "/pay/micropay":
        return this.micropay(req);
      case "/secapi/pay/reverse":
        return this.reverse(req);
      case "/face/get_wxpayface_authinfo":
        return this.faceAuthInfo(req);
      default:
        return undefined;
    }
  }

  // ---- control plane ----

  private control(req: SimRequest): SimResponse | undefined {
    const input = req.text ? (JSON.parse(req.text) as Record<string, unknown>) : {};
    try {
      switch (`${req.method} ${req.path}`) {
        case "POST /__sim/wechat/merchants":
          this.registerMerchant(input as unknown as MerchantRegistrationInput);
          return plainJson(200, { ok: true });
        case "GET /__sim/wechat/platform":
          return plainJson(200, this.platformIdentity);
        case "POST /__sim/wechat/faults":
          this.injectFault(input.fault as SimFault, typeof input.count === "number" ? input.count : 1);
          return plainJson(200, { ok: true });
        case "GET /__sim/wechat/notifications":
          return plainJson(200, this.notifier.records);
        default:
          return undefined;
      }
    } catch (error) {
      return plainJson(400, { error: (error as Error).message });
    }
  }

  // ---- APIv3 ----

  private async v3(req: SimRequest): Promise<SimResponse> {
    const auth = this.authenticate(req);
    if ("refused" in auth) return auth.refused;
    const { merchant } = auth;
    const path = req.path;
    let match: RegExpExecArray | null;
    if (req.method === "POST" && path === "/v3/pay/partner/transactions/native") return this.native(req, merchant);
    if (req.method === "GET" && (match = /^\/v3\/pay\/partner\/transactions\/out-trade-no\/([^/]+)$/.exec(path))) return this.queryTrade(req, merchant, decodeURIComponent(match[1] as string));
    if (req.method === "POST" && (match = /^\/v3\/pay\/partner\/transactions\/out-trade-no\/([^/]+)\/close$/.exec(path))) return this.close(req, merchant, decodeURIComponent(match[1] as string));
    if (req.method === "POST" && path === "/v3/refund/domestic/refunds") return this.refund(req, merchant);
    if (req.method === "GET" && (match = /^\/v3\/refund\/domestic\/refunds\/([^/]+)$/.exec(path))) return this.queryRefund(req, merchant, decodeURIComponent(match[1] as string));
    if (req.method === "GET" && path === "/v3/bill/tradebill") return this.tradeBill(req, merchant);
    if (req.method === "GET" && path === "/v3/billdownload/file") return this.downloadBill(req, merchant);
    return this.answer(req, 404, { code: "NOT_FOUND", message: `the simulator has no ${req.method} ${path}` });
  }

  private authenticate(req: SimRequest): { merchant: Merchant } | { refused: SimResponse } {
    const refuse = (message: string) => ({ refused: this.answer(req, 401, { code: "SIGN_ERROR", message }) });
    const auth = parseAuthorization(req.headers.authorization);
    if (typeof auth === "string") return refuse(auth);
    const merchant = this.merchants.get(auth.mchid);
    if (!merchant) return refuse(`商户号 ${auth.mchid} 未在模拟器注册`);
    if (auth.serial_no !== merchant.serialNo) return refuse("商户证书序列号有误");
    if (!/^\d+$/.test(auth.timestamp) || Math.abs(nowSeconds() - Number(auth.timestamp)) > TIMESTAMP_WINDOW_SECONDS) return refuse("请求的时间戳已过期");
    // The harness hands over the parsed URL; clients build their query with URLSearchParams
    // encoding, which this reproduces byte for byte.
    const search = req.query.toString();
    if (!merchantSignatureValid(merchant.publicKey, auth, req.method, search ? `${req.path}?${search}` : req.path, req.text)) return refuse("签名错误");
    return { merchant };
  }

  /** A v3 answer, signed with the platform key under the identifier the caller asked for. */
  private answer(req: SimRequest, status: number, value?: unknown): SimResponse {
    const body = value === undefined ? "" : JSON.stringify(value);
    const asked = req.headers["wechatpay-serial"];
    const serial = asked === this.platformIdentity.publicKeyId ? asked : this.platformIdentity.serialNo;
    const timestamp = String(nowSeconds());
    const nonce = randomToken(32);
    const signedBody = this.takeFault("response_bad_signature") ? `${body} ` : body;
    return {
      status,
      headers: {
        ...(body ? { "content-type": "application/json; charset=utf-8" } : {}),
        "wechatpay-timestamp": timestamp,
        "wechatpay-nonce": nonce,
        "wechatpay-signature": platformSignature(this.platformKey, timestamp, nonce, signedBody),
        "wechatpay-serial": serial,
        "request-id": randomUUID(),
      },
      body,
    };
  }

  private async native(req: SimRequest, merchant: Merchant): Promise<SimResponse> {
    const body = parseObject(req.text);
    if (!body) return this.answer(req, 400, { code: "PARAM_ERROR", message: "请求体不是合法的 JSON" });
    if (text(body, "sp_mchid") !== merchant.spMchId) return this.answer(req, 400, { code: "INVALID_REQUEST", message: "sp_mchid 与请求头的 mchid 不一致" });
    const missing = ["sp_appid", "sub_mchid", "description", "out_trade_no", "notify_url"].find((key) => !text(body, key));
    if (missing) return this.answer(req, 400, { code: "PARAM_ERROR", message: `缺少参数 ${missing}` });
    const total = integer(record(body, "amount"), "total");
    if (total === undefined || total <= 0) return this.answer(req, 400, { code: "PARAM_ERROR", message: "amount.total 必须是正整数（分）" });
    const outTradeNo = text(body, "out_trade_no") as string;
    const existing = this.state.trades.get(outTradeNo);
    if (existing) {
      const detail = this.details.get(outTradeNo);
      if (existing.status === "NOTPAY" && existing.merchant === merchant.spMchId && detail?.codeUrl) return this.answer(req, 200, { code_url: detail.codeUrl });
      return this.answer(req, 400, { code: "OUT_TRADE_NO_USED", message: "商户订单号重复" });
    }
    const description = text(body, "description") as string;
    const rule = this.state.behaviourFor(outTradeNo, description);
    const trade: SimTrade = {
      outTradeNo,
      channelTradeNo: this.state.nextId("4200"),
      merchant: merchant.spMchId,
      subMerchant: text(body, "sub_mchid") as string,
      amountMinor: BigInt(total),
      feeMinor: 0n,
      status: "NOTPAY",
      product: "WECHAT_QR",
      description,
      deviceId: text(record(body, "scene_info"), "device_id"),
      createdAt: new Date(),
      pollsLeft: rule.polls ?? 2,
      refunds: [],
      notifyUrl: text(body, "notify_url"),
    };
    const codeUrl = `weixin://wxpay/bizpayurl?pr=${randomToken(7)}`;
    this.state.trades.set(outTradeNo, trade);
    this.details.set(outTradeNo, { spAppId: text(body, "sp_appid") as string, subAppId: text(body, "sub_appid"), openId: openIdFor(outTradeNo), tradeType: "NATIVE", rule, codeUrl });
    // The payer scans the code a moment later.
    this.later(this.notifyDelayMs, () => this.payerScans(trade, rule));
    if (rule.behaviour === "timeout") await sleep(rule.delayMs ?? DEFAULT_TIMEOUT_HOLD_MS);
    return this.answer(req, 200, { code_url: codeUrl });
  }

  private payerScans(trade: SimTrade, rule: BehaviourRule): void {
    if (trade.status !== "NOTPAY") return; // closed before the payer got to it
    if (rule.behaviour === "decline") trade.status = "PAYERROR";
    else if (rule.behaviour === "userpaying") trade.status = "USERPAYING";
    else this.paid(trade);
  }

  /** The trade completes; a QR trade then notifies (micropay never does). */
  private paid(trade: SimTrade): void {
    trade.status = "SUCCESS";
    trade.paidAt = new Date();
    trade.feeMinor = feeFor(trade.amountMinor, this.feeRatePpm);
    const detail = this.details.get(trade.outTradeNo);
    if (detail?.tradeType !== "NATIVE" || !trade.notifyUrl) return;
    this.sendCallback(trade, detail.rule, {
      eventType: "TRANSACTION.SUCCESS",
      summary: "支付成功",
      originalType: "transaction",
      resource: this.transactionJson(trade),
      url: trade.notifyUrl,
    });
  }

  private queryTrade(req: SimRequest, merchant: Merchant, outTradeNo: string): SimResponse {
    const subMchId = req.query.get("sub_mchid");
    if (!subMchId) return this.answer(req, 400, { code: "PARAM_ERROR", message: "缺少参数 sub_mchid" });
    if (req.query.get("sp_mchid") !== merchant.spMchId) return this.answer(req, 400, { code: "INVALID_REQUEST", message: "sp_mchid 与请求头的 mchid 不一致" });
    const trade = this.state.trades.get(outTradeNo);
    if (!trade || trade.merchant !== merchant.spMchId || trade.subMerchant !== subMchId) return this.answer(req, 404, { code: "ORDER_NOT_EXIST", message: "订单不存在" });
    if (trade.status === "USERPAYING") {
      // "User paying" for `polls` queries, then the payer confirms.
      if (trade.pollsLeft > 0) trade.pollsLeft -= 1;
      else this.paid(trade);
    }
    return this.answer(req, 200, this.transactionJson(trade));
  }

  private close(req: SimRequest, merchant: Merchant, outTradeNo: string): SimResponse {
    const body = parseObject(req.text);
    if (!body || text(body, "sp_mchid") !== merchant.spMchId || !text(body, "sub_mchid")) return this.answer(req, 400, { code: "PARAM_ERROR", message: "sp_mchid 与 sub_mchid 必填" });
    const trade = this.state.trades.get(outTradeNo);
    if (!trade || trade.merchant !== merchant.spMchId || trade.subMerchant !== text(body, "sub_mchid")) return this.answer(req, 404, { code: "ORDER_NOT_EXIST", message: "订单不存在" });
    if (trade.status === "SUCCESS") return this.answer(req, 400, { code: "ORDERPAID", message: "订单已支付" });
    if (trade.status !== "REVOKED") trade.status = "CLOSED";
    return this.answer(req, 204);
  }

  private refund(req: SimRequest, merchant: Merchant): SimResponse {
    const body = parseObject(req.text);
    if (!body) return this.answer(req, 400, { code: "PARAM_ERROR", message: "请求体不是合法的 JSON" });
    const subMchId = text(body, "sub_mchid");
    const outRefundNo = text(body, "out_refund_no");
    const amount = record(body, "amount");
    const refundFen = integer(amount, "refund");
    const totalFen = integer(amount, "total");
    if (!subMchId || !outRefundNo || refundFen === undefined || totalFen === undefined || refundFen <= 0 || text(amount, "currency") !== "CNY") {
      return this.answer(req, 400, { code: "PARAM_ERROR", message: "sub_mchid、out_refund_no、amount.refund、amount.total、amount.currency 必填" });
    }
    const byOutTradeNo = text(body, "out_trade_no");
    const byTransactionId = text(body, "transaction_id");
    const trade = byOutTradeNo
      ? this.state.trades.get(byOutTradeNo)
      : [...this.state.trades.values()].find((candidate) => candidate.channelTradeNo === byTransactionId);
    if (!trade || trade.merchant !== merchant.spMchId || trade.subMerchant !== subMchId) return this.answer(req, 404, { code: "RESOURCE_NOT_EXISTS", message: "订单不存在" });
    const previous = this.findRefund(merchant.spMchId, subMchId, outRefundNo);
    if (previous) {
      if (previous.trade !== trade) return this.answer(req, 400, { code: "INVALID_REQUEST", message: "商户退款单号已用于其他订单" });
      return this.answer(req, 200, this.refundJson(trade, previous.refund));
    }
    if (trade.status !== "SUCCESS") return this.answer(req, 400, { code: "INVALID_REQUEST", message: "订单状态不允许退款" });
    // An amount difference injected into the bills is what the payer was really charged, so the
    // order's total as billed is accepted (and refundable) as well as the total the provider sent.
    const billed = trade.amountMinor + this.state.billedDeltaMinor(trade.outTradeNo);
    if (BigInt(totalFen) !== trade.amountMinor && BigInt(totalFen) !== billed) return this.answer(req, 400, { code: "PARAM_ERROR", message: "amount.total 与原订单金额不一致" });
    const alreadyRefunded = trade.refunds.filter((refund) => refund.status !== "FAILED").reduce((sum, refund) => sum + refund.amountMinor, 0n);
    if (alreadyRefunded + BigInt(refundFen) > (billed > trade.amountMinor ? billed : trade.amountMinor)) return this.answer(req, 400, { code: "INVALID_REQUEST", message: "申请退款金额超过订单可退金额" });

    const refund: SimRefund = { outRefundNo, channelRefundNo: this.state.nextId("5030"), amountMinor: BigInt(refundFen), status: "PROCESSING", createdAt: new Date() };
    trade.refunds.push(refund);
    const notifyUrl = text(body, "notify_url");
    if (notifyUrl) this.refundNotifyUrls.set(`${trade.outTradeNo}/${outRefundNo}`, notifyUrl);
    const rule = this.details.get(trade.outTradeNo)?.rule ?? { behaviour: "success" };
    this.later(this.notifyDelayMs, () => {
      refund.status = "SUCCEEDED";
      refund.succeededAt = new Date();
      if (!notifyUrl) return;
      this.sendCallback(trade, rule, {
        eventType: "REFUND.SUCCESS",
        summary: "退款成功",
        originalType: "refund",
        resource: this.refundNotificationJson(trade, refund),
        url: notifyUrl,
        outRefundNo,
      });
    });
    return this.answer(req, 200, this.refundJson(trade, refund));
  }

  private queryRefund(req: SimRequest, merchant: Merchant, outRefundNo: string): SimResponse {
    const subMchId = req.query.get("sub_mchid");
    if (!subMchId) return this.answer(req, 400, { code: "PARAM_ERROR", message: "缺少参数 sub_mchid" });
    const found = this.findRefund(merchant.spMchId, subMchId, outRefundNo);
    if (!found) return this.answer(req, 404, { code: "RESOURCE_NOT_EXISTS", message: "退款单不存在" });
    return this.answer(req, 200, this.refundJson(found.trade, found.refund));
  }

  private tradeBill(req: SimRequest, merchant: Merchant): SimResponse {
    const billDate = req.query.get("bill_date") ?? "";
    const billType = (req.query.get("bill_type") ?? "ALL") as BillType;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(billDate)) return this.answer(req, 400, { code: "PARAM_ERROR", message: "bill_date 格式为 YYYY-MM-DD" });
    if (!["ALL", "SUCCESS", "REFUND"].includes(billType)) return this.answer(req, 400, { code: "PARAM_ERROR", message: "bill_type 只能是 ALL、SUCCESS、REFUND" });
    if (req.query.get("tar_type")) return this.answer(req, 400, { code: "PARAM_ERROR", message: "the simulator serves uncompressed bills only" });
    // An injected extra line is a real trade here (paid at noon of the bill date, by a payer the
    // provider's system never heard of), so it can be queried and refunded like any other.
    for (const diff of this.state.statementDiffs(billDate)) if (diff.kind === "extra") this.extraTrade(billDate, diff, merchant.spMchId, req.query.get("sub_mchid") ?? undefined);
    const trades: BillTrade[] = [];
    for (const trade of this.state.trades.values()) {
      const detail = this.details.get(trade.outTradeNo);
      if (detail) trades.push({ trade, spAppId: detail.spAppId, openId: detail.openId, tradeType: detail.tradeType });
    }
    const previousDay = new Date(Date.parse(`${billDate}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const bytes = renderTradeBill({
      billDate,
      billType,
      spMchId: merchant.spMchId,
      spAppId: trades.find((item) => item.trade.merchant === merchant.spMchId)?.spAppId ?? "wx0000000000000000",
      subMchId: req.query.get("sub_mchid") ?? undefined,
      trades,
      diffs: this.state.statementDiffs(billDate).filter((d) => d.kind !== "extra"),
      previousDayDiffs: this.state.statementDiffs(previousDay).filter((d) => d.kind !== "extra"),
      feeRatePpm: this.feeRatePpm,
      newChannelTradeNo: () => this.state.nextId("4200"),
    });
    if (!bytes) return this.answer(req, 400, { code: "NO_STATEMENT_EXIST", message: "当日无交易，账单不存在" });
    const token = randomToken(32);
    this.bills.set(token, { spMchId: merchant.spMchId, bytes, expiresAt: Date.now() + BILL_URL_TTL_MS });
    const hashed = this.takeFault("bill_hash_mismatch") ? Buffer.concat([bytes, Buffer.from("\r\n")]) : bytes;
    const origin = req.headers.host ? `http://${req.headers.host}` : this.fallbackOrigin;
    return this.answer(req, 200, { hash_type: "SHA1", hash_value: createHash("sha1").update(hashed).digest("hex"), download_url: `${origin}/v3/billdownload/file?token=${token}` });
  }

  /** The trade behind an `extra` statement difference, made once. */
  private extraTrade(billDate: string, diff: StatementDiff, spMchId: string, subMchId: string | undefined): void {
    if (this.extras.has(diff)) return;
    const channelTradeNo = this.state.nextId("4200");
    const outTradeNo = diff.outTradeNo ?? `EXTRA${channelTradeNo.slice(-12)}`;
    this.extras.set(diff, outTradeNo);
    const at = new Date(`${billDate}T12:00:00+08:00`);
    const sibling = [...this.state.trades.values()].find((t) => t.merchant === spMchId);
    this.state.trades.set(outTradeNo, {
      outTradeNo,
      channelTradeNo,
      merchant: spMchId,
      subMerchant: diff.subMerchant ?? subMchId ?? sibling?.subMerchant ?? "1900000109",
      amountMinor: BigInt(diff.amountMinor ?? 100),
      feeMinor: 0n,
      status: "SUCCESS",
      product: "WECHAT_CODE",
      description: "simulated extra line",
      createdAt: at,
      paidAt: at,
      pollsLeft: 0,
      refunds: [],
    });
    const detail = sibling ? this.details.get(sibling.outTradeNo) : undefined;
    this.details.set(outTradeNo, { spAppId: detail?.spAppId ?? "wx0000000000000000", openId: "oSimExtraPayer000000000000000", tradeType: "MICROPAY", rule: { behaviour: "success" } });
  }

  /** The bill file itself: the request is signed like any other, the answer is not. */
  private downloadBill(req: SimRequest, merchant: Merchant): SimResponse {
    const bill = this.bills.get(req.query.get("token") ?? "");
    if (!bill || bill.expiresAt < Date.now()) return this.answer(req, 400, { code: "INVALID_REQUEST", message: "下载链接已失效" });
    if (bill.spMchId !== merchant.spMchId) return this.answer(req, 403, { code: "NO_AUTH", message: "无权下载该账单" });
    return { status: 200, headers: { "content-type": "application/octet-stream" }, body: bill.bytes };
  }

  // ---- APIv2 ----

  private verifyV2(req: SimRequest): { fields: Record<string, string>; merchant: Merchant; signType: WxSignType } | { refused: SimResponse } {
    const refuse = (message: string) => ({ refused: xmlResponse({ return_code: "FAIL", return_msg: message }) });
    const fields = fromXml(req.text);
    if (!fields) return refuse("XML格式错误");
    const merchant = this.merchants.get(fields.mch_id ?? "");
    if (!merchant) return refuse("商户号mch_id不存在");
    const signType = fields.sign_type ?? "MD5";
    if (signType !== "MD5" && signType !== "HMAC-SHA256") return refuse("sign_type参数错误");
    if (!fields.sign || wxSign(fields, merchant.apiV2Key, signType) !== fields.sign) return refuse("签名错误");
    return { fields, merchant, signType };
  }

  private v2Answer(merchant: Merchant, signType: WxSignType, fields: Record<string, string | undefined>): SimResponse {
    const answer: Record<string, string> = { return_code: "SUCCESS", return_msg: "OK", nonce_str: randomToken(32) };
    for (const [key, value] of Object.entries(fields)) if (value !== undefined) answer[key] = value;
    answer.sign = wxSign(answer, merchant.apiV2Key, signType);
    return xmlResponse(answer);
  }

  private async micropay(req: SimRequest): Promise<SimResponse> {
    const verified = this.verifyV2(req);
    if ("refused" in verified) return verified.refused;
    const { fields, merchant, signType } = verified;
    const echo = { appid: fields.appid, mch_id: fields.mch_id, sub_appid: fields.sub_appid, sub_mch_id: fields.sub_mch_id, device_info: fields.device_info };
    const fail = (code: string, description: string) => this.v2Answer(merchant, signType, { ...echo, result_code: "FAIL", err_code: code, err_code_des: description });
    const missing = ["appid", "sub_mch_id", "nonce_str", "body", "out_trade_no", "total_fee", "spbill_create_ip", "auth_code"].find((key) => !fields[key]);
    if (missing) return fail("LACK_PARAMS", `缺少参数 ${missing}`);
    if (!/^[1-9]\d*$/.test(fields.total_fee as string)) return fail("PARAM_ERROR", "total_fee 必须是正整数（分）");
    // 付款码 and face codes (face_code_type=1) are 18 digits starting 10–15.
    if (!/^1[0-5]\d{16}$/.test(fields.auth_code as string)) return fail("AUTH_CODE_INVALID", "付款码无效，请重新扫码");

    const outTradeNo = fields.out_trade_no as string;
    const existing = this.state.trades.get(outTradeNo);
    if (existing) {
      if (existing.status === "SUCCESS") return fail("ORDERPAID", "订单已支付");
      if (existing.status === "REVOKED") return fail("ORDERREVERSED", "订单已撤销");
      if (existing.status === "CLOSED") return fail("ORDERCLOSED", "订单已关闭");
      if (existing.status === "USERPAYING") return fail("USERPAYING", "需要用户输入支付密码");
      return fail("TRADE_ERROR", "订单状态不允许支付，请使用新的商户订单号");
    }

    const description = fields.body as string;
    const rule = this.state.behaviourFor(outTradeNo, description);
    const trade: SimTrade = {
      outTradeNo,
      channelTradeNo: this.state.nextId("4200"),
      merchant: merchant.spMchId,
      subMerchant: fields.sub_mch_id as string,
      amountMinor: BigInt(fields.total_fee as string),
      feeMinor: 0n,
      status: "USERPAYING",
      // Face and payment codes look alike on the wire; a device id marks a face terminal.
      product: fields.device_info ? "WECHAT_FACE" : "WECHAT_CODE",
      description,
      deviceId: fields.device_info,
      createdAt: new Date(),
      pollsLeft: rule.polls ?? 2,
      refunds: [],
    };
    this.state.trades.set(outTradeNo, trade);
    const detail: TradeDetail = { spAppId: fields.appid as string, subAppId: fields.sub_appid, openId: openIdFor(fields.auth_code as string), tradeType: "MICROPAY", rule };
    this.details.set(outTradeNo, detail);

    if (rule.behaviour === "decline") {
      trade.status = "PAYERROR";
      return fail("NOTENOUGH", "用户余额不足，请更换卡或用零钱支付");
    }
    if (rule.behaviour === "userpaying") return fail("USERPAYING", "需要用户输入支付密码");
    this.paid(trade);
    // The trade happens; only the answer is late, past the caller's deadline.
    if (rule.behaviour === "timeout") await sleep(rule.delayMs ?? DEFAULT_TIMEOUT_HOLD_MS);
    return this.v2Answer(merchant, signType, {
      ...echo,
      result_code: "SUCCESS",
      openid: detail.openId,
      is_subscribe: "N",
      sub_openid: detail.subAppId ? detail.openId : undefined,
      trade_type: "MICROPAY",
      bank_type: "OTHERS",
      fee_type: "CNY",
      total_fee: String(trade.amountMinor),
      cash_fee_type: "CNY",
      cash_fee: String(trade.amountMinor),
      transaction_id: trade.channelTradeNo,
      out_trade_no: outTradeNo,
      attach: "",
      time_end: compactBeijing(trade.paidAt ?? new Date()),
    });
  }

  /**
   * 撤销: a paid trade is refunded and REVOKED; a trade still waiting for the payer is cancelled
   * over two calls (the first answers recall=Y); an unknown number is burned so a late request
   * with it cannot be charged.
   */
  private reverse(req: SimRequest): SimResponse {
    const verified = this.verifyV2(req);
    if ("refused" in verified) return verified.refused;
    const { fields, merchant, signType } = verified;
    const echo = { appid: fields.appid, mch_id: fields.mch_id, sub_appid: fields.sub_appid, sub_mch_id: fields.sub_mch_id };
    const answer = (resultCode: "SUCCESS" | "FAIL", recall: "Y" | "N", error?: { code: string; description: string }) =>
      this.v2Answer(merchant, signType, { ...echo, result_code: resultCode, recall, err_code: error?.code, err_code_des: error?.description });
    const outTradeNo = fields.out_trade_no;
    if (!outTradeNo || !fields.sub_mch_id) return answer("FAIL", "N", { code: "PARAM_ERROR", description: "out_trade_no 与 sub_mch_id 必填" });
    const trade = this.state.trades.get(outTradeNo);
    if (!trade) {
      this.state.trades.set(outTradeNo, {
        outTradeNo,
        channelTradeNo: this.state.nextId("4200"),
        merchant: merchant.spMchId,
        subMerchant: fields.sub_mch_id,
        amountMinor: 0n,
        feeMinor: 0n,
        status: "REVOKED",
        product: "WECHAT_CODE",
        description: "",
        createdAt: new Date(),
        pollsLeft: 0,
        refunds: [],
      });
      return answer("SUCCESS", "N");
    }
    if (trade.merchant !== merchant.spMchId || trade.subMerchant !== fields.sub_mch_id) return answer("FAIL", "N", { code: "INVALID_REQUEST", description: "订单不属于该商户" });
    const detail = this.details.get(outTradeNo);
    if (detail?.tradeType === "NATIVE") return answer("FAIL", "N", { code: "TRADE_ERROR", description: "非付款码订单不能撤销，请关单" });
    if (trade.refunds.length > 0) return answer("FAIL", "N", { code: "TRADE_ERROR", description: "订单已发生退款，不能撤销" });
    if (trade.status === "USERPAYING") {
      trade.status = "REVOKED";
      if (detail) detail.recallPending = true;
      return answer("FAIL", "Y", { code: "SYSTEMERROR", description: "撤销处理中，请再次调用撤销" });
    }
    if (detail?.recallPending) detail.recallPending = false;
    trade.status = "REVOKED";
    return answer("SUCCESS", "N");
  }

  private faceAuthInfo(req: SimRequest): SimResponse {
    const verified = this.verifyV2(req);
    if ("refused" in verified) return verified.refused;
    const { fields, merchant, signType } = verified;
    const missing = ["store_id", "store_name", "device_id", "rawdata", "appid", "now", "version"].find((key) => !fields[key]);
    if (missing) return xmlResponse({ return_code: "FAIL", return_msg: `缺少参数 ${missing}` });
    return this.v2Answer(merchant, signType, {
      appid: fields.appid,
      mch_id: fields.mch_id,
      sub_appid: fields.sub_appid,
      sub_mch_id: fields.sub_mch_id ?? "",
      authinfo: randomBytes(96).toString("base64"),
      expires_in: "3600",
    });
  }

  // ---- callbacks ----

  private sendCallback(
    trade: SimTrade,
    rule: BehaviourRule,
    event: { eventType: string; summary: string; originalType: string; resource: unknown; url: string; outRefundNo?: string },
  ): void {
    const merchant = this.merchants.get(trade.merchant);
    if (!merchant || rule.behaviour === "no_notify") return;
    const badSignature = this.takeFault("notify_bad_signature");
    const stale = this.takeFault("notify_stale_timestamp");
    const sealed = sealResource(merchant.apiV3Key, JSON.stringify(event.resource), event.originalType);
    let ciphertext = sealed.ciphertext;
    if (this.takeFault("notify_tampered_ciphertext")) {
      const bytes = Buffer.from(ciphertext, "base64");
      bytes[0] = (bytes[0] ?? 0) ^ 0xff;
      ciphertext = bytes.toString("base64");
    }
    const id = randomUUID();
    const body = JSON.stringify({
      id,
      create_time: rfc3339Beijing(new Date()),
      resource_type: "encrypt-resource",
      event_type: event.eventType,
      summary: event.summary,
      resource: { original_type: event.originalType, algorithm: "AEAD_AES_256_GCM", ciphertext, associated_data: event.originalType, nonce: sealed.nonce },
    });
    const headers = () => {
      const timestamp = String(nowSeconds() - (stale ? 600 : 0));
      const nonce = randomToken(32);
      return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": platformSignature(this.platformKey, timestamp, nonce, badSignature ? `${body}\n` : body),
        "Wechatpay-Serial": this.callbackSerial(merchant),
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
      };
    };
    const notification = { id, eventType: event.eventType, outTradeNo: trade.outTradeNo, outRefundNo: event.outRefundNo, url: event.url, body, headers };
    this.notifier.send(notification, 0);
    if (rule.behaviour === "late_duplicate_notify") this.notifier.send(notification, this.duplicateDelayMs, true);
  }

  private callbackSerial(merchant: Merchant): string {
    merchant.callbacksSent += 1;
    const usePublicKey = merchant.callbackSerial === "publicKey" || (merchant.callbackSerial === "alternate" && merchant.callbacksSent % 2 === 0);
    return usePublicKey ? this.platformIdentity.publicKeyId : this.platformIdentity.serialNo;
  }

  // ---- JSON shapes ----

  private transactionJson(trade: SimTrade): Record<string, unknown> {
    const detail = this.details.get(trade.outTradeNo);
    const paid = trade.paidAt !== undefined;
    const state = trade.status === "SUCCESS" && trade.refunds.some((refund) => refund.status !== "FAILED") ? "REFUND" : trade.status;
    const total = Number(trade.amountMinor);
    return {
      sp_appid: detail?.spAppId,
      sp_mchid: trade.merchant,
      ...(detail?.subAppId ? { sub_appid: detail.subAppId } : {}),
      sub_mchid: trade.subMerchant,
      out_trade_no: trade.outTradeNo,
      ...(paid ? { transaction_id: trade.channelTradeNo, bank_type: "OTHERS", success_time: rfc3339Beijing(trade.paidAt ?? new Date()) } : {}),
      trade_type: detail?.tradeType ?? "MICROPAY",
      trade_state: state,
      trade_state_desc: TRADE_STATE_DESC[state] ?? state,
      attach: "",
      ...(paid ? { payer: { sp_openid: detail?.openId, ...(detail?.subAppId ? { sub_openid: detail.openId } : {}) } } : {}),
      amount: { total, payer_total: paid ? total : 0, currency: "CNY", payer_currency: "CNY" },
      ...(trade.deviceId ? { scene_info: { device_id: trade.deviceId } } : {}),
    };
  }

  private refundJson(trade: SimTrade, refund: SimRefund): Record<string, unknown> {
    const refundFen = Number(refund.amountMinor);
    const total = Number(trade.amountMinor);
    return {
      refund_id: refund.channelRefundNo,
      out_refund_no: refund.outRefundNo,
      transaction_id: trade.channelTradeNo,
      out_trade_no: trade.outTradeNo,
      channel: "ORIGINAL",
      user_received_account: "支付用户零钱",
      ...(refund.succeededAt ? { success_time: rfc3339Beijing(refund.succeededAt) } : {}),
      create_time: rfc3339Beijing(refund.createdAt),
      status: refund.status === "SUCCEEDED" ? "SUCCESS" : refund.status === "FAILED" ? "ABNORMAL" : "PROCESSING",
      funds_account: "AVAILABLE",
      amount: {
        total,
        refund: refundFen,
        payer_total: total,
        payer_refund: refundFen,
        settlement_refund: refundFen,
        settlement_total: total,
        discount_refund: 0,
        currency: "CNY",
        refund_fee: Number(refundedFee(trade, refund.amountMinor)),
      },
    };
  }

  private refundNotificationJson(trade: SimTrade, refund: SimRefund): Record<string, unknown> {
    return {
      sp_mchid: trade.merchant,
      sub_mchid: trade.subMerchant,
      transaction_id: trade.channelTradeNo,
      out_trade_no: trade.outTradeNo,
      refund_id: refund.channelRefundNo,
      out_refund_no: refund.outRefundNo,
      refund_status: refund.status === "SUCCEEDED" ? "SUCCESS" : "PROCESSING",
      ...(refund.succeededAt ? { success_time: rfc3339Beijing(refund.succeededAt) } : {}),
      user_received_account: "支付用户零钱",
      amount: { total: Number(trade.amountMinor), refund: Number(refund.amountMinor), payer_total: Number(trade.amountMinor), payer_refund: Number(refund.amountMinor) },
    };
  }

  // ---- plumbing ----

  private findRefund(spMchId: string, subMchId: string, outRefundNo: string): { trade: SimTrade; refund: SimRefund } | undefined {
    for (const trade of this.state.trades.values()) {
      if (trade.merchant !== spMchId || trade.subMerchant !== subMchId) continue;
      const refund = trade.refunds.find((candidate) => candidate.outRefundNo === outRefundNo);
      if (refund) return { trade, refund };
    }
    return undefined;
  }

  private takeFault(fault: SimFault): boolean {
    const left = this.faults.get(fault) ?? 0;
    if (left <= 0) return false;
    this.faults.set(fault, left - 1);
    return true;
  }

  private later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }
}

// ---- helpers ----

type JsonObject = Record<string, unknown>;

function parseObject(textBody: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(textBody);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

function text(value: JsonObject | undefined, key: string): string | undefined {
  const field = value?.[key];
  return typeof field === "string" && field !== "" ? field : undefined;
}

function integer(value: JsonObject | undefined, key: string): number | undefined {
  const field = value?.[key];
  return typeof field === "number" && Number.isSafeInteger(field) ? field : undefined;
}

function record(value: JsonObject, key: string): JsonObject | undefined {
  const field = value[key];
  return typeof field === "object" && field !== null && !Array.isArray(field) ? (field as JsonObject) : undefined;
}

function plainJson(status: number, value: unknown): SimResponse {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(value) };
}

function xmlResponse(fields: Record<string, string>): SimResponse {
  return { status: 200, headers: { "content-type": "text/xml; charset=utf-8" }, body: toXml(fields) };
}

/** A stable openid per payer code, shaped like WeChat's 28 characters. */
function openIdFor(seed: string): string {
  return `o${createHash("sha256").update(seed).digest("base64url").slice(0, 27)}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

const BEIJING_MS = 8 * 60 * 60 * 1000;

function rfc3339Beijing(at: Date): string {
  return `${new Date(at.getTime() + BEIJING_MS).toISOString().slice(0, 19)}+08:00`;
}

function compactBeijing(at: Date): string {
  return new Date(at.getTime() + BEIJING_MS).toISOString().slice(0, 19).replaceAll("-", "").replaceAll(":", "").replace("T", "");
}
