import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DomainError } from "@/server/core/errors/domain-error";
import { keyIdOf, open, seal } from "./envelope";
import type { Keyring } from "./keyring";
import { type EncryptedColumn, sealContextFor } from "./registry";
import { type RotateProgress, rotateSecrets } from "./rotate";

// Runs against a throwaway database with a minimal merchant table, so it depends neither on the
// migrations nor on what other modules have added to ENCRYPTED_COLUMNS.

const SERVER_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const DB_NAME = `swy_test_secrets_${randomBytes(4).toString("hex")}`;

const COLUMN: EncryptedColumn = {
  table: "merchant",
  column: "settlement_account_number_enc",
  field: "settlementAccountNumber",
  tenantColumn: "tenant_id",
  idColumn: "id",
};
const COLUMNS = [COLUMN];

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const k3 = randomBytes(32);
const ring1: Keyring = { activeKeyId: "k1", keys: new Map([["k1", k1]]) };
const ring2: Keyring = { activeKeyId: "k2", keys: new Map([["k1", k1], ["k2", k2]]) };
const ring3: Keyring = { activeKeyId: "k3", keys: new Map([["k1", k1], ["k2", k2], ["k3", k3]]) };

interface Row {
  tenant_id: string;
  id: string;
  value: string | null;
}

let client: pg.Client | undefined;
const db = (): pg.Client => {
  if (client === undefined) throw new Error("database not connected");
  return client;
};

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function onServer(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

beforeAll(async () => {
  await onServer(`CREATE DATABASE "${DB_NAME}"`);
  client = new pg.Client({ connectionString: withDatabase(SERVER_URL, DB_NAME) });
  await client.connect();
  await client.query(`
    CREATE TABLE merchant (
      tenant_id uuid NOT NULL,
      id uuid NOT NULL,
      settlement_account_number_enc text,
      PRIMARY KEY (tenant_id, id)
    )`);
});

afterAll(async () => {
  await client?.end();
  await onServer(`DROP DATABASE IF EXISTS "${DB_NAME}" WITH (FORCE)`);
});

beforeEach(async () => {
  await db().query("TRUNCATE merchant");
});

const plaintextFor = (i: number) => (i % 10 === 0 ? `中国银行 6217${String(i).padStart(12, "0")}` : `6222${String(i).padStart(12, "0")}`);

/** Inserts `count` rows sealed with `keyring` (plus a few NULLs) and returns the plaintext by row id. */
async function seed(count: number, keyring: Keyring): Promise<Map<string, string>> {
  const tenants = [randomUUID(), randomUUID(), randomUUID()];
  const plaintexts = new Map<string, string>();
  const tenantIds: string[] = [];
  const ids: string[] = [];
  const values: (string | null)[] = [];
  for (let i = 0; i < count + 5; i++) {
    const tenantId = tenants[i % tenants.length] ?? "";
    const id = randomUUID();
    tenantIds.push(tenantId);
    ids.push(id);
    if (i >= count) {
      values.push(null);
      continue;
    }
    const plaintext = plaintextFor(i);
    plaintexts.set(id, plaintext);
    values.push(seal(sealContextFor(COLUMN, tenantId, id), plaintext, keyring));
  }
  await db().query("INSERT INTO merchant SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[])", [tenantIds, ids, values]);
  return plaintexts;
}

async function allRows(): Promise<Row[]> {
  const { rows } = await db().query<Row>(
    "SELECT tenant_id::text, id::text, settlement_account_number_enc AS value FROM merchant ORDER BY tenant_id, id",
  );
  return rows;
}

function expectAllOn(rows: Row[], keyId: string, keyring: Keyring, plaintexts: Map<string, string>): void {
  for (const row of rows) {
    if (row.value === null) {
      expect(plaintexts.has(row.id)).toBe(false);
      continue;
    }
    expect(keyIdOf(row.value)).toBe(keyId);
    expect(open(sealContextFor(COLUMN, row.tenant_id, row.id), row.value, keyring)).toBe(plaintexts.get(row.id));
  }
}

describe("rotateSecrets", () => {
  it("re-encrypts every value with the active key, in batches, and then has nothing left to do", async () => {
    const plaintexts = await seed(250, ring1);
    const before = await allRows();
    const progress: RotateProgress[] = [];

    const result = await rotateSecrets(db(), ring2, { columns: COLUMNS, batchSize: 100, onProgress: (p) => progress.push(p) });

    const summary = { table: "merchant", column: "settlement_account_number_enc" };
    expect(result).toEqual([{ ...summary, reEncrypted: 250, skipped: 0 }]);
    expect(progress.map((p) => p.reEncrypted)).toEqual([100, 200, 250]);
    const after = await allRows();
    expect(after).toHaveLength(255);
    expectAllOn(after, "k2", ring2, plaintexts);
    for (const [i, row] of after.entries()) if (row.value !== null) expect(row.value).not.toBe(before[i]?.value);

    // k1 can now be retired: the values open without it.
    expectAllOn(after, "k2", { activeKeyId: "k2", keys: new Map([["k2", k2]]) }, plaintexts);

    expect(await rotateSecrets(db(), ring2, { columns: COLUMNS, batchSize: 100 })).toEqual([
      { ...summary, reEncrypted: 0, skipped: 0 },
    ]);
    expect(await allRows()).toEqual(after);
  });

  it("stops at a value that fails to open and leaves that batch untouched", async () => {
    await seed(250, ring1);
    const sorted = (await allRows()).filter((r) => r.value !== null);
    const victim = sorted[150];
    if (victim?.value == null) throw new Error("seed produced too few rows");
    const [version, kid, iv, body = ""] = victim.value.split(":");
    const bytes = Buffer.from(body, "base64url");
    bytes[0] = (bytes[0] ?? 0) ^ 0x01;
    const tampered = [version, kid, iv, bytes.toString("base64url")].join(":");
    await db().query("UPDATE merchant SET settlement_account_number_enc = $1 WHERE tenant_id = $2 AND id = $3", [
      tampered,
      victim.tenant_id,
      victim.id,
    ]);
    const before = (await allRows()).filter((r) => r.value !== null);

    const error = await rotateSecrets(db(), ring2, { columns: COLUMNS, batchSize: 100 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe("SECRET_TAMPERED");
    expect((error as DomainError).message).toContain(victim.id);
    const after = (await allRows()).filter((r) => r.value !== null);
    for (const [i, row] of after.entries()) {
      if (i < 100) expect(keyIdOf(row.value ?? "")).toBe("k2");
      else expect(row).toEqual(before[i]);
    }
    // The client is usable again: the failed batch did not leave a transaction open.
    expect((await db().query<{ status: string }>("SELECT 'ok' AS status")).rows[0]?.status).toBe("ok");
  });

  it("does not overwrite a value changed while it was being rotated", async () => {
    const plaintexts = await seed(10, ring1);
    const rows = (await allRows()).filter((r) => r.value !== null);
    const target = rows[5];
    if (target === undefined) throw new Error("seed produced too few rows");
    const ctx = sealContextFor(COLUMN, target.tenant_id, target.id);
    const rotatorPid = (await db().query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;

    const other = new pg.Client({ connectionString: withDatabase(SERVER_URL, DB_NAME) });
    await other.connect();
    try {
      // Hold the row locked with a new value so the rotation reads the old value, then blocks on
      // its update until this change commits.
      await other.query("BEGIN");
      await other.query("UPDATE merchant SET settlement_account_number_enc = $1 WHERE tenant_id = $2 AND id = $3", [
        seal(ctx, "changed meanwhile", ring1),
        target.tenant_id,
        target.id,
      ]);
      const rotation = rotateSecrets(db(), ring2, { columns: COLUMNS, batchSize: 100 });
      await waitUntil(async () => {
        const { rows: waiting } = await other.query(
          "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'",
          [rotatorPid],
        );
        return waiting.length > 0;
      });
      await other.query("COMMIT");

      const [result] = await rotation;
      expect(result).toMatchObject({ reEncrypted: 9, skipped: 1 });
    } finally {
      await other.end();
    }

    const changed = (await allRows()).find((r) => r.id === target.id);
    expect(keyIdOf(changed?.value ?? "")).toBe("k1");
    expect(open(ctx, changed?.value ?? "", ring2)).toBe("changed meanwhile");

    // The next run picks up what was skipped.
    const [again] = await rotateSecrets(db(), ring3, { columns: COLUMNS, batchSize: 3 });
    expect(again).toMatchObject({ reEncrypted: 10, skipped: 0 });
    plaintexts.set(target.id, "changed meanwhile");
    expectAllOn(await allRows(), "k3", ring3, plaintexts);
  });

  it("refuses plaintext left in an encrypted column", async () => {
    await seed(3, ring1);
    await db().query("UPDATE merchant SET settlement_account_number_enc = '6222021234567890' WHERE id = (SELECT id FROM merchant WHERE settlement_account_number_enc IS NOT NULL LIMIT 1)");
    const error = await rotateSecrets(db(), ring2, { columns: COLUMNS }).catch((e: unknown) => e);
    expect((error as DomainError).code).toBe("SECRET_MALFORMED");
    expect((error as DomainError).message).not.toContain("6222021234567890");
  });
});

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the rotation to block");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
