import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import PgBoss from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_SCHEMA } from "@/server/db/migrate";
import { appPool } from "@/server/db/pool";
import { withTenantTx } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, systemContext, type TestTenant } from "@/server/testing/fixtures";
import { drainOutboxOnce, OUTBOX_MAX_ATTEMPTS, publish, registerOutboxHandler, type OutboxEventRecord } from "./outbox";
import { QUEUES } from "./queues";
import { startJobs } from "./runner";

// ARCHITECTURE.md §4: the transactional outbox (publish in the state change's transaction, drain
// with FOR UPDATE SKIP LOCKED, record the outcome in the tenant's own RLS transaction) and pg-boss
// running tenant jobs over the app pool.

let db: TestDatabase;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  db = await createTestDatabase("jobs");
  a = await makeTenant("jobs-a");
  b = await makeTenant("jobs-b");
});

afterAll(async () => {
  await db?.drop();
});

interface Row {
  id: string;
  tenant_id: string;
  status: "PENDING" | "DONE" | "FAILED";
  attempts: number;
  available_at: Date;
  last_error: string | null;
  done_at: Date | null;
}

const rowsOf = (topic: string) => ownerQuery<Row>(db.url, `SELECT id, tenant_id, status, attempts, available_at, last_error, done_at FROM outbox_event WHERE topic = $1 ORDER BY created_at, id`, [topic]);

function publishIn(t: TestTenant, topic: string, payload: Record<string, unknown>, availableAt?: Date) {
  return withTenantTx(t.id, (tx) => publish(tx, systemContext(t), topic, payload as never, availableAt ? { availableAt } : undefined));
}

describe("the outbox", () => {
  it("publish() then drainOutboxOnce(): the handler runs once with the payload and the row is DONE", async () => {
    const calls: OutboxEventRecord[] = [];
    registerOutboxHandler("test.ok", async (e) => {
      calls.push(e);
    });
    const { id } = await publishIn(a, "test.ok", { paymentId: "p-1", amountMinor: 1234 });

    const r = await drainOutboxOnce();
    expect(r).toEqual({ claimed: 1, done: 1, retried: 0, failed: 0 });
    expect(calls).toEqual([{ tenantId: a.id, id, topic: "test.ok", payload: { paymentId: "p-1", amountMinor: 1234 }, attempts: 1 }]);
    const [row] = await rowsOf("test.ok");
    expect(row).toMatchObject({ id, tenant_id: a.id, status: "DONE", attempts: 1, last_error: null });
    expect(row!.done_at).toBeInstanceOf(Date);

    expect((await drainOutboxOnce()).claimed).toBe(0);
    expect(calls).toHaveLength(1);
  });

  it("a throwing handler leaves the event PENDING, attempts counted, due later, with the error; a later success clears it", async () => {
    let fail = true;
    const calls: string[] = [];
    registerOutboxHandler("test.flaky", async (e) => {
      calls.push(e.id);
      if (fail) throw new Error("webhook endpoint answered 500");
    });
    const { id } = await publishIn(b, "test.flaky", { n: 1 });
    const before = Date.now();

    expect(await drainOutboxOnce()).toEqual({ claimed: 1, done: 0, retried: 1, failed: 0 });
    const [row] = await rowsOf("test.flaky");
    expect(row).toMatchObject({ id, status: "PENDING", attempts: 1, last_error: "webhook endpoint answered 500", done_at: null });
    // The first retry waits 5 s (defaultBackoffSeconds(1)).
    expect(row!.available_at.getTime()).toBeGreaterThan(before + 4_000);
    expect(row!.available_at.getTime()).toBeLessThan(Date.now() + 6_000);
    expect((await drainOutboxOnce()).claimed).toBe(0);

    fail = false;
    await ownerQuery(db.url, `UPDATE outbox_event SET available_at = now() WHERE id = $1`, [id]);
    expect(await drainOutboxOnce()).toMatchObject({ claimed: 1, done: 1 });
    expect((await rowsOf("test.flaky"))[0]).toMatchObject({ status: "DONE", attempts: 2, last_error: null });
    expect(calls).toEqual([id, id]);
  });

  it("gives up (FAILED) after the last attempt, or when the handler says so; a topic without a handler is retried", async () => {
    registerOutboxHandler("test.doomed", async () => {
      throw new Error("still down");
    });
    registerOutboxHandler("test.refused", async () => ({ retryInSeconds: -1 }));
    const doomed = await publishIn(a, "test.doomed", {});
    await ownerQuery(db.url, `UPDATE outbox_event SET attempts = $1 WHERE id = $2`, [OUTBOX_MAX_ATTEMPTS - 1, doomed.id]);
    await publishIn(a, "test.refused", {});
    await publishIn(a, "test.nobody-listens", {});

    expect(await drainOutboxOnce()).toEqual({ claimed: 3, done: 0, retried: 1, failed: 2 });
    expect((await rowsOf("test.doomed"))[0]).toMatchObject({ status: "FAILED", attempts: OUTBOX_MAX_ATTEMPTS, last_error: "still down" });
    expect((await rowsOf("test.refused"))[0]).toMatchObject({ status: "FAILED", attempts: 1 });
    expect((await rowsOf("test.nobody-listens"))[0]).toMatchObject({ status: "PENDING", last_error: "no handler for topic test.nobody-listens" });
  });

  it("does not claim an event before its availableAt", async () => {
    registerOutboxHandler("test.later", async () => {});
    await publishIn(a, "test.later", {}, new Date(Date.now() + 60_000));
    expect((await drainOutboxOnce()).claimed).toBe(0);
    expect((await rowsOf("test.later"))[0]).toMatchObject({ status: "PENDING", attempts: 0 });
  });

  it("two concurrent drains over 40 events (two tenants) claim disjoint sets: each event is handled exactly once", async () => {
    const handled: string[] = [];
    registerOutboxHandler("test.many", async (e) => {
      handled.push(e.id);
      await sleep(2);
    });
    const published: string[] = [];
    for (let i = 0; i < 40; i++) published.push((await publishIn(i % 2 ? a : b, "test.many", { i })).id);

    const [r1, r2] = await Promise.all([drainOutboxOnce(25), drainOutboxOnce(25)]);
    expect(r1.claimed + r2.claimed).toBe(40);
    expect(Math.min(r1.claimed, r2.claimed)).toBeGreaterThan(0);
    expect(r1.done + r2.done).toBe(40);
    expect(handled).toHaveLength(40);
    expect([...handled].sort()).toEqual([...published].sort());
    const rows = await rowsOf("test.many");
    expect(rows.filter((r) => r.status !== "DONE" || r.attempts !== 1)).toEqual([]);
    expect((await drainOutboxOnce()).claimed).toBe(0);
  });

  it("skips rows another drainer holds locked instead of waiting for them (SKIP LOCKED)", async () => {
    registerOutboxHandler("test.locked", async () => {});
    for (let i = 0; i < 6; i++) await publishIn(a, "test.locked", { i });
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query("BEGIN");
      const held = await locker.query<{ id: string }>(`SELECT id FROM outbox_event WHERE topic = 'test.locked' ORDER BY id LIMIT 2 FOR UPDATE`);
      const r = await Promise.race([drainOutboxOnce(), sleep(10_000).then(() => "blocked" as const)]);
      expect(r).toMatchObject({ claimed: 4, done: 4 });
      await locker.query("COMMIT");
      expect((await rowsOf("test.locked")).filter((x) => x.status === "PENDING").map((x) => x.id).sort()).toEqual(held.rows.map((x) => x.id).sort());
    } finally {
      await locker.query("ROLLBACK").catch(() => {});
      await locker.end();
    }
    expect(await drainOutboxOnce()).toMatchObject({ claimed: 2, done: 2 });
  });

  it("an event published in a rolled-back transaction never appears", async () => {
    const calls: string[] = [];
    registerOutboxHandler("test.rollback", async (e) => {
      calls.push(e.id);
    });
    const failed = await withTenantTx(a.id, async (tx) => {
      await publish(tx, systemContext(a), "test.rollback", { orderId: "o-1" });
      throw new Error("the state change failed");
    }).catch((e: unknown) => e);
    expect((failed as Error).message).toBe("the state change failed");
    expect(await rowsOf("test.rollback")).toEqual([]);
    expect((await drainOutboxOnce()).claimed).toBe(0);
    expect(calls).toEqual([]);
  });
});

describe("pg-boss", () => {
  let jobs: { stop: () => Promise<void> } | undefined;
  let producer: PgBoss | undefined;

  beforeAll(async () => {
    // The drainer that startJobs() also runs would otherwise pick up the events left above.
    await ownerQuery(db.url, `DELETE FROM outbox_event`);
    jobs = await startJobs();
    // A second instance that only sends, as another app process would (no workers, no cron).
    const pool = appPool();
    producer = new PgBoss({ db: { executeSql: (text: string, values: unknown[]) => pool.query(text, values) }, schema: JOB_SCHEMA, migrate: false, supervise: false, schedule: false });
    await producer.start();
  });

  afterAll(async () => {
    await producer?.stop({ graceful: false, wait: true });
    await jobs?.stop();
  });

  async function settled(id: string, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const job = await producer!.getJobById(QUEUES.tenantPing.name, id);
      if (job && !["created", "active"].includes(job.state)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${job?.state ?? "missing"} after ${timeoutMs} ms`);
      await sleep(200);
    }
  }

  it("runs a tenant-ping job to completion (worker in startJobs, over the app pool)", async () => {
    const id = await producer!.send(QUEUES.tenantPing.name, { tenantId: a.id });
    expect(id).toEqual(expect.any(String));
    const job = await settled(id!);
    expect(job.state).toBe("completed");
  });

  it("a job whose tenant job throws is not completed (it goes to retry)", async () => {
    // An id that is not a uuid: the RLS policy's ::uuid cast fails inside runTenantJob.
    const id = await producer!.send(QUEUES.tenantPing.name, { tenantId: "not-a-uuid" });
    const job = await settled(id!);
    expect(job.state).toBe("retry");
    expect(JSON.stringify(job.output)).toMatch(/uuid/);
  });

  it("startJobs() is idempotent and stop() ends it", async () => {
    expect(await startJobs()).toBe(jobs);
    await jobs!.stop();
    const again = await startJobs();
    expect(again).not.toBe(jobs);
    jobs = again;
  });
});
