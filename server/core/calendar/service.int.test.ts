import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "@/server/core/errors/domain-error";
import { withTenantTx } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, ownerContext, type TestTenant } from "@/server/testing/fixtures";
import { deleteCalendarDay, importCalendar, listCalendarDays, loadCalendarOverrides, upsertCalendarDay } from "./service";

// The tenant business calendar service against PostgreSQL as the app role: imports are atomic,
// replaceYear makes a year exactly the file, every change is audited, writes serialise per tenant
// on an advisory lock, and one tenant never sees another's days.

let db: TestDatabase;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  db = await createTestDatabase("calendar");
  a = await makeTenant("cal-a");
  b = await makeTenant("cal-b");
});

afterAll(async () => {
  await db?.drop();
});

const inA = <T>(fn: Parameters<typeof withTenantTx<T>>[1]) => withTenantTx(a.id, fn);
const inB = <T>(fn: Parameters<typeof withTenantTx<T>>[1]) => withTenantTx(b.id, fn);
const csv = (...rows: string[]) => `date,kind,name\n${rows.join("\n")}\n`;

async function daysOf(t: TestTenant): Promise<Array<{ date: string; kind: string; name: string }>> {
  return ownerQuery(db.url, `SELECT to_char(date, 'YYYY-MM-DD') AS date, kind::text AS kind, name FROM business_calendar_day WHERE tenant_id = $1 ORDER BY date`, [t.id]);
}

interface AuditRow {
  action: string;
  entity_id: string;
  before: unknown;
  after: unknown;
  actor_email: string;
}
/**
 * A moment after every audit row written so far. The audit's created_at comes from the database
 * clock in microseconds, a JS Date has milliseconds: a row written in the same millisecond as
 * `new Date()` could count as "since" (the flake this replaced).
 */
async function auditMark(): Promise<Date> {
  const [row] = await ownerQuery<{ at: Date }>(db.url, `SELECT date_trunc('milliseconds', clock_timestamp()) + interval '1 millisecond' AS at`);
  await new Promise((r) => setTimeout(r, 2));
  return row!.at;
}

async function auditOf(t: TestTenant, since: Date): Promise<AuditRow[]> {
  return ownerQuery(
    db.url,
    `SELECT action, entity_id, before, after, actor_email FROM audit_log WHERE tenant_id = $1 AND entity_type = 'calendar_day' AND created_at >= $2 ORDER BY entity_id, action`,
    [t.id, since],
  );
}

async function domainError(p: Promise<unknown>): Promise<DomainError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(e)}`);
  return e;
}

/** Starts with the tenant's calendar empty. */
async function clear(t: TestTenant) {
  await ownerQuery(db.url, `DELETE FROM business_calendar_day WHERE tenant_id = $1`, [t.id]);
}

describe("importCalendar", () => {
  it("inserts every row in one go and audits each as a create", async () => {
    await clear(a);
    const since = await auditMark();
    const r = await inA((tx) => importCalendar(tx, ownerContext(a), { csv: csv("2026-01-01,HOLIDAY,元旦", "2026-01-02,HOLIDAY,元旦", "2026-01-04,WORKDAY,元旦调休上班") }));
    expect(r).toEqual({ inserted: 3, updated: 0, deleted: 0, unchanged: 0, warnings: [] });
    expect(await daysOf(a)).toEqual([
      { date: "2026-01-01", kind: "HOLIDAY", name: "元旦" },
      { date: "2026-01-02", kind: "HOLIDAY", name: "元旦" },
      { date: "2026-01-04", kind: "WORKDAY", name: "元旦调休上班" },
    ]);
    const audit = await auditOf(a, since);
    expect(audit).toEqual([
      { action: "calendar_day.create", entity_id: "2026-01-01", before: null, after: { date: "2026-01-01", kind: "HOLIDAY", name: "元旦" }, actor_email: a.ownerEmail },
      { action: "calendar_day.create", entity_id: "2026-01-02", before: null, after: { date: "2026-01-02", kind: "HOLIDAY", name: "元旦" }, actor_email: a.ownerEmail },
      { action: "calendar_day.create", entity_id: "2026-01-04", before: null, after: { date: "2026-01-04", kind: "WORKDAY", name: "元旦调休上班" }, actor_email: a.ownerEmail },
    ]);
  });

  it("is all or nothing: one bad line and nothing is written or audited", async () => {
    const before = await daysOf(a);
    const since = await auditMark();
    const e = await domainError(inA((tx) => importCalendar(tx, ownerContext(a), { csv: csv("2026-05-01,HOLIDAY,劳动节", "2026-02-30,HOLIDAY,Impossible") })));
    expect(e.kind).toBe("BAD_INPUT");
    expect(e.message).toMatch(/2026-02-30/);
    expect(await daysOf(a)).toEqual(before);
    expect(await auditOf(a, since)).toEqual([]);
  });

  it("without replaceYear only adds and updates: days missing from the file stay", async () => {
    const since = await auditMark();
    const r = await inA((tx) => importCalendar(tx, ownerContext(a), { csv: csv("2026-01-02,HOLIDAY,New Year (observed)", "2026-05-01,HOLIDAY,劳动节") }));
    expect(r).toMatchObject({ inserted: 1, updated: 1, deleted: 0, unchanged: 0 });
    expect((await daysOf(a)).map((d) => d.date)).toEqual(["2026-01-01", "2026-01-02", "2026-01-04", "2026-05-01"]);
    const audit = await auditOf(a, since);
    expect(audit.find((x) => x.action === "calendar_day.update")).toMatchObject({
      entity_id: "2026-01-02",
      before: { date: "2026-01-02", kind: "HOLIDAY", name: "元旦" },
      after: { date: "2026-01-02", kind: "HOLIDAY", name: "New Year (observed)" },
    });
  });

  it("with replaceYear makes that year exactly the file: deletes the rest of the year, keeps other years, counts unchanged rows", async () => {
    await inA((tx) => upsertCalendarDay(tx, ownerContext(a), { date: "2025-12-31", kind: "HOLIDAY", name: "Old year's eve" }));
    await inA((tx) => upsertCalendarDay(tx, ownerContext(a), { date: "2027-01-01", kind: "HOLIDAY", name: "Next year" }));
    const since = await auditMark();
    const r = await inA((tx) =>
      importCalendar(tx, ownerContext(a), {
        csv: csv("2026-01-01,HOLIDAY,元旦", "2026-05-01,HOLIDAY,Labour Day", "2026-10-01,HOLIDAY,国庆节"),
        replaceYear: 2026,
      }),
    );
    expect(r).toMatchObject({ inserted: 1, updated: 1, deleted: 2, unchanged: 1 });
    expect(await daysOf(a)).toEqual([
      { date: "2025-12-31", kind: "HOLIDAY", name: "Old year's eve" },
      { date: "2026-01-01", kind: "HOLIDAY", name: "元旦" },
      { date: "2026-05-01", kind: "HOLIDAY", name: "Labour Day" },
      { date: "2026-10-01", kind: "HOLIDAY", name: "国庆节" },
      { date: "2027-01-01", kind: "HOLIDAY", name: "Next year" },
    ]);
    const audit = await auditOf(a, since);
    expect(audit.map((x) => `${x.action} ${x.entity_id}`)).toEqual([
      "calendar_day.delete 2026-01-02",
      "calendar_day.delete 2026-01-04",
      "calendar_day.update 2026-05-01",
      "calendar_day.create 2026-10-01",
    ]);
    expect(audit[0]).toMatchObject({ before: { date: "2026-01-02", name: "New Year (observed)" }, after: null });
  });

  it("with replaceYear refuses a row of another year, and an empty file empties the year", async () => {
    const e = await domainError(inA((tx) => importCalendar(tx, ownerContext(a), { csv: csv("2027-02-01,HOLIDAY,Wrong year"), replaceYear: 2026 })));
    expect(e.kind).toBe("BAD_INPUT");
    const r = await inA((tx) => importCalendar(tx, ownerContext(a), { csv: csv(), replaceYear: 2026 }));
    expect(r).toMatchObject({ inserted: 0, deleted: 3 });
    expect((await daysOf(a)).map((d) => d.date)).toEqual(["2025-12-31", "2027-01-01"]);
  });
});

describe("upsertCalendarDay and deleteCalendarDay", () => {
  it("creates, leaves an identical day alone (no audit), updates with before/after, and warns about a no-op override", async () => {
    await clear(a);
    const since = await auditMark();
    const ctx = ownerContext(a);
    const day = { date: "2026-10-08", kind: "HOLIDAY" as const, name: "国庆节" };
    expect(await inA((tx) => upsertCalendarDay(tx, ctx, day))).toEqual({ day, change: "created", warnings: [] });
    expect(await inA((tx) => upsertCalendarDay(tx, ctx, { ...day, name: "  国庆节  " }))).toMatchObject({ change: "unchanged" });
    expect(await inA((tx) => upsertCalendarDay(tx, ctx, { ...day, name: "National Day" }))).toMatchObject({ change: "updated" });
    const audit = await auditOf(a, since);
    expect(audit).toEqual([
      { action: "calendar_day.create", entity_id: "2026-10-08", before: null, after: day, actor_email: a.ownerEmail },
      { action: "calendar_day.update", entity_id: "2026-10-08", before: day, after: { ...day, name: "National Day" }, actor_email: a.ownerEmail },
    ]);
    // 2026-10-07 is a Wednesday: marking it a working day changes nothing, which deserves a warning.
    const w = await inA((tx) => upsertCalendarDay(tx, ctx, { date: "2026-10-07", kind: "WORKDAY", name: "Pointless" }));
    expect(w.warnings.map((x) => x.code)).toEqual(["WORKDAY_ON_WEEKDAY"]);
  });

  it("deletes with an audit row, and a missing day is NOT_FOUND", async () => {
    const since = await auditMark();
    expect(await inA((tx) => deleteCalendarDay(tx, ownerContext(a), { date: "2026-10-08" }))).toEqual({ date: "2026-10-08" });
    expect((await daysOf(a)).map((d) => d.date)).not.toContain("2026-10-08");
    expect(await auditOf(a, since)).toEqual([
      { action: "calendar_day.delete", entity_id: "2026-10-08", before: { date: "2026-10-08", kind: "HOLIDAY", name: "National Day" }, after: null, actor_email: a.ownerEmail },
    ]);
    const e = await domainError(inA((tx) => deleteCalendarDay(tx, ownerContext(a), { date: "2026-10-08" })));
    expect(e.kind).toBe("NOT_FOUND");
  });

  it("refuses an impossible date, a bad kind and an inverted range", async () => {
    expect((await domainError(inA((tx) => upsertCalendarDay(tx, ownerContext(a), { date: "2026-02-29", kind: "HOLIDAY", name: "x" })))).kind).toBe("BAD_INPUT");
    expect((await domainError(inA((tx) => upsertCalendarDay(tx, ownerContext(a), { date: "2026-03-02", kind: "HOLIDAYS" as never, name: "x" })))).kind).toBe("BAD_INPUT");
    expect((await domainError(inA((tx) => listCalendarDays(tx, ownerContext(a), { from: "2026-12-31", to: "2026-01-01" })))).code).toBe("DATE_RANGE_INVALID");
  });
});

describe("tenancy", () => {
  it("another tenant's days are invisible: not listed, not loaded, not deletable, and the same date is separate", async () => {
    await clear(a);
    await clear(b);
    await inA((tx) => importCalendar(tx, ownerContext(a), { csv: csv("2026-06-19,HOLIDAY,端午节 (A)", "2026-09-25,HOLIDAY,中秋节 (A)") }));
    await inB((tx) => importCalendar(tx, ownerContext(b), { csv: csv("2026-06-19,HOLIDAY,Dragon Boat (B)") }));

    const seenByB = await inB((tx) => listCalendarDays(tx, ownerContext(b), { from: "2026-01-01", to: "2026-12-31" }));
    expect(seenByB).toEqual([{ date: "2026-06-19", kind: "HOLIDAY", name: "Dragon Boat (B)" }]);
    const loaded = await inB((tx) => loadCalendarOverrides(tx, ownerContext(b), "2026-01-01", "2026-12-31"));
    expect([...loaded.keys()]).toEqual(["2026-06-19"]);
    expect((await domainError(inB((tx) => deleteCalendarDay(tx, ownerContext(b), { date: "2026-09-25" })))).kind).toBe("NOT_FOUND");
    expect(await inB((tx) => upsertCalendarDay(tx, ownerContext(b), { date: "2026-09-25", kind: "HOLIDAY", name: "Mid-Autumn (B)" }))).toMatchObject({ change: "created" });
    // B replacing its year leaves A's rows alone.
    await inB((tx) => importCalendar(tx, ownerContext(b), { csv: csv(), replaceYear: 2026 }));

    expect(await daysOf(a)).toEqual([
      { date: "2026-06-19", kind: "HOLIDAY", name: "端午节 (A)" },
      { date: "2026-09-25", kind: "HOLIDAY", name: "中秋节 (A)" },
    ]);
    expect(await daysOf(b)).toEqual([]);
  });
});

describe("the per-tenant advisory lock", () => {
  let holder: pg.Client;
  beforeAll(async () => {
    holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end();
  });

  const lock = (t: TestTenant) => holder.query(`SELECT pg_advisory_lock(hashtext('business_calendar_day'), hashtext($1))`, [t.id]);
  const unlock = (t: TestTenant) => holder.query(`SELECT pg_advisory_unlock(hashtext('business_calendar_day'), hashtext($1))`, [t.id]);
  const waiters = async () => (await holder.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)).rows[0]!.n;

  async function waitForWaiter() {
    const deadline = Date.now() + 10_000;
    while ((await waiters()) === 0) {
      if (Date.now() > deadline) throw new Error("no calendar write waited on the advisory lock");
      await sleep(20);
    }
  }

  const writes: Array<[string, (t: TestTenant) => Promise<unknown>]> = [
    ["upsert", (t) => withTenantTx(t.id, (tx) => upsertCalendarDay(tx, ownerContext(t), { date: "2026-12-25", kind: "HOLIDAY", name: "Locked day" }))],
    ["delete", (t) => withTenantTx(t.id, (tx) => deleteCalendarDay(tx, ownerContext(t), { date: "2026-12-25" }))],
    ["import", (t) => withTenantTx(t.id, (tx) => importCalendar(tx, ownerContext(t), { csv: csv("2026-12-31,HOLIDAY,Locked eve") }))],
  ];

  for (const [name, write] of writes) {
    it(`${name} waits for the tenant's calendar lock (hashtext('business_calendar_day'), hashtext(tenant id)); another tenant does not`, async () => {
      await lock(a);
      let settled = false;
      const pending = write(a).finally(() => {
        settled = true;
      });
      try {
        await waitForWaiter();
        expect(settled).toBe(false);
        // B's calendar is not behind A's lock.
        await Promise.race([write(b), sleep(10_000).then(() => Promise.reject(new Error("B waited on A's lock")))]);
        expect(settled).toBe(false);
      } finally {
        await unlock(a);
      }
      await pending;
      expect(await waiters()).toBe(0);
    });
  }
});
