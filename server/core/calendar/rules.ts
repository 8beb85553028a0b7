// Business dates and the tenant business calendar: pure functions over "YYYY-MM-DD" strings.
// Day arithmetic is done on UTC day numbers only; the process time zone never matters.
import { DomainError, badInput } from "@/server/core/errors/domain-error";

export type CalendarDayKind = "HOLIDAY" | "WORKDAY";
export type CalendarOverride = { date: string; kind: CalendarDayKind; name: string };
export type CalendarOverrides = ReadonlyMap<string, CalendarOverride>;

export type CalendarWarningCode = "WORKDAY_ON_WEEKDAY" | "HOLIDAY_ON_WEEKEND";
export interface CalendarWarning {
  /** The CSV line, or null when the override did not come from a file. */
  line: number | null;
  date: string;
  code: CalendarWarningCode;
  message: string;
}

export interface ParsedCalendar {
  rows: CalendarOverride[];
  warnings: CalendarWarning[];
}

export const CALENDAR_NAME_MAX = 60;
/** How far nextWorkingDay / previousWorkingDay look before deciding the calendar is broken. */
export const MAX_SCAN_DAYS = 366;

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CUTOFF = /^([01]\d|2[0-3]):([0-5]\d)$/;
// Control characters include line breaks, which a quoted CSV field can smuggle into a name.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

// ---------------------------------------------------------------------------------------------
// Dates

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function splitDate(date: string): [number, number, number] | null {
  const m = ISO_DATE.exec(date);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  // Four-digit years from 1000 keep the string form fixed-width and sortable.
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return null;
  return [y, mo, d];
}

/** True for a real date in "YYYY-MM-DD" form (2026-02-30 is false). */
export function isCalendarDate(date: unknown): date is string {
  return typeof date === "string" && splitDate(date) !== null;
}

export function assertCalendarDate(date: string, field = "date"): void {
  if (!isCalendarDate(date)) {
    throw badInput("DATE_INVALID", `"${String(date)}" is not a date in YYYY-MM-DD form`, field);
  }
}

function formatDate(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

function toDayNumber(date: string, field = "date"): number {
  const parts = splitDate(date);
  if (!parts) throw badInput("DATE_INVALID", `"${String(date)}" is not a date in YYYY-MM-DD form`, field);
  return Date.UTC(parts[0], parts[1] - 1, parts[2]) / DAY_MS;
}

function fromDayNumber(n: number): string {
  const t = new Date(n * DAY_MS);
  const y = t.getUTCFullYear();
  if (y > 9999) throw badInput("DATE_INVALID", "The date is past the year 9999");
  return formatDate(y, t.getUTCMonth() + 1, t.getUTCDate());
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: string): number {
  // Day 0 (1970-01-01) was a Thursday.
  return (((toDayNumber(date) + 4) % 7) + 7) % 7;
}

export function isWeekend(date: string): boolean {
  const dow = dayOfWeek(date);
  return dow === 0 || dow === 6;
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return toDayNumber(to, "to") - toDayNumber(from, "from");
}

function assertDayCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw badInput("DAY_COUNT_INVALID", `The number of days must be a whole number of 0 or more, got ${String(n)}`, "n");
  }
}

/** D+N: N natural days after `date`, weekends and holidays included. */
export function addNaturalDays(date: string, n: number): string {
  assertDayCount(n);
  return fromDayNumber(toDayNumber(date) + n);
}

// ---------------------------------------------------------------------------------------------
// Working days

export function isWorkingDay(date: string, overrides: CalendarOverrides): boolean {
  const override = overrides.get(date);
  if (override) return override.kind === "WORKDAY";
  return !isWeekend(date);
}

function scanForWorkingDay(date: string, step: 1 | -1, overrides: CalendarOverrides): string {
  const start = toDayNumber(date);
  for (let i = 1; i <= MAX_SCAN_DAYS; i++) {
    const candidate = fromDayNumber(start + step * i);
    if (isWorkingDay(candidate, overrides)) return candidate;
  }
  throw new DomainError(
    "INVARIANT",
    "CALENDAR_NO_WORKING_DAY",
    `The business calendar has no working day within ${MAX_SCAN_DAYS} days ${step === 1 ? "after" : "before"} ${date}`,
  );
}

/** The first working day strictly after `date`. */
export function nextWorkingDay(date: string, overrides: CalendarOverrides): string {
  return scanForWorkingDay(date, 1, overrides);
}

/** The last working day strictly before `date`. */
export function previousWorkingDay(date: string, overrides: CalendarOverrides): string {
  return scanForWorkingDay(date, -1, overrides);
}

/**
 * T+N. T+0 is `date` when it is a working day, else the next working day; T+N (N ≥ 1) is the Nth
 * working day strictly after `date`, so a payment on a holiday still settles N working days later
 * counted from the holiday, not from the day it rolls to.
 */
export function addWorkingDays(date: string, n: number, overrides: CalendarOverrides): string {
  assertDayCount(n);
  if (n === 0) return isWorkingDay(date, overrides) ? date : nextWorkingDay(date, overrides);
  let current = date;
  for (let i = 0; i < n; i++) current = nextWorkingDay(current, overrides);
  return current;
}

// ---------------------------------------------------------------------------------------------
// Time zones and business dates

const formatters = new Map<string, Intl.DateTimeFormat>();

function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  const cached = formatters.get(timeZone);
  if (cached) return cached;
  // An empty or missing zone would silently fall back to the process zone.
  if (typeof timeZone !== "string" || timeZone.trim() === "") {
    throw badInput("TIME_ZONE_INVALID", "A time zone is required (e.g. Asia/Shanghai)", "timeZone");
  }
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
  } catch (cause) {
    throw new DomainError("BAD_INPUT", "TIME_ZONE_INVALID", `Unknown time zone "${timeZone}" (use an IANA name such as Asia/Shanghai)`, {
      field: "timeZone",
      cause,
    });
  }
  formatters.set(timeZone, formatter);
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    zoneFormatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function assertTimeZone(timeZone: string): void {
  zoneFormatter(timeZone);
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(epochMs: number, timeZone: string): WallClock {
  const out: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of zoneFormatter(timeZone).formatToParts(epochMs)) {
    if (part.type in out) out[part.type as keyof WallClock] = Number(part.value);
  }
  return out;
}

/** The zone's UTC offset at an instant, in ms (Asia/Shanghai: +8h). */
function offsetAt(epochMs: number, timeZone: string): number {
  const w = wallClock(epochMs, timeZone);
  const wallMs = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return wallMs - Math.floor(epochMs / 1000) * 1000;
}

function assertInstant(at: Date): void {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    throw badInput("DATE_INVALID", "The time is not a valid instant", "at");
  }
}

/** Minutes after midnight of an "HH:MM" cut-off. */
export function parseCutoff(cutoff: string): number {
  const m = typeof cutoff === "string" ? CUTOFF.exec(cutoff) : null;
  if (!m) throw badInput("CUTOFF_INVALID", `Cut-off "${String(cutoff)}" must be a time from 00:00 to 23:59 in HH:MM form`, "cutoff");
  return Number(m[1]) * 60 + Number(m[2]);
}

/** The date of `at` on the wall clock of `timeZone`. */
export function zonedDate(at: Date, timeZone: string): string {
  assertInstant(at);
  const w = wallClock(at.getTime(), timeZone);
  return formatDate(w.year, w.month, w.day);
}

/**
 * The business date of a transaction at `at`: its date in the tenant's zone, moved to the next date
 * when the channel's day has already ended (local time at or after `cutoff`).
 */
export function businessDate(at: Date, timeZone: string, cutoff = "00:00"): string {
  assertInstant(at);
  const cutoffMinutes = parseCutoff(cutoff);
  const w = wallClock(at.getTime(), timeZone);
  const date = formatDate(w.year, w.month, w.day);
  if (cutoffMinutes > 0 && w.hour * 60 + w.minute >= cutoffMinutes) return addNaturalDays(date, 1);
  return date;
}

/** The first instant of `date` in `timeZone`. */
function startOfZonedDay(date: string, timeZone: string): number {
  const wall = toDayNumber(date) * DAY_MS;
  // Offsets lie within −12h…+14h, so local midnight falls in this window; sampling both ends gives
  // the offsets on either side of any transition near it (zones change at most once a day).
  const before = offsetAt(wall - 15 * 3_600_000, timeZone);
  const after = offsetAt(wall + 13 * 3_600_000, timeZone);
  const valid = [...new Set([before, after])]
    .map((offset) => ({ offset, at: wall - offset }))
    .filter((c) => offsetAt(c.at, timeZone) === c.offset)
    .map((c) => c.at);
  // On a repeated midnight (clocks set back over it) the day starts at the first one.
  if (valid.length > 0) return Math.min(...valid);

  // Midnight does not exist (e.g. America/Santiago springs forward at 00:00): the day begins at
  // the transition, the first second whose wall clock already shows `date`.
  let lo = Math.floor((wall - Math.max(before, after)) / 1000);
  let hi = Math.ceil((wall - Math.min(before, after)) / 1000);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (mid * 1000 + offsetAt(mid * 1000, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi * 1000;
}

/** UTC instants of local midnight of `date` and of the next date: [start, end). */
export function zonedDayRange(date: string, timeZone: string): { start: Date; end: Date } {
  assertCalendarDate(date);
  assertTimeZone(timeZone);
  return {
    start: new Date(startOfZonedDay(date, timeZone)),
    end: new Date(startOfZonedDay(addNaturalDays(date, 1), timeZone)),
  };
}

// ---------------------------------------------------------------------------------------------
// Overrides and the calendar CSV

/** Why an override is not acceptable; empty when it is. Shared by the CSV parser and the service. */
export function overrideProblems(o: { date: string; kind: string; name: string }): string[] {
  const problems: string[] = [];
  if (!isCalendarDate(o.date)) problems.push(`"${o.date}" is not a date in YYYY-MM-DD form`);
  if (o.kind !== "HOLIDAY" && o.kind !== "WORKDAY") problems.push(`kind "${o.kind}" is not HOLIDAY or WORKDAY`);
  const name = o.name.trim();
  if (name === "") problems.push("name is missing");
  else if (name.length > CALENDAR_NAME_MAX) problems.push(`name is longer than ${CALENDAR_NAME_MAX} characters`);
  if (CONTROL_CHARS.test(name)) problems.push("name must be one line without control characters");
  return problems;
}

/** An override that changes nothing (a working weekday, a holiday on a weekend) is allowed but suspicious. */
export function overrideWarning(o: CalendarOverride, line: number | null = null): CalendarWarning | null {
  const prefix = line === null ? "" : `line ${line}: `;
  const weekend = isWeekend(o.date);
  if (o.kind === "WORKDAY" && !weekend) {
    return {
      line,
      date: o.date,
      code: "WORKDAY_ON_WEEKDAY",
      message: `${prefix}${o.date} is a weekday, which is a working day anyway; check the date`,
    };
  }
  if (o.kind === "HOLIDAY" && weekend) {
    return {
      line,
      date: o.date,
      code: "HOLIDAY_ON_WEEKEND",
      message: `${prefix}${o.date} is a weekend day, which is off anyway; check the date`,
    };
  }
  return null;
}

const KIND_SYNONYMS: Record<string, CalendarDayKind> = {
  holiday: "HOLIDAY",
  假日: "HOLIDAY",
  节假日: "HOLIDAY",
  假: "HOLIDAY",
  休: "HOLIDAY",
  休息: "HOLIDAY",
  放假: "HOLIDAY",
  workday: "WORKDAY",
  班: "WORKDAY",
  上班: "WORKDAY",
  补班: "WORKDAY",
  调休上班: "WORKDAY",
  工作日: "WORKDAY",
};

export function parseCalendarKind(raw: string): CalendarDayKind | null {
  return KIND_SYNONYMS[raw.trim().toLowerCase()] ?? null;
}

interface CsvRecord {
  line: number;
  fields: string[];
  error: string | null;
}

/** RFC 4180 records with the line each starts on; `#` lines are skipped before tokenising. */
function readCsvRecords(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  const endLine = () => {
    i += text[i] === "\r" && text[i + 1] === "\n" ? 2 : 1;
    line++;
  };

  while (i < n) {
    // A comment is checked for before tokenising so that a stray quote in it cannot open a field.
    let j = i;
    while (text[j] === " " || text[j] === "\t") j++;
    if (text[j] === "#") {
      i = j;
      while (i < n && text[i] !== "\n" && text[i] !== "\r") i++;
      if (i < n) endLine();
      continue;
    }

    const startLine = line;
    const fields: string[] = [];
    let field = "";
    let wasQuoted = false;
    let error: string | null = null;
    for (;;) {
      if (i >= n) {
        fields.push(field);
        break;
      }
      const c = text[i];
      if (c === "\n" || c === "\r") {
        endLine();
        fields.push(field);
        break;
      }
      if (c === ",") {
        fields.push(field);
        field = "";
        wasQuoted = false;
        i++;
        continue;
      }
      if (c === '"' && !wasQuoted && field.trim() === "") {
        wasQuoted = true;
        field = "";
        i++;
        let closed = false;
        while (i < n) {
          const q = text[i];
          if (q === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (q === "\n" || (q === "\r" && text[i + 1] !== "\n")) line++;
          field += q;
          i++;
        }
        if (!closed) error ??= "a quoted field is not closed";
        continue;
      }
      if (wasQuoted && c !== " " && c !== "\t") error ??= "unexpected text after a closing quote";
      if (!wasQuoted) field += c;
      i++;
    }
    records.push({ line: startLine, fields, error });
  }
  return records;
}

const HEADER = ["date", "kind", "name"] as const;

/** Accepts 2026-01-05, and 2026/1/5 as spreadsheet apps in Chinese locales save it. */
function normaliseCsvDate(raw: string): string {
  const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/.exec(raw);
  if (!m) return raw;
  return `${m[1]}-${(m[2] ?? "").padStart(2, "0")}-${(m[3] ?? "").padStart(2, "0")}`;
}

function calendarCsvError(problems: string[]): DomainError {
  return badInput("CALENDAR_INVALID", `The calendar file has errors:\n${problems.join("\n")}`, "csv");
}

/**
 * Parses a `date,kind,name` CSV of calendar overrides. Every bad line is reported at once, as
 * "line N: reason", so a file is fixed in one pass. With `year`, rows outside that year are errors
 * (an import replacing one year must not touch another).
 */
export function parseCalendarCsv(text: string, options: { year?: number } = {}): ParsedCalendar {
  const records = readCsvRecords(text.startsWith("\uFEFF") ? text.slice(1) : text).filter(
    (r) => r.error !== null || r.fields.some((f) => f.trim() !== ""),
  );

  const header = records[0];
  if (!header) throw calendarCsvError(["line 1: the file is empty; the first line must be the header date,kind,name"]);
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const unknown = names.filter((h) => h !== "" && !(HEADER as readonly string[]).includes(h));
  const missing = HEADER.filter((h) => !names.includes(h));
  const repeated = HEADER.filter((h) => names.indexOf(h) !== names.lastIndexOf(h));
  if (header.error !== null || unknown.length > 0 || missing.length > 0 || repeated.length > 0) {
    throw calendarCsvError([`line ${header.line}: the header must be date,kind,name, found "${header.fields.join(",")}"`]);
  }
  const column = (h: (typeof HEADER)[number]) => names.indexOf(h);

  const rows: CalendarOverride[] = [];
  const warnings: CalendarWarning[] = [];
  const problems: string[] = [];
  const firstLineOf = new Map<string, number>();

  for (const record of records.slice(1)) {
    const reasons: string[] = [];
    if (record.error !== null) reasons.push(record.error);
    if (record.fields.some((f, k) => k >= names.length && f.trim() !== "")) {
      reasons.push(`too many fields: expected ${names.length}, found ${record.fields.length}`);
    }
    const cell = (h: (typeof HEADER)[number]) => (record.fields[column(h)] ?? "").trim();
    const rawDate = cell("date");
    const rawKind = cell("kind");
    const name = cell("name");

    const date = normaliseCsvDate(rawDate);
    if (rawDate === "") reasons.push("date is missing");
    else if (!ISO_DATE.test(date)) reasons.push(`date "${rawDate}" is not in YYYY-MM-DD form`);
    else if (!isCalendarDate(date)) reasons.push(`${date} is not a calendar date`);
    else if (options.year !== undefined && !date.startsWith(`${options.year}-`)) {
      reasons.push(`${date} is outside ${options.year}, the year being replaced`);
    }

    const kind = parseCalendarKind(rawKind);
    if (rawKind === "") reasons.push("kind is missing");
    else if (kind === null) reasons.push(`kind "${rawKind}" is not HOLIDAY or WORKDAY (or 假日/休, 班/调休上班)`);

    if (name === "") reasons.push("name is missing");
    else if (name.length > CALENDAR_NAME_MAX) reasons.push(`name is longer than ${CALENDAR_NAME_MAX} characters`);
    else if (CONTROL_CHARS.test(name)) reasons.push("name must be one line without control characters");

    if (isCalendarDate(date)) {
      const first = firstLineOf.get(date);
      if (first !== undefined) reasons.push(`duplicate date ${date} (first on line ${first})`);
      else firstLineOf.set(date, record.line);
    }

    if (reasons.length > 0 || kind === null) {
      problems.push(`line ${record.line}: ${reasons.join("; ")}`);
      continue;
    }
    const row: CalendarOverride = { date, kind, name };
    rows.push(row);
    const warning = overrideWarning(row, record.line);
    if (warning) warnings.push(warning);
  }

  if (problems.length > 0) throw calendarCsvError(problems);
  return { rows, warnings };
}
