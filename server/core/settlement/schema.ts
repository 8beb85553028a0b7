import { z } from "zod";
import { isCalendarDate } from "@/server/core/calendar/rules";

const ZDate = z.string().trim().refine(isCalendarDate, { message: "Use a real date in YYYY-MM-DD form" });

export const ZSettlementRun = z.object({
  /** The settlement date; default today in the tenant's time zone. */
  date: ZDate.optional(),
  merchantId: z.string().uuid().optional(),
});
export type TSettlementRun = z.input<typeof ZSettlementRun>;

export const ZSettlementTotals = z.object({ to: ZDate.optional(), days: z.number().int().min(1).max(366).optional() }).default({});

export const SETTLEMENT_STATUSES = ["SETTLED", "HELD", "NOTHING_DUE", "EXPECTED", "CONFIRMED", "DIFFERENCE"] as const;

export const ZSettlementFind = z.object({
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(200).optional(),
  merchantId: z.string().uuid().optional(),
  status: z.enum(SETTLEMENT_STATUSES).optional(),
  date: ZDate.optional(),
});
export type TSettlementFind = z.input<typeof ZSettlementFind>;

export const ZSettlementSettings = z.object({
  merchantId: z.string().uuid(),
  settlementCycle: z.enum(["T1", "D1", "WEEKLY"]),
  settlementWeekday: z.number().int().min(1, { message: "The weekday is 1 (Monday) to 7 (Sunday)" }).max(7, { message: "The weekday is 1 (Monday) to 7 (Sunday)" }).default(1),
  /** The risk reserve's share in parts per million (50 000 = 5%). */
  reserveRatePpm: z.number().int().min(0).max(1_000_000, { message: "The reserve cannot exceed 100%" }).default(0),
  reserveDays: z.number().int().min(0).max(365, { message: "A reserve is held for at most 365 days" }).default(0),
  settlementBankCode: z
    .string()
    .trim()
    .regex(/^[0-9A-Za-z]{3,12}$/, { message: "The bank code is 3 to 12 letters or digits (the bank's CNAPS or short code)" })
    .nullish()
    .or(z.literal("").transform(() => null)),
}).refine((v) => (v.reserveRatePpm > 0) === (v.reserveDays > 0), { message: "A risk reserve needs both a rate and a number of days (or neither)", path: ["reserveDays"] });
export type TSettlementSettings = z.input<typeof ZSettlementSettings>;

export const ZSettlementPolicy = z.object({ holdOnExceptions: z.boolean() });
export type TSettlementPolicy = z.input<typeof ZSettlementPolicy>;

export const ZDirectConfirm = z.object({
  id: z.string().uuid(),
  /** What the channel actually paid the merchant, in minor units. */
  channelSettledMinor: z.coerce.bigint().refine((v) => v >= 0n, { message: "The amount paid cannot be negative" }),
});
export type TDirectConfirm = z.input<typeof ZDirectConfirm>;
