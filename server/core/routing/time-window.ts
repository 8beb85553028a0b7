// Local clock times for account time windows and business days for the dry run. Only the given
// IANA zone matters, never the process's: tests run in UTC and production in whatever the host has.
import type { TimeWindow } from "./types";

const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes since local midnight for "HH:MM" (00:00–23:59), or null when malformed. */
export function parseClock(text: string): number | null {
  const m = CLOCK.exec(text);
  if (!m) return null;
  return Number(m[1]) * 60 + Number(m[2]);
}

export interface ParsedWindow {
  readonly startMinute: number;
  readonly endMinute: number;
  readonly timeZone: string | undefined;
  /** "HH:MM-HH:MM", for traces and messages. */
  readonly label: string;
}

/** Null when either end is malformed (validate.ts reports it; the engine treats it as closed). */
export function parseWindow(w: TimeWindow): ParsedWindow | null {
  const start = parseClock(w.startLocal);
  const end = parseClock(w.endLocal);
  if (start === null || end === null) return null;
  return { startMinute: start, endMinute: end, timeZone: w.timeZone, label: `${w.startLocal}-${w.endLocal}` };
}

/** Start inclusive, end exclusive; start > end wraps midnight; start = end is all day. */
export function isWithinWindow(minute: number, startMinute: number, endMinute: number): boolean {
  if (startMinute === endMinute) return true;
  if (startMinute < endMinute) return minute >= startMinute && minute < endMinute;
  return minute >= startMinute || minute < endMinute;
}

// China has kept UTC+8 without daylight saving since 1991: the common case needs no Intl call.
const FIXED_OFFSET_MINUTES: ReadonlyMap<string, number> = new Map([
  ["Asia/Shanghai", 480],
  ["PRC", 480],
  ["Asia/Hong_Kong", 480],
  ["Asia/Macau", 480],
  ["Asia/Taipei", 480],
  ["UTC", 0],
  ["Etc/UTC", 0],
]);

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // Throws RangeError for an unknown zone: validate.ts checks zones before they get here.
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  minuteOfDay: number;
}

function localParts(at: Date, timeZone: string): LocalParts {
  const offset = FIXED_OFFSET_MINUTES.get(timeZone);
  if (offset !== undefined) {
    const t = new Date(at.getTime() + offset * 60_000);
    return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate(), minuteOfDay: t.getUTCHours() * 60 + t.getUTCMinutes() };
  }
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const p of formatter(timeZone).formatToParts(at)) {
    if (p.type === "year") year = Number(p.value);
    else if (p.type === "month") month = Number(p.value);
    else if (p.type === "day") day = Number(p.value);
    else if (p.type === "hour") hour = Number(p.value);
    else if (p.type === "minute") minute = Number(p.value);
  }
  return { year, month, day, minuteOfDay: hour * 60 + minute };
}

export function localMinuteOfDay(at: Date, timeZone: string): number {
  return localParts(at, timeZone).minuteOfDay;
}

/** The local calendar date "YYYY-MM-DD" of an instant in a zone. */
export function localDate(at: Date, timeZone: string): string {
  const p = localParts(at, timeZone);
  return `${String(p.year).padStart(4, "0")}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
}

export function isValidTimeZone(timeZone: string): boolean {
  if (FIXED_OFFSET_MINUTES.has(timeZone)) return true;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}
