import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { GET as pingGET } from "@/app/api/v1/ping/route";
import { run } from "@/server/cli/main";
import { archiveMerchant, createMerchant } from "@/server/core/merchants/service";
import { keyIdOf, open } from "@/server/core/secrets/envelope";
import { parseKeyring, resetKeyringCache } from "@/server/core/secrets/keyring";
import { sealContextFor } from "@/server/core/secrets/registry";
import { rotateSecrets } from "@/server/core/secrets/rotate";
import { withTenantTx } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, systemContext, type TestTenant } from "@/server/testing/fixtures";
import { errorCode, readResult, signedRequest, type TestApiKey } from "@/server/testing/merchant-api";
import { stringify, tenantHost } from "@/server/testing/trpc";
import { purgeMerchantApiState } from "./housekeeping";
import { IDEMPOTENCY_RETENTION_HOURS } from "./idempotency";
import { createApiKey, listApiKeys, MAX_ACTIVE_KEYS_PER_MERCHANT, revokeApiKey, SECRET_COLUMN } from "./keys";

// API keys (service, CLI, storage) and the database side of the merchant API: the sealed secret,
// column grants, system_api_key, housekeeping and key rotation.

let db: TestDatabase;
let acme: TestTenant;
let beta: TestTenant;
let merchantId: string;
let betaMerchantId: string;
const K1 = randomBytes(32).toString("base64");

beforeAll(async () => {
  db = await createTestDatabase("merchant_api_keys");
  process.env.SWITCHYARD_KEYRING = JSON.stringify({ active: "k1", keys: { k1: K1 } });
  resetKeyringCache();
  acme = await makeTenant("acme");
  beta = await makeTenant("beta");
  merchantId = (await withTenantTx(acme.id, (tx) => createMerchant(tx, ownerContext(acme), merchantInput("Acme Noodles")))).id;
  betaMerchantId = (await withTenantTx(beta.id, (tx) => createMerchant(tx, ownerContext(beta), merchantInput("Beta Tea")))).id;
});

afterAll(async () => {
  await db?.drop();
});

const ping = async (tenant: TestTenant, key: TestApiKey) => readResult(await pingGET(signedRequest({ host: tenantHost(tenant.slug), path: "/api/v1/ping", key })));

describe("API keys", () => {
  it("create returns the secret once; the row holds it sealed for exactly this tenant, table, row and field", async () => {
    const key = await withTenantTx(acme.id, (tx) => createApiKey(tx, ownerContext(acme), { merchantId, label: "  POS system  " }));
    expect(key).toMatchObject({ merchantId, label: "POS system", status: "ACTIVE", createdBy: acme.ownerId, revokedAt: null, lastUsedAt: null });
    expect(key.keyId).toMatch(/^ak_[0-9A-Za-z]{24}$/);
    expect(key.secret).toMatch(/^sk_[0-9A-Za-z]{43}$/);
    const [row] = await ownerQuery<{ secret_enc: string }>(db.url, `SELECT secret_enc FROM merchant_api_key WHERE id = $1`, [key.id]);
    expect(row!.secret_enc).not.toContain(key.secret);
    expect(keyIdOf(row!.secret_enc)).toBe("k1");
    expect(open(sealContextFor(SECRET_COLUMN, acme.id, key.id), row!.secret_enc)).toBe(key.secret);
    // Sealed for this row: under another row's context it does not open.
    expect(() => open(sealContextFor(SECRET_COLUMN, acme.id, merchantId), row!.secret_enc)).toThrow(/failed authentication/);
    // The audit trail has the creation, never the secret.
    const audit = await ownerQuery(db.url, `SELECT action, after FROM audit_log WHERE tenant_id = $1 AND entity_id = $2`, [acme.id, key.id]);
    expect(audit.map((r) => r.action)).toEqual(["api_key.create"]);
    expect(stringify(audit)).not.toContain(key.secret);
    expect((await ping(acme, key)).status).toBe(200);
  });

  it("list never returns secrets, and filters by merchant", async () => {
    const created = await withTenantTx(acme.id, (tx) => createApiKey(tx, ownerContext(acme), { merchantId }));
    const listed = await withTenantTx(acme.id, (tx) => listApiKeys(tx, ownerContext(acme), { merchantId }));
    expect(listed.map((k) => k.id)).toContain(created.id);
    expect(stringify(listed)).not.toContain(created.secret);
    expect(listed.every((k) => !("secret" in k))).toBe(true);
    expect(await withTenantTx(acme.id, (tx) => listApiKeys(tx, ownerContext(acme), { merchantId: betaMerchantId }))).toEqual([]);
  });

  it("revoke: the key stops working at once; revoking again changes nothing", async () => {
    const key = await withTenantTx(acme.id, (tx) => createApiKey(tx, ownerContext(acme), { merchantId }));
    const revoked = await withTenantTx(acme.id, (tx) => revokeApiKey(tx, ownerContext(acme), { id: key.id }));
    expect(revoked).toMatchObject({ status: "REVOKED", revokedBy: acme.ownerId });
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(errorCode(await ping(acme, key))).toBe("KEY_REVOKED");
    const again = await withTenantTx(acme.id, (tx) => revokeApiKey(tx, ownerContext(acme), { id: key.id }));
    expect(again).toEqual(revoked);
    const audit = await ownerQuery(db.url, `SELECT action FROM audit_log WHERE tenant_id = $1 AND entity_id = $2 ORDER BY created_at`, [acme.id, key.id]);
    expect(audit.map((r) => r.action)).toEqual(["api_key.create", "api_key.revoke"]);
  });

  it("another tenant's merchant or key is NOT_FOUND, and nothing is written", async () => {
    const key = await withTenantTx(acme.id, (tx) => createApiKey(tx, ownerContext(acme), { merchantId }));
    await expect(withTenantTx(beta.id, (tx) => createApiKey(tx, ownerContext(beta), { merchantId }))).rejects.toMatchObject({ kind: "NOT_FOUND" });
    await expect(withTenantTx(beta.id, (tx) => revokeApiKey(tx, ownerContext(beta), { id: key.id }))).rejects.toMatchObject({ kind: "NOT_FOUND" });
    expect(await ownerQuery(db.url, `SELECT id FROM merchant_api_key WHERE tenant_id = $1`, [beta.id])).toEqual([]);
    expect((await ownerQuery<{ status: string }>(db.url, `SELECT status FROM merchant_api_key WHERE id = $1`, [key.id]))[0]!.status).toBe("ACTIVE");
  });

  it(`allows ${MAX_ACTIVE_KEYS_PER_MERCHANT} active keys per merchant, and only for an active merchant`, async () => {
    const m = await withTenantTx(acme.id, (tx) => createMerchant(tx, ownerContext(acme), merchantInput("Acme Limits")));
    const ctx = ownerContext(acme);
    const keys = await Promise.all(Array.from({ length: MAX_ACTIVE_KEYS_PER_MERCHANT + 3 }, () => withTenantTx(acme.id, (tx) => createApiKey(tx, ctx, { merchantId: m.id })).then(
      (k) => ({ ok: true as const, k }),
      (e: unknown) => ({ ok: false as const, e }),
    )));
    expect(keys.filter((r) => r.ok).length).toBe(MAX_ACTIVE_KEYS_PER_MERCHANT);
    expect(keys.filter((r) => !r.ok).map((r) => (r.ok ? null : (r.e as { code: string }).code))).toEqual(["API_KEY_LIMIT", "API_KEY_LIMIT", "API_KEY_LIMIT"]);
    const first = keys.find((r) => r.ok);
    if (!first?.ok) throw new Error("no key was created");
    await withTenantTx(acme.id, (tx) => revokeApiKey(tx, ctx, { id: first.k.id }));
    await withTenantTx(acme.id, (tx) => createApiKey(tx, ctx, { merchantId: m.id }));
    await withTenantTx(acme.id, (tx) => archiveMerchant(tx, ctx, m.id));
    await expect(withTenantTx(acme.id, (tx) => createApiKey(tx, ctx, { merchantId: m.id }))).rejects.toMatchObject({ code: "MERCHANT_NOT_ACTIVE" });
  });

  it("refuses a bad input with the field named", async () => {
    await expect(withTenantTx(acme.id, (tx) => createApiKey(tx, ownerContext(acme), { merchantId: "nope" }))).rejects.toBeInstanceOf(ZodError);
    await expect(withTenantTx(acme.id, (tx) => createApiKey(tx, ownerContext(acme), { merchantId, label: "x".repeat(81) }))).rejects.toBeInstanceOf(ZodError);
  });
});

describe("the CLI", () => {
  it("apikey create --json prints { keyId, secret }, which signs requests; apikey revoke ends it", async () => {
    const created = (await run(["apikey", "create", "--tenant", "acme", "--merchant", merchantId, "--label", "from cli"])) as Record<string, string>;
    expect(Object.keys(created).sort()).toEqual(["keyId", "secret"]);
    const r = await ping(acme, { keyId: created.keyId!, secret: created.secret! });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ merchantId, keyId: created.keyId });
    const [row] = await ownerQuery<{ label: string; created_by: string | null }>(db.url, `SELECT label, created_by FROM merchant_api_key WHERE key_id = $1`, [created.keyId]);
    expect(row).toEqual({ label: "from cli", created_by: null });
    const revoked = (await run(["apikey", "revoke", "--tenant", "acme", "--key", created.keyId!])) as { status: string };
    expect(revoked.status).toBe("REVOKED");
    expect(errorCode(await ping(acme, { keyId: created.keyId!, secret: created.secret! }))).toBe("KEY_REVOKED");
  });

  it("names what is missing or wrong", async () => {
    await expect(run(["apikey", "create", "--tenant", "acme"])).rejects.toMatchObject({ code: "MISSING_FLAG", field: "merchant" });
    await expect(run(["apikey", "create", "--tenant", "nobody", "--merchant", merchantId])).rejects.toMatchObject({ code: "TENANT_NOT_FOUND" });
    // Beta's merchant is not acme's.
    await expect(run(["apikey", "create", "--tenant", "acme", "--merchant", betaMerchantId])).rejects.toMatchObject({ kind: "NOT_FOUND" });
    await expect(run(["apikey", "revoke", "--tenant", "beta", "--key", "ak_000000000000000000000000"])).rejects.toMatchObject({ kind: "NOT_FOUND" });
  });
});

describe("in the database", () => {
  async function asApp<T>(tenantId: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query("BEGIN");
      await c.query("SELECT set_config('role', 'switchyard_app', true), set_config('app.tenant_id', $1, true)", [tenantId]);
      return await fn(c);
    } finally {
      await c.query("ROLLBACK").catch(() => undefined);
      await c.end();
    }
  }

  it("the app role can change a key's state but never its secret, merchant or key id, and cannot delete it", async () => {
    const key = await withTenantTx(acme.id, (tx) => createApiKey(tx, ownerContext(acme), { merchantId }));
    for (const sql of [
      `UPDATE merchant_api_key SET secret_enc = 'swy1:k1:x:y' WHERE id = $1`,
      `UPDATE merchant_api_key SET key_id = 'ak_AAAAAAAAAAAAAAAAAAAAAAAA' WHERE id = $1`,
      `UPDATE merchant_api_key SET merchant_id = merchant_id WHERE id = $1`,
      `DELETE FROM merchant_api_key WHERE id = $1`,
    ]) {
      await expect(asApp(acme.id, (c) => c.query(sql, [key.id])), sql).rejects.toMatchObject({ code: "42501" });
    }
    const n = await asApp(acme.id, (c) => c.query(`UPDATE merchant_api_key SET label = 'renamed' WHERE id = $1`, [key.id]));
    expect(n.rowCount).toBe(1);
  });

  it("RLS: bound to another tenant, the keys, nonces and idempotency records are invisible", async () => {
    await ping(acme, await withTenantTx(acme.id, (tx) => createApiKey(tx, ownerContext(acme), { merchantId })));
    const counts = await asApp(beta.id, async (c) => {
      const out: Record<string, number> = {};
      for (const t of ["merchant_api_key", "api_nonce", "api_idempotency"]) out[t] = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t} WHERE tenant_id = $1`, [acme.id])).rows[0]!.n;
      return out;
    });
    expect(counts).toEqual({ merchant_api_key: 0, api_nonce: 0, api_idempotency: 0 });
    const own = await ownerQuery<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM api_nonce WHERE tenant_id = $1`, [acme.id]);
    expect(own[0]!.n).toBeGreaterThan(0);
  });

  it("system_api_key finds a key by its id alone, and nothing for a suspended tenant", async () => {
    const t = await makeTenant("gamma");
    const m = await withTenantTx(t.id, (tx) => createMerchant(tx, ownerContext(t), merchantInput("Gamma")));
    const key = await withTenantTx(t.id, (tx) => createApiKey(tx, ownerContext(t), { merchantId: m.id }));
    const lookup = () => asApp("", (c) => c.query(`SELECT tenant_id, id, merchant_id, status, merchant_status FROM system_api_key($1)`, [key.keyId]).then((r) => r.rows));
    expect(await lookup()).toEqual([{ tenant_id: t.id, id: key.id, merchant_id: m.id, status: "ACTIVE", merchant_status: "ACTIVE" }]);
    await ownerQuery(db.url, `UPDATE tenant SET status = 'SUSPENDED' WHERE id = $1`, [t.id]);
    expect(await lookup()).toEqual([]);
  });

  it("api_idempotency_complete stores a response only for the claim's own token, once, while it is in progress", async () => {
    const [k] = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM merchant_api_key WHERE tenant_id = $1 LIMIT 1`, [acme.id]);
    const token = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";
    await ownerQuery(db.url, `INSERT INTO api_idempotency (tenant_id, merchant_id, key, request_hash, claim_token, api_key_id) VALUES ($1, $2, 'held-key', $3, $4, $5)`, [acme.id, merchantId, "0".repeat(64), token, k!.id]);
    // Called as the app role outside any transaction, with no tenant bound (as storeIdempotentResponse does).
    const complete = async (tenantId: string, claim: string) => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        await c.query("SET ROLE switchyard_app");
        const r = await c.query<{ stored: boolean }>(`SELECT api_idempotency_complete($1, $2, 'held-key', $3, 201, '{"ok":true}') AS stored`, [tenantId, merchantId, claim]);
        return r.rows[0]!.stored;
      } finally {
        await c.end();
      }
    };
    expect(await complete(acme.id, "00000000-0000-4000-8000-000000000000")).toBe(false);
    expect(await complete(beta.id, token)).toBe(false);
    const untouched = await ownerQuery(db.url, `SELECT status, response_body FROM api_idempotency WHERE tenant_id = $1 AND key = 'held-key'`, [acme.id]);
    expect(untouched).toEqual([{ status: "IN_PROGRESS", response_body: null }]);
    expect(await complete(acme.id, token)).toBe(true);
    expect(await complete(acme.id, token)).toBe(false);
    const stored = await ownerQuery(db.url, `SELECT status, response_status, response_body FROM api_idempotency WHERE tenant_id = $1 AND key = 'held-key'`, [acme.id]);
    expect(stored).toEqual([{ status: "COMPLETED", response_status: 201, response_body: '{"ok":true}' }]);
  });

  it("checks refuse malformed key ids, nonces and idempotency keys from any writer", async () => {
    const [k] = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM merchant_api_key WHERE tenant_id = $1 LIMIT 1`, [acme.id]);
    await expect(ownerQuery(db.url, `INSERT INTO api_nonce VALUES ($1, $2, 'short', now())`, [acme.id, k!.id])).rejects.toMatchObject({ code: "23514" });
    await expect(
      ownerQuery(db.url, `INSERT INTO api_idempotency (tenant_id, merchant_id, key, request_hash, claim_token, api_key_id) VALUES ($1, $2, 'has space', $3, gen_random_uuid(), $4)`, [acme.id, merchantId, "0".repeat(64), k!.id]),
    ).rejects.toMatchObject({ code: "23514" });
    await expect(ownerQuery(db.url, `UPDATE merchant_api_key SET key_id = 'nope' WHERE id = $1`, [k!.id])).rejects.toMatchObject({ code: "23514" });
    await expect(ownerQuery(db.url, `UPDATE merchant_api_key SET status = 'REVOKED' WHERE id = $1`, [k!.id])).rejects.toMatchObject({ code: "23514" });
  });

  it("housekeeping deletes expired nonces and idempotency records past retention, nothing else", async () => {
    const key = await withTenantTx(acme.id, (tx) => createApiKey(tx, ownerContext(acme), { merchantId }));
    await ownerQuery(db.url, `DELETE FROM api_nonce; DELETE FROM api_idempotency`);
    const old = new Date(Date.now() - (IDEMPOTENCY_RETENTION_HOURS + 1) * 3_600_000);
    await ownerQuery(
      db.url,
      `INSERT INTO api_nonce VALUES ($1, $2, 'expired-nonce-0001', now() - interval '1 second'), ($1, $2, 'current-nonce-00001', now() + interval '200 seconds')`,
      [acme.id, key.id],
    );
    await ownerQuery(
      db.url,
      `INSERT INTO api_idempotency (tenant_id, merchant_id, key, request_hash, claim_token, api_key_id, created_at) VALUES
         ($1, $2, 'old', $3, gen_random_uuid(), $4, $5), ($1, $2, 'recent', $3, gen_random_uuid(), $4, now())`,
      [acme.id, merchantId, "0".repeat(64), key.id, old],
    );
    const purged = await withTenantTx(acme.id, (tx) => purgeMerchantApiState(tx, systemContext(acme, "housekeeping")));
    expect(purged).toEqual({ nonces: 1, idempotency: 1 });
    expect((await ownerQuery(db.url, `SELECT nonce FROM api_nonce`)).map((r) => r.nonce)).toEqual(["current-nonce-00001"]);
    expect((await ownerQuery(db.url, `SELECT key FROM api_idempotency`)).map((r) => r.key)).toEqual(["recent"]);
  });

  it("a nonce outlives its request's window: housekeeping just past the window's end keeps it, so a replay still in the window is refused", async () => {
    const key = await withTenantTx(acme.id, (tx) => createApiKey(tx, ownerContext(acme), { merchantId }));
    // Signed 299 s ago: still inside the 300 s window now, and (rounded to the second) for up to 2 s more.
    const timestamp = Math.floor(Date.now() / 1000) - 299;
    const nonce = "edge-of-window-nonce-01";
    const send = async () => readResult(await pingGET(signedRequest({ host: tenantHost(acme.slug), path: "/api/v1/ping", key, timestamp, nonce })));
    expect((await send()).status).toBe(200);
    // Housekeeping at the moment the timestamp leaves the window (and a little after) keeps the nonce.
    await withTenantTx(acme.id, (tx) => purgeMerchantApiState(tx, systemContext(acme, "housekeeping"), new Date((timestamp + 300) * 1000 + 900)));
    expect(await ownerQuery(db.url, `SELECT nonce FROM api_nonce WHERE nonce = $1`, [nonce])).toHaveLength(1);
    const replay = await send();
    expect([replay.status, errorCode(replay)]).toEqual([401, "NONCE_REUSED"]);
  });

  it("key rotation (secrets rotate) re-seals API secrets, and they still verify", async () => {
    const key = await withTenantTx(acme.id, (tx) => createApiKey(tx, ownerContext(acme), { merchantId }));
    const ring = JSON.stringify({ active: "k2", keys: { k1: K1, k2: randomBytes(32).toString("base64") } });
    process.env.SWITCHYARD_KEYRING = ring;
    resetKeyringCache();
    const owner = new pg.Client({ connectionString: db.url });
    await owner.connect();
    try {
      const [result] = await rotateSecrets(owner, parseKeyring(ring, "test"), { columns: [SECRET_COLUMN] });
      expect(result).toMatchObject({ table: "merchant_api_key", column: "secret_enc", skipped: 0 });
      expect(result!.reEncrypted).toBeGreaterThan(0);
    } finally {
      await owner.end();
    }
    const [row] = await ownerQuery<{ secret_enc: string }>(db.url, `SELECT secret_enc FROM merchant_api_key WHERE id = $1`, [key.id]);
    expect(keyIdOf(row!.secret_enc)).toBe("k2");
    expect((await ping(acme, key)).status).toBe(200);
  });
});
