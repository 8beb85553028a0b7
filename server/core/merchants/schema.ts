import { z } from "zod";
import { isValidCreditCode } from "./credit-code";

export const ZMerchantStatus = z.enum(["ACTIVE", "SUSPENDED", "ARCHIVED"]);

const ZPhone = z.string().trim().regex(/^(\+?\d[\d -]{5,18}\d)$/, { message: "validation.phone" });

export const ZMerchantInput = z.object({
  legalName: z.string().trim().min(2).max(120),
  shortName: z.string().trim().min(1).max(40),
  creditCode: z
    .string()
    .trim()
    .toUpperCase()
    .refine(isValidCreditCode, { message: "validation.creditCode" }),
  legalRepresentative: z.string().trim().min(1).max(60),
  mcc: z.string().trim().regex(/^\d{4}$/, { message: "validation.mcc" }),
  contactName: z.string().trim().min(1).max(60),
  contactPhone: ZPhone,
  contactEmail: z.string().trim().toLowerCase().email().optional().or(z.literal("").transform(() => undefined)),
  settlementAccountName: z.string().trim().max(120).optional(),
  settlementBankName: z.string().trim().max(120).optional(),
  // Only sent when set or changed; never returned in full.
  settlementAccountNumber: z
    .string()
    .trim()
    .regex(/^\d{8,32}$/, { message: "validation.accountNumber" })
    .optional(),
});
export type TMerchantInput = z.input<typeof ZMerchantInput>;

export const ZMerchantCreate = ZMerchantInput;
export const ZMerchantUpdate = ZMerchantInput.partial().extend({ id: z.string().uuid(), status: ZMerchantStatus.optional() });
export type TMerchantUpdate = z.input<typeof ZMerchantUpdate>;

export const ZMerchantFind = z.object({
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(200).optional(),
  q: z.string().trim().max(100).optional(),
  status: ZMerchantStatus.optional(),
  sort: z.object({ id: z.enum(["createdAt", "shortName"]), desc: z.boolean() }).nullish(),
});
export type TMerchantFind = z.input<typeof ZMerchantFind>;

export const ZStoreInput = z.object({
  merchantId: z.string().uuid(),
  name: z.string().trim().min(1).max(80),
  address: z.string().trim().min(2).max(200),
  latitude: z.number().min(-90).max(90).optional(),
  longitude: z.number().min(-180).max(180).optional(),
});
export type TStoreInput = z.input<typeof ZStoreInput>;
export const ZStoreUpdate = ZStoreInput.omit({ merchantId: true }).partial().extend({
  id: z.string().uuid(),
  status: z.enum(["ACTIVE", "CLOSED"]).optional(),
});
export type TStoreUpdate = z.input<typeof ZStoreUpdate>;

export const ZStoreFind = z.object({
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(200).optional(),
  merchantId: z.string().uuid().optional(),
  q: z.string().trim().max(100).optional(),
});
export type TStoreFind = z.input<typeof ZStoreFind>;
