import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrate } from "@/server/db/migrate";
import { closeAppPool } from "@/server/db/pool";
import { disconnectPrisma } from "@/server/db/client";

// Integration tests make a database of their own on the PostgreSQL server (TEST_DATABASE_URL,
// default the local one), migrate it, point DATABASE_URL at it and drop it afterwards. They never
// rely on leftovers. The app code under test connects as the app role, so RLS is in force.

export function serverUrl(): string {
  return process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `swy_t_${label.replace(/[^a-z0-9]/gi, "_").toLowerCase().slice(0, 30)}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
    // Ledger locks taken out of order are refused here (LOCK_ORDER), not left to deadlock rarely.
    await admin.query(`ALTER DATABASE "${name}" SET ledger.check_lock_order = 'on'`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(serverUrl(), name);
  const owner = new pg.Client({ connectionString: url });
  await owner.connect();
  try {
    await migrate(owner);
  } finally {
    await owner.end();
  }
  process.env.DATABASE_URL = url;
  return {
    name,
    url,
    async drop() {
      await disconnectPrisma();
      await closeAppPool();
      const a = new pg.Client({ connectionString: serverUrl() });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

/** An owner connection to the test database, for arranging data the app role may not write. */
export async function ownerQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, values)).rows;
  } finally {
    await c.end();
  }
}
