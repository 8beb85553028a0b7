import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createApiKey } from "@/server/core/merchant-api/keys";
import { createMerchant, createStore } from "@/server/core/merchants/service";
import { paymentTransitions } from "@/server/core/payments/service";
import { withTenantTx } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, useTestKeyring, type TestTenant } from "@/server/testing/fixtures";
import { errorCode, readResult, signedRequest, type ApiResult, type SignedRequestOptions, type TestApiKey } from "@/server/testing/merchant-api";
import { tenantHost } from "@/server/testing/trpc";
import { GET as paymentGET } from "./[id]/route";
import { GET as paymentsGET, POST as paymentsPOST } from "./route";

// The payments of the merchant API through their route handlers, with signed `Request`s and a Host
// header, against a real PostgreSQL database as the app role (RLS in force), on the sandbox channel
// (the amount's last two fen digits: 01 declines, 02 is "user paying" until the 2nd query, else
// success). A tenant from makeTenant has a sandbox account; createMerchant registers at it.

process.env.DATABASE_POOL_SIZE = "20";
let db: TestDatabase;

interface Side {
  tenant: TestTenant;
  host: string;
  merchantId: string;
  storeId: string;
  key: TestApiKey;
}

let a: Side;
/** Another merchant of the same tenant. */
let a2: Side;
/** A merchant of another tenant. */
let b: Side;
let sandboxA: string;

async function addMerchant(tenant: TestTenant, name: string): Promise<Side> {
  const ctx = ownerContext(tenant);
  return withTenantTx(tenant.id, async (tx) => {
    const m = await createMerchant(tx, ctx, merchantInput(name));
    const s = await createStore(tx, ctx, { merchantId: m.id, name: `${name} store`, address: "1 Test Road" });
    const k = await createApiKey(tx, ctx, { merchantId: m.id, label: "test" });
    return { tenant, host: tenantHost(tenant.slug), merchantId: m.id, storeId: s.id, key: { keyId: k.keyId, secret: k.secret } };
  });
}

beforeAll(async () => {
  db = await createTestDatabase("api_payments");
  useTestKeyring();
  a = await addMerchant(await makeTenant("acme"), "Acme Noodles");
  a2 = await addMerchant(a.tenant, "Acme Bakery");
  b = await addMerchant(await makeTenant("beta"), "Beta Tea");
  const [row] = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM channel_account WHERE tenant_id = $1 AND channel_type = 'SANDBOX'`, [a.tenant.id]);
  sandboxA = row!.id;
});

afterAll(async () => {
  await db?.drop();
});

afterEach(() => {
  vi.useRealTimers();
});

type Route = (req: Request) => Promise<Response>;
const call = async (route: Route, o: SignedRequestOptions): Promise<ApiResult> => readResult(await route(signedRequest(o)));

let n = 0;
/** A face payment body; every call a new order number and device. */
function order(amountMinor: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  n += 1;
  return {
    merchantOrderNo: `ORD-${Date.now()}-${n}`,
    orderType: "CONSUMPTION",
    amountMinor,
    currency: "CNY",
    product: "WECHAT_FACE",
    elements: { faceCode: "FACE-CODE-123" },
    deviceId: `DEV-${n}`,
    subject: "Lunch",
    ...extra,
  };
}

const post = (side: Side, body: Record<string, unknown> | string, idempotencyKey: string, extra: Partial<SignedRequestOptions> = {}) =>
  call(paymentsPOST, { host: side.host, path: "/api/v1/payments", key: side.key, body: typeof body === "string" ? body : JSON.stringify(body), idempotencyKey, ...extra });

async function getById(side: Side, id: string, extra: Partial<SignedRequestOptions> = {}): Promise<ApiResult> {
  return readResult(await paymentGET(signedRequest({ host: side.host, path: `/api/v1/payments/${id}`, key: side.key, ...extra }), { params: Promise.resolve({ id }) }));
}

const find = (side: Side, merchantOrderNo: string, extra: Partial<SignedRequestOptions> = {}) =>
  call(paymentsGET, { host: side.host, path: `/api/v1/payments?merchantOrderNo=${encodeURIComponent(merchantOrderNo)}`, key: side.key, ...extra });

interface PaymentJson {
  id: string;
  merchantOrderNo: string;
  status: string;
  amountMinor: number;
  feeMinor: number;
  channel: { type: string; accountId: string };
  paidAt?: string;
  failure?: { code: string; message: string | null };
  [k: string]: unknown;
}
const payment = (r: ApiResult) => r.json as PaymentJson;

function expectError(r: ApiResult, status: number, code: string, field?: string): void {
  expect({ status: r.status, code: errorCode(r) }, r.text).toEqual({ status, code });
  expect(Object.keys(r.json as object)).toEqual(["error"]);
  if (field !== undefined) expect((r.json as { error: { field?: string } }).error.field, r.text).toBe(field);
}

async function paymentRows(merchantOrderNo: string) {
  return ownerQuery<{ id: string; merchant_id: string; status: string }>(db.url, `SELECT id, merchant_id, status FROM payment WHERE merchant_order_no = $1`, [merchantOrderNo]);
}

describe("POST /api/v1/payments", () => {
  it("201 SUCCEEDED with the fee, the channel and paidAt; for the key's merchant; no cost or margin shown", async () => {
    const body = order(10_000, { metadata: { till: "3" } });
    const r = await post(a, body, "pay-ok-1");
    expect(r.status, r.text).toBe(201);
    const p = payment(r);
    expect(p).toMatchObject({
      merchantOrderNo: body.merchantOrderNo,
      orderType: "CONSUMPTION",
      status: "SUCCEEDED",
      amountMinor: 10_000,
      currency: "CNY",
      product: "WECHAT_FACE",
      subject: "Lunch",
      deviceId: body.deviceId,
      channel: { type: "SANDBOX", accountId: sandboxA },
    });
    // DIRECT mode: the registration's channel rate (3.8‰ on the sandbox).
    expect(p.feeMinor).toBe(38);
    expect(r.text).toContain('"amountMinor":10000');
    expect(Date.parse(p.paidAt!)).toBeGreaterThan(0);
    expect(p.failure).toBeUndefined();
    expect(p.channelTradeNo).toBeTruthy();
    for (const hidden of ["costMinor", "marginMinor", "outTradeNo", "routingDecisionId", "registrationId", "merchantId"]) expect(p, hidden).not.toHaveProperty(hidden);
    expect(await paymentRows(body.merchantOrderNo as string)).toEqual([{ id: p.id, merchant_id: a.merchantId, status: "SUCCEEDED" }]);
    // Acting as the key.
    const transitions = await withTenantTx(a.tenant.id, (tx) => paymentTransitions(tx, ownerContext(a.tenant), p.id));
    expect(new Set(transitions.map((t) => t.actor))).toEqual(new Set([`api:${a.key.keyId}`]));
  });

  it("a decline is 201 with status FAILED and the failure", async () => {
    const r = await post(a, order(5_001), "pay-decline-1");
    expect(r.status, r.text).toBe(201);
    const p = payment(r);
    expect(p.status).toBe("FAILED");
    expect(p.failure?.code).toBe("SANDBOX_DECLINED");
    expect(p.paidAt).toBeUndefined();
  });

  it("a payment at one of the merchant's stores carries it; another merchant's store is 404 STORE_NOT_FOUND and nothing is created", async () => {
    const mine = await post(a, order(1_000, { storeId: a.storeId }), "pay-store-1");
    expect(mine.status, mine.text).toBe(201);
    expect(payment(mine).storeId).toBe(a.storeId);
    for (const [i, storeId] of [a2.storeId, b.storeId].entries()) {
      const body = order(1_000, { storeId });
      const r = await post(a, body, `pay-store-other-${i}`);
      expectError(r, 404, "STORE_NOT_FOUND", "storeId");
      expect(await paymentRows(body.merchantOrderNo as string)).toEqual([]);
    }
  });

  it("a notifyUrl without the merchant's webhook endpoint (whose secret signs notifications) is 422 WEBHOOK_ENDPOINT_REQUIRED; nothing is created", async () => {
    const body = order(1_000, { notifyUrl: "https://pos.example/notify" });
    expectError(await post(a, body, "pay-notify-1"), 422, "WEBHOOK_ENDPOINT_REQUIRED", "notifyUrl");
    expect(await paymentRows(body.merchantOrderNo as string)).toEqual([]);
  });

  it("400 naming the field; a merchantId in the body is refused; nothing is created", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ merchantId: a2.merchantId }, "merchantId"],
      [{ merchantId: a.merchantId }, "merchantId"],
      [{ amountMinor: "1000" }, "amountMinor"],
      [{ amountMinor: 10.5 }, "amountMinor"],
      [{ amountMinor: 0 }, "amountMinor"],
      [{ amountMinor: -100 }, "amountMinor"],
      [{ amountMinor: 10_000_000_001 }, "amountMinor"],
      [{ merchantOrderNo: "has space" }, "merchantOrderNo"],
      [{ product: "CASH" }, "product"],
      [{ currency: "USD" }, "currency"],
      [{ subject: undefined }, "subject"],
      [{ elements: { facecode: "typo" } }, "elements.facecode"],
      [{ elements: { faceCode: "F", authCode: "12" } }, "elements.authCode"],
      [{ storeId: "not-a-store" }, "storeId"],
      [{ walletId: "w-1" }, "walletId"],
      [{ metadata: { till: 3 } }, "metadata.till"],
    ];
    for (const [i, [change, field]] of cases.entries()) {
      const body = { ...order(1_000), ...change };
      const r = await post(a, body, `pay-400-${i}`);
      expectError(r, 400, "INVALID_REQUEST", field);
      if (typeof body.merchantOrderNo === "string") expect(await paymentRows(body.merchantOrderNo)).toEqual([]);
    }
    expectError(await post(a, "[1,2]", "pay-400-array"), 400, "INVALID_REQUEST");
  });

  it("missing faceCode: 422 ELEMENT_MISSING naming the element (params.missing, field), no payment; the refusal is replayed", async () => {
    const body = order(1_000, { elements: {} });
    const r = await post(a, body, "pay-422-element");
    expectError(r, 422, "ELEMENT_MISSING", "elements.faceCode");
    expect((r.json as { error: { params: { missing: string } } }).error.params.missing.split(",")).toContain("FACE_CODE");
    expect((r.json as { error: { message: string } }).error.message).toContain("FACE_CODE");
    expect(await paymentRows(body.merchantOrderNo as string)).toEqual([]);
    const again = await post(a, body, "pay-422-element");
    expect(again.text).toBe(r.text);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    // The order number is still free: with the element, under a new key, it is paid.
    const paid = await post(a, { ...body, elements: { faceCode: "FACE-CODE-9" } }, "pay-422-element-fixed");
    expect(paid.status, paid.text).toBe(201);
  });

  it("a RECHARGE order at a DIRECT provider is 422 NOT_AVAILABLE_IN_DIRECT_MODE, with or without a wallet; nothing is created", async () => {
    for (const [i, extra] of [{ walletId: "00000000-0000-4000-8000-000000000001" }, {}].entries()) {
      const body = order(1_000, { orderType: "RECHARGE", product: "WECHAT_QR", elements: {}, deviceId: undefined, ...extra });
      expectError(await post(a, body, `pay-recharge-direct-${i}`), 422, "NOT_AVAILABLE_IN_DIRECT_MODE");
      expect(await paymentRows(body.merchantOrderNo as string)).toEqual([]);
    }
  });

  it("a risk refusal is 422 with its code (device velocity)", async () => {
    const c = await addMerchant(a.tenant, "Acme Risky");
    await ownerQuery(db.url, `INSERT INTO merchant_limit (tenant_id, merchant_id, device_per_minute_max) VALUES ($1, $2, 1)`, [a.tenant.id, c.merchantId]);
    expect((await post(c, order(1_000, { deviceId: "DEV-RISK" }), "risk-1")).status).toBe(201);
    expectError(await post(c, order(1_000, { deviceId: "DEV-RISK" }), "risk-2"), 422, "RISK_DEVICE_VELOCITY");
  });
});

describe("idempotency and the merchant order number", () => {
  it("same key, same body: the first response byte for byte, one payment", async () => {
    const body = JSON.stringify(order(2_000));
    const first = await post(a, body, "pay-replay-1");
    expect(first.status, first.text).toBe(201);
    const again = await post(a, body, "pay-replay-1");
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await paymentRows((JSON.parse(body) as { merchantOrderNo: string }).merchantOrderNo)).toHaveLength(1);
  });

  it("same key, different body: 409 IDEMPOTENCY_KEY_REUSED", async () => {
    const body = order(2_100);
    expect((await post(a, body, "pay-reuse-1")).status).toBe(201);
    expectError(await post(a, { ...body, amountMinor: 2_200 }, "pay-reuse-1"), 409, "IDEMPOTENCY_KEY_REUSED");
    expectError(await post(a, order(2_100), "pay-reuse-1"), 409, "IDEMPOTENCY_KEY_REUSED");
  });

  it("10 concurrent identical POSTs create one payment; every 201 is the same response", async () => {
    const body = JSON.stringify(order(3_000));
    const results = await Promise.all(Array.from({ length: 10 }, () => post(a, body, "pay-concurrent-1")));
    const created = results.filter((r) => r.status === 201);
    const busy = results.filter((r) => r.status === 409);
    expect(created.length + busy.length, results.map((r) => r.text).join("\n")).toBe(10);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.text)).size).toBe(1);
    for (const r of busy) expectError(r, 409, "IDEMPOTENCY_KEY_IN_PROGRESS");
    const orderNo = (JSON.parse(body) as { merchantOrderNo: string }).merchantOrderNo;
    expect(await paymentRows(orderNo)).toHaveLength(1);
    // Afterwards every retry gets the stored response.
    expect((await post(a, body, "pay-concurrent-1")).text).toBe(created[0]!.text);
    const [claim] = await ownerQuery(db.url, `SELECT status, response_status FROM api_idempotency WHERE tenant_id = $1 AND key = 'pay-concurrent-1'`, [a.tenant.id]);
    expect(claim).toEqual({ status: "COMPLETED", response_status: 201 });
  });

  it("a repeated merchantOrderNo under a new key is 409 MERCHANT_ORDER_NO_TAKEN naming the payment; another merchant may use it", async () => {
    const body = order(4_000);
    const first = await post(a, body, "pay-orderno-1");
    expect(first.status, first.text).toBe(201);
    const dup = await post(a, { ...body, amountMinor: 4_100 }, "pay-orderno-2");
    expectError(dup, 409, "MERCHANT_ORDER_NO_TAKEN", "merchantOrderNo");
    expect((dup.json as { error: { params: { paymentId: string } } }).error.params.paymentId).toBe(payment(first).id);
    const other = await post(a2, body, "pay-orderno-1");
    expect(other.status, other.text).toBe(201);
    expect(payment(other).id).not.toBe(payment(first).id);
  });
});

describe("GET /api/v1/payments/{id} and ?merchantOrderNo=", () => {
  it("returns the payment as POST did; by order number as { items }", async () => {
    const created = await post(a, order(6_000), "get-1");
    const p = payment(created);
    const byId = await getById(a, p.id);
    expect(byId.status, byId.text).toBe(200);
    expect(byId.text).toBe(created.text);
    const found = await find(a, p.merchantOrderNo);
    expect(found.status).toBe(200);
    expect(found.json).toEqual({ items: [p] });
    expect((await find(a, "NO-SUCH-ORDER")).json).toEqual({ items: [] });
  });

  it("'user paying': 201 PROCESSING, then GET polling asks the channel when a query is due until SUCCEEDED", async () => {
    const body = JSON.stringify(order(7_002));
    const created = await post(a, body, "poll-1");
    expect(created.status, created.text).toBe(201);
    const p = payment(created);
    expect(p.status).toBe("PROCESSING");
    expect(p.paidAt).toBeUndefined();
    expect(p.failure).toBeUndefined();
    const transitions = async () => (await withTenantTx(a.tenant.id, (tx) => paymentTransitions(tx, ownerContext(a.tenant), p.id))).map((t) => `${t.toStatus}:${t.cause}`);

    // Not yet due (the first query is 5 s after the channel's answer): no query.
    expect(payment(await getById(a, p.id)).status).toBe("PROCESSING");
    expect(await transitions()).toEqual(["PROCESSING:CREATED", "PROCESSING:CHANNEL_RESPONSE"]);

    const t0 = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(t0 + 6_000);
    // Due: the 1st query, still paying.
    expect(payment(await getById(a, p.id)).status).toBe("PROCESSING");
    expect(await transitions()).toEqual(["PROCESSING:CREATED", "PROCESSING:CHANNEL_RESPONSE", "PROCESSING:QUERY"]);
    // The next query waits for its back-off (10 s).
    expect(payment(await getById(a, p.id)).status).toBe("PROCESSING");
    expect((await transitions()).length).toBe(3);

    vi.setSystemTime(t0 + 20_000);
    const polled = await find(a, p.merchantOrderNo);
    const done = (polled.json as { items: PaymentJson[] }).items;
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ id: p.id, status: "SUCCEEDED", feeMinor: p.feeMinor });
    expect(done[0]!.paidAt).toBeTruthy();
    expect(await transitions()).toEqual(["PROCESSING:CREATED", "PROCESSING:CHANNEL_RESPONSE", "PROCESSING:QUERY", "SUCCEEDED:QUERY"]);
    // A final payment is not queried again.
    expect(payment(await getById(a, p.id)).status).toBe("SUCCEEDED");
    expect((await transitions()).length).toBe(4);
    // The idempotent replay of the POST is still its first response (PROCESSING).
    vi.useRealTimers();
    const replay = await post(a, body, "poll-1");
    expect(replay.text).toBe(created.text);
  });

  it("another merchant's key cannot see the payment: 404 by id, no items by order number; another tenant's neither", async () => {
    const p = payment(await post(a, order(8_000), "isolation-1"));
    expectError(await getById(a2, p.id), 404, "PAYMENT_NOT_FOUND");
    expect((await find(a2, p.merchantOrderNo)).json).toEqual({ items: [] });
    expectError(await getById(b, p.id), 404, "PAYMENT_NOT_FOUND");
    expect((await find(b, p.merchantOrderNo)).json).toEqual({ items: [] });
    // The 404 is the same as for an id that never existed.
    const missing = await getById(a, "00000000-0000-4000-8000-000000000000");
    expectError(missing, 404, "PAYMENT_NOT_FOUND");
    expect((await getById(a2, p.id)).json).toEqual(missing.json);
    expectError(await getById(a, "not-a-uuid"), 404, "PAYMENT_NOT_FOUND");
  });

  it("a key of tenant B on tenant A's host is 401 KEY_UNKNOWN, for POST and GET alike", async () => {
    const p = payment(await post(a, order(8_100), "cross-1"));
    const body = order(8_200);
    expectError(await post(b, body, "cross-2", { host: a.host }), 401, "KEY_UNKNOWN");
    expectError(await getById(b, p.id, { host: a.host }), 401, "KEY_UNKNOWN");
    expectError(await find(b, p.merchantOrderNo, { host: a.host }), 401, "KEY_UNKNOWN");
    expect(await paymentRows(body.merchantOrderNo as string)).toEqual([]);
  });

  it("GET ?merchantOrderNo= is required: 400 naming it", async () => {
    expectError(await call(paymentsGET, { host: a.host, path: "/api/v1/payments", key: a.key }), 400, "INVALID_REQUEST", "merchantOrderNo");
    expectError(await find(a, ""), 400, "INVALID_REQUEST", "merchantOrderNo");
  });
});
