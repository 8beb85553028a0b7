import { describe, expect, it } from "vitest";
import { ZCalendarDay, ZCalendarImport, ZCalendarRange } from "./schema";

describe("calendar schemas", () => {
  it("accepts a real day and trims its name", () => {
    expect(ZCalendarDay.parse({ date: "2026-10-01", kind: "HOLIDAY", name: " 国庆节 " })).toEqual({
      date: "2026-10-01",
      kind: "HOLIDAY",
      name: "国庆节",
    });
  });

  it("rejects an impossible date, an unknown kind, an empty or multi-line name", () => {
    expect(ZCalendarDay.safeParse({ date: "2026-02-30", kind: "HOLIDAY", name: "x" }).success).toBe(false);
    expect(ZCalendarDay.safeParse({ date: "2026-02-03", kind: "WEEKEND", name: "x" }).success).toBe(false);
    expect(ZCalendarDay.safeParse({ date: "2026-02-03", kind: "HOLIDAY", name: "  " }).success).toBe(false);
    expect(ZCalendarDay.safeParse({ date: "2026-02-03", kind: "HOLIDAY", name: "a\nb" }).success).toBe(false);
    expect(ZCalendarDay.safeParse({ date: "2026-02-03", kind: "HOLIDAY", name: "长".repeat(61) }).success).toBe(false);
  });

  it("checks a range's order and width", () => {
    expect(ZCalendarRange.safeParse({ from: "2026-01-01", to: "2026-12-31" }).success).toBe(true);
    const reversed = ZCalendarRange.safeParse({ from: "2026-12-31", to: "2026-01-01" });
    expect(reversed.success).toBe(false);
    expect(reversed.error?.issues[0]?.path).toEqual(["to"]);
    expect(ZCalendarRange.safeParse({ from: "2000-01-01", to: "2026-01-01" }).success).toBe(false);
    expect(ZCalendarRange.safeParse({ from: "2026-13-01", to: "2026-01-01" }).success).toBe(false);
  });

  it("bounds an import", () => {
    expect(ZCalendarImport.safeParse({ csv: "date,kind,name\n", replaceYear: 2026 }).success).toBe(true);
    expect(ZCalendarImport.safeParse({ csv: "x".repeat(200_001) }).success).toBe(false);
    expect(ZCalendarImport.safeParse({ csv: "", replaceYear: 2026.5 }).success).toBe(false);
  });
});
