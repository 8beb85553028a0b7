import { recordAudit } from "@/server/core/audit/service";
import { badInput, notFound } from "@/server/core/errors/domain-error";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import {
  assertCalendarDate,
  daysBetween,
  overrideProblems,
  overrideWarning,
  parseCalendarCsv,
  type CalendarOverride,
  type CalendarWarning,
} from "./rules";
import { CALENDAR_RANGE_MAX_DAYS, type TCalendarDay, type TCalendarDayKey, type TCalendarImport, type TCalendarRange } from "./schema";

const ENTITY_TYPE = "calendar_day";
/** A real calendar has a few dozen rows a year; more than this is the wrong file. */
export const CALENDAR_IMPORT_MAX_ROWS = 2000;

const SELECT = { date: true, kind: true, name: true } as const;

// business_calendar_day.date is a PostgreSQL date; Prisma carries it as UTC midnight.
const toDb = (date: string) => new Date(`${date}T00:00:00Z`);
const fromDb = (row: { date: Date; kind: CalendarOverride["kind"]; name: string }): CalendarOverride => ({
  date: row.date.toISOString().slice(0, 10),
  kind: row.kind,
  name: row.name,
});

function assertRange(from: string, to: string, maxDays: number | null): void {
  assertCalendarDate(from, "from");
  assertCalendarDate(to, "to");
  const span = daysBetween(from, to);
  if (span < 0) throw badInput("DATE_RANGE_INVALID", `The end date ${to} is before the start date ${from}`, "to");
  if (maxDays !== null && span >= maxDays) {
    throw badInput("DATE_RANGE_INVALID", `Choose at most ${maxDays} days`, "to");
  }
}

function assertOverride(day: CalendarOverride): void {
  const problems = overrideProblems(day);
  if (problems.length > 0) throw badInput("CALENDAR_DAY_INVALID", problems.join("; "));
}

// Serialises calendar writes per tenant, so an import's counts and audit "before" values are not
// overtaken by a concurrent edit between reading the rows and writing them.
async function lockCalendar(tx: Tx, tenant: TenantContext): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('business_calendar_day'), hashtext(${tenant.tenantId}))`;
}

/** The tenant's overrides from `from` to `to` inclusive, by date. */
export async function listCalendarDays(tx: Tx, tenant: TenantContext, input: TCalendarRange): Promise<CalendarOverride[]> {
  assertRange(input.from, input.to, CALENDAR_RANGE_MAX_DAYS);
  const rows = await tx.businessCalendarDay.findMany({
    where: { tenantId: tenant.tenantId, date: { gte: toDb(input.from), lte: toDb(input.to) } },
    select: SELECT,
    orderBy: { date: "asc" },
  });
  return rows.map(fromDb);
}

export async function upsertCalendarDay(
  tx: Tx,
  tenant: TenantContext,
  input: TCalendarDay,
): Promise<{ day: CalendarOverride; change: "created" | "updated" | "unchanged"; warnings: CalendarWarning[] }> {
  const day: CalendarOverride = { date: input.date, kind: input.kind, name: input.name.trim() };
  assertOverride(day);
  const warning = overrideWarning(day);
  const warnings = warning ? [warning] : [];

  await lockCalendar(tx, tenant);
  const key = { tenantId_date: { tenantId: tenant.tenantId, date: toDb(day.date) } };
  const existing = await tx.businessCalendarDay.findUnique({ where: key, select: SELECT });
  const before = existing ? fromDb(existing) : null;
  if (before && before.kind === day.kind && before.name === day.name) return { day, change: "unchanged", warnings };

  if (before) {
    await tx.businessCalendarDay.update({ where: key, data: { kind: day.kind, name: day.name }, select: SELECT });
  } else {
    await tx.businessCalendarDay.create({
      data: { tenantId: tenant.tenantId, date: toDb(day.date), kind: day.kind, name: day.name },
      select: SELECT,
    });
  }
  await recordAudit(tx, tenant, {
    action: before ? "calendar_day.update" : "calendar_day.create",
    entityType: ENTITY_TYPE,
    entityId: day.date,
    before,
    after: day,
  });
  return { day, change: before ? "updated" : "created", warnings };
}

export async function deleteCalendarDay(tx: Tx, tenant: TenantContext, input: TCalendarDayKey): Promise<{ date: string }> {
  assertCalendarDate(input.date);
  await lockCalendar(tx, tenant);
  const key = { tenantId_date: { tenantId: tenant.tenantId, date: toDb(input.date) } };
  const existing = await tx.businessCalendarDay.findUnique({ where: key, select: SELECT });
  if (!existing) throw notFound("Calendar day");
  await tx.businessCalendarDay.delete({ where: key, select: { date: true } });
  await recordAudit(tx, tenant, {
    action: "calendar_day.delete",
    entityType: ENTITY_TYPE,
    entityId: input.date,
    before: fromDb(existing),
    after: null,
  });
  return { date: input.date };
}

/**
 * Imports a calendar CSV: the whole file is validated first and applied in the caller's
 * transaction, so either every row lands or none. With `replaceYear`, that year's overrides end
 * up exactly as in the file; rows already there unchanged are left alone and counted as such.
 */
export async function importCalendar(
  tx: Tx,
  tenant: TenantContext,
  input: TCalendarImport,
): Promise<{ inserted: number; updated: number; deleted: number; unchanged: number; warnings: CalendarWarning[] }> {
  const year = input.replaceYear;
  if (year !== undefined && (!Number.isInteger(year) || year < 1000 || year > 9999)) {
    throw badInput("CALENDAR_INVALID", `"${String(year)}" is not a year`, "replaceYear");
  }
  const { rows, warnings } = parseCalendarCsv(input.csv, year === undefined ? {} : { year });
  if (rows.length > CALENDAR_IMPORT_MAX_ROWS) {
    throw badInput("CALENDAR_INVALID", `The file has ${rows.length} days; at most ${CALENDAR_IMPORT_MAX_ROWS} can be imported at once`, "csv");
  }

  await lockCalendar(tx, tenant);
  const existingRows = await tx.businessCalendarDay.findMany({
    where: {
      tenantId: tenant.tenantId,
      OR: [
        { date: { in: rows.map((r) => toDb(r.date)) } },
        ...(year === undefined ? [] : [{ date: { gte: toDb(`${year}-01-01`), lte: toDb(`${year}-12-31`) } }]),
      ],
    },
    select: SELECT,
  });
  const existing = new Map(existingRows.map(fromDb).map((o) => [o.date, o]));
  const inFile = new Set(rows.map((r) => r.date));

  const toDelete = year === undefined ? [] : [...existing.values()].filter((e) => !inFile.has(e.date));
  const toInsert = rows.filter((r) => !existing.has(r.date));
  const toUpdate = rows.filter((r) => {
    const e = existing.get(r.date);
    return e !== undefined && (e.kind !== r.kind || e.name !== r.name);
  });

  if (toDelete.length > 0) {
    await tx.businessCalendarDay.deleteMany({
      where: { tenantId: tenant.tenantId, date: { in: toDelete.map((d) => toDb(d.date)) } },
    });
  }
  if (toInsert.length > 0) {
    await tx.businessCalendarDay.createMany({
      data: toInsert.map((r) => ({ tenantId: tenant.tenantId, date: toDb(r.date), kind: r.kind, name: r.name })),
    });
  }
  for (const r of toUpdate) {
    await tx.businessCalendarDay.update({
      where: { tenantId_date: { tenantId: tenant.tenantId, date: toDb(r.date) } },
      data: { kind: r.kind, name: r.name },
      select: { date: true },
    });
  }

  for (const d of toDelete) {
    await recordAudit(tx, tenant, { action: "calendar_day.delete", entityType: ENTITY_TYPE, entityId: d.date, before: d, after: null });
  }
  for (const r of toInsert) {
    await recordAudit(tx, tenant, { action: "calendar_day.create", entityType: ENTITY_TYPE, entityId: r.date, before: null, after: r });
  }
  for (const r of toUpdate) {
    await recordAudit(tx, tenant, {
      action: "calendar_day.update",
      entityType: ENTITY_TYPE,
      entityId: r.date,
      before: existing.get(r.date) ?? null,
      after: r,
    });
  }

  return {
    inserted: toInsert.length,
    updated: toUpdate.length,
    deleted: toDelete.length,
    unchanged: rows.length - toInsert.length - toUpdate.length,
    warnings,
  };
}

/**
 * The overrides between two dates, for the pure rules. Days outside the loaded window count as
 * plain weekdays/weekends, so load past the furthest date a T+N can reach (a Golden Week plus N).
 */
export async function loadCalendarOverrides(
  tx: Tx,
  tenant: TenantContext,
  fromDate: string,
  toDate: string,
): Promise<Map<string, CalendarOverride>> {
  assertRange(fromDate, toDate, null);
  const rows = await tx.businessCalendarDay.findMany({
    where: { tenantId: tenant.tenantId, date: { gte: toDb(fromDate), lte: toDb(toDate) } },
    select: SELECT,
  });
  return new Map(rows.map(fromDb).map((o) => [o.date, o]));
}
