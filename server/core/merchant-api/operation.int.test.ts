import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { DomainError } from "@/server/core/errors/domain-error";
import { createMerchant } from "@/server/core/merchants/service";
import { withTenantTx } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, useTestKeyring, type TestTenant } from "@/server/testing/fixtures";
import { errorCode, readResult, signedRequest, type ApiResult, type TestApiKey } from "@/server/testing/merchant-api";
import { tenantHost } from "@/server/testing/trpc";
import { created, ok, type ApiRoute } from "./handler";
import { createApiKey } from "./keys";
import { merchantApiOperation } from "./operation";

// The multi-step wrapper (merchantApiOperation) on its own: the operation runs outside any
// transaction with short transactions of its own; the Idempotency-Key is claimed before it and its
// response stored after it.

let db: TestDatabase;
let tenant: TestTenant;
let host: string;
let merchantId: string;
let key: TestApiKey;

beforeAll(async () => {
  db = await createTestDatabase("merchant_api_operation");
  useTestKeyring();
  tenant = await makeTenant("opco");
  host = tenantHost(tenant.slug);
  const made = await withTenantTx(tenant.id, async (tx) => {
    const m = await createMerchant(tx, ownerContext(tenant), merchantInput("Op Noodles"));
    const k = await createApiKey(tx, ownerContext(tenant), { merchantId: m.id });
    return { merchantId: m.id, key: { keyId: k.keyId, secret: k.secret } };
  });
  merchantId = made.merchantId;
  key = made.key;
});

afterAll(async () => {
  await db?.drop();
});

const send = async (route: ApiRoute, body: string, idempotencyKey: string): Promise<ApiResult> =>
  readResult(await route(signedRequest({ host, path: "/api/v1/payments", key, body, idempotencyKey })));

/** An audit row as an observable effect of one step. */
const effect = (tenantId: string, entityId: string) => ({ data: { tenantId, actorKind: "SYSTEM" as const, action: "test.step", entityType: "test", entityId } });

async function effects(entityId: string): Promise<number> {
  const rows = await ownerQuery<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND entity_id = $2`, [tenant.id, entityId]);
  return rows[0]!.n;
}

async function claimRow(idempotencyKey: string) {
  return ownerQuery<{ status: string; response_status: number | null }>(db.url, `SELECT status, response_status FROM api_idempotency WHERE tenant_id = $1 AND key = $2`, [tenant.id, idempotencyKey]);
}

describe("merchantApiOperation", () => {
  it("runs with the key's context in several transactions, outside any; stores the response for a replay", async () => {
    let seen: { actor: unknown; merchantId: string; sameTx: boolean } | undefined;
    const route = merchantApiOperation(async (call) => {
      const first = await call.inTx(async (tx) => {
        await tx.auditLog.create(effect(call.ctx.tenantId, "op-steps"));
        return (await tx.$queryRaw<{ id: bigint }[]>`SELECT txid_current() AS id`)[0]!.id;
      });
      const second = await call.inTx(async (tx) => {
        await tx.auditLog.create(effect(call.ctx.tenantId, "op-steps"));
        return (await tx.$queryRaw<{ id: bigint }[]>`SELECT txid_current() AS id`)[0]!.id;
      });
      seen = { actor: call.ctx.actor, merchantId: call.principal.merchantId, sameTx: first === second };
      return created({ transactions: first === second ? 1 : 2, at: new Date() });
    });
    const r = await send(route, '{"step":1}', "op-steps-1");
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({ transactions: 2 });
    expect(seen).toEqual({ actor: { kind: "SYSTEM", name: `api:${key.keyId}` }, merchantId, sameTx: false });
    expect(await effects("op-steps")).toBe(2);
    const again = await send(route, '{"step":1}', "op-steps-1");
    expect(again.text).toBe(r.text);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await effects("op-steps")).toBe(2);
    expect(await claimRow("op-steps-1")).toEqual([{ status: "COMPLETED", response_status: 201 }]);
  });

  it("10 concurrent duplicates of a slow operation execute once", async () => {
    let executions = 0;
    const route = merchantApiOperation(async (call) => {
      executions += 1;
      await call.inTx((tx) => tx.auditLog.create(effect(call.ctx.tenantId, "op-concurrent")));
      // Between transactions, as a channel call would be.
      await sleep(300);
      return created({ execution: executions });
    });
    const results = await Promise.all(Array.from({ length: 10 }, () => send(route, '{"once":true}', "op-concurrent-1")));
    expect(executions).toBe(1);
    expect(await effects("op-concurrent")).toBe(1);
    const done = results.filter((r) => r.status === 201);
    expect(done.length).toBeGreaterThanOrEqual(1);
    expect(new Set(done.map((r) => r.text)).size).toBe(1);
    for (const r of results.filter((x) => x.status !== 201)) expect(errorCode(r)).toBe("IDEMPOTENCY_KEY_IN_PROGRESS");
    expect((await send(route, '{"once":true}', "op-concurrent-1")).text).toBe(done[0]!.text);
    expect(executions).toBe(1);
  });

  it("a refusal keeps what earlier steps committed, and is stored and replayed; a Zod failure is 400 naming the field", async () => {
    let runs = 0;
    const route = merchantApiOperation(async (call) => {
      runs += 1;
      await call.inTx((tx) => tx.auditLog.create(effect(call.ctx.tenantId, "op-refused")));
      if ((call.body as { kind?: string }).kind === "zod") z.object({ amountMinor: z.number().int() }).parse({ amountMinor: 1.5 });
      throw new DomainError("PRECONDITION", "NO_REGISTRATION", "No registration", { params: { decisionId: "d-1" } });
    });
    const r = await send(route, '{"kind":"domain"}', "op-refused-1");
    expect(r.status).toBe(422);
    expect(r.json).toEqual({ error: { code: "NO_REGISTRATION", message: "No registration", params: { decisionId: "d-1" } } });
    expect(await effects("op-refused")).toBe(1);
    const again = await send(route, '{"kind":"domain"}', "op-refused-1");
    expect(again.text).toBe(r.text);
    expect(runs).toBe(1);
    const zod = await send(route, '{"kind":"zod"}', "op-refused-2");
    expect(zod.status).toBe(400);
    expect(zod.json).toMatchObject({ error: { code: "INVALID_REQUEST", field: "amountMinor" } });
  });

  it("an unexpected failure is 500 without details and releases the claim, so a retry runs again", async () => {
    let runs = 0;
    const route = merchantApiOperation(async (call) => {
      runs += 1;
      await call.inTx((tx) => tx.auditLog.create(effect(call.ctx.tenantId, "op-flaky")));
      if (runs === 1) throw new Error("channel exploded at /srv/secret.ts:1");
      return ok({ runs });
    });
    const first = await send(route, '{"x":1}', "op-flaky-1");
    expect(first.status).toBe(500);
    expect(errorCode(first)).toBe("INTERNAL");
    expect(first.text).not.toContain("exploded");
    expect(await claimRow("op-flaky-1")).toEqual([]);
    const second = await send(route, '{"x":1}', "op-flaky-1");
    expect(second.status).toBe(200);
    expect(second.json).toEqual({ runs: 2 });
    // Both runs' committed steps stay: the operation's own guard (for payments, the merchant
    // order number) is what keeps a retry from doing the effect twice.
    expect(await effects("op-flaky")).toBe(2);
  });

  it("once the operation has succeeded its response is answered even if the claim was taken over meanwhile (not stored)", async () => {
    const route = merchantApiOperation(async (call) => {
      await call.inTx((tx) => tx.auditLog.create(effect(call.ctx.tenantId, "op-hijack")));
      await ownerQuery(db.url, `UPDATE api_idempotency SET claim_token = gen_random_uuid() WHERE tenant_id = $1 AND key = 'op-hijack-1'`, [tenant.id]);
      return created({ done: true });
    });
    const r = await send(route, '{"x":1}', "op-hijack-1");
    expect(r.status, r.text).toBe(201);
    expect(r.json).toEqual({ done: true });
    expect(await effects("op-hijack")).toBe(1);
    expect(await claimRow("op-hijack-1")).toEqual([{ status: "IN_PROGRESS", response_status: null }]);
  });

  it("a GET claims nothing and passes the route's params", async () => {
    const route = merchantApiOperation(async (call) => ok({ params: call.params, q: call.query.get("q") }));
    const r = await readResult(await route(signedRequest({ host, path: "/api/v1/payments/abc?q=1", key }), { params: Promise.resolve({ id: "abc" }) }));
    expect(r.status, r.text).toBe(200);
    expect(r.json).toEqual({ params: { id: "abc" }, q: "1" });
  });
});
