import type { BadgeTone } from "@/components/ui/badge";
import { formErrors, type FormErrors } from "@/components/ui/form-errors";
import { errorMessage } from "@/components/ui/states";
import type { MessageKey } from "@/i18n/catalogue";
import type { Translate } from "@/i18n/translate";
import { WEBHOOK_STATUS_LIST, WEBHOOK_TYPE_LIST, type WebhookEventStatus, type WebhookEventType } from "./types";

// Webhook states, event types and error codes in the reader's language (i18n/messages/webhooks.ts).

export const STATUS_TONE: Record<WebhookEventStatus, BadgeTone> = { PENDING: "warning", DELIVERED: "success", FAILED: "danger", NO_ENDPOINT: "neutral" };

export function isWebhookStatus(v: unknown): v is WebhookEventStatus {
  return typeof v === "string" && (WEBHOOK_STATUS_LIST as readonly string[]).includes(v);
}

export function isWebhookType(v: unknown): v is WebhookEventType {
  return typeof v === "string" && (WEBHOOK_TYPE_LIST as readonly string[]).includes(v);
}

/** An event type ("payment.succeeded"); one the catalogue does not know yet shows as its code. */
export function typeLabel(t: Translate, type: string): string {
  return isWebhookType(type) ? t(`webhooks.type_${type.replace(".", "_")}` as MessageKey) : type;
}

export function objectTypeLabel(t: Translate, objectType: string): string {
  return objectType === "payment" || objectType === "refund" || objectType === "withdrawal" ? t(`webhooks.objectType_${objectType}`) : objectType;
}

export function triggerLabel(t: Translate, trigger: string): string {
  return trigger === "MANUAL" ? t("webhooks.trigger_MANUAL") : t("webhooks.trigger_SCHEDULE");
}

// Domain codes of the webhook and API-key services that the shared catalogue (errors.*) does not
// have, or words differently for this page; looked up in ours first.
const ERROR_CODES = [
  "WEBHOOK_URL_INVALID",
  "WEBHOOK_TARGET_REFUSED",
  "WEBHOOK_ENDPOINT_EXISTS",
  "WEBHOOK_NO_ENDPOINT",
  "MERCHANT_ARCHIVED",
  "MERCHANT_NOT_ACTIVE",
  "API_KEY_LIMIT",
] as const;
type ErrorCode = (typeof ERROR_CODES)[number];

interface ErrorData {
  domainCode?: unknown;
  field?: unknown;
  params?: Record<string, string | number> | null;
}

const isErrorCode = (code: unknown): code is ErrorCode => typeof code === "string" && (ERROR_CODES as readonly string[]).includes(code);

/** Field and general errors of a webhook or API-key call, in the reader's language. */
export function webhookFormErrors(t: Translate, error: unknown): FormErrors {
  const base = formErrors(error);
  const data = (error as { data?: ErrorData | null } | null)?.data ?? null;
  if (!isErrorCode(data?.domainCode)) return base;
  const text = t(`webhooks.error_${data.domainCode}`, data.params ?? undefined);
  if (typeof data.field === "string" && data.field) return { fields: { ...base.fields, [data.field]: text }, general: null };
  return { fields: base.fields, general: text };
}

/** One line for a toast. */
export function webhookErrorText(t: Translate, error: unknown): string {
  const e = webhookFormErrors(t, error);
  return e.general ?? Object.values(e.fields)[0] ?? errorMessage(error) ?? t("ui.unknownError");
}
