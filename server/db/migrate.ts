import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type pg from "pg";
import PgBoss from "pg-boss";
import { QUEUES } from "../jobs/queues";
import { APP_ROLE, PLATFORM_ROLE } from "./config";

// Applies prisma/migrations/*/migration.sql in name order, recording each in _prisma_migrations
// exactly as `prisma migrate deploy` does (same table, sha256 checksum of the file), so the two
// agree wherever the real schema engine exists. Runs as the owner, under an advisory lock, so
// several instances starting at once apply each migration once.

// Relative to the working directory (the project root for every entry point): import.meta.dirname
// does not exist inside the Next.js server bundle.
const MIGRATIONS_DIR = path.join(process.cwd(), "prisma", "migrations");
const LOCK_KEY = 72_707_369; // Prisma's own advisory lock key, so we also exclude a real `migrate deploy`.
export const JOB_SCHEMA = "pgboss";

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export function migrationFiles(dir = MIGRATIONS_DIR): MigrationFile[] {
  if (!existsSync(/*turbopackIgnore: true*/ dir)) return [];
  return readdirSync(/*turbopackIgnore: true*/ dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

// Roles are cluster-wide: parallel test databases on one server may race to create them.
const CREATE_ROLES = `
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
    BEGIN CREATE ROLE ${APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${PLATFORM_ROLE}') THEN
    BEGIN CREATE ROLE ${PLATFORM_ROLE} NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END;
  END IF;
END $$`;

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

export async function migrate(client: pg.Client, log: (msg: string) => void = () => {}): Promise<MigrateResult> {
  await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
  try {
    await client.query(CREATE_ROLES);
    // The login user must be able to SET ROLE to both (a superuser already can).
    const { rows: me } = await client.query<{ rolsuper: boolean; rolname: string }>(
      "SELECT rolsuper, rolname FROM pg_roles WHERE rolname = current_user",
    );
    if (me[0] && !me[0].rolsuper) {
      await client.query(`GRANT ${APP_ROLE}, ${PLATFORM_ROLE} TO "${me[0].rolname.replace(/"/g, '""')}"`);
    }
    await client.query(CREATE_MIGRATIONS_TABLE);

    const { rows } = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null }>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`,
    );
    const done = new Map(rows.filter((r) => r.finished_at && !r.rolled_back_at).map((r) => [r.migration_name, r.checksum]));
    const failed = rows.find((r) => !r.finished_at && !r.rolled_back_at);
    if (failed) {
      throw new Error(
        `Migration ${failed.migration_name} started earlier and did not finish. Inspect the database, then mark it rolled back before migrating again.`,
      );
    }

    const applied: string[] = [];
    for (const m of migrationFiles()) {
      const recorded = done.get(m.name);
      if (recorded !== undefined) {
        if (recorded !== m.checksum) {
          throw new Error(`Migration ${m.name} was changed after it was applied (checksum differs). Write a new migration instead.`);
        }
        continue;
      }
      const id = randomUUID();
      await client.query("BEGIN");
      try {
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`,
          [id, m.checksum, m.name],
        );
        await client.query(m.sql);
        await client.query(
          `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
          [id],
        );
        await client.query("COMMIT");
      } catch (e) {
        await client.query("ROLLBACK");
        throw new Error(`Migration ${m.name} failed: ${(e as Error).message}`, { cause: e });
      }
      applied.push(m.name);
      log(`applied ${m.name}`);
    }

    await ensureJobSchema(client);
    return { applied, alreadyApplied: done.size };
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]);
  }
}

/** pg-boss's own tables, created here (by the owner) so the app role never needs DDL rights. */
async function ensureJobSchema(client: pg.Client): Promise<void> {
  const { rows } = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [JOB_SCHEMA]);
  if (rows.length === 0) {
    await client.query("BEGIN");
    try {
      await client.query(PgBoss.getConstructionPlans(JOB_SCHEMA));
      await client.query("COMMIT");
    } catch (e) {
      await client.query("ROLLBACK");
      throw e;
    }
  }
  for (const q of Object.values(QUEUES)) {
    await client.query(
      `SELECT ${JOB_SCHEMA}.create_queue($1, $2) WHERE NOT EXISTS (SELECT 1 FROM ${JOB_SCHEMA}.queue WHERE name = $1)`,
      [q.name, { policy: "standard", retryLimit: q.retryLimit, retryDelay: q.retryDelay, retryBackoff: q.retryBackoff, expireInSeconds: q.expireInSeconds }],
    );
  }
  await client.query(`GRANT USAGE ON SCHEMA ${JOB_SCHEMA} TO ${APP_ROLE}`);
  await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${JOB_SCHEMA} TO ${APP_ROLE}`);
  await client.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${JOB_SCHEMA} TO ${APP_ROLE}`);
}

/** For /api/health: true when every migration file is recorded as applied with its checksum. */
export async function migrationsCurrent(query: (sql: string) => Promise<{ rows: Array<{ migration_name: string; checksum: string }> }>): Promise<boolean> {
  const { rows } = await query(
    `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  const applied = new Map(rows.map((r) => [r.migration_name, r.checksum]));
  return migrationFiles().every((m) => applied.get(m.name) === m.checksum);
}
