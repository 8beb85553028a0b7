import { createHash, randomBytes, randomInt, type KeyObject } from "node:crypto";
import {
  SimulatorState,
  startSimulatorServer,
  type BehaviourRule,
  type RunningSimulator,
  type SimRequest,
  type SimResponse,
  type SimTrade,
} from "../harness";
import { addDays, beijingDay, billZip, type BillRefund, type BillTrade } from "./bill";
import { generatePlatformKeys, notifyContent, parseAppPublicKey, requestContent, signText, verifyText } from "./rsa";

// A local Alipay open platform (OpenAPI 2.0 gateway.do) for an ISV app: verifies each request's
// RSA2 signature against the registered app key, signs every answer with its own platform key,
// sends trade_status_sync notifications for QR payments, and serves the 业务明细 bill built
// from what it processed. Speaks the protocol only; shares no code with the connector.

export interface AlipaySimulatorOptions {
  readonly port?: number;
  /** QR payments: how long after precreate the simulated buyer pays and the notification goes out. Default 50 ms. */
  readonly notifyDelayMs?: number;
  /** Waits between notification attempts (Alipay's are 4m,10m,10m,1h,2h,6h,15h). Default 100 ms doubling, 7 retries. */
  readonly notifyRetryMs?: readonly number[];
  /** late_duplicate_notify: how long after the acknowledged notification its duplicate follows. Default 200 ms. */
  readonly duplicateNotifyDelayMs?: number;
  /** Lifetime of a bill download URL. Default 30 s, as Alipay's. */
  readonly billUrlTtlMs?: number;
  /** Service fee, parts per million of the amount. Default 6000 (0.6%). */
  readonly feeRatePpm?: number;
  /** The simulator's clock: trade times, bill days, URL expiry. Default: the real clock. */
  readonly now?: () => Date;
}

export interface AlipayNotificationAttempt {
  readonly at: string;
  readonly status?: number;
  readonly response?: string;
  readonly error?: string;
}

export interface AlipayNotificationRecord {
  readonly notifyId: string;
  readonly outTradeNo: string;
  readonly kind: "PAYMENT" | "REFUND" | "MANUAL";
  readonly url: string;
  readonly body: string;
  readonly attempts: AlipayNotificationAttempt[];
  acknowledged: boolean;
  duplicateSent: boolean;
}

export interface AlipayRequestRecord {
  readonly at: string;
  readonly method: string;
  /** Every parameter as received, `sign` and `app_auth_token` included (tests assert on them). */
  readonly params: Readonly<Record<string, string>>;
  readonly biz: Readonly<Record<string, unknown>>;
}

export interface AlipaySimulator extends RunningSimulator {
  readonly state: SimulatorState;
  readonly alipayPublicKeyPem: string;
  registerApp(appId: string, publicKeyPem: string): void;
  notifications(): readonly AlipayNotificationRecord[];
  requests(): readonly AlipayRequestRecord[];
}

interface App {
  readonly appId: string;
  readonly publicKey: KeyObject;
  readonly pid: string;
}

/** Whom a call acts for: the merchant behind the app_auth_token, or the ISV itself without one. */
interface Merchant {
  readonly pid: string;
  readonly authAppId: string;
}

interface TradeExtra {
  readonly appId: string;
  readonly merchant: Merchant;
  readonly smid?: string;
  readonly scene: "bar_code" | "security_code" | "qr";
  readonly storeId?: string;
  readonly terminalId?: string;
  readonly buyerUserId: string;
  readonly buyerLogonId: string;
  readonly notify: boolean;
  readonly duplicateNotify: boolean;
  readonly sysServiceProviderId?: string;
  readonly qrCode?: string;
  readonly refundFees: Map<string, bigint>;
  /** 撤销 of a paid trade: the money went back. */
  revokedRefund?: { at: Date; feeReturnedMinor: bigint };
}

interface Call {
  readonly app: App;
  readonly merchant: Merchant;
  readonly params: ReadonlyMap<string, string>;
  readonly biz: Readonly<Record<string, unknown>>;
  readonly responseKey: string;
}

const MESSAGES: Record<string, string> = {
  "10000": "Success",
  "10003": "order success pay inprocess",
  "20000": "Service Currently Unavailable",
  "20001": "Insufficient Token Permissions",
  "40001": "Missing Required Arguments",
  "40002": "Invalid Arguments",
  "40004": "Business Failed",
  "40006": "Insufficient Permissions",
};

const OUT_TRADE_NO = /^[A-Za-z0-9_]{1,64}$/;
const FACE_TOKEN = /^fp[0-9A-Za-z]{33}$/;
const PAYMENT_CODE = /^(2[5-9]|30)\d{14,22}$/;

function yuanOf(value: unknown): bigint | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(value);
  if (!match) return undefined;
  return BigInt(match[1] ?? "0") * 100n + BigInt((match[2] ?? "").padEnd(2, "0"));
}

function yuan(minor: bigint): string {
  const sign = minor < 0n ? "-" : "";
  const abs = minor < 0n ? -minor : minor;
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
}

function gmt8(date: Date, withMillis = false): string {
  const iso = new Date(date.getTime() + 8 * 3600_000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, withMillis ? 23 : 19)}`;
}

function digitsOf(seed: string, count: number): string {
  const hash = createHash("sha256").update(seed).digest();
  let out = "";
  for (let i = 0; i < count; i += 1) out += String((hash[i] ?? 0) % 10);
  return out;
}

function randomDigits(count: number): string {
  let out = "";
  for (let i = 0; i < count; i += 1) out += String(randomInt(10));
  return out;
}

function str(biz: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = biz[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * Serves, besides the harness's /__sim/* controls:
 *   POST /gateway.do                       the OpenAPI 2.0 gateway (query and/or form parameters)
 *   GET  /downloadBillFile.resource?token= a bill zip, for billUrlTtlMs after the URL was issued
 *   POST /__sim/alipay/apps                { appId, publicKeyPem }  registers an ISV app key
 *   GET  /__sim/alipay/platform            { alipayPublicKeyPem }   the key responses are signed with
 *   GET  /__sim/alipay/notifications       every notification with its delivery attempts
 *   GET  /__sim/alipay/requests            the last 500 verified gateway requests
 *   POST /__sim/alipay/notify              { outTradeNo, fields?, deliver?, url? }  a signed notification
 *                                          for a trade as it stands, fields overridden (null removes);
 *                                          returned as { notifyId, body }, and sent when deliver is true
 */
export async function startAlipaySimulator(options: AlipaySimulatorOptions = {}): Promise<AlipaySimulator> {
  const state = new SimulatorState();
  const platform = generatePlatformKeys();
  const now = options.now ?? (() => new Date());
  const notifyDelayMs = options.notifyDelayMs ?? 50;
  const retrySchedule = options.notifyRetryMs ?? [100, 200, 400, 800, 1600, 3200, 6400];
  const duplicateDelayMs = options.duplicateNotifyDelayMs ?? 200;
  const billUrlTtlMs = options.billUrlTtlMs ?? 30_000;
  const feeRatePpm = BigInt(options.feeRatePpm ?? 6000);

  const apps = new Map<string, App>();
  const extras = new Map<string, TradeExtra>();
  /** out_trade_no values cancelled before any trade existed: a late pay must be refused. */
  const cancelledUnknown = new Set<string>();
  const bills = new Map<string, { fileName: string; bytes: Buffer; expiresAt: number }>();
  const notificationLog: AlipayNotificationRecord[] = [];
  const requestLog: AlipayRequestRecord[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let baseUrl = "";
  let closed = false;

  function later(ms: number, run: () => void): void {
    if (closed) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closed) run();
    }, ms);
    timers.add(timer);
  }

  function hold(ms: number): Promise<void> {
    return new Promise((resolve) => later(ms, resolve));
  }

  function registerApp(appId: string, publicKeyPem: string): void {
    if (!/^\d{16}$/.test(appId)) throw new Error("appId must be 16 digits");
    apps.set(appId, { appId, publicKey: parseAppPublicKey(publicKeyPem), pid: `2088${digitsOf(`pid:${appId}`, 12)}` });
  }

  function merchantFor(app: App, appAuthToken: string | undefined): Merchant {
    if (appAuthToken === undefined) return { pid: app.pid, authAppId: app.appId };
    return { pid: `2088${digitsOf(`pid:${appAuthToken}`, 12)}`, authAppId: `2021${digitsOf(`app:${appAuthToken}`, 12)}` };
  }

  function newTradeNo(): string {
    return `${gmt8(now()).slice(0, 10).replaceAll("-", "")}22001${randomDigits(15)}`;
  }

  // ---- responses -------------------------------------------------------------------------

  function signed(responseKey: string, payload: Readonly<Record<string, unknown>>): SimResponse {
    const inner = JSON.stringify(payload);
    const sign = signText(inner, platform.privateKey);
    return { status: 200, headers: { "content-type": "application/json;charset=utf-8" }, body: `{"${responseKey}":${inner},"sign":"${sign}"}` };
  }

  function failure(responseKey: string, code: string, subCode: string, subMsg: string, extra: Record<string, unknown> = {}): SimResponse {
    return signed(responseKey, { code, msg: MESSAGES[code] ?? "", sub_code: subCode, sub_msg: subMsg, ...extra });
  }

  function ok(call: Call, payload: Record<string, unknown>): SimResponse {
    return signed(call.responseKey, { code: "10000", msg: "Success", ...payload });
  }

  function declined(call: Call, subCode: string, subMsg: string, extra: Record<string, unknown> = {}): SimResponse {
    return failure(call.responseKey, "40004", subCode, subMsg, extra);
  }

  // ---- trades ----------------------------------------------------------------------------

  function tradeOf(call: Call): { trade: SimTrade; extra: TradeExtra } | undefined {
    const outTradeNo = str(call.biz, "out_trade_no");
    const tradeNo = str(call.biz, "trade_no");
    let trade = outTradeNo === undefined ? undefined : state.trades.get(outTradeNo);
    if (!trade && tradeNo !== undefined) trade = [...state.trades.values()].find((t) => t.channelTradeNo === tradeNo);
    const extra = trade ? extras.get(trade.outTradeNo) : undefined;
    // A merchant sees only its own trades.
    if (!trade || !extra || extra.merchant.pid !== call.merchant.pid) return undefined;
    return { trade, extra };
  }

  function refundedMinor(trade: SimTrade): bigint {
    return trade.refunds.filter((r) => r.status === "SUCCEEDED").reduce((total, r) => total + r.amountMinor, 0n);
  }

  function alipayStatus(trade: SimTrade): string {
    switch (trade.status) {
      case "USERPAYING":
      case "NOTPAY":
        return "WAIT_BUYER_PAY";
      case "SUCCESS":
        return refundedMinor(trade) === trade.amountMinor ? "TRADE_CLOSED" : "TRADE_SUCCESS";
      default:
        return "TRADE_CLOSED";
    }
  }

  function settle(trade: SimTrade, extra: TradeExtra): void {
    trade.status = "SUCCESS";
    trade.paidAt = now();
    trade.feeMinor = (trade.amountMinor * feeRatePpm + 500_000n) / 1_000_000n;
    if (extra.scene === "qr" && extra.notify && trade.notifyUrl !== undefined) {
      const fields = notificationFields(trade, extra);
      send({ outTradeNo: trade.outTradeNo, kind: "PAYMENT", url: trade.notifyUrl, fields, duplicate: extra.duplicateNotify });
    }
  }

  function tradeFields(trade: SimTrade, extra: TradeExtra): Record<string, string> {
    return {
      trade_no: trade.channelTradeNo,
      out_trade_no: trade.outTradeNo,
      buyer_logon_id: extra.buyerLogonId,
      buyer_user_id: extra.buyerUserId,
      total_amount: yuan(trade.amountMinor),
    };
  }

  // ---- notifications ---------------------------------------------------------------------

  function notificationFields(trade: SimTrade, extra: TradeExtra, refund?: { outRequestNo: string; at: Date }): Record<string, string> {
    const paid = yuan(trade.amountMinor);
    const fields: Record<string, string> = {
      notify_time: gmt8(now()),
      notify_type: "trade_status_sync",
      notify_id: `${gmt8(now()).slice(0, 10).replaceAll("-", "")}00222${randomDigits(26)}`,
      app_id: extra.appId,
      auth_app_id: extra.merchant.authAppId,
      charset: "utf-8",
      version: "1.0",
      sign_type: "RSA2",
      trade_no: trade.channelTradeNo,
      out_trade_no: trade.outTradeNo,
      buyer_id: extra.buyerUserId,
      buyer_logon_id: extra.buyerLogonId,
      seller_id: extra.merchant.pid,
      trade_status: alipayStatus(trade),
      total_amount: paid,
      receipt_amount: paid,
      buyer_pay_amount: paid,
      invoice_amount: paid,
      point_amount: "0.00",
      subject: trade.description,
      gmt_create: gmt8(trade.createdAt),
      fund_bill_list: JSON.stringify([{ amount: paid, fundChannel: "ALIPAYACCOUNT" }]),
    };
    if (trade.paidAt) fields.gmt_payment = gmt8(trade.paidAt);
    if (extra.smid !== undefined) fields.smid = extra.smid;
    if (refund) {
      fields.out_biz_no = refund.outRequestNo;
      fields.refund_fee = yuan(refundedMinor(trade));
      fields.gmt_refund = gmt8(refund.at, true);
    }
    return fields;
  }

  function sign(fields: Record<string, string>): string {
    const signedFields = { ...fields, sign: signText(notifyContent(fields), platform.privateKey) };
    return new URLSearchParams(signedFields).toString();
  }

  function send(input: { outTradeNo: string; kind: AlipayNotificationRecord["kind"]; url: string; fields: Record<string, string>; duplicate: boolean }): AlipayNotificationRecord {
    const record: AlipayNotificationRecord = {
      notifyId: input.fields.notify_id ?? "",
      outTradeNo: input.outTradeNo,
      kind: input.kind,
      url: input.url,
      body: sign(input.fields),
      attempts: [],
      acknowledged: false,
      duplicateSent: false,
    };
    notificationLog.push(record);
    void attempt(record, 0, input.duplicate);
    return record;
  }

  async function post(record: AlipayNotificationRecord): Promise<boolean> {
    try {
      const response = await fetch(record.url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
        body: record.body,
        signal: AbortSignal.timeout(5000),
      });
      const text = await response.text();
      record.attempts.push({ at: now().toISOString(), status: response.status, response: text.slice(0, 200) });
      // Anything but exactly `success` counts as not received.
      return response.status === 200 && text === "success";
    } catch (error) {
      record.attempts.push({ at: now().toISOString(), error: (error as Error).message });
      return false;
    }
  }

  async function attempt(record: AlipayNotificationRecord, retriesSoFar: number, duplicate: boolean): Promise<void> {
    if (closed) return;
    if (await post(record)) {
      record.acknowledged = true;
      if (duplicate && !record.duplicateSent) {
        later(duplicateDelayMs, () => {
          record.duplicateSent = true;
          void post(record);
        });
      }
      return;
    }
    const wait = retrySchedule[retriesSoFar];
    if (wait !== undefined) later(wait, () => void attempt(record, retriesSoFar + 1, duplicate));
  }

  // ---- API methods -----------------------------------------------------------------------

  async function tradePay(call: Call): Promise<SimResponse> {
    const outTradeNo = str(call.biz, "out_trade_no");
    if (outTradeNo === undefined || !OUT_TRADE_NO.test(outTradeNo)) return declined(call, "ACQ.INVALID_PARAMETER", "out_trade_no 无效");
    const scene = str(call.biz, "scene") ?? "bar_code";
    if (scene !== "bar_code" && scene !== "security_code") return declined(call, "ACQ.INVALID_PARAMETER", `scene ${scene} 无效`);
    const authCode = str(call.biz, "auth_code") ?? "";
    if (!(scene === "security_code" ? FACE_TOKEN : PAYMENT_CODE).test(authCode)) return declined(call, "ACQ.PAYMENT_AUTH_CODE_INVALID", "支付失败，获取顾客账户信息失败，请顾客刷新付款码后重新收款");
    const amount = yuanOf(call.biz.total_amount);
    if (amount === undefined || amount <= 0n || amount > 10_000_000_000n) return declined(call, "ACQ.INVALID_PARAMETER", "total_amount 无效");
    const productCode = str(call.biz, "product_code") ?? "FACE_TO_FACE_PAYMENT";
    if (productCode !== "FACE_TO_FACE_PAYMENT") return declined(call, "ACQ.INVALID_PARAMETER", `product_code ${productCode} 无效`);

    if (cancelledUnknown.has(outTradeNo)) return declined(call, "ACQ.TRADE_HAS_CLOSE", "交易已关闭");
    const existing = state.trades.get(outTradeNo);
    if (existing) {
      if (existing.status === "SUCCESS") return declined(call, "ACQ.TRADE_HAS_SUCCESS", "交易已被支付");
      if (existing.status === "USERPAYING") return signed(call.responseKey, { code: "10003", msg: MESSAGES["10003"], out_trade_no: outTradeNo, trade_no: existing.channelTradeNo });
      return declined(call, "ACQ.TRADE_HAS_CLOSE", "交易已关闭");
    }

    const subject = str(call.biz, "subject") ?? "";
    const rule = state.behaviourFor(outTradeNo, subject);
    const { trade, extra } = newTrade(call, outTradeNo, amount, subject, scene === "security_code" ? "security_code" : "bar_code", rule);
    switch (rule.behaviour) {
      case "decline":
        trade.status = "PAYERROR";
        return declined(call, "ACQ.BUYER_BALANCE_NOT_ENOUGH", "买家余额不足");
      case "userpaying":
        trade.status = "USERPAYING";
        trade.pollsLeft = rule.polls ?? 2;
        return signed(call.responseKey, { code: "10003", msg: MESSAGES["10003"], ...tradeFields(trade, extra) });
      case "timeout":
        // The payment happens; only the answer is late.
        settle(trade, extra);
        await hold(rule.delayMs ?? 15_000);
        return paidResponse(call, trade, extra);
      default:
        settle(trade, extra);
        return paidResponse(call, trade, extra);
    }
  }

  function paidResponse(call: Call, trade: SimTrade, extra: TradeExtra): SimResponse {
    const paid = yuan(trade.amountMinor);
    return ok(call, {
      ...tradeFields(trade, extra),
      receipt_amount: paid,
      buyer_pay_amount: paid,
      point_amount: "0.00",
      invoice_amount: paid,
      gmt_payment: gmt8(trade.paidAt ?? now()),
      fund_bill_list: [{ fund_channel: "ALIPAYACCOUNT", amount: paid }],
    });
  }

  function newTrade(call: Call, outTradeNo: string, amount: bigint, subject: string, scene: TradeExtra["scene"], rule: BehaviourRule): { trade: SimTrade; extra: TradeExtra } {
    const subMerchant = call.biz.sub_merchant;
    const smid = typeof subMerchant === "object" && subMerchant !== null ? str(subMerchant as Record<string, unknown>, "merchant_id") : undefined;
    const extendParams = call.biz.extend_params;
    const buyerUserId = `2088${randomDigits(12)}`;
    const extra: TradeExtra = {
      appId: call.app.appId,
      merchant: call.merchant,
      smid,
      scene,
      storeId: str(call.biz, "store_id"),
      terminalId: str(call.biz, "terminal_id"),
      buyerUserId,
      buyerLogonId: `138****${buyerUserId.slice(-4)}`,
      notify: rule.behaviour !== "no_notify",
      duplicateNotify: rule.behaviour === "late_duplicate_notify",
      sysServiceProviderId: typeof extendParams === "object" && extendParams !== null ? str(extendParams as Record<string, unknown>, "sys_service_provider_id") : undefined,
      refundFees: new Map(),
    };
    const trade: SimTrade = {
      outTradeNo,
      channelTradeNo: newTradeNo(),
      merchant: call.merchant.pid,
      subMerchant: smid ?? call.merchant.authAppId,
      amountMinor: amount,
      feeMinor: 0n,
      status: "NOTPAY",
      product: scene === "security_code" ? "ALIPAY_FACE" : scene === "bar_code" ? "ALIPAY_CODE" : "ALIPAY_QR",
      description: subject,
      deviceId: extra.terminalId,
      createdAt: now(),
      pollsLeft: 0,
      refunds: [],
      notifyUrl: call.params.get("notify_url") || undefined,
    };
    state.trades.set(outTradeNo, trade);
    extras.set(outTradeNo, extra);
    return { trade, extra };
  }

  async function tradePrecreate(call: Call): Promise<SimResponse> {
    const outTradeNo = str(call.biz, "out_trade_no");
    if (outTradeNo === undefined || !OUT_TRADE_NO.test(outTradeNo)) return declined(call, "ACQ.INVALID_PARAMETER", "out_trade_no 无效");
    const amount = yuanOf(call.biz.total_amount);
    if (amount === undefined || amount <= 0n || amount > 10_000_000_000n) return declined(call, "ACQ.INVALID_PARAMETER", "total_amount 无效");
    const subject = str(call.biz, "subject");
    if (subject === undefined) return declined(call, "ACQ.INVALID_PARAMETER", "subject 不能为空");
    const existing = tradeOf(call);
    if (existing) {
      if (existing.trade.status === "NOTPAY" && existing.extra.qrCode !== undefined) return ok(call, { out_trade_no: outTradeNo, qr_code: existing.extra.qrCode });
      return declined(call, existing.trade.status === "SUCCESS" ? "ACQ.TRADE_HAS_SUCCESS" : "ACQ.TRADE_HAS_CLOSE", "交易状态不允许");
    }
    if (state.trades.has(outTradeNo)) return declined(call, "ACQ.INVALID_PARAMETER", "out_trade_no 重复");

    const rule = state.behaviourFor(outTradeNo, subject);
    if (rule.behaviour === "decline") return declined(call, "ACQ.ACCESS_FORBIDDEN", "无权限使用接口");
    const qrCode = `https://qr.alipay.com/bax0${randomBytes(12).toString("hex")}`;
    const created = newTrade(call, outTradeNo, amount, subject, "qr", rule);
    const extra: TradeExtra = { ...created.extra, qrCode };
    extras.set(outTradeNo, extra);
    const trade = created.trade;
    if (rule.behaviour === "userpaying") {
      // Scanned at once; the buyer confirms after `polls` queries.
      trade.status = "USERPAYING";
      trade.pollsLeft = rule.polls ?? 2;
    } else {
      later(notifyDelayMs, () => {
        if (trade.status === "NOTPAY") settle(trade, extra);
      });
    }
    if (rule.behaviour === "timeout") await hold(rule.delayMs ?? 15_000);
    return ok(call, { out_trade_no: outTradeNo, qr_code: qrCode });
  }

  function tradeQuery(call: Call): SimResponse {
    const found = tradeOf(call);
    // An unscanned QR code has no trade yet.
    if (!found || (found.trade.status === "NOTPAY" && found.extra.scene === "qr")) return declined(call, "ACQ.TRADE_NOT_EXIST", "交易不存在");
    const { trade, extra } = found;
    if (trade.status === "USERPAYING") {
      if (trade.pollsLeft > 0) trade.pollsLeft -= 1;
      else settle(trade, extra);
    }
    const paid = trade.status === "SUCCESS" ? yuan(trade.amountMinor) : "0.00";
    return ok(call, {
      ...tradeFields(trade, extra),
      trade_status: alipayStatus(trade),
      receipt_amount: paid,
      buyer_pay_amount: paid,
      ...(trade.paidAt ? { send_pay_date: gmt8(trade.paidAt) } : {}),
      ...(extra.storeId ? { store_id: extra.storeId } : {}),
      ...(extra.terminalId ? { terminal_id: extra.terminalId } : {}),
    });
  }

  function tradeCancel(call: Call): SimResponse {
    const outTradeNo = str(call.biz, "out_trade_no");
    const found = tradeOf(call);
    if (!found) {
      if (outTradeNo === undefined) return declined(call, "ACQ.INVALID_PARAMETER", "out_trade_no 不能为空");
      // The pay may never have arrived: remember the number so a late one is refused.
      cancelledUnknown.add(outTradeNo);
      return ok(call, { out_trade_no: outTradeNo, retry_flag: "N", action: "close" });
    }
    const { trade, extra } = found;
    const reply = (action: string) => ok(call, { trade_no: trade.channelTradeNo, out_trade_no: trade.outTradeNo, retry_flag: "N", action });
    switch (trade.status) {
      case "SUCCESS":
        if (trade.refunds.length > 0) return declined(call, "ACQ.TRADE_STATUS_ERROR", "交易状态不合法", { retry_flag: "N" });
        trade.status = "REVOKED";
        extra.revokedRefund = { at: now(), feeReturnedMinor: trade.feeMinor };
        return reply("refund");
      case "REVOKED":
        return reply(extra.revokedRefund ? "refund" : "close");
      default:
        trade.status = "REVOKED";
        return reply("close");
    }
  }

  function tradeClose(call: Call): SimResponse {
    const found = tradeOf(call);
    if (!found) return declined(call, "ACQ.TRADE_NOT_EXIST", "交易不存在");
    const { trade } = found;
    if (trade.status === "NOTPAY" || trade.status === "USERPAYING") trade.status = "CLOSED";
    else if (trade.status !== "CLOSED") return declined(call, "ACQ.TRADE_STATUS_ERROR", "交易状态不合法");
    return ok(call, { trade_no: trade.channelTradeNo, out_trade_no: trade.outTradeNo });
  }

  function tradeRefund(call: Call): SimResponse {
    const found = tradeOf(call);
    if (!found) return declined(call, "ACQ.TRADE_NOT_EXIST", "交易不存在");
    const { trade, extra } = found;
    const amount = yuanOf(call.biz.refund_amount);
    if (amount === undefined || amount <= 0n) return declined(call, "ACQ.INVALID_PARAMETER", "refund_amount 无效");
    const outRequestNo = str(call.biz, "out_request_no") ?? trade.outTradeNo;
    const previous = trade.refunds.find((r) => r.outRefundNo === outRequestNo);
    const answer = (fundChange: "Y" | "N", at: Date) =>
      ok(call, { ...tradeFields(trade, extra), fund_change: fundChange, refund_fee: yuan(refundedMinor(trade)), gmt_refund_pay: gmt8(at) });
    if (previous) {
      if (previous.amountMinor !== amount) return declined(call, "ACQ.DISCORDANT_REPEAT_REQUEST", "请求信息不一致");
      return answer("N", previous.succeededAt ?? previous.createdAt);
    }
    if (trade.status !== "SUCCESS") return declined(call, "ACQ.TRADE_STATUS_ERROR", "交易状态不合法");
    const before = refundedMinor(trade);
    if (before + amount > trade.amountMinor) return declined(call, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限");
    const at = now();
    const returnedSoFar = [...extra.refundFees.values()].reduce((total, fee) => total + fee, 0n);
    const feeReturned =
      before + amount === trade.amountMinor ? trade.feeMinor - returnedSoFar : (trade.feeMinor * amount + trade.amountMinor / 2n) / trade.amountMinor;
    extra.refundFees.set(outRequestNo, feeReturned);
    trade.refunds.push({ outRefundNo: outRequestNo, channelRefundNo: outRequestNo, amountMinor: amount, status: "SUCCEEDED", createdAt: at, succeededAt: at });
    if (trade.notifyUrl !== undefined && extra.notify) {
      const fields = notificationFields(trade, extra, { outRequestNo, at });
      send({ outTradeNo: trade.outTradeNo, kind: "REFUND", url: trade.notifyUrl, fields, duplicate: false });
    }
    return answer("Y", at);
  }

  function refundQuery(call: Call): SimResponse {
    const found = tradeOf(call);
    if (!found) return declined(call, "ACQ.TRADE_NOT_EXIST", "交易不存在");
    const { trade } = found;
    const outRequestNo = str(call.biz, "out_request_no") ?? trade.outTradeNo;
    const refund = trade.refunds.find((r) => r.outRefundNo === outRequestNo);
    // The documented answer for a refund that did not happen: success, without refund data.
    if (!refund) return ok(call, { trade_no: trade.channelTradeNo, out_trade_no: trade.outTradeNo, out_request_no: outRequestNo });
    return ok(call, {
      trade_no: trade.channelTradeNo,
      out_trade_no: trade.outTradeNo,
      out_request_no: outRequestNo,
      total_amount: yuan(trade.amountMinor),
      refund_amount: yuan(refund.amountMinor),
      refund_status: "REFUND_SUCCESS",
      gmt_refund_pay: gmt8(refund.succeededAt ?? refund.createdAt, true),
    });
  }

  function billUrl(call: Call): SimResponse {
    const billType = str(call.biz, "bill_type");
    const billDate = str(call.biz, "bill_date") ?? "";
    if (billType !== "trade") return declined(call, "isp.bill_type_not_support", `账单类型 ${String(billType)} 不支持`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(billDate) || Number.isNaN(Date.parse(`${billDate}T00:00:00Z`))) return declined(call, "ACQ.INVALID_PARAMETER", "bill_date 无效");
    // Real daily bills appear on T+1 after 10:00; the simulator serves today's as it stands.
    if (billDate > beijingDay(now())) return declined(call, "isp.bill_not_exist", "账单不存在");

    const trades: BillTrade[] = [];
    for (const trade of state.trades.values()) {
      const extra = extras.get(trade.outTradeNo);
      if (!extra || extra.merchant.pid !== call.merchant.pid || !trade.paidAt) continue;
      const refunds: BillRefund[] = trade.refunds
        .filter((r) => r.status === "SUCCEEDED")
        .map((r) => ({
          outRequestNo: r.outRefundNo,
          amountMinor: r.amountMinor,
          feeReturnedMinor: extra.refundFees.get(r.outRefundNo) ?? 0n,
          createdAt: r.createdAt,
          succeededAt: r.succeededAt ?? r.createdAt,
        }));
      // A reversed (撤销) paid trade shows as the payment and a refund without a request number. [U]
      if (extra.revokedRefund) {
        const at = extra.revokedRefund.at;
        refunds.push({ outRequestNo: "", amountMinor: trade.amountMinor, feeReturnedMinor: extra.revokedRefund.feeReturnedMinor, createdAt: at, succeededAt: at, remark: "撤销" });
      }
      trades.push({
        tradeNo: trade.channelTradeNo,
        outTradeNo: trade.outTradeNo,
        subject: trade.description,
        createdAt: trade.createdAt,
        paidAt: trade.paidAt,
        storeId: extra.storeId,
        terminalId: extra.terminalId,
        buyerLogonId: extra.buyerLogonId,
        amountMinor: trade.amountMinor,
        feeMinor: trade.feeMinor,
        refunds,
      });
    }
    const userId = `${call.merchant.pid}0156`;
    const bill = billZip({
      userId,
      billDate,
      trades,
      diffs: state.statementDiffs(billDate),
      previousDayDiffs: state.statementDiffs(addDays(billDate, -1)),
      exportedAt: now(),
      feeRatePpm: Number(feeRatePpm),
      newTradeNo,
    });
    const token = randomBytes(16).toString("hex");
    const issuedAt = now().getTime();
    bills.set(token, { ...bill, expiresAt: issuedAt + billUrlTtlMs });
    const compactDate = billDate.replaceAll("-", "");
    const query = new URLSearchParams({
      bizType: "trade",
      userId,
      fileType: "csv.zip",
      bizDates: compactDate,
      downloadFileName: bill.fileName,
      fileId: `%2Ftrade%2F${userId}%2F${compactDate}.csv.zip`,
      timestamp: String(issuedAt),
      token,
    });
    return ok(call, { bill_download_url: `${baseUrl}/downloadBillFile.resource?${query.toString()}` });
  }

  function smilepayInitialize(call: Call): SimResponse {
    const metainfo = str(call.biz, "zimmetainfo");
    let parsed: unknown;
    try {
      parsed = metainfo === undefined ? undefined : JSON.parse(metainfo);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== "object" || parsed === null) return declined(call, "ZOLOZ.INVALID_PARAMETER", "zimmetainfo 无效");
    const result = { zimId: randomBytes(16).toString("hex"), zimInitClientData: randomBytes(48).toString("base64") };
    return ok(call, { result: JSON.stringify(result) });
  }

  const METHODS: Record<string, (call: Call) => SimResponse | Promise<SimResponse>> = {
    "alipay.trade.pay": tradePay,
    "alipay.trade.precreate": tradePrecreate,
    "alipay.trade.query": tradeQuery,
    "alipay.trade.cancel": tradeCancel,
    "alipay.trade.close": tradeClose,
    "alipay.trade.refund": tradeRefund,
    "alipay.trade.fastpay.refund.query": refundQuery,
    "alipay.data.dataservice.bill.downloadurl.query": billUrl,
    "zoloz.authentication.customer.smilepay.initialize": smilepayInitialize,
  };

  // ---- gateway ---------------------------------------------------------------------------

  async function gateway(req: SimRequest): Promise<SimResponse> {
    // The SDKs put common parameters in the query string and the rest in the form body.
    const params = new Map<string, string>(req.query);
    if (req.method === "POST" && req.text) for (const [key, value] of new URLSearchParams(req.text)) params.set(key, value);
    const method = params.get("method");
    const known = method !== undefined && method in METHODS;
    const responseKey = known ? `${method.replaceAll(".", "_")}_response` : "error_response";
    const refuse = (code: string, subCode: string, subMsg: string) => failure(responseKey, code, subCode, subMsg);

    if (!method) return refuse("40001", "isv.missing-method", "缺少方法名参数");
    if (!known) return refuse("40002", "isv.invalid-method", "不存在的方法名");
    const appId = params.get("app_id");
    if (!appId) return refuse("40001", "isv.missing-app-id", "缺少AppID参数");
    const app = apps.get(appId);
    if (!app) return refuse("40002", "isv.invalid-app-id", "无效的AppID参数");
    const signature = params.get("sign");
    if (!signature) return refuse("40001", "isv.missing-signature", "缺少签名参数");
    if (params.get("sign_type") !== "RSA2") return refuse("40002", "isv.invalid-signature-type", "无效的签名类型");
    if ((params.get("charset") ?? "utf-8").toLowerCase() !== "utf-8") return refuse("40002", "isv.invalid-charset", "字符集错误");
    if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(params.get("timestamp") ?? "")) return refuse("40002", "isv.invalid-timestamp", "非法的时间戳参数");
    if (!verifyText(requestContent(params), signature, app.publicKey)) return refuse("40002", "isv.invalid-signature", "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配");

    let biz: Record<string, unknown> = {};
    const bizContent = params.get("biz_content");
    if (bizContent !== undefined) {
      try {
        const parsed: unknown = JSON.parse(bizContent);
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
        biz = parsed as Record<string, unknown>;
      } catch {
        return refuse("40002", "isv.invalid-parameter", "biz_content 不是 JSON 对象");
      }
    }
    const appAuthToken = params.get("app_auth_token") || undefined;
    requestLog.push({ at: now().toISOString(), method, params: Object.fromEntries(params), biz });
    if (requestLog.length > 500) requestLog.shift();
    const handler = METHODS[method];
    if (!handler) return refuse("40002", "isv.invalid-method", "不存在的方法名");
    return handler({ app, merchant: merchantFor(app, appAuthToken), params, biz, responseKey });
  }

  function download(req: SimRequest): SimResponse {
    const bill = bills.get(req.query.get("token") ?? "");
    if (!bill) return { status: 404, headers: { "content-type": "text/plain; charset=utf-8" }, body: "file not found" };
    if (now().getTime() > bill.expiresAt) return { status: 410, headers: { "content-type": "text/plain; charset=utf-8" }, body: "download url expired" };
    return {
      status: 200,
      headers: { "content-type": "application/octet-stream", "content-disposition": `attachment; filename="${bill.fileName}"` },
      body: bill.bytes,
    };
  }

  function json(status: number, value: unknown): SimResponse {
    return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? Number(v) : v)) };
  }

  function control(req: SimRequest): SimResponse | undefined {
    const input = req.text ? (JSON.parse(req.text) as Record<string, unknown>) : {};
    switch (`${req.method} ${req.path}`) {
      case "POST /__sim/alipay/apps": {
        if (typeof input.appId !== "string" || typeof input.publicKeyPem !== "string") return json(400, { error: "appId and publicKeyPem are required" });
        try {
          registerApp(input.appId, input.publicKeyPem);
        } catch (error) {
          return json(400, { error: (error as Error).message });
        }
        return json(200, { ok: true, appId: input.appId, pid: apps.get(input.appId)?.pid });
      }
      case "GET /__sim/alipay/platform":
        return json(200, { alipayPublicKeyPem: platform.publicKeyPem });
      case "GET /__sim/alipay/notifications":
        return json(200, notificationLog);
      case "GET /__sim/alipay/requests":
        return json(200, requestLog);
      case "POST /__sim/alipay/notify": {
        // A notification for a trade as it stands, with fields overridden, signed by the platform
        // key: for testing what a receiver does with odd but authentic messages.
        const trade = typeof input.outTradeNo === "string" ? state.trades.get(input.outTradeNo) : undefined;
        const extra = trade ? extras.get(trade.outTradeNo) : undefined;
        if (!trade || !extra) return json(404, { error: "no such trade" });
        const overrides = typeof input.fields === "object" && input.fields !== null ? (input.fields as Record<string, unknown>) : {};
        const fields = notificationFields(trade, extra);
        for (const [key, value] of Object.entries(overrides)) {
          if (value === null) delete fields[key];
          else fields[key] = String(value);
        }
        const url = typeof input.url === "string" ? input.url : trade.notifyUrl;
        if (input.deliver === true) {
          if (url === undefined) return json(400, { error: "the trade has no notify_url; pass url" });
          const record = send({ outTradeNo: trade.outTradeNo, kind: "MANUAL", url, fields, duplicate: false });
          return json(200, { notifyId: record.notifyId, body: record.body });
        }
        return json(200, { notifyId: fields.notify_id, body: sign(fields) });
      }
      default:
        return undefined;
    }
  }

  const server = await startSimulatorServer(state, async (req) => {
    if (req.path.startsWith("/__sim/alipay/")) return control(req);
    if (req.path === "/gateway.do") return gateway(req);
    if (req.path === "/downloadBillFile.resource" && req.method === "GET") return download(req);
    return undefined;
  }, { port: options.port });
  baseUrl = server.url;

  return {
    url: server.url,
    state,
    alipayPublicKeyPem: platform.publicKeyPem,
    registerApp,
    notifications: () => notificationLog,
    requests: () => requestLog,
    close: async () => {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await server.close();
    },
  };
}
