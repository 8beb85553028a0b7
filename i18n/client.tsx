"use client";

import { createContext, useContext, useMemo, type ReactNode } from "react";
import type { Locale } from "./define";
import { translator, type Translate } from "./translate";

interface I18nValue {
  locale: Locale;
  timeZone: string;
  t: Translate;
}

const I18nContext = createContext<I18nValue | null>(null);

export function I18nProvider({ locale, timeZone, children }: { locale: Locale; timeZone: string; children: ReactNode }) {
  const value = useMemo(() => ({ locale, timeZone, t: translator(locale) }), [locale, timeZone]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18nValue {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}

export function useT(): Translate {
  return useI18n().t;
}
