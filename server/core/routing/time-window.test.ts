import { describe, expect, it } from "vitest";
import { isValidTimeZone, isWithinWindow, localDate, localMinuteOfDay, parseClock, parseWindow } from "./time-window";

describe("clock times", () => {
  it("parses HH:MM from 00:00 to 23:59 and nothing else", () => {
    expect(parseClock("00:00")).toBe(0);
    expect(parseClock("08:30")).toBe(510);
    expect(parseClock("23:59")).toBe(1439);
    for (const bad of ["24:00", "8:30", "08:60", "0830", " 08:30", "08:30:00", ""]) expect(parseClock(bad)).toBeNull();
  });

  it("parses a window and refuses a malformed end", () => {
    expect(parseWindow({ startLocal: "22:00", endLocal: "06:00" })).toEqual({ startMinute: 1320, endMinute: 360, timeZone: undefined, label: "22:00-06:00" });
    expect(parseWindow({ startLocal: "22:00", endLocal: "6:00" })).toBeNull();
  });
});

describe("isWithinWindow", () => {
  it("is start-inclusive and end-exclusive", () => {
    expect(isWithinWindow(480, 480, 1320)).toBe(true); // 08:00 in 08:00–22:00
    expect(isWithinWindow(1319, 480, 1320)).toBe(true);
    expect(isWithinWindow(1320, 480, 1320)).toBe(false); // 22:00 is closed
    expect(isWithinWindow(479, 480, 1320)).toBe(false);
  });

  it("wraps midnight when start > end", () => {
    // 22:00–06:00
    expect(isWithinWindow(1380, 1320, 360)).toBe(true); // 23:00
    expect(isWithinWindow(0, 1320, 360)).toBe(true); // 00:00
    expect(isWithinWindow(359, 1320, 360)).toBe(true); // 05:59
    expect(isWithinWindow(360, 1320, 360)).toBe(false); // 06:00
    expect(isWithinWindow(720, 1320, 360)).toBe(false); // noon
    // 08:00–00:00 means "until midnight"
    expect(isWithinWindow(1439, 480, 0)).toBe(true);
    expect(isWithinWindow(0, 480, 0)).toBe(false);
  });

  it("treats start = end as all day", () => {
    expect(isWithinWindow(0, 600, 600)).toBe(true);
    expect(isWithinWindow(1439, 600, 600)).toBe(true);
  });
});

describe("local time in a zone, whatever the process zone", () => {
  it("reads Beijing time (UTC+8) without Intl, across the date line", () => {
    const at = new Date("2026-11-27T16:30:00Z"); // 00:30 on the 28th in Beijing
    expect(localMinuteOfDay(at, "Asia/Shanghai")).toBe(30);
    expect(localDate(at, "Asia/Shanghai")).toBe("2026-11-28");
    expect(localDate(at, "UTC")).toBe("2026-11-27");
  });

  it("agrees with Intl for zones with daylight saving", () => {
    const summer = new Date("2026-07-01T12:00:00Z");
    expect(localMinuteOfDay(summer, "Europe/Berlin")).toBe(14 * 60); // CEST, UTC+2
    const winter = new Date("2026-01-01T12:00:00Z");
    expect(localMinuteOfDay(winter, "Europe/Berlin")).toBe(13 * 60);
    expect(localDate(new Date("2026-01-01T23:30:00Z"), "Europe/Berlin")).toBe("2026-01-02");
  });

  it("knows real zones from made-up ones", () => {
    expect(isValidTimeZone("Asia/Shanghai")).toBe(true);
    expect(isValidTimeZone("Asia/Urumqi")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
  });
});
