import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAppPool } from "@/server/db/pool";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { GET } from "./route";

// GET /api/health: 200 only when the database answers and every migration file is applied with
// its checksum; 503 otherwise, so a load balancer keeps traffic away from a half-migrated instance.

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase("health");
});

afterAll(async () => {
  await db?.drop();
});

async function health(): Promise<{ status: number; body: unknown }> {
  const res = await GET();
  return { status: res.status, body: await res.json() };
}

describe("GET /api/health", () => {
  it("is 200 {status: ok} on a migrated database", async () => {
    expect(await health()).toEqual({ status: 200, body: { status: "ok" } });
  });

  it("is 503 migrations_pending when a migration is not recorded, and 200 again once it is", async () => {
    const [row] = await ownerQuery<Record<string, unknown>>(db.url, `SELECT * FROM "_prisma_migrations" ORDER BY migration_name DESC LIMIT 1`);
    await ownerQuery(db.url, `DELETE FROM "_prisma_migrations" WHERE id = $1`, [row!.id]);
    try {
      expect(await health()).toEqual({ status: 503, body: { status: "migrations_pending" } });
    } finally {
      const cols = Object.keys(row!);
      await ownerQuery(db.url, `INSERT INTO "_prisma_migrations" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(", ")})`, Object.values(row!));
    }
    expect(await health()).toEqual({ status: 200, body: { status: "ok" } });
  });

  it("is 503 migrations_pending when a recorded checksum does not match the file", async () => {
    const [row] = await ownerQuery<{ id: string; checksum: string }>(db.url, `SELECT id, checksum FROM "_prisma_migrations" LIMIT 1`);
    await ownerQuery(db.url, `UPDATE "_prisma_migrations" SET checksum = $1 WHERE id = $2`, ["f".repeat(64), row!.id]);
    try {
      expect((await health()).status).toBe(503);
    } finally {
      await ownerQuery(db.url, `UPDATE "_prisma_migrations" SET checksum = $1 WHERE id = $2`, [row!.checksum, row!.id]);
    }
  });

  it("is 503 database_unavailable when the database cannot be reached (and says nothing more)", async () => {
    await closeAppPool();
    process.env.DATABASE_URL = "postgresql://postgres@127.0.0.1:1/none?connect_timeout=2";
    try {
      expect(await health()).toEqual({ status: 503, body: { status: "database_unavailable" } });
    } finally {
      await closeAppPool();
      process.env.DATABASE_URL = db.url;
    }
    expect((await health()).status).toBe(200);
  });
});
