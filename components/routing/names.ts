import type { Locale } from "@/i18n/define";
import { formatMoney } from "@/i18n/format";
import type { Translate } from "@/i18n/translate";
import { orderTypeName, productName, type CodeContext, type Names } from "./codes";
import type { RuleDraft } from "./draft";
import { CURRENCY } from "./types";
import { parseYuan } from "@/components/ledger/amount-input";

// Ids to the names people know them by, and one-line summaries of a rule, for the rule lists,
// traces and reports.

export interface NamedAccount {
  id: string;
  name: string;
}
export interface NamedMerchant {
  id: string;
  shortName: string;
}
export interface NamedStore {
  id: string;
  name: string;
  merchantId: string;
}
export interface NamedRule {
  id: string;
  name: string;
}

export interface RoutingNames extends Names {
  store(id: string): string;
}

const short = (id: string) => (id.length > 12 ? `${id.slice(0, 8)}…` : id);

export function makeNames(
  t: Translate,
  data: { accounts: readonly NamedAccount[]; merchants: readonly NamedMerchant[]; stores: readonly NamedStore[]; rules: readonly NamedRule[] },
): RoutingNames {
  const accounts = new Map(data.accounts.map((a) => [a.id, a.name]));
  const merchants = new Map(data.merchants.map((m) => [m.id, m.shortName]));
  const stores = new Map(data.stores.map((s) => [s.id, s.name]));
  // Later versions first in `rules`, so a renamed rule shows its latest name.
  const rules = new Map<string, string>();
  for (const r of data.rules) if (!rules.has(r.id) && r.name.trim()) rules.set(r.id, r.name.trim());
  return {
    account: (id) => accounts.get(id) ?? t("routing.accountUnknown", { id: short(id) }),
    merchant: (id) => merchants.get(id) ?? short(id),
    store: (id) => stores.get(id) ?? short(id),
    rule: (id) => rules.get(id) ?? id,
  };
}

export function codeContext(t: Translate, locale: Locale, names: Names): CodeContext {
  return { t, locale, names };
}

function join(locale: Locale, items: readonly string[]): string {
  return new Intl.ListFormat(locale, { style: "long", type: "conjunction" }).format(items);
}

/**
 * A version's note. The server writes two notes itself, in English ("default" for the first
 * version, "rollback to version N" for a rollback); those are shown in the reader's language.
 */
export function ruleSetNote(t: Translate, note: string | null): string | null {
  if (note === null) return null;
  const rollback = /^rollback to version (\d+)$/.exec(note);
  if (rollback) return t("routing.noteRollback", { version: rollback[1] ?? "" });
  if (note === "default") return t("routing.noteDefault");
  return note;
}

/** The rule's name, or "Rule 3" when it has none (so buttons and headings always say which rule). */
export function ruleDisplayName(t: Translate, rule: { name: string }, index: number): string {
  return rule.name.trim() || t("routing.ruleNumber", { n: index + 1 });
}

/** "Excludes Sandbox" / "Forces to WeChat Pay and Alipay". */
export function targetsSummary(t: Translate, locale: Locale, names: RoutingNames, rule: Pick<RuleDraft, "action" | "targetChannelAccountIds">): string {
  const accounts = rule.targetChannelAccountIds.length ? join(locale, rule.targetChannelAccountIds.map((id) => names.account(id))) : t("routing.targetsNone");
  return t(`routing.targetsSummary_${rule.action}`, { accounts });
}

/** One line per condition set, e.g. "Merchants: Fresh Fruit", "Amount: from ¥100.00"; none → "Every payment". */
export function conditionLines(t: Translate, locale: Locale, names: RoutingNames, rule: RuleDraft): string[] {
  const lines: string[] = [];
  const line = (label: string, values: readonly string[]) => lines.push(t("routing.conditionLine", { label, values: join(locale, values) }));
  if (rule.merchantIds.length) line(t("routing.merchants"), rule.merchantIds.map((id) => names.merchant(id)));
  if (rule.storeIds.length) line(t("routing.stores"), rule.storeIds.map((id) => names.store(id)));
  if (rule.orderTypes.length) line(t("routing.orderTypes"), rule.orderTypes.map((o) => orderTypeName(t, o)));
  if (rule.products.length) line(t("routing.products"), rule.products.map((p) => productName(t, p)));
  const min = rule.minAmount.trim() ? parseYuan(rule.minAmount) : null;
  const max = rule.maxAmount.trim() ? parseYuan(rule.maxAmount) : null;
  const bounds: string[] = [];
  if (min?.ok) bounds.push(t("routing.amountFrom", { min: formatMoney(min.fen, CURRENCY, locale) }));
  if (max?.ok) bounds.push(t("routing.amountUpTo", { max: formatMoney(max.fen, CURRENCY, locale) }));
  if (bounds.length) line(t("routing.amountRange"), bounds);
  const pairs = rule.metadata.filter((m) => m.name.trim()).map((m) => `${m.name.trim()} = ${m.value}`);
  if (pairs.length) line(t("routing.metadata"), pairs);
  return lines.length ? lines : [t("routing.matchesEverything")];
}

