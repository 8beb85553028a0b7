// The plain data the routing engine works over, and the decisions it returns. No I/O here: the
// service loads these from the database (one `RoutingConfig` per tenant and version, plus the live
// counters of `LiveState` per decision) and stores the decision and its trace. In memory, amounts
// are `bigint` minor units (fen); every persisted form carries them as decimal strings (see
// schema.ts for the parse / serialise helpers), and the trace is JSON as it stands.
import type { ChannelType, PaymentElement, ProductCode } from "@/server/channels/types";

export const ROUTING_ORDER_TYPES = ["CONSUMPTION", "RECHARGE"] as const;
/** The order types that reach routing (refunds, reversals and queries never do). */
export type RoutingOrderType = (typeof ROUTING_ORDER_TYPES)[number];

export const SETTLEMENT_MODES = ["DIRECT", "CUSTODIAL"] as const;
export type SettlementMode = (typeof SETTLEMENT_MODES)[number];

export const CHANNEL_HEALTH_STATES = ["HEALTHY", "PAUSED", "HALF_OPEN"] as const;
/** PAUSED accounts take no payments; HALF_OPEN ones are admitted as probes after a cool-down. */
export type ChannelHealth = (typeof CHANNEL_HEALTH_STATES)[number];

export const REGISTRATION_STATUSES = ["PENDING", "ACTIVE", "SUSPENDED", "REJECTED"] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];

export const ROUTING_STRATEGIES = ["LOWEST_COST", "PRIORITY", "WEIGHTED", "SUCCESS_RATE"] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

export const RULE_ACTIONS = ["FORCE", "EXCLUDE"] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

export const DEFAULT_TIME_ZONE = "Asia/Shanghai";
/** SUCCESS_RATE ranks an account by its success rate only with at least this many recent payments. */
export const DEFAULT_SUCCESS_RATE_MIN_SAMPLE = 20;

/**
 * A per-payment charge: `feeRatePpm` of the amount (half-up) plus `fixedMinor`, clamped to
 * [minMinor, maxMinor] and never above the amount (money.ts `feeFor`). Used for the merchant fee
 * and for the channel's cost to the tenant.
 */
export interface RateRule {
  readonly feeRatePpm: number;
  readonly fixedMinor?: bigint;
  readonly minMinor?: bigint;
  readonly maxMinor?: bigint;
}

/**
 * Hours an account takes payments, local "HH:MM" (00:00–23:59). Start inclusive, end exclusive;
 * start > end wraps midnight ("22:00"–"06:00"); start = end means all day. `timeZone` (IANA)
 * defaults to the request's, which defaults to Asia/Shanghai.
 */
export interface TimeWindow {
  readonly startLocal: string;
  readonly endLocal: string;
  readonly timeZone?: string;
}

/** One channel account as routing sees it: configuration plus the counters as they stand now. */
export interface ChannelAccountCandidate {
  readonly id: string;
  readonly channelType: ChannelType;
  readonly name: string;
  readonly enabled: boolean;
  readonly health: ChannelHealth;
  readonly products: readonly ProductCode[];
  /** From the connector's attributes: what the payer or device must supply, per product. */
  readonly elements: Readonly<Partial<Record<ProductCode, readonly PaymentElement[]>>>;
  /** Per-transaction limits: the stricter of the connector's and the account's (eligibility.ts effectiveAmountRange). */
  readonly minAmountMinor: bigint;
  readonly maxAmountMinor: bigint;
  /** Lower runs first (1 before 100); ties break on id. */
  readonly priority: number;
  /** Share of traffic under WEIGHTED; 0 takes none (it may still be a fallback). */
  readonly weight: number;
  readonly timeWindow?: TimeWindow;
  readonly dailyAmountCapMinor?: bigint;
  readonly dailyCountCap?: number;
  /** Today's business-date totals of PROCESSING + SUCCEEDED payments (overridable by LiveState). */
  readonly todayAmountMinor: bigint;
  readonly todayCount: number;
  /** What the channel charges the tenant per payment. */
  readonly cost: RateRule;
  /** Recent success rate in ppm (950000 = 95%) over `recentSampleSize` payments. */
  readonly recentSuccessRatePpm: number;
  readonly recentSampleSize: number;
}

/** A merchant's registration (进件) at a channel account: the only identity a payment may carry. */
export interface Registration {
  readonly id: string;
  readonly merchantId: string;
  /** Absent: covers every store of the merchant; a store's own registration wins over it. */
  readonly storeId?: string;
  readonly channelAccountId: string;
  readonly status: RegistrationStatus;
  /** The merchant rate agreed at the channel; in DIRECT mode it is the merchant's fee. */
  readonly channelRatePpm?: number;
}

/** The merchant fee for a product (CUSTODIAL mode). A merchant's own rule beats the tenant default. */
export interface FeeRule extends RateRule {
  readonly id: string;
  readonly product: ProductCode;
  /** Absent: the tenant's default for the product. */
  readonly merchantId?: string;
}

/** Per-merchant limits with today's totals (PROCESSING + SUCCEEDED) as they stand. */
export interface MerchantLimit {
  readonly merchantId: string;
  readonly perTransactionMaxMinor?: bigint;
  readonly dailyAmountCapMinor?: bigint;
  readonly dailyCountCap?: number;
  readonly todayAmountMinor: bigint;
  readonly todayCount: number;
}

/**
 * Whether a product is offered for an order type, and for which amounts. One rule per (product,
 * order type, scope); a merchant's own rule beats the tenant default. A product with no rule is
 * not offered: offering is opt-in.
 */
export interface ProductRule {
  readonly id: string;
  readonly product: ProductCode;
  readonly orderType: RoutingOrderType;
  readonly enabled: boolean;
  readonly minAmountMinor?: bigint;
  readonly maxAmountMinor?: bigint;
  readonly merchantId?: string;
}

/**
 * When a routing rule applies. Every field present must match (AND); a list matches when it
 * contains the request's value (OR); an absent or empty list matches everything. The amount range
 * is inclusive at both ends; metadata entries must all equal the request's values.
 */
export interface RuleConditions {
  readonly merchantIds?: readonly string[];
  readonly storeIds?: readonly string[];
  readonly orderTypes?: readonly RoutingOrderType[];
  readonly products?: readonly ProductCode[];
  readonly minAmountMinor?: bigint;
  readonly maxAmountMinor?: bigint;
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * FORCE narrows the eligible accounts to its targets when at least one target is eligible (else it
 * is skipped and the trace says so); EXCLUDE removes its targets. All matching EXCLUDE rules apply
 * first (an exclusion is never overridden), then FORCE rules in `order`, each narrowing further.
 */
export interface RoutingRule {
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly action: RuleAction;
  readonly targetChannelAccountIds: readonly string[];
  readonly conditions: RuleConditions;
  /** Ascending; ties break on id. */
  readonly order: number;
}

export interface RuleSet {
  readonly version: number;
  readonly strategy: RoutingStrategy;
  readonly rules: readonly RoutingRule[];
  /** When false, a decision never carries fallbacks (face and code products never do anyway). */
  readonly fallbackEnabled: boolean;
  /** SUCCESS_RATE: the minimum recent sample to rank by success rate; default 20. */
  readonly successRateMinSample?: number;
}

/**
 * Everything routing needs for one tenant, as of one version. `tenantId` + `version` key the
 * compiled cache, so `version` must change whenever any part changes (counters excepted: those
 * come per decision through LiveState).
 */
export interface RoutingConfig {
  readonly tenantId: string;
  readonly version: string;
  readonly accounts: readonly ChannelAccountCandidate[];
  readonly registrations: readonly Registration[];
  readonly feeRules: readonly FeeRule[];
  readonly merchantLimits: readonly MerchantLimit[];
  readonly productRules: readonly ProductRule[];
  readonly ruleSet: RuleSet;
}

/**
 * The payment's own narrowing of its candidates (the merchant API's `routing`); each entry names a
 * channel type ("WECHAT") or a channel account id. It applies to the accounts the merchant is
 * registered at before any check or rule: `forceChannel` keeps only that type or account, then
 * `excludeChannels` removes theirs. The ranking, and so the fallbacks, hold nothing else.
 */
export interface ChannelFilter {
  readonly forceChannel?: string;
  readonly excludeChannels?: readonly string[];
}

export interface RoutingRequest {
  readonly settlementMode: SettlementMode;
  readonly merchantId: string;
  readonly storeId?: string;
  /** A device id also counts as the DEVICE element. */
  readonly deviceId?: string;
  readonly orderType: RoutingOrderType;
  readonly product: ProductCode;
  readonly amountMinor: bigint;
  readonly at: Date;
  /** The tenant's time zone for time windows; default Asia/Shanghai. */
  readonly timeZone?: string;
  readonly elements: readonly PaymentElement[];
  readonly metadata?: Readonly<Record<string, string>>;
  /** Uniform in [0, 1): the draw for WEIGHTED. Math.random() in production, fixed in tests. */
  readonly random: number;
  readonly channelFilter?: ChannelFilter;
}

/** Counters that change with every payment, read fresh per decision (they override the config's). */
export interface AccountLive {
  readonly health?: ChannelHealth;
  readonly todayAmountMinor?: bigint;
  readonly todayCount?: number;
  readonly recentSuccessRatePpm?: number;
  readonly recentSampleSize?: number;
}

export interface MerchantLive {
  readonly todayAmountMinor: bigint;
  readonly todayCount: number;
}

export interface LiveState {
  account(channelAccountId: string): AccountLive | undefined;
  merchant(merchantId: string): MerchantLive | undefined;
}

// ---------------------------------------------------------------------------------------------
// Decisions

/** Why a channel account was dropped, in the order the checks run (the first failure is kept). */
export const DROP_CODES = [
  "CHANNEL_DISABLED",
  "REGISTRATION_INACTIVE",
  "REGISTRATION_RATE_MISSING",
  "CHANNEL_PAUSED",
  "AMOUNT_OUT_OF_RANGE",
  "DAILY_LIMIT_EXCEEDED",
  "OUTSIDE_TIME_WINDOW",
  "ELEMENT_MISSING",
  // After eligibility: the rules.
  "EXCLUDED_BY_RULE",
  "NOT_FORCED",
] as const;
export type DropCode = (typeof DROP_CODES)[number];

export const NO_ROUTE_CODES = [
  "PRODUCT_NOT_OFFERED",
  "MERCHANT_LIMIT_EXCEEDED",
  "NO_FEE_RULE",
  "NO_CHANNEL_FOR_PRODUCT",
  "NO_REGISTRATION",
  "CHANNEL_DISABLED",
  "REGISTRATION_INACTIVE",
  "REGISTRATION_RATE_MISSING",
  "CHANNEL_PAUSED",
  "AMOUNT_OUT_OF_RANGE",
  "DAILY_LIMIT_EXCEEDED",
  "OUTSIDE_TIME_WINDOW",
  "ELEMENT_MISSING",
  "ALL_EXCLUDED",
] as const;
export type NoRouteCode = (typeof NO_ROUTE_CODES)[number];

/** Parameters of a code, for the translated message: JSON values only. */
export type CodeParams = Readonly<Record<string, string | number | boolean | readonly string[]>>;

export type FeeSource =
  | { readonly kind: "FEE_RULE"; readonly feeRuleId: string }
  | { readonly kind: "REGISTRATION_RATE"; readonly registrationId: string; readonly feeRatePpm: number };

/** One way to carry the payment: the account, the merchant's own registration there, and the money. */
export interface RouteOption {
  readonly channelAccountId: string;
  readonly channelAccountName: string;
  readonly channelType: ChannelType;
  readonly registrationId: string;
  /** The account is HALF_OPEN: this payment is the probe that decides whether it reopens. */
  readonly isProbe: boolean;
  readonly feeMinor: bigint;
  readonly costMinor: bigint;
  readonly marginMinor: bigint;
  readonly feeSource: FeeSource;
}

export interface RoutedDecision {
  readonly outcome: "ROUTED";
  readonly chosen: RouteOption;
  /** Try in order, only after a definite failure that proves no money moved. */
  readonly fallbacks: readonly RouteOption[];
  /** The chosen option's merchant fee, channel cost and fee − cost (platform fee excluded). */
  readonly feeMinor: bigint;
  readonly costMinor: bigint;
  readonly marginMinor: bigint;
  readonly trace: RoutingTrace;
}

export interface NoRouteReason {
  readonly code: NoRouteCode;
  readonly params: CodeParams;
  /** For logs and operators; people see the catalogue message for `code` with `params`. */
  readonly message: string;
  /** True when the payer or device can act (supply a missing element) and try again. */
  readonly userActionNeeded: boolean;
}

export interface NoRouteDecision {
  readonly outcome: "NO_ROUTE";
  readonly reason: NoRouteReason;
  readonly trace: RoutingTrace;
}

export type Decision = RoutedDecision | NoRouteDecision;

// ---------------------------------------------------------------------------------------------
// The trace: plain JSON (amounts as decimal strings), bounded in size, stored with the decision.

export const TRACE_FORMAT = 1;
/** At most this many candidates and rules are listed; the rest are counted by code. */
export const TRACE_MAX_CANDIDATES = 40;
export const TRACE_MAX_RULES = 20;

export interface TraceCheck {
  readonly check: "PRODUCT_RULE" | "MERCHANT_LIMIT" | "FEE_RULE";
  readonly ok: boolean;
  /** The rule that decided (product or fee rule id), when there is one. */
  readonly ruleId?: string;
  readonly code?: string;
  readonly params?: CodeParams;
}

export interface TraceCandidate {
  readonly channelAccountId: string;
  readonly registrationId?: string;
  readonly status: "RANKED" | "DROPPED";
  /** 1 = chosen; present for RANKED only. */
  readonly rank?: number;
  readonly drop?: { readonly code: DropCode; readonly params: CodeParams };
  readonly isProbe?: boolean;
  /** The inputs the strategy compared (RANKED only). */
  readonly score?: {
    readonly costMinor: string;
    readonly priority: number;
    readonly weight: number;
    readonly successRatePpm: number;
    readonly sampleSize: number;
  };
  /** The counters as they stood, so the decision can be replayed (see dry-run.ts). */
  readonly live: { readonly health: ChannelHealth; readonly todayAmountMinor: string; readonly todayCount: number };
}

export interface TraceRule {
  readonly ruleId: string;
  readonly name: string;
  readonly action: RuleAction;
  /**
   * REMOVED / NARROWED: it changed the set; NO_EFFECT: it matched but none of its targets were in
   * play; NO_ELIGIBLE_TARGET: a FORCE whose targets were all ineligible, so it was skipped.
   */
  readonly effect: "REMOVED" | "NARROWED" | "NO_EFFECT" | "NO_ELIGIBLE_TARGET";
  readonly channelAccountIds: readonly string[];
}

export interface RoutingTrace {
  readonly format: typeof TRACE_FORMAT;
  readonly configVersion: string;
  readonly ruleSetVersion: number;
  readonly request: {
    readonly settlementMode: SettlementMode;
    readonly merchantId: string;
    readonly storeId?: string;
    readonly orderType: RoutingOrderType;
    readonly product: ProductCode;
    readonly amountMinor: string;
    readonly at: string;
    readonly timeZone: string;
    readonly elements: readonly PaymentElement[];
    readonly random: number;
  };
  readonly checks: readonly TraceCheck[];
  /** Today's merchant totals as they stood (for replays). */
  readonly merchantToday?: { readonly amountMinor: string; readonly count: number };
  /** Accounts carrying the product where this merchant (or store) has no registration: counted, not listed. */
  readonly unregisteredAccounts: number;
  /**
   * The request's channel filter, when it had one, and how many of the merchant's accounts it took
   * out (counted, not listed, like unregistered ones; absent when the decision ended before it).
   */
  readonly channelFilter?: ChannelFilter & { readonly removedAccounts?: number };
  /** Ranked first (in rank order), then dropped ones, nearest to eligible first. */
  readonly candidates: readonly TraceCandidate[];
  readonly omittedCandidates: { readonly count: number; readonly byCode: Readonly<Record<string, number>> };
  readonly rules: readonly TraceRule[];
  readonly omittedRules: number;
  readonly strategy: {
    readonly configured: RoutingStrategy;
    /** What actually ordered the candidates (WEIGHTED with all weights 0 falls back to PRIORITY). */
    readonly applied: RoutingStrategy;
    readonly note?: string;
    readonly minSample?: number;
  };
  readonly warnings: readonly { readonly code: string; readonly params: CodeParams }[];
  readonly outcome: "ROUTED" | "NO_ROUTE";
  readonly chosen: string | null;
  readonly fallbacks: readonly string[];
  readonly reason?: NoRouteCode;
}

// ---------------------------------------------------------------------------------------------
// Configuration issues (validate.ts, fees.ts): a stable code with params for the catalogue, and
// an English message for people reading logs or the API.

export type IssueSeverity = "ERROR" | "WARNING";

export interface ConfigIssue {
  readonly code: string;
  readonly severity: IssueSeverity;
  /** Where in the configuration, e.g. "ruleSet.rules[3].targetChannelAccountIds[0]". */
  readonly path: string;
  readonly params: CodeParams;
  readonly message: string;
}
