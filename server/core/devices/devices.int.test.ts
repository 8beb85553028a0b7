import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as activatePOST } from "@/app/api/device/v1/activate/route";
import { ACTIVATION_MAX_FAILURES } from "./api";
import { POST as authinfoPOST } from "@/app/api/device/v1/face/authinfo/route";
import { POST as heartbeatPOST } from "@/app/api/device/v1/heartbeat/route";
import { GET as paymentGET } from "@/app/api/device/v1/payments/[id]/route";
import { POST as paymentsPOST } from "@/app/api/device/v1/payments/route";
import { run } from "@/server/cli/main";
import { createChannelAccount } from "@/server/core/channels/accounts";
import { createRegistration } from "@/server/core/channels/registrations";
import { createApiKey } from "@/server/core/merchant-api/keys";
import { createMerchant, createStore } from "@/server/core/merchants/service";
import { createRefund } from "@/server/core/payments/refunds";
import { withTenantTx } from "@/server/db/tenant-tx";
import { lockIncentiveThreshold } from "./incentive";
import { drainOutboxOnce } from "@/server/jobs/outbox";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, useTestKeyring, type TestTenant } from "@/server/testing/fixtures";
import { codeOf } from "@/server/testing/ledger";
import { errorCode, newNonce, readResult, signedRequest, type ApiResult, type TestApiKey } from "@/server/testing/merchant-api";
import { tenantHost } from "@/server/testing/trpc";
import "./register";
import {
  assignDevices,
  bulkDeviceAction,
  createActivationCode,
  createConfigVersion,
  findDevices,
  getDevice,
  importDevices,
  rebindDevice,
  updateDevice,
  updateFleetSettings,
} from "./service";
import { offlineAlerts, sweepOfflineDevices } from "./offline";
import { deviceDaily, fleetRanking, idleDevices } from "./stats";

// The fleet against a real database as the app role (RLS in force) and the device API through its
// route handlers with signed requests, on the sandbox channel (amount …01 declines, else success).

process.env.DATABASE_POOL_SIZE = "20";
let db: TestDatabase;

interface Side {
  tenant: TestTenant;
  host: string;
  merchantId: string;
  storeId: string;
  accountId: string;
}

let a: Side;
let a2: Side;
let b: Side;

async function addMerchant(tenant: TestTenant, name: string): Promise<Side> {
  const ctx = ownerContext(tenant);
  const [row] = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM channel_account WHERE tenant_id = $1 AND channel_type = 'SANDBOX'`, [tenant.id]);
  return withTenantTx(tenant.id, async (tx) => {
    const m = await createMerchant(tx, ctx, merchantInput(name));
    // The store is in Shanghai (People's Square).
    const s = await createStore(tx, ctx, { merchantId: m.id, name: `${name} store`, address: "1 Test Road", latitude: 31.2304, longitude: 121.4737 });
    return { tenant, host: tenantHost(tenant.slug), merchantId: m.id, storeId: s.id, accountId: row!.id };
  });
}

const inTenant = <T,>(side: Side, fn: Parameters<typeof withTenantTx<T>>[1]) => withTenantTx(side.tenant.id, fn);

async function activateReq(side: Side, body: unknown, from?: string): Promise<ApiResult> {
  const headers: Record<string, string> = { host: side.host, "content-type": "application/json", ...(from ? { "x-forwarded-for": from } : {}) };
  return readResult(await activatePOST(new Request("http://127.0.0.1:3000/api/device/v1/activate", { method: "POST", headers, body: JSON.stringify(body) })));
}

let seq = 0;
async function signed(
  side: Side,
  key: TestApiKey,
  path: string,
  body?: unknown,
  options: { nonce?: string; timestamp?: number; idempotencyKey?: string } = {},
): Promise<ApiResult> {
  const handler = path === "/api/device/v1/heartbeat" ? heartbeatPOST : path === "/api/device/v1/face/authinfo" ? authinfoPOST : paymentsPOST;
  const req = signedRequest({
    host: side.host,
    path,
    key,
    body: JSON.stringify(body),
    idempotencyKey: options.idempotencyKey ?? `k-${++seq}-${Date.now()}`,
    ...(options.nonce ? { nonce: options.nonce } : {}),
    ...(options.timestamp ? { timestamp: options.timestamp } : {}),
  });
  return readResult(await handler(req));
}

async function getPayment(side: Side, key: TestApiKey, id: string): Promise<ApiResult> {
  const path = `/api/device/v1/payments/${id}`;
  return readResult(await paymentGET(signedRequest({ host: side.host, path, key }), { params: Promise.resolve({ id }) }));
}

/** Imports, assigns and activates one device of `side`; returns its signing key. */
async function activeDevice(side: Side, serial: string): Promise<TestApiKey & { rowId: string }> {
  const ctx = ownerContext(side.tenant);
  const rowId = await inTenant(side, async (tx) => {
    await importDevices(tx, ctx, { csv: `serialNumber,vendor\n${serial},WECHAT_FACE\n`, commit: true });
    const d = await findDevices(tx, ctx, { search: serial });
    const id = d.items[0]!.id;
    await assignDevices(tx, ctx, { ids: [id], merchantId: side.merchantId, storeId: side.storeId, channelAccountId: side.accountId });
    return id;
  });
  const { code } = await inTenant(side, (tx) => createActivationCode(tx, ctx, { serialNumber: serial }));
  const r = await activateReq(side, { activationCode: code, serialNumber: serial, model: "F4" });
  expect(r.status).toBe(201);
  const j = r.json as { deviceId: string; deviceSecret: string };
  return { keyId: j.deviceId, secret: j.deviceSecret, rowId };
}

beforeAll(async () => {
  db = await createTestDatabase("devices");
  useTestKeyring();
  a = await addMerchant(await makeTenant("acme"), "Acme Noodles");
  a2 = await addMerchant(a.tenant, "Acme Bakery");
  b = await addMerchant(await makeTenant("beta"), "Beta Tea");
});

afterAll(async () => {
  await db?.drop();
});

describe("registry and lifecycle", () => {
  it("CSV import: preview with row-level errors, nothing written until the file is clean", async () => {
    const ctx = ownerContext(a.tenant);
    const csv = "serialNumber,model,vendor\nIMP0001,F4,WECHAT_FACE\nIMP0002,,alipay_face\nbad sn,,\nIMP0001,,\nIMP0003,,NOPE\n";
    const preview = await inTenant(a, (tx) => importDevices(tx, ctx, { csv }));
    expect(preview.rows.map((r) => r.serialNumber)).toEqual(["IMP0001", "IMP0002"]);
    expect(preview.errors.map((e) => [e.line, e.code, e.column])).toEqual([
      [4, "SERIAL_INVALID", "serialNumber"],
      [5, "SERIAL_DUPLICATE_IN_FILE", "serialNumber"],
      [6, "VENDOR_INVALID", "vendor"],
    ]);
    await expect(inTenant(a, (tx) => importDevices(tx, ctx, { csv, commit: true }))).rejects.toMatchObject({ code: "IMPORT_HAS_ERRORS" });
    expect((await inTenant(a, (tx) => findDevices(tx, ctx, { search: "IMP" }))).items).toEqual([]);
    const done = await inTenant(a, (tx) => importDevices(tx, ctx, { csv: "serialNumber,model,vendor\nIMP0001,F4,WECHAT_FACE\nIMP0002,,alipay_face\n", commit: true }));
    expect(done.imported).toBe(2);
    // Existing serial numbers are row errors the second time.
    const again = await inTenant(a, (tx) => importDevices(tx, ctx, { csv: "serialNumber\nIMP0002\nIMP0009\n" }));
    expect(again.errors).toEqual([{ line: 2, serialNumber: "IMP0002", code: "SERIAL_EXISTS", column: "serialNumber" }]);
    // Serial numbers are per tenant: beta may have the same one.
    expect((await inTenant(b, (tx) => importDevices(tx, ownerContext(b.tenant), { csv: "serialNumber\nIMP0002\n", commit: true }))).imported).toBe(1);
  });

  it("assign checks the placement; bulk suspend/resume/return record who and why; illegal moves are refused per device", async () => {
    const ctx = ownerContext(a.tenant);
    const ids = await inTenant(a, async (tx) => (await findDevices(tx, ctx, { search: "IMP" })).items.map((d) => d.id));
    // A store of another merchant, a channel account the merchant is not registered on.
    await expect(inTenant(a, (tx) => assignDevices(tx, ctx, { ids, merchantId: a.merchantId, storeId: a2.storeId, channelAccountId: a.accountId }))).rejects.toMatchObject({ code: "STORE_NOT_FOUND" });
    await expect(inTenant(a, (tx) => assignDevices(tx, ctx, { ids, merchantId: a.merchantId, storeId: a.storeId, channelAccountId: b.accountId }))).rejects.toMatchObject({ code: "NOT_REGISTERED_ON_CHANNEL_ACCOUNT" });
    const assigned = await inTenant(a, (tx) => assignDevices(tx, ctx, { ids, merchantId: a.merchantId, storeId: a.storeId, channelAccountId: a.accountId, reason: "new store" }));
    expect(assigned).toEqual({ updated: 2, refused: [] });
    const suspended = await inTenant(a, (tx) => bulkDeviceAction(tx, ctx, { ids, action: "SUSPEND", reason: "audit" }));
    expect(suspended.updated).toBe(2);
    const again = await inTenant(a, (tx) => bulkDeviceAction(tx, ctx, { ids: [ids[0]!], action: "SUSPEND", reason: "twice" }));
    expect(again).toMatchObject({ updated: 0, refused: [{ id: ids[0], code: "ILLEGAL_TRANSITION" }] });
    await inTenant(a, (tx) => bulkDeviceAction(tx, ctx, { ids, action: "RESUME", reason: "ok" }));
    const d = await inTenant(a, (tx) => getDevice(tx, ctx, ids[0]!));
    expect(d.status).toBe("ASSIGNED");
    expect(d.transitions.map((t) => [t.action, t.fromStatus, t.toStatus, t.reason])).toEqual([
      ["RESUME", "SUSPENDED", "ASSIGNED", "ok"],
      ["SUSPEND", "ASSIGNED", "SUSPENDED", "audit"],
      ["ASSIGN", "IN_STOCK", "ASSIGNED", "new store"],
      ["IMPORT", null, "IN_STOCK", "CSV import"],
    ]);
    expect(d.transitions[0]!.actor).toBe(a.tenant.ownerEmail);
    // Another tenant's device is not found.
    await expect(inTenant(b, (tx) => getDevice(tx, ownerContext(b.tenant), ids[0]!))).rejects.toMatchObject({ code: "DEVICE_NOT_FOUND" });
    const returned = await inTenant(a, (tx) => bulkDeviceAction(tx, ctx, { ids: [ids[1]!], action: "RETURN", reason: "faulty" }));
    expect(returned.updated).toBe(1);
    expect(await inTenant(a, (tx) => getDevice(tx, ctx, ids[1]!))).toMatchObject({ status: "RETURNED", merchantId: null, storeId: null });
  });
});

describe("activation", () => {
  it("locks out an address that guesses codes: the tenth wrong code is 429, a good code from there waits, another address is served", async () => {
    const ctx = ownerContext(b.tenant);
    const guesser = "203.0.113.7";
    for (let i = 1; i < ACTIVATION_MAX_FAILURES; i++) expect(errorCode(await activateReq(b, { activationCode: `GUESS${String(i).padStart(7, "2")}`, serialNumber: "LOCK0001" }, guesser))).toBe("ACTIVATION_CODE_INVALID");
    const tenth = await activateReq(b, { activationCode: "GUESSZZZZZZZ", serialNumber: "LOCK0001" }, guesser);
    expect([tenth.status, errorCode(tenth)]).toEqual([429, "ACTIVATION_LOCKED"]);
    // A store code is refused from the locked address without being used, and works from another.
    const code = await inTenant(b, (tx) => createActivationCode(tx, ctx, { storeId: b.storeId }));
    const refused = await activateReq(b, { activationCode: code.code, serialNumber: "LOCK0001" }, guesser);
    expect([refused.status, errorCode(refused)]).toEqual([429, "ACTIVATION_LOCKED"]);
    expect((await ownerQuery(db.url, `SELECT used_at FROM device_activation_code WHERE id = $1`, [code.id]))[0]!.used_at).toBeNull();
    const elsewhere = await activateReq(b, { activationCode: code.code, serialNumber: "LOCK0001" }, "198.51.100.4");
    expect(elsewhere.status).toBe(201);
    // The lockout is per tenant: the same address at another provider's host is not locked.
    expect(errorCode(await activateReq(a, { activationCode: "GUESSAAAAAAA", serialNumber: "LOCK0002" }, guesser))).toBe("ACTIVATION_CODE_INVALID");
  });

  it("refuses unknown, expired, reused and wrong-serial codes; a store code registers an unknown serial number", async () => {
    const ctx = ownerContext(a.tenant);
    expect(errorCode(await activateReq(a, { activationCode: "NOSUCHCODE12", serialNumber: "ACT0001" }))).toBe("ACTIVATION_CODE_INVALID");

    await inTenant(a, (tx) => importDevices(tx, ctx, { csv: "serialNumber\nACT0001\nACT0002\n", commit: true }));
    const [d1, d2] = await inTenant(a, async (tx) => (await findDevices(tx, ctx, { search: "ACT" })).items.map((d) => d.id).sort());
    // A serial code needs an assigned device.
    await expect(inTenant(a, (tx) => createActivationCode(tx, ctx, { serialNumber: "ACT0001" }))).rejects.toMatchObject({ code: "DEVICE_NOT_ASSIGNED" });
    await inTenant(a, (tx) => assignDevices(tx, ctx, { ids: [d1!, d2!], merchantId: a.merchantId, storeId: a.storeId, channelAccountId: a.accountId }));
    const forOne = await inTenant(a, (tx) => createActivationCode(tx, ctx, { serialNumber: "ACT0001" }));
    expect(forOne.code).toMatch(/^[A-Z2-9]{12}$/);
    const wrong = await activateReq(a, { activationCode: forOne.code, serialNumber: "ACT0002" });
    expect([wrong.status, errorCode(wrong)]).toEqual([403, "ACTIVATION_CODE_WRONG_DEVICE"]);
    // The code is only good at its own tenant's host.
    expect(errorCode(await activateReq(b, { activationCode: forOne.code, serialNumber: "ACT0001" }))).toBe("ACTIVATION_CODE_INVALID");
    const ok = await activateReq(a, { activationCode: forOne.code, serialNumber: "ACT0001", model: "F4" });
    expect(ok.status).toBe(201);
    expect(ok.json).toMatchObject({ deviceId: expect.stringMatching(/^dv_[0-9A-Za-z]{16}$/), deviceSecret: expect.stringMatching(/^sk_/), merchantId: a.merchantId, storeId: a.storeId });
    const reused = await activateReq(a, { activationCode: forOne.code, serialNumber: "ACT0001" });
    expect([reused.status, errorCode(reused)]).toEqual([409, "ACTIVATION_CODE_USED"]);

    const expired = await inTenant(a, (tx) => createActivationCode(tx, ctx, { serialNumber: "ACT0002" }));
    await ownerQuery(db.url, `UPDATE device_activation_code SET expires_at = now() - interval '1 second' WHERE id = $1`, [expired.id]);
    expect(errorCode(await activateReq(a, { activationCode: expired.code, serialNumber: "ACT0002" }))).toBe("ACTIVATION_CODE_EXPIRED");

    // A store code registers a serial number nobody imported, assigned to the store and bound to the merchant's account.
    const storeCode = await inTenant(a, (tx) => createActivationCode(tx, ctx, { storeId: a.storeId }));
    const fresh = await activateReq(a, { activationCode: storeCode.code, serialNumber: "NEW0001", model: "X1" });
    expect(fresh.status).toBe(201);
    const registered = (await inTenant(a, (tx) => findDevices(tx, ctx, { search: "NEW0001" }))).items[0]!;
    expect(registered).toMatchObject({ status: "ACTIVE", merchantId: a.merchantId, storeId: a.storeId, channelAccountId: a.accountId, model: "X1" });
    // The secret is stored sealed, never in clear.
    const [row] = await ownerQuery<{ secret_enc: string }>(db.url, `SELECT secret_enc FROM device WHERE id = $1`, [registered.id]);
    expect(row!.secret_enc).not.toContain((fresh.json as { deviceSecret: string }).deviceSecret);
  });
});

describe("CLI", () => {
  it("devices code create --store / --serial prints { code, expiresAt }; another tenant's store is not found", async () => {
    const r = (await run(["devices", "code", "create", "--tenant", a.tenant.slug, "--store", a.storeId])) as { code: string; expiresAt: Date };
    expect(r.code).toMatch(/^[A-Z2-9]{12}$/);
    expect(r.expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect((await activateReq(a, { activationCode: r.code, serialNumber: "CLI0001" })).status).toBe(201);
    await expect(run(["devices", "code", "create", "--tenant", a.tenant.slug, "--store", b.storeId])).rejects.toMatchObject({ code: "STORE_NOT_FOUND" });
    const bySerial = (await run(["devices", "code", "create", "--tenant", a.tenant.slug, "--serial", "CLI0001", "--minutes", "5"])) as { code: string; expiresAt: Date };
    expect(bySerial.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    await expect(run(["devices", "code", "create", "--tenant", a.tenant.slug])).rejects.toBeTruthy();
  });
});

describe("the signed device API", () => {
  it("signing and replay: bad signature, reused nonce, old timestamp, unknown device, other tenant's host", async () => {
    const key = await activeDevice(a, "SIG0001");
    const hb = { appVersion: "1.0.0", network: "wifi" };
    expect((await signed(a, key, "/api/device/v1/heartbeat", hb)).status).toBe(200);
    expect(errorCode(await signed(a, { ...key, secret: "sk_wrong" }, "/api/device/v1/heartbeat", hb))).toBe("SIGNATURE_INVALID");
    const nonce = newNonce();
    expect((await signed(a, key, "/api/device/v1/heartbeat", hb, { nonce })).status).toBe(200);
    expect(errorCode(await signed(a, key, "/api/device/v1/heartbeat", hb, { nonce }))).toBe("NONCE_REUSED");
    expect(errorCode(await signed(a, key, "/api/device/v1/heartbeat", hb, { timestamp: Math.floor(Date.now() / 1000) - 600 }))).toBe("TIMESTAMP_OUT_OF_WINDOW");
    expect(errorCode(await signed(a, { keyId: "dv_0000000000000000", secret: key.secret }, "/api/device/v1/heartbeat", hb))).toBe("DEVICE_UNKNOWN");
    // A device is only known at its own tenant's host.
    expect(errorCode(await signed(b, key, "/api/device/v1/heartbeat", hb))).toBe("DEVICE_UNKNOWN");
    // A merchant API key cannot sign device requests (and vice versa: keyIds are separate namespaces).
    const apiKey = await inTenant(a, (tx) => createApiKey(tx, ownerContext(a.tenant), { merchantId: a.merchantId, label: "pos" }));
    expect(errorCode(await signed(a, { keyId: apiKey.keyId, secret: apiKey.secret }, "/api/device/v1/heartbeat", hb))).toBe("DEVICE_UNKNOWN");
    // Idempotency: the same key and body replays; a different body is a conflict.
    const first = await signed(a, key, "/api/device/v1/heartbeat", hb, { idempotencyKey: "hb-1" });
    const replay = await signed(a, key, "/api/device/v1/heartbeat", hb, { idempotencyKey: "hb-1" });
    expect(replay.text).toBe(first.text);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(errorCode(await signed(a, key, "/api/device/v1/heartbeat", { ...hb, network: "4g" }, { idempotencyKey: "hb-1" }))).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("heartbeat: state, offline after the tenant's timeout, 移机 flag, configuration pushed until applied", async () => {
    const ctx = ownerContext(a.tenant);
    const key = await activeDevice(a, "HB00001");
    await inTenant(a, (tx) => createConfigVersion(tx, ctx, { values: { successText: "谢谢惠顾", heartbeatIntervalSeconds: 60 }, note: "launch" }));
    const r1 = await signed(a, key, "/api/device/v1/heartbeat", { appVersion: "2.1.0", network: "4g", errors: ["camera: low light"], location: { latitude: 31.2305, longitude: 121.4738 } });
    expect(r1.status).toBe(200);
    expect(r1.json).toMatchObject({ status: "ACTIVE", isRelocated: false, config: { version: 1, values: { successText: "谢谢惠顾", heartbeatIntervalSeconds: 60 } } });
    let d = await inTenant(a, (tx) => getDevice(tx, ctx, key.rowId));
    expect(d).toMatchObject({ isOnline: true, appVersion: "2.1.0", network: "4g", lastErrors: ["camera: low light"], isRelocated: false });
    // Applied: no configuration in the answer any more.
    const r2 = await signed(a, key, "/api/device/v1/heartbeat", { appVersion: "2.1.0", network: "4g", configVersion: 1 });
    expect((r2.json as { config: unknown }).config).toBeNull();
    // 移机: reported from Beijing, far from the Shanghai store.
    const r3 = await signed(a, key, "/api/device/v1/heartbeat", { appVersion: "2.1.0", network: "4g", configVersion: 1, location: { latitude: 39.9042, longitude: 116.4074 } });
    expect(r3.json).toMatchObject({ isRelocated: true });
    d = await inTenant(a, (tx) => getDevice(tx, ctx, key.rowId));
    expect(d.isRelocated).toBe(true);
    expect(d.relocatedMeters).toBeGreaterThan(1_000_000);
    expect((await inTenant(a, (tx) => findDevices(tx, ctx, { isRelocated: true }))).items.map((x) => x.id)).toContain(key.rowId);
    // Offline: last seen longer ago than the tenant's timeout.
    await ownerQuery(db.url, `UPDATE device SET last_seen_at = now() - interval '200 seconds' WHERE id = $1`, [key.rowId]);
    expect((await inTenant(a, (tx) => getDevice(tx, ctx, key.rowId))).isOnline).toBe(true);
    await inTenant(a, (tx) => updateFleetSettings(tx, ctx, { offlineAfterSeconds: 120, relocationMeters: 1000, incentiveMinAmountMinor: 100n }));
    expect((await inTenant(a, (tx) => getDevice(tx, ctx, key.rowId))).isOnline).toBe(false);
    expect((await inTenant(a, (tx) => findDevices(tx, ctx, { online: "OFFLINE", search: "HB0" }))).items.map((x) => x.id)).toEqual([key.rowId]);
    await inTenant(a, (tx) => updateFleetSettings(tx, ctx, { offlineAfterSeconds: 300, relocationMeters: 1000, incentiveMinAmountMinor: 100n }));
  });

  it("face authinfo through the bound channel account", async () => {
    const key = await activeDevice(a, "FACE0001");
    const r = await signed(a, key, "/api/device/v1/face/authinfo", { channel: "WECHAT", rawdata: "RAWDATA-FROM-SDK" });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ authinfo: expect.stringMatching(/^SANDBOX-AUTHINFO-/), expiresAt: expect.any(String) });
    expect(errorCode(await signed(a, key, "/api/device/v1/face/authinfo", { channel: "UNIONPAY", rawdata: "x" }))).toBe("INVALID_REQUEST");
  });

  it("payments: for the device's merchant, store and bound account; polled by id; never another device's, merchant's or tenant's", async () => {
    const key = await activeDevice(a, "PAY0001");
    const other = await activeDevice(a2, "PAY0002");
    const beta = await activeDevice(b, "PAY0003");
    const r = await signed(a, key, "/api/device/v1/payments", { deviceOrderNo: "o-1", amountMinor: 1234, faceCode: "FACE-CODE-1" });
    expect(r.status).toBe(201);
    const p = r.json as { id: string; status: string; deviceOrderNo: string; deviceId: string; storeId: string; product: string; channel: { accountId: string } };
    expect(p).toMatchObject({ status: "SUCCEEDED", deviceOrderNo: "o-1", deviceId: key.keyId, storeId: a.storeId, product: "WECHAT_FACE", channel: { accountId: a.accountId } });
    const [row] = await ownerQuery<{ merchant_id: string; device_id: string; store_id: string; ledger_entry_id: string | null }>(db.url, `SELECT merchant_id, device_id, store_id, ledger_entry_id FROM payment WHERE id = $1`, [p.id]);
    expect(row).toMatchObject({ merchant_id: a.merchantId, device_id: key.keyId, store_id: a.storeId });
    expect(row!.ledger_entry_id).not.toBeNull();
    // The same deviceOrderNo again is the payment service's duplicate guard.
    expect(errorCode(await signed(a, key, "/api/device/v1/payments", { deviceOrderNo: "o-1", amountMinor: 1234, faceCode: "FACE-CODE-1" }))).toBe("MERCHANT_ORDER_NO_TAKEN");
    // A decline.
    const declined = await signed(a, key, "/api/device/v1/payments", { deviceOrderNo: "o-2", amountMinor: 1201, faceCode: "FACE-CODE-2" });
    expect((declined.json as { status: string }).status).toBe("FAILED");
    // Unknown members (a merchantId!) are refused.
    expect(errorCode(await signed(a, key, "/api/device/v1/payments", { deviceOrderNo: "o-3", amountMinor: 100, faceCode: "F", merchantId: a2.merchantId }))).toBe("INVALID_REQUEST");

    expect((await getPayment(a, key, p.id)).json).toMatchObject({ id: p.id, status: "SUCCEEDED" });
    // Another device of another merchant, a device of another tenant: 404 (or unknown at the other host).
    expect(errorCode(await getPayment(a, other, p.id))).toBe("PAYMENT_NOT_FOUND");
    expect(errorCode(await getPayment(b, beta, p.id))).toBe("PAYMENT_NOT_FOUND");
    expect(errorCode(await getPayment(b, key, p.id))).toBe("DEVICE_UNKNOWN");
  });

  it("suspended, returned and retired devices are refused with a clear code", async () => {
    const ctx = ownerContext(a.tenant);
    const key = await activeDevice(a, "SUS0001");
    await inTenant(a, (tx) => bulkDeviceAction(tx, ctx, { ids: [key.rowId], action: "SUSPEND", reason: "stolen?" }));
    const pay = await signed(a, key, "/api/device/v1/payments", { deviceOrderNo: "s-1", amountMinor: 100, faceCode: "F" });
    expect([pay.status, errorCode(pay)]).toEqual([403, "DEVICE_SUSPENDED"]);
    expect(errorCode(await signed(a, key, "/api/device/v1/face/authinfo", { channel: "WECHAT", rawdata: "x" }))).toBe("DEVICE_SUSPENDED");
    // It still reports in, and learns it is suspended.
    expect((await signed(a, key, "/api/device/v1/heartbeat", { appVersion: "1", network: "wifi" })).json).toMatchObject({ status: "SUSPENDED" });
    await inTenant(a, (tx) => bulkDeviceAction(tx, ctx, { ids: [key.rowId], action: "RESUME", reason: "found" }));
    expect((await signed(a, key, "/api/device/v1/payments", { deviceOrderNo: "s-2", amountMinor: 100, faceCode: "F" })).status).toBe(201);
    await inTenant(a, (tx) => bulkDeviceAction(tx, ctx, { ids: [key.rowId], action: "RETIRE", reason: "end of life" }));
    // Retiring drops the secret: the device is unknown to the API from then on.
    expect(errorCode(await signed(a, key, "/api/device/v1/heartbeat", { appVersion: "1", network: "wifi" }))).toBe("DEVICE_UNKNOWN");
  });
});

describe("daily statistics", () => {
  it("follow payments and refunds through the outbox, idempotently; the device page, ranking and idle list read them", async () => {
    const ctx = ownerContext(a.tenant);
    const key = await activeDevice(a, "STAT0001");
    for (const [n, amount] of [[1, 1000], [2, 2500], [3, 1201], [4, 50]] as const) {
      await signed(a, key, "/api/device/v1/payments", { deviceOrderNo: `st-${n}`, amountMinor: amount, faceCode: "F" });
    }
    while ((await drainOutboxOnce(500)).claimed > 0);
    const rows = await ownerQuery<{ payment_count: number; success_count: number; amount_minor: string; valid_count: number; fee_minor: string; margin_minor: string }>(
      db.url,
      `SELECT payment_count, success_count, amount_minor::text, valid_count, fee_minor::text, margin_minor::text FROM payment_daily_stat WHERE tenant_id = $1 AND device_id = $2`,
      [a.tenant.id, key.keyId],
    );
    expect(rows).toHaveLength(1);
    const [agg] = await ownerQuery<{ n: number; ok: number; amount: string; fee: string; margin: string }>(
      db.url,
      `SELECT count(*)::int AS n, (count(*) FILTER (WHERE status = 'SUCCEEDED'))::int AS ok, sum(amount_minor) FILTER (WHERE status = 'SUCCEEDED')::text AS amount,
              sum(fee_minor) FILTER (WHERE status = 'SUCCEEDED')::text AS fee, sum(margin_minor) FILTER (WHERE status = 'SUCCEEDED')::text AS margin
         FROM payment WHERE tenant_id = $1 AND device_id = $2`,
      [a.tenant.id, key.keyId],
    );
    expect(rows[0]).toEqual({ payment_count: 4, success_count: 3, amount_minor: "3550", valid_count: 2, fee_minor: agg!.fee, margin_minor: agg!.margin });
    expect(agg).toMatchObject({ n: 4, ok: 3, amount: "3550" });

    // Idempotent: recomputing again (a redelivered event) changes nothing.
    const before = JSON.stringify(rows);
    await ownerQuery(db.url, `UPDATE outbox_event SET status = 'PENDING', available_at = now(), attempts = 0 WHERE tenant_id = $1 AND topic = 'stats.recompute'`, [a.tenant.id]);
    while ((await drainOutboxOnce(500)).claimed > 0);
    const again = await ownerQuery(db.url, `SELECT payment_count, success_count, amount_minor::text, valid_count, fee_minor::text, margin_minor::text FROM payment_daily_stat WHERE tenant_id = $1 AND device_id = $2`, [a.tenant.id, key.keyId]);
    expect(JSON.stringify(again)).toBe(before);

    // A refund (sandbox: succeeds at once) moves the group's refunds and nets fee, cost and margin.
    const [paid] = await ownerQuery<{ id: string }>(db.url, `SELECT id FROM payment WHERE device_id = $1 AND amount_minor = 2500`, [key.keyId]);
    const refund = await createRefund(ctx, { paymentId: paid!.id, merchantRefundNo: "rf-stat-1", amountMinor: 2500n, reason: "changed mind", origin: "CONSOLE" });
    expect(refund.status).toBe("SUCCEEDED");
    while ((await drainOutboxOnce(500)).claimed > 0);
    const [withRefund] = await ownerQuery<{ refund_count: number; refund_minor: string; fee_minor: string; margin_minor: string; cost_minor: string }>(
      db.url,
      `SELECT refund_count, refund_minor::text, fee_minor::text, margin_minor::text, cost_minor::text FROM payment_daily_stat WHERE tenant_id = $1 AND device_id = $2`,
      [a.tenant.id, key.keyId],
    );
    const [net] = await ownerQuery<{ fee: string; cost: string; margin: string }>(
      db.url,
      `SELECT (SELECT sum(fee_minor) FROM payment WHERE device_id = $1 AND status = 'SUCCEEDED') - sum(r.fee_returned_minor) AS fee,
              (SELECT sum(cost_minor) FROM payment WHERE device_id = $1 AND status = 'SUCCEEDED') - sum(r.cost_returned_minor) AS cost,
              (SELECT sum(margin_minor) FROM payment WHERE device_id = $1 AND status = 'SUCCEEDED') - sum(r.margin_clawback_minor) AS margin
         FROM refund r JOIN payment p ON p.tenant_id = r.tenant_id AND p.id = r.payment_id WHERE p.device_id = $1 AND r.status = 'SUCCEEDED'`,
      [key.keyId],
    );
    expect(withRefund).toEqual({ refund_count: 1, refund_minor: "2500", fee_minor: net!.fee, cost_minor: net!.cost, margin_minor: net!.margin });

    // The last 7 business days in the tenant's time zone (Asia/Shanghai), today included.
    const daily = await inTenant(a, (tx) => deviceDaily(tx, ctx, { id: key.rowId, days: 7 }));
    expect(daily.days).toHaveLength(7);
    expect(daily.days.reduce((s, d) => s + d.amountMinor, 0n)).toBe(3550n);
    const ranking = await inTenant(a, (tx) => fleetRanking(tx, ctx, { days: 7, by: "device" }));
    expect(ranking.find((r) => r.key === key.keyId)).toMatchObject({ paymentCount: 4, successCount: 3, amountMinor: 3550n });
    const stores = await inTenant(a, (tx) => fleetRanking(tx, ctx, { days: 7, by: "store" }));
    expect(stores.find((r) => r.key === a.storeId)!.amountMinor).toBeGreaterThanOrEqual(3550n);
    // Idle: a device activated long ago with no success since.
    const idleKey = await activeDevice(a, "IDLE0001");
    await ownerQuery(db.url, `UPDATE device SET activated_at = now() - interval '30 days' WHERE id = $1`, [idleKey.rowId]);
    const idle = await inTenant(a, (tx) => idleDevices(tx, ctx, { days: 7 }));
    expect(idle.map((d) => d.id)).toContain(idleKey.rowId);
    expect(idle.map((d) => d.id)).not.toContain(key.rowId);
  });
});

describe("business dates and the incentive threshold", () => {
  it("idle days count business dates in the tenant's time zone (Asia/Shanghai), not UTC", async () => {
    const ctx = ownerContext(a.tenant);
    const early = await activeDevice(a, "TZIDLE01");
    const late = await activeDevice(a, "TZIDLE02");
    // 2026-11-26T17:00Z is 2026-11-27 01:00 in Shanghai (UTC still says the 26th).
    await ownerQuery(db.url, `UPDATE device SET activated_at = '2026-11-26T17:00:00Z' WHERE id = $1`, [early.rowId]);
    // 2026-11-27T03:00Z is the 27th on both clocks.
    await ownerQuery(db.url, `UPDATE device SET activated_at = '2026-11-27T03:00:00Z' WHERE id = $1`, [late.rowId]);
    const idleAt = async (now: string, days: number) => (await inTenant(a, (tx) => idleDevices(tx, ctx, { days }, new Date(now)))).map((d) => d.id);

    // Now 2026-12-05T02:00Z: the 5th on both clocks. Both devices were activated on the 27th in
    // Shanghai: idle for 8 days, not 9 (UTC dates would make the first one 9).
    expect(await idleAt("2026-12-05T02:00:00Z", 8)).toEqual(expect.arrayContaining([early.rowId, late.rowId]));
    const nine = await idleAt("2026-12-05T02:00:00Z", 9);
    expect(nine).not.toContain(early.rowId);
    expect(nine).not.toContain(late.rowId);
    // Now 2026-12-04T17:00Z: already the 5th in Shanghai (UTC: the 4th): 8 days idle, not 7.
    expect(await idleAt("2026-12-04T17:00:00Z", 8)).toEqual(expect.arrayContaining([early.rowId, late.rowId]));
    // The evening before in Shanghai (2026-12-04T15:00Z is 23:00 on the 4th): 7 days, not yet 8.
    expect(await idleAt("2026-12-04T15:00:00Z", 8)).not.toContain(late.rowId);
    await inTenant(a, (tx) => bulkDeviceAction(tx, ctx, { ids: [early.rowId, late.rowId], action: "SUSPEND", reason: "test done" }));
  });

  it("distinct payers per device and day; a threshold change recomputes valid_count and payer_count of existing rows", async () => {
    const ctx = ownerContext(a.tenant);
    const settings = (incentiveMinAmountMinor: bigint) => inTenant(a, (tx) => updateFleetSettings(tx, ctx, { offlineAfterSeconds: 300, relocationMeters: 1000, incentiveMinAmountMinor }));
    await settings(100n);
    const key = await activeDevice(a, "PAYER001");
    // The sandbox names the payer after the face code: F1 pays twice, F3 only below the threshold,
    // and the declined payment (…01) of F4 counts for nobody.
    for (const [n, amount, face] of [[1, 1000, "F1"], [2, 2500, "F2"], [3, 150, "F1"], [4, 50, "F3"], [5, 3001, "F4"]] as const) {
      const r = await signed(a, key, "/api/device/v1/payments", { deviceOrderNo: `py-${n}`, amountMinor: amount, faceCode: face });
      expect(r.status).toBeLessThan(300);
    }
    while ((await drainOutboxOnce(500)).claimed > 0);
    const payers = await ownerQuery<{ amount_minor: string; payer_id: string | null }>(db.url, `SELECT amount_minor::text, payer_id FROM payment WHERE tenant_id = $1 AND device_id = $2 ORDER BY created_at`, [a.tenant.id, key.keyId]);
    // Recorded from the pay answer of each success (a decline names no payer).
    expect(payers.slice(0, 4).every((p) => p.payer_id?.startsWith("sbx_"))).toBe(true);
    expect(payers[4]!.payer_id).toBeNull();
    expect(payers[0]!.payer_id).toBe(payers[2]!.payer_id);
    expect(new Set(payers.slice(0, 4).map((p) => p.payer_id)).size).toBe(3);

    const row = async () =>
      (await ownerQuery<{ success_count: number; valid_count: number; payer_count: number }>(db.url, `SELECT success_count, valid_count, payer_count FROM payment_daily_stat WHERE tenant_id = $1 AND device_id = $2`, [a.tenant.id, key.keyId]))[0];
    expect(await row()).toEqual({ success_count: 4, valid_count: 3, payer_count: 2 });

    // Raised to 10.00: only F1's 10.00 and F2's 25.00 remain valid, two payers. No outbox event
    // is needed: the change recomputes the rows in its own transaction.
    await settings(1000n);
    expect(await row()).toEqual({ success_count: 4, valid_count: 2, payer_count: 2 });
    await settings(2000n);
    expect(await row()).toEqual({ success_count: 4, valid_count: 1, payer_count: 1 });
    // A recompute from the outbox afterwards (a redelivered event) agrees with the new threshold.
    await ownerQuery(db.url, `UPDATE outbox_event SET status = 'PENDING', available_at = now(), attempts = 0 WHERE tenant_id = $1 AND topic = 'stats.recompute'`, [a.tenant.id]);
    while ((await drainOutboxOnce(500)).claimed > 0);
    expect(await row()).toEqual({ success_count: 4, valid_count: 1, payer_count: 1 });
    // Lowered to 0: every success is valid, three payers.
    await settings(0n);
    expect(await row()).toEqual({ success_count: 4, valid_count: 4, payer_count: 3 });
    const daily = await inTenant(a, (tx) => deviceDaily(tx, ctx, { id: key.rowId, days: 7 }));
    expect(daily.days.reduce((s, d) => s + d.payerCount, 0)).toBe(3);
    expect(daily.incentiveMinAmountMinor).toBe(0n);
    await settings(100n);
    expect(await row()).toEqual({ success_count: 4, valid_count: 3, payer_count: 2 });

    // A change waits for a recompute in flight (a drainer holding the shared lock after reading the
    // old threshold), then recomputes over whatever it wrote.
    let release!: () => void;
    let taken!: () => void;
    const lockTaken = new Promise<void>((r) => (taken = r));
    const drainer = inTenant(a, async (tx) => {
      await lockIncentiveThreshold(tx, ctx, "shared");
      taken();
      await new Promise<void>((r) => (release = r));
      // What a drainer that read 1.00 writes: every success of the device valid.
      await tx.$executeRaw`UPDATE payment_daily_stat SET valid_count = 4, payer_count = 3 WHERE tenant_id = ${a.tenant.id}::uuid AND device_id = ${key.keyId}`;
    });
    await lockTaken;
    let changed = false;
    const change = settings(1000n).then(() => void (changed = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(changed).toBe(false);
    release();
    await drainer;
    await change;
    expect(await row()).toEqual({ success_count: 4, valid_count: 2, payer_count: 2 });
  });
});

describe("rebinding", () => {
  it("moves an active device to another channel account of its merchant: binding redone, history, still signed in; refusals are clear", async () => {
    const ctx = ownerContext(a.tenant);
    const key = await activeDevice(a, "RB0001");
    await inTenant(a, (tx) => updateDevice(tx, ctx, { id: key.rowId, terminalNo: "T-OLD-01" }));
    const [two, unregistered] = await inTenant(a, async (tx) => {
      const t2 = await createChannelAccount(tx, ctx, { channelType: "SANDBOX", name: "Sandbox Two", params: {}, credentials: { notifySecret: "nsec-rebind-two" } });
      await createRegistration(tx, ctx, { merchantId: a.merchantId, channelAccountId: t2.id, status: "ACTIVE", channelRatePpm: 3800 });
      const t3 = await createChannelAccount(tx, ctx, { channelType: "SANDBOX", name: "Sandbox Three", params: {}, credentials: { notifySecret: "nsec-rebind-three" } });
      return [t2.id, t3.id] as const;
    });
    const rebind = (input: { id?: string; channelAccountId: string; terminalNo?: string }, who = a) =>
      withTenantTx(who.tenant.id, (tx) => rebindDevice(tx, ownerContext(who.tenant), { id: key.rowId, reason: "moved to the new acquirer", ...input }));
    expect(await codeOf(rebind({ channelAccountId: a.accountId }))).toBe("REBIND_SAME_ACCOUNT");
    expect(await codeOf(rebind({ channelAccountId: unregistered }))).toBe("NOT_REGISTERED_ON_CHANNEL_ACCOUNT");
    expect(await codeOf(rebind({ channelAccountId: two }, b))).toBe("DEVICE_NOT_FOUND");

    const after = await rebind({ channelAccountId: two, terminalNo: "T-NEW-02" });
    expect(after).toMatchObject({ status: "ACTIVE", channelAccountId: two, terminalNo: "T-NEW-02" });
    const history = (await inTenant(a, (tx) => getDevice(tx, ctx, key.rowId))).transitions.map((x) => [x.action, x.fromStatus, x.toStatus]);
    expect(history[0]).toEqual(["REBIND", "ACTIVE", "ACTIVE"]);
    // Still the same device with the same secret; the heartbeat tells it its binding, and its payments go through the new account.
    expect((await signed(a, key, "/api/device/v1/heartbeat", { appVersion: "1", network: "wifi" })).json).toMatchObject({ status: "ACTIVE", binding: { channel: "SANDBOX", terminalNo: "T-NEW-02" } });
    const paid = await signed(a, key, "/api/device/v1/payments", { deviceOrderNo: "rb-1", amountMinor: 1500, faceCode: "FACE-RB" });
    expect(paid.json).toMatchObject({ status: "SUCCEEDED", channel: { accountId: two } });
    // Without a terminal number for the new channel, the old channel's one is dropped.
    expect(await rebind({ channelAccountId: a.accountId })).toMatchObject({ channelAccountId: a.accountId, terminalNo: null });
    const audits = await ownerQuery<{ before: { channelAccountId: string; terminalNo: string | null } }>(db.url, `SELECT before FROM audit_log WHERE tenant_id = $1 AND action = 'devices.rebind' ORDER BY created_at`, [a.tenant.id]);
    expect(audits.map((x) => x.before)).toEqual([
      { channelAccountId: a.accountId, terminalNo: "T-OLD-01" },
      { channelAccountId: two, terminalNo: "T-NEW-02" },
    ]);
    // A suspended device is resumed first.
    await inTenant(a, (tx) => bulkDeviceAction(tx, ctx, { ids: [key.rowId], action: "SUSPEND", reason: "checking" }));
    expect(await codeOf(rebind({ channelAccountId: two }))).toBe("DEVICE_NOT_REBINDABLE");
  });
});

describe("offline alerts", () => {
  it("the sweep stamps a device silent past the timeout once, tells its merchant (device.offline), and its next heartbeat clears it", async () => {
    const ctx = ownerContext(a.tenant);
    const key = await activeDevice(a, "OFF0001");
    expect((await signed(a, key, "/api/device/v1/heartbeat", { appVersion: "1", network: "wifi" })).status).toBe(200);
    const { offlineAfterSeconds } = await inTenant(a, (tx) => getDevice(tx, ctx, key.rowId));
    const mine = (alerts: Array<{ id: string }>) => alerts.filter((x) => x.id === key.rowId);
    const at = (seconds: number) => new Date(Date.now() + seconds * 1000);
    expect(mine(await sweepOfflineDevices(ctx, at(offlineAfterSeconds - 30)))).toEqual([]);
    const first = mine(await sweepOfflineDevices(ctx, at(offlineAfterSeconds + 30)));
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ deviceId: key.keyId, merchantId: a.merchantId, storeId: a.storeId });
    // Once per silence.
    expect(mine(await sweepOfflineDevices(ctx, at(offlineAfterSeconds + 90)))).toEqual([]);
    expect((await inTenant(a, (tx) => offlineAlerts(tx, ctx))).map((x) => x.id)).toContain(key.rowId);
    const events = async () => ownerQuery<{ merchant_id: string; type: string }>(db.url, `SELECT merchant_id, type FROM webhook_event WHERE tenant_id = $1 AND object_id = $2`, [a.tenant.id, key.rowId]);
    expect(await events()).toEqual([{ merchant_id: a.merchantId, type: "device.offline" }]);
    // Back: the heartbeat clears the alert; silent again later, it alerts again.
    expect((await signed(a, key, "/api/device/v1/heartbeat", { appVersion: "1", network: "wifi" })).status).toBe(200);
    expect((await inTenant(a, (tx) => offlineAlerts(tx, ctx))).map((x) => x.id)).not.toContain(key.rowId);
    expect(mine(await sweepOfflineDevices(ctx, at(offlineAfterSeconds + 30)))).toHaveLength(1);
    expect(await events()).toHaveLength(2);
  });
});
