import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postEntry } from "@/server/core/ledger/service";
import { walletRecharge } from "@/server/core/ledger/templates";
import { createApiKey } from "@/server/core/merchant-api/keys";
import { createMerchant } from "@/server/core/merchants/service";
import { createWebhookEndpoint } from "@/server/core/webhooks/service";
import { withTenantTx } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, useTestKeyring, type TestTenant } from "@/server/testing/fixtures";
import { errorCode, readResult, signedRequest, type ApiResult, type SignedRequestOptions, type TestApiKey } from "@/server/testing/merchant-api";
import { tenantHost } from "@/server/testing/trpc";
import { GET as transferGET } from "../transfers/[id]/route";
import { POST as transfersPOST } from "../transfers/route";
import { GET as withdrawalGET } from "../withdrawals/[id]/route";
import { POST as withdrawalsPOST } from "../withdrawals/route";
import { GET as walletGET } from "./[id]/route";
import { POST as walletsPOST } from "./route";

// Wallets, transfers and withdrawals of the merchant API through their route handlers, with signed
// `Request`s and a Host header, against a real PostgreSQL database as the app role (RLS in force).
// Wallets are funded by posting the recharge template directly (recharge payments are another
// issue's). A second merchant of the same tenant and a merchant of another tenant are the
// attackers; a DIRECT tenant is refused everything.

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
let d: Side;
let sandboxA: string;

async function addMerchant(tenant: TestTenant, name: string): Promise<Side> {
  const ctx = ownerContext(tenant);
  return withTenantTx(tenant.id, async (tx) => {
    const m = await createMerchant(tx, ctx, merchantInput(name));
    const k = await createApiKey(tx, ctx, { merchantId: m.id, label: "test" });
    return { tenant, host: tenantHost(tenant.slug), merchantId: m.id, key: { keyId: k.keyId, secret: k.secret } };
  });
}

beforeAll(async () => {
  db = await createTestDatabase("api_wallets");
  useTestKeyring();
  a = await addMerchant(await makeTenant("acme", { mode: "CUSTODIAL", licence: "Z-ACME" }), "Acme Noodles");
  a2 = await addMerchant(a.tenant, "Acme Bakery");
  b = await addMerchant(await makeTenant("beta", { mode: "CUSTODIAL", licence: "Z-BETA" }), "Beta Tea");
  d = await addMerchant(await makeTenant("delta"), "Delta Direct");
  const [row] = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM channel_account WHERE tenant_id = $1 AND channel_type = 'SANDBOX'`, [a.tenant.id]);
  sandboxA = row!.id;
});

afterAll(async () => {
  await db?.drop();
});

type PostRoute = (req: Request) => Promise<Response>;
type GetRoute = (req: Request, context: { params: Promise<{ id: string }> }) => Promise<Response>;

let n = 0;
const key = (label: string) => `${label}-${Date.now()}-${++n}`;

const post = async (route: PostRoute, path: string, side: Side, body: Record<string, unknown> | string, idempotencyKey = key("idem"), extra: Partial<SignedRequestOptions> = {}): Promise<ApiResult> =>
  readResult(await route(signedRequest({ host: side.host, path, key: side.key, body: typeof body === "string" ? body : JSON.stringify(body), idempotencyKey, ...extra })));

const get = async (route: GetRoute, path: string, side: Side, id: string): Promise<ApiResult> =>
  readResult(await route(signedRequest({ host: side.host, path: `${path}/${id}`, key: side.key }), { params: Promise.resolve({ id }) }));

function expectError(r: ApiResult, status: number, code: string, field?: string): void {
  expect({ status: r.status, code: errorCode(r) }, r.text).toEqual({ status, code });
  if (field !== undefined) expect((r.json as { error: { field?: string } }).error.field, r.text).toBe(field);
}

interface WalletJson {
  id: string;
  externalUserId: string;
  status: string;
  postedMinor: number;
  availableMinor: number;
  currency: string;
  createdAt: string;
}

async function newWallet(side: Side, fundedMinor = 0): Promise<WalletJson> {
  const r = await post(walletsPOST, "/api/v1/wallets", side, { externalUserId: key("user") });
  expect(r.status, r.text).toBe(201);
  const w = r.json as WalletJson;
  if (fundedMinor > 0) {
    await withTenantTx(side.tenant.id, (tx) =>
      postEntry(tx, ownerContext(side.tenant), walletRecharge(sandboxA, w.id, BigInt(fundedMinor)), { businessDate: "2026-01-05", idempotencyKey: `test-recharge:${w.id}`, causeType: "test", causeId: w.id }),
    );
  }
  return w;
}

const counts = () => ownerQuery<{ t: number; p: number; e: number; h: number }>(db.url, `SELECT (SELECT count(*) FROM transfer)::int t, (SELECT count(*) FROM payout)::int p, (SELECT count(*) FROM journal_entry)::int e, (SELECT count(*) FROM ledger_hold)::int h`);

describe("POST /api/v1/wallets and GET /api/v1/wallets/{id}", () => {
  it("201 for a new user's wallet, 200 with the same wallet for a known user; the body is exactly the documented shape", async () => {
    const externalUserId = key("u");
    const first = await post(walletsPOST, "/api/v1/wallets", a, { externalUserId });
    expect(first.status, first.text).toBe(201);
    const w = first.json as WalletJson;
    expect(Object.keys(w).sort()).toEqual(["availableMinor", "createdAt", "currency", "externalUserId", "id", "postedMinor", "status"]);
    expect(w).toMatchObject({ externalUserId, status: "ACTIVE", postedMinor: 0, availableMinor: 0, currency: "CNY" });
    const again = await post(walletsPOST, "/api/v1/wallets", a, { externalUserId });
    expect(again.status, again.text).toBe(200);
    expect((again.json as WalletJson).id).toBe(w.id);
    // The same user id at another merchant is another wallet.
    const other = await post(walletsPOST, "/api/v1/wallets", a2, { externalUserId });
    expect(other.status).toBe(201);
    expect((other.json as WalletJson).id).not.toBe(w.id);
    const read = await get(walletGET, "/api/v1/wallets", a, w.id);
    expect(read.status, read.text).toBe(200);
    expect(read.json).toEqual(w);
  });

  it("400 naming the field; 404 for another merchant's or tenant's wallet, exactly like a missing one", async () => {
    expectError(await post(walletsPOST, "/api/v1/wallets", a, {}), 400, "INVALID_REQUEST", "externalUserId");
    expectError(await post(walletsPOST, "/api/v1/wallets", a, { externalUserId: "has space" }), 400, "INVALID_REQUEST", "externalUserId");
    expectError(await post(walletsPOST, "/api/v1/wallets", a, { externalUserId: "u", merchantId: a2.merchantId }), 400, "INVALID_REQUEST", "merchantId");
    const mine = await newWallet(a);
    const theirs = await newWallet(a2);
    const foreign = await newWallet(b);
    for (const id of [theirs.id, foreign.id, "00000000-0000-4000-8000-000000000000", "not-a-uuid"]) {
      const r = await get(walletGET, "/api/v1/wallets", a, id);
      expectError(r, 404, "WALLET_NOT_FOUND");
      expect(r.text).not.toContain(theirs.externalUserId);
    }
    expect((await get(walletGET, "/api/v1/wallets", a, mine.id)).status).toBe(200);
  });
});

describe("POST /api/v1/transfers and GET /api/v1/transfers/{id}", () => {
  it("201 moves the money; a replay answers the same; a used number is 409; balances show on the wallets", async () => {
    const from = await newWallet(a, 10_000);
    const to = await newWallet(a);
    const body = { merchantTransferNo: key("T"), fromWalletId: from.id, toWalletId: to.id, amountMinor: 2_500 };
    const idem = key("tr");
    const r = await post(transfersPOST, "/api/v1/transfers", a, body, idem);
    expect(r.status, r.text).toBe(201);
    const t = r.json as { id: string; status: string; amountMinor: number };
    expect(r.json).toMatchObject({ ...body, currency: "CNY", status: "SUCCEEDED" });
    const replay = await post(transfersPOST, "/api/v1/transfers", a, body, idem);
    expect([replay.status, replay.text, replay.headers.get("idempotent-replayed")]).toEqual([201, r.text, "true"]);
    const taken = await post(transfersPOST, "/api/v1/transfers", a, body);
    expectError(taken, 409, "MERCHANT_TRANSFER_NO_TAKEN", "merchantTransferNo");
    expect((taken.json as { error: { params: { transferId: string } } }).error.params.transferId).toBe(t.id);
    expect((await get(walletGET, "/api/v1/wallets", a, from.id)).json).toMatchObject({ postedMinor: 7_500, availableMinor: 7_500 });
    expect((await get(walletGET, "/api/v1/wallets", a, to.id)).json).toMatchObject({ postedMinor: 2_500, availableMinor: 2_500 });
    expect((await get(transferGET, "/api/v1/transfers", a, t.id)).json).toEqual(r.json);
    expectError(await get(transferGET, "/api/v1/transfers", a2, t.id), 404, "TRANSFER_NOT_FOUND");
    expectError(await get(transferGET, "/api/v1/transfers", b, t.id), 404, "TRANSFER_NOT_FOUND");
  });

  it("422 when it does not fit, 404 naming the wallet of another merchant, 400 naming the field, and nothing is half-made", async () => {
    const from = await newWallet(a, 1_000);
    const to = await newWallet(a);
    const theirs = await newWallet(a2, 5_000);
    const before = await counts();
    const attempt = (extra: Record<string, unknown>) => post(transfersPOST, "/api/v1/transfers", a, { merchantTransferNo: key("X"), fromWalletId: from.id, toWalletId: to.id, amountMinor: 500, ...extra });
    expectError(await attempt({ amountMinor: 1_001 }), 422, "INSUFFICIENT_WALLET_BALANCE");
    expectError(await attempt({ toWalletId: theirs.id }), 404, "WALLET_NOT_FOUND", "toWalletId");
    expectError(await attempt({ fromWalletId: theirs.id }), 404, "WALLET_NOT_FOUND", "fromWalletId");
    expectError(await attempt({ toWalletId: from.id }), 400, "TRANSFER_SAME_WALLET", "toWalletId");
    expectError(await attempt({ amountMinor: "500" }), 400, "INVALID_REQUEST", "amountMinor");
    expectError(await attempt({ amountMinor: 0 }), 400, "INVALID_REQUEST", "amountMinor");
    expectError(await attempt({ merchantTransferNo: "no spaces allowed" }), 400, "INVALID_REQUEST", "merchantTransferNo");
    expect(await counts()).toEqual(before);
    expect((await get(walletGET, "/api/v1/wallets", a2, theirs.id)).json).toMatchObject({ postedMinor: 5_000 });
  });
});

describe("POST /api/v1/withdrawals and GET /api/v1/withdrawals/{id}", () => {
  const bankAccount = { name: "张三", number: "6222020200001234", bankCode: "ICBC" };

  it("201 HELD: the amount is on hold in the wallet; the account number is never shown again", async () => {
    const w = await newWallet(a, 10_000);
    // A notifyUrl needs the merchant's webhook endpoint, whose secret signs the notifications.
    const withoutEndpoint = await post(withdrawalsPOST, "/api/v1/withdrawals", a, { merchantWithdrawalNo: key("W"), walletId: w.id, amountMinor: 3_000, bankAccount, notifyUrl: "https://acme.example/hooks" });
    expectError(withoutEndpoint, 422, "WEBHOOK_ENDPOINT_REQUIRED", "notifyUrl");
    await withTenantTx(a.tenant.id, (tx) => createWebhookEndpoint(tx, ownerContext(a.tenant), { merchantId: a.merchantId, url: "https://acme.example/hooks" }));
    const body = { merchantWithdrawalNo: key("W"), walletId: w.id, amountMinor: 3_000, bankAccount, notifyUrl: "https://acme.example/hooks" };
    const r = await post(withdrawalsPOST, "/api/v1/withdrawals", a, body);
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({ merchantWithdrawalNo: body.merchantWithdrawalNo, walletId: w.id, amountMinor: 3_000, currency: "CNY", status: "HELD", bankAccount: { name: "张三", last4: "1234", bankCode: "ICBC" } });
    expect(r.text).not.toContain(bankAccount.number);
    for (const hidden of ["outPayoutNo", "holdId", "batchId", "channelAccountId", "merchantId", "notifyUrl"]) expect(r.json, hidden).not.toHaveProperty(hidden);
    const id = (r.json as { id: string }).id;
    expect((await get(walletGET, "/api/v1/wallets", a, w.id)).json).toMatchObject({ postedMinor: 10_000, availableMinor: 7_000 });
    const read = await get(withdrawalGET, "/api/v1/withdrawals", a, id);
    expect(read.json).toEqual(r.json);
    expect(read.text).not.toContain(bankAccount.number);
    expectError(await get(withdrawalGET, "/api/v1/withdrawals", a2, id), 404, "WITHDRAWAL_NOT_FOUND");
    expectError(await get(withdrawalGET, "/api/v1/withdrawals", b, id), 404, "WITHDRAWAL_NOT_FOUND");
    expectError(await post(withdrawalsPOST, "/api/v1/withdrawals", a, body), 409, "MERCHANT_WITHDRAWAL_NO_TAKEN", "merchantWithdrawalNo");
  });

  it("422 beyond the available balance, 404 for another merchant's wallet, 400 naming the bank field; nothing half-made", async () => {
    const w = await newWallet(a, 1_000);
    const theirs = await newWallet(a2, 1_000);
    const before = await counts();
    const attempt = (extra: Record<string, unknown>) => post(withdrawalsPOST, "/api/v1/withdrawals", a, { merchantWithdrawalNo: key("W"), walletId: w.id, amountMinor: 500, bankAccount, ...extra });
    expectError(await attempt({ amountMinor: 1_001 }), 422, "INSUFFICIENT_WALLET_BALANCE", "amountMinor");
    expectError(await attempt({ walletId: theirs.id }), 404, "WALLET_NOT_FOUND", "walletId");
    expectError(await attempt({ bankAccount: { ...bankAccount, number: "12ab" } }), 400, "INVALID_REQUEST", "bankAccount.number");
    expectError(await attempt({ bankAccount: { name: "张三", number: "6222020200001234" } }), 400, "INVALID_REQUEST", "bankAccount.bankCode");
    expectError(await attempt({ bankAccount: { ...bankAccount, name: "a\nb" } }), 400, "INVALID_REQUEST", "bankAccount.name");
    expectError(await attempt({ notifyUrl: "ftp://x" }), 400, "INVALID_REQUEST", "notifyUrl");
    expect(await counts()).toEqual(before);
  });
});

describe("a DIRECT provider", () => {
  it("answers every wallet, transfer and withdrawal call with 422 NOT_AVAILABLE_IN_DIRECT_MODE and writes nothing", async () => {
    const id = "00000000-0000-4000-8000-000000000000";
    expectError(await post(walletsPOST, "/api/v1/wallets", d, { externalUserId: "u1" }), 422, "NOT_AVAILABLE_IN_DIRECT_MODE");
    expectError(await get(walletGET, "/api/v1/wallets", d, id), 422, "NOT_AVAILABLE_IN_DIRECT_MODE");
    expectError(await post(transfersPOST, "/api/v1/transfers", d, { merchantTransferNo: "T1", fromWalletId: id, toWalletId: "00000000-0000-4000-8000-000000000001", amountMinor: 1 }), 422, "NOT_AVAILABLE_IN_DIRECT_MODE");
    expectError(await get(transferGET, "/api/v1/transfers", d, id), 422, "NOT_AVAILABLE_IN_DIRECT_MODE");
    expectError(await post(withdrawalsPOST, "/api/v1/withdrawals", d, { merchantWithdrawalNo: "W1", walletId: id, amountMinor: 1, bankAccount: { name: "A", number: "62220202000012345", bankCode: "ICBC" } }), 422, "NOT_AVAILABLE_IN_DIRECT_MODE");
    expectError(await get(withdrawalGET, "/api/v1/withdrawals", d, id), 422, "NOT_AVAILABLE_IN_DIRECT_MODE");
    expect(await ownerQuery(db.url, `SELECT id FROM wallet WHERE tenant_id = $1`, [d.tenant.id])).toEqual([]);
  });
});
