import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DomainError } from "@/server/core/errors/domain-error";
import {
  addNaturalDays,
  addWorkingDays,
  businessDate,
  isWorkingDay,
  nextWorkingDay,
  parseCalendarCsv,
  previousWorkingDay,
  zonedDayRange,
  type CalendarOverride,
} from "./rules";

const HOUR = 3_600_000;

function overrides(rows: CalendarOverride[]): Map<string, CalendarOverride> {
  return new Map(rows.map((r) => [r.date, r]));
}

// The 2026 days these tests need, as in prisma/seed-data/calendar-demo.csv.
const cn2026 = overrides([
  { date: "2026-01-01", kind: "HOLIDAY", name: "元旦" },
  { date: "2026-01-02", kind: "HOLIDAY", name: "元旦" },
  { date: "2026-01-04", kind: "WORKDAY", name: "元旦调休上班" },
  { date: "2026-02-14", kind: "WORKDAY", name: "春节调休上班" },
  ...["16", "17", "18", "19", "20", "23"].map((d): CalendarOverride => ({ date: `2026-02-${d}`, kind: "HOLIDAY", name: "春节" })),
  { date: "2026-02-28", kind: "WORKDAY", name: "春节调休上班" },
  { date: "2026-05-01", kind: "HOLIDAY", name: "劳动节" },
  { date: "2026-05-04", kind: "HOLIDAY", name: "劳动节" },
  { date: "2026-05-05", kind: "HOLIDAY", name: "劳动节" },
  { date: "2026-05-09", kind: "WORKDAY", name: "劳动节调休上班" },
  ...["01", "02", "05", "06", "07"].map((d): CalendarOverride => ({ date: `2026-10-${d}`, kind: "HOLIDAY", name: "国庆节" })),
  { date: "2026-10-10", kind: "WORKDAY", name: "国庆节调休上班" },
]);

function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error("expected a DomainError");
}

describe("businessDate", () => {
  it("turns over at Beijing midnight, 16:00 UTC", () => {
    expect(businessDate(new Date("2026-01-05T15:59:59Z"), "Asia/Shanghai")).toBe("2026-01-05");
    expect(businessDate(new Date("2026-01-05T15:59:59.999Z"), "Asia/Shanghai")).toBe("2026-01-05");
    expect(businessDate(new Date("2026-01-05T16:00:00Z"), "Asia/Shanghai")).toBe("2026-01-06");
    expect(businessDate(new Date("2026-01-05T00:00:00Z"), "Asia/Shanghai")).toBe("2026-01-05");
  });

  it("is the previous UTC date in New York in the evening", () => {
    expect(businessDate(new Date("2026-01-06T03:00:00Z"), "America/New_York")).toBe("2026-01-05");
  });

  it("moves to the next date at and after a 23:00 cut-off", () => {
    // 23:30 Beijing on 2026-01-05 is 15:30 UTC.
    expect(businessDate(new Date("2026-01-05T15:30:00Z"), "Asia/Shanghai", "23:00")).toBe("2026-01-06");
    expect(businessDate(new Date("2026-01-05T15:00:00Z"), "Asia/Shanghai", "23:00")).toBe("2026-01-06");
    expect(businessDate(new Date("2026-01-05T14:59:59Z"), "Asia/Shanghai", "23:00")).toBe("2026-01-05");
    // After Beijing midnight the calendar date already is the 6th; the cut-off does not add another day.
    expect(businessDate(new Date("2026-01-05T16:30:00Z"), "Asia/Shanghai", "23:00")).toBe("2026-01-06");
  });

  it("rolls a cut-off over the end of the year", () => {
    expect(businessDate(new Date("2026-12-31T15:00:00Z"), "Asia/Shanghai", "23:00")).toBe("2027-01-01");
  });

  it("rejects an unknown time zone, an empty one and a malformed cut-off", () => {
    const at = new Date("2026-01-05T00:00:00Z");
    expect(domainError(() => businessDate(at, "Asia/Beijing")).code).toBe("TIME_ZONE_INVALID");
    expect(domainError(() => businessDate(at, "")).code).toBe("TIME_ZONE_INVALID");
    for (const cutoff of ["24:00", "23:60", "7:00", "23:00:00", ""]) {
      expect(domainError(() => businessDate(at, "Asia/Shanghai", cutoff)).code).toBe("CUTOFF_INVALID");
    }
    expect(domainError(() => businessDate(new Date("nonsense"), "Asia/Shanghai")).code).toBe("DATE_INVALID");
  });
});

describe("zonedDayRange", () => {
  it("is 16:00 UTC to 16:00 UTC for a Beijing day", () => {
    const { start, end } = zonedDayRange("2026-01-05", "Asia/Shanghai");
    expect(start.toISOString()).toBe("2026-01-04T16:00:00.000Z");
    expect(end.toISOString()).toBe("2026-01-05T16:00:00.000Z");
  });

  it("is 23 hours on the New York spring-forward day and 25 on the fall-back day", () => {
    const spring = zonedDayRange("2026-03-08", "America/New_York");
    expect(spring.start.toISOString()).toBe("2026-03-08T05:00:00.000Z");
    expect(spring.end.toISOString()).toBe("2026-03-09T04:00:00.000Z");
    expect(spring.end.getTime() - spring.start.getTime()).toBe(23 * HOUR);

    const fall = zonedDayRange("2026-11-01", "America/New_York");
    expect(fall.start.toISOString()).toBe("2026-11-01T04:00:00.000Z");
    expect(fall.end.toISOString()).toBe("2026-11-02T05:00:00.000Z");
    expect(fall.end.getTime() - fall.start.getTime()).toBe(25 * HOUR);
  });

  it("starts at the transition when local midnight does not exist (Santiago springs forward at 00:00)", () => {
    const { start, end } = zonedDayRange("2026-09-06", "America/Santiago");
    expect(start.toISOString()).toBe("2026-09-06T04:00:00.000Z");
    expect(end.toISOString()).toBe("2026-09-07T03:00:00.000Z");
    expect(businessDate(new Date(start.getTime() - 1000), "America/Santiago")).toBe("2026-09-05");
    expect(businessDate(start, "America/Santiago")).toBe("2026-09-06");
  });

  it("agrees with businessDate at both ends", () => {
    const { start, end } = zonedDayRange("2026-01-05", "America/New_York");
    expect(businessDate(start, "America/New_York")).toBe("2026-01-05");
    expect(businessDate(new Date(end.getTime() - 1), "America/New_York")).toBe("2026-01-05");
    expect(businessDate(end, "America/New_York")).toBe("2026-01-06");
  });

  it("rejects a bad date or zone", () => {
    expect(domainError(() => zonedDayRange("2026-02-30", "Asia/Shanghai")).code).toBe("DATE_INVALID");
    expect(domainError(() => zonedDayRange("2026-02-01", "Nowhere/City")).code).toBe("TIME_ZONE_INVALID");
  });
});

describe("working days", () => {
  it("follows Monday to Friday with holiday and 调休 overrides", () => {
    expect(isWorkingDay("2026-03-06", cn2026)).toBe(true); // Friday
    expect(isWorkingDay("2026-03-07", cn2026)).toBe(false); // Saturday
    expect(isWorkingDay("2026-01-01", cn2026)).toBe(false); // Thursday, 元旦
    expect(isWorkingDay("2026-01-04", cn2026)).toBe(true); // Sunday, 调休上班
  });

  it("T+1 skips a weekend", () => {
    expect(addWorkingDays("2026-03-06", 1, cn2026)).toBe("2026-03-09");
    expect(addWorkingDays("2026-03-07", 1, cn2026)).toBe("2026-03-09");
    expect(addWorkingDays("2026-03-06", 2, cn2026)).toBe("2026-03-10");
  });

  it("T+1 on the Friday before 劳动节 skips the holiday and the weekend inside it", () => {
    // Fri 04-30 → 05-01 holiday, 02/03 weekend, 04/05 holiday → Wed 05-06.
    expect(addWorkingDays("2026-04-30", 1, cn2026)).toBe("2026-05-06");
    // Wed 09-30 → 国庆 10-01..07 → Thu 10-08.
    expect(addWorkingDays("2026-09-30", 1, cn2026)).toBe("2026-10-08");
  });

  it("T+1 lands on a 调休 working Saturday", () => {
    expect(addWorkingDays("2026-02-13", 1, cn2026)).toBe("2026-02-14");
    expect(addWorkingDays("2026-10-09", 1, cn2026)).toBe("2026-10-10");
    // …and from there over the whole Spring Festival week.
    expect(addWorkingDays("2026-02-14", 1, cn2026)).toBe("2026-02-24");
    expect(addWorkingDays("2026-02-13", 2, cn2026)).toBe("2026-02-24");
  });

  it("T+0 is the day itself on a working day and the next working day on a holiday", () => {
    expect(addWorkingDays("2026-03-06", 0, cn2026)).toBe("2026-03-06");
    expect(addWorkingDays("2026-10-01", 0, cn2026)).toBe("2026-10-08");
    expect(addWorkingDays("2026-01-03", 0, cn2026)).toBe("2026-01-04");
  });

  it("T+1 from a holiday counts from the holiday, not from the day it rolls to", () => {
    expect(addWorkingDays("2026-10-01", 1, cn2026)).toBe("2026-10-08");
    expect(addWorkingDays("2026-10-01", 2, cn2026)).toBe("2026-10-09");
  });

  it("finds the neighbouring working days", () => {
    expect(nextWorkingDay("2026-02-14", cn2026)).toBe("2026-02-24");
    expect(previousWorkingDay("2026-02-24", cn2026)).toBe("2026-02-14");
    expect(previousWorkingDay("2026-01-05", cn2026)).toBe("2026-01-04");
    expect(previousWorkingDay("2026-01-04", cn2026)).toBe("2025-12-31");
  });

  it("rejects a negative or fractional N and a calendar without working days", () => {
    expect(domainError(() => addWorkingDays("2026-03-06", -1, cn2026)).code).toBe("DAY_COUNT_INVALID");
    expect(domainError(() => addWorkingDays("2026-03-06", 1.5, cn2026)).code).toBe("DAY_COUNT_INVALID");
    expect(domainError(() => addNaturalDays("2026-03-06", -1)).code).toBe("DAY_COUNT_INVALID");
    expect(domainError(() => addWorkingDays("2026-02-30", 1, cn2026)).code).toBe("DATE_INVALID");

    const allOff = new Map<string, CalendarOverride>();
    for (let i = 1; i <= 400; i++) {
      const date = addNaturalDays("2026-01-01", i);
      allOff.set(date, { date, kind: "HOLIDAY", name: "closed" });
    }
    const e = domainError(() => nextWorkingDay("2026-01-01", allOff));
    expect(e.code).toBe("CALENDAR_NO_WORKING_DAY");
    expect(e.message).toContain("366 days");
  });
});

describe("addNaturalDays (D+N)", () => {
  it("crosses month and year ends and leap days", () => {
    expect(addNaturalDays("2026-01-31", 1)).toBe("2026-02-01");
    expect(addNaturalDays("2026-02-28", 1)).toBe("2026-03-01");
    expect(addNaturalDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addNaturalDays("2028-02-28", 1)).toBe("2028-02-29");
    expect(addNaturalDays("2028-02-29", 1)).toBe("2028-03-01");
    expect(addNaturalDays("2100-02-28", 1)).toBe("2100-03-01");
    expect(addNaturalDays("2026-03-06", 0)).toBe("2026-03-06");
    expect(addNaturalDays("2026-02-13", 7)).toBe("2026-02-20");
  });
});

describe("parseCalendarCsv", () => {
  it("reads the demo calendar without errors or warnings", () => {
    const csv = readFileSync(path.resolve(import.meta.dirname, "../../../prisma/seed-data/calendar-demo.csv"), "utf8");
    const { rows, warnings } = parseCalendarCsv(csv, { year: 2026 });
    expect(warnings).toEqual([]);
    expect(rows).toHaveLength(25);
    for (const row of rows) expect(cn2026.get(row.date) ?? row).toEqual(row);
  });

  it("accepts a BOM, CRLF, comments, blank lines, quotes and Chinese kinds", () => {
    const csv = [
      "\uFEFFDate,Kind,Name",
      "# 2026",
      "",
      '2026-01-01,holiday,"元旦, New Year"',
      '2026-01-04,调休上班,"say ""hi"""',
      "  # indented comment with a \"stray quote",
      "2026-02-16,假日,春节",
      "2026-02-17,休,春节",
      "2026-02-14,班,春节调休上班",
      "2026/2/18, HOLIDAY ,  春节  ",
      ",,",
      "",
    ].join("\r\n");
    const { rows, warnings } = parseCalendarCsv(csv);
    expect(warnings).toEqual([]);
    expect(rows).toEqual([
      { date: "2026-01-01", kind: "HOLIDAY", name: "元旦, New Year" },
      { date: "2026-01-04", kind: "WORKDAY", name: 'say "hi"' },
      { date: "2026-02-16", kind: "HOLIDAY", name: "春节" },
      { date: "2026-02-17", kind: "HOLIDAY", name: "春节" },
      { date: "2026-02-14", kind: "WORKDAY", name: "春节调休上班" },
      { date: "2026-02-18", kind: "HOLIDAY", name: "春节" },
    ]);
  });

  it("takes the columns in the header's order", () => {
    const { rows } = parseCalendarCsv("name,date,kind\n元旦,2026-01-01,HOLIDAY\n");
    expect(rows).toEqual([{ date: "2026-01-01", kind: "HOLIDAY", name: "元旦" }]);
  });

  it("reports every bad line with its number", () => {
    const csv = [
      "date,kind,name", // 1
      "2026-02-30,HOLIDAY,bad day", // 2
      "2026-01-01,HOLIDAY,元旦", // 3
      "", // 4
      "# comment", // 5
      "2026-01-01,HOLIDAY,元旦 again", // 6
      "2026-01-02,VACATION,元旦", // 7
      "2026-01-05,HOLIDAY,", // 8
      "01/05/2026,HOLIDAY,x", // 9
      "2026-01-06,HOLIDAY,x,extra", // 10
      "2026-01-07,HOLIDAY,ok", // 11
    ].join("\n");
    const e = domainError(() => parseCalendarCsv(csv));
    expect(e.code).toBe("CALENDAR_INVALID");
    expect(e.kind).toBe("BAD_INPUT");
    const lines = e.message.split("\n").slice(1);
    expect(lines).toEqual([
      "line 2: 2026-02-30 is not a calendar date",
      "line 6: duplicate date 2026-01-01 (first on line 3)",
      'line 7: kind "VACATION" is not HOLIDAY or WORKDAY (or 假日/休, 班/调休上班)',
      "line 8: name is missing",
      'line 9: date "01/05/2026" is not in YYYY-MM-DD form',
      "line 10: too many fields: expected 3, found 4",
    ]);
  });

  it("numbers lines after a quoted field that spans lines", () => {
    const csv = 'date,kind,name\n2026-01-01,HOLIDAY,"two\nlines"\n2026-01-02,NOPE,x\n';
    const lines = domainError(() => parseCalendarCsv(csv)).message.split("\n").slice(1);
    expect(lines).toEqual([
      "line 2: name must be one line without control characters",
      'line 4: kind "NOPE" is not HOLIDAY or WORKDAY (or 假日/休, 班/调休上班)',
    ]);
  });

  it("reports an unclosed quote and a name that is too long", () => {
    const csv = `date,kind,name\n2026-01-01,HOLIDAY,${"长".repeat(61)}\n2026-01-02,HOLIDAY,"open\n`;
    const lines = domainError(() => parseCalendarCsv(csv)).message.split("\n").slice(1);
    expect(lines).toEqual(["line 2: name is longer than 60 characters", "line 3: a quoted field is not closed"]);
  });

  it("rejects a missing or wrong header and an empty file", () => {
    expect(domainError(() => parseCalendarCsv("")).message).toContain("line 1: the file is empty");
    expect(domainError(() => parseCalendarCsv("\uFEFF# only a comment\n\n")).message).toContain("the file is empty");
    expect(domainError(() => parseCalendarCsv("# c\n2026-01-01,HOLIDAY,元旦\n")).message).toContain(
      'line 2: the header must be date,kind,name, found "2026-01-01,HOLIDAY,元旦"',
    );
    expect(domainError(() => parseCalendarCsv("date,type,name\n")).code).toBe("CALENDAR_INVALID");
  });

  it("allows a header with no rows", () => {
    expect(parseCalendarCsv("date,kind,name\n")).toEqual({ rows: [], warnings: [] });
  });

  it("warns, with line numbers, about overrides that change nothing", () => {
    const csv = "date,kind,name\n2026-01-07,WORKDAY,odd\n2026-01-08,HOLIDAY,fine\n2026-01-10,HOLIDAY,Saturday\n";
    const { rows, warnings } = parseCalendarCsv(csv);
    expect(rows).toHaveLength(3);
    expect(warnings.map((w) => [w.line, w.date, w.code])).toEqual([
      [2, "2026-01-07", "WORKDAY_ON_WEEKDAY"],
      [4, "2026-01-10", "HOLIDAY_ON_WEEKEND"],
    ]);
    expect(warnings[0]?.message).toMatch(/^line 2: 2026-01-07 is a weekday/);
  });

  it("rejects rows outside the year being replaced", () => {
    const csv = "date,kind,name\n2026-01-01,HOLIDAY,元旦\n2027-01-01,HOLIDAY,元旦\n";
    expect(domainError(() => parseCalendarCsv(csv, { year: 2026 })).message).toContain(
      "line 3: 2027-01-01 is outside 2026, the year being replaced",
    );
  });
});
