import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { APP_ROLE } from "./config";
import { appPool } from "./pool";

// ARCHITECTURE.md §2: tenant isolation lives in the database. The structural checks discover the
// tenant tables and system_* functions from pg_catalog, so tables added later are covered without
// editing this file; the behavioural checks use merchant/app_user as the example.

let db: TestDatabase;
let owner: pg.Client;

beforeAll(async () => {
  db = await createTestDatabase("rls");
  owner = new pg.Client({ connectionString: db.url });
  await owner.connect();
});

afterAll(async () => {
  await owner?.end();
  await db?.drop();
});

interface TenantTable {
  table: string;
  /** The column the policy must compare with app.tenant_id. */
  key: string;
  rls: boolean;
  force: boolean;
}

/** Every table in public with a tenant_id column, and the tenant table keyed by id. */
async function tenantTables(): Promise<TenantTable[]> {
  const { rows } = await owner.query<TenantTable>(
    `SELECT c.relname AS table,
            CASE WHEN c.relname = 'tenant' THEN 'id' ELSE 'tenant_id' END AS key,
            c.relrowsecurity AS rls, c.relforcerowsecurity AS force
       FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace
        AND c.relkind IN ('r', 'p')
        AND (c.relname = 'tenant'
             OR EXISTS (SELECT 1 FROM pg_attribute a
                         WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND a.attnum > 0 AND NOT a.attisdropped))
      ORDER BY c.relname`,
  );
  return rows;
}

interface Policy {
  table: string;
  name: string;
  cmd: string;
  permissive: boolean;
  appliesToApp: boolean;
  using: string | null;
  check: string | null;
}

async function policies(): Promise<Policy[]> {
  const { rows } = await owner.query<Policy>(
    `SELECT c.relname AS table, p.polname AS name, p.polcmd AS cmd, p.polpermissive AS permissive,
            (0 = ANY (p.polroles) OR EXISTS (SELECT 1 FROM unnest(p.polroles) r(oid) WHERE pg_has_role($1, r.oid, 'MEMBER'))) AS "appliesToApp",
            pg_get_expr(p.polqual, p.polrelid) AS using,
            pg_get_expr(p.polwithcheck, p.polrelid) AS check
       FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
      WHERE c.relnamespace = 'public'::regnamespace
      ORDER BY 1, 2`,
    [APP_ROLE],
  );
  return rows;
}

/**
 * Why an expression is not `key = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)`
 * (as pg_get_expr prints it); empty when it is.
 */
function isolationProblems(expr: string | null, key: string): string[] {
  if (expr === null) return ["missing"];
  const problems: string[] = [];
  const nullifSetting = /NULLIF\(\s*current_setting\(\s*'app\.tenant_id'(?:::text)?\s*,\s*true\s*\)\s*,\s*''(?:::text)?\s*\)/;
  if (!nullifSetting.test(expr)) problems.push(`does not use NULLIF(current_setting('app.tenant_id', true), '')`);
  if (!new RegExp(`^\\(*\\s*${key}\\s*=\\s*\\(`).test(expr)) problems.push(`does not compare ${key} with the setting`);
  if (/\bOR\b/i.test(expr)) problems.push("has an OR branch");
  return problems;
}

describe("every tenant-owned table is isolated by row-level security", () => {
  it("finds the tenant tables by their tenant_id column (the discovery is not vacuous)", async () => {
    const tables = (await tenantTables()).map((t) => t.table);
    expect(tables).toEqual(expect.arrayContaining(["tenant", "merchant", "app_user", "store", "audit_log", "outbox_event"]));
    expect(tables).not.toContain("_prisma_migrations");
  });

  it("has ENABLE and FORCE row level security", async () => {
    const problems = (await tenantTables()).flatMap((t) => [
      ...(t.rls ? [] : [`${t.table}: ROW LEVEL SECURITY is not enabled (relrowsecurity false)`]),
      ...(t.force ? [] : [`${t.table}: ROW LEVEL SECURITY is not forced (relforcerowsecurity false)`]),
    ]);
    expect(problems).toEqual([]);
  });

  it("has a policy whose USING and WITH CHECK both compare the key with NULLIF(current_setting('app.tenant_id', true), '')", async () => {
    const all = await policies();
    const problems: string[] = [];
    for (const t of await tenantTables()) {
      const mine = all.filter((p) => p.table === t.table);
      const good = mine.filter(
        (p) =>
          p.permissive &&
          p.cmd === "*" &&
          p.appliesToApp &&
          isolationProblems(p.using, t.key).length === 0 &&
          isolationProblems(p.check, t.key).length === 0,
      );
      if (good.length === 0) {
        const seen = mine.map(
          (p) =>
            `${p.name} [cmd ${p.cmd}, ${p.permissive ? "permissive" : "restrictive"}${p.appliesToApp ? "" : `, not for ${APP_ROLE}`}] ` +
            `USING ${p.using ?? "none"} (${isolationProblems(p.using, t.key).join("; ") || "ok"}) ` +
            `WITH CHECK ${p.check ?? "none"} (${isolationProblems(p.check, t.key).join("; ") || "ok"})`,
        );
        problems.push(`${t.table}: no conforming isolation policy${seen.length ? `; has ${seen.join(" / ")}` : "; has no policy at all"}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("has no other permissive policy that could widen it (permissive policies are OR-ed)", async () => {
    const all = await policies();
    const problems: string[] = [];
    for (const t of await tenantTables()) {
      for (const p of all.filter((x) => x.table === t.table && x.permissive && x.appliesToApp)) {
        // A SELECT/DELETE policy has no WITH CHECK and an INSERT policy no USING; what it has must conform.
        const parts = [
          ["USING", p.using],
          ["WITH CHECK", p.check],
        ] as const;
        for (const [label, expr] of parts) {
          if (expr === null) continue;
          const why = isolationProblems(expr, t.key);
          if (why.length > 0) problems.push(`${t.table}.${p.name} ${label} ${expr}: ${why.join("; ")}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe(`the app role (${APP_ROLE})`, () => {
  it("is not superuser, has no BYPASSRLS", async () => {
    const { rows } = await owner.query<{ rolsuper: boolean; rolbypassrls: boolean }>(
      `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1`,
      [APP_ROLE],
    );
    expect(rows).toEqual([{ rolsuper: false, rolbypassrls: false }]);
  });

  it("owns no tables (nor any other relation), directly or through a role it belongs to", async () => {
    const { rows } = await owner.query<{ relation: string; owner: string }>(
      `SELECT n.nspname || '.' || c.relname AS relation, c.relowner::regrole::text AS owner
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE pg_has_role($1, c.relowner, 'MEMBER')
          AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
        ORDER BY 1`,
      [APP_ROLE],
    );
    expect(rows).toEqual([]);
  });

  it("cannot create schemas, or objects in any schema (so it can never come to own a table)", async () => {
    const { rows } = await owner.query<{ object: string }>(
      `SELECT 'schema ' || n.nspname AS object FROM pg_namespace n
        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
          AND has_schema_privilege($1, n.oid, 'CREATE')
       UNION ALL
       SELECT 'database ' || current_database() WHERE has_database_privilege($1, current_database(), 'CREATE')`,
      [APP_ROLE],
    );
    expect(rows).toEqual([]);
  });

  it("is what a connection from appPool() runs as, without superuser or BYPASSRLS", async () => {
    const { rows } = await appPool().query<{ current_user: string; privileged: boolean }>(
      `SELECT current_user, (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) AS privileged`,
    );
    expect(rows).toEqual([{ current_user: APP_ROLE, privileged: false }]);
  });
});

describe("isolation in practice (merchant, app_user)", () => {
  const A = randomUUID();
  const B = randomUUID();
  let merchantA = "";
  let merchantB = "";
  const suffix = randomBytes(3).toString("hex");

  beforeAll(async () => {
    await ownerQuery(db.url, `INSERT INTO tenant (id, slug, name) VALUES ($1, $2, 'Tenant A'), ($3, $4, 'Tenant B')`, [A, `rls-a-${suffix}`, B, `rls-b-${suffix}`]);
    const insert = `INSERT INTO merchant (tenant_id, legal_name, short_name, credit_code, legal_representative, mcc, contact_name, contact_phone)
                    VALUES ($1, $2, $2, $3, 'Zhang San', '5411', 'Li Si', '13800000000') RETURNING id`;
    merchantA = (await ownerQuery<{ id: string }>(db.url, insert, [A, "Merchant A", "91310000000000000A"]))[0]!.id;
    merchantB = (await ownerQuery<{ id: string }>(db.url, insert, [B, "Merchant B", "91310000000000000B"]))[0]!.id;
  });

  /** One app-role transaction, optionally bound to a tenant; always rolled back. */
  async function asApp<T>(tenant: string | null | undefined, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await appPool().connect();
    try {
      await c.query("BEGIN");
      if (tenant !== undefined && tenant !== null) await c.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenant]);
      return await fn(c);
    } finally {
      await c.query("ROLLBACK").catch(() => {});
      c.release();
    }
  }

  async function sqlstate(p: Promise<unknown>): Promise<string | undefined> {
    try {
      await p;
      return undefined;
    } catch (e) {
      return (e as { code?: string }).code ?? String(e);
    }
  }

  it("with app.tenant_id never set: zero rows, no error", async () => {
    await asApp(undefined, async (c) => {
      const setting = await c.query<{ v: string | null }>(`SELECT current_setting('app.tenant_id', true) AS v`);
      expect(setting.rows[0]!.v, "precondition: this pooled connection has never had app.tenant_id set").toBeNull();
      expect((await c.query(`SELECT id FROM merchant`)).rows).toEqual([]);
      expect((await c.query(`SELECT id FROM tenant`)).rows).toEqual([]);
    });
  });

  it("with app.tenant_id = '': zero rows, no error", async () => {
    await asApp("", async (c) => {
      expect((await c.query(`SELECT id FROM merchant`)).rows).toEqual([]);
      expect((await c.query(`SELECT id FROM tenant`)).rows).toEqual([]);
    });
  });

  it("bound to A: sees only A's merchant and A's tenant row", async () => {
    await asApp(A, async (c) => {
      expect((await c.query(`SELECT tenant_id, id FROM merchant`)).rows).toEqual([{ tenant_id: A, id: merchantA }]);
      expect((await c.query(`SELECT id FROM tenant`)).rows).toEqual([{ id: A }]);
      expect((await c.query(`SELECT id FROM merchant WHERE id = $1`, [merchantB])).rows).toEqual([]);
    });
  });

  it("bound to A: inserting a merchant with B's tenant_id fails with an RLS error (42501)", async () => {
    await asApp(A, async (c) => {
      const code = await sqlstate(
        c.query(
          `INSERT INTO merchant (tenant_id, legal_name, short_name, credit_code, legal_representative, mcc, contact_name, contact_phone)
           VALUES ($1, 'Intruder', 'Intruder', '91310000000000000X', 'X', '5411', 'X', '13900000000')`,
          [B],
        ),
      );
      expect(code).toBe("42501");
    });
  });

  it("bound to A: updating or deleting B's merchant affects 0 rows", async () => {
    await asApp(A, async (c) => {
      expect((await c.query(`UPDATE merchant SET short_name = 'hijacked' WHERE id = $1`, [merchantB])).rowCount).toBe(0);
      expect((await c.query(`UPDATE merchant SET short_name = 'hijacked' WHERE tenant_id = $1`, [B])).rowCount).toBe(0);
      expect((await c.query(`DELETE FROM merchant WHERE id = $1`, [merchantB])).rowCount).toBe(0);
      expect((await c.query(`DELETE FROM merchant WHERE tenant_id = $1`, [B])).rowCount).toBe(0);
      // Moving A's own row into B is refused by WITH CHECK.
      expect(await sqlstate(c.query(`UPDATE merchant SET tenant_id = $1 WHERE id = $2`, [B, merchantA]))).toBe("42501");
    });
    const rows = await ownerQuery(db.url, `SELECT short_name FROM merchant WHERE id = $1`, [merchantB]);
    expect(rows).toEqual([{ short_name: "Merchant B" }]);
  });

  it("a user row in A cannot reference B's merchant (composite foreign key)", async () => {
    const insertUser = `INSERT INTO app_user (tenant_id, email, name, password_hash, role, merchant_id)
                        VALUES ($1, $2, 'Merchant admin', 'x', 'MERCHANT_ADMIN', $3)`;
    // Through the app role, bound to A.
    await asApp(A, async (c) => {
      expect(await sqlstate(c.query(insertUser, [A, `cross-${suffix}@example.com`, merchantB]))).toBe("23503");
    });
    // Even the owner, whom RLS does not restrict: it is the key, not the policy, that refuses it.
    expect(await sqlstate(ownerQuery(db.url, insertUser, [A, `cross-owner-${suffix}@example.com`, merchantB]))).toBe("23503");
    // The same row pointing at A's own merchant is fine.
    await asApp(A, async (c) => {
      expect((await c.query(insertUser, [A, `own-${suffix}@example.com`, merchantA])).rowCount).toBe(1);
    });
  });
});

describe("system_* functions (the only RLS bypass)", () => {
  interface Fn {
    signature: string;
    secdef: boolean;
    config: string[] | null;
    publicExecute: boolean;
  }

  async function systemFunctions(): Promise<Fn[]> {
    const { rows } = await owner.query<Fn>(
      `SELECT p.oid::regprocedure::text AS signature, p.prosecdef AS secdef, p.proconfig AS config,
              EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) x
                       WHERE x.grantee = 0 AND x.privilege_type = 'EXECUTE') AS "publicExecute"
         FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'system\\_%'
        ORDER BY 1`,
    );
    return rows;
  }

  it("are found (the discovery is not vacuous)", async () => {
    expect((await systemFunctions()).length).toBeGreaterThan(0);
  });

  it("are SECURITY DEFINER", async () => {
    expect((await systemFunctions()).filter((f) => !f.secdef).map((f) => `${f.signature} is SECURITY INVOKER`)).toEqual([]);
  });

  it("have a fixed search_path (proconfig), naming pg_temp last", async () => {
    const problems: string[] = [];
    for (const f of await systemFunctions()) {
      const setting = (f.config ?? []).find((c) => c.startsWith("search_path="));
      if (!setting) {
        problems.push(`${f.signature}: no SET search_path (proconfig ${JSON.stringify(f.config)})`);
        continue;
      }
      const path = setting.slice("search_path=".length).split(",").map((s) => s.trim().replace(/^"|"$/g, ""));
      // Unnamed, pg_temp is searched first for tables: a caller's temp table would shadow ours.
      if (path.at(-1) !== "pg_temp") problems.push(`${f.signature}: search_path "${path.join(", ")}" does not end with pg_temp`);
      if (path.includes("$user")) problems.push(`${f.signature}: search_path contains $user`);
    }
    expect(problems).toEqual([]);
  });

  it("are not executable by PUBLIC", async () => {
    expect((await systemFunctions()).filter((f) => f.publicExecute).map((f) => `${f.signature}: EXECUTE granted to PUBLIC`)).toEqual([]);
  });
});

// Migration 20261203000000: a condition runs after the tenant policy unless its function is
// LEAKPROOF, and only then can it be an index condition. enum_eq is marked so; without it a lookup
// by an enum column (an account by book and code, payments by status) scans the tenant's rows.
describe("enum conditions under RLS", () => {
  async function planAsApp(sql: string): Promise<string> {
    await owner.query("BEGIN");
    try {
      await owner.query(`SELECT set_config('role', $1, true), set_config('app.tenant_id', $2, true), set_config('enable_seqscan', 'off', true)`, [APP_ROLE, randomUUID()]);
      const { rows } = await owner.query<{ "QUERY PLAN": string }>(`EXPLAIN ${sql}`);
      return rows.map((r) => r["QUERY PLAN"]).join("\n");
    } finally {
      await owner.query("ROLLBACK");
    }
  }

  it("enum_eq and enum_ne are LEAKPROOF", async () => {
    const { rows } = await owner.query<{ proname: string; proleakproof: boolean }>(
      `SELECT proname, proleakproof FROM pg_proc WHERE proname IN ('enum_eq', 'enum_ne') AND pronamespace = 'pg_catalog'::regnamespace ORDER BY proname`,
    );
    expect(rows).toEqual([
      { proname: "enum_eq", proleakproof: true },
      { proname: "enum_ne", proleakproof: true },
    ]);
  });

  it("an account found by book and code uses the whole unique index as the app role", async () => {
    const plan = await planAsApp(
      `SELECT id FROM ledger_account WHERE tenant_id = current_setting('app.tenant_id')::uuid AND book = 'OWN' AND code = 'fee_income' AND currency = 'CNY'`,
    );
    expect(plan).toMatch(/Index Cond: .*book = 'OWN'::"LedgerBook"/);
  });

});
