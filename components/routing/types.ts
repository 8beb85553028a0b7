import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";
import type { PaymentElement, ProductCode } from "@/server/channels/types";
import type {
  CodeParams,
  ConfigIssue,
  DropCode,
  NoRouteCode,
  RoutingOrderType,
  RoutingStrategy,
  RoutingTrace,
  RuleAction,
  TraceCandidate,
  TraceCheck,
  TraceRule,
} from "@/server/core/routing/types";

// What the routing procedures return, as the client sees it after superjson (bigint and Date
// intact), and the engine's vocabulary (types only: components never import server code).
type Out = inferRouterOutputs<AppRouter>;
type In = inferRouterInputs<AppRouter>;

export type RuleSetRow = Out["routing"]["ruleSets"][number];
export type StoredRule = RuleSetRow["rules"][number];
export type RuleSetInput = In["routing"]["saveDraft"];
export type DryRunResult = Out["routing"]["dryRun"];
export type DryRunVolume = DryRunResult["overall"]["total"]["current"];
export type DryRunAccountChange = DryRunResult["overall"]["accounts"][number];
export type DryRunRuleBucket = DryRunResult["byRule"][number];
export type DecisionRow = Out["routing"]["decisions"][number];
export type DecisionDetail = Out["routing"]["decision"];
export type PreviewResult = Out["routing"]["preview"];
export type OfferResult = Out["routing"]["offer"];
export type ChannelAccountRow = Out["channels"]["list"][number];

export type {
  CodeParams,
  ConfigIssue,
  DropCode,
  NoRouteCode,
  PaymentElement,
  ProductCode,
  RoutingOrderType,
  RoutingStrategy,
  RoutingTrace,
  RuleAction,
  TraceCandidate,
  TraceCheck,
  TraceRule,
};

// The same lists as server/core/routing/types.ts and server/channels/types.ts (only their types
// may be imported here); `satisfies` keeps them from drifting apart silently.
export const STRATEGIES = ["LOWEST_COST", "PRIORITY", "WEIGHTED", "SUCCESS_RATE"] as const satisfies readonly RoutingStrategy[];
export const RULE_ACTIONS = ["FORCE", "EXCLUDE"] as const satisfies readonly RuleAction[];
export const ROUTING_ORDER_TYPES = ["CONSUMPTION", "RECHARGE"] as const satisfies readonly RoutingOrderType[];
export const PAYMENT_ELEMENTS = ["FACE_CODE", "AUTH_CODE", "DEVICE", "PAYER_IP", "CONTRACT", "WALLET"] as const satisfies readonly PaymentElement[];
export const PRODUCTS = [
  "WECHAT_FACE",
  "ALIPAY_FACE",
  "WECHAT_CODE",
  "ALIPAY_CODE",
  "WECHAT_QR",
  "ALIPAY_QR",
  "WALLET",
  "BANK_QUICK",
] as const satisfies readonly ProductCode[];
export const DROP_CODES = [
  "CHANNEL_DISABLED",
  "REGISTRATION_INACTIVE",
  "REGISTRATION_RATE_MISSING",
  "CHANNEL_PAUSED",
  "AMOUNT_OUT_OF_RANGE",
  "DAILY_LIMIT_EXCEEDED",
  "OUTSIDE_TIME_WINDOW",
  "ELEMENT_MISSING",
  "EXCLUDED_BY_RULE",
  "NOT_FORCED",
] as const satisfies readonly DropCode[];
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
] as const satisfies readonly NoRouteCode[];
export const RULE_SET_STATUSES = ["DRAFT", "PUBLISHED", "SUPERSEDED"] as const;
export type RuleSetStatus = (typeof RULE_SET_STATUSES)[number];

/** Every console amount here is in this currency: routing prices CNY payments only. */
export const CURRENCY = "CNY";

export function isStrategy(value: unknown): value is RoutingStrategy {
  return typeof value === "string" && (STRATEGIES as readonly string[]).includes(value);
}

export function isDropCode(value: unknown): value is DropCode {
  return typeof value === "string" && (DROP_CODES as readonly string[]).includes(value);
}

export function isNoRouteCode(value: unknown): value is NoRouteCode {
  return typeof value === "string" && (NO_ROUTE_CODES as readonly string[]).includes(value);
}

export function isRuleSetStatus(value: unknown): value is RuleSetStatus {
  return typeof value === "string" && (RULE_SET_STATUSES as readonly string[]).includes(value);
}
