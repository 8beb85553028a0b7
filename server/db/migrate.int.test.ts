import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, serverUrl, type TestDatabase } from "@/server/testing/db";
import { migrate, migrationFiles, migrationsCurrent } from "./migrate";

// ARCHITECTURE.md §1: our migrator applies prisma/migrations/*/migration.sql under an advisory
// lock and records each in _prisma_migrations as `prisma migrate deploy` does (sha256 checksum).

let db: TestDatabase;
let owner: pg.Client;

/** The migration folders and their sha256, computed here independently of migrationFiles(). */
function onDisk(): Array<{ name: string; checksum: string }> {
  const dir = path.join(process.cwd(), "prisma", "migrations");
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => ({ name, checksum: createHash("sha256").update(readFileSync(path.join(dir, name, "migration.sql"))).digest("hex") }));
}

const current = () => migrationsCurrent((sql) => owner.query(sql));

beforeAll(async () => {
  db = await createTestDatabase("migrate");
  owner = new pg.Client({ connectionString: db.url });
  await owner.connect();
});

afterAll(async () => {
  await owner?.end();
  await db?.drop();
});

describe("migrate", () => {
  it("records every migration file with Prisma's columns and the file's sha256", async () => {
    const files = onDisk();
    expect(files.length).toBeGreaterThan(0);
    const { rows } = await owner.query<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null; applied_steps_count: number }>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((r) => ({ name: r.migration_name, checksum: r.checksum }))).toEqual(files);
    for (const r of rows) {
      expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(r.finished_at).toBeInstanceOf(Date);
      expect(r.rolled_back_at).toBeNull();
      expect(r.applied_steps_count).toBe(1);
    }
    expect(migrationFiles().map((m) => ({ name: m.name, checksum: m.checksum }))).toEqual(files);
  });

  it("is a no-op the second time: nothing applied, no rows added, the schema untouched", async () => {
    const schemaBefore = await owner.query(`SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2`);
    const rowsBefore = await owner.query(`SELECT id, checksum, finished_at FROM "_prisma_migrations" ORDER BY id`);
    const r = await migrate(owner);
    expect(r).toEqual({ applied: [], alreadyApplied: onDisk().length });
    expect((await owner.query(`SELECT id, checksum, finished_at FROM "_prisma_migrations" ORDER BY id`)).rows).toEqual(rowsBefore.rows);
    expect((await owner.query(`SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2`)).rows).toEqual(schemaBefore.rows);
  });

  it("migrationsCurrent is true after migrate", async () => {
    expect(await current()).toBe(true);
  });

  it("refuses, naming the migration, when a recorded checksum differs from the file", async () => {
    const first = onDisk()[0]!;
    await owner.query(`UPDATE "_prisma_migrations" SET checksum = $1 WHERE migration_name = $2`, ["0".repeat(64), first.name]);
    try {
      await expect(migrate(owner)).rejects.toThrow(new RegExp(`Migration ${first.name} was changed after it was applied \\(checksum differs\\)`));
      expect(await current()).toBe(false);
      // The advisory lock was released despite the error: a second attempt fails the same way, not by hanging.
      await expect(migrate(owner)).rejects.toThrow(/checksum differs/);
    } finally {
      await owner.query(`UPDATE "_prisma_migrations" SET checksum = $1 WHERE migration_name = $2`, [first.checksum, first.name]);
    }
    expect(await current()).toBe(true);
  });

  it("refuses to continue after a migration that started and did not finish", async () => {
    const first = onDisk()[0]!;
    await owner.query(`UPDATE "_prisma_migrations" SET finished_at = NULL WHERE migration_name = $1`, [first.name]);
    try {
      await expect(migrate(owner)).rejects.toThrow(new RegExp(`Migration ${first.name} started earlier and did not finish`));
      expect(await current()).toBe(false);
    } finally {
      await owner.query(`UPDATE "_prisma_migrations" SET finished_at = now() WHERE migration_name = $1`, [first.name]);
    }
  });

  it("migrationsCurrent is false when a migration's row is missing or rolled back", async () => {
    const last = onDisk().at(-1)!;
    const saved = (await owner.query(`SELECT * FROM "_prisma_migrations" WHERE migration_name = $1`, [last.name])).rows[0] as Record<string, unknown>;
    await owner.query(`DELETE FROM "_prisma_migrations" WHERE migration_name = $1`, [last.name]);
    try {
      expect(await current()).toBe(false);
    } finally {
      const cols = Object.keys(saved);
      await owner.query(`INSERT INTO "_prisma_migrations" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(", ")})`, Object.values(saved));
    }
    expect(await current()).toBe(true);
    await owner.query(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1`, [last.name]);
    try {
      expect(await current()).toBe(false);
    } finally {
      await owner.query(`UPDATE "_prisma_migrations" SET rolled_back_at = NULL WHERE migration_name = $1`, [last.name]);
    }
    expect(await current()).toBe(true);
  });
});

describe("migrate on an empty database", () => {
  const name = `swy_t_migrate_fresh_${randomBytes(4).toString("hex")}`;
  let url: string;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: serverUrl() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const u = new URL(serverUrl());
    u.pathname = `/${name}`;
    url = u.toString();
  });

  afterAll(async () => {
    const admin = new pg.Client({ connectionString: serverUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  it("two instances starting at once apply each migration exactly once (advisory lock)", async () => {
    const clients = [new pg.Client({ connectionString: url }), new pg.Client({ connectionString: url })];
    await Promise.all(clients.map((c) => c.connect()));
    try {
      const results = await Promise.all(clients.map((c) => migrate(c)));
      const all = onDisk().map((m) => m.name);
      expect(results.map((r) => r.applied).sort((x, y) => y.length - x.length)).toEqual([all, []]);
      const { rows } = await clients[0]!.query<{ migration_name: string; n: number }>(`SELECT migration_name, count(*)::int AS n FROM "_prisma_migrations" GROUP BY 1 ORDER BY 1`);
      expect(rows).toEqual(all.map((m) => ({ migration_name: m, n: 1 })));
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });
});
