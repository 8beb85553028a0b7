import type { Translate } from "@/i18n/translate";

// The codes the exception page shows on both sides, in the reader's language: what a statement
// line is, the channel's status word on it, and the state of our payment or refund. A word the
// catalogue does not know (a template's own column, Alipay's 交易, UnionPay's S22) shows as printed.

const LINE_KINDS = ["PAYMENT", "REFUND", "REVOKED", "CREDIT", "PAYOUT_RESULT", "PROFIT_SHARE", "SETTLEMENT"] as const;
const CHANNEL_STATUSES = ["SUCCESS", "REFUND", "REVOKED", "PROCESSING", "CHANGE", "REFUNDCLOSE", "CLOSED", "CREDIT", "SUCCEEDED", "FAILED", "RETURNED", "PROFIT_SHARE", "SETTLED"] as const;
const PAYMENT_STATUSES = ["PROCESSING", "SUCCEEDED", "FAILED", "CLOSED"] as const;
const REFUND_STATUSES = ["PROCESSING", "SUCCEEDED", "FAILED", "CLOSED", "ABNORMAL"] as const;

const known = <T extends string>(list: readonly T[], value: string): value is T => (list as readonly string[]).includes(value);

export function lineKindLabel(t: Translate, kind: string): string {
  return known(LINE_KINDS, kind) ? t(`exceptionQueue.lineKind_${kind}`) : kind;
}

/** The label, or null when the word is not one we know (show it as printed). */
export function channelStatusLabel(t: Translate, status: string): string | null {
  return known(CHANNEL_STATUSES, status) ? t(`exceptionQueue.channelStatus_${status}`) : null;
}

export function paymentStatusLabel(t: Translate, status: string): string {
  return known(PAYMENT_STATUSES, status) ? t(`payments.status_${status}`) : status;
}

export function refundStatusLabel(t: Translate, status: string): string {
  return known(REFUND_STATUSES, status) ? t(`payments.refundStatus_${status}`) : status;
}
