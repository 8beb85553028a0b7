"use client";

import { useRouter } from "next/navigation";
import { useI18n } from "@/i18n/client";
import { LOCALES, type Locale } from "@/i18n/define";

const LABELS: Record<Locale, string> = { "zh-CN": "中文", en: "English" };

/** Sets the language cookie (and the user's saved language when signed in), then re-renders. */
export function LanguageSwitcher({ onSaved }: { onSaved?: (locale: Locale) => Promise<unknown> }) {
  const { locale, t } = useI18n();
  const router = useRouter();
  return (
    <label className="inline-flex items-center gap-2 text-sm">
      <span className="sr-only">{t("common.language")}</span>
      <select
        aria-label={t("common.language")}
        className="rounded-brand border border-border bg-card px-2 py-1 text-sm"
        value={locale}
        onChange={async (e) => {
          const next = e.target.value as Locale;
          document.cookie = `swy_locale=${next}; Path=/; Max-Age=31536000; SameSite=Lax`;
          if (onSaved) await onSaved(next).catch(() => undefined);
          router.refresh();
        }}
      >
        {LOCALES.map((l) => (
          <option key={l} value={l}>
            {LABELS[l]}
          </option>
        ))}
      </select>
    </label>
  );
}
