// Eligibility: may this channel account carry this payment at all? Checks run in a fixed order and
// the first failure is the account's drop code. The order puts what the payer could fix (a missing
// element) last, so "user action needed" is only answered when acting would actually help.
import type { PaymentElement, ProductCode } from "@/server/channels/types";
import type { RegisteredCandidate } from "./compile";
import { isWithinWindow, localMinuteOfDay, type ParsedWindow } from "./time-window";
import {
  DEFAULT_TIME_ZONE,
  DROP_CODES,
  type AccountLive,
  type ChannelAccountCandidate,
  type ChannelHealth,
  type CodeParams,
  type DropCode,
  type LiveState,
  type MerchantLimit,
  type MerchantLive,
  type ProductRule,
  type RoutingRequest,
  type RuleConditions,
} from "./types";

export interface Drop {
  readonly code: DropCode;
  readonly params: CodeParams;
}

/** Higher = got further through the checks (rule drops are past every eligibility check). */
export function dropStage(code: DropCode): number {
  return DROP_CODES.indexOf(code);
}

/** An account's counters with LiveState applied over the configuration's. */
export interface EffectiveCounters {
  readonly health: ChannelHealth;
  readonly todayAmountMinor: bigint;
  readonly todayCount: number;
  readonly successRatePpm: number;
  readonly sampleSize: number;
}

export function effectiveCounters(account: ChannelAccountCandidate, live: LiveState | undefined): EffectiveCounters {
  const l: AccountLive | undefined = live?.account(account.id);
  return {
    health: l?.health ?? account.health,
    todayAmountMinor: l?.todayAmountMinor ?? account.todayAmountMinor,
    todayCount: l?.todayCount ?? account.todayCount,
    successRatePpm: l?.recentSuccessRatePpm ?? account.recentSuccessRatePpm,
    sampleSize: l?.recentSampleSize ?? account.recentSampleSize,
  };
}

/** The elements a request carries; a device id counts as DEVICE. */
export function presentElements(request: RoutingRequest): readonly PaymentElement[] {
  if (request.deviceId === undefined || request.elements.includes("DEVICE")) return request.elements;
  return [...request.elements, "DEVICE"];
}

export function requiredElements(account: ChannelAccountCandidate, product: ProductCode): readonly PaymentElement[] {
  return account.elements[product] ?? [];
}

/**
 * An account's per-transaction range: the stricter of the connector's (ChannelAttributes) and the
 * account's own settings, where null or absent means "no limit of its own".
 */
export function effectiveAmountRange(
  connector: { readonly minAmountMinor: bigint; readonly maxAmountMinor: bigint },
  account: { readonly minAmountMinor?: bigint | null; readonly maxAmountMinor?: bigint | null },
): { minAmountMinor: bigint; maxAmountMinor: bigint } {
  const min = account.minAmountMinor != null && account.minAmountMinor > connector.minAmountMinor ? account.minAmountMinor : connector.minAmountMinor;
  const max = account.maxAmountMinor != null && account.maxAmountMinor < connector.maxAmountMinor ? account.maxAmountMinor : connector.maxAmountMinor;
  return { minAmountMinor: min, maxAmountMinor: max };
}

/** Per-decision context: the local clock is computed once per time zone. */
export class CheckContext {
  private tz: string | undefined;
  private minute = 0;
  readonly elements: readonly PaymentElement[];
  readonly requestTimeZone: string;

  constructor(
    readonly request: RoutingRequest,
    readonly live: LiveState | undefined,
    readonly ignoreElements: boolean,
  ) {
    this.elements = presentElements(request);
    this.requestTimeZone = request.timeZone ?? DEFAULT_TIME_ZONE;
  }

  minuteOfDay(timeZone: string): number {
    if (this.tz !== timeZone) {
      this.minute = localMinuteOfDay(this.request.at, timeZone);
      this.tz = timeZone;
    }
    return this.minute;
  }
}

function hhmm(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
}

/**
 * Null when the account may carry the payment; else the first check it fails. The registration
 * was already picked for this merchant (and store) by the look-up, so it is the merchant's own.
 */
export function checkCandidate(
  ctx: CheckContext,
  c: RegisteredCandidate,
  counters: EffectiveCounters,
  window: ParsedWindow | null | undefined,
): Drop | null {
  const { account, registration } = c;
  const req = ctx.request;
  if (!account.enabled) return { code: "CHANNEL_DISABLED", params: {} };
  if (registration.status !== "ACTIVE") return { code: "REGISTRATION_INACTIVE", params: { registrationStatus: registration.status } };
  if (req.settlementMode === "DIRECT" && registration.channelRatePpm === undefined) return { code: "REGISTRATION_RATE_MISSING", params: {} };
  if (counters.health === "PAUSED") return { code: "CHANNEL_PAUSED", params: {} };
  const amount = req.amountMinor;
  if (amount < account.minAmountMinor || amount > account.maxAmountMinor) {
    return { code: "AMOUNT_OUT_OF_RANGE", params: { minMinor: account.minAmountMinor.toString(), maxMinor: account.maxAmountMinor.toString() } };
  }
  if (account.dailyAmountCapMinor !== undefined && counters.todayAmountMinor + amount > account.dailyAmountCapMinor) {
    return {
      code: "DAILY_LIMIT_EXCEEDED",
      params: { limit: "AMOUNT", capMinor: account.dailyAmountCapMinor.toString(), todayMinor: counters.todayAmountMinor.toString() },
    };
  }
  if (account.dailyCountCap !== undefined && counters.todayCount + 1 > account.dailyCountCap) {
    return { code: "DAILY_LIMIT_EXCEEDED", params: { limit: "COUNT", cap: account.dailyCountCap, today: counters.todayCount } };
  }
  if (window === null) return { code: "OUTSIDE_TIME_WINDOW", params: { window: "INVALID" } };
  if (window !== undefined) {
    const tz = window.timeZone ?? ctx.requestTimeZone;
    const minute = ctx.minuteOfDay(tz);
    if (!isWithinWindow(minute, window.startMinute, window.endMinute)) {
      return { code: "OUTSIDE_TIME_WINDOW", params: { window: window.label, timeZone: tz, localTime: hhmm(minute) } };
    }
  }
  if (!ctx.ignoreElements) {
    const required = requiredElements(account, req.product);
    let missing: PaymentElement[] | undefined;
    for (const e of required) {
      if (!ctx.elements.includes(e)) (missing ??= []).push(e);
    }
    if (missing) return { code: "ELEMENT_MISSING", params: { missing, required: [...required] } };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Checks before any account is looked at.

export interface PreCheckFailure {
  readonly code: "PRODUCT_NOT_OFFERED" | "AMOUNT_OUT_OF_RANGE" | "MERCHANT_LIMIT_EXCEEDED";
  readonly params: CodeParams;
}

/** Is the product offered for this order type and amount? A product without a rule is not. */
export function checkProductRule(rule: ProductRule | undefined, orderType: string, product: ProductCode, amountMinor: bigint): PreCheckFailure | null {
  if (!rule || !rule.enabled) return { code: "PRODUCT_NOT_OFFERED", params: { product, orderType } };
  if ((rule.minAmountMinor !== undefined && amountMinor < rule.minAmountMinor) || (rule.maxAmountMinor !== undefined && amountMinor > rule.maxAmountMinor)) {
    return {
      code: "AMOUNT_OUT_OF_RANGE",
      params: {
        scope: "PRODUCT",
        ...(rule.minAmountMinor !== undefined ? { minMinor: rule.minAmountMinor.toString() } : {}),
        ...(rule.maxAmountMinor !== undefined ? { maxMinor: rule.maxAmountMinor.toString() } : {}),
      },
    };
  }
  return null;
}

export function merchantTotals(limit: MerchantLimit | undefined, merchantId: string, live: LiveState | undefined): MerchantLive {
  return live?.merchant(merchantId) ?? { todayAmountMinor: limit?.todayAmountMinor ?? 0n, todayCount: limit?.todayCount ?? 0 };
}

export function checkMerchantLimit(limit: MerchantLimit | undefined, totals: MerchantLive, amountMinor: bigint): PreCheckFailure | null {
  if (!limit) return null;
  if (limit.perTransactionMaxMinor !== undefined && amountMinor > limit.perTransactionMaxMinor) {
    return { code: "MERCHANT_LIMIT_EXCEEDED", params: { limit: "PER_TRANSACTION", capMinor: limit.perTransactionMaxMinor.toString() } };
  }
  if (limit.dailyAmountCapMinor !== undefined && totals.todayAmountMinor + amountMinor > limit.dailyAmountCapMinor) {
    return {
      code: "MERCHANT_LIMIT_EXCEEDED",
      params: { limit: "DAILY_AMOUNT", capMinor: limit.dailyAmountCapMinor.toString(), todayMinor: totals.todayAmountMinor.toString() },
    };
  }
  if (limit.dailyCountCap !== undefined && totals.todayCount + 1 > limit.dailyCountCap) {
    return { code: "MERCHANT_LIMIT_EXCEEDED", params: { limit: "DAILY_COUNT", cap: limit.dailyCountCap, today: totals.todayCount } };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Rule conditions

function listMatches<T>(list: readonly T[] | undefined, value: T | undefined): boolean {
  if (list === undefined || list.length === 0) return true;
  return value !== undefined && list.includes(value);
}

/** AND across fields, OR within a list; absent or empty fields match everything. */
export function conditionsMatch(c: RuleConditions, req: RoutingRequest): boolean {
  if (!listMatches(c.merchantIds, req.merchantId)) return false;
  if (!listMatches(c.storeIds, req.storeId)) return false;
  if (!listMatches(c.orderTypes, req.orderType)) return false;
  if (!listMatches(c.products, req.product)) return false;
  if (c.minAmountMinor !== undefined && req.amountMinor < c.minAmountMinor) return false;
  if (c.maxAmountMinor !== undefined && req.amountMinor > c.maxAmountMinor) return false;
  if (c.metadata) {
    const md = req.metadata;
    for (const key in c.metadata) {
      if (!Object.hasOwn(c.metadata, key)) continue;
      if (!md || !Object.hasOwn(md, key) || md[key] !== c.metadata[key]) return false;
    }
  }
  return true;
}

/** True when a rule has no condition at all, i.e. matches every request. */
export function conditionsEmpty(c: RuleConditions): boolean {
  return (
    (c.merchantIds?.length ?? 0) === 0 &&
    (c.storeIds?.length ?? 0) === 0 &&
    (c.orderTypes?.length ?? 0) === 0 &&
    (c.products?.length ?? 0) === 0 &&
    c.minAmountMinor === undefined &&
    c.maxAmountMinor === undefined &&
    Object.keys(c.metadata ?? {}).length === 0
  );
}
