// The one capability interface every channel connector implements, and the attributes each
// declares. Amounts are integer minor units (fen) everywhere on this side of a connector: each
// connector converts the channel's unit (WeChat fen, Alipay yuan strings, UnionPay padded fen,
// bill yuan) at its boundary. Connectors are stateless: everything they need comes in the
// context, and every call returns the raw exchange so the payment can record it.

export const CHANNEL_TYPES = ["WECHAT", "ALIPAY", "BANK", "SANDBOX"] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

export const PRODUCT_CODES = [
  "WECHAT_FACE",
  "ALIPAY_FACE",
  "WECHAT_CODE",
  "ALIPAY_CODE",
  "WECHAT_QR",
  "ALIPAY_QR",
  "WALLET",
  "BANK_QUICK",
] as const;
export type ProductCode = (typeof PRODUCT_CODES)[number];

/** What the payer or device must supply for a product. */
export const PAYMENT_ELEMENTS = [
  "FACE_CODE", // WeChat face_code / Alipay ftoken from the device SDK
  "AUTH_CODE", // 18-digit payment code scanned from the payer's phone
  "DEVICE", // a registered device id (face products)
  "PAYER_IP",
  "CONTRACT", // a signed bank quick-pay contract
  "WALLET", // a customer wallet id
] as const;
export type PaymentElement = (typeof PAYMENT_ELEMENTS)[number];

/** Face and payment-code products: money may have moved before we know; never fall back. */
export const NO_FALLBACK_PRODUCTS: ReadonlySet<ProductCode> = new Set(["WECHAT_FACE", "ALIPAY_FACE", "WECHAT_CODE", "ALIPAY_CODE"]);

export type FeeCollection = "AT_SOURCE" | "MONTHLY";
export type ResultDelivery = "NOTIFY" | "QUERY" | "BOTH";

export interface ChannelAttributes {
  readonly channelType: ChannelType;
  readonly products: readonly ProductCode[];
  readonly elements: Readonly<Partial<Record<ProductCode, readonly PaymentElement[]>>>;
  /** Per-transaction limits the channel itself enforces, minor units. */
  readonly minAmountMinor: bigint;
  readonly maxAmountMinor: bigint;
  /** How the channel charges: a rate in parts per million plus a fixed part, per transaction. */
  readonly feeModel: { readonly kind: "RATE"; readonly description: string };
  readonly feeCollection: FeeCollection;
  readonly refundReturnsFee: boolean;
  /** Where the channel pays net settlement: the provider's bank account or the merchant's. */
  readonly settlementAccount: "PROVIDER_BANK" | "MERCHANT_BANK";
  readonly resultDelivery: Readonly<Partial<Record<ProductCode, ResultDelivery>>>;
  /** The channel's business-date cut-off, local time "HH:MM" in Asia/Shanghai ("00:00" = midnight). */
  readonly cutoffTime: string;
  readonly supportsPayout: boolean;
  readonly supportsContract: boolean;
  readonly supportsFaceAuthInfo: boolean;
  /** Bill types the statement download understands, e.g. ["ALL", "SUCCESS", "REFUND"]. */
  readonly billTypes: readonly string[];
}

/** A channel account's configuration as a connector sees it: one version, secrets opened. */
export interface ChannelAccountConfig {
  readonly channelAccountId: string;
  readonly version: number;
  readonly channelType: ChannelType;
  /** Non-secret parameters (mchid, appid, gateway base URL, certificate serial numbers...). */
  readonly params: Readonly<Record<string, string>>;
  /** Secrets opened from the envelope (private keys, API v3 key, v2 key...). Never logged. */
  readonly credentials: Readonly<Record<string, string>>;
}

/** The merchant's registration at this channel account (the only identity a payment may carry). */
export interface RegistrationIdentity {
  readonly registrationId: string;
  readonly subMchId?: string;
  readonly subAppId?: string;
  readonly smid?: string;
  readonly appAuthToken?: string;
  readonly shopId?: string;
  readonly acquirerMerchantNo?: string;
  readonly terminalNo?: string;
}

export interface ConnectorContext {
  readonly account: ChannelAccountConfig;
  readonly registration?: RegistrationIdentity;
  /** Injected for tests; defaults to global fetch. */
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  /** Milliseconds before a call counts as a timeout with an unknown result. */
  readonly timeoutMs?: number;
}

/** One request/response pair with the channel, secrets removed, for the payment's record. */
export interface ChannelExchange {
  readonly operation: string;
  readonly method: string;
  readonly url: string;
  readonly requestBody?: string;
  readonly status?: number;
  readonly responseBody?: string;
  readonly durationMs: number;
}

export interface ChannelFailure {
  /** The channel's own code (e.g. WeChat err_code, Alipay sub_code). */
  readonly code: string;
  readonly message: string;
}

/**
 * The merchant's terminal as it describes it (the merchant API's `terminalInfo`), bounded by the
 * payment schema. Connectors send what their protocol has a place for: WeChat `device_info` /
 * `scene_info.device_id` and micropay's `spbill_create_ip`, Alipay `terminal_id`; the rest is kept
 * with the payment only.
 */
export interface TerminalInfo {
  /** The merchant's own terminal number (≤ 32 of A–Z a–z 0–9 _ -). */
  readonly terminalId?: string;
  readonly deviceModel?: string;
  /** The terminal's IPv4 or IPv6 address. */
  readonly ip?: string;
  /** "latitude,longitude" in decimal degrees. */
  readonly location?: string;
}

export interface PayRequest {
  readonly outTradeNo: string;
  readonly amountMinor: bigint;
  readonly currency: "CNY";
  readonly product: ProductCode;
  readonly description: string;
  /** face_code / ftoken / 18-digit payment code, as the product requires. */
  readonly authCode?: string;
  readonly deviceId?: string;
  readonly storeId?: string;
  readonly payerIp?: string;
  readonly terminalInfo?: TerminalInfo;
  readonly contractId?: string;
  readonly notifyUrl?: string;
  readonly expiresAt?: Date;
}

/**
 * SUCCEEDED and FAILED are definite. PROCESSING covers "user paying" and every unknown result
 * (timeout, network error, 5xx): the payment stays PROCESSING and is queried, never retried
 * elsewhere. `noMoneyMoved` is true only when the channel proves the payment did not happen
 * (a definite decline before any charge), which is the only case routing may fall back.
 */
export interface PayResult {
  readonly status: "SUCCEEDED" | "PROCESSING" | "FAILED";
  readonly channelTradeNo?: string;
  readonly amountMinor?: bigint;
  readonly paidAt?: Date;
  readonly payerId?: string;
  readonly failure?: ChannelFailure;
  readonly noMoneyMoved: boolean;
  /** For QR products: the code URL to show the payer. */
  readonly codeUrl?: string;
  readonly exchanges: readonly ChannelExchange[];
}

export type ChannelTradeStatus = "SUCCEEDED" | "PROCESSING" | "FAILED" | "CLOSED" | "REVERSED" | "REFUNDED" | "NOT_FOUND";

export interface QueryResult {
  readonly status: ChannelTradeStatus;
  readonly channelTradeNo?: string;
  readonly amountMinor?: bigint;
  readonly paidAt?: Date;
  /** The payer as the channel names them, once it knows (a face or code payment that was "user paying" at first). */
  readonly payerId?: string;
  readonly failure?: ChannelFailure;
  readonly exchanges: readonly ChannelExchange[];
}

export interface CloseResult {
  /** CLOSED/REVERSED are confirmed by the channel; RETRY means call again (WeChat `recall=Y`). */
  readonly status: "CLOSED" | "REVERSED" | "RETRY" | "FAILED";
  /** The trade had already succeeded and the reverse refunded it (Alipay `action=refund`). */
  readonly refunded?: boolean;
  readonly failure?: ChannelFailure;
  readonly exchanges: readonly ChannelExchange[];
}

export interface RefundRequest {
  readonly outTradeNo: string;
  readonly channelTradeNo?: string;
  readonly outRefundNo: string;
  readonly refundMinor: bigint;
  readonly totalMinor: bigint;
  readonly reason?: string;
  readonly notifyUrl?: string;
}

export type RefundStatus = "PROCESSING" | "SUCCEEDED" | "FAILED" | "CLOSED" | "ABNORMAL" | "NOT_FOUND";

export interface RefundResult {
  readonly status: RefundStatus;
  readonly channelRefundNo?: string;
  readonly refundedAt?: Date;
  readonly failure?: ChannelFailure;
  readonly exchanges: readonly ChannelExchange[];
}

export interface IncomingNotification {
  readonly headers: Readonly<Record<string, string>>;
  /** The raw body exactly as received: signatures cover bytes, not parsed JSON. */
  readonly body: string;
  readonly receivedAt: Date;
}

export interface ParsedNotification {
  readonly kind: "PAYMENT" | "REFUND";
  /** The channel's id for this notification (WeChat `id`, Alipay `notify_id`): dedup key. */
  readonly eventId: string;
  readonly outTradeNo: string;
  readonly outRefundNo?: string;
  readonly channelTradeNo?: string;
  readonly channelRefundNo?: string;
  readonly status: ChannelTradeStatus | RefundStatus;
  readonly amountMinor?: bigint;
  readonly occurredAt?: Date;
  /** PAYMENT: the payer as the channel names them, when the notification says. */
  readonly payerId?: string;
  /** The sub-merchant it names (sub_mchid / smid / acquirer merchant no.), checked against the registration. */
  readonly subMerchant?: string;
}

/** What to answer the channel with once the notification has been processed (or refused). */
export interface NotificationAck {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export interface StatementRequest {
  /** YYYY-MM-DD, the channel's bill date. */
  readonly billDate: string;
  readonly billType: string;
}

export interface StatementFile {
  readonly fileName: string;
  readonly bytes: Buffer;
  readonly contentType: string;
  readonly exchanges: readonly ChannelExchange[];
}

export interface FaceAuthInfoRequest {
  readonly rawdata: string;
  readonly deviceId: string;
  readonly storeId: string;
  readonly storeName: string;
}

export interface FaceAuthInfoResult {
  readonly authinfo: string;
  readonly expiresAt: Date;
  readonly exchanges: readonly ChannelExchange[];
}

export interface ContractRequest {
  readonly contractRef: string;
  readonly accountNumber: string;
  readonly accountName: string;
  readonly idNumber: string;
  readonly phone: string;
}

export interface ContractResult {
  readonly status: "PENDING_SMS" | "SIGNED" | "FAILED";
  readonly contractId?: string;
  readonly failure?: ChannelFailure;
  readonly exchanges: readonly ChannelExchange[];
}

export interface PayoutRequest {
  readonly outPayoutNo: string;
  readonly amountMinor: bigint;
  readonly accountNumber: string;
  readonly accountName: string;
  readonly bankName: string;
  readonly memo?: string;
}

export interface PayoutResult {
  readonly status: "PROCESSING" | "SUCCEEDED" | "FAILED" | "RETURNED" | "NOT_FOUND";
  readonly channelPayoutNo?: string;
  readonly failure?: ChannelFailure;
  readonly exchanges: readonly ChannelExchange[];
}

export interface Connector {
  readonly attributes: ChannelAttributes;
  pay(ctx: ConnectorContext, req: PayRequest): Promise<PayResult>;
  query(ctx: ConnectorContext, req: { outTradeNo: string }): Promise<QueryResult>;
  /** Close an unpaid order or reverse (撤销) a face/code payment, as the channel requires. */
  closeOrReverse(ctx: ConnectorContext, req: { outTradeNo: string; product: ProductCode }): Promise<CloseResult>;
  refund(ctx: ConnectorContext, req: RefundRequest): Promise<RefundResult>;
  queryRefund(ctx: ConnectorContext, req: { outTradeNo: string; outRefundNo: string }): Promise<RefundResult>;
  /**
   * Verify (signature, timestamp window, decryption) and parse. Throws ChannelError with code
   * SIGNATURE_INVALID, DECRYPT_FAILED, NOTIFICATION_EXPIRED or MALFORMED; never returns a
   * notification it could not prove came from the channel.
   */
  parseNotification(ctx: ConnectorContext, incoming: IncomingNotification): Promise<ParsedNotification>;
  /** The answer the channel expects: `accepted` false makes it retry later. */
  notificationAck(accepted: boolean): NotificationAck;
  downloadStatement(ctx: ConnectorContext, req: StatementRequest): Promise<StatementFile>;
  faceAuthInfo?(ctx: ConnectorContext, req: FaceAuthInfoRequest): Promise<FaceAuthInfoResult>;
  signContract?(ctx: ConnectorContext, req: ContractRequest): Promise<ContractResult>;
  confirmContract?(ctx: ConnectorContext, req: { contractRef: string; smsCode: string }): Promise<ContractResult>;
  payout?(ctx: ConnectorContext, req: PayoutRequest): Promise<PayoutResult>;
  queryPayout?(ctx: ConnectorContext, req: { outPayoutNo: string }): Promise<PayoutResult>;
}

export type ChannelErrorCode =
  | "SIGNATURE_INVALID"
  | "DECRYPT_FAILED"
  | "NOTIFICATION_EXPIRED"
  | "MALFORMED"
  | "CONFIG_INVALID"
  | "NOT_SUPPORTED"
  | "CHANNEL_REJECTED";

/** A connector's refusal of something it was given (bad signature, bad config, bad file). */
export class ChannelError extends Error {
  constructor(
    readonly code: ChannelErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ChannelError";
  }
}

/**
 * A connector's refusal before anything reached the channel (a malformed request, a bad
 * configuration, an operation it does not support): a definite failure, no money moved. Anything
 * else a connector throws leaves the outcome unknown.
 */
export function refusedBeforeSending(error: unknown): error is ChannelError {
  return error instanceof ChannelError && (error.code === "MALFORMED" || error.code === "CONFIG_INVALID" || error.code === "NOT_SUPPORTED");
}
