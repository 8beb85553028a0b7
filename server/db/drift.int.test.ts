import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import {
  type Difference,
  type ExpectedShape,
  type SchemaShape,
  IGNORED_SCHEMAS,
  IGNORED_TABLES,
  describeDifference,
  diffColumns,
  diffEnums,
  diffForeignKeys,
  diffIndexes,
  diffPrimaryKeys,
  diffSchemas,
  diffTables,
  readDatabaseShape,
  readExpectedShape,
  readTables,
} from "./schema-introspect";

// ARCHITECTURE.md §1: schema.prisma (through the WASM engine's DMMF) against pg_catalog of a
// database migrated by our own migrator. Each comparison lists every difference it finds, naming
// the table/column and what each side says.

let db: TestDatabase;
let owner: pg.Client;
let expected: ExpectedShape;
let actual: SchemaShape;

const messages = (diffs: Difference[]) => diffs.map(describeDifference);

beforeAll(async () => {
  db = await createTestDatabase("drift");
  owner = new pg.Client({ connectionString: db.url });
  await owner.connect();
  await owner.query("SET TIME ZONE 'UTC'");
  expected = await readExpectedShape(owner);
  actual = await readDatabaseShape(owner);
});

afterAll(async () => {
  await owner?.end();
  await db?.drop();
});

describe("schema.prisma matches the migrated database", () => {
  it("reads a non-trivial schema on both sides (the comparison is not vacuous)", () => {
    expect(expected.tables).toContain("merchant");
    expect(actual.tables).toContain("merchant");
    expect(expected.columns.length).toBeGreaterThan(50);
    expect(expected.enums.length).toBeGreaterThan(0);
    expect(expected.foreignKeys.length).toBeGreaterThan(0);
  });

  it("leaves out exactly what the schema does not model: _prisma_migrations and the pgboss schema", async () => {
    expect(IGNORED_TABLES).toEqual(["_prisma_migrations"]);
    expect(IGNORED_SCHEMAS).toEqual(["pgboss"]);
    // Both exist in the migrated database; they are left out on purpose, not by accident.
    const { rows } = await owner.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE (n.nspname = 'public' AND c.relname = '_prisma_migrations') OR (n.nspname = 'pgboss' AND c.relkind = 'r')`,
    );
    expect(rows[0]!.n).toBeGreaterThan(1);
    const tables = await readTables(owner);
    expect(tables.filter((t) => t.schema === "pgboss" || t.name === "_prisma_migrations")).toEqual([]);
  });

  it("tables (@@map names)", () => {
    expect(messages(diffTables(expected, actual))).toEqual([]);
  });

  it("columns (@map names), types, nullability and defaults", () => {
    const diffs = diffColumns(expected, actual);
    expect(messages(diffs.filter((d) => d.aspect === "column")), "columns").toEqual([]);
    expect(messages(diffs.filter((d) => d.aspect === "type")), "types").toEqual([]);
    expect(messages(diffs.filter((d) => d.aspect === "nullability")), "nullability").toEqual([]);
    expect(messages(diffs.filter((d) => d.aspect === "default")), "defaults").toEqual([]);
  });

  it("primary keys (columns, order, name)", () => {
    expect(messages(diffPrimaryKeys(expected, actual))).toEqual([]);
  });

  it("unique constraints/indexes and other indexes (columns, order, sort order, method, name)", () => {
    const diffs = diffIndexes(expected, actual);
    expect(messages(diffs.filter((d) => d.aspect === "unique")), "unique").toEqual([]);
    expect(messages(diffs.filter((d) => d.aspect === "index")), "indexes").toEqual([]);
  });

  it("enums and their values in order", () => {
    expect(messages(diffEnums(expected, actual))).toEqual([]);
  });

  it("foreign keys (columns, referenced table and columns, on delete, on update)", () => {
    expect(messages(diffForeignKeys(expected, actual))).toEqual([]);
  });
});

describe("the comparison can fail", () => {
  // Each alteration runs as the owner inside a transaction that is rolled back, and must be
  // reported as exactly the listed difference(s), nothing more.
  const cases: { name: string; sql: string; diffs: Difference[] }[] = [
    {
      name: "a NOT NULL dropped",
      sql: `ALTER TABLE merchant ALTER COLUMN mcc DROP NOT NULL`,
      diffs: [{ aspect: "nullability", object: "merchant.mcc", expected: "NOT NULL", actual: "NULL" }],
    },
    {
      name: "a default changed",
      sql: `ALTER TABLE tenant ALTER COLUMN time_zone SET DEFAULT 'UTC'`,
      diffs: [{ aspect: "default", object: "tenant.time_zone", expected: "'Asia/Shanghai'::text", actual: "'UTC'::text" }],
    },
    {
      name: "a default dropped",
      sql: `ALTER TABLE outbox_event ALTER COLUMN attempts DROP DEFAULT`,
      diffs: [{ aspect: "default", object: "outbox_event.attempts", expected: "0", actual: "no default" }],
    },
    {
      name: "a type changed",
      sql: `ALTER TABLE store ALTER COLUMN latitude TYPE numeric(10,6)`,
      diffs: [{ aspect: "type", object: "store.latitude", expected: "numeric(9,6)", actual: "numeric(10,6)" }],
    },
    {
      name: "a column added by hand",
      sql: `ALTER TABLE app_user ADD COLUMN nickname text`,
      diffs: [{ aspect: "column", object: "app_user.nickname", expected: "(absent)", actual: "text" }],
    },
    {
      name: "a table added by hand",
      sql: `CREATE TABLE stray_table (id integer PRIMARY KEY)`,
      diffs: [{ aspect: "table", object: "stray_table", expected: "(absent)", actual: "present" }],
    },
    {
      name: "an index's sort order lost",
      sql: `DROP INDEX merchant_tenant_id_created_at_id_idx;
            CREATE INDEX merchant_tenant_id_created_at_id_idx ON merchant (tenant_id, created_at, id)`,
      diffs: [
        {
          aspect: "index",
          object: "merchant.merchant_tenant_id_created_at_id_idx",
          expected: "merchant_tenant_id_created_at_id_idx (tenant_id, created_at DESC, id DESC)",
          actual: "merchant_tenant_id_created_at_id_idx (tenant_id, created_at, id)",
        },
      ],
    },
    {
      name: "a unique index renamed",
      sql: `ALTER INDEX tenant_slug_key RENAME TO tenant_slug_uq`,
      diffs: [{ aspect: "unique", object: "tenant.tenant_slug_key", expected: "UNIQUE tenant_slug_key (slug)", actual: "UNIQUE tenant_slug_uq (slug)" }],
    },
    {
      name: "a unique index dropped",
      sql: `DROP INDEX app_user_tenant_id_email_key`,
      diffs: [{ aspect: "unique", object: "app_user.app_user_tenant_id_email_key", expected: "app_user_tenant_id_email_key (tenant_id, email)", actual: "(absent)" }],
    },
    {
      name: "an enum value added",
      sql: `ALTER TYPE "UserStatus" ADD VALUE 'LOCKED'`,
      diffs: [{ aspect: "enum", object: "UserStatus", expected: "(ACTIVE, DISABLED)", actual: "(ACTIVE, DISABLED, LOCKED)" }],
    },
    {
      name: "a foreign key's ON DELETE changed",
      sql: `ALTER TABLE store DROP CONSTRAINT store_tenant_id_merchant_id_fkey;
            ALTER TABLE store ADD CONSTRAINT store_tenant_id_merchant_id_fkey FOREIGN KEY (tenant_id, merchant_id)
              REFERENCES merchant (tenant_id, id) ON DELETE CASCADE ON UPDATE CASCADE`,
      diffs: [
        {
          aspect: "foreign key",
          object: "store(tenant_id, merchant_id) store_tenant_id_merchant_id_fkey",
          expected: "(tenant_id, merchant_id) → merchant(tenant_id, id) ON DELETE Restrict ON UPDATE Cascade",
          actual: "(tenant_id, merchant_id) → merchant(tenant_id, id) ON DELETE Cascade ON UPDATE Cascade",
        },
      ],
    },
  ];

  for (const c of cases) {
    it(`reports ${c.name} as exactly that difference`, async () => {
      await owner.query("BEGIN");
      try {
        await owner.query(c.sql);
        const tampered = await readDatabaseShape(owner);
        expect(diffSchemas(expected, tampered)).toEqual(c.diffs);
      } finally {
        await owner.query("ROLLBACK");
      }
      // And the rollback restored a database without differences.
      expect(messages(diffSchemas(expected, await readDatabaseShape(owner)))).toEqual([]);
    });
  }

  it("reports drift in the schema side too (a model field the database lacks)", async () => {
    const withExtra: ExpectedShape = {
      ...expected,
      columns: [
        ...expected.columns,
        { table: "merchant", column: "website", type: "text", notNull: false, default: null, declaredType: "text", declaredDefault: null },
      ],
    };
    expect(diffSchemas(withExtra, actual)).toEqual([{ aspect: "column", object: "merchant.website", expected: "text", actual: "(absent)" }]);
  });
});
