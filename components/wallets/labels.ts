import type { BadgeTone } from "@/components/ui/badge";
import type { Translate } from "@/i18n/translate";
import { BATCH_STATUS_LIST, PAYOUT_STATUS_LIST, type BatchStatus, type PayoutStatus, type WalletStatus } from "./types";

export const PAYOUT_STATUS_TONE: Record<PayoutStatus, BadgeTone> = {
  HELD: "neutral",
  BATCHED: "info",
  IN_TRANSIT: "warning",
  SUCCEEDED: "success",
  FAILED: "danger",
  RETURNED: "danger",
  CANCELLED: "neutral",
};

export const BATCH_STATUS_TONE: Record<BatchStatus, BadgeTone> = {
  OPEN: "neutral",
  PROPOSED: "warning",
  RELEASED: "info",
  COMPLETED: "success",
  REJECTED: "danger",
};

export const WALLET_STATUS_TONE: Record<WalletStatus, BadgeTone> = { ACTIVE: "success", FROZEN: "warning", CLOSED: "neutral" };

export const payoutStatusLabel = (t: Translate, s: PayoutStatus) => t(`wallets.payoutStatus_${s}`);
export const batchStatusLabel = (t: Translate, s: BatchStatus) => t(`wallets.batchStatus_${s}`);
export const walletStatusLabel = (t: Translate, s: WalletStatus) => t(`wallets.walletStatus_${s}`);

export function isPayoutStatus(v: unknown): v is PayoutStatus {
  return typeof v === "string" && (PAYOUT_STATUS_LIST as readonly string[]).includes(v);
}

export function isBatchStatus(v: unknown): v is BatchStatus {
  return typeof v === "string" && (BATCH_STATUS_LIST as readonly string[]).includes(v);
}

const CAUSES = ["REQUESTED", "GATHERED", "BATCH_RELEASED", "BATCH_REJECTED", "SENT", "QUERY", "CANCELLED", "MANUAL_RETURN"] as const;

/** A transition's cause in words; an unknown one (a later module's) shows as recorded. */
export function causeLabel(t: Translate, cause: string): string {
  return (CAUSES as readonly string[]).includes(cause) ? t(`wallets.cause_${cause as (typeof CAUSES)[number]}`) : cause;
}

const ERROR_CODES = [
  "NOT_AVAILABLE_IN_DIRECT_MODE",
  "ILLEGAL_TRANSITION",
  "PAYOUT_IN_PROPOSED_BATCH",
  "PAYOUT_NOT_SUCCEEDED",
  "NO_PAYOUTS_TO_GATHER",
  "NO_PAYOUT_CHANNEL",
  "CHANNEL_CANNOT_PAY_OUT",
  "BATCH_EMPTY",
  "BATCH_ILLEGAL_TRANSITION",
  "BATCH_NOT_FILE",
  "BATCH_NOT_RELEASED",
  "BATCH_NOT_SEND",
  "BATCH_CHANGED",
  "SELF_APPROVAL",
] as const;

function isErrorCode(code: unknown): code is (typeof ERROR_CODES)[number] {
  return typeof code === "string" && (ERROR_CODES as readonly string[]).includes(code);
}

/** A failed call's message in the reader's language: our codes from our catalogue, else the server's words. */
export function walletErrorMessage(t: Translate, error: unknown): string | null {
  if (!error) return null;
  const code = (error as { data?: { domainCode?: unknown } | null }).data?.domainCode;
  if (isErrorCode(code)) return t(`wallets.error_${code}`);
  return error instanceof Error ? error.message : String(error);
}
