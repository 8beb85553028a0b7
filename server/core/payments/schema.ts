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
