// Checks a rule set (and the configuration around it) before it is published. Every issue has a
// stable code with params for the catalogues and an English message for people; ERROR means the
// engine cannot do what the tenant asked, WARNING means it can but probably not what was meant.
import type { ProductCode } from "@/server/channels/types";
import { conditionsEmpty } from "./eligibility";
import { directModeConflicts } from "./fees";
import { isValidTimeZone, parseClock } from "./time-window";
import type { ChannelAccountCandidate, CodeParams, ConfigIssue, IssueSeverity, RateRule, RoutingConfig, RoutingRule, RuleConditions, RuleSet, SettlementMode } from "./types";

class Issues {
  readonly list: ConfigIssue[] = [];
  add(severity: IssueSeverity, code: string, path: string, params: CodeParams, message: string): void {
    this.list.push({ code, severity, path, params, message });
  }
}

function label(rule: RoutingRule): string {
  return `"${rule.name || rule.id}"`;
}

function listsOverlap<T>(a: readonly T[] | undefined, b: readonly T[] | undefined): boolean {
  if (!a || a.length === 0 || !b || b.length === 0) return true;
  return a.some((x) => b.includes(x));
}

/** Could one request satisfy both sets of conditions? */
export function conditionsOverlap(a: RuleConditions, b: RuleConditions): boolean {
  if (!listsOverlap(a.merchantIds, b.merchantIds)) return false;
  if (!listsOverlap(a.storeIds, b.storeIds)) return false;
  if (!listsOverlap(a.orderTypes, b.orderTypes)) return false;
  if (!listsOverlap(a.products, b.products)) return false;
  const lo = [a.minAmountMinor, b.minAmountMinor].reduce<bigint>((m, v) => (v !== undefined && v > m ? v : m), 0n);
  const hi = [a.maxAmountMinor, b.maxAmountMinor].reduce<bigint | undefined>((m, v) => (v !== undefined && (m === undefined || v < m) ? v : m), undefined);
  if (hi !== undefined && lo > hi) return false;
  for (const [k, v] of Object.entries(a.metadata ?? {})) {
    const other = b.metadata && Object.hasOwn(b.metadata, k) ? b.metadata[k] : undefined;
    if (other !== undefined && other !== v) return false;
  }
  return true;
}

function checkRange(issues: Issues, min: bigint | undefined, max: bigint | undefined, code: string, path: string, what: string): void {
  if (min !== undefined && max !== undefined && min > max) {
    issues.add("ERROR", code, path, { minMinor: min.toString(), maxMinor: max.toString() }, `${what}: the minimum (${min} fen) is above the maximum (${max} fen), so nothing can match.`);
  }
}

function checkRate(issues: Issues, r: RateRule, path: string, what: string): void {
  if (!Number.isInteger(r.feeRatePpm) || r.feeRatePpm < 0 || r.feeRatePpm > 1_000_000) {
    issues.add("ERROR", "RATE_INVALID", `${path}.feeRatePpm`, { feeRatePpm: r.feeRatePpm }, `${what}: the rate must be a whole number of ppm between 0 and 1,000,000 (0% to 100%).`);
  }
  for (const k of ["fixedMinor", "minMinor", "maxMinor"] as const) {
    const v = r[k];
    if (v !== undefined && v < 0n) issues.add("ERROR", "AMOUNT_NEGATIVE", `${path}.${k}`, { field: k }, `${what}: ${k} must not be negative.`);
  }
  checkRange(issues, r.minMinor, r.maxMinor, "RATE_RANGE_INVALID", path, what);
}

/** The rule set on its own, against the accounts it names. */
export function validateRuleSet(ruleSet: RuleSet, accounts: readonly ChannelAccountCandidate[]): ConfigIssue[] {
  const issues = new Issues();
  const accountById = new Map(accounts.map((a) => [a.id, a]));
  const seen = new Set<string>();

  if (ruleSet.successRateMinSample !== undefined && (!Number.isInteger(ruleSet.successRateMinSample) || ruleSet.successRateMinSample < 1)) {
    issues.add("ERROR", "MIN_SAMPLE_INVALID", "ruleSet.successRateMinSample", { value: ruleSet.successRateMinSample }, "The minimum sample for success-rate routing must be a whole number of at least 1.");
  }

  ruleSet.rules.forEach((rule, i) => {
    const path = `ruleSet.rules[${i}]`;
    if (seen.has(rule.id)) issues.add("ERROR", "RULE_ID_DUPLICATE", `${path}.id`, { ruleId: rule.id }, `Two rules share the id ${rule.id}.`);
    seen.add(rule.id);
    if (rule.name.trim() === "") issues.add("WARNING", "RULE_NAME_EMPTY", `${path}.name`, { ruleId: rule.id }, `Rule ${rule.id} has no name; traces and reports will show its id.`);
    if (!Number.isInteger(rule.order)) issues.add("ERROR", "RULE_ORDER_INVALID", `${path}.order`, { ruleId: rule.id }, `Rule ${label(rule)}: the order must be a whole number.`);
    if (!rule.enabled) return;

    if (rule.targetChannelAccountIds.length === 0) {
      issues.add("ERROR", "RULE_NO_TARGETS", `${path}.targetChannelAccountIds`, { ruleId: rule.id }, `Rule ${label(rule)} names no channel account, so it does nothing.`);
    }
    rule.targetChannelAccountIds.forEach((id, j) => {
      const account = accountById.get(id);
      if (!account) {
        issues.add("ERROR", "UNKNOWN_CHANNEL_ACCOUNT", `${path}.targetChannelAccountIds[${j}]`, { ruleId: rule.id, channelAccountId: id }, `Rule ${label(rule)} names channel account ${id}, which does not exist.`);
        return;
      }
      const products = rule.conditions.products;
      if (rule.action === "FORCE" && products && products.length > 0 && !products.some((p) => account.products.includes(p))) {
        issues.add(
          "WARNING",
          "FORCE_TARGET_LACKS_PRODUCT",
          `${path}.targetChannelAccountIds[${j}]`,
          { ruleId: rule.id, channelAccountId: id, products: [...products] },
          `Rule ${label(rule)} forces ${account.name || id}, which carries none of ${products.join(", ")}.`,
        );
      }
    });

    const c = rule.conditions;
    if (conditionsEmpty(c)) {
      if (rule.action === "FORCE") {
        issues.add("ERROR", "FORCE_WITHOUT_CONDITIONS", `${path}.conditions`, { ruleId: rule.id }, `Rule ${label(rule)} would force every payment of every merchant to its accounts. Add conditions, or use priorities or weights instead.`);
      } else {
        issues.add("WARNING", "EXCLUDE_WITHOUT_CONDITIONS", `${path}.conditions`, { ruleId: rule.id }, `Rule ${label(rule)} excludes its accounts from every payment; disabling the accounts says that more plainly.`);
      }
    }
    checkRange(issues, c.minAmountMinor, c.maxAmountMinor, "AMOUNT_RANGE_INVALID", `${path}.conditions`, `Rule ${label(rule)}`);
    for (const k of ["minAmountMinor", "maxAmountMinor"] as const) {
      const v = c[k];
      if (v !== undefined && v < 0n) issues.add("ERROR", "AMOUNT_NEGATIVE", `${path}.conditions.${k}`, { ruleId: rule.id, field: k }, `Rule ${label(rule)}: ${k} must not be negative.`);
    }
    for (const key of Object.keys(c.metadata ?? {})) {
      if (key.trim() === "") issues.add("ERROR", "METADATA_KEY_EMPTY", `${path}.conditions.metadata`, { ruleId: rule.id }, `Rule ${label(rule)} has a metadata condition without a key.`);
    }
  });

  // Two FORCE rules that can match the same payment with no account in common: whichever comes
  // first wins and the other silently never applies to those payments.
  const forces = ruleSet.rules
    .map((rule, i) => ({ rule, i }))
    .filter(({ rule }) => rule.enabled && rule.action === "FORCE" && rule.targetChannelAccountIds.length > 0);
  for (let x = 0; x < forces.length; x++) {
    for (let y = x + 1; y < forces.length; y++) {
      const a = forces[x];
      const b = forces[y];
      if (!a || !b) continue;
      if (a.rule.targetChannelAccountIds.some((id) => b.rule.targetChannelAccountIds.includes(id))) continue;
      if (!conditionsOverlap(a.rule.conditions, b.rule.conditions)) continue;
      const [first, second] = a.rule.order < b.rule.order || (a.rule.order === b.rule.order && a.rule.id <= b.rule.id) ? [a, b] : [b, a];
      issues.add(
        "ERROR",
        "FORCE_CONFLICT",
        `ruleSet.rules[${second.i}]`,
        { ruleId: second.rule.id, conflictsWith: first.rule.id },
        `Rules ${label(first.rule)} and ${label(second.rule)} can both match the same payment but force it to different accounts; ` +
          `${label(first.rule)} runs first, so ${label(second.rule)} never applies there. Narrow their conditions or share a target.`,
      );
    }
  }

  // Strategy inputs.
  const enabled = accounts.filter((a) => a.enabled);
  accounts.forEach((a, i) => {
    if (!Number.isInteger(a.weight) || a.weight < 0) issues.add("ERROR", "WEIGHT_INVALID", `accounts[${i}].weight`, { channelAccountId: a.id, weight: a.weight }, `Channel account ${a.name || a.id}: the weight must be a whole number, 0 or more.`);
    if (!Number.isInteger(a.priority)) issues.add("ERROR", "PRIORITY_INVALID", `accounts[${i}].priority`, { channelAccountId: a.id }, `Channel account ${a.name || a.id}: the priority must be a whole number.`);
  });
  if (ruleSet.strategy === "WEIGHTED" && enabled.length > 0) {
    const products = [...new Set(enabled.flatMap((a) => a.products))].sort();
    const zero: ProductCode[] = products.filter((p) => enabled.filter((a) => a.products.includes(p)).every((a) => a.weight <= 0));
    if (zero.length === products.length) {
      issues.add("ERROR", "WEIGHTS_ALL_ZERO", "accounts", {}, "Weighted routing is selected but every enabled channel account has weight 0; payments would be routed by priority.");
    } else if (zero.length > 0) {
      issues.add("WARNING", "WEIGHTS_ALL_ZERO", "accounts", { products: zero }, `Weighted routing: every account carrying ${zero.join(", ")} has weight 0; those products are routed by priority.`);
    }
  }
  return issues.list;
}

/** The whole configuration: accounts, registrations, prices, product rules and the rule set. */
export function validateConfig(config: RoutingConfig, settlementMode?: SettlementMode): ConfigIssue[] {
  const issues = new Issues();
  const accountIds = new Set<string>();
  config.accounts.forEach((a, i) => {
    const path = `accounts[${i}]`;
    const what = `Channel account ${a.name || a.id}`;
    if (accountIds.has(a.id)) issues.add("ERROR", "ACCOUNT_ID_DUPLICATE", `${path}.id`, { channelAccountId: a.id }, `Two channel accounts share the id ${a.id}.`);
    accountIds.add(a.id);
    checkRange(issues, a.minAmountMinor, a.maxAmountMinor, "AMOUNT_RANGE_INVALID", path, what);
    checkRate(issues, a.cost, `${path}.cost`, `${what}, cost`);
    if (a.timeWindow) {
      for (const k of ["startLocal", "endLocal"] as const) {
        if (parseClock(a.timeWindow[k]) === null) {
          issues.add("ERROR", "TIME_WINDOW_INVALID", `${path}.timeWindow.${k}`, { channelAccountId: a.id, value: a.timeWindow[k] }, `${what}: "${a.timeWindow[k]}" is not a time of day in HH:MM form (00:00–23:59); the account is treated as closed.`);
        }
      }
      if (a.timeWindow.timeZone !== undefined && !isValidTimeZone(a.timeWindow.timeZone)) {
        issues.add("ERROR", "TIME_ZONE_INVALID", `${path}.timeWindow.timeZone`, { channelAccountId: a.id, value: a.timeWindow.timeZone }, `${what}: "${a.timeWindow.timeZone}" is not a time zone (use an IANA name such as Asia/Shanghai).`);
      }
    }
    for (const p of a.products) {
      if (a.elements[p] === undefined) issues.add("WARNING", "ELEMENTS_UNDECLARED", `${path}.elements.${p}`, { channelAccountId: a.id, product: p }, `${what} declares no payment elements for ${p}; routing will not ask the payer or device for any.`);
    }
  });

  const regKeys = new Set<string>();
  config.registrations.forEach((r, i) => {
    const path = `registrations[${i}]`;
    if (!accountIds.has(r.channelAccountId)) issues.add("ERROR", "REGISTRATION_UNKNOWN_ACCOUNT", `${path}.channelAccountId`, { registrationId: r.id, channelAccountId: r.channelAccountId }, `Registration ${r.id} points at channel account ${r.channelAccountId}, which does not exist.`);
    const key = `${r.merchantId}\u0000${r.channelAccountId}\u0000${r.storeId ?? ""}`;
    if (regKeys.has(key)) issues.add("ERROR", "REGISTRATION_DUPLICATE", path, { registrationId: r.id, merchantId: r.merchantId, channelAccountId: r.channelAccountId }, `Merchant ${r.merchantId} has two registrations for the same scope at channel account ${r.channelAccountId}.`);
    regKeys.add(key);
  });

  const feeKeys = new Set<string>();
  config.feeRules.forEach((f, i) => {
    const path = `feeRules[${i}]`;
    checkRate(issues, f, path, `Fee rule for ${f.product}${f.merchantId ? ` (merchant ${f.merchantId})` : ""}`);
    const key = `${f.product}\u0000${f.merchantId ?? ""}`;
    if (feeKeys.has(key)) issues.add("ERROR", "FEE_RULE_DUPLICATE", path, { feeRuleId: f.id, product: f.product }, `Two fee rules price ${f.product} for the same scope; the one with the lower id applies.`);
    feeKeys.add(key);
  });

  const productKeys = new Set<string>();
  config.productRules.forEach((r, i) => {
    const path = `productRules[${i}]`;
    checkRange(issues, r.minAmountMinor, r.maxAmountMinor, "AMOUNT_RANGE_INVALID", path, `Product rule ${r.product} / ${r.orderType}`);
    const key = `${r.product}\u0000${r.orderType}\u0000${r.merchantId ?? ""}`;
    if (productKeys.has(key)) issues.add("ERROR", "PRODUCT_RULE_DUPLICATE", path, { productRuleId: r.id, product: r.product, orderType: r.orderType }, `Two product rules cover ${r.product} for ${r.orderType} orders in the same scope; the one with the lower id applies.`);
    productKeys.add(key);
    const carried = config.accounts.some((a) => a.products.includes(r.product));
    if (settlementMode === "CUSTODIAL" && r.enabled && carried && !config.feeRules.some((f) => f.product === r.product && (f.merchantId === undefined || f.merchantId === r.merchantId))) {
      issues.add("WARNING", "FEE_RULE_MISSING", path, { product: r.product }, `${r.product} is offered but no fee rule prices it; its payments will get NO_FEE_RULE.`);
    }
  });

  config.merchantLimits.forEach((l, i) => {
    if (l.perTransactionMaxMinor !== undefined && l.perTransactionMaxMinor <= 0n) {
      issues.add("WARNING", "MERCHANT_LIMIT_BLOCKS_ALL", `merchantLimits[${i}].perTransactionMaxMinor`, { merchantId: l.merchantId }, `Merchant ${l.merchantId}: a per-transaction maximum of ${l.perTransactionMaxMinor} fen refuses every payment.`);
    }
  });

  const conflicts = settlementMode === "DIRECT" ? directModeConflicts(config.feeRules, config.registrations, config.accounts) : [];
  return [...issues.list, ...validateRuleSet(config.ruleSet, config.accounts), ...conflicts];
}

