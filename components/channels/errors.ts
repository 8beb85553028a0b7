import { catalogue, type MessageKey } from "@/i18n/catalogue";
import type { Translate } from "@/i18n/translate";
import { formErrors, type FormErrors } from "@/components/ui/form-errors";
import { errorMessage } from "@/components/ui/states";

// Server errors of the channel, registration and pricing procedures, per field and in the
// reader's language. Two gaps of the shared mapping are filled here: the channel schemas' own
// validation keys (validation.maxBelowMin …) and the channel domain codes are not in the shared
// catalogues (i18n/messages/errors.ts), so they are looked up in ours; and settings arrive nested
// ("settings.maxAmountMinor", "params.mchid") while the forms key fields by their own name.

const ERROR_CODES = [
  "CHANNEL_FIELD_UNKNOWN",
  "CHANNEL_FIELD_REQUIRED",
  "CHANNEL_VERSION_NOT_FOUND",
  "AMOUNT_RANGE_INVALID",
  "WINDOW_INCOMPLETE",
  "REGISTRATION_IDENTITY_MISSING",
  "REGISTRATION_EXISTS",
  "STORE_NOT_OF_MERCHANT",
  "MERCHANT_ARCHIVED",
  "DEFAULT_FEE_RULE_REQUIRED",
  "NOT_AVAILABLE_IN_DIRECT_MODE",
] as const;
type ErrorCode = (typeof ERROR_CODES)[number];

interface ErrorData {
  domainCode?: unknown;
  field?: unknown;
  params?: Record<string, string | number> | null;
}

function data(error: unknown): ErrorData | null {
  return (error as { data?: ErrorData | null } | null)?.data ?? null;
}

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && (ERROR_CODES as readonly string[]).includes(code);
}

const VALIDATION_KEY = /^validation\.([A-Za-z_]+)$/;

/** A message the shared mapping left as a bare "validation.x" key, in our words if we have them. */
function leftover(t: Translate, message: string): string {
  const m = VALIDATION_KEY.exec(message);
  const name = m ? `validation_${m[1]}` : null;
  if (name && name in catalogue.channels.en) return t(`channels.${name}` as MessageKey);
  return message;
}

/** "settings.maxAmountMinor" → "maxAmountMinor"; "params.mchid" → "mchid". */
function fieldName(path: string): string {
  return path.replace(/^(settings|params|credentials)\./, "");
}

/**
 * Field errors by the form's own field names, translated. With `shownFields`, an error on a field
 * the form does not show (a fixed merchant, a product chosen elsewhere) becomes the general one,
 * so it is never lost.
 */
export function channelFormErrors(t: Translate, error: unknown, shownFields?: readonly string[]): FormErrors {
  const base = formErrors(error);
  const fields: Record<string, string> = {};
  for (const [path, message] of Object.entries(base.fields)) {
    const name = fieldName(path);
    if (!fields[name]) fields[name] = leftover(t, message);
  }
  let general = base.general === null ? null : leftover(t, base.general);
  const d = data(error);
  if (isErrorCode(d?.domainCode)) {
    const text = t(`channels.error_${d.domainCode}`, d.params ?? undefined);
    if (typeof d.field === "string" && d.field) fields[fieldName(d.field)] = text;
    else general = text;
  }
  if (shownFields) {
    const hidden = Object.keys(fields).filter((f) => !shownFields.includes(f));
    if (hidden.length) general = [general, ...hidden.map((f) => fields[f])].filter(Boolean).join(" ");
    for (const f of hidden) delete fields[f];
  }
  return { fields, general };
}

/** One line for a toast or an inline note: the general message, else the first field's. */
export function channelErrorText(t: Translate, error: unknown): string {
  const e = channelFormErrors(t, error);
  return e.general ?? Object.values(e.fields)[0] ?? errorMessage(error) ?? t("ui.unknownError");
}
