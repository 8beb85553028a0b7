import { z } from "zod";
import { ZPaymentCreate } from "@/server/core/payments/schema";

// Inputs of the API-key services (console and CLI) and of the merchant API endpoints.

export const ZApiKeyCreate = z.object({
  merchantId: z.string().uuid(),
  label: z.string().trim().max(80).optional(),
});
export type TApiKeyCreate = z.input<typeof ZApiKeyCreate>;

export const ZApiKeyList = z.object({
  merchantId: z.string().uuid().optional(),
});
export type TApiKeyList = z.input<typeof ZApiKeyList>;

export const ZApiKeyRevoke = z.object({ id: z.string().uuid() });
export type TApiKeyRevoke = z.input<typeof ZApiKeyRevoke>;

/**
 * An amount in minor units as a JSON integer. JSON.parse reads numbers as doubles, so anything
 * beyond 2^53 − 1 could already have lost digits: refused rather than rounded.
 */
export const ZAmountMinor = z
  .number({ message: "amountMinor must be an integer number of minor units (fen)" })
  .int({ message: "amountMinor must be an integer number of minor units (fen)" })
  .refine((v) => Number.isSafeInteger(v), { message: "amountMinor is too large" })
  .transform((v) => BigInt(v));

/** The same amount from a query string: decimal digits only. */
export const ZAmountMinorParam = z
  .string({ message: "amountMinor is required" })
  .regex(/^[0-9]{1,15}$/, { message: "amountMinor must be a positive integer number of minor units (fen)" })
  .transform((v) => BigInt(v))
  .refine((v) => v > 0n, { message: "amountMinor must be positive" });

export const ZProductsQuery = z.object({
  orderType: z.enum(["CONSUMPTION", "RECHARGE"], { message: "orderType must be CONSUMPTION or RECHARGE" }),
  amountMinor: ZAmountMinorParam,
  storeId: z.string().uuid({ message: "storeId must be a store id" }).optional(),
});

export const ZEchoBody = z
  .object({
    message: z.string({ message: "message is required" }).min(1).max(1000),
    amountMinor: ZAmountMinor.refine((v) => v >= 0n, { message: "amountMinor must not be negative" }).optional(),
  })
  .strict();

/** The largest amount a payment may have (as the payment schema: 100,000,000.00 yuan). */
export const MAX_PAYMENT_AMOUNT_MINOR = 10_000_000_000n;

const elementShape = ZPaymentCreate.shape.elements.unwrap().shape;

/**
 * The body of POST /api/v1/payments: the payment schema without `merchantId` (always the key's
 * merchant), amounts as JSON integers, and unknown members refused (named in `error.field`), so a
 * misspelt element is a 400 rather than a silent ELEMENT_MISSING. `routing` and `terminalInfo`
 * refuse unknown members in the payment schema itself.
 */
export const ZApiPaymentCreate = ZPaymentCreate.omit({ merchantId: true })
  .extend({
    amountMinor: ZAmountMinor.refine((v) => v > 0n, { message: "amountMinor must be positive" }).refine((v) => v <= MAX_PAYMENT_AMOUNT_MINOR, {
      message: `amountMinor must be at most ${MAX_PAYMENT_AMOUNT_MINOR}`,
    }),
    elements: z.object(elementShape).strict().default({}),
  })
  .strict();

export const ZApiPaymentsQuery = z.object({
  merchantOrderNo: z.string({ message: "merchantOrderNo is required" }).trim().min(1, { message: "merchantOrderNo is required" }).max(64),
});

/** The body of POST /api/v1/payments/{id}/refunds. */
export const ZApiRefundCreate = z
  .object({
    merchantRefundNo: z.string({ message: "merchantRefundNo is required" }).trim().min(1).max(64).regex(/^[A-Za-z0-9_\-]+$/, { message: "merchantRefundNo: letters, digits, _ and - only" }),
    amountMinor: ZAmountMinor.refine((v) => v > 0n, { message: "amountMinor must be positive" }),
    reason: z.string({ message: "reason is required" }).trim().min(1).max(256),
    notifyUrl: z.string().url().max(512).optional(),
  })
  .strict();
