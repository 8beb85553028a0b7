import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHold, lockAhead, postEntry } from "@/server/core/ledger/service";
import { accounts, merchantSettle, payoutHold } from "@/server/core/ledger/templates";
import { createApiKey } from "@/server/core/merchant-api/keys";
import { createMerchant } from "@/server/core/merchants/service";
import { withTenantTx } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, useTestKeyring, type TestTenant } from "@/server/testing/fixtures";
import { errorCode, readResult, signedRequest, type ApiResult, type TestApiKey } from "@/server/testing/merchant-api";
import { tenantHost } from "@/server/testing/trpc";
import { GET as refundsOfPaymentGET, POST as refundPOST } from "../payments/[id]/refunds/route";
import { POST as paymentsPOST } from "../payments/route";
import { GET as refundGET } from "./[id]/route";

// The refunds of the merchant API through their route handlers with signed requests, on the
// sandbox channel (refund amounts: …01 declined, …02 processing until the first query, else
// succeeded at once), as the app role with RLS in force.

process.env.DATABASE_POOL_SIZE = "20";
let db: TestDatabase;

interface Side {
  tenant: TestTenant;
  host: string;
  merchantId: string;
  key: TestApiKey;
}
let a: Side;
let a2: Side;
let b: Side;

async function addMerchant(tenant: TestTenant, name: string): Promise<Side> {
  const ctx = ownerContext(tenant);
  return withTenantTx(tenant.id, async (tx) => {
    const m = await createMerchant(tx, ctx, merchantInput(name));
    const k = await createApiKey(tx, ctx, { merchantId: m.id, label: "test" });
    return { tenant, host: tenantHost(tenant.slug), merchantId: m.id, key: { keyId: k.keyId, secret: k.secret } };
  });
}

beforeAll(async () => {
  db = await createTestDatabase("api_refunds");
  useTestKeyring();
  a = await addMerchant(await makeTenant("acme"), "Acme Noodles");
  a2 = await addMerchant(a.tenant, "Acme Bakery");
  b = await addMerchant(await makeTenant("beta"), "Beta Tea");
});
afterAll(async () => db?.drop());

let n = 0;
async function paid(side: Side, amountMinor: number): Promise<string> {
  n += 1;
  const body = JSON.stringify({ merchantOrderNo: `ORD-${Date.now()}-${n}`, amountMinor, product: "WECHAT_FACE", elements: { faceCode: "FACE-1" }, deviceId: "DEV-1", subject: "Lunch" });
  const r = await readResult(await paymentsPOST(signedRequest({ host: side.host, path: "/api/v1/payments", key: side.key, body, idempotencyKey: `pay-${n}-${Date.now()}` })));
  expect(r.status, r.text).toBe(201);
  return (r.json as { id: string }).id;
}

const ctxOf = (id: string) => ({ params: Promise.resolve({ id }) });
async function refund(side: Side, paymentId: string, body: Record<string, unknown> | string, idempotencyKey: string): Promise<ApiResult> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return await readResult(await refundPOST(signedRequest({ host: side.host, path: `/api/v1/payments/${paymentId}/refunds`, key: side.key, body: text, idempotencyKey }), ctxOf(paymentId)));
}
async function getRefund(side: Side, id: string): Promise<ApiResult> {
  return await readResult(await refundGET(signedRequest({ host: side.host, path: `/api/v1/refunds/${id}`, key: side.key }), ctxOf(id)));
}

interface RefundJson {
  id: string;
  paymentId: string;
  status: string;
  amountMinor: number;
  feeReturnedMinor: number;
  failure?: { code: string };
  [k: string]: unknown;
}

describe("POST /api/v1/payments/{id}/refunds", () => {
  it("201 with the refund; partial refunds add up to the payment and no further; the same key replays, a reused refund number is 409", async () => {
    const paymentId = await paid(a, 10_000);
    const r1 = await refund(a, paymentId, { merchantRefundNo: "RF-1", amountMinor: 4_000, reason: "one item returned" }, "rf-1");
    expect(r1.status, r1.text).toBe(201);
    expect(r1.json).toMatchObject({ paymentId, merchantRefundNo: "RF-1", status: "SUCCEEDED", amountMinor: 4_000, currency: "CNY", feeReturnedMinor: 15 });
    for (const hidden of ["costReturnedMinor", "marginClawbackMinor", "outRefundNo", "holdId"]) expect(r1.json, hidden).not.toHaveProperty(hidden);
    const replay = await refund(a, paymentId, { merchantRefundNo: "RF-1", amountMinor: 4_000, reason: "one item returned" }, "rf-1");
    expect(replay.text).toBe(r1.text);
    const again = await refund(a, paymentId, { merchantRefundNo: "RF-1", amountMinor: 100, reason: "again" }, "rf-1b");
    expect({ status: again.status, code: errorCode(again) }).toEqual({ status: 409, code: "MERCHANT_REFUND_NO_TAKEN" });
    const over = await refund(a, paymentId, { merchantRefundNo: "RF-2", amountMinor: 6_001, reason: "too much" }, "rf-2");
    expect({ status: over.status, code: errorCode(over) }).toEqual({ status: 422, code: "REFUND_EXCEEDS_CAPTURED" });
    expect((over.json as { error: { params?: Record<string, string> } }).error.params?.refundableMinor).toBe("6000");
    const rest = await refund(a, paymentId, { merchantRefundNo: "RF-3", amountMinor: 6_000, reason: "the rest" }, "rf-3");
    // The last refund returns what is left of the fee: 38 − 15.
    expect(rest.json).toMatchObject({ status: "SUCCEEDED", feeReturnedMinor: 23 });
    const list = await readResult(await refundsOfPaymentGET(signedRequest({ host: a.host, path: `/api/v1/payments/${paymentId}/refunds`, key: a.key }), ctxOf(paymentId)));
    expect((list.json as { items: RefundJson[] }).items.map((x) => x.merchantRefundNo)).toEqual(["RF-1", "RF-3"]);
  });

  it("400 names the field; 404 for another merchant's or tenant's payment; nothing is created by a refusal", async () => {
    const paymentId = await paid(a, 5_000);
    const bad = await refund(a, paymentId, { merchantRefundNo: "RF-X", amountMinor: "100", reason: "x" }, "bad-1");
    expect({ status: bad.status, code: errorCode(bad) }).toEqual({ status: 400, code: "INVALID_REQUEST" });
    expect((bad.json as { error: { field?: string } }).error.field).toBe("amountMinor");
    const extra = await refund(a, paymentId, { merchantRefundNo: "RF-X", amountMinor: 100, reason: "x", paymentId }, "bad-2");
    expect(extra.status).toBe(400);
    for (const side of [a2, b]) {
      const r = await refund(side, paymentId, { merchantRefundNo: "RF-Y", amountMinor: 100, reason: "not mine" }, `other-${side.host}`);
      expect({ status: r.status, code: errorCode(r) }).toEqual({ status: 404, code: "PAYMENT_NOT_FOUND" });
    }
    const rows = await ownerQuery<{ n: string }>(db.url, `SELECT count(*)::text AS n FROM refund WHERE payment_id = $1`, [paymentId]);
    expect(rows[0]!.n).toBe("0");
  });

  it("a processing refund is PROCESSING at first; GET asks the channel once its query is due; a declined one is 201 FAILED with the channel's reason", async () => {
    const paymentId = await paid(a, 10_000);
    const slow = await refund(a, paymentId, { merchantRefundNo: "RF-SLOW", amountMinor: 3_002, reason: "slow" }, "slow-1");
    expect(slow.json).toMatchObject({ status: "PROCESSING" });
    const id = (slow.json as RefundJson).id;
    await ownerQuery(db.url, `UPDATE refund SET next_query_at = now() - interval '1 second' WHERE id = $1`, [id]);
    const got = await getRefund(a, id);
    expect(got.json).toMatchObject({ id, status: "SUCCEEDED" });
    const declined = await refund(a, paymentId, { merchantRefundNo: "RF-NO", amountMinor: 1_001, reason: "declined" }, "no-1");
    expect(declined.status).toBe(201);
    expect(declined.json).toMatchObject({ status: "FAILED", failure: { code: "SANDBOX_REFUND_DECLINED" } });
    const hidden = await getRefund(b, id);
    expect({ status: hidden.status, code: errorCode(hidden) }).toEqual({ status: 404, code: "REFUND_NOT_FOUND" });
  });

  it("422 INSUFFICIENT_MERCHANT_BALANCE when a custodial provider's refusing policy meets a payable that cannot cover the refund; nothing is created", async () => {
    const c = await addMerchant(await makeTenant("gamma", { mode: "CUSTODIAL", licence: "Z-GAMMA" }), "Gamma Noodles");
    await ownerQuery(db.url, `UPDATE tenant SET refund_shortfall_policy = 'REFUSE' WHERE id = $1`, [c.tenant.id]);
    const paymentId = await paid(c, 10_000);
    // The merchant was settled (10,000 less the 38 fee) and all of it is on its way out in a payout.
    const [row] = await ownerQuery<{ business_date: string }>(db.url, `SELECT business_date::text FROM payment WHERE id = $1`, [paymentId]);
    const ctx = ownerContext(c.tenant);
    await withTenantTx(c.tenant.id, async (tx) => {
      await lockAhead(tx, ctx, { drafts: [merchantSettle(c.merchantId, 9_962n)], refs: [accounts.withdrawalsInTransit] });
      await postEntry(tx, ctx, merchantSettle(c.merchantId, 9_962n), { businessDate: row!.business_date, idempotencyKey: "settle" });
      await createHold(tx, ctx, payoutHold(accounts.merchantAvailable(c.merchantId), 9_962n), { businessDate: row!.business_date, idempotencyKey: "payout" });
    });
    const r = await refund(c, paymentId, { merchantRefundNo: "RF-SHORT", amountMinor: 5_000, reason: "cannot be covered" }, "short-1");
    expect({ status: r.status, code: errorCode(r) }, r.text).toEqual({ status: 422, code: "INSUFFICIENT_MERCHANT_BALANCE" });
    expect(Object.keys(r.json as object)).toEqual(["error"]);
    const rows = await ownerQuery<{ n: string }>(db.url, `SELECT count(*)::text AS n FROM refund WHERE payment_id = $1`, [paymentId]);
    expect(rows[0]!.n).toBe("0");
    // The refusal is the stored answer to that key.
    expect((await refund(c, paymentId, { merchantRefundNo: "RF-SHORT", amountMinor: 5_000, reason: "cannot be covered" }, "short-1")).text).toBe(r.text);
  });
});
