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
  /** Lines with a business date on or after / on or before. */
  from: ZDate.optional(),
  to: ZDate.optional(),
  /** An entry kind; a hold resolved for it (`<kind>.post`, `<kind>.release`) matches too. */
  kind: z.string().trim().min(1).max(80).optional(),
});

export const ZBalanceAsOf = z
  .object({
    accountId: z.string().uuid(),
    /** The end of this business date: postings dated on or before it. */
    businessDate: ZDate.optional(),
    /** This moment: postings recorded at or before it. */
    at: z.date().optional(),
  })
  .refine((v) => v.businessDate !== undefined || v.at !== undefined, { message: "validation.date", path: ["businessDate"] });

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

export const ZAccountPage = ZAccountFind.extend({
  cursor: z.string().uuid().nullish(),
  limit: z.number().int().min(1).max(1000).optional(),
});

export const ZTrialBalance = z.object({ asOf: ZDate.optional() });
export const ZCloseDay = z.object({ businessDate: ZDate });
export const ZDayRange = z.object({ from: ZDate, to: ZDate });
