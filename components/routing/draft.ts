import { fenToYuanText, parseYuan, type YuanParseError } from "@/components/ledger/amount-input";
import type { ConfigIssue, ProductCode, RoutingOrderType, RoutingStrategy, RuleAction, RuleSetInput, RuleSetRow, StoredRule } from "./types";
import { isStrategy } from "./types";

// The rule editor's working copy and its wire form. People type amounts in yuan and metadata as
// key/value rows; the server takes rules as JSON with amounts as decimal strings of fen (a bigint
// would arrive as a bigint through superjson and fail the rule schema). Everything here is pure so
// the conversions can be tested without a browser.

export interface MetadataRow {
  /** Stable React key; not sent. */
  key: number;
  name: string;
  value: string;
}

export interface RuleDraft {
  id: string;
  name: string;
  enabled: boolean;
  action: RuleAction;
  targetChannelAccountIds: string[];
  merchantIds: string[];
  storeIds: string[];
  orderTypes: RoutingOrderType[];
  products: ProductCode[];
  /** Yuan as typed; "" = no bound. */
  minAmount: string;
  maxAmount: string;
  metadata: MetadataRow[];
}

export interface RuleSetDraft {
  strategy: RoutingStrategy;
  fallbackEnabled: boolean;
  /** In the order they run: the wire `order` is the position. */
  rules: RuleDraft[];
  note: string;
}

/** What a person must fix in the editor before the server can even look at the rule. */
export interface RuleLocalErrors {
  minAmount?: YuanParseError;
  maxAmount?: YuanParseError;
  /** Per metadata row key: the row has a value but no key, or repeats a key. */
  metadata?: Record<number, "keyMissing" | "keyDuplicate">;
}

export interface WireRule {
  id: string;
  name: string;
  enabled: boolean;
  action: RuleAction;
  targetChannelAccountIds: string[];
  conditions: {
    merchantIds?: string[];
    storeIds?: string[];
    orderTypes?: RoutingOrderType[];
    products?: ProductCode[];
    minAmountMinor?: string;
    maxAmountMinor?: string;
    metadata?: Record<string, string>;
  };
  order: number;
}

/** The wire input of validate / saveDraft / dryRun (rules typed for us; the router takes unknown[]). */
export type WireRuleSet = Omit<RuleSetInput, "rules"> & { rules: WireRule[] };

let metadataKey = 1;
export function metadataRow(name = "", value = ""): MetadataRow {
  return { key: metadataKey++, name, value };
}

/** A rule id that no other rule of the set has: 12 random hex digits (randomUUID needs a secure context). */
export function newRuleId(existing: readonly string[], random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  for (;;) {
    const hex = Array.from(random(new Uint8Array(6)), (b) => b.toString(16).padStart(2, "0")).join("");
    const id = `rule_${hex}`;
    if (!existing.includes(id)) return id;
  }
}

export function emptyRule(id: string): RuleDraft {
  return {
    id,
    name: "",
    enabled: true,
    action: "EXCLUDE",
    targetChannelAccountIds: [],
    merchantIds: [],
    storeIds: [],
    orderTypes: [],
    products: [],
    minAmount: "",
    maxAmount: "",
    metadata: [],
  };
}

/** In the order the engine runs them: by `order`, ties by id. */
export function sortRules<T extends { order: number; id: string }>(rules: readonly T[]): T[] {
  return [...rules].sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function ruleToDraft(rule: StoredRule): RuleDraft {
  const c = rule.conditions;
  return {
    id: rule.id,
    name: rule.name,
    enabled: rule.enabled,
    action: rule.action,
    targetChannelAccountIds: [...rule.targetChannelAccountIds],
    merchantIds: [...(c.merchantIds ?? [])],
    storeIds: [...(c.storeIds ?? [])],
    orderTypes: [...(c.orderTypes ?? [])],
    products: [...(c.products ?? [])],
    minAmount: c.minAmountMinor === undefined ? "" : fenToYuanText(c.minAmountMinor),
    maxAmount: c.maxAmountMinor === undefined ? "" : fenToYuanText(c.maxAmountMinor),
    metadata: Object.entries(c.metadata ?? {}).map(([name, value]) => metadataRow(name, value)),
  };
}

export function ruleSetToDraft(set: Pick<RuleSetRow, "strategy" | "fallbackEnabled" | "rules">): RuleSetDraft {
  return {
    strategy: isStrategy(set.strategy) ? set.strategy : "LOWEST_COST",
    fallbackEnabled: set.fallbackEnabled,
    rules: sortRules(set.rules).map(ruleToDraft),
    note: "",
  };
}

/** Where editing starts: the open draft, else the published version, else the engine's default. */
export function editorBase(ruleSets: readonly RuleSetRow[]): { version: number | null; status: RuleSetRow["status"] | null; draft: RuleSetDraft } {
  const open = ruleSets.find((r) => r.status === "DRAFT") ?? ruleSets.find((r) => r.status === "PUBLISHED");
  if (!open) return { version: null, status: null, draft: { strategy: "LOWEST_COST", fallbackEnabled: true, rules: [], note: "" } };
  return { version: open.version, status: open.status, draft: { ...ruleSetToDraft(open), note: open.status === "DRAFT" ? (open.note ?? "") : "" } };
}

function amountOf(text: string): { fen?: bigint; error?: YuanParseError } {
  if (text.trim() === "") return {};
  const r = parseYuan(text);
  return r.ok ? { fen: r.fen } : { error: r.error };
}

export function ruleLocalErrors(rule: RuleDraft): RuleLocalErrors {
  const errors: RuleLocalErrors = {};
  const min = amountOf(rule.minAmount);
  const max = amountOf(rule.maxAmount);
  if (min.error) errors.minAmount = min.error;
  if (max.error) errors.maxAmount = max.error;
  const seen = new Set<string>();
  const metadata: Record<number, "keyMissing" | "keyDuplicate"> = {};
  for (const row of rule.metadata) {
    const name = row.name.trim();
    if (name === "") {
      if (row.value.trim() !== "") metadata[row.key] = "keyMissing";
      continue;
    }
    if (seen.has(name)) metadata[row.key] = "keyDuplicate";
    seen.add(name);
  }
  if (Object.keys(metadata).length > 0) errors.metadata = metadata;
  return errors;
}

export function hasLocalErrors(errors: RuleLocalErrors): boolean {
  return errors.minAmount !== undefined || errors.maxAmount !== undefined || errors.metadata !== undefined;
}

/**
 * The rule as the server reads it. Parts with a local error are left out, so the rest can still
 * be checked while the person types; saving is blocked until they are fixed.
 */
export function ruleToWire(rule: RuleDraft, index: number): WireRule {
  const min = amountOf(rule.minAmount);
  const max = amountOf(rule.maxAmount);
  const metadata: Record<string, string> = {};
  for (const row of rule.metadata) {
    const name = row.name.trim();
    if (name !== "" && !Object.hasOwn(metadata, name)) metadata[name] = row.value;
  }
  const conditions: WireRule["conditions"] = {};
  if (rule.merchantIds.length) conditions.merchantIds = [...rule.merchantIds];
  if (rule.storeIds.length) conditions.storeIds = [...rule.storeIds];
  if (rule.orderTypes.length) conditions.orderTypes = [...rule.orderTypes];
  if (rule.products.length) conditions.products = [...rule.products];
  if (min.fen !== undefined) conditions.minAmountMinor = min.fen.toString();
  if (max.fen !== undefined) conditions.maxAmountMinor = max.fen.toString();
  if (Object.keys(metadata).length) conditions.metadata = metadata;
  return {
    id: rule.id,
    name: rule.name.trim(),
    enabled: rule.enabled,
    action: rule.action,
    targetChannelAccountIds: [...rule.targetChannelAccountIds],
    conditions,
    // Gaps of 10 leave room if anyone edits the stored JSON by hand; only the order matters.
    order: (index + 1) * 10,
  };
}

export function draftToWire(draft: RuleSetDraft): WireRuleSet {
  const note = draft.note.trim();
  return {
    strategy: draft.strategy,
    fallbackEnabled: draft.fallbackEnabled,
    rules: draft.rules.map(ruleToWire),
    ...(note ? { note } : {}),
  };
}

/** Two drafts that would save the same rule set (the note aside) have the same key. */
export function wireKey(draft: RuleSetDraft): string {
  const { note: _note, ...rest } = draftToWire(draft);
  return JSON.stringify(rest);
}

export function moveRule(rules: readonly RuleDraft[], index: number, by: -1 | 1): RuleDraft[] {
  const to = index + by;
  if (index < 0 || index >= rules.length || to < 0 || to >= rules.length) return [...rules];
  const next = [...rules];
  const [rule] = next.splice(index, 1);
  if (rule) next.splice(to, 0, rule);
  return next;
}

export function toggle<T>(list: readonly T[], value: T, on: boolean): T[] {
  const without = list.filter((v) => v !== value);
  return on ? [...without, value] : without;
}

// ---------------------------------------------------------------------------------------------
// Validation issues by where they belong in the editor.

export type IssueField = "name" | "targets" | "conditions" | "amount" | "metadata" | "rule";

export type IssuePlace = { scope: "rule"; index: number; field: IssueField } | { scope: "set" };

const RULE_PATH = /^ruleSet\.rules\[(\d+)\](?:\.(.*))?$/;

/** "ruleSet.rules[3].targetChannelAccountIds[0]" → rule 3, the targets. */
export function issuePlace(issue: Pick<ConfigIssue, "path" | "code">): IssuePlace {
  const m = RULE_PATH.exec(issue.path);
  if (!m) return { scope: "set" };
  const index = Number(m[1]);
  const rest = m[2] ?? "";
  let field: IssueField = "rule";
  if (issue.code === "AMOUNT_RANGE_INVALID" || issue.code === "AMOUNT_NEGATIVE" || /^conditions\.(min|max)AmountMinor/.test(rest)) field = "amount";
  else if (issue.code === "METADATA_KEY_EMPTY" || rest.startsWith("conditions.metadata")) field = "metadata";
  else if (rest.startsWith("conditions")) field = "conditions";
  else if (rest.startsWith("targetChannelAccountIds")) field = "targets";
  else if (rest === "name") field = "name";
  return { scope: "rule", index, field };
}

export interface PlacedIssues {
  set: ConfigIssue[];
  /** By rule id, then by field. */
  rules: Map<string, Partial<Record<IssueField, ConfigIssue[]>>>;
  errors: number;
  warnings: number;
}

/**
 * Issues by where the editor shows them. A path names the rule by its index in the list that was
 * checked; `checkedRuleIds` (that list's ids) turns it into the rule's id, so an answer that
 * arrives after a rule was moved or deleted still lands on the right rule (or on none).
 */
export function placeIssues(issues: readonly ConfigIssue[], checkedRuleIds: readonly string[]): PlacedIssues {
  const placed: PlacedIssues = { set: [], rules: new Map(), errors: 0, warnings: 0 };
  for (const issue of issues) {
    if (issue.severity === "ERROR") placed.errors++;
    else placed.warnings++;
    const where = issuePlace(issue);
    const ruleId = where.scope === "rule" ? checkedRuleIds[where.index] : undefined;
    if (where.scope === "set" || ruleId === undefined) {
      placed.set.push(issue);
      continue;
    }
    const byField = placed.rules.get(ruleId) ?? {};
    (byField[where.field] ??= []).push(issue);
    placed.rules.set(ruleId, byField);
  }
  return placed;
}

export function ruleIssues(placed: PlacedIssues, ruleId: string): ConfigIssue[] {
  return Object.values(placed.rules.get(ruleId) ?? {}).flat();
}
