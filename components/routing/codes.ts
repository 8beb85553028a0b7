import { healthLabel, orderTypeLabel, productLabel, registrationStatusLabel } from "@/components/channels/labels";
import type { Locale } from "@/i18n/define";
import { formatMoney, formatNumber } from "@/i18n/format";
import type { Translate } from "@/i18n/translate";
import {
  CURRENCY,
  DROP_CODES,
  NO_ROUTE_CODES,
  PAYMENT_ELEMENTS,
  PRODUCTS,
  ROUTING_ORDER_TYPES,
  type CodeParams,
  type ConfigIssue,
  type DropCode,
  type NoRouteCode,
  type PaymentElement,
  type TraceCheck,
} from "./types";

// The engine's codes (drop reasons, no-route reasons, configuration issues, trace checks,
// warnings, strategy notes) in the reader's language, with their parameters made readable: fen as
// money, ids as names, products and elements by their labels. A code the catalogue does not know
// (a newer server) falls back to the server's English message or the code itself.

/** Names for the ids that appear in parameters; each returns something readable for an unknown id. */
export interface Names {
  account(id: string): string;
  rule(id: string): string;
  merchant(id: string): string;
}

export interface CodeContext {
  t: Translate;
  locale: Locale;
  names: Names;
}

export const ISSUE_CODES = [
  "MIN_SAMPLE_INVALID",
  "RULE_ID_DUPLICATE",
  "RULE_NAME_EMPTY",
  "RULE_ORDER_INVALID",
  "RULE_NO_TARGETS",
  "UNKNOWN_CHANNEL_ACCOUNT",
  "FORCE_TARGET_LACKS_PRODUCT",
  "FORCE_WITHOUT_CONDITIONS",
  "EXCLUDE_WITHOUT_CONDITIONS",
  "AMOUNT_RANGE_INVALID",
  "AMOUNT_NEGATIVE",
  "METADATA_KEY_EMPTY",
  "FORCE_CONFLICT",
  "WEIGHT_INVALID",
  "PRIORITY_INVALID",
  "WEIGHTS_ALL_ZERO",
  "ACCOUNT_ID_DUPLICATE",
  "RATE_INVALID",
  "RATE_RANGE_INVALID",
  "TIME_WINDOW_INVALID",
  "TIME_ZONE_INVALID",
  "ELEMENTS_UNDECLARED",
  "REGISTRATION_UNKNOWN_ACCOUNT",
  "REGISTRATION_DUPLICATE",
  "FEE_RULE_DUPLICATE",
  "PRODUCT_RULE_DUPLICATE",
  "FEE_RULE_MISSING",
  "MERCHANT_LIMIT_BLOCKS_ALL",
  "DIRECT_REGISTRATION_RATE_MISSING",
  "DIRECT_FEE_RATE_MISMATCH",
  "DIRECT_FEE_EXTRA_COMPONENT",
] as const;
export type IssueCode = (typeof ISSUE_CODES)[number];

const AMOUNT_FIELDS = ["minAmountMinor", "maxAmountMinor", "fixedMinor", "minMinor", "maxMinor"] as const;
const FEE_COMPONENTS = ["fixed", "minimum", "maximum"] as const;
const STRATEGY_NOTES = ["ALL_WEIGHTS_ZERO", "NO_CANDIDATE_WITH_MIN_SAMPLE", "UNSAMPLED_RANKED_LAST"] as const;
const REGISTRATION_STATUSES = ["PENDING", "ACTIVE", "SUSPENDED", "REJECTED"] as const;
const HEALTH_STATES = ["HEALTHY", "PAUSED", "HALF_OPEN"] as const;

function isOneOf<T extends string>(list: readonly T[], value: unknown): value is T {
  return typeof value === "string" && (list as readonly string[]).includes(value);
}

export function isIssueCode(code: unknown): code is IssueCode {
  return isOneOf(ISSUE_CODES, code);
}

// ---------------------------------------------------------------------------------------------
// Parameter formatting

const ELLIPSIS = "…";

function list(locale: Locale, items: readonly string[], type: "conjunction" | "disjunction" = "conjunction"): string {
  if (items.length === 0) return ELLIPSIS;
  return new Intl.ListFormat(locale, { style: "long", type }).format(items);
}

function strings(v: unknown): string[] {
  if (Array.isArray(v)) return v.map((x) => String(x));
  if (typeof v === "string" && v !== "") return [v];
  return [];
}

/** A fen amount from a parameter (a decimal string, or a safe integer), as money. */
export function moneyParam(v: unknown, locale: Locale): string | null {
  if (typeof v === "string" && /^-?\d{1,19}$/.test(v)) return formatMoney(BigInt(v), CURRENCY, locale);
  if (typeof v === "number" && Number.isSafeInteger(v)) return formatMoney(BigInt(v), CURRENCY, locale);
  return null;
}

/** 3800 ppm → "0.38%" by string arithmetic. */
export function ppmPercent(ppm: number): string {
  const negative = ppm < 0;
  const abs = Math.abs(Math.trunc(ppm));
  const whole = Math.floor(abs / 10_000);
  const fraction = String(abs % 10_000).padStart(4, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}%`;
}

export function elementLabel(t: Translate, element: string): string {
  return isOneOf(PAYMENT_ELEMENTS, element) ? t(`routing.element_${element}`) : element;
}

export function productName(t: Translate, product: string): string {
  return isOneOf(PRODUCTS, product) ? productLabel(t, product) : product;
}

export function orderTypeName(t: Translate, orderType: string): string {
  return isOneOf(ROUTING_ORDER_TYPES, orderType) ? orderTypeLabel(t, orderType) : orderType;
}

export function healthName(t: Translate, state: string): string {
  return isOneOf(HEALTH_STATES, state) ? healthLabel(t, state) : state;
}

function statusName(t: Translate, status: string): string {
  return isOneOf(REGISTRATION_STATUSES, status) ? registrationStatusLabel(t, status) : status;
}

function count(v: unknown, locale: Locale): string {
  return typeof v === "number" ? formatNumber(v, locale) : String(v ?? ELLIPSIS);
}

/**
 * Every parameter the engine uses, under the variable names the catalogue's messages use: ids
 * become names, fen become money, lists become "A, B and C". Unknown parameters pass through.
 */
export function formatParams(ctx: CodeContext, params: CodeParams | Readonly<Record<string, unknown>> | null | undefined): Record<string, string> {
  const { t, locale, names } = ctx;
  const out: Record<string, string> = {};
  const p = (params ?? {}) as Readonly<Record<string, unknown>>;
  for (const [k, v] of Object.entries(p)) {
    switch (k) {
      case "ruleId":
        out.rule = names.rule(String(v));
        break;
      case "conflictsWith":
        out.conflictsWith = names.rule(String(v));
        break;
      case "channelAccountId":
        out.account = names.account(String(v));
        break;
      case "merchantId":
        out.merchant = names.merchant(String(v));
        break;
      case "product":
        out.product = productName(t, String(v));
        break;
      case "products":
        out.products = list(locale, strings(v).map((x) => productName(t, x)), "disjunction");
        break;
      case "orderType":
        out.orderType = orderTypeName(t, String(v));
        break;
      case "minMinor":
        out.min = moneyParam(v, locale) ?? ELLIPSIS;
        break;
      case "maxMinor":
        out.max = moneyParam(v, locale) ?? ELLIPSIS;
        break;
      case "capMinor":
        out.cap = moneyParam(v, locale) ?? ELLIPSIS;
        break;
      case "todayMinor":
        out.today = moneyParam(v, locale) ?? ELLIPSIS;
        break;
      case "cap":
      case "today":
      case "weight":
      case "registrationCount":
      case "channelAccounts":
      case "count":
        out[k] = count(v, locale);
        break;
      case "feeRatePpm":
        out.feeRate = typeof v === "number" ? ppmPercent(v) : String(v);
        break;
      case "channelRatePpm":
        out.channelRate = typeof v === "number" ? ppmPercent(v) : String(v);
        break;
      case "field":
        out.field = isOneOf(AMOUNT_FIELDS, v) ? t(`routing.field_${v}`) : String(v);
        break;
      case "components":
        out.components = list(
          locale,
          strings(v).map((c) => (isOneOf(FEE_COMPONENTS, c) ? t(`routing.component_${c}`) : c)),
        );
        break;
      case "missing":
      case "required":
        out[k] = list(locale, strings(v).map((e) => elementLabel(t, e)));
        break;
      case "alternatives":
        // "FACE_CODE+DEVICE" per accepted set: any one of the sets will do.
        out.alternatives = list(
          locale,
          strings(v).map((set) =>
            set
              .split("+")
              .filter(Boolean)
              .map((e) => elementLabel(t, e))
              .join(" + "),
          ),
          "disjunction",
        );
        break;
      case "windows":
        out.windows = list(locale, strings(v), "disjunction");
        break;
      case "registrationStatus":
        out.registrationStatus = statusName(t, String(v));
        break;
      case "statuses":
        out.statuses = list(locale, strings(v).map((s) => statusName(t, s)));
        break;
      case "registrationId":
      case "feeRuleId":
      case "productRuleId":
        out[k] = String(v).slice(0, 8);
        break;
      case "registrationIds":
        out.registrationIds = strings(v)
          .map((id) => id.slice(0, 8))
          .join(", ");
        break;
      default:
        out[k] = Array.isArray(v) ? v.map(String).join(", ") : String(v);
    }
  }
  if (out.min !== undefined || out.max !== undefined) out.range = `${out.min ?? ELLIPSIS} – ${out.max ?? ELLIPSIS}`;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Messages

const RISK_CODES = ["RISK_DEVICE_VELOCITY", "RISK_PAYER_VELOCITY", "RISK_NIGHT_LARGE_AMOUNT"] as const;

/** A short name for a drop, no-route or risk code (table cells, filters). */
export function reasonLabel(t: Translate, code: string): string {
  if (isOneOf(NO_ROUTE_CODES, code)) return t(`routing.reason_${code}`);
  if (isOneOf(DROP_CODES, code)) return t(`routing.reason_${code}`);
  if (isOneOf(RISK_CODES, code)) return t(`routing.risk_${code}`);
  return code;
}

/** Why one channel account was dropped from a decision. */
export function dropText(ctx: CodeContext, code: DropCode | string, params: CodeParams | null | undefined): string {
  const { t } = ctx;
  if (!isOneOf(DROP_CODES, code)) return code;
  const vars = formatParams(ctx, params);
  const p = params ?? {};
  switch (code) {
    case "DAILY_LIMIT_EXCEEDED":
      return p.limit === "COUNT" ? t("routing.drop_DAILY_LIMIT_EXCEEDED_COUNT", vars) : t("routing.drop_DAILY_LIMIT_EXCEEDED_AMOUNT", vars);
    case "OUTSIDE_TIME_WINDOW":
      return p.window === "INVALID" ? t("routing.drop_OUTSIDE_TIME_WINDOW_INVALID", vars) : t("routing.drop_OUTSIDE_TIME_WINDOW", vars);
    default:
      return t(`routing.drop_${code}`, vars);
  }
}

/**
 * Why a payment got no route. Without params (a stored decision keeps only the code) the short
 * label is all there is to say.
 */
export function noRouteText(ctx: CodeContext, code: NoRouteCode | string, params: CodeParams | null | undefined): string {
  const { t } = ctx;
  if (!isOneOf(NO_ROUTE_CODES, code)) return code;
  if (!params) return t(`routing.reason_${code}`);
  const vars = formatParams(ctx, params);
  switch (code) {
    case "AMOUNT_OUT_OF_RANGE":
      return params.scope === "PRODUCT" ? t("routing.noRoute_AMOUNT_OUT_OF_RANGE_PRODUCT", vars) : t("routing.noRoute_AMOUNT_OUT_OF_RANGE_CHANNEL", vars);
    case "ALL_EXCLUDED":
      // The payment's own routing.forceChannel / excludeChannels emptied the set, not a rule.
      if (params.filter === "forceChannel") return t("routing.noRoute_ALL_EXCLUDED_FORCE", vars);
      if (params.filter === "excludeChannels") return t("routing.noRoute_ALL_EXCLUDED_EXCLUDE", vars);
      return t("routing.noRoute_ALL_EXCLUDED", vars);
    case "MERCHANT_LIMIT_EXCEEDED":
      if (params.limit === "DAILY_AMOUNT") return t("routing.noRoute_MERCHANT_LIMIT_EXCEEDED_DAILY_AMOUNT", vars);
      if (params.limit === "DAILY_COUNT") return t("routing.noRoute_MERCHANT_LIMIT_EXCEEDED_DAILY_COUNT", vars);
      return t("routing.noRoute_MERCHANT_LIMIT_EXCEEDED_PER_TRANSACTION", vars);
    default:
      return t(`routing.noRoute_${code}`, vars);
  }
}

/** A validation issue: the catalogue's text for its code with its params, else the server's English. */
export function issueText(ctx: CodeContext, issue: Pick<ConfigIssue, "code" | "params" | "message">): string {
  const { t } = ctx;
  if (!isIssueCode(issue.code)) return issue.message;
  const vars = formatParams(ctx, issue.params);
  if (issue.code === "WEIGHTS_ALL_ZERO" && Array.isArray(issue.params.products) && issue.params.products.length > 0) {
    return t("routing.issue_WEIGHTS_ALL_ZERO_PRODUCTS", vars);
  }
  return t(`routing.issue_${issue.code}`, vars);
}

/** One of the checks a decision runs before looking at accounts. */
export function checkText(ctx: CodeContext, check: Pick<TraceCheck, "check" | "ok" | "code" | "params">): string {
  const { t } = ctx;
  if (check.code === "DIRECT_REGISTRATION_RATE") return t("routing.check_DIRECT_REGISTRATION_RATE");
  if (!check.ok && check.code) return noRouteText(ctx, check.code, check.params ?? {});
  return check.ok ? t("routing.checkPassed") : t("routing.checkFailed");
}

export function warningText(ctx: CodeContext, warning: { code: string; params: CodeParams }): string {
  if (warning.code === "DIRECT_FEE_RULE_IGNORED") return ctx.t("routing.warning_DIRECT_FEE_RULE_IGNORED", formatParams(ctx, warning.params));
  return warning.code;
}

export function strategyNoteText(t: Translate, note: string, minSample?: number): string {
  if (!isOneOf(STRATEGY_NOTES, note)) return note;
  return t(`routing.strategyNote_${note}`, { minSample: minSample ?? 20 });
}

export function elementsText(t: Translate, locale: Locale, elements: readonly (PaymentElement | string)[]): string {
  return elements.length ? list(locale, elements.map((e) => elementLabel(t, e))) : t("routing.elementsNone");
}
