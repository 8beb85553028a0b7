import { en, zhCN } from "zod/v4/locales";
import type { Locale } from "./define";
import { translator } from "./translate";
import type { MessageKey } from "./catalogue";

// Validation messages in the user's language. Schemas give custom messages as catalogue keys
// ("validation.creditCode"); Zod's own messages (too short, not an email ...) are re-made from the
// issue's code and parameters with Zod's locale for the language.

export interface WireIssue {
  path: string;
  message: string;
  code?: string;
  params?: Record<string, unknown>;
}

const ZOD_LOCALES = { "zh-CN": zhCN(), en: en() } as const;

export function isMessageKey(message: string): message is MessageKey {
  return /^(validation|errors)\.[A-Za-z_]+$/.test(message);
}

export function issueMessage(issue: WireIssue, locale: Locale): string {
  if (isMessageKey(issue.message)) return translator(locale)(issue.message);
  if (!issue.code) return issue.message;
  const made = ZOD_LOCALES[locale].localeError({ code: issue.code, ...(issue.params ?? {}), input: undefined } as Parameters<(typeof ZOD_LOCALES)["en"]["localeError"]>[0]);
  return typeof made === "string" ? made : (made?.message ?? issue.message);
}
