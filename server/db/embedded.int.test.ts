import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disconnectPrisma } from "./client";
import { APP_ROLE } from "./config";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "./embedded";
import { migrate, migrationFiles, migrationsCurrent } from "./migrate";
import { appPool, closeAppPool, withOwnerClient } from "./pool";
import { authorizedTenantId, withTenantTx } from "./tenant-tx";

// The embedded default (ARCHITECTURE.md §1): PGlite behind our wire server, migrated by our own
// migrator, and the app pool switching every connection to the app role — PGlite's only user is a
// superuser, so without that switch RLS would not apply at all. The same role check on PostgreSQL
// is in rls.int.test.ts ("is what a connection from appPool() runs as").

let dataRoot: string;
let embedded: EmbeddedDatabase;
const savedUrl = process.env.DATABASE_URL;
const A = randomUUID();
const B = randomUUID();

beforeAll(async () => {
  dataRoot = mkdtempSync(path.join(tmpdir(), "swy-pglite-"));
  embedded = await startEmbeddedDatabase({ dataDir: path.join(dataRoot, "pglite"), port: 0 });
  process.env.DATABASE_URL = embedded.url;
  await withOwnerClient(async (c) => {
    await migrate(c);
    // Arranged before the app pool exists: see the KNOWN BUG test for what an owner connection does later.
    await c.query(`INSERT INTO tenant (id, slug, name) VALUES ($1, 'emb-a', 'A'), ($2, 'emb-b', 'B')`, [A, B]);
    await c.query(
      `INSERT INTO merchant (tenant_id, legal_name, short_name, credit_code, legal_representative, mcc, contact_name, contact_phone)
       VALUES ($1, 'Merchant A', 'A', '91310000000000000A', 'R', '5411', 'C', '13800000000'),
              ($2, 'Merchant B', 'B', '91310000000000000B', 'R', '5411', 'C', '13800000000')`,
      [A, B],
    );
  }, embedded.url);
});

afterAll(async () => {
  await disconnectPrisma();
  await closeAppPool();
  await embedded?.stop();
  if (savedUrl === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = savedUrl;
  if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
});

describe("the embedded database (PGlite)", () => {
  it("listens on the port the OS chose and is migrated (checked as the app does, through the app pool)", async () => {
    expect(embedded.url).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres/);
    expect(embedded.url).not.toMatch(/:0\//);
    const pool = appPool();
    expect(await migrationsCurrent((sql) => pool.query(sql))).toBe(true);
  });

  it("appPool() connections run as the app role: neither superuser nor BYPASSRLS", async () => {
    const { rows } = await appPool().query<{ current_user: string; rolsuper: boolean; rolbypassrls: boolean }>(
      `SELECT current_user, r.rolsuper, r.rolbypassrls FROM pg_roles r WHERE r.rolname = current_user`,
    );
    expect(rows).toEqual([{ current_user: APP_ROLE, rolsuper: false, rolbypassrls: false }]);
  });

  it("row-level security isolates two tenants on a pooled app connection (raw SQL)", async () => {
    const client = await appPool().connect();
    try {
      await client.query("BEGIN");
      await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [A]);
      expect((await client.query(`SELECT short_name FROM merchant`)).rows).toEqual([{ short_name: "A" }]);
      expect((await client.query(`UPDATE merchant SET short_name = 'x' WHERE tenant_id = $1`, [B])).rowCount).toBe(0);
      await client.query("ROLLBACK");
      await client.query("BEGIN");
      await client.query(`SELECT set_config('app.tenant_id', '', true)`);
      expect((await client.query(`SELECT short_name FROM merchant`)).rows).toEqual([]);
    } finally {
      // The wire server holds every other connection while this one is inside a transaction.
      await client.query("ROLLBACK").catch(() => {});
      client.release();
    }
  });

  it("a raw-only transaction (BEGIN, tenant binding and time limit in one message) is bound to its tenant", async () => {
    const seen = await withTenantTx(authorizedTenantId(A), (tx) => tx.$queryRaw<Array<{ short_name: string }>>`SELECT short_name FROM merchant`, { rawOnly: true });
    expect(seen).toEqual([{ short_name: "A" }]);
    // Connections share PGlite's one session, so raw statements are not prepared under names there.
    const named = await withTenantTx(authorizedTenantId(A), (tx) => tx.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE 'swy_raw_%'`);
    expect(named).toEqual([{ n: 0 }]);
    await expect(withTenantTx(authorizedTenantId(B), (tx) => tx.merchant.count(), { rawOnly: true })).rejects.toThrow(/raw-only/);
    expect(await withTenantTx(authorizedTenantId(B), (tx) => tx.merchant.findMany({ select: { shortName: true } }))).toEqual([{ shortName: "B" }]);
  });

  it("row-level security isolates two tenants through the app's own path (withTenantTx)", async () => {
    const seenByA = await withTenantTx(authorizedTenantId(A), (tx) => tx.merchant.findMany({ select: { shortName: true } }));
    const seenByB = await withTenantTx(authorizedTenantId(B), (tx) => tx.merchant.findMany({ select: { shortName: true } }));
    expect(seenByA).toEqual([{ shortName: "A" }]);
    expect(seenByB).toEqual([{ shortName: "B" }]);
    const intrusion = await withTenantTx(authorizedTenantId(A), (tx) =>
      tx.merchant.create({
        data: { tenantId: B, legalName: "X", shortName: "X", creditCode: "91310000000000000X", legalRepresentative: "X", mcc: "5411", contactName: "X", contactPhone: "13900000000" },
      }),
    ).catch((e: unknown) => e);
    expect(String((intrusion as Error).message)).toMatch(/row-level security/);
  });

  // pglite-socket's own queue gave PGlite one protocol message at a time from any connection, so
  // two connections' Parse/Bind/Execute runs interleaved: wrong rows and `portal "" does not
  // exist` (seen as 3 wrong results and 9 errors in 1,200 queries from four clients while the demo
  // ran). A run arriving in pieces shows it every time; pglite-wire.ts holds the others until Sync.
  it("keeps one connection's extended-protocol run whole while another connection sends its own", async () => {
    const a = await rawConnection();
    const b = await rawConnection();
    try {
      a.send(parse("SELECT 1 AS a"), bind()); // no Execute or Sync yet: a has the database
      await a.settled();
      b.send(parse("SELECT 2 AS b"), bind(), execute(), sync());
      await new Promise((r) => setTimeout(r, 150));
      expect(b.answer()).toEqual(Buffer.alloc(0)); // b waits for a's Sync
      a.send(execute(), sync());
      await a.waitFor(READY);
      expect(a.answer().includes(dataRow("1"))).toBe(true);
      expect(a.answer().includes(Buffer.from("portal"))).toBe(false);
      await b.waitFor(READY);
      expect(b.answer().includes(dataRow("2"))).toBe(true);
    } finally {
      a.close();
      b.close();
    }
  });

  it("rolls back a connection that goes away inside a transaction, and the others go on", async () => {
    const keeper = await rawClient();
    const dying = await rawClient();
    dying.on("error", () => {}); // "Connection terminated unexpectedly": what this test does to it
    try {
      await keeper.query("CREATE TEMP TABLE wire_probe (n int)"); // one session: every connection sees it
      await dying.query("BEGIN");
      await dying.query("INSERT INTO wire_probe VALUES ($1)", [1]);
      const waiting = keeper.query<{ n: number }>("SELECT count(*)::int AS n FROM wire_probe"); // held: dying owns PGlite
      (dying as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      expect((await waiting).rows).toEqual([{ n: 0 }]);
      expect((await keeper.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await keeper.query("DROP TABLE IF EXISTS wire_probe").catch(() => {});
      await keeper.end();
    }
  });

  it("ends a half-sent extended-protocol run (a failed Parse, no Sync) of a connection that goes away", async () => {
    const dying = await rawConnection();
    dying.send(parse("SELEC broken")); // an error: the backend now skips everything up to the next Sync
    await dying.waitFor(Buffer.from("syntax error"));
    dying.close();
    const other = await rawClient();
    try {
      expect((await other.query<{ v: number }>("SELECT $1::int AS v", [7])).rows).toEqual([{ v: 7 }]);
    } finally {
      await other.end();
    }
  });

  // Everything below opens owner connections, which reset the shared session's role (see the last tests).
  it("the login user itself is a superuser (which is why the switch matters), and migrating again is a no-op", async () => {
    const rows = await withOwnerClient(async (c) => (await c.query<{ rolsuper: boolean }>(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`)).rows, embedded.url);
    expect(rows).toEqual([{ rolsuper: true }]);
    const again = await withOwnerClient((c) => migrate(c), embedded.url);
    expect(again).toEqual({ applied: [], alreadyApplied: migrationFiles().length });
  });

  it("stays the app role for transactions after an owner connection reset the shared session", async () => {
    // The wire server gives every connection the same backend session; withOwnerClient runs RESET ROLE
    // on it. withTenantTx sets the role again per transaction, so RLS still holds there.
    await withOwnerClient((c) => c.query("SELECT 1"), embedded.url);
    const role = await withTenantTx(authorizedTenantId(randomUUID()), async (tx) => (await tx.$queryRaw<Array<{ r: string }>>`SELECT current_user AS r`)[0]?.r);
    expect(role).toBe(APP_ROLE);
  });

  // KNOWN BUG (reported): the wire server shares one backend session between all connections, and
  // withOwnerClient runs RESET ROLE on it without switching back. Afterwards every plain
  // appPool().query (outside withTenantTx/withSystemTx, e.g. pg-boss and /api/health) runs as the
  // superuser, so RLS would not apply to it. withOwnerClient now switches back before it closes.
  it("a plain appPool() query after an owner connection still runs as the app role", async () => {
    await withOwnerClient((c) => c.query("SELECT 1"), embedded.url);
    const { rows } = await appPool().query<{ current_user: string }>(`SELECT current_user`);
    expect(rows).toEqual([{ current_user: APP_ROLE }]);
  });

  it("stops cleanly and can be started again on the same data", async () => {
    await disconnectPrisma();
    await closeAppPool();
    await embedded.stop();
    await embedded.stop(); // idempotent
    embedded = await startEmbeddedDatabase({ dataDir: path.join(dataRoot, "pglite"), port: 0 });
    process.env.DATABASE_URL = embedded.url;
    const { rows } = await appPool().query<{ n: number }>(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
    expect(rows).toEqual([{ n: migrationFiles().length }]);
  });
});

/** A plain pg client straight to the embedded server (no app-role switch; one shared session). */
async function rawClient(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: embedded.url });
  await c.connect();
  return c;
}

const READY = Buffer.from([0x5a, 0, 0, 0, 5]); // ReadyForQuery (its status byte follows)

function cstring(s: string): Buffer {
  return Buffer.from(`${s}\0`, "utf8");
}

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, "ascii");
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const int16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const parse = (sql: string) => message("P", Buffer.concat([cstring(""), cstring(sql), int16(0)]));
const bind = () => message("B", Buffer.concat([cstring(""), cstring(""), int16(0), int16(0), int16(0)]));
const execute = () => message("E", Buffer.concat([cstring(""), Buffer.alloc(4)]));
const sync = () => message("S", Buffer.alloc(0));

/** A DataRow of one text column. */
function dataRow(value: string): Buffer {
  const v = Buffer.from(value);
  const len = Buffer.alloc(4);
  len.writeInt32BE(v.length);
  return message("D", Buffer.concat([int16(1), len, v]));
}

/** A connection speaking the wire protocol by hand, so a test decides where each message run breaks. */
async function rawConnection() {
  const socket = connectTcp(Number(new URL(embedded.url).port), "127.0.0.1");
  let received = Buffer.alloc(0);
  socket.on("data", (d: Buffer) => (received = Buffer.concat([received, d])));
  socket.on("error", () => {});
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), cstring("user"), cstring("postgres"), cstring("database"), cstring("postgres"), Buffer.from([0])]);
  const len = Buffer.alloc(4);
  len.writeInt32BE(body.length + 4);
  socket.write(Buffer.concat([len, body]));
  const waitFor = async (bytes: Buffer) => {
    for (let i = 0; i < 200 && !received.includes(bytes); i++) await new Promise((r) => setTimeout(r, 25));
    if (!received.includes(bytes)) throw new Error(`the embedded server did not answer: ${received.toString("latin1")}`);
  };
  await waitFor(READY);
  received = Buffer.alloc(0);
  return {
    send: (...messages: Buffer[]) => socket.write(Buffer.concat(messages)),
    /** Lets the server take in what was sent (Parse and Bind answer nothing until Sync on PGlite). */
    settled: () => new Promise((r) => setTimeout(r, 150)),
    waitFor,
    answer: () => received,
    close: () => socket.destroy(),
  };
}
