import { describe, expect, it } from "vitest";
import type { CalendarOverride } from "@/server/core/calendar/rules";
import { dueDate, monthRange, settlementCutoff } from "./cycle";

// 2026 around National Day as a worked calendar: 2026-10-01 (Thu) … 10-07 (Wed) holidays, and a
// 调休 working Saturday 2026-10-10. 2026-09-25 is a Friday.
const overrides = new Map<string, CalendarOverride>([
  ...["2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"].map((d) => [d, { date: d, kind: "HOLIDAY" as const, name: "国庆节" }] as const),
  ["2026-10-10", { date: "2026-10-10", kind: "WORKDAY", name: "国庆节调休" }],
]);
const T1 = { settlementCycle: "T1" as const, settlementWeekday: 1 };
const D1 = { settlementCycle: "D1" as const, settlementWeekday: 1 };
const WEEKLY_WED = { settlementCycle: "WEEKLY" as const, settlementWeekday: 3 };

describe("settlement cycles", () => {
  it("T+1: a working day settles up to the day before; weekends and holidays settle nothing", () => {
    expect(settlementCutoff(T1, "2026-09-28", overrides)).toBe("2026-09-27"); // Monday: Fri, Sat, Sun
    expect(settlementCutoff(T1, "2026-09-26", overrides)).toBeNull(); // a plain Saturday
    expect(settlementCutoff(T1, "2026-10-05", overrides)).toBeNull(); // a holiday Monday
    expect(settlementCutoff(T1, "2026-10-08", overrides)).toBe("2026-10-07"); // first day back
    expect(settlementCutoff(T1, "2026-10-10", overrides)).toBe("2026-10-09"); // the 调休 Saturday works
  });

  it("T+1 due dates roll over weekends, holidays and onto a 调休 Saturday", () => {
    expect(dueDate(T1, "2026-09-25", overrides)).toBe("2026-09-28"); // Friday → Monday
    expect(dueDate(T1, "2026-09-30", overrides)).toBe("2026-10-08"); // the eve of Golden Week → after it
    expect(dueDate(T1, "2026-10-03", overrides)).toBe("2026-10-08"); // a holiday Saturday
    expect(dueDate(T1, "2026-10-09", overrides)).toBe("2026-10-10"); // Friday → the working Saturday
    expect(dueDate(T1, "2026-10-10", overrides)).toBe("2026-10-12");
  });

  it("every date is settled by the run on its due date and by no earlier run", () => {
    for (const cycle of [T1, D1, WEEKLY_WED]) {
      for (let d = new Date("2026-09-20T00:00:00Z"); d < new Date("2026-10-20T00:00:00Z"); d.setUTCDate(d.getUTCDate() + 1)) {
        const date = d.toISOString().slice(0, 10);
        const due = dueDate(cycle, date, overrides);
        expect(settlementCutoff(cycle, due, overrides)! >= date, `${cycle.settlementCycle} ${date} due ${due}`).toBe(true);
        // The last run before the due date (if any) does not reach it.
        for (let e = new Date(`${date}T00:00:00Z`); e.toISOString().slice(0, 10) < due; e.setUTCDate(e.getUTCDate() + 1)) {
          const cut = settlementCutoff(cycle, e.toISOString().slice(0, 10), overrides);
          expect(cut === null || cut < date).toBe(true);
        }
      }
    }
  });

  it("D+1 counts natural days; weekly settles on its weekday only", () => {
    expect(settlementCutoff(D1, "2026-10-03", overrides)).toBe("2026-10-02");
    expect(dueDate(D1, "2026-10-03", overrides)).toBe("2026-10-04");
    expect(settlementCutoff(WEEKLY_WED, "2026-09-30", overrides)).toBe("2026-09-29");
    expect(settlementCutoff(WEEKLY_WED, "2026-10-01", overrides)).toBeNull();
    expect(dueDate(WEEKLY_WED, "2026-09-30", overrides)).toBe("2026-10-07");
    expect(dueDate(WEEKLY_WED, "2026-09-29", overrides)).toBe("2026-09-30");
  });

  it("knows a month's first and last day, December and February included", () => {
    expect(monthRange("2026-12")).toEqual({ from: "2026-12-01", to: "2026-12-31", next: "2027-01-01" });
    expect(monthRange("2028-02")).toEqual({ from: "2028-02-01", to: "2028-02-29", next: "2028-03-01" });
  });

  it("refuses a date that is not a date", () => {
    expect(() => settlementCutoff(T1, "2026-02-30", overrides)).toThrow();
  });
});
