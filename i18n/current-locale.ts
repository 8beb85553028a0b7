import { DEFAULT_LOCALE, isLocale, type Locale } from "./define";

// The page's language for code that formats messages outside React (error mapping). The browser
// shows one user's page, so one value per page is right; on the server it is never used.
// The root layout writes it into <html lang>.
export function currentLocale(): Locale {
  if (typeof document !== "undefined" && isLocale(document.documentElement.lang)) return document.documentElement.lang;
  return DEFAULT_LOCALE;
}
