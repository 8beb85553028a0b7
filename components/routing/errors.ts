import { formErrors } from "@/components/ui/form-errors";
import { errorMessage } from "@/components/ui/states";
import type { Translate } from "@/i18n/translate";

// Server errors of the routing procedures in the reader's language. The rule-set codes are not in
// the shared catalogue (i18n/messages/errors.ts), so they are looked up in ours; anything else goes
// through the shared mapping.

const ERROR_CODES = ["RULE_SET_INVALID", "RULE_SET_MALFORMED", "RULE_SET_NOT_DRAFT", "RULE_SET_DRAFT_OPEN", "RULE_SET_NOT_FOUND"] as const;
type ErrorCode = (typeof ERROR_CODES)[number];

interface ErrorData {
  domainCode?: unknown;
  params?: Record<string, string | number> | null;
}

export function routingDomainCode(error: unknown): string | null {
  const data = (error as { data?: ErrorData | null } | null)?.data;
  return typeof data?.domainCode === "string" ? data.domainCode : null;
}

export function routingErrorText(t: Translate, error: unknown): string {
  const data = (error as { data?: ErrorData | null } | null)?.data;
  const code = routingDomainCode(error);
  if (code && (ERROR_CODES as readonly string[]).includes(code)) {
    const params = data?.params ?? {};
    // RULE_SET_INVALID's "first" is the server's English message; the editor shows each issue translated.
    return t(`routing.error_${code as ErrorCode}`, { count: params.count ?? "", version: params.version ?? "" });
  }
  const fe = formErrors(error);
  return fe.general ?? Object.values(fe.fields)[0] ?? errorMessage(error) ?? t("ui.unknownError");
}
