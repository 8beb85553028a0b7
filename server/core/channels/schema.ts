import { z } from "zod";
import { CHANNEL_TYPES, PRODUCT_CODES } from "@/server/channels/types";

// Inputs of the channel, registration, pricing and routing services. Messages are catalogue keys
// (validation.*); money is minor units as integers (JSON numbers from the console, bigint inside).

export const ZChannelType = z.enum(CHANNEL_TYPES);
export const ZProduct = z.enum(PRODUCT_CODES);
export const ZOrderType = z.enum(["CONSUMPTION", "RECHARGE"]);

const ZMinor = z.coerce.bigint().refine((v) => v >= 0n, { message: "validation.nonNegative" });
const ZPositiveMinor = z.coerce.bigint().refine((v) => v > 0n, { message: "validation.positive" });
const ZPpm = z.number().int().min(0).max(1_000_000);
const ZClock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: "validation.clock" });
const ZFieldValues = z.record(z.string().min(1).max(64), z.string().max(20_000));

export const ZChannelSettings = z
  .object({
    name: z.string().trim().min(1).max(80),
    priority: z.number().int().min(0).max(10_000),
    weight: z.number().int().min(0).max(10_000),
    minAmountMinor: ZPositiveMinor.nullable(),
    maxAmountMinor: ZPositiveMinor.nullable(),
    dailyAmountCap: ZPositiveMinor.nullable(),
    dailyCountCap: z.number().int().positive().nullable(),
    windowStart: ZClock.nullable(),
    windowEnd: ZClock.nullable(),
    costRatePpm: ZPpm,
    costFixedMinor: ZMinor,
    costMinMinor: ZMinor,
    costMaxMinor: ZMinor.nullable(),
    settlementAccountName: z.string().trim().max(120).nullable(),
    settlementBankName: z.string().trim().max(120).nullable(),
    settlementCycle: z.enum(["T1", "D1"]),
    autoPause: z.boolean(),
    healthWindowSeconds: z.number().int().min(30).max(86_400),
    healthMinSample: z.number().int().min(1).max(100_000),
    healthErrorRatePpm: z.number().int().min(1).max(1_000_000),
    healthCooldownSeconds: z.number().int().min(10).max(86_400),
  })
  .partial()
  .extend({
    settlementAccountNumber: z.string().trim().regex(/^\d{8,32}$/, { message: "validation.accountNumber" }).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.minAmountMinor != null && v.maxAmountMinor != null && v.minAmountMinor > v.maxAmountMinor) {
      ctx.addIssue({ code: "custom", path: ["maxAmountMinor"], message: "validation.maxBelowMin" });
    }
    if ((v.windowStart == null) !== (v.windowEnd == null) && v.windowStart !== undefined && v.windowEnd !== undefined) {
      ctx.addIssue({ code: "custom", path: ["windowEnd"], message: "validation.windowBothEnds" });
    }
    if (v.costMaxMinor != null && v.costMinMinor != null && v.costMaxMinor < v.costMinMinor) {
      ctx.addIssue({ code: "custom", path: ["costMaxMinor"], message: "validation.maxBelowMin" });
    }
  });
export type TChannelSettings = z.input<typeof ZChannelSettings>;

export const ZChannelAccountCreate = z.object({
  channelType: ZChannelType,
  name: z.string().trim().min(1).max(80),
  params: ZFieldValues,
  credentials: ZFieldValues,
  settings: ZChannelSettings.optional(),
});
export type TChannelAccountCreate = z.input<typeof ZChannelAccountCreate>;

/** A new credential version: params replace the old ones; a credential left out keeps its value. */
export const ZChannelAccountConfigure = z.object({
  id: z.string().uuid(),
  params: ZFieldValues,
  credentials: ZFieldValues,
  note: z.string().trim().max(200).optional(),
});
export type TChannelAccountConfigure = z.input<typeof ZChannelAccountConfigure>;

export const ZChannelAccountUpdate = z.object({ id: z.string().uuid(), settings: ZChannelSettings });
export const ZChannelAccountEnable = z.object({ id: z.string().uuid(), enabled: z.boolean(), reason: z.string().trim().max(200).optional() });
export const ZChannelHealthSet = z.object({
  id: z.string().uuid(),
  state: z.enum(["HEALTHY", "PAUSED"]),
  reason: z.string().trim().min(1).max(200),
});

export const ZRegistrationInput = z.object({
  merchantId: z.string().uuid(),
  storeId: z.string().uuid().nullish(),
  channelAccountId: z.string().uuid(),
  subMchId: z.string().trim().max(64).nullish(),
  subAppId: z.string().trim().max(64).nullish(),
  smid: z.string().trim().max(64).nullish(),
  appAuthToken: z.string().trim().max(200).optional(),
  shopId: z.string().trim().max(64).nullish(),
  acquirerMerchantNo: z.string().trim().max(64).nullish(),
  terminalNo: z.string().trim().max(64).nullish(),
  status: z.enum(["PENDING", "ACTIVE", "SUSPENDED", "REJECTED"]).optional(),
  channelRatePpm: ZPpm.nullish(),
});
export type TRegistrationInput = z.input<typeof ZRegistrationInput>;
export const ZRegistrationUpdate = ZRegistrationInput.omit({ merchantId: true, storeId: true, channelAccountId: true })
  .partial()
  .extend({ id: z.string().uuid() });
export type TRegistrationUpdate = z.input<typeof ZRegistrationUpdate>;
export const ZRegistrationFind = z.object({
  merchantId: z.string().uuid().optional(),
  channelAccountId: z.string().uuid().optional(),
  status: z.enum(["PENDING", "ACTIVE", "SUSPENDED", "REJECTED"]).optional(),
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(200).optional(),
});

export const ZFeeRuleInput = z
  .object({
    product: ZProduct,
    merchantId: z.string().uuid().nullish(),
    feeRatePpm: ZPpm,
    fixedMinor: ZMinor.default(0n),
    minFeeMinor: ZMinor.default(0n),
    maxFeeMinor: ZMinor.nullish(),
  })
  .superRefine((v, ctx) => {
    if (v.maxFeeMinor != null && v.maxFeeMinor < v.minFeeMinor) ctx.addIssue({ code: "custom", path: ["maxFeeMinor"], message: "validation.maxBelowMin" });
  });
export type TFeeRuleInput = z.input<typeof ZFeeRuleInput>;

export const ZProductRuleInput = z
  .object({
    product: ZProduct,
    orderType: ZOrderType,
    merchantId: z.string().uuid().nullish(),
    enabled: z.boolean(),
    minAmountMinor: ZPositiveMinor.default(1n),
    maxAmountMinor: ZPositiveMinor.nullish(),
  })
  .superRefine((v, ctx) => {
    if (v.maxAmountMinor != null && v.maxAmountMinor < v.minAmountMinor) ctx.addIssue({ code: "custom", path: ["maxAmountMinor"], message: "validation.maxBelowMin" });
  });
export type TProductRuleInput = z.input<typeof ZProductRuleInput>;

export const ZMerchantLimitInput = z.object({
  merchantId: z.string().uuid(),
  perTxnMaxMinor: ZPositiveMinor.nullish(),
  dailyAmountCap: ZPositiveMinor.nullish(),
  dailyCountCap: z.number().int().positive().nullish(),
  payerPerMinuteMax: z.number().int().positive().nullish(),
  devicePerMinuteMax: z.number().int().positive().nullish(),
  nightLargeAmountMinor: ZPositiveMinor.nullish(),
});
export type TMerchantLimitInput = z.input<typeof ZMerchantLimitInput>;
