import { createPublicKey, generateKeyPairSync, randomInt, type KeyObject } from "node:crypto";
import { deflateSync } from "node:zlib";
import { SimulatorState, startSimulatorServer, type RunningSimulator, type SimRefund, type SimRequest, type SimResponse, type SimTrade } from "../harness";
import { decryptSensitive, readBraced, readForm, signForm, verifyForm, writeAnswer, writeNotification, type Form } from "./acp-signing";
import { writeZip } from "./zip";
import { fen12, signed13, writeZmFile, writeZmLine, type ZmValues } from "./zm-writer";

// A local bank / UnionPay ACP 5.1.0 gateway for the bank connector's tests and demos.
//
// Gateway (form POSTs, signMethod=01, answers signed with the simulator's own key):
//   POST /gateway/api/backTransReq.do   txnType 01 consume (token), 04 refund, 31 void,
//                                       12 payout (代付), 77 contract SMS, 79 contract open
//   POST /gateway/api/queryTrans.do     txnType 00 query by orderId
//   POST /gateway/api/fileTransfer.do   txnType 76: the ZM file for settleDate (MMDD)
// Control plane (besides the harness's /__sim/behaviour, statement-diffs, trades, reset):
//   POST /__sim/bank/merchants      { merId, certId, publicKeyPem, feeRatePpm?, abbr? }
//   GET  /__sim/bank/platform       { publicKeyPem, certId }: verifies answers and notifications
//   GET  /__sim/bank/notifications  every notification with its attempts and delivery
//
// Rules the tests and demos rely on:
//   - the contract SMS code is always 111111; any other code answers 71 and the contract stays pending;
//   - consume behaviour comes from the harness (rule, next-order rule, `sim:<behaviour>` in orderDesc):
//     success → 00 then a notification; decline → 64; userpaying → 05 and the query answers
//     origRespCode 05 for `polls` queries, then 00; timeout → the trade succeeds but the answer
//     is held `delayMs`; no_notify; late_duplicate_notify → the same notification twice;
//   - a payout to an account ending 0000 fails (origRespCode 61); one ending 9999 succeeds and is
//     returned (退汇, origRespCode RT) `payoutReturnDelayMs` later; others succeed;
//     payouts resolve `notifyDelayMs` after they are accepted;
//   - refunds are accepted (00), succeed `notifyDelayMs` later, and then notify;
//   - notifications go to backUrl, retried (doubling from notifyDelayMs, at most 10 tries) until HTTP 200.
// Reset (POST /__sim/reset) forgets orders and notifications; merchants and contracts stay.

export const SIM_SMS_CODE = "111111";
const GATEWAY_BACK = "/gateway/api/backTransReq.do";
const GATEWAY_QUERY = "/gateway/api/queryTrans.do";
const GATEWAY_FILE = "/gateway/api/fileTransfer.do";
const ORDER_ID = /^[0-9A-Za-z_-]{1,32}$/; // the ZM file's order-id field holds 32 bytes
const MAX_NOTIFY_ATTEMPTS = 10;
const SUCCESS_MSG = "成功[0000000]";

export interface BankSimulatorOptions {
  port?: number;
  /** Delay before a notification (and before a refund or payout resolves); default 500 ms. */
  notifyDelayMs?: number;
  /** Delay between a 9999 payout's success and its return (退汇); default 2000 ms. */
  payoutReturnDelayMs?: number;
  /** The simulator's clock (trade times, business dates); default the real one. */
  now?: () => Date;
}

export interface RunningBankSimulator extends RunningSimulator {
  readonly state: SimulatorState;
}

interface Merchant {
  readonly merId: string;
  readonly certId: string;
  readonly publicKey: KeyObject;
  readonly feeRatePpm: bigint;
  readonly abbr: string;
}

interface Contract {
  readonly merId: string;
  readonly accNo: string;
  readonly phone: string;
  readonly name: string;
  status: "PENDING" | "SIGNED";
  token?: string;
}

interface Trace {
  readonly traceNo: string;
  /** The request's txnTime, echoed in queries and notifications. */
  readonly txnTime: string;
}

type PayoutStatus = "PROCESSING" | "SUCCEEDED" | "FAILED" | "RETURNED";

type Order =
  | ({ readonly kind: "consume"; readonly trade: SimTrade; readonly accMasked: string } & Trace)
  | ({ readonly kind: "refund"; readonly trade: SimTrade; readonly refund: SimRefund; readonly backUrl?: string; readonly reqReserved: string } & Trace)
  | ({ readonly kind: "void"; readonly orderId: string; readonly trade: SimTrade; readonly queryId: string; readonly amountMinor: bigint; readonly at: Date; readonly reqReserved: string } & Trace)
  | ({
      readonly kind: "payout";
      readonly queryId: string;
      readonly amountMinor: bigint;
      readonly accNo: string;
      readonly name: string;
      status: PayoutStatus;
      readonly createdAt: Date;
      resolvedAt?: Date;
    } & Trace);

interface NotificationRecord {
  readonly url: string;
  readonly label: string;
  attempts: number;
  delivered: boolean;
  lastStatus?: number;
}

/** A ZM line before rendering, so statement differences can be applied to its numbers. */
interface ZmEntry {
  orderId: string;
  at: Date;
  txnCode: string;
  txnType: string;
  txnSubType: string;
  amount: bigint;
  fee: bigint;
  feeSign: "C" | "D";
  settleSign: "C" | "D";
  coupon: bigint;
  values: ZmValues;
}

// Beijing is UTC+8 all year.
const BEIJING_MS = 8 * 3_600_000;
const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function beijing(at: Date) {
  const b = new Date(at.getTime() + BEIJING_MS);
  return { y: b.getUTCFullYear(), mo: b.getUTCMonth() + 1, d: b.getUTCDate(), h: b.getUTCHours(), mi: b.getUTCMinutes(), s: b.getUTCSeconds() };
}

function fullTime(at: Date): string {
  const t = beijing(at);
  return `${t.y}${pad(t.mo)}${pad(t.d)}${pad(t.h)}${pad(t.mi)}${pad(t.s)}`;
}

function traceTime(at: Date): string {
  return fullTime(at).slice(4);
}

/** The business date with the 23:00 Beijing cut-off: 23:00 onwards belongs to the next day. */
function businessDate(at: Date): string {
  return new Date(at.getTime() + BEIJING_MS + 3_600_000).toISOString().slice(0, 10);
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function mask(accNo: string): string {
  return accNo.length <= 8 ? accNo : `${accNo.slice(0, 4)}${"*".repeat(accNo.length - 8)}${accNo.slice(-4)}`;
}

function feeAt(amount: bigint, ppm: bigint): bigint {
  return (amount * ppm * 2n + 1_000_000n) / 2_000_000n;
}

function json(status: number, value: unknown): SimResponse {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(value) };
}

function parseAmount(text: string | undefined): bigint | undefined {
  return text !== undefined && /^[1-9]\d{0,11}$/.test(text) ? BigInt(text) : undefined;
}

function decodeCustomerInfo(value: string | undefined): Map<string, string> {
  return readBraced(value ? Buffer.from(value, "base64").toString("utf8") : undefined);
}

class BankState extends SimulatorState {
  onReset: () => void = () => undefined;
  override reset(): void {
    super.reset();
    this.onReset();
  }
}

class BankSimulator {
  readonly state = new BankState();
  private readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
  readonly certId = `6${String(randomInt(1_000_000_000, 9_999_999_999))}`;
  private readonly merchants = new Map<string, Merchant>();
  private readonly contracts = new Map<string, Contract>();
  private readonly tokens = new Map<string, Contract>();
  private readonly orders = new Map<string, Order>();
  private readonly consumesByQueryId = new Map<string, Extract<Order, { kind: "consume" }>>();
  readonly notifications: NotificationRecord[] = [];
  private traceSeq = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly holds = new Set<() => void>();
  private readonly abort = new AbortController();
  private closed = false;

  constructor(
    private readonly notifyDelayMs: number,
    private readonly payoutReturnDelayMs: number,
    private readonly now: () => Date,
  ) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.publicKeyPem = publicKey.export({ type: "spki", format: "pem" }).toString();
    this.state.onReset = () => {
      this.orders.clear();
      this.consumesByQueryId.clear();
      this.notifications.length = 0;
    };
  }

  shutdown(): void {
    this.closed = true;
    this.abort.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const release of this.holds) release();
    this.holds.clear();
  }

  private later(ms: number, run: () => void | Promise<void>): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void run();
    }, ms);
    this.timers.add(timer);
  }

  private hold(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      const release = () => {
        this.holds.delete(release);
        resolve();
      };
      this.holds.add(release);
      this.later(ms, release);
    });
  }

  private nextTrace(): string {
    this.traceSeq = (this.traceSeq % 999_999) + 1;
    return pad(this.traceSeq, 6);
  }

  async handle(req: SimRequest): Promise<SimResponse | undefined> {
    if (req.method === "POST" && req.path === "/__sim/bank/merchants") return this.registerMerchant(req.text);
    if (req.method === "GET" && req.path === "/__sim/bank/platform") return json(200, { publicKeyPem: this.publicKeyPem, certId: this.certId });
    if (req.method === "GET" && req.path === "/__sim/bank/notifications") return json(200, this.notifications);
    if (req.method !== "POST" || ![GATEWAY_BACK, GATEWAY_QUERY, GATEWAY_FILE].includes(req.path)) return undefined;

    const form = readForm(req.text);
    if (form.get("version") !== "5.1.0" || form.get("signMethod") !== "01") return this.answer(form, "10", "报文格式错误: version 5.1.0 and signMethod 01 only");
    const merchant = this.merchants.get(form.get("merId") ?? "");
    if (!merchant || form.get("certId") !== merchant.certId || !verifyForm(form, merchant.publicKey)) return this.answer(form, "11", "验证签名失败");
    const route = `${req.path} ${form.get("txnType") ?? ""}`;
    switch (route) {
      case `${GATEWAY_BACK} 01`:
        return this.consume(form, merchant);
      case `${GATEWAY_BACK} 04`:
        return this.refund(form);
      case `${GATEWAY_BACK} 31`:
        return this.void(form);
      case `${GATEWAY_BACK} 12`:
        return this.payout(form);
      case `${GATEWAY_BACK} 77`:
        return this.sendSms(form);
      case `${GATEWAY_BACK} 79`:
        return this.openContract(form);
      case `${GATEWAY_QUERY} 00`:
        return this.query(form);
      case `${GATEWAY_FILE} 76`:
        return this.fileTransfer(form, merchant);
      default:
        return this.answer(form, "10", `报文格式错误: txnType ${form.get("txnType") ?? "?"} is not served at ${req.path}`);
    }
  }

  private registerMerchant(text: string): SimResponse {
    const input = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    const { merId, certId, publicKeyPem, feeRatePpm, abbr } = input;
    if (typeof merId !== "string" || !/^[0-9A-Za-z]{15}$/.test(merId)) return json(400, { error: "merId must be 15 letters or digits" });
    if (typeof certId !== "string" || !/^\d{1,40}$/.test(certId)) return json(400, { error: "certId must be decimal digits" });
    if (typeof publicKeyPem !== "string") return json(400, { error: "publicKeyPem is required" });
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey(publicKeyPem);
    } catch {
      return json(400, { error: "publicKeyPem is not a PEM public key" });
    }
    if (publicKey.asymmetricKeyType !== "rsa") return json(400, { error: "publicKeyPem must be an RSA key" });
    const rate = feeRatePpm === undefined ? 3800 : feeRatePpm;
    if (typeof rate !== "number" || !Number.isInteger(rate) || rate < 0 || rate > 1_000_000) return json(400, { error: "feeRatePpm must be an integer 0..1000000" });
    this.merchants.set(merId, { merId, certId, publicKey, feeRatePpm: BigInt(rate), abbr: typeof abbr === "string" && abbr !== "" ? abbr : "模拟商户" });
    return json(200, { ok: true });
  }

  /** A signed synchronous answer echoing the request's identifying fields. */
  private answer(req: Form, respCode: string, respMsg: string, extra: Record<string, string | undefined> = {}): SimResponse {
    const form: Form = new Map();
    for (const key of ["version", "encoding", "bizType", "txnType", "txnSubType", "accessType", "merId", "orderId", "txnTime", "reqReserved"]) {
      const value = req.get(key);
      if (value !== undefined) form.set(key, value);
    }
    form.set("signMethod", "01");
    form.set("certId", this.certId);
    form.set("respCode", respCode);
    form.set("respMsg", respMsg);
    for (const [key, value] of Object.entries(extra)) if (value !== undefined && value !== "") form.set(key, value);
    form.set("signature", signForm(form, this.privateKey));
    return { status: 200, headers: { "content-type": "text/plain;charset=UTF-8" }, body: writeAnswer(form) };
  }

  private notify(url: string | undefined, form: Form, label: string, delayMs: number): void {
    if (!url) return;
    form.set("version", "5.1.0");
    form.set("encoding", "UTF-8");
    form.set("signMethod", "01");
    form.set("certId", this.certId);
    form.set("signature", signForm(form, this.privateKey));
    // Signed once: every retry and every duplicate carries the same bytes.
    const body = writeNotification(form);
    const record: NotificationRecord = { url, label, attempts: 0, delivered: false };
    this.notifications.push(record);
    const attempt = async (n: number): Promise<void> => {
      record.attempts += 1;
      let status = 0;
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded;charset=UTF-8" },
          body,
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(5_000)]),
        });
        status = response.status;
        await response.arrayBuffer();
      } catch {
        status = 0;
      }
      record.lastStatus = status;
      if (status === 200) {
        record.delivered = true;
        return;
      }
      if (n + 1 < MAX_NOTIFY_ATTEMPTS) this.later(Math.min(Math.max(this.notifyDelayMs, 10) * 2 ** (n + 1), 30_000), () => attempt(n + 1));
    };
    this.later(delayMs, () => attempt(0));
  }

  private paymentNotification(order: Extract<Order, { kind: "consume" }>): Form {
    const { trade } = order;
    const paidAt = trade.paidAt ?? this.now();
    return new Map([
      ["accessType", "0"],
      ["bizType", "000902"],
      ["txnType", "01"],
      ["txnSubType", "01"],
      ["merId", trade.merchant],
      ["orderId", trade.outTradeNo],
      ["queryId", trade.channelTradeNo],
      ["txnTime", order.txnTime],
      ["txnAmt", trade.amountMinor.toString()],
      ["currencyCode", "156"],
      ["settleAmt", trade.amountMinor.toString()],
      ["settleCurrencyCode", "156"],
      ["settleDate", businessDate(paidAt).slice(5).replace("-", "")],
      ["traceNo", order.traceNo],
      ["traceTime", traceTime(paidAt)],
      ["accNo", order.accMasked],
      ["respCode", "00"],
      ["respMsg", SUCCESS_MSG],
    ]);
  }

  private markPaid(order: Extract<Order, { kind: "consume" }>, behaviour: string): void {
    order.trade.status = "SUCCESS";
    order.trade.paidAt = this.now();
    if (behaviour === "no_notify") return;
    const label = `payment ${order.trade.outTradeNo}`;
    this.notify(order.trade.notifyUrl, this.paymentNotification(order), label, this.notifyDelayMs);
    if (behaviour === "late_duplicate_notify") this.notify(order.trade.notifyUrl, this.paymentNotification(order), `${label} (duplicate)`, this.notifyDelayMs * 4 + 50);
  }

  private async consume(form: Form, merchant: Merchant): Promise<SimResponse> {
    const orderId = form.get("orderId") ?? "";
    const amount = parseAmount(form.get("txnAmt"));
    if (!ORDER_ID.test(orderId) || amount === undefined || form.get("currencyCode") !== "156") return this.answer(form, "10", "报文格式错误: orderId, txnAmt or currencyCode");
    const key = `${merchant.merId}|${orderId}`;
    if (this.orders.has(key)) return this.answer(form, "12", "重复交易");
    const token = readBraced(form.get("tokenPayData")).get("token");
    const contract = token === undefined ? undefined : this.tokens.get(token);
    if (!contract || contract.merId !== merchant.merId || contract.status !== "SIGNED") return this.answer(form, "40", "标记无效或未开通");

    const description = form.get("orderDesc") ?? "";
    const rule = this.state.behaviourFor(orderId, description);
    const queryId = this.state.nextId("51");
    const trade: SimTrade = {
      outTradeNo: orderId,
      channelTradeNo: queryId,
      merchant: merchant.merId,
      subMerchant: merchant.merId,
      amountMinor: amount,
      feeMinor: feeAt(amount, merchant.feeRatePpm),
      status: "NOTPAY",
      product: "BANK_QUICK",
      description,
      createdAt: this.now(),
      pollsLeft: 0,
      refunds: [],
      notifyUrl: form.get("backUrl") || undefined,
    };
    const order = { kind: "consume" as const, trade, accMasked: mask(contract.accNo), traceNo: this.nextTrace(), txnTime: form.get("txnTime") ?? fullTime(this.now()) };
    this.state.trades.set(key, trade);
    this.orders.set(key, order);
    this.consumesByQueryId.set(queryId, order);

    switch (rule.behaviour) {
      case "decline":
        trade.status = "PAYERROR";
        return this.answer(form, "64", "卡上的余额不足", { queryId });
      case "userpaying":
        trade.status = "USERPAYING";
        trade.pollsLeft = rule.polls ?? 2;
        return this.answer(form, "05", "交易已受理，请稍后查询交易结果", { queryId });
      case "timeout":
        // The charge happens; only the answer is late.
        this.markPaid(order, rule.behaviour);
        await this.hold(rule.delayMs ?? 15_000);
        return this.answer(form, "00", SUCCESS_MSG, { queryId, txnAmt: amount.toString() });
      default:
        this.markPaid(order, rule.behaviour);
        return this.answer(form, "00", SUCCESS_MSG, { queryId, txnAmt: amount.toString() });
    }
  }

  private refund(form: Form): SimResponse {
    const merId = form.get("merId") ?? "";
    const orderId = form.get("orderId") ?? "";
    const amount = parseAmount(form.get("txnAmt"));
    if (!ORDER_ID.test(orderId) || amount === undefined) return this.answer(form, "10", "报文格式错误: orderId or txnAmt");
    const key = `${merId}|${orderId}`;
    if (this.orders.has(key)) return this.answer(form, "12", "重复交易");
    const original = this.consumesByQueryId.get(form.get("origQryId") ?? "");
    if (!original || original.trade.merchant !== merId || original.trade.status !== "SUCCESS") return this.answer(form, "35", "原交易不存在或状态不正确");
    const refunded = original.trade.refunds.filter((r) => r.status !== "FAILED").reduce((sum, r) => sum + r.amountMinor, 0n);
    if (refunded + amount > original.trade.amountMinor) return this.answer(form, "36", "退货金额超过原交易可退金额");

    const refund: SimRefund = { outRefundNo: orderId, channelRefundNo: this.state.nextId("51"), amountMinor: amount, status: "PROCESSING", createdAt: this.now() };
    original.trade.refunds.push(refund);
    const order = {
      kind: "refund" as const,
      trade: original.trade,
      refund,
      backUrl: form.get("backUrl") || undefined,
      reqReserved: form.get("reqReserved") ?? "",
      traceNo: this.nextTrace(),
      txnTime: form.get("txnTime") ?? fullTime(this.now()),
    };
    this.orders.set(key, order);
    this.later(this.notifyDelayMs, () => {
      refund.status = "SUCCEEDED";
      refund.succeededAt = this.now();
      const notification: Form = new Map([
        ["accessType", "0"],
        ["bizType", "000902"],
        ["txnType", "04"],
        ["txnSubType", "00"],
        ["merId", merId],
        ["orderId", orderId],
        ["queryId", refund.channelRefundNo],
        ["origQryId", original.trade.channelTradeNo],
        ["txnTime", order.txnTime],
        ["txnAmt", amount.toString()],
        ["currencyCode", "156"],
        ["settleAmt", amount.toString()],
        ["settleCurrencyCode", "156"],
        ["settleDate", businessDate(refund.succeededAt).slice(5).replace("-", "")],
        ["traceNo", order.traceNo],
        ["traceTime", traceTime(refund.succeededAt)],
        ["respCode", "00"],
        ["respMsg", SUCCESS_MSG],
      ]);
      if (order.reqReserved) notification.set("reqReserved", order.reqReserved);
      this.notify(order.backUrl, notification, `refund ${orderId}`, 0);
    });
    return this.answer(form, "00", SUCCESS_MSG, { queryId: refund.channelRefundNo, origQryId: original.trade.channelTradeNo, txnAmt: amount.toString() });
  }

  private void(form: Form): SimResponse {
    const merId = form.get("merId") ?? "";
    const orderId = form.get("orderId") ?? "";
    const amount = parseAmount(form.get("txnAmt"));
    if (!ORDER_ID.test(orderId) || amount === undefined) return this.answer(form, "10", "报文格式错误: orderId or txnAmt");
    const key = `${merId}|${orderId}`;
    if (this.orders.has(key)) return this.answer(form, "12", "重复交易");
    const original = this.consumesByQueryId.get(form.get("origQryId") ?? "");
    const voidable = original && original.trade.merchant === merId && (original.trade.status === "SUCCESS" || original.trade.status === "USERPAYING") && original.trade.refunds.length === 0;
    if (!original || !voidable) return this.answer(form, "35", "原交易不存在或状态不正确");
    if (amount !== original.trade.amountMinor) return this.answer(form, "36", "撤销金额与原交易不符");
    original.trade.status = "REVOKED";
    const queryId = this.state.nextId("51");
    this.orders.set(key, {
      kind: "void",
      orderId,
      trade: original.trade,
      queryId,
      amountMinor: amount,
      at: this.now(),
      reqReserved: form.get("reqReserved") ?? "",
      traceNo: this.nextTrace(),
      txnTime: form.get("txnTime") ?? fullTime(this.now()),
    });
    return this.answer(form, "00", SUCCESS_MSG, { queryId, origQryId: original.trade.channelTradeNo, txnAmt: amount.toString() });
  }

  private payout(form: Form): SimResponse {
    const merId = form.get("merId") ?? "";
    const orderId = form.get("orderId") ?? "";
    const amount = parseAmount(form.get("txnAmt"));
    const accNo = decryptSensitive(form.get("accNo") ?? "", this.privateKey);
    if (!ORDER_ID.test(orderId) || amount === undefined || accNo === undefined || !/^\d{8,30}$/.test(accNo)) return this.answer(form, "10", "报文格式错误: orderId, txnAmt or accNo");
    const key = `${merId}|${orderId}`;
    if (this.orders.has(key)) return this.answer(form, "12", "重复交易");
    const order: Extract<Order, { kind: "payout" }> = {
      kind: "payout",
      queryId: this.state.nextId("51"),
      amountMinor: amount,
      accNo,
      name: decodeCustomerInfo(form.get("customerInfo")).get("customerNm") ?? "",
      status: "PROCESSING",
      createdAt: this.now(),
      traceNo: this.nextTrace(),
      txnTime: form.get("txnTime") ?? fullTime(this.now()),
    };
    this.orders.set(key, order);
    this.later(this.notifyDelayMs, () => {
      order.resolvedAt = this.now();
      if (accNo.endsWith("0000")) {
        order.status = "FAILED";
        return;
      }
      order.status = "SUCCEEDED";
      if (accNo.endsWith("9999")) {
        this.later(this.payoutReturnDelayMs, () => {
          order.status = "RETURNED";
        });
      }
    });
    return this.answer(form, "00", SUCCESS_MSG, { queryId: order.queryId, txnAmt: amount.toString() });
  }

  private sendSms(form: Form): SimResponse {
    const merId = form.get("merId") ?? "";
    const orderId = form.get("orderId") ?? "";
    const accNo = decryptSensitive(form.get("accNo") ?? "", this.privateKey);
    const info = decodeCustomerInfo(form.get("customerInfo"));
    const secret = readBraced(decryptSensitive(info.get("encryptedInfo") ?? "", this.privateKey));
    const phone = secret.get("phoneNo") ?? "";
    if (!ORDER_ID.test(orderId) || accNo === undefined || !/^\d{8,30}$/.test(accNo) || !/^1\d{10}$/.test(phone)) {
      return this.answer(form, "10", "报文格式错误: orderId, accNo or phoneNo");
    }
    const key = `${merId}|${orderId}`;
    if (this.contracts.get(key)?.status === "SIGNED") return this.answer(form, "12", "重复交易: 已开通");
    this.contracts.set(key, { merId, accNo, phone, name: info.get("customerNm") ?? "", status: "PENDING" });
    return this.answer(form, "00", SUCCESS_MSG, { accNo: mask(accNo) });
  }

  private openContract(form: Form): SimResponse {
    const contract = this.contracts.get(`${form.get("merId") ?? ""}|${form.get("orderId") ?? ""}`);
    if (!contract) return this.answer(form, "34", "查无此交易: 请先发送短信");
    if (decodeCustomerInfo(form.get("customerInfo")).get("smsCode") !== SIM_SMS_CODE) return this.answer(form, "71", "短信验证码错误");
    if (contract.status === "PENDING") {
      contract.status = "SIGNED";
      contract.token = this.state.nextId("62");
      this.tokens.set(contract.token, contract);
    }
    const trId = readBraced(form.get("tokenPayData")).get("trId") ?? "";
    return this.answer(form, "00", SUCCESS_MSG, { accNo: mask(contract.accNo), tokenPayData: `{token=${contract.token ?? ""}&trId=${trId}&tokenLevel=40}` });
  }

  private query(form: Form): SimResponse {
    const order = this.orders.get(`${form.get("merId") ?? ""}|${form.get("orderId") ?? ""}`);
    if (!order) return this.answer(form, "34", "查无此交易");
    const found = (origRespCode: string, origRespMsg: string, queryId: string, amount: bigint, trace: Trace, at: Date | undefined) =>
      this.answer(form, "00", SUCCESS_MSG, {
        origRespCode,
        origRespMsg,
        queryId,
        txnAmt: amount.toString(),
        traceNo: trace.traceNo,
        traceTime: at ? traceTime(at) : undefined,
        settleDate: at ? businessDate(at).slice(5).replace("-", "") : undefined,
      });
    switch (order.kind) {
      case "consume": {
        const { trade } = order;
        if (trade.status === "USERPAYING") {
          if (trade.pollsLeft > 0) {
            trade.pollsLeft -= 1;
            return found("05", "交易已受理，请稍后查询交易结果", trade.channelTradeNo, trade.amountMinor, order, undefined);
          }
          this.markPaid(order, "success");
        }
        if (trade.status === "PAYERROR") return found("64", "卡上的余额不足", trade.channelTradeNo, trade.amountMinor, order, undefined);
        // A void is its own order: the consume it voided still reads as succeeded, if it ever did.
        if (trade.paidAt === undefined) return found("01", "交易失败", trade.channelTradeNo, trade.amountMinor, order, undefined);
        return found("00", SUCCESS_MSG, trade.channelTradeNo, trade.amountMinor, order, trade.paidAt);
      }
      case "refund": {
        const { refund } = order;
        if (refund.status === "PROCESSING") return found("05", "交易已受理，请稍后查询交易结果", refund.channelRefundNo, refund.amountMinor, order, undefined);
        if (refund.status === "FAILED") return found("01", "交易失败", refund.channelRefundNo, refund.amountMinor, order, undefined);
        return found("00", SUCCESS_MSG, refund.channelRefundNo, refund.amountMinor, order, refund.succeededAt);
      }
      case "void":
        return found("00", SUCCESS_MSG, order.queryId, order.amountMinor, order, order.at);
      case "payout":
        switch (order.status) {
          case "PROCESSING":
            return found("05", "交易已受理，请稍后查询交易结果", order.queryId, order.amountMinor, order, undefined);
          case "FAILED":
            return found("61", "收款账号无效", order.queryId, order.amountMinor, order, order.resolvedAt);
          case "RETURNED":
            return found("RT", "退汇", order.queryId, order.amountMinor, order, order.resolvedAt);
          default:
            return found("00", SUCCESS_MSG, order.queryId, order.amountMinor, order, order.resolvedAt);
        }
    }
  }

  private fileTransfer(form: Form, merchant: Merchant): SimResponse {
    const settleDate = form.get("settleDate") ?? "";
    if (!/^(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/.test(settleDate) || form.get("fileType") !== "00") return this.answer(form, "10", "报文格式错误: settleDate MMDD, fileType 00");
    // settleDate has no year: the latest such day that is not after today.
    const today = businessDate(this.now());
    let billDate = `${today.slice(0, 4)}-${settleDate.slice(0, 2)}-${settleDate.slice(2)}`;
    if (billDate > today) billDate = `${Number(today.slice(0, 4)) - 1}-${billDate.slice(5)}`;
    const yymmdd = billDate.replaceAll("-", "").slice(2);
    const zm = writeZmFile(this.zmEntries(merchant, billDate).map((e) => writeZmLine(this.render(e))));
    const zip = writeZip(
      [
        { name: `INN${yymmdd}88ZM_${merchant.merId}`, bytes: zm },
        { name: `INN${yymmdd}88ZME_${merchant.merId}`, bytes: Buffer.alloc(0) },
      ],
      this.now(),
    );
    return this.answer(form, "00", SUCCESS_MSG, {
      settleDate,
      fileType: "00",
      fileName: `${merchant.merId}_${billDate.replaceAll("-", "")}.zip`,
      fileContent: deflateSync(zip).toString("base64"),
    });
  }

  /** The day's lines as processed, then the injected differences. */
  private zmEntries(merchant: Merchant, billDate: string): ZmEntry[] {
    const lateFromYesterday = new Set(
      this.state
        .statementDiffs(addDays(billDate, -1))
        .filter((d) => d.kind === "late" && d.outTradeNo !== undefined)
        .map((d) => d.outTradeNo as string),
    );
    let entries = [
      ...this.processedEntries(merchant, billDate),
      ...this.processedEntries(merchant, addDays(billDate, -1)).filter((e) => lateFromYesterday.has(e.orderId)),
    ];
    for (const diff of this.state.statementDiffs(billDate)) {
      const delta = BigInt(diff.deltaMinor ?? 0);
      const target = (e: ZmEntry) => e.orderId === diff.outTradeNo;
      switch (diff.kind) {
        case "drop":
        case "late":
          entries = entries.filter((e) => !target(e));
          break;
        case "amount":
          for (const e of entries.filter(target)) e.amount = e.amount + delta < 0n ? 0n : e.amount + delta;
          break;
        case "fee":
          for (const e of entries.filter(target)) e.fee += delta;
          break;
        case "coupon":
          for (const e of entries.filter(target)) e.coupon = delta;
          break;
        case "status":
          for (const e of entries.filter(target)) {
            const status = diff.status ?? "31";
            const txnType = /^\d{2}$/.test(status) ? status : status === "REFUND" || status === "REFUNDED" ? "04" : "31";
            e.txnType = txnType;
            e.txnCode = txnType === "04" ? "S30" : txnType === "31" ? "S31" : txnType === "01" ? "S22" : e.txnCode;
          }
          break;
        case "extra": {
          const amount = BigInt(diff.amountMinor ?? 100);
          const [y, mo, d] = billDate.split("-").map(Number) as [number, number, number];
          const orderId = this.state.nextId("EX");
          entries.push({
            orderId,
            at: new Date(Date.UTC(y, mo - 1, d, 4, 0, 0)), // 12:00 Beijing
            txnCode: "S22",
            txnType: "01",
            txnSubType: "01",
            amount,
            fee: feeAt(amount, merchant.feeRatePpm),
            feeSign: "D",
            settleSign: "C",
            coupon: 0n,
            values: {
              traceNo: this.nextTrace(),
              payCardNo: "6222********0000",
              queryId: this.state.nextId("51"),
              merId: diff.subMerchant ?? merchant.merId,
              subMerAbbr: merchant.abbr,
            },
          });
          break;
        }
      }
    }
    return entries.sort((a, b) => a.at.getTime() - b.at.getTime());
  }

  private processedEntries(merchant: Merchant, billDate: string): ZmEntry[] {
    const entries: ZmEntry[] = [];
    const common = { merId: merchant.merId, subMerAbbr: merchant.abbr };
    for (const order of this.orders.values()) {
      if (order.kind === "payout" || order.trade.merchant !== merchant.merId) continue;
      const { trade } = order;
      const consume = this.consumesByQueryId.get(trade.channelTradeNo);
      const accMasked = consume?.accMasked ?? "";
      if (order.kind === "consume" && trade.paidAt !== undefined && businessDate(trade.paidAt) === billDate) {
        entries.push({
          orderId: trade.outTradeNo,
          at: trade.paidAt,
          txnCode: "S22",
          txnType: "01",
          txnSubType: "01",
          amount: trade.amountMinor,
          fee: trade.feeMinor,
          feeSign: "D",
          settleSign: "C",
          coupon: 0n,
          values: { ...common, traceNo: order.traceNo, payCardNo: accMasked, queryId: trade.channelTradeNo, merReserved: trade.description },
        });
      }
      if (order.kind === "refund" && order.refund.status === "SUCCEEDED" && order.refund.succeededAt !== undefined && businessDate(order.refund.succeededAt) === billDate) {
        entries.push({
          orderId: order.refund.outRefundNo,
          at: order.refund.succeededAt,
          txnCode: "S30",
          txnType: "04",
          txnSubType: "00",
          amount: order.refund.amountMinor,
          fee: 0n, // the bank keeps its fee on a refund
          feeSign: "D",
          settleSign: "D",
          coupon: 0n,
          values: {
            ...common,
            traceNo: order.traceNo,
            payCardNo: accMasked,
            queryId: order.refund.channelRefundNo,
            origTraceNo: consume?.traceNo,
            origTxnTime: trade.paidAt ? traceTime(trade.paidAt) : undefined,
            origQryId: trade.channelTradeNo,
            origOrderId: trade.outTradeNo,
          },
        });
      }
      if (order.kind === "void" && businessDate(order.at) === billDate) {
        entries.push({
          orderId: order.orderId,
          at: order.at,
          txnCode: "S31",
          txnType: "31",
          txnSubType: "00",
          amount: order.amountMinor,
          fee: trade.paidAt ? trade.feeMinor : 0n, // a void gives the fee back
          feeSign: "C",
          settleSign: "D",
          coupon: 0n,
          values: {
            ...common,
            traceNo: order.traceNo,
            payCardNo: accMasked,
            queryId: order.queryId,
            origTraceNo: consume?.traceNo,
            origTxnTime: trade.paidAt ? traceTime(trade.paidAt) : undefined,
            origQryId: trade.channelTradeNo,
            origOrderId: trade.outTradeNo,
          },
        });
      }
    }
    return entries;
  }

  private render(e: ZmEntry): ZmValues {
    // The fee is billed monthly, so settlement is the amount less any coupon, not less the fee.
    const settle = e.settleSign === "C" ? e.amount - e.coupon : e.amount;
    return {
      acqInsCode: "00010000",
      sendInsCode: "00010000",
      merCatCode: "5331",
      termType: "07",
      payCardType: "01",
      payType: "0001",
      bizType: "000902",
      accType: "01",
      ...e.values,
      txnCode: e.txnCode,
      txnTime: traceTime(e.at),
      txnAmt: fen12(e.amount),
      orderId: e.orderId,
      merFee: signed13(e.feeSign, e.fee),
      settleAmt: signed13(e.settleSign, settle),
      txnType: e.txnType,
      txnSubType: e.txnSubType,
      discountAmt: e.coupon === 0n ? "" : signed13("C", e.coupon),
    };
  }
}

export async function startBankSimulator(options: BankSimulatorOptions = {}): Promise<RunningBankSimulator> {
  const simulator = new BankSimulator(options.notifyDelayMs ?? 500, options.payoutReturnDelayMs ?? 2_000, options.now ?? (() => new Date()));
  const running = await startSimulatorServer(simulator.state, (req) => simulator.handle(req), { port: options.port });
  return {
    url: running.url,
    state: simulator.state,
    close: async () => {
      simulator.shutdown();
      await running.close();
    },
  };
}
