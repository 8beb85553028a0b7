import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant } from "@/server/testing/tenants";
import { prisma } from "./client";
import { APP_ROLE } from "./config";
import { withSystemTx, withTenantTx, type Tx } from "./tenant-tx";
import { connectionOf, withFastRaw } from "./tx-connection";

// Raw statements inside withTenantTx go straight to the transaction's pg connection
// (tx-connection.ts). They must run in that transaction and nowhere else, and return what Prisma's
// $queryRaw would.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("tx_connection");
});
afterAll(async () => db?.drop());

const here = (tx: Tx) => tx.$queryRaw<Array<{ xid: string; pid: number; tenant: string }>>`SELECT txid_current()::text AS xid, pg_backend_pid() AS pid, current_setting('app.tenant_id') AS tenant`;

describe("raw statements in a tenant transaction", () => {
  it("run on the transaction's own connection, in the transaction, bound to its tenant", async () => {
    const t = await makeTenant();
    await withTenantTx(t.ctx.tenantId, async (tx) => {
      expect(connectionOf(tx)).not.toBeNull();
      const [fast] = await here(tx);
      // A model query goes through Prisma, on the same connection: it sees what the raw insert wrote.
      const id = randomUUID();
      await tx.$executeRaw`INSERT INTO audit_log (tenant_id, id, actor_kind, action, entity_type) VALUES (${t.ctx.tenantId}::uuid, ${id}::uuid, 'SYSTEM', 'tx.check', 'test')`;
      expect(await tx.auditLog.count({ where: { id } })).toBe(1);
      const [again] = await here(tx);
      expect(again).toEqual(fast);
      expect(fast!.tenant).toBe(t.ctx.tenantId);
    });
  });

  it("are rolled back with the transaction", async () => {
    const t = await makeTenant();
    const id = randomUUID();
    await expect(
      withTenantTx(t.ctx.tenantId, async (tx) => {
        await tx.$executeRaw`INSERT INTO audit_log (tenant_id, id, actor_kind, action, entity_type) VALUES (${t.ctx.tenantId}::uuid, ${id}::uuid, 'SYSTEM', 'tx.rollback', 'test')`;
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await ownerQuery(db.url, `SELECT 1 FROM audit_log WHERE id = $1`, [id])).toEqual([]);
  });

  // In a time zone other than the database session's (UTC), where pg's own date handling would
  // differ from Prisma's: a date read at local midnight, a Date parameter written in local time.
  it.each(["UTC", "Asia/Shanghai"])("return the same values as Prisma's $queryRaw, parameters included (TZ=%s)", async (zone) => {
    const saved = process.env.TZ;
    process.env.TZ = zone;
    try {
      await sameValues();
    } finally {
      process.env.TZ = saved;
    }
  });

  async function sameValues() {
    const t = await makeTenant();
    const at = new Date("2026-03-01T16:30:00.123Z");
    const probe = (tx: Tx) => tx.$queryRaw<unknown[]>`
      SELECT 5::int8 AS big, ARRAY[1, 2]::int8[] AS bigs, 7::int AS small, true AS yes, 'x'::text AS s, NULL::text AS nothing,
             '2026-02-03'::date AS day, ${at}::timestamptz AS at, (${at}::timestamptz)::date AS at_day, ${at}::date AS at_as_date,
             ${"a"}::text || ${12n}::int8::text AS joined, ${["p", "q"]}::text[] AS arr, '{"k":[1,"v"]}'::jsonb AS doc,
             ${randomUUID()}::uuid IS NOT NULL AS uuid_ok, 12.50::numeric AS ratio, NULL::numeric AS no_ratio, 1.25::float8 AS f,
             '2026-03-01 16:30:00.123'::timestamp AS naive`;
    const viaConnection = await withTenantTx(t.ctx.tenantId, async (tx) => {
      expect(connectionOf(tx)).not.toBeNull();
      return probe(tx);
    });
    // The same wrapper on a transaction it did not open falls back to Prisma.
    const viaPrisma = await prisma().$transaction(async (prismaTx) => {
      const tx = withFastRaw(prismaTx);
      expect(connectionOf(tx)).toBeNull();
      await prismaTx.$executeRaw`SELECT set_config('role', ${APP_ROLE}, true)`;
      return probe(tx);
    });
    expect(viaConnection).toEqual(viaPrisma);
    expect(viaConnection[0]).toMatchObject({ big: 5n, bigs: [1n, 2n], day: new Date("2026-02-03T00:00:00Z"), at, at_day: new Date("2026-03-01T00:00:00Z"), at_as_date: new Date("2026-03-01T00:00:00Z"), joined: "a12" });
  }

  it("a nested transaction gets its own connection, and the outer one keeps its own", async () => {
    const t = await makeTenant();
    await withTenantTx(t.ctx.tenantId, async (outer) => {
      const [before] = await here(outer);
      const inner = await withSystemTx(async (tx) => (await here(tx))[0]!);
      expect(inner.pid).not.toBe(before!.pid);
      expect(inner.tenant).toBe("");
      expect((await here(outer))[0]).toEqual(before);
    });
  });

  it("a transaction's client used after its end is refused by Prisma, not run on a pooled connection", async () => {
    const t = await makeTenant();
    const leaked = await withTenantTx(t.ctx.tenantId, async (tx) => tx);
    expect(connectionOf(leaked)).toBeNull();
    await expect(here(leaked)).rejects.toThrow(/Transaction|closed|committed/i);
  });

  /** Runs `wait` in a transaction with a 200 ms timeout, then one more statement; both outcomes. */
  async function statementAfterTimeout(wait: (tx: Tx) => Promise<unknown>) {
    const t = await makeTenant();
    let after: Promise<unknown> | undefined;
    const run = withTenantTx(
      t.ctx.tenantId,
      async (tx) => {
        await wait(tx);
        after = here(tx);
        await after;
      },
      { timeoutMs: 200 },
    );
    await expect(run).rejects.toThrow();
    // Wrapped: an async function returning the promise itself would adopt its rejection.
    return { after };
  }

  it("a transaction past its timeout stops sending on its connection", async () => {
    const { after } = await statementAfterTimeout(() => new Promise((r) => setTimeout(r, 600)));
    await expect(after).rejects.toThrow(/Transaction|closed|expired|timeout/i);
  });

  it("a statement sent after the timeout's ROLLBACK, before the connection is released, is refused rather than run on its own", async () => {
    // Prisma queues its ROLLBACK behind this statement when the timeout fires; the next statement
    // is sent before the connection goes back to the pool.
    const { after } = await statementAfterTimeout((tx) => tx.$queryRaw`SELECT pg_sleep(0.6)`);
    await expect(after).rejects.toThrow(/Transaction|closed|expired|timeout/i);
  });
});
