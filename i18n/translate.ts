import { catalogue, type MessageKey } from "./catalogue";
import type { Locale } from "./define";

export type Translate = (key: MessageKey, vars?: Record<string, string | number | bigint>) => string;

export function translator(locale: Locale): Translate {
  return (key, vars) => {
    const dot = key.indexOf(".");
    const ns = key.slice(0, dot) as keyof typeof catalogue;
    const name = key.slice(dot + 1);
    const messages = catalogue[ns][locale] as Record<string, string>;
    const text = messages[name] ?? (catalogue[ns].en as Record<string, string>)[name] ?? key;
    if (!vars) return text;
    return text.replace(/\{(\w+)\}/g, (m, v: string) => (v in vars ? String(vars[v]) : m));
  };
}
