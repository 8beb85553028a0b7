import { z } from "zod";
import { PAYMENT_ELEMENTS, PRODUCT_CODES } from "@/server/channels/types";

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
