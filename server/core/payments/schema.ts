import { z } from "zod";
import { CHANNEL_TYPES, PAYMENT_ELEMENTS, PRODUCT_CODES } from "@/server/channels/types";

/**
 * A channel as a merchant can name it: a channel type, or a channel account id — the two halves of
 * a payment's `channel: { type, accountId }`. Ids are lower-cased so they compare with ours.
 */
export const ZChannelRef = z.union([z.enum(CHANNEL_TYPES), z.string().uuid().transform((id) => id.toLowerCase())], {
  message: `a channel type (${CHANNEL_TYPES.join(", ")}) or a channel account id`,
});

/** How many entries excludeChannels may list (every type plus a dozen accounts is plenty). */
export const MAX_EXCLUDED_CHANNELS = 16;

/**
 * The payment's own narrowing of routing: applied to the accounts the merchant is registered at
 * before eligibility and the tenant's rules, so the choice and every fallback stay inside it.
 * An exclusion wins over the force (as EXCLUDE rules do over FORCE rules).
 */
export const ZPaymentRouting = z
  .object({
    forceChannel: ZChannelRef.optional(),
    excludeChannels: z
      .array(ZChannelRef)
      .max(MAX_EXCLUDED_CHANNELS, { message: `at most ${MAX_EXCLUDED_CHANNELS} channels` })
      .transform((refs) => [...new Set(refs)])
      .optional(),
  })
  .strict();

const LATITUDE_LONGITUDE = /^([+-]?\d{1,2}(?:\.\d{1,8})?),([+-]?\d{1,3}(?:\.\d{1,8})?)$/;

/**
 * The merchant's terminal (types.ts TerminalInfo). Every member is bounded and unknown ones are
 * refused, so the stored object stays small: WeChat's device_info and Alipay's terminal_id take 32
 * characters, and the id goes into an XML field on the way, hence the plain character set.
 */
export const ZTerminalInfo = z
  .object({
    terminalId: z
      .string()
      .min(1)
      .max(32, { message: "at most 32 characters" })
      .regex(/^[A-Za-z0-9_-]+$/, { message: "letters, digits, _ and - only" })
      .optional(),
    deviceModel: z
      .string()
      .trim()
      .min(1)
      .max(64, { message: "at most 64 characters" })
      .regex(/^[^\u0000-\u001f\u007f]+$/, { message: "no control characters" })
      .optional(),
    ip: z.union([z.ipv4(), z.ipv6()], { message: "an IPv4 or IPv6 address" }).optional(),
    location: z
      .string()
      .regex(LATITUDE_LONGITUDE, { message: '"latitude,longitude" in decimal degrees, e.g. "31.2304,121.4737"' })
      .refine(
        (v) => {
          const [, lat = "", lng = ""] = LATITUDE_LONGITUDE.exec(v) ?? [];
          return Math.abs(Number(lat)) <= 90 && Math.abs(Number(lng)) <= 180;
        },
        { message: "latitude within ±90 and longitude within ±180" },
      )
      .optional(),
  })
  .strict();
export type TTerminalInfo = z.output<typeof ZTerminalInfo>;

// A payment request (the merchant API's POST /api/v1/payments and the console's test payment).
export const ZPaymentCreate = z.object({
  merchantId: z.string().uuid(),
  merchantOrderNo: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_\-]+$/, { message: "validation.orderNo" }),
  orderType: z.enum(["CONSUMPTION", "RECHARGE"]).default("CONSUMPTION"),
  amountMinor: z.coerce.bigint().refine((v) => v > 0n && v <= 100_000_000_00n, { message: "validation.positive" }),
  currency: z.literal("CNY").default("CNY"),
  product: z.enum(PRODUCT_CODES),
  elements: z
    .object({
      faceCode: z.string().trim().min(1).max(128).optional(),
      authCode: z.string().trim().regex(/^\d{16,24}$/, { message: "validation.authCode" }).optional(),
      payerIp: z.string().trim().max(64).optional(),
    })
    .default({}),
  storeId: z.string().uuid().optional(),
  // RECHARGE: the customer wallet the money goes into (CUSTODIAL tenants).
  walletId: z.string().uuid().optional(),
  deviceId: z.string().trim().min(1).max(64).optional(),
  terminalInfo: ZTerminalInfo.optional(),
  routing: ZPaymentRouting.optional(),
  subject: z.string().trim().min(1).max(128),
  notifyUrl: z.string().url().max(512).optional(),
  metadata: z.record(z.string().max(64), z.string().max(512)).optional(),
});
export type TPaymentCreate = z.input<typeof ZPaymentCreate>;

export { PAYMENT_ELEMENTS };

/** A refund from the console (the refund number is made up when not given). */
export const ZConsoleRefund = z.object({
  paymentId: z.string().uuid(),
  amountMinor: z.coerce.bigint().refine((v) => v > 0n, { message: "validation.positive" }),
  reason: z.string().trim().min(1).max(256),
  merchantRefundNo: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_\-]+$/, { message: "validation.orderNo" }).optional(),
});
export type TConsoleRefund = z.input<typeof ZConsoleRefund>;

/** An abnormal refund resolved by a transfer to the payer's bank account. */
export const ZRefundResolution = z.object({
  refundId: z.string().uuid(),
  accountName: z.string().trim().min(1).max(64),
  accountLast4: z.string().trim().regex(/^\d{4}$/, { message: "validation.last4" }),
  bankName: z.string().trim().min(1).max(64),
  reference: z.string().trim().min(1).max(64),
  note: z.string().trim().max(256).optional(),
});

export const ZExceptionFind = z.object({
  status: z.enum(["OPEN", "RESOLVED"]).optional(),
  kind: z.string().max(40).optional(),
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(200).optional(),
});

export const ZExceptionResolve = z.object({ id: z.string().uuid(), resolution: z.string().trim().min(3).max(1000) });
