import { z } from "zod";

const ZDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: "validation.date" });
const ZAmount = z.union([z.string().regex(/^-?\d{1,18}$/), z.number().int(), z.bigint()]).transform((v) => BigInt(v));

export const ZAdjustmentPayload = z.object({
  businessDate: ZDate,
  correctsDate: ZDate.optional(),
  description: z.string().trim().min(3).max(500),
  lines: z
    .array(z.object({ accountId: z.string().uuid(), debitMinor: ZAmount, creditMinor: ZAmount }))
    .min(2, { message: "validation.adjustmentLines" })
    .max(50),
});
export type TAdjustmentPayload = z.input<typeof ZAdjustmentPayload>;

export const ZReversalPayload = z.object({
  entryId: z.string().uuid(),
  businessDate: ZDate,
  correctsDate: ZDate.optional(),
  description: z.string().trim().min(3).max(500),
});

export const ZStatement = z.object({
  accountId: z.string().uuid(),
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(200).optional(),
  phase: z.enum(["POSTED", "PENDING"]).optional(),
});

export const ZEntryFind = z.object({
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(200).optional(),
  kind: z.string().max(80).optional(),
  causeId: z.string().max(100).optional(),
  businessDate: ZDate.optional(),
});

export const ZAccountFind = z.object({
  book: z.enum(["OWN", "MEMO"]).optional(),
  q: z.string().max(100).optional(),
});

export const ZTrialBalance = z.object({ asOf: ZDate.optional() });
export const ZCloseDay = z.object({ businessDate: ZDate });
export const ZDayRange = z.object({ from: ZDate, to: ZDate });
