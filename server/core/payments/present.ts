import type { PaymentView } from "./service";

// What a merchant sees of a payment (the merchant API and webhooks): never the provider's channel
// cost or margin.

export interface ApiPayment {
  readonly id: string;
  readonly merchantOrderNo: string;
  readonly orderType: string;
  readonly status: PaymentView["status"];
  readonly amountMinor: bigint;
  readonly refundedMinor: bigint;
  readonly currency: string;
  readonly product: string;
  readonly subject: string;
  readonly storeId?: string;
  readonly deviceId?: string;
  readonly walletId?: string;
  /** QR products: the code to show the payer, until `expiresAt`. */
  readonly codeUrl?: string;
  readonly expiresAt?: Date;
  readonly channel: { readonly type: string; readonly accountId: string };
  readonly channelTradeNo?: string;
  readonly feeMinor: bigint;
  readonly createdAt: Date;
  readonly paidAt?: Date;
  readonly lateSuccess?: true;
  readonly failure?: { readonly code: string; readonly message: string | null };
}

export function presentPayment(p: PaymentView, channelType: string): ApiPayment {
  const final = p.status === "FAILED" || p.status === "CLOSED";
  return {
    id: p.id,
    merchantOrderNo: p.merchantOrderNo,
    orderType: p.orderType,
    status: p.status,
    amountMinor: p.amountMinor,
    refundedMinor: p.refundedMinor,
    currency: p.currency,
    product: p.product,
    subject: p.subject,
    ...(p.storeId ? { storeId: p.storeId } : {}),
    ...(p.deviceId ? { deviceId: p.deviceId } : {}),
    ...(p.walletId ? { walletId: p.walletId } : {}),
    ...(p.codeUrl && p.status === "PROCESSING" ? { codeUrl: p.codeUrl } : {}),
    ...(p.expiresAt ? { expiresAt: p.expiresAt } : {}),
    channel: { type: channelType, accountId: p.channelAccountId },
    ...(p.channelTradeNo ? { channelTradeNo: p.channelTradeNo } : {}),
    feeMinor: p.feeMinor,
    createdAt: p.createdAt,
    ...(p.paidAt ? { paidAt: p.paidAt } : {}),
    ...(p.lateSuccess ? { lateSuccess: true as const } : {}),
    ...(final ? { failure: { code: p.failureCode ?? p.status, message: p.failureMessage } } : {}),
  };
}
