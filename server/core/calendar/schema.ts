import { z } from "zod";
import { CALENDAR_NAME_MAX, daysBetween, isCalendarDate } from "./rules";

/** Widest range one listCalendarDays call returns; rows are sparse (a few dozen a year). */
export const CALENDAR_RANGE_MAX_DAYS = 3660;
export const CALENDAR_IMPORT_MAX_CHARS = 200_000;

export const ZCalendarDate = z.string().trim().refine(isCalendarDate, { message: "Use a real date in YYYY-MM-DD form" });

export const ZCalendarDayKind = z.enum(["HOLIDAY", "WORKDAY"]);

export const ZCalendarDay = z.object({
  date: ZCalendarDate,
  kind: ZCalendarDayKind,
  name: z
    .string()
    .trim()
    .min(1)
    .max(CALENDAR_NAME_MAX)
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), { message: "Use one line without control characters" }),
});
export type TCalendarDay = z.infer<typeof ZCalendarDay>;

export const ZCalendarDayKey = z.object({ date: ZCalendarDate });
export type TCalendarDayKey = z.infer<typeof ZCalendarDayKey>;

export const ZCalendarImport = z.object({
  csv: z.string().max(CALENDAR_IMPORT_MAX_CHARS),
  replaceYear: z.number().int().min(2000).max(2099).optional(),
});
export type TCalendarImport = z.infer<typeof ZCalendarImport>;

export const ZCalendarRange = z
  .object({ from: ZCalendarDate, to: ZCalendarDate })
  .refine((r) => r.from <= r.to, { message: "The end date is before the start date", path: ["to"] })
  // The dates may already have failed above: object refinements still run after field issues.
  .refine((r) => !isCalendarDate(r.from) || !isCalendarDate(r.to) || daysBetween(r.from, r.to) < CALENDAR_RANGE_MAX_DAYS, {
    message: `Choose at most ${CALENDAR_RANGE_MAX_DAYS} days`,
    path: ["to"],
  });
export type TCalendarRange = z.infer<typeof ZCalendarRange>;
