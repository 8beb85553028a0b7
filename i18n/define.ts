// Message catalogues: one file per area in i18n/messages/, English and Chinese side by side so a
// missing translation is a type error. GLOSSARY.md fixes the terms.
export const LOCALES = ["zh-CN", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "zh-CN";

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

export function defineMessages<const T extends Record<string, string>>(
  en: T,
  zh: { [K in keyof T]: string },
): { en: T; "zh-CN": { [K in keyof T]: string } } {
  return { en, "zh-CN": zh };
}
