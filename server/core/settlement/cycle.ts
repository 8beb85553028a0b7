import { addNaturalDays, addWorkingDays, assertCalendarDate, dayOfWeek, isWorkingDay, type CalendarOverrides } from "@/server/core/calendar/rules";

// When a merchant's money becomes due (ARCHITECTURE.md §3, issue 8). A settlement run on date D
// settles everything with a business date on or before its cutoff:
// - T1: working days on the tenant's calendar. A business date d is due on the first working day
//   strictly after d (Friday, Saturday and Sunday are due on Monday; Friday before a 调休 Saturday
//   is due that Saturday; a Monday holiday rolls everything to Tuesday). So a run on a working day
//   D covers every date up to D − 1, and a run on a non-working day covers nothing.
// - D1: natural days; a run on any day D covers up to D − 1.
// - WEEKLY: a run on the merchant's weekday (1 = Monday … 7 = Sunday) covers up to D − 1.
// Because every cutoff is D − 1 and runs go forward in time, a run also catches up on dates an
// earlier run skipped (a holiday, a held merchant): nothing is due twice and nothing is lost.

export type SettlementCycle = "T1" | "D1" | "WEEKLY";

export interface CycleOf {
  settlementCycle: SettlementCycle;
  settlementWeekday: number;
}

/** The last business date a run on `date` settles, or null when nothing is due that day. */
export function settlementCutoff(m: CycleOf, date: string, overrides: CalendarOverrides): string | null {
  assertCalendarDate(date);
  const dayBefore = daysBefore(date, 1);
  switch (m.settlementCycle) {
    case "T1":
      return isWorkingDay(date, overrides) ? dayBefore : null;
    case "D1":
      return dayBefore;
    case "WEEKLY":
      return dayOfWeek(date) === m.settlementWeekday % 7 ? dayBefore : null;
  }
}

/** The date a run first settles money with this business date. */
export function dueDate(m: CycleOf, businessDate: string, overrides: CalendarOverrides): string {
  switch (m.settlementCycle) {
    case "T1":
      return addWorkingDays(businessDate, 1, overrides);
    case "D1":
      return addNaturalDays(businessDate, 1);
    case "WEEKLY": {
      const next = addNaturalDays(businessDate, 1);
      return addNaturalDays(next, (((m.settlementWeekday % 7) - dayOfWeek(next)) % 7 + 7) % 7);
    }
  }
}

/** `date` minus n natural days. */
export function daysBefore(date: string, n: number): string {
  const t = new Date(`${date}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() - n);
  return t.toISOString().slice(0, 10);
}

/** The first and last day of a month (YYYY-MM). */
export function monthRange(month: string): { from: string; to: string; next: string } {
  const [y, m] = month.split("-").map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, "0")}-01`;
  return { from: `${month}-01`, to: daysBefore(next, 1), next };
}
