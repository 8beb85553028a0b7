// The persisted (JSON) forms of the routing configuration and requests, and the helpers that go
// between them and the in-memory types. In JSON an amount is a decimal string of minor units
// ("12345"); the parsers also accept a safe JSON integer, and null wherever a field is optional
// (database rows), and they return the in-memory types of types.ts with bigint amounts.
import { z } from "zod";
import { PAYMENT_ELEMENTS, PRODUCT_CODES, CHANNEL_TYPES } from "@/server/channels/types";
import {
  CHANNEL_HEALTH_STATES,
  REGISTRATION_STATUSES,
  ROUTING_ORDER_TYPES,
  ROUTING_STRATEGIES,
  RULE_ACTIONS,
  SETTLEMENT_MODES,
  type ChannelAccountCandidate,
  type FeeRule,
  type MerchantLimit,
  type ProductRule,
  type Registration,
  type RoutingConfig,
  type RoutingRequest,
  type RoutingRule,
  type RuleSet,
} from "./types";

/** The JSON form of a value: bigint and Date become strings, undefined fields disappear. */
export type Jsonified<T> = T extends bigint
  ? string
  : T extends Date
    ? string
    : T extends string | number | boolean | null
      ? T
      : T extends readonly (infer U)[]
        ? Jsonified<U>[]
        : T extends object
          ? { [K in keyof T]: Jsonified<T[K]> }
          : never;

/** Serialises any routing value for storage: bigint → decimal string, Date → ISO string. */
export function toJson<T>(value: T): Jsonified<T> {
  return convert(value) as Jsonified<T>;
}

function convert(v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(convert);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = convert(x);
    return out;
  }
  return v;
}

const opt = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);

export const ZMinor = z
  .union([z.string().regex(/^-?\d{1,19}$/, { message: "validation.minorUnits" }), z.number().int().refine(Number.isSafeInteger)])
  .transform((v) => BigInt(v));
const ZNonNegativeMinor = ZMinor.refine((v) => v >= 0n, { message: "validation.nonNegative" });
const ZId = z.string().min(1).max(128);
const ZPpm = z.number().int().min(0).max(1_000_000);
const ZCount = z.number().int().min(0);
const ZClock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: "validation.clock" });
export const ZProductCode = z.enum(PRODUCT_CODES);
export const ZPaymentElement = z.enum(PAYMENT_ELEMENTS);
export const ZRoutingOrderType = z.enum(ROUTING_ORDER_TYPES);

export const ZRateRuleJson = z.object({
  feeRatePpm: ZPpm,
  fixedMinor: opt(ZNonNegativeMinor),
  minMinor: opt(ZNonNegativeMinor),
  maxMinor: opt(ZNonNegativeMinor),
});

export const ZTimeWindowJson = z.object({ startLocal: ZClock, endLocal: ZClock, timeZone: opt(z.string().min(1).max(64)) });

export const ZChannelAccountCandidateJson = z.object({
  id: ZId,
  channelType: z.enum(CHANNEL_TYPES),
  name: z.string().max(200),
  enabled: z.boolean(),
  health: z.enum(CHANNEL_HEALTH_STATES),
  products: z.array(ZProductCode),
  elements: z.partialRecord(ZProductCode, z.array(ZPaymentElement)),
  minAmountMinor: ZNonNegativeMinor,
  maxAmountMinor: ZNonNegativeMinor,
  priority: z.number().int(),
  weight: z.number().int().min(0),
  timeWindow: opt(ZTimeWindowJson),
  dailyAmountCapMinor: opt(ZNonNegativeMinor),
  dailyCountCap: opt(ZCount),
  todayAmountMinor: ZNonNegativeMinor,
  todayCount: ZCount,
  cost: ZRateRuleJson,
  recentSuccessRatePpm: ZPpm,
  recentSampleSize: ZCount,
});

export const ZRegistrationJson = z.object({
  id: ZId,
  merchantId: ZId,
  storeId: opt(ZId),
  channelAccountId: ZId,
  status: z.enum(REGISTRATION_STATUSES),
  channelRatePpm: opt(ZPpm),
});

export const ZFeeRuleJson = ZRateRuleJson.extend({ id: ZId, product: ZProductCode, merchantId: opt(ZId) });

export const ZMerchantLimitJson = z.object({
  merchantId: ZId,
  perTransactionMaxMinor: opt(ZNonNegativeMinor),
  dailyAmountCapMinor: opt(ZNonNegativeMinor),
  dailyCountCap: opt(ZCount),
  todayAmountMinor: ZNonNegativeMinor,
  todayCount: ZCount,
});

export const ZProductRuleJson = z.object({
  id: ZId,
  product: ZProductCode,
  orderType: ZRoutingOrderType,
  enabled: z.boolean(),
  minAmountMinor: opt(ZNonNegativeMinor),
  maxAmountMinor: opt(ZNonNegativeMinor),
  merchantId: opt(ZId),
});

export const ZRuleConditionsJson = z.object({
  merchantIds: opt(z.array(ZId)),
  storeIds: opt(z.array(ZId)),
  orderTypes: opt(z.array(ZRoutingOrderType)),
  products: opt(z.array(ZProductCode)),
  minAmountMinor: opt(ZNonNegativeMinor),
  maxAmountMinor: opt(ZNonNegativeMinor),
  metadata: opt(z.record(z.string().min(1).max(64), z.string().max(256))),
});

export const ZRoutingRuleJson = z.object({
  id: ZId,
  name: z.string().max(200),
  enabled: z.boolean(),
  action: z.enum(RULE_ACTIONS),
  targetChannelAccountIds: z.array(ZId),
  conditions: ZRuleConditionsJson,
  order: z.number().int(),
});

export const ZRuleSetJson = z.object({
  version: z.number().int(),
  strategy: z.enum(ROUTING_STRATEGIES),
  rules: z.array(ZRoutingRuleJson),
  fallbackEnabled: z.boolean(),
  successRateMinSample: opt(z.number().int().min(1)),
});

export const ZRoutingConfigJson = z.object({
  tenantId: ZId,
  version: z.string().min(1).max(128),
  accounts: z.array(ZChannelAccountCandidateJson),
  registrations: z.array(ZRegistrationJson),
  feeRules: z.array(ZFeeRuleJson),
  merchantLimits: z.array(ZMerchantLimitJson),
  productRules: z.array(ZProductRuleJson),
  ruleSet: ZRuleSetJson,
});

export const ZRoutingRequestJson = z.object({
  settlementMode: z.enum(SETTLEMENT_MODES),
  merchantId: ZId,
  storeId: opt(ZId),
  deviceId: opt(ZId),
  orderType: ZRoutingOrderType,
  product: ZProductCode,
  amountMinor: ZMinor.refine((v) => v > 0n, { message: "validation.positive" }),
  at: z.iso.datetime({ offset: true }).transform((s) => new Date(s)),
  timeZone: opt(z.string().min(1).max(64)),
  elements: z.array(ZPaymentElement),
  metadata: opt(z.record(z.string().min(1).max(64), z.string().max(256))),
  random: z.number().min(0).lt(1),
  channelFilter: opt(z.object({ forceChannel: opt(ZId), excludeChannels: opt(z.array(ZId)) })),
});

/** A null in the input parses to undefined; drop those keys so parsed objects look like built ones. */
function withoutUndefined<T>(v: T): T {
  if (Array.isArray(v)) return v.map(withoutUndefined) as T;
  if (v !== null && typeof v === "object" && !(v instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = withoutUndefined(x);
    return out as T;
  }
  return v;
}

// The parsers are typed to the in-memory interfaces so a drift between the two fails to compile.
export const parseRoutingRule = (json: unknown): RoutingRule => withoutUndefined(ZRoutingRuleJson.parse(json));
export const parseRuleSet = (json: unknown): RuleSet => withoutUndefined(ZRuleSetJson.parse(json));
export const parseRoutingConfig = (json: unknown): RoutingConfig => withoutUndefined(ZRoutingConfigJson.parse(json));
export const parseRoutingRequest = (json: unknown): RoutingRequest => withoutUndefined(ZRoutingRequestJson.parse(json));
export const parseChannelAccountCandidate = (json: unknown): ChannelAccountCandidate => withoutUndefined(ZChannelAccountCandidateJson.parse(json));
export const parseRegistration = (json: unknown): Registration => withoutUndefined(ZRegistrationJson.parse(json));
export const parseFeeRule = (json: unknown): FeeRule => withoutUndefined(ZFeeRuleJson.parse(json));
export const parseMerchantLimit = (json: unknown): MerchantLimit => withoutUndefined(ZMerchantLimitJson.parse(json));
export const parseProductRule = (json: unknown): ProductRule => withoutUndefined(ZProductRuleJson.parse(json));

export type TRuleSetJson = Jsonified<RuleSet>;
export type TRoutingConfigJson = Jsonified<RoutingConfig>;
export type TRoutingRequestJson = Jsonified<RoutingRequest>;
