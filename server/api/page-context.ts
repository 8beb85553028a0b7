import "server-only";
import { cookies, headers } from "next/headers";
import { cache } from "react";
import { brandCssVars } from "@/branding/css-vars";
import { DEFAULT_BRANDING } from "@/branding/defaults";
import { isLocale, type Locale } from "@/i18n/define";
import { translator } from "@/i18n/translate";
import { systemResolveTenantByHost } from "@/server/core/tenancy/resolve";

export const LOCALE_COOKIE = "swy_locale";

/** What every page needs before anyone signs in: the host's brand, language and time zone. */
export const pageContext = cache(async () => {
  const h = await headers();
  const c = await cookies();
  const tenant = await systemResolveTenantByHost(h.get("host"));
  const chosen = c.get(LOCALE_COOKIE)?.value;
  const locale: Locale = isLocale(chosen) ? chosen : (tenant?.defaultLocale ?? "zh-CN");
  const branding = tenant?.branding ?? DEFAULT_BRANDING;
  return {
    tenant,
    locale,
    timeZone: tenant?.timeZone ?? "Asia/Shanghai",
    branding,
    brandVars: brandCssVars(branding),
    t: translator(locale),
  };
});
