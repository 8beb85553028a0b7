import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { connectorFor } from "@/server/channels/registry";
import { defaultProducts } from "@/server/core/channels/provision";
import { DomainError } from "@/server/core/errors/domain-error";
import { NONCE_KEPT_PAST_WINDOW_SECONDS } from "@/server/core/merchant-api/auth";
import { merchantApiRoute, ok } from "@/server/core/merchant-api/handler";
import { IDEMPOTENCY_LEASE_SECONDS, requestHash } from "@/server/core/merchant-api/idempotency";
import { createApiKey, revokeApiKey } from "@/server/core/merchant-api/keys";
import { archiveMerchant, createMerchant, createStore } from "@/server/core/merchants/service";
import { withTenantTx } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, useTestKeyring, type TestTenant } from "@/server/testing/fixtures";
import { errorCode, newNonce, readResult, signedRequest, type ApiResult, type SignedRequestOptions, type TestApiKey } from "@/server/testing/merchant-api";
import { tenantHost } from "@/server/testing/trpc";
import { POST as echoPOST } from "./echo/route";
import { GET as openapiGET } from "./openapi.json/route";
import { GET as pingGET } from "./ping/route";
import { GET as productsGET } from "./products/route";

// The merchant API through its Next.js route handlers, called directly with signed `Request`s and a
// Host header, against a real PostgreSQL database as the app role (RLS in force).

let db: TestDatabase;

interface Side {
  tenant: TestTenant;
  host: string;
  merchantId: string;
  storeId: string;
  key: TestApiKey & { id: string };
}

let a: Side;
let b: Side;
/** A second merchant of A, with its own key and store. */
let a2: Side;

async function addMerchant(tenant: TestTenant, name: string): Promise<Side> {
  const ctx = ownerContext(tenant);
  return withTenantTx(tenant.id, async (tx) => {
    const m = await createMerchant(tx, ctx, merchantInput(name));
    const s = await createStore(tx, ctx, { merchantId: m.id, name: `${name} store`, address: "1 Test Road" });
    const k = await createApiKey(tx, ctx, { merchantId: m.id, label: "test" });
    return { tenant, host: tenantHost(tenant.slug), merchantId: m.id, storeId: s.id, key: { id: k.id, keyId: k.keyId, secret: k.secret } };
  });
}

beforeAll(async () => {
  db = await createTestDatabase("merchant_api_routes");
  useTestKeyring();
  a = await addMerchant(await makeTenant("acme"), "Acme Noodles");
  b = await addMerchant(await makeTenant("beta"), "Beta Tea");
  a2 = await addMerchant(a.tenant, "Acme Bakery");
});

afterAll(async () => {
  await db?.drop();
});

afterEach(() => {
  vi.useRealTimers();
});

type Route = (req: Request) => Promise<Response>;

async function call(route: Route, o: SignedRequestOptions): Promise<ApiResult> {
  return readResult(await route(signedRequest(o)));
}

const ping = (side: Side, extra: Partial<SignedRequestOptions> = {}) => call(pingGET, { host: side.host, path: "/api/v1/ping", key: side.key, ...extra });
const echo = (side: Side, body: string, idempotencyKey: string | undefined, extra: Partial<SignedRequestOptions> = {}) =>
  call(echoPOST, { host: side.host, path: "/api/v1/echo", key: side.key, body, ...(idempotencyKey !== undefined ? { idempotencyKey } : {}), ...extra });

/** A 4xx error with exactly { error: { code, message[, field][, params] } } and nothing that looks like a stack. */
function expectError(r: ApiResult, status: number, code: string): void {
  expect({ status: r.status, code: errorCode(r) }, r.text).toEqual({ status, code });
  const error = (r.json as { error: Record<string, unknown> }).error;
  expect(Object.keys(r.json as object)).toEqual(["error"]);
  expect(typeof error.message).toBe("string");
  expect(Object.keys(error).filter((k) => !["code", "message", "field", "params"].includes(k))).toEqual([]);
  expect(r.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
  expect(r.headers.get("content-type")).toBe("application/json; charset=utf-8");
}

async function nonceCount(side: Side): Promise<number> {
  const rows = await ownerQuery<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM api_nonce WHERE tenant_id = $1`, [side.tenant.id]);
  return rows[0]!.n;
}

describe("authentication", () => {
  it("a good signature: 200 with the key's merchant and key id; the nonce is kept and the key marked used", async () => {
    const before = await nonceCount(a);
    const r = await ping(a);
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ merchantId: a.merchantId, keyId: a.key.keyId });
    expect(Math.abs(Date.parse((r.json as { serverTime: string }).serverTime) - Date.now())).toBeLessThan(60_000);
    expect(r.headers.get("x-request-id")).toBeTruthy();
    expect(await nonceCount(a)).toBe(before + 1);
    const [row] = await ownerQuery<{ last_used_at: Date | null }>(db.url, `SELECT last_used_at FROM merchant_api_key WHERE id = $1`, [a.key.id]);
    expect(row!.last_used_at).not.toBeNull();
  });

  it("a request signed as the README shows, with node:crypto alone, is accepted (GET and POST)", async () => {
    const send = async (route: Route, method: "GET" | "POST", pathWithQuery: string, text: string) => {
      const timestamp = Math.floor(Date.now() / 1000).toString();
      const nonce = randomBytes(16).toString("hex");
      const signature = createHmac("sha256", a.key.secret).update(`${method}\n${pathWithQuery}\n${timestamp}\n${nonce}\n${text}\n`, "utf8").digest("base64");
      const headers: Record<string, string> = { host: a.host, authorization: `SWY1-HMAC-SHA256 keyId=${a.key.keyId},timestamp=${timestamp},nonce=${nonce},signature=${signature}` };
      if (method === "POST") Object.assign(headers, { "content-type": "application/json", "idempotency-key": randomUUID() });
      return readResult(await route(new Request(`http://127.0.0.1:3000${pathWithQuery}`, { method, headers, ...(method === "POST" ? { body: text } : {}) })));
    };
    expect((await send(productsGET, "GET", "/api/v1/products?orderType=CONSUMPTION&amountMinor=1000", "")).status).toBe(200);
    const posted = await send(echoPOST, "POST", "/api/v1/echo", JSON.stringify({ message: "你好", amountMinor: 1000 }));
    expect(posted.status, posted.text).toBe(200);
    expect(posted.json).toMatchObject({ message: "你好", amountMinor: 1000 });
  });

  it("the request id is taken from X-Request-Id when sent", async () => {
    const r = await ping(a, { headers: { "x-request-id": "req-123" } });
    expect(r.headers.get("x-request-id")).toBe("req-123");
  });

  it("AUTH_HEADER_MISSING and AUTH_HEADER_MALFORMED", async () => {
    expectError(await ping(a, { authorization: null }), 401, "AUTH_HEADER_MISSING");
    expectError(await ping(a, { authorization: "Bearer abc" }), 401, "AUTH_HEADER_MALFORMED");
    expectError(await ping(a, { authorization: `SWY1-HMAC-SHA256 keyId=${a.key.keyId},timestamp=1,nonce=${newNonce()}` }), 401, "AUTH_HEADER_MALFORMED");
  });

  it("KEY_UNKNOWN for a key id never issued", async () => {
    expectError(await ping(a, { key: { keyId: "ak_000000000000000000000000", secret: a.key.secret } }), 401, "KEY_UNKNOWN");
  });

  it("SIGNATURE_INVALID for a wrong secret, a changed path or a changed body; nothing is consumed", async () => {
    const before = await nonceCount(a);
    expectError(await ping(a, { key: { keyId: a.key.keyId, secret: `${a.key.secret}x` } }), 401, "SIGNATURE_INVALID");
    // Signed for one path, sent to another.
    const signedForProducts = signedRequest({ host: a.host, path: "/api/v1/products?orderType=CONSUMPTION&amountMinor=1", key: a.key });
    const moved = new Request("http://127.0.0.1:3000/api/v1/ping", { headers: signedForProducts.headers });
    expectError(await readResult(await pingGET(moved)), 401, "SIGNATURE_INVALID");
    // Signed for one body, sent with another.
    const signed = signedRequest({ host: a.host, path: "/api/v1/echo", key: a.key, body: '{"message":"a"}', idempotencyKey: "sig-body" });
    const tampered = new Request(signed.url, { method: "POST", headers: signed.headers, body: '{"message":"b"}' });
    expectError(await readResult(await echoPOST(tampered)), 401, "SIGNATURE_INVALID");
    // Another merchant's secret under this key id.
    expectError(await ping(a, { key: { keyId: a.key.keyId, secret: a2.key.secret } }), 401, "SIGNATURE_INVALID");
    expect(await nonceCount(a)).toBe(before);
  });

  it("NONCE_REUSED: the same request twice, or a new request with a used nonce", async () => {
    const nonce = newNonce();
    const timestamp = Math.floor(Date.now() / 1000);
    expect((await ping(a, { nonce, timestamp })).status).toBe(200);
    expectError(await ping(a, { nonce, timestamp }), 401, "NONCE_REUSED");
    expectError(await ping(a, { nonce, timestamp: timestamp - 1 }), 401, "NONCE_REUSED");
    // Nonces are per key: another key may use the same one.
    expect((await ping(a2, { nonce, timestamp })).status).toBe(200);
  });

  it("TIMESTAMP_OUT_OF_WINDOW beyond ±300 s; exactly ±300 s is accepted", async () => {
    const now = Math.floor(Date.now() / 1000) * 1000;
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(now);
    const t = now / 1000;
    expect((await ping(a, { timestamp: t - 300 })).status).toBe(200);
    expect((await ping(a, { timestamp: t + 300 })).status).toBe(200);
    const late = await ping(a, { timestamp: t - 301 });
    expectError(late, 401, "TIMESTAMP_OUT_OF_WINDOW");
    expect((late.json as { error: { params: { serverTime: number } } }).error.params.serverTime).toBe(t);
    expectError(await ping(a, { timestamp: t + 301 }), 401, "TIMESTAMP_OUT_OF_WINDOW");
    // Milliseconds instead of seconds: the message says so.
    const millis = await ping(a, { timestamp: now });
    expectError(millis, 401, "AUTH_HEADER_MALFORMED");
    expect(millis.text).toContain("whole seconds");
  });

  it("a nonce is kept past the moment its timestamp leaves the window", async () => {
    const nonce = newNonce();
    const t = Math.floor(Date.now() / 1000) + 200;
    expect((await ping(a, { nonce, timestamp: t })).status).toBe(200);
    const [row] = await ownerQuery<{ expires_at: Date }>(db.url, `SELECT expires_at FROM api_nonce WHERE tenant_id = $1 AND nonce = $2`, [a.tenant.id, nonce]);
    expect(row!.expires_at.getTime()).toBe((t + 300 + NONCE_KEPT_PAST_WINDOW_SECONDS) * 1000);
  });

  it("KEY_REVOKED once revoked (but SIGNATURE_INVALID to whoever lacks the secret); another active key keeps working", async () => {
    const { revoked, spare } = await withTenantTx(a.tenant.id, async (tx) => {
      const ctx = ownerContext(a.tenant);
      const k = await createApiKey(tx, ctx, { merchantId: a.merchantId, label: "to revoke" });
      const spare = await createApiKey(tx, ctx, { merchantId: a.merchantId, label: "rotation" });
      return { revoked: k, spare };
    });
    const key = { keyId: revoked.keyId, secret: revoked.secret };
    expect((await ping(a, { key })).status).toBe(200);
    await withTenantTx(a.tenant.id, (tx) => revokeApiKey(tx, ownerContext(a.tenant), { id: revoked.id }));
    expectError(await ping(a, { key }), 401, "KEY_REVOKED");
    expectError(await ping(a, { key: { ...key, secret: spare.secret } }), 401, "SIGNATURE_INVALID");
    const r = await ping(a, { key: { keyId: spare.keyId, secret: spare.secret } });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ keyId: spare.keyId, merchantId: a.merchantId });
  });

  it("a key of tenant A on tenant B's host is KEY_UNKNOWN, and nothing of A's is touched", async () => {
    const [before] = await ownerQuery(db.url, `SELECT last_used_at FROM merchant_api_key WHERE id = $1`, [a.key.id]);
    const nonces = await nonceCount(a);
    expectError(await ping(a, { host: b.host }), 401, "KEY_UNKNOWN");
    expectError(await echo(a, '{"message":"x"}', "cross-tenant", { host: b.host }), 401, "KEY_UNKNOWN");
    expect(await ownerQuery(db.url, `SELECT last_used_at FROM merchant_api_key WHERE id = $1`, [a.key.id])).toEqual([before]);
    expect(await nonceCount(a)).toBe(nonces);
    expect(await ownerQuery(db.url, `SELECT key FROM api_idempotency WHERE key = 'cross-tenant'`)).toEqual([]);
    // Control: B's own key on B's host.
    expect((await ping(b)).json).toMatchObject({ merchantId: b.merchantId });
  });

  it("a host that names no tenant is 404 UNKNOWN_TENANT", async () => {
    expectError(await ping(a, { host: "localhost:3000" }), 404, "UNKNOWN_TENANT");
    expectError(await ping(a, { host: tenantHost("nobody") }), 404, "UNKNOWN_TENANT");
  });

  it("a suspended tenant is 403 TENANT_SUSPENDED; an archived merchant's key is 403 MERCHANT_NOT_ACTIVE", async () => {
    const c = await addMerchant(await makeTenant("gamma"), "Gamma Shop");
    expect((await ping(c)).status).toBe(200);
    await withTenantTx(c.tenant.id, (tx) => archiveMerchant(tx, ownerContext(c.tenant), c.merchantId));
    expectError(await ping(c), 403, "MERCHANT_NOT_ACTIVE");
    await ownerQuery(db.url, `UPDATE tenant SET status = 'SUSPENDED' WHERE id = $1`, [c.tenant.id]);
    expectError(await ping(c), 403, "TENANT_SUSPENDED");
  });
});

describe("Idempotency-Key on POST", () => {
  it("is required: 400 IDEMPOTENCY_KEY_MISSING (or _INVALID), and the nonce is spent all the same", async () => {
    const nonce = newNonce();
    expectError(await echo(a, '{"message":"hi"}', undefined, { nonce }), 400, "IDEMPOTENCY_KEY_MISSING");
    // The captured request cannot be replayed with a key added.
    expectError(await echo(a, '{"message":"hi"}', "added-later", { nonce }), 401, "NONCE_REUSED");
    expectError(await echo(a, '{"message":"hi"}', "has space"), 400, "IDEMPOTENCY_KEY_INVALID");
    expectError(await echo(a, '{"message":"hi"}', "k".repeat(256)), 400, "IDEMPOTENCY_KEY_INVALID");
  });

  it("same key, same body: the first response again, byte for byte, marked as a replay", async () => {
    const body = '{"message":"pay me","amountMinor":9007199254740991}';
    const first = await echo(a, body, "replay-1");
    expect(first.status, first.text).toBe(200);
    expect(first.text).toContain('"amountMinor":9007199254740991');
    expect(first.json).toMatchObject({ merchantId: a.merchantId, keyId: a.key.keyId, message: "pay me" });
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const again = await echo(a, body, "replay-1");
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    // A different key of the same merchant (rotation) replays it too: keys are per merchant.
    const rotated = await withTenantTx(a.tenant.id, (tx) => createApiKey(tx, ownerContext(a.tenant), { merchantId: a.merchantId }));
    const viaOther = await echo(a, body, "replay-1", { key: { keyId: rotated.keyId, secret: rotated.secret } });
    expect(viaOther.text).toBe(first.text);
    // The same Idempotency-Key at another merchant is that merchant's own.
    const other = await echo(a2, body, "replay-1");
    expect(other.status).toBe(200);
    expect((other.json as { echoId: string }).echoId).not.toBe((first.json as { echoId: string }).echoId);
  });

  it("same key, different body or path: 409 IDEMPOTENCY_KEY_REUSED", async () => {
    expect((await echo(a, '{"message":"one"}', "reuse-1")).status).toBe(200);
    expectError(await echo(a, '{"message":"two"}', "reuse-1"), 409, "IDEMPOTENCY_KEY_REUSED");
    expectError(await echo(a, '{"message":"one"} ', "reuse-1"), 409, "IDEMPOTENCY_KEY_REUSED");
    expectError(await echo(a, '{"message":"one"}', "reuse-1", { path: "/api/v1/echo?x=1" }), 409, "IDEMPOTENCY_KEY_REUSED");
  });

  it("a handler's refusal is stored and replayed too (400 naming the field)", async () => {
    const first = await echo(a, '{"amountMinor":1.5}', "bad-1");
    expectError(first, 400, "INVALID_REQUEST");
    expect((first.json as { error: { field: string } }).error.field).toBe("message");
    const again = await echo(a, '{"amountMinor":1.5}', "bad-1");
    expect(again.text).toBe(first.text);
    expect(again.status).toBe(400);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const fractional = await echo(a, '{"message":"x","amountMinor":1.5}', "bad-2");
    expectError(fractional, 400, "INVALID_REQUEST");
    expect((fractional.json as { error: { field: string } }).error.field).toBe("amountMinor");
    expectError(await echo(a, '{"message":"x","extra":1}', "bad-3"), 400, "INVALID_REQUEST");
  });

  it("a body that is not JSON is 400 BODY_INVALID_JSON and claims nothing", async () => {
    expectError(await echo(a, "{not json", "json-1"), 400, "BODY_INVALID_JSON");
    expect(await ownerQuery(db.url, `SELECT key FROM api_idempotency WHERE key = 'json-1'`)).toEqual([]);
  });

  it("20 concurrent identical POSTs execute once; the others get the same response or 409 IN_PROGRESS", async () => {
    let executions = 0;
    const slow = merchantApiRoute(async (call) => {
      executions += 1;
      // Hold the transaction open so the duplicates arrive while it runs.
      await call.tx.$executeRaw`SELECT pg_sleep(0.3)`;
      return ok({ execution: executions, merchantId: call.principal.merchantId });
    });
    const send = () => call(slow, { host: a.host, path: "/api/v1/echo", key: a.key, body: '{"message":"once"}', idempotencyKey: "concurrent-1" });
    const results = await Promise.all(Array.from({ length: 20 }, send));
    expect(executions).toBe(1);
    const succeeded = results.filter((r) => r.status === 200);
    const busy = results.filter((r) => r.status === 409);
    expect(succeeded.length + busy.length, results.map((r) => r.text).join("\n")).toBe(20);
    expect(succeeded.length).toBeGreaterThanOrEqual(1);
    expect(new Set(succeeded.map((r) => r.text)).size).toBe(1);
    for (const r of busy) expectError(r, 409, "IDEMPOTENCY_KEY_IN_PROGRESS");
    // Afterwards every retry gets the stored response.
    const later = await send();
    expect(later.text).toBe(succeeded[0]!.text);
    expect(executions).toBe(1);
  });

  it("20 concurrent identical POSTs to /api/v1/echo: one echoId among all responses", async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => echo(a, '{"message":"concurrent echo"}', "concurrent-2")));
    const ok200 = results.filter((r) => r.status === 200);
    expect(ok200.length + results.filter((r) => errorCode(r) === "IDEMPOTENCY_KEY_IN_PROGRESS").length).toBe(20);
    expect(new Set(ok200.map((r) => (r.json as { echoId: string }).echoId)).size).toBe(1);
    const rows = await ownerQuery(db.url, `SELECT status FROM api_idempotency WHERE tenant_id = $1 AND key = 'concurrent-2'`, [a.tenant.id]);
    expect(rows).toEqual([{ status: "COMPLETED" }]);
  });

  it("a claim abandoned longer than the lease (a crashed process) is taken over and run", async () => {
    const body = '{"message":"after a crash"}';
    const hash = requestHash("POST", "/api/v1/echo", new TextEncoder().encode(body));
    const insert = (key: string, age: string) =>
      ownerQuery(
        db.url,
        `INSERT INTO api_idempotency (tenant_id, merchant_id, key, request_hash, claim_token, api_key_id, claimed_at)
         VALUES ($1, $2, $3, $4, gen_random_uuid(), $5, now() - $6::interval)`,
        [a.tenant.id, a.merchantId, key, hash, a.key.id, age],
      );
    await insert("crashed-1", `${IDEMPOTENCY_LEASE_SECONDS + 5} seconds`);
    await insert("running-1", "10 seconds");
    const r = await echo(a, body, "crashed-1");
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ message: "after a crash" });
    expect((await echo(a, body, "crashed-1")).text).toBe(r.text);
    expectError(await echo(a, body, "running-1"), 409, "IDEMPOTENCY_KEY_IN_PROGRESS");
  });

  it("a handler whose claim was taken over meanwhile is rolled back and answers 409 IN_PROGRESS", async () => {
    const hijacked = merchantApiRoute(async (c) => {
      await c.tx.auditLog.create({ data: { tenantId: c.ctx.tenantId, actorKind: "SYSTEM", action: "test.effect", entityType: "test", entityId: "hijack" } });
      // Another process took the claim over (as after the lease) while this one ran.
      await ownerQuery(db.url, `UPDATE api_idempotency SET claim_token = gen_random_uuid() WHERE tenant_id = $1 AND key = 'hijack-1'`, [a.tenant.id]);
      return ok({ done: true });
    });
    const r = await call(hijacked, { host: a.host, path: "/api/v1/echo", key: a.key, body: '{"message":"x"}', idempotencyKey: "hijack-1" });
    expectError(r, 409, "IDEMPOTENCY_KEY_IN_PROGRESS");
    expect(await ownerQuery(db.url, `SELECT id FROM audit_log WHERE tenant_id = $1 AND entity_id = 'hijack'`, [a.tenant.id])).toEqual([]);
    expect(await ownerQuery(db.url, `SELECT status FROM api_idempotency WHERE tenant_id = $1 AND key = 'hijack-1'`, [a.tenant.id])).toEqual([{ status: "IN_PROGRESS" }]);
  });

  it("an unexpected failure is 500 INTERNAL without details, and releases the key so a retry runs", async () => {
    let calls = 0;
    const flaky = merchantApiRoute(async (call) => {
      calls += 1;
      await call.tx.$executeRaw`SELECT 1`;
      if (calls === 1) throw new Error("database exploded at /srv/secret/path.ts:12");
      return ok({ calls });
    });
    const send = () => call(flaky, { host: a.host, path: "/api/v1/echo", key: a.key, body: '{"message":"flaky"}', idempotencyKey: "flaky-1" });
    const first = await send();
    expect(first.status).toBe(500);
    expect(errorCode(first)).toBe("INTERNAL");
    expect(first.text).not.toContain("exploded");
    expect(first.text).not.toContain("/srv/secret");
    const second = await send();
    expect(second.status).toBe(200);
    expect(second.json).toEqual({ calls: 2 });
  });

  it("a handler's domain errors map to 404 / 409 / 422 with their codes", async () => {
    const errors: Record<string, DomainError> = {
      "err-404": new DomainError("NOT_FOUND", "PAYMENT_NOT_FOUND", "No such payment"),
      "err-409": new DomainError("CONFLICT", "MERCHANT_ORDER_NO_TAKEN", "Duplicate order number", { field: "merchantOrderNo" }),
      "err-422": new DomainError("PRECONDITION", "NOT_AVAILABLE_IN_DIRECT_MODE", "Wallets need a custodial provider"),
    };
    const failing = merchantApiRoute(async (c) => {
      throw errors[(c.body as { message: string }).message]!;
    });
    for (const [message, e] of Object.entries(errors)) {
      const r = await call(failing, { host: a.host, path: "/api/v1/echo", key: a.key, body: JSON.stringify({ message }), idempotencyKey: message });
      expectError(r, Number(message.slice(4)), e.code);
      if (e.field) expect((r.json as { error: { field: string } }).error.field).toBe(e.field);
    }
  });
});

describe("GET /api/v1/products", () => {
  const path = (q: string) => `/api/v1/products?${q}`;
  const products = (side: Side, q: string, extra: Partial<SignedRequestOptions> = {}) => call(productsGET, { host: side.host, path: path(q), key: side.key, ...extra });
  type Items = { items: Array<{ product: string; name: string; names: { en: string; "zh-CN": string }; requiredElements: string[] }> };

  it("returns the sandbox-routable products with their elements for a provisioned tenant", async () => {
    const r = await products(a, "orderType=CONSUMPTION&amountMinor=1000");
    expect(r.status, r.text).toBe(200);
    const sandbox = connectorFor("SANDBOX");
    const expected = defaultProducts("DIRECT")
      .filter((p) => p.orderType === "CONSUMPTION" && sandbox.attributes.products.includes(p.product))
      .map((p) => ({ product: p.product, requiredElements: [...(sandbox.attributes.elements[p.product] ?? [])] }));
    expect(expected.length).toBe(6);
    const items = (r.json as Items).items;
    expect(items.map((i) => ({ product: i.product, requiredElements: [...i.requiredElements].sort() }))).toEqual(
      expected.map((e) => ({ ...e, requiredElements: [...e.requiredElements].sort() })),
    );
    const face = items.find((i) => i.product === "WECHAT_FACE")!;
    expect(face.names).toEqual({ en: "WeChat face pay", "zh-CN": "微信刷脸" });
    // The tenant's default language is English (fixtures); Accept-Language picks another.
    expect(face.name).toBe("WeChat face pay");
    const zh = await products(a, "orderType=CONSUMPTION&amountMinor=1000", { headers: { "accept-language": "zh-CN,zh;q=0.9,en;q=0.8" } });
    expect((zh.json as Items).items.find((i) => i.product === "WECHAT_FACE")!.name).toBe("微信刷脸");
  });

  it("offers nothing for an order type the tenant does not sell (RECHARGE in DIRECT mode)", async () => {
    const r = await products(a, "orderType=RECHARGE&amountMinor=1000");
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ items: [] });
  });

  it("takes one of the merchant's own stores; another merchant's store is 404 STORE_NOT_FOUND", async () => {
    expect((await products(a, `orderType=CONSUMPTION&amountMinor=1000&storeId=${a.storeId}`)).status).toBe(200);
    expect((await products(a, `orderType=CONSUMPTION&amountMinor=1000&storeId=`)).status).toBe(200);
    for (const storeId of [a2.storeId, b.storeId]) {
      const r = await products(a, `orderType=CONSUMPTION&amountMinor=1000&storeId=${storeId}`);
      expectError(r, 404, "STORE_NOT_FOUND");
      expect(r.text).not.toContain(storeId);
    }
  });

  it("400 naming the field for a bad or missing parameter", async () => {
    for (const [q, field] of [
      ["amountMinor=1000", "orderType"],
      ["orderType=REFUND&amountMinor=1000", "orderType"],
      ["orderType=CONSUMPTION", "amountMinor"],
      ["orderType=CONSUMPTION&amountMinor=-5", "amountMinor"],
      ["orderType=CONSUMPTION&amountMinor=0", "amountMinor"],
      ["orderType=CONSUMPTION&amountMinor=10.5", "amountMinor"],
      ["orderType=CONSUMPTION&amountMinor=1000&storeId=nope", "storeId"],
    ] as const) {
      const r = await products(a, q);
      expectError(r, 400, "INVALID_REQUEST");
      expect((r.json as { error: { field: string } }).error.field, q).toBe(field);
    }
  });

  it("is signed over the query string: the same signature with another amount is refused", async () => {
    const signed = signedRequest({ host: a.host, path: path("orderType=CONSUMPTION&amountMinor=1000"), key: a.key });
    const changed = new Request(`http://127.0.0.1:3000${path("orderType=CONSUMPTION&amountMinor=999999")}`, { headers: signed.headers });
    expectError(await readResult(await productsGET(changed)), 401, "SIGNATURE_INVALID");
  });
});

describe("GET /api/v1/openapi.json", () => {
  it("is public JSON describing the API", async () => {
    const r = await readResult(await openapiGET());
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ openapi: "3.1.0", paths: { "/api/v1/ping": { get: {} } } });
  });
});
