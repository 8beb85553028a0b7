import type { BadgeTone } from "@/components/ui/badge";
import type { MessageKey } from "@/i18n/catalogue";
import type { Translate } from "@/i18n/translate";
import { PAYMENT_STATUS_LIST, type PaymentStatus } from "./types";

// Payment states and transition causes in the reader's language (i18n/messages/payments.ts).

export const STATUS_TONE: Record<PaymentStatus, BadgeTone> = { PROCESSING: "warning", SUCCEEDED: "success", FAILED: "danger", CLOSED: "neutral" };

export function isPaymentStatus(v: unknown): v is PaymentStatus {
  return typeof v === "string" && (PAYMENT_STATUS_LIST as readonly string[]).includes(v);
}

export function statusLabel(t: Translate, status: PaymentStatus): string {
  return t(`payments.status_${status}`);
}

const CAUSES = ["CREATED", "CHANNEL_RESPONSE", "QUERY", "NOTIFICATION", "CLOSE", "REVERSE", "LATE_SUCCESS", "CORRECTED_BY_RECON", "RESOLVED", "FALLBACK", "STATEMENT"] as const;

/** A transition's cause; one the catalogue does not know (a later slice's) shows as its code. */
export function causeLabel(t: Translate, cause: string): string {
  return (CAUSES as readonly string[]).includes(cause) ? t(`payments.cause_${cause as (typeof CAUSES)[number]}` as MessageKey) : cause;
}

/** A JSON body pretty-printed for reading; anything else (XML, form data) as it came. */
export function prettyBody(body: string): string {
  const trimmed = body.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return body;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return body;
  }
}
