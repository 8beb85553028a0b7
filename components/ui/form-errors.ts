// Turns a tRPC error into per-field messages (from Zod issues or a domain error's field) and a
// general message, in the user's language: domain errors by their code (errors.<CODE>), schema
// messages by their key, Zod's own messages re-made with Zod's locale.
import { catalogue } from "@/i18n/catalogue";
import { currentLocale } from "@/i18n/current-locale";
import { translator } from "@/i18n/translate";
import { issueMessage, isMessageKey, type WireIssue } from "@/i18n/zod-issues";

export interface FormErrors {
  fields: Record<string, string>;
  general: string | null;
}

interface ErrorShape {
  message?: string;
  data?: {
    fieldErrors?: Array<WireIssue & { key?: string | null }> | null;
    field?: string | null;
    domainCode?: string | null;
    params?: Record<string, string | number> | null;
  } | null;
}

/** A domain error's message in the current language, if the catalogue has its code. */
export function errorText(error: unknown): string | null {
  if (!error) return null;
  const e = error as ErrorShape;
  const code = e.data?.domainCode;
  const locale = currentLocale();
  // {detail} in a catalogue message is the server's own message (its specifics, in English).
  if (code && code in catalogue.errors.en) return translator(locale)(`errors.${code}` as `errors.${keyof typeof catalogue.errors.en}`, { ...(e.data?.params ?? {}), detail: e.message ?? "" });
  if (e.message && isMessageKey(e.message)) return translator(locale)(e.message);
  return e.message ?? null;
}

export function formErrors(error: unknown): FormErrors {
  if (!error) return { fields: {}, general: null };
  const e = error as ErrorShape;
  const locale = currentLocale();
  const fields: Record<string, string> = {};
  for (const fe of e.data?.fieldErrors ?? []) {
    if (fe.path && !fields[fe.path]) fields[fe.path] = issueMessage({ ...fe, message: fe.key ?? fe.message }, locale);
  }
  const general = errorText(error);
  if (e.data?.field && general) fields[e.data.field] = general;
  // Input validation failures from .input() arrive as a JSON list of Zod issues in the message.
  if (Object.keys(fields).length === 0 && e.message?.startsWith("[")) {
    try {
      const issues = JSON.parse(e.message) as Array<{ path?: Array<string | number>; message?: string; code?: string } & Record<string, unknown>>;
      for (const i of issues) {
        const path = (i.path ?? []).join(".");
        const { path: _p, message, code, input: _in, ...params } = i;
        if (path && message && !fields[path]) fields[path] = issueMessage({ path, message, ...(code ? { code } : {}), params }, locale);
      }
      if (Object.keys(fields).length) return { fields, general: null };
    } catch {
      // not JSON
    }
  }
  return { fields, general: Object.keys(fields).length ? null : (general ?? translator(locale)("common.errorTitle")) };
}
