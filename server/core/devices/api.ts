import { randomUUID } from "node:crypto";
import { ZodError } from "zod";
import { connectorFor } from "@/server/channels/registry";
import { ChannelError } from "@/server/channels/types";
import { connectorConfig } from "@/server/core/channels/accounts";
import { DomainError } from "@/server/core/errors/domain-error";
import { API_STATUS_BY_KIND, created, ok, type ApiReply } from "@/server/core/merchant-api/handler";
import { toApiJson } from "@/server/core/merchant-api/json";
import { merchantApiOperation, type ApiOperationCall } from "@/server/core/merchant-api/operation";
import { newSecret } from "@/server/core/merchant-api/keys";
import { registrationIdentity } from "@/server/core/payments/common";
import { presentPayment } from "@/server/core/payments/present";
import { createPayment, getPayment, queryPayment, type PaymentView } from "@/server/core/payments/service";
import { seal } from "@/server/core/secrets/envelope";
import { sealContextFor } from "@/server/core/secrets/registry";
import { systemResolveTenantByHost } from "@/server/core/tenancy/resolve";
import type { ProductCode } from "@/server/db/generated/prisma/enums";
import { authorizedTenantId, withSystemTx, withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import { authenticateDevice, DEVICE_SECRET_COLUMN } from "./auth";
import { distanceMeters } from "./rules";
import { ZActivate, ZAuthInfo, ZDevicePayment, ZHeartbeat } from "./schema";
import { getFleetSettings, hashActivationCode, latestConfig, newDeviceId, recordDeviceTransition } from "./service";

// The device API (/api/device/v1, JSON). Activation is the one unsigned call (the device has no
// secret yet; the one-time code is its credential). Everything else goes through the merchant
// API's gate with the device authenticator: the same signature, timestamp, nonce and
// Idempotency-Key rules, keyId = deviceId, and a principal that is the device's merchant — so a
// device can never act for another merchant or tenant or read their payments.

const DEVICE_API_OPTIONS = { authenticate: authenticateDevice } as const;

/** Wraps a device operation into a route handler (signed, idempotent POSTs). */
export const deviceApiRoute = (operation: (call: ApiOperationCall) => Promise<ApiReply>) => merchantApiOperation(operation, DEVICE_API_OPTIONS);

// ---------------------------------------------------------------------------------------------
// Activation

function json(status: number, body: unknown, requestId: string): Response {
  return new Response(toApiJson(body), { status, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "x-request-id": requestId } });
}

const codeRefused = (kind: "NOT_FOUND" | "CONFLICT" | "PRECONDITION" | "FORBIDDEN", code: string, message: string) => new DomainError(kind, code, message, { field: "activationCode" });

/**
 * POST /api/device/v1/activate { activationCode, serialNumber, model } → { deviceId, deviceSecret }.
 * The code is consumed in the same transaction that activates the device and seals its new secret;
 * the secret is in this response only.
 */
/** Wrong activation codes allowed per network address and tenant in ACTIVATION_WINDOW before it is locked out for ACTIVATION_LOCK. */
export const ACTIVATION_MAX_FAILURES = 10;
const ACTIVATION_WINDOW = "15 minutes";
const ACTIVATION_LOCK = "15 minutes";

/** The caller's address as the proxy in front of us reports it (the first x-forwarded-for hop), else x-real-ip. */
function callerAddress(req: Request): string {
  return req.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || req.headers.get("x-real-ip")?.trim() || "unknown";
}

function activationLocked(until: Date): DomainError {
  const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
  return new DomainError("RATE_LIMITED", "ACTIVATION_LOCKED", `Too many wrong activation codes from this network. Try again in ${minutes} minute(s).`, { params: { minutes } });
}

export async function activateRoute(req: Request): Promise<Response> {
  const requestId = randomUUID();
  try {
    const tenant = await systemResolveTenantByHost(req.headers.get("host"));
    if (!tenant) throw new DomainError("NOT_FOUND", "UNKNOWN_TENANT", "Unknown service provider: send the request to your service provider's API host");
    if (tenant.status !== "ACTIVE") throw new DomainError("FORBIDDEN", "TENANT_SUSPENDED", "This service provider is suspended");
    // Activation codes are short: guessing them is throttled per address like sign-in (the same
    // failure counter), and a locked address is refused before any code is looked at.
    const throttleKey = `device-activate:${tenant.id}:${callerAddress(req)}`;
    const locked = (await withSystemTx((tx) => tx.$queryRaw<Array<{ u: Date | null }>>`SELECT system_login_locked_until(${throttleKey}) AS u`))[0]?.u;
    if (locked) throw activationLocked(locked);
    let body: unknown;
    try {
      body = JSON.parse(await req.text());
    } catch {
      throw new DomainError("BAD_INPUT", "BODY_INVALID_JSON", "The body is not valid JSON");
    }
    const input = ZActivate.parse(body);
    const tenantId = authorizedTenantId(tenant.id);
    const ctx: TenantContext = { tenantId, actor: { kind: "SYSTEM", name: `device-activation:${input.serialNumber}` }, requestId };
    let result: Awaited<ReturnType<typeof activate>>;
    try {
      result = await withTenantTx(tenantId, (tx) => activate(tx, ctx, input));
    } catch (e) {
      if (e instanceof DomainError && e.code === "ACTIVATION_CODE_INVALID") {
        const until = (
          await withSystemTx((tx) => tx.$queryRaw<Array<{ u: Date | null }>>`SELECT system_login_failed(${throttleKey}, ${ACTIVATION_MAX_FAILURES}::int, ${ACTIVATION_WINDOW}::interval, ${ACTIVATION_LOCK}::interval) AS u`)
        )[0]?.u;
        if (until) throw activationLocked(until);
      }
      throw e;
    }
    return json(201, result, requestId);
  } catch (e) {
    const error = e instanceof ZodError ? new DomainError("BAD_INPUT", "INVALID_REQUEST", e.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "), { field: e.issues[0]?.path.join(".") ?? "" }) : e;
    if (error instanceof DomainError) {
      logger.info({ requestId, code: error.code }, "device activation refused");
      return json(API_STATUS_BY_KIND[error.kind], { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } }, requestId);
    }
    logger.error({ requestId, err: e instanceof Error ? e.message : String(e) }, "device activation failed");
    return json(500, { error: { code: "INTERNAL", message: `Internal error; quote request id ${requestId} if you contact support` } }, requestId);
  }
}

async function activate(tx: Tx, ctx: TenantContext, input: ReturnType<typeof ZActivate.parse>) {
  const codes = await tx.$queryRaw<{ id: string; merchant_id: string | null; store_id: string | null; serial_number: string | null; channel_account_id: string | null; expires_at: Date; used_at: Date | null }[]>`
    SELECT id, merchant_id, store_id, serial_number, channel_account_id, expires_at, used_at FROM device_activation_code
     WHERE tenant_id = ${ctx.tenantId}::uuid AND code_hash = ${hashActivationCode(input.activationCode)} FOR UPDATE`;
  const code = codes[0];
  if (!code) throw codeRefused("NOT_FOUND", "ACTIVATION_CODE_INVALID", "No such activation code; check it or ask your service provider for a new one");
  if (code.used_at) throw codeRefused("CONFLICT", "ACTIVATION_CODE_USED", "This activation code has already been used; ask your service provider for a new one");
  if (code.expires_at.getTime() < Date.now()) throw codeRefused("PRECONDITION", "ACTIVATION_CODE_EXPIRED", "This activation code has expired; ask your service provider for a new one");
  if (code.serial_number !== null && code.serial_number !== input.serialNumber) {
    throw codeRefused("FORBIDDEN", "ACTIVATION_CODE_WRONG_DEVICE", "This activation code was issued for another device");
  }

  let device = await tx.device.findFirst({ where: { tenantId: ctx.tenantId, serialNumber: input.serialNumber }, select: { id: true, deviceId: true, status: true, merchantId: true, storeId: true, channelAccountId: true } });
  if (code.store_id !== null) {
    // A store code: an unknown serial number is registered here; a known one must be free or already this store's.
    if (!code.merchant_id || !code.channel_account_id) throw new DomainError("INVARIANT", "ACTIVATION_CODE_BROKEN", "The store code lacks its merchant or channel account");
    if (!device) {
      device = await tx.device.create({
        data: { tenantId: ctx.tenantId, deviceId: newDeviceId(), serialNumber: input.serialNumber, model: input.model, status: "IN_STOCK" },
        select: { id: true, deviceId: true, status: true, merchantId: true, storeId: true, channelAccountId: true },
      });
      await recordDeviceTransition(tx, ctx, device.id, null, "IN_STOCK", "IMPORT", "registered by a store activation code");
    }
    const free = device.status === "IN_STOCK" || device.status === "RETURNED";
    const here = (device.status === "ASSIGNED" || device.status === "ACTIVE") && device.storeId === code.store_id;
    if (!free && !here) throw new DomainError("FORBIDDEN", "DEVICE_NOT_AVAILABLE", "This device is assigned elsewhere, suspended or retired; it cannot be activated with this code");
    if (free) {
      await tx.device.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: device.id } }, data: { status: "ASSIGNED", merchantId: code.merchant_id, storeId: code.store_id, channelAccountId: code.channel_account_id } });
      await recordDeviceTransition(tx, ctx, device.id, device.status, "ASSIGNED", "ASSIGN", "store activation code", { merchantId: code.merchant_id, storeId: code.store_id, channelAccountId: code.channel_account_id });
      device = { ...device, status: "ASSIGNED" };
    }
  } else {
    if (!device) throw codeRefused("FORBIDDEN", "ACTIVATION_CODE_WRONG_DEVICE", "This activation code was issued for another device");
    if (device.status !== "ASSIGNED" && device.status !== "ACTIVE") throw new DomainError("FORBIDDEN", "DEVICE_NOT_ASSIGNED", "This device is not assigned to a store; ask your service provider to assign it");
  }

  const secret = newSecret();
  const sealed = seal(sealContextFor(DEVICE_SECRET_COLUMN, ctx.tenantId, device.id), secret);
  const after = await tx.device.update({
    where: { tenantId_id: { tenantId: ctx.tenantId, id: device.id } },
    data: { status: "ACTIVE", secret: sealed, activatedAt: new Date(), ...(input.model ? { model: input.model } : {}) },
    select: { deviceId: true, merchantId: true, storeId: true },
  });
  await recordDeviceTransition(tx, ctx, device.id, device.status, "ACTIVE", "ACTIVATE", "activation code", { codeId: code.id });
  await tx.deviceActivationCode.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: code.id } }, data: { usedAt: new Date(), usedBy: device.id } });
  return { deviceId: after.deviceId, deviceSecret: secret, merchantId: after.merchantId, storeId: after.storeId };
}

// ---------------------------------------------------------------------------------------------
// Signed calls

const deviceSelect = { id: true, deviceId: true, status: true, merchantId: true, storeId: true, channelAccountId: true, vendor: true, terminalNo: true, configVersion: true, lastSeenAt: true } as const;

async function loadDevice(tx: Tx, call: ApiOperationCall) {
  const d = await tx.device.findFirst({ where: { tenantId: call.ctx.tenantId, id: call.principal.apiKeyRowId }, select: deviceSelect });
  // The gate found it a moment ago; gone now means retired or returned meanwhile.
  if (!d || d.merchantId === null || d.storeId === null) throw new DomainError("FORBIDDEN", "DEVICE_NOT_ASSIGNED", "This device is not assigned to a store");
  return { ...d, merchantId: d.merchantId, storeId: d.storeId };
}

function requireActive(d: { status: string }) {
  if (d.status === "SUSPENDED") throw new DomainError("FORBIDDEN", "DEVICE_SUSPENDED", "This device is suspended by your service provider");
  if (d.status !== "ACTIVE") throw new DomainError("FORBIDDEN", "DEVICE_NOT_ACTIVE", "This device is not active; activate it first");
}

/**
 * POST /heartbeat: last seen, versions, network, reported errors and location (a location further
 * than the tenant's threshold from the store flags 移机). Answers the device's state and the newest
 * configuration when the device has not applied it yet, and its binding (channel and terminal
 * number: a rebound device asks the new channel for face credentials). A suspended device still reports in.
 */
export async function heartbeatEndpoint(call: ApiOperationCall): Promise<ApiReply> {
  const input = ZHeartbeat.parse(call.body);
  return call.inTx(async (tx) => {
    const d = await loadDevice(tx, call);
    const settings = await getFleetSettings(tx, call.ctx);
    let relocation: { isRelocated: boolean; relocatedMeters: number | null } | undefined;
    if (input.location) {
      const store = await tx.store.findFirst({ where: { tenantId: call.ctx.tenantId, id: d.storeId }, select: { latitude: true, longitude: true } });
      if (store?.latitude != null && store.longitude != null) {
        const meters = distanceMeters({ lat: Number(store.latitude), lng: Number(store.longitude) }, { lat: input.location.latitude, lng: input.location.longitude });
        relocation = { isRelocated: meters > settings.relocationMeters, relocatedMeters: meters };
      }
    }
    await tx.device.update({
      where: { tenantId_id: { tenantId: call.ctx.tenantId, id: d.id } },
      data: {
        lastSeenAt: new Date(),
        offlineSince: null,
        appVersion: input.appVersion,
        network: input.network,
        ...(input.firmwareVersion ? { firmwareVersion: input.firmwareVersion } : {}),
        ...(input.errors ? { lastErrors: input.errors } : {}),
        ...(input.location ? { latitude: input.location.latitude, longitude: input.location.longitude } : {}),
        ...(relocation ?? {}),
        ...(input.configVersion !== undefined ? { configVersion: input.configVersion } : {}),
      },
    });
    const config = await latestConfig(tx, call.ctx);
    const applied = input.configVersion ?? d.configVersion;
    // The channel the device's face credentials and payments go through: after a rebind it asks that channel.
    const account = d.channelAccountId ? await tx.channelAccount.findFirst({ where: { tenantId: call.ctx.tenantId, id: d.channelAccountId }, select: { channelType: true } }) : null;
    return ok({
      status: d.status,
      serverTime: new Date(),
      offlineAfterSeconds: settings.offlineAfterSeconds,
      binding: account ? { channel: account.channelType, terminalNo: d.terminalNo } : null,
      ...(relocation ? { isRelocated: relocation.isRelocated } : {}),
      config: config && config.version > applied ? { version: config.version, values: config.values } : null,
    });
  });
}

/** The product a device's face payment uses on its bound channel account. */
function faceProduct(channelType: string, vendor: string): ProductCode {
  if (channelType === "ALIPAY") return "ALIPAY_FACE";
  if (channelType === "WECHAT") return "WECHAT_FACE";
  return vendor === "ALIPAY_FACE" ? "ALIPAY_FACE" : "WECHAT_FACE";
}

async function binding(tx: Tx, call: ApiOperationCall, d: Awaited<ReturnType<typeof loadDevice>>) {
  if (!d.channelAccountId) throw new DomainError("PRECONDITION", "DEVICE_NOT_BOUND", "This device is not bound to a channel account");
  const account = await connectorConfig(tx, call.ctx, d.channelAccountId);
  const registration = await tx.merchantChannelRegistration.findFirst({
    where: { tenantId: call.ctx.tenantId, merchantId: d.merchantId, channelAccountId: d.channelAccountId, status: "ACTIVE", OR: [{ storeId: d.storeId }, { storeId: null }] },
    orderBy: { storeScope: "desc" },
    select: { id: true },
  });
  if (!registration) throw new DomainError("PRECONDITION", "NOT_REGISTERED_ON_CHANNEL_ACCOUNT", "The merchant is no longer registered on the device's channel account");
  const store = await tx.store.findFirst({ where: { tenantId: call.ctx.tenantId, id: d.storeId }, select: { name: true } });
  return { account, registration: await registrationIdentity(tx, call.ctx, registration.id), storeName: store?.name ?? "" };
}

/** POST /face/authinfo { channel, rawdata } → { authinfo, expiresAt } from the bound channel account's connector. */
export async function authInfoEndpoint(call: ApiOperationCall): Promise<ApiReply> {
  const input = ZAuthInfo.parse(call.body);
  const prepared = await call.inTx(async (tx) => {
    const d = await loadDevice(tx, call);
    requireActive(d);
    return { d, ...(await binding(tx, call, d)) };
  });
  const type = prepared.account.channelType;
  if (type !== "SANDBOX" && type !== input.channel) {
    throw new DomainError("BAD_INPUT", "CHANNEL_MISMATCH", `This device is bound to a ${type} channel account; ask for ${type} face credentials`, { field: "channel" });
  }
  const connector = connectorFor(type);
  if (!connector.faceAuthInfo || !connector.attributes.supportsFaceAuthInfo) throw new DomainError("PRECONDITION", "FACE_NOT_SUPPORTED", "The device's channel account does not support face payment");
  try {
    const r = await connector.faceAuthInfo({ account: prepared.account, registration: prepared.registration }, { rawdata: input.rawdata, deviceId: prepared.d.deviceId, storeId: prepared.d.storeId, storeName: prepared.storeName });
    return ok({ authinfo: r.authinfo, expiresAt: r.expiresAt });
  } catch (e) {
    if (e instanceof ChannelError) throw new DomainError("PRECONDITION", "CHANNEL_REFUSED", `The channel refused: ${e.message}`);
    throw e;
  }
}

/** The merchant order number a device payment carries: unique per merchant because the device id is. */
export const deviceMerchantOrderNo = (deviceId: string, deviceOrderNo: string) => `${deviceId}-${deviceOrderNo}`;

function presentDevicePayment(p: PaymentView, channelType: string, deviceId: string) {
  const prefix = `${deviceId}-`;
  return { ...presentPayment(p, channelType), deviceOrderNo: p.merchantOrderNo.startsWith(prefix) ? p.merchantOrderNo.slice(prefix.length) : p.merchantOrderNo };
}

/**
 * POST /payments { deviceOrderNo, amountMinor, faceCode } → a consumption payment for the device's
 * merchant and store, on its bound channel account only, through the payment application (limits,
 * routing's checks, ledger, webhooks; the device id and store go to the channel as terminal data).
 */
export async function devicePaymentEndpoint(call: ApiOperationCall): Promise<ApiReply> {
  const input = ZDevicePayment.parse(call.body);
  const d = await call.inTx(async (tx) => {
    const dev = await loadDevice(tx, call);
    requireActive(dev);
    if (!dev.channelAccountId) throw new DomainError("PRECONDITION", "DEVICE_NOT_BOUND", "This device is not bound to a channel account");
    const account = await tx.channelAccount.findFirst({ where: { tenantId: call.ctx.tenantId, id: dev.channelAccountId }, select: { channelType: true } });
    return { ...dev, channelAccountId: dev.channelAccountId, channelType: account?.channelType ?? "SANDBOX" };
  });
  const payment = await createPayment(
    call.ctx,
    {
      merchantId: d.merchantId,
      storeId: d.storeId,
      deviceId: d.deviceId,
      merchantOrderNo: deviceMerchantOrderNo(d.deviceId, input.deviceOrderNo),
      orderType: "CONSUMPTION",
      product: faceProduct(d.channelType, d.vendor),
      amountMinor: BigInt(input.amountMinor),
      elements: { faceCode: input.faceCode },
      subject: input.subject ?? "Face payment",
      metadata: { deviceOrderNo: input.deviceOrderNo, ...(d.terminalNo ? { terminalNo: d.terminalNo } : {}) },
    },
    { channelAccountId: d.channelAccountId },
  );
  return created(presentDevicePayment(payment, d.channelType, d.deviceId));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const paymentNotFound = () => new DomainError("NOT_FOUND", "PAYMENT_NOT_FOUND", "No such payment of this device");

/** GET /payments/{id}: one of this device's own payments (asked about at the channel when a query is due). */
export async function getDevicePaymentEndpoint(call: ApiOperationCall): Promise<ApiReply> {
  const id = call.params.id ?? "";
  if (!UUID.test(id)) throw paymentNotFound();
  const loaded = await call.inTx(async (tx) => {
    const d = await loadDevice(tx, call);
    let p: PaymentView;
    try {
      p = await getPayment(tx, call.ctx, id, d.merchantId);
    } catch (e) {
      if (e instanceof DomainError && e.kind === "NOT_FOUND") throw paymentNotFound();
      throw e;
    }
    if (p.deviceId !== d.deviceId) throw paymentNotFound();
    const extra = await tx.payment.findFirst({ where: { tenantId: call.ctx.tenantId, id }, select: { nextQueryAt: true } });
    const account = await tx.channelAccount.findFirst({ where: { tenantId: call.ctx.tenantId, id: p.channelAccountId }, select: { channelType: true } });
    return { p, d, nextQueryAt: extra?.nextQueryAt ?? null, channelType: account?.channelType ?? "UNKNOWN" };
  });
  let p = loaded.p;
  if (p.status === "PROCESSING" && loaded.nextQueryAt && loaded.nextQueryAt <= new Date()) {
    try {
      p = await queryPayment(call.ctx, p.id);
    } catch (e) {
      logger.warn({ requestId: call.requestId, paymentId: p.id, err: e instanceof Error ? e.message : String(e) }, "device payment query on GET failed; answering the stored state");
    }
  }
  return ok(presentDevicePayment(p, loaded.channelType, loaded.d.deviceId));
}
