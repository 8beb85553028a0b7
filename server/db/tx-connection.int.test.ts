import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant } from "@/server/testing/tenants";
import { prisma } from "./client";
import { APP_ROLE } from "./config";
import { systemLookup, withSystemTx, withTenantTx, type TenantId, type Tx } from "./tenant-tx";
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

const PROBE_AT = new Date("2026-03-01T16:30:00.123Z");
const valuesProbe = (tx: Tx) => tx.$queryRaw<unknown[]>`
  SELECT 5::int8 AS big, ARRAY[1, 2]::int8[] AS bigs, 7::int AS small, true AS yes, 'x'::text AS s, NULL::text AS nothing,
         '2026-02-03'::date AS day, ${PROBE_AT}::timestamptz AS at, (${PROBE_AT}::timestamptz)::date AS at_day, ${PROBE_AT}::date AS at_as_date,
         ${"a"}::text || ${12n}::int8::text AS joined, ${["p", "q"]}::text[] AS arr, '{"k":[1,"v"]}'::jsonb AS doc,
         ${"6f1c1a52-8a43-4a53-9a55-3c6b0f1d2e7a"}::uuid IS NOT NULL AS uuid_ok, 12.50::numeric AS ratio, NULL::numeric AS no_ratio, 1.25::float8 AS f,
         '2026-03-01 16:30:00.123'::timestamp AS naive`;

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

  it("return the same values in a raw-only transaction as through Prisma", async () => {
    const t = await makeTenant();
    const viaPrisma = await withTenantTx(t.ctx.tenantId, (tx) => valuesProbe(tx));
    const viaRawOnly = await withTenantTx(t.ctx.tenantId, (tx) => valuesProbe(tx), { rawOnly: true });
    expect(viaRawOnly).toEqual(viaPrisma);
  });

  async function sameValues() {
    const t = await makeTenant();
    const at = PROBE_AT;
    const probe = valuesProbe;
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

  it("bind the role and tenant on the transaction's BEGIN: one round trip, no separate set_config", async () => {
    const t = await makeTenant();
    const sent: string[] = [];
    const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
    const original = proto.query;
    proto.query = function (this: unknown, ...a: unknown[]) {
      const q = a[0];
      sent.push(typeof q === "string" ? q : String((q as { text?: unknown }).text));
      return original.apply(this, a);
    };
    try {
      const [seen] = await withTenantTx(t.ctx.tenantId, (tx) => here(tx));
      expect(seen!.tenant).toBe(t.ctx.tenantId);
    } finally {
      proto.query = original;
    }
    const run = sent.slice(sent.findIndex((s) => s.startsWith("BEGIN")));
    expect(run[0]).toBe(`BEGIN; SELECT set_config('role', '${APP_ROLE}', true), set_config('app.tenant_id', '${t.ctx.tenantId}', true)`);
    expect(run.filter((s) => s.includes("set_config"))).toHaveLength(1);
    expect(run).toHaveLength(3); // BEGIN + binding, the statement, COMMIT
  });

  it("are prepared under a name once per connection, and run the same with new values", async () => {
    const t = await makeTenant();
    const echo = (tx: Tx, v: number) => tx.$queryRaw<Array<{ v: number }>>`SELECT ${v}::int + 0 AS v /* prepared-probe */`;
    const seen = await withTenantTx(t.ctx.tenantId, async (tx) => {
      const values = [(await echo(tx, 1))[0]!.v, (await echo(tx, 2))[0]!.v];
      const prepared = await tx.$queryRaw<Array<{ name: string }>>`SELECT name FROM pg_prepared_statements WHERE statement LIKE '%prepared-probe%' AND statement NOT LIKE '%pg_prepared_statements%'`;
      return { values, prepared: prepared.map((r) => r.name) };
    });
    expect(seen.values).toEqual([1, 2]);
    expect(seen.prepared).toHaveLength(1);
    expect(seen.prepared[0]).toMatch(/^swy_raw_\d+$/);
  });

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

// withTenantTx / withSystemTx with rawOnly: our own transaction on a pool connection, no Prisma
// interactive transaction under it (tenant-tx.ts).
describe("raw-only transactions", () => {
  const insertAudit = (tx: Tx, tenantId: string, id: string) =>
    tx.$executeRaw`INSERT INTO audit_log (tenant_id, id, actor_kind, action, entity_type) VALUES (${tenantId}::uuid, ${id}::uuid, 'SYSTEM', 'tx.raw', 'test')`;
  const role = (tx: Tx) => tx.$queryRaw<Array<{ role: string; xid: string }>>`SELECT current_user AS role, txid_current()::text AS xid`;

  it("run every statement in one transaction, as the app role, bound to the tenant, and commit", async () => {
    const t = await makeTenant();
    const other = await makeTenant();
    const id = randomUUID();
    let intrusion: unknown;
    const swallowed = withTenantTx(
      t.ctx.tenantId,
      async (tx) => {
        await insertAudit(tx, t.ctx.tenantId, id);
        // Row-level security holds: another tenant's row cannot be written.
        intrusion = await insertAudit(tx, other.ctx.tenantId, randomUUID()).catch((e: unknown) => e);
        return "went on";
      },
      { rawOnly: true },
    );
    // The refused insert aborted the transaction: a callback that caught the error and went on does
    // not get a success (PostgreSQL answers its COMMIT with ROLLBACK), and nothing of it stays.
    await expect(swallowed).rejects.toThrow(/rolled back/);
    expect(String(intrusion)).toMatch(/row-level security/);
    expect(await ownerQuery(db.url, `SELECT 1 FROM audit_log WHERE id = $1`, [id])).toEqual([]);

    const ok = await withTenantTx(
      t.ctx.tenantId,
      async (tx) => {
        const [first] = await here(tx);
        await insertAudit(tx, t.ctx.tenantId, id);
        return { first, second: (await here(tx))[0], who: (await role(tx))[0] };
      },
      { rawOnly: true },
    );
    expect(ok.first).toEqual(ok.second);
    expect(ok.first!.tenant).toBe(t.ctx.tenantId);
    expect(ok.who!.role).toBe(APP_ROLE);
    expect(await ownerQuery(db.url, `SELECT action FROM audit_log WHERE id = $1`, [id])).toEqual([{ action: "tx.raw" }]);
  });

  /** Writes an audit row in a raw-only transaction, then `then`; expects `refusal` and nothing kept. */
  async function refusedAfterWrite(then: (tx: Tx) => Promise<unknown>, refusal: string | RegExp) {
    const t = await makeTenant();
    const id = randomUUID();
    await expect(
      withTenantTx(
        t.ctx.tenantId,
        async (tx) => {
          await insertAudit(tx, t.ctx.tenantId, id);
          return then(tx);
        },
        { rawOnly: true },
      ),
    ).rejects.toThrow(refusal);
    expect(await ownerQuery(db.url, `SELECT 1 FROM audit_log WHERE id = $1`, [id])).toEqual([]);
  }

  it("roll back when the callback throws", async () => {
    await refusedAfterWrite(async () => {
      throw new Error("roll back");
    }, "roll back");
  });

  it("refuse a model query with an error that names it, and keep nothing", async () => {
    await refusedAfterWrite((tx) => tx.auditLog.count(), /tx\.auditLog: this transaction is raw-only/);
  });

  it("refuse a statement sent after the end, rather than run it on a pooled connection", async () => {
    const t = await makeTenant();
    const leaked = await withTenantTx(t.ctx.tenantId, async (tx) => tx, { rawOnly: true });
    await expect(here(leaked)).rejects.toThrow(/transaction has ended/);
  });

  it("systemLookup: one statement outside any transaction, as the app role, with no tenant bound", async () => {
    const [seen] = await systemLookup((tx) =>
      tx.$queryRaw<Array<{ role: string; tenant: string | null }>>`SELECT current_user AS role, current_setting('app.tenant_id', true) AS tenant`,
    );
    expect(seen!.role).toBe(APP_ROLE);
    expect(seen!.tenant ?? "").toBe("");
    // A tenant's row is not visible without a tenant bound (it is with one).
    const t = await makeTenant();
    const id = randomUUID();
    await withTenantTx(t.ctx.tenantId, (tx) => tx.$executeRaw`INSERT INTO audit_log (tenant_id, id, actor_kind, action, entity_type) VALUES (${t.ctx.tenantId}::uuid, ${id}::uuid, 'SYSTEM', 'tx.lookup', 'test')`);
    const probe = (tx: Tx) => tx.$queryRaw<unknown[]>`SELECT 1 FROM audit_log WHERE id = ${id}::uuid`;
    expect(await systemLookup(probe)).toEqual([]);
    expect(await withTenantTx(t.ctx.tenantId, probe)).toHaveLength(1);
  });

  it("systemLookup on a connection the server ends: the lookup fails, the process lives, the next one works", async () => {
    const ended = systemLookup(async (tx) => {
      const [me] = await tx.$queryRaw<Array<{ pid: number }>>`SELECT pg_backend_pid() AS pid`;
      await ownerQuery(db.url, `SELECT pg_terminate_backend($1)`, [me!.pid]);
      await new Promise((r) => setTimeout(r, 100));
      return tx.$queryRaw`SELECT 1`;
    });
    await expect(ended).rejects.toThrow(/terminat|Connection/i);
    const [again] = await systemLookup((tx) => tx.$queryRaw<Array<{ one: number }>>`SELECT 1 AS one`);
    expect(again).toEqual({ one: 1 });
  });

  it("bind no tenant for withSystemTx, and refuse a tenant id that is not a uuid", async () => {
    const [seen] = await withSystemTx((tx) => here(tx), { rawOnly: true });
    expect(seen!.tenant).toBe("");
    await expect(withTenantTx("x'; DROP TABLE tenant; --" as TenantId, (tx) => here(tx), { rawOnly: true })).rejects.toThrow(/Not a tenant id/);
  });

  it("are ended by the server when left idle past their time limit", async () => {
    const t = await makeTenant();
    const id = randomUUID();
    const run = withTenantTx(
      t.ctx.tenantId,
      async (tx) => {
        await insertAudit(tx, t.ctx.tenantId, id);
        await new Promise((r) => setTimeout(r, 600));
        return here(tx);
      },
      { rawOnly: true, timeoutMs: 200 },
    );
    await expect(run).rejects.toThrow(/idle-in-transaction|terminat|Connection/i);
    expect(await ownerQuery(db.url, `SELECT 1 FROM audit_log WHERE id = $1`, [id])).toEqual([]);
  });
});
