// route(request, config) → Decision. Order: the request's own checks (product offered, merchant
// limits, a fee rule), then every account carrying the product where the merchant is registered
// and the request's channel filter admits (eligibility.ts), then the routing rules (EXCLUDE, then
// FORCE), then the strategy. Each decision carries a bounded JSON trace saying what happened to
// every candidate and why.
import { NO_FALLBACK_PRODUCTS, type PaymentElement } from "@/server/channels/types";
import { badInput } from "@/server/core/errors/domain-error";
import { compileConfig, isCompiled, scanningLookup, type CompiledConfig, type RegisteredCandidate, type RoutingLookup } from "./compile";
import {
  CheckContext,
  checkCandidate,
  checkMerchantLimit,
  checkProductRule,
  conditionsMatch,
  dropStage,
  effectiveCounters,
  merchantTotals,
  presentElements,
  type Drop,
  type EffectiveCounters,
} from "./eligibility";
import { channelCost, feeRateFor, formatPpm, marginOf, merchantFee } from "./fees";
import {
  DEFAULT_SUCCESS_RATE_MIN_SAMPLE,
  DEFAULT_TIME_ZONE,
  TRACE_FORMAT,
  TRACE_MAX_CANDIDATES,
  TRACE_MAX_RULES,
  type ChannelAccountCandidate,
  type ChannelFilter,
  type CodeParams,
  type Decision,
  type DropCode,
  type FeeRule,
  type LiveState,
  type NoRouteCode,
  type RouteOption,
  type RoutingConfig,
  type RoutingRequest,
  type RoutingRule,
  type RoutingStrategy,
  type RoutingTrace,
  type TraceCandidate,
  type TraceCheck,
  type TraceRule,
} from "./types";

/** A candidate that passed eligibility, with what the strategies compare. */
export interface Eligible {
  readonly candidate: RegisteredCandidate;
  readonly counters: EffectiveCounters;
  readonly costMinor: bigint;
}

export interface EvaluateOptions {
  /** productsFor checks product rules itself (possibly edited ones) and asks with elements unknown. */
  readonly checkProductRule: boolean;
  readonly ignoreElements: boolean;
}

const ROUTE_OPTIONS: EvaluateOptions = { checkProductRule: true, ignoreElements: false };

/** Decide with a compiled configuration (or compile a raw one for this call only). */
export function route(request: RoutingRequest, config: RoutingConfig | CompiledConfig, live?: LiveState): Decision {
  const lookup = isCompiled(config) ? config.lookup : compileConfig(config).lookup;
  return evaluate(request, lookup, live, ROUTE_OPTIONS).decision;
}

/**
 * The same decision without any preparation: every look-up filters the raw arrays. The benchmark's
 * baseline, and the tests' oracle for the compiled path.
 */
export function routeUncompiled(request: RoutingRequest, config: RoutingConfig, live?: LiveState): Decision {
  return evaluate(request, scanningLookup(config), live, ROUTE_OPTIONS).decision;
}

function assertRequest(req: RoutingRequest): void {
  if (req.amountMinor <= 0n) throw badInput("ROUTING_AMOUNT_NOT_POSITIVE", "The amount must be at least 1 fen", "amountMinor");
  if (!(req.random >= 0 && req.random < 1)) throw badInput("ROUTING_RANDOM_INVALID", "The random draw must be in [0, 1)", "random");
  if (Number.isNaN(req.at.getTime())) throw badInput("ROUTING_AT_INVALID", "The request time is not a valid date", "at");
}

function idCmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function byPriority(a: Eligible, b: Eligible): number {
  return a.candidate.account.priority - b.candidate.account.priority || idCmp(a.candidate.account.id, b.candidate.account.id);
}

function byCost(a: Eligible, b: Eligible): number {
  return a.costMinor < b.costMinor ? -1 : a.costMinor > b.costMinor ? 1 : byPriority(a, b);
}

interface Ranking {
  readonly ranked: Eligible[];
  readonly applied: RoutingStrategy;
  readonly note?: string;
  readonly minSample?: number;
}

/** Orders the eligible accounts: the first is chosen, the rest are the fallbacks in order. */
export function rank(eligible: readonly Eligible[], strategy: RoutingStrategy, random: number, minSample: number): Ranking {
  const list = [...eligible];
  switch (strategy) {
    case "PRIORITY":
      return { ranked: list.sort(byPriority), applied: "PRIORITY" };
    case "LOWEST_COST":
      return { ranked: list.sort(byCost), applied: "LOWEST_COST" };
    case "SUCCESS_RATE": {
      const sampled = list.filter((e) => e.counters.sampleSize >= minSample);
      if (sampled.length === 0) return { ranked: list.sort(byPriority), applied: "PRIORITY", note: "NO_CANDIDATE_WITH_MIN_SAMPLE", minSample };
      sampled.sort((a, b) => b.counters.successRatePpm - a.counters.successRatePpm || byPriority(a, b));
      const rest = list.filter((e) => e.counters.sampleSize < minSample).sort(byPriority);
      return { ranked: [...sampled, ...rest], applied: "SUCCESS_RATE", minSample, ...(rest.length > 0 ? { note: "UNSAMPLED_RANKED_LAST" } : {}) };
    }
    case "WEIGHTED": {
      const pool = list.filter((e) => e.candidate.account.weight > 0).sort((a, b) => idCmp(a.candidate.account.id, b.candidate.account.id));
      const total = pool.reduce((s, e) => s + e.candidate.account.weight, 0);
      if (total <= 0) return { ranked: list.sort(byPriority), applied: "PRIORITY", note: "ALL_WEIGHTS_ZERO" };
      // random ∈ [0, 1) so the point lands in [0, total); the guard covers float rounding at the top.
      const point = Math.min(Math.floor(random * total), total - 1);
      let acc = 0;
      let chosen = pool[pool.length - 1];
      for (const e of pool) {
        acc += e.candidate.account.weight;
        if (point < acc) {
          chosen = e;
          break;
        }
      }
      const rest = list.filter((e) => e !== chosen).sort(byPriority);
      return { ranked: chosen ? [chosen, ...rest] : rest, applied: "WEIGHTED" };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Messages (English, for logs and operators; people see the catalogue's text for the code).

function listOf(v: CodeParams[string] | undefined): string {
  return Array.isArray(v) ? v.join(", ") : String(v ?? "");
}

export function noRouteMessage(code: NoRouteCode, p: CodeParams): string {
  switch (code) {
    case "PRODUCT_NOT_OFFERED":
      return `${String(p.product)} is not offered for ${String(p.orderType)} orders.`;
    case "AMOUNT_OUT_OF_RANGE": {
      const range = `${p.minMinor !== undefined ? String(p.minMinor) : "…"}–${p.maxMinor !== undefined ? String(p.maxMinor) : "…"} fen`;
      return p.scope === "PRODUCT" ? `The amount is outside the range the product accepts (${range}).` : `The amount is outside what any eligible channel account accepts (${range}).`;
    }
    case "MERCHANT_LIMIT_EXCEEDED":
      return `The payment would exceed the merchant's ${String(p.limit).toLowerCase().replace("_", " ")} limit.`;
    case "NO_FEE_RULE":
      return `No fee rule prices ${String(p.product)} for this merchant; CUSTODIAL mode needs one.`;
    case "NO_CHANNEL_FOR_PRODUCT":
      return `No channel account carries ${String(p.product)}.`;
    case "NO_REGISTRATION":
      return `The merchant has no registration at any channel account that carries ${String(p.product)}.`;
    case "CHANNEL_DISABLED":
      return "Every channel account the merchant is registered at for this product is disabled.";
    case "REGISTRATION_INACTIVE":
      return `The merchant's registrations for this product are not active (${listOf(p.statuses)}).`;
    case "REGISTRATION_RATE_MISSING":
      return "The merchant's registrations for this product have no channel rate, which is the fee in DIRECT mode.";
    case "CHANNEL_PAUSED":
      return "Every channel account that could carry this payment is paused after errors.";
    case "DAILY_LIMIT_EXCEEDED":
      return "The payment would exceed today's limits of every channel account that could carry it.";
    case "OUTSIDE_TIME_WINDOW":
      return `No channel account that could carry this payment is open now (${listOf(p.windows)}, ${String(p.timeZone)}).`;
    case "ELEMENT_MISSING":
      return `The payer or device must supply: ${listOf(p.missing)}.`;
    case "ALL_EXCLUDED":
      // `filter`: the payment's own forceChannel / excludeChannels emptied the set, not a rule.
      if (p.filter === "forceChannel") return `The forced channel is none of the ${String(p.channelAccounts)} channel account(s) that could carry this payment.`;
      if (p.filter === "excludeChannels") return `The excluded channels leave none of the ${String(p.channelAccounts)} channel account(s) that could carry this payment.`;
      return "Routing rules exclude every channel account that could carry this payment.";
  }
}

const admits = (ref: string, account: ChannelAccountCandidate): boolean => ref === account.channelType || ref === account.id;

/**
 * The candidates the request's channel filter keeps (the list itself when it keeps them all), and
 * which half emptied it. One pass over the merchant's registered accounts: nothing is recompiled.
 */
export function filterCandidates(
  filter: ChannelFilter,
  candidates: readonly RegisteredCandidate[],
): { kept: readonly RegisteredCandidate[]; emptiedBy?: "forceChannel" | "excludeChannels" } {
  let kept = candidates;
  const force = filter.forceChannel;
  if (force !== undefined) {
    kept = kept.filter((c) => admits(force, c.account));
    if (kept.length === 0) return { kept, emptiedBy: "forceChannel" };
  }
  const exclude = filter.excludeChannels;
  if (exclude !== undefined && exclude.length > 0) {
    kept = kept.filter((c) => !exclude.some((ref) => admits(ref, c.account)));
    if (kept.length === 0) return { kept, emptiedBy: "excludeChannels" };
  }
  return { kept };
}

/** The NO_ROUTE reason from the accounts that got furthest, with their parameters merged. */
function reasonFromDrops(drops: readonly Drop[], product: string): { code: NoRouteCode; params: CodeParams } {
  let stage = -1;
  for (const d of drops) stage = Math.max(stage, dropStage(d.code));
  const top = drops.filter((d) => dropStage(d.code) === stage);
  const code = top[0]?.code ?? "CHANNEL_DISABLED";
  const accounts = top.length;
  switch (code) {
    case "AMOUNT_OUT_OF_RANGE": {
      let min: bigint | undefined;
      let max: bigint | undefined;
      for (const d of top) {
        const lo = BigInt(String(d.params.minMinor));
        const hi = BigInt(String(d.params.maxMinor));
        if (min === undefined || lo < min) min = lo;
        if (max === undefined || hi > max) max = hi;
      }
      return { code, params: { scope: "CHANNEL", minMinor: String(min), maxMinor: String(max), channelAccounts: accounts } };
    }
    case "ELEMENT_MISSING": {
      const sets = new Map<string, readonly string[]>();
      for (const d of top) {
        const m = d.params.missing;
        if (Array.isArray(m)) sets.set(m.join(","), m);
      }
      const alternatives = [...sets.values()].sort((a, b) => a.length - b.length || idCmp(a.join(","), b.join(",")));
      return { code, params: { missing: alternatives[0] ?? [], alternatives: alternatives.map((a) => a.join("+")), product } };
    }
    case "OUTSIDE_TIME_WINDOW": {
      const windows = [...new Set(top.map((d) => String(d.params.window)))].sort();
      return { code, params: { windows, timeZone: String(top[0]?.params.timeZone ?? ""), channelAccounts: accounts } };
    }
    case "REGISTRATION_INACTIVE":
      return { code, params: { statuses: [...new Set(top.map((d) => String(d.params.registrationStatus)))].sort(), channelAccounts: accounts } };
    case "EXCLUDED_BY_RULE":
    case "NOT_FORCED":
      // Rules run after eligibility and never empty the set except through EXCLUDE.
      return { code: "ALL_EXCLUDED", params: { channelAccounts: accounts } };
    default:
      return { code, params: { channelAccounts: accounts } };
  }
}

// ---------------------------------------------------------------------------------------------

interface CandidateRecord {
  readonly candidate: RegisteredCandidate;
  readonly counters: EffectiveCounters;
  drop: Drop | null;
  rank?: number;
  costMinor?: bigint;
}

export interface Evaluation {
  readonly decision: Decision;
  /** The ranked accounts, whether or not the decision may carry them as fallbacks. */
  readonly ranked: readonly Eligible[];
}

/** The whole pipeline; route, routeUncompiled and productsFor are views of it. */
export function evaluate(req: RoutingRequest, lookup: RoutingLookup, live: LiveState | undefined, opts: EvaluateOptions): Evaluation {
  assertRequest(req);
  const config = lookup.config;
  const ruleSet = config.ruleSet;
  const timeZone = req.timeZone ?? DEFAULT_TIME_ZONE;
  const checks: TraceCheck[] = [];
  const warnings: { code: string; params: CodeParams }[] = [];
  const records: CandidateRecord[] = [];
  const traceRules: TraceRule[] = [];
  let omittedRules = 0;
  let unregistered = 0;
  let merchantToday: RoutingTrace["merchantToday"];
  let channelFilter: RoutingTrace["channelFilter"] = req.channelFilter
    ? {
        ...(req.channelFilter.forceChannel !== undefined ? { forceChannel: req.channelFilter.forceChannel } : {}),
        ...(req.channelFilter.excludeChannels !== undefined ? { excludeChannels: [...req.channelFilter.excludeChannels] } : {}),
      }
    : undefined;
  let strategy: RoutingTrace["strategy"] = { configured: ruleSet.strategy, applied: ruleSet.strategy };

  const trace = (outcome: "ROUTED" | "NO_ROUTE", chosen: string | null, fallbacks: readonly string[], reason?: NoRouteCode): RoutingTrace => {
    const { candidates, omitted } = traceCandidates(records);
    return {
      format: TRACE_FORMAT,
      configVersion: config.version,
      ruleSetVersion: ruleSet.version,
      request: {
        settlementMode: req.settlementMode,
        merchantId: req.merchantId,
        ...(req.storeId !== undefined ? { storeId: req.storeId } : {}),
        orderType: req.orderType,
        product: req.product,
        amountMinor: req.amountMinor.toString(),
        at: req.at.toISOString(),
        timeZone,
        // What the checks saw: a device id counts as DEVICE.
        elements: [...presentElements(req)],
        random: req.random,
      },
      checks,
      ...(merchantToday ? { merchantToday } : {}),
      unregisteredAccounts: unregistered,
      ...(channelFilter ? { channelFilter } : {}),
      candidates,
      omittedCandidates: omitted,
      rules: traceRules,
      omittedRules,
      strategy,
      warnings,
      outcome,
      chosen,
      fallbacks,
      ...(reason ? { reason } : {}),
    };
  };
  const noRoute = (code: NoRouteCode, params: CodeParams): Evaluation => ({
    decision: {
      outcome: "NO_ROUTE",
      reason: { code, params, message: noRouteMessage(code, params), userActionNeeded: code === "ELEMENT_MISSING" },
      trace: trace("NO_ROUTE", null, [], code),
    },
    ranked: [],
  });

  // 1. The product is offered for this order type and amount.
  if (opts.checkProductRule) {
    const pr = lookup.productRule(req.orderType, req.product, req.merchantId);
    const fail = checkProductRule(pr, req.orderType, req.product, req.amountMinor);
    checks.push({ check: "PRODUCT_RULE", ok: fail === null, ...(pr ? { ruleId: pr.id } : {}), ...(fail ? { code: fail.code, params: fail.params } : {}) });
    if (fail) return noRoute(fail.code, fail.params);
  }

  // 2. The merchant's own limits.
  const limit = lookup.merchantLimit(req.merchantId);
  const totals = merchantTotals(limit, req.merchantId, live);
  merchantToday = { amountMinor: totals.todayAmountMinor.toString(), count: totals.todayCount };
  const limitFail = checkMerchantLimit(limit, totals, req.amountMinor);
  checks.push({ check: "MERCHANT_LIMIT", ok: limitFail === null, ...(limitFail ? { code: limitFail.code, params: limitFail.params } : {}) });
  if (limitFail) return noRoute(limitFail.code, limitFail.params);

  // 3. Some account carries the product, and there is a price. DIRECT: the registration's channel
  // rate (checked per account); CUSTODIAL: a fee rule.
  const carrying = lookup.accountsCarrying(req.product);
  if (carrying === 0) return noRoute("NO_CHANNEL_FOR_PRODUCT", { product: req.product });
  const feeRule: FeeRule | undefined = lookup.feeRule(req.product, req.merchantId);
  if (req.settlementMode === "CUSTODIAL") {
    checks.push({ check: "FEE_RULE", ok: feeRule !== undefined, ...(feeRule ? { ruleId: feeRule.id } : { code: "NO_FEE_RULE" }) });
    if (!feeRule) return noRoute("NO_FEE_RULE", { product: req.product });
  } else {
    checks.push({ check: "FEE_RULE", ok: true, code: "DIRECT_REGISTRATION_RATE", ...(feeRule ? { ruleId: feeRule.id } : {}) });
  }

  // 4. Eligibility of every account carrying the product where the merchant is registered, less
  // those the request's own channel filter leaves out: before any check, so a refusal speaks of
  // the accounts the merchant asked for, and before the rules, so no rule or fallback brings one back.
  let registered = lookup.registeredCandidates(req.merchantId, req.storeId, req.product);
  unregistered = carrying - registered.length;
  if (registered.length === 0) return noRoute("NO_REGISTRATION", { product: req.product });
  if (req.channelFilter) {
    const { kept, emptiedBy } = filterCandidates(req.channelFilter, registered);
    channelFilter = { ...channelFilter, removedAccounts: registered.length - kept.length };
    if (emptiedBy) return noRoute("ALL_EXCLUDED", { channelAccounts: registered.length, filter: emptiedBy });
    registered = kept;
  }

  const ctx = new CheckContext(req, live, opts.ignoreElements);
  let eligible: CandidateRecord[] = [];
  const drops: Drop[] = [];
  for (const c of registered) {
    const counters = effectiveCounters(c.account, live);
    const drop = checkCandidate(ctx, c, counters, lookup.window(c.account));
    const rec: CandidateRecord = { candidate: c, counters, drop };
    records.push(rec);
    if (drop) drops.push(drop);
    else eligible.push(rec);
  }
  if (eligible.length === 0) {
    const r = reasonFromDrops(drops, req.product);
    return noRoute(r.code, r.params);
  }

  // 5. Rules: every matching EXCLUDE, then FORCE rules in order, each narrowing when it can.
  const matched: RoutingRule[] = [];
  for (const rule of lookup.rulesFor(req.product)) if (conditionsMatch(rule.conditions, req)) matched.push(rule);
  const pushRule = (rule: RoutingRule, effect: TraceRule["effect"], ids: string[]) => {
    if (traceRules.length < TRACE_MAX_RULES) traceRules.push({ ruleId: rule.id, name: rule.name, action: rule.action, effect, channelAccountIds: ids });
    else omittedRules++;
  };
  for (const rule of matched) {
    if (rule.action !== "EXCLUDE") continue;
    const removed: string[] = [];
    eligible = eligible.filter((rec) => {
      if (!rule.targetChannelAccountIds.includes(rec.candidate.account.id)) return true;
      rec.drop = { code: "EXCLUDED_BY_RULE", params: { ruleId: rule.id } };
      removed.push(rec.candidate.account.id);
      return false;
    });
    pushRule(rule, removed.length > 0 ? "REMOVED" : "NO_EFFECT", removed);
  }
  if (eligible.length === 0) return noRoute("ALL_EXCLUDED", { channelAccounts: records.filter((r) => r.drop?.code === "EXCLUDED_BY_RULE").length });
  for (const rule of matched) {
    if (rule.action !== "FORCE") continue;
    const kept = eligible.filter((rec) => rule.targetChannelAccountIds.includes(rec.candidate.account.id));
    if (kept.length === 0) {
      pushRule(rule, "NO_ELIGIBLE_TARGET", []);
      continue;
    }
    if (kept.length === eligible.length) {
      pushRule(rule, "NO_EFFECT", kept.map((r) => r.candidate.account.id));
      continue;
    }
    for (const rec of eligible) if (!kept.includes(rec)) rec.drop = { code: "NOT_FORCED", params: { ruleId: rule.id } };
    eligible = kept;
    pushRule(rule, "NARROWED", kept.map((r) => r.candidate.account.id));
  }

  // 6. Strategy.
  const pool: Eligible[] = eligible.map((rec) => {
    rec.costMinor = channelCost(rec.candidate.account.cost, req.amountMinor);
    return { candidate: rec.candidate, counters: rec.counters, costMinor: rec.costMinor };
  });
  const minSample = ruleSet.successRateMinSample ?? DEFAULT_SUCCESS_RATE_MIN_SAMPLE;
  const ranking = rank(pool, ruleSet.strategy, req.random, minSample);
  strategy = {
    configured: ruleSet.strategy,
    applied: ranking.applied,
    ...(ranking.note ? { note: ranking.note } : {}),
    ...(ranking.minSample !== undefined ? { minSample: ranking.minSample } : {}),
  };
  const recByAccount = new Map(eligible.map((r) => [r.candidate.account.id, r]));
  ranking.ranked.forEach((e, i) => {
    const rec = recByAccount.get(e.candidate.account.id);
    if (rec) rec.rank = i + 1;
  });

  // 7. Money, for the chosen account and each fallback.
  const toOption = (e: Eligible): RouteOption => {
    const { account, registration } = e.candidate;
    const price = feeRateFor(req.settlementMode, feeRule, registration);
    // Unreachable: CUSTODIAL returned NO_FEE_RULE above and DIRECT dropped rate-less registrations.
    if (!price) throw new Error(`no price for registration ${registration.id}`);
    const feeMinor = merchantFee(price.rule, req.amountMinor);
    return {
      channelAccountId: account.id,
      channelAccountName: account.name,
      channelType: account.channelType,
      registrationId: registration.id,
      isProbe: e.counters.health === "HALF_OPEN",
      feeMinor,
      costMinor: e.costMinor,
      marginMinor: marginOf(feeMinor, e.costMinor),
      feeSource: price.source,
    };
  };
  const [first, ...rest] = ranking.ranked;
  if (!first) throw new Error("ranking lost every candidate");
  const chosen = toOption(first);
  // Face and payment-code products may have moved money before a failure is known: never retry elsewhere.
  const fallbacks = NO_FALLBACK_PRODUCTS.has(req.product) || !ruleSet.fallbackEnabled ? [] : rest.map(toOption);

  if (req.settlementMode === "DIRECT" && feeRule) {
    const rate = first.candidate.registration.channelRatePpm;
    if (rate !== undefined && (feeRule.feeRatePpm !== rate || (feeRule.fixedMinor ?? 0n) !== 0n || (feeRule.minMinor ?? 0n) !== 0n || feeRule.maxMinor !== undefined)) {
      warnings.push({
        code: "DIRECT_FEE_RULE_IGNORED",
        params: { feeRuleId: feeRule.id, feeRate: formatPpm(feeRule.feeRatePpm), channelRate: formatPpm(rate), registrationId: first.candidate.registration.id },
      });
    }
  }

  return {
    decision: {
      outcome: "ROUTED",
      chosen,
      fallbacks,
      feeMinor: chosen.feeMinor,
      costMinor: chosen.costMinor,
      marginMinor: chosen.marginMinor,
      trace: trace(
        "ROUTED",
        chosen.channelAccountId,
        fallbacks.map((f) => f.channelAccountId),
      ),
    },
    ranked: ranking.ranked,
  };
}

function traceCandidates(records: readonly CandidateRecord[]): { candidates: TraceCandidate[]; omitted: RoutingTrace["omittedCandidates"] } {
  const sorted = [...records].sort((a, b) => {
    if (a.rank !== undefined || b.rank !== undefined) return (a.rank ?? Infinity) - (b.rank ?? Infinity);
    const sa = a.drop ? dropStage(a.drop.code) : -1;
    const sb = b.drop ? dropStage(b.drop.code) : -1;
    return sb - sa || idCmp(a.candidate.account.id, b.candidate.account.id);
  });
  const candidates: TraceCandidate[] = [];
  const byCode: Record<string, number> = {};
  let count = 0;
  for (const rec of sorted) {
    if (candidates.length >= TRACE_MAX_CANDIDATES) {
      count++;
      const code: DropCode | "RANKED" = rec.drop?.code ?? "RANKED";
      byCode[code] = (byCode[code] ?? 0) + 1;
      continue;
    }
    const { account, registration } = rec.candidate;
    const live = { health: rec.counters.health, todayAmountMinor: rec.counters.todayAmountMinor.toString(), todayCount: rec.counters.todayCount };
    if (rec.rank !== undefined) {
      candidates.push({
        channelAccountId: account.id,
        registrationId: registration.id,
        status: "RANKED",
        rank: rec.rank,
        ...(rec.counters.health === "HALF_OPEN" ? { isProbe: true } : {}),
        score: {
          costMinor: (rec.costMinor ?? 0n).toString(),
          priority: account.priority,
          weight: account.weight,
          successRatePpm: rec.counters.successRatePpm,
          sampleSize: rec.counters.sampleSize,
        },
        live,
      });
    } else {
      candidates.push({
        channelAccountId: account.id,
        registrationId: registration.id,
        status: "DROPPED",
        ...(rec.drop ? { drop: rec.drop } : {}),
        live,
      });
    }
  }
  return { candidates, omitted: { count, byCode } };
}

/** The elements a product needs on the given accounts: the smallest set first, then the other sets. */
export function elementOptions(ranked: readonly Eligible[], product: RoutingRequest["product"]): PaymentElement[][] {
  const sets = new Map<string, PaymentElement[]>();
  for (const e of ranked) {
    const req = [...(e.candidate.account.elements[product] ?? [])].sort();
    sets.set(req.join(","), req);
  }
  return [...sets.values()].sort((a, b) => a.length - b.length || idCmp(a.join(","), b.join(",")));
}
