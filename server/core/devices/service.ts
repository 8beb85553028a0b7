import { createHash, randomBytes } from "node:crypto";
import { recordAudit } from "@/server/core/audit/service";
import { DomainError, badInput } from "@/server/core/errors/domain-error";
import { randomBase62 } from "@/server/core/merchant-api/keys";
import { Prisma } from "@/server/db/generated/prisma/client";
import type { DeviceStatus } from "@/server/db/generated/prisma/enums";
import { afterCreatedAtDesc, clampLimit, cursorOfCreatedAt, toPage, type Page } from "@/server/db/keyset";
import { actorName, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { lockIncentiveThreshold, recomputeIncentiveCounts } from "./incentive";
import { canApply, isOnline, MAX_IMPORT_ROWS, parseImportCsv, type DeviceAction, type ImportRowError } from "./rules";
import {
  ZCodeCreate,
  ZConfigCreate,
  ZDeviceAssign,
  ZDeviceBulkAction,
  ZDeviceFind,
  ZDeviceImport,
  ZDeviceRebind,
  ZDeviceRegister,
  ZDeviceUpdate,
  ZFleetSettings,
  type TCodeCreate,
  type TConfigCreate,
  type TDeviceAssign,
  type TDeviceBulkAction,
  type TDeviceFind,
  type TDeviceImport,
  type TDeviceRebind,
  type TFleetSettings,
} from "./schema";

// The fleet in the console: the registry and its lifecycle (every transition recorded with who
// and why), bulk import, assignment and suspension, activation codes, remote configuration and the
// fleet settings. The device API (api.ts) and the daily statistics (stats.ts) live beside it.

export const deviceSelect = {
  id: true,
  deviceId: true,
  serialNumber: true,
  model: true,
  vendor: true,
  appVersion: true,
  firmwareVersion: true,
  channelAccountId: true,
  merchantId: true,
  storeId: true,
  terminalNo: true,
  status: true,
  suspendedFrom: true,
  activatedAt: true,
  lastSeenAt: true,
  network: true,
  lastErrors: true,
  latitude: true,
  longitude: true,
  isRelocated: true,
  relocatedMeters: true,
  configVersion: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.DeviceSelect;

type DeviceRow = Prisma.DeviceGetPayload<{ select: typeof deviceSelect }>;
export type DeviceView = Omit<DeviceRow, "latitude" | "longitude"> & { latitude: number | null; longitude: number | null; isOnline: boolean };

export const deviceNotFound = () => new DomainError("NOT_FOUND", "DEVICE_NOT_FOUND", "No such device");

/** A new public device id: `dv_` + 16 base62 (≈95 bits; short enough for the channels' device fields). */
export const newDeviceId = () => `dv_${randomBase62(16)}`;

// ---------------------------------------------------------------------------------------------
// Settings

export interface FleetSettingsView {
  offlineAfterSeconds: number;
  relocationMeters: number;
  incentiveMinAmountMinor: bigint;
}

export const DEFAULT_FLEET_SETTINGS: FleetSettingsView = { offlineAfterSeconds: 300, relocationMeters: 1000, incentiveMinAmountMinor: 100n };

export async function getFleetSettings(tx: Tx, ctx: TenantContext): Promise<FleetSettingsView> {
  const row = await tx.deviceFleetSettings.findUnique({ where: { tenantId: ctx.tenantId }, select: { offlineAfterSeconds: true, relocationMeters: true, incentiveMinAmountMinor: true } });
  return row ?? DEFAULT_FLEET_SETTINGS;
}

/**
 * Saves the fleet settings (audited). A changed incentive threshold also recomputes valid_count
 * and payer_count of the tenant's existing daily statistics, in this transaction (incentive.ts).
 */
export async function updateFleetSettings(tx: Tx, ctx: TenantContext, raw: TFleetSettings): Promise<FleetSettingsView> {
  const input = ZFleetSettings.parse(raw);
  // Before reading the old threshold: a recompute in flight finishes first (incentive.ts).
  await lockIncentiveThreshold(tx, ctx, "exclusive");
  const before = await getFleetSettings(tx, ctx);
  const row = await tx.deviceFleetSettings.upsert({
    where: { tenantId: ctx.tenantId },
    create: { tenantId: ctx.tenantId, ...input },
    update: input,
    select: { offlineAfterSeconds: true, relocationMeters: true, incentiveMinAmountMinor: true },
  });
  await recordAudit(tx, ctx, { action: "devices.settings.update", entityType: "tenant", entityId: ctx.tenantId, before: { ...before, incentiveMinAmountMinor: before.incentiveMinAmountMinor.toString() }, after: { ...input, incentiveMinAmountMinor: input.incentiveMinAmountMinor.toString() } });
  if (row.incentiveMinAmountMinor !== before.incentiveMinAmountMinor) await recomputeIncentiveCounts(tx, ctx, row.incentiveMinAmountMinor);
  return row;
}

function present(row: DeviceRow, settings: FleetSettingsView, now: Date): DeviceView {
  return { ...row, latitude: row.latitude === null ? null : Number(row.latitude), longitude: row.longitude === null ? null : Number(row.longitude), isOnline: isOnline(row.lastSeenAt, settings.offlineAfterSeconds, now) };
}

// ---------------------------------------------------------------------------------------------
// Reading

export async function findDevices(tx: Tx, ctx: TenantContext, raw: TDeviceFind): Promise<Page<DeviceView & { merchantName: string | null; storeName: string | null }>> {
  const input = ZDeviceFind.parse(raw);
  const settings = await getFleetSettings(tx, ctx);
  const limit = clampLimit(input.limit);
  const now = new Date();
  const cutoff = new Date(now.getTime() - settings.offlineAfterSeconds * 1000);
  const rows = await tx.device.findMany({
    where: {
      tenantId: ctx.tenantId,
      ...(input.status ? { status: input.status } : {}),
      ...(input.merchantId ? { merchantId: input.merchantId } : {}),
      ...(input.storeId ? { storeId: input.storeId } : {}),
      ...(input.vendor ? { vendor: input.vendor } : {}),
      ...(input.isRelocated !== undefined ? { isRelocated: input.isRelocated } : {}),
      AND: [
        ...(input.search ? [{ OR: [{ serialNumber: { startsWith: input.search } }, { deviceId: { startsWith: input.search } }] }] : []),
        ...(input.online === "ONLINE" ? [{ lastSeenAt: { gte: cutoff } }] : input.online === "OFFLINE" ? [{ OR: [{ lastSeenAt: null }, { lastSeenAt: { lt: cutoff } }] }] : []),
      ],
      ...afterCreatedAtDesc(input.cursor),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: deviceSelect,
  });
  const page = toPage(rows, limit, cursorOfCreatedAt);
  const names = await placeNames(tx, ctx, page.items);
  return {
    items: page.items.map((d) => ({ ...present(d, settings, now), merchantName: d.merchantId ? (names.merchants.get(d.merchantId) ?? null) : null, storeName: d.storeId ? (names.stores.get(d.storeId) ?? null) : null })),
    nextCursor: page.nextCursor,
  };
}

async function placeNames(tx: Tx, ctx: TenantContext, devices: readonly { merchantId: string | null; storeId: string | null }[]) {
  const merchantIds = [...new Set(devices.map((d) => d.merchantId).filter((x): x is string => x !== null))];
  const storeIds = [...new Set(devices.map((d) => d.storeId).filter((x): x is string => x !== null))];
  const [merchants, stores] = [
    await tx.merchant.findMany({ where: { tenantId: ctx.tenantId, id: { in: merchantIds } }, select: { id: true, shortName: true } }),
    await tx.store.findMany({ where: { tenantId: ctx.tenantId, id: { in: storeIds } }, select: { id: true, name: true } }),
  ];
  return { merchants: new Map(merchants.map((m) => [m.id, m.shortName])), stores: new Map(stores.map((s) => [s.id, s.name])) };
}

/** One device with its transitions (newest first), names and channel account. */
export async function getDevice(tx: Tx, ctx: TenantContext, id: string) {
  const row = await tx.device.findFirst({ where: { tenantId: ctx.tenantId, id }, select: deviceSelect });
  if (!row) throw deviceNotFound();
  const settings = await getFleetSettings(tx, ctx);
  const names = await placeNames(tx, ctx, [row]);
  const account = row.channelAccountId ? await tx.channelAccount.findFirst({ where: { tenantId: ctx.tenantId, id: row.channelAccountId }, select: { id: true, name: true, channelType: true } }) : null;
  const transitions = await tx.deviceTransition.findMany({ where: { tenantId: ctx.tenantId, deviceId: id }, orderBy: { createdAt: "desc" }, take: 100, select: { id: true, fromStatus: true, toStatus: true, action: true, reason: true, actor: true, detail: true, createdAt: true } });
  return {
    ...present(row, settings, new Date()),
    merchantName: row.merchantId ? (names.merchants.get(row.merchantId) ?? null) : null,
    storeName: row.storeId ? (names.stores.get(row.storeId) ?? null) : null,
    channelAccount: account,
    offlineAfterSeconds: settings.offlineAfterSeconds,
    transitions,
  };
}

/** Counts for the fleet page's header: by status, online/offline among active ones, and flagged. */
export async function fleetOverview(tx: Tx, ctx: TenantContext) {
  const settings = await getFleetSettings(tx, ctx);
  const cutoff = new Date(Date.now() - settings.offlineAfterSeconds * 1000);
  const byStatus = await tx.device.groupBy({ by: ["status"], where: { tenantId: ctx.tenantId }, _count: { _all: true } });
  const online = await tx.device.count({ where: { tenantId: ctx.tenantId, status: "ACTIVE", lastSeenAt: { gte: cutoff } } });
  const relocated = await tx.device.count({ where: { tenantId: ctx.tenantId, isRelocated: true, status: { not: "RETIRED" } } });
  const counts: Record<string, number> = {};
  for (const g of byStatus) counts[g.status] = g._count._all;
  const active = counts.ACTIVE ?? 0;
  return { counts, online, offline: active - online, relocated, settings };
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

async function transition(tx: Tx, ctx: TenantContext, deviceRowId: string, from: DeviceStatus | null, to: DeviceStatus, action: string, reason: string | null, detail: Record<string, unknown> = {}) {
  await tx.deviceTransition.create({ data: { tenantId: ctx.tenantId, deviceId: deviceRowId, fromStatus: from, toStatus: to, action, reason, actor: actorName(ctx), detail: detail as Prisma.InputJsonValue } });
}

export { transition as recordDeviceTransition };

/** One device, registered in stock. */
export async function registerDevice(tx: Tx, ctx: TenantContext, raw: { serialNumber: string; model?: string; vendor?: string }) {
  const input = ZDeviceRegister.parse(raw);
  const taken = await tx.device.findFirst({ where: { tenantId: ctx.tenantId, serialNumber: input.serialNumber }, select: { id: true } });
  if (taken) throw new DomainError("CONFLICT", "SERIAL_EXISTS", `A device with serial number ${input.serialNumber} already exists`, { field: "serialNumber" });
  const d = await tx.device.create({ data: { tenantId: ctx.tenantId, deviceId: newDeviceId(), serialNumber: input.serialNumber, model: input.model, vendor: input.vendor }, select: deviceSelect });
  await transition(tx, ctx, d.id, null, "IN_STOCK", "IMPORT", null);
  return d;
}

export interface ImportPreview {
  rows: { line: number; serialNumber: string; model: string; vendor: string; firmwareVersion: string | null }[];
  errors: ImportRowError[];
  imported: number;
}

/**
 * Bulk import of serial numbers from CSV. Without `commit` it only previews: the parsed rows and
 * every row's errors (format, duplicates in the file, serial numbers that already exist). With
 * `commit` the whole file is imported in one transaction, or — if any row has an error — nothing.
 */
export async function importDevices(tx: Tx, ctx: TenantContext, raw: TDeviceImport): Promise<ImportPreview> {
  const input = ZDeviceImport.parse(raw);
  const { rows, errors } = parseImportCsv(input.csv);
  if (rows.length + errors.length > MAX_IMPORT_ROWS) {
    throw new DomainError("BAD_INPUT", "IMPORT_TOO_LARGE", `At most ${MAX_IMPORT_ROWS} devices per file`, { field: "csv", params: { max: MAX_IMPORT_ROWS } });
  }
  const existing = await tx.device.findMany({ where: { tenantId: ctx.tenantId, serialNumber: { in: rows.map((r) => r.serialNumber) } }, select: { serialNumber: true } });
  const taken = new Set(existing.map((e) => e.serialNumber));
  const allErrors = [...errors, ...rows.filter((r) => taken.has(r.serialNumber)).map((r): ImportRowError => ({ line: r.line, serialNumber: r.serialNumber, code: "SERIAL_EXISTS", column: "serialNumber" }))].sort((a, b) => a.line - b.line);
  const good = rows.filter((r) => !taken.has(r.serialNumber));
  if (!input.commit) return { rows: good, errors: allErrors, imported: 0 };
  if (allErrors.length > 0) throw new DomainError("BAD_INPUT", "IMPORT_HAS_ERRORS", `The file has ${allErrors.length} row(s) with errors; fix them and import again`, { field: "csv", params: { errors: allErrors.length } });
  if (good.length === 0) throw new DomainError("BAD_INPUT", "IMPORT_EMPTY", "The file has no devices", { field: "csv" });
  const created = await tx.device.createManyAndReturn({
    data: good.map((r) => ({ tenantId: ctx.tenantId, deviceId: newDeviceId(), serialNumber: r.serialNumber, model: r.model, vendor: r.vendor, firmwareVersion: r.firmwareVersion })),
    select: { id: true },
  });
  const actor = actorName(ctx);
  await tx.deviceTransition.createMany({ data: created.map((d) => ({ tenantId: ctx.tenantId, deviceId: d.id, fromStatus: null, toStatus: "IN_STOCK" as const, action: "IMPORT", reason: "CSV import", actor })) });
  await recordAudit(tx, ctx, { action: "devices.import", entityType: "device", after: { count: created.length } });
  return { rows: good, errors: [], imported: created.length };
}

export interface BulkResult {
  updated: number;
  refused: { id: string; serialNumber: string | null; code: string }[];
}

/** The merchant must be active, the store its own, and the merchant registered (ACTIVE) on the channel account. */
async function checkPlacement(tx: Tx, ctx: TenantContext, merchantId: string, storeId: string, channelAccountId: string) {
  const merchant = await tx.merchant.findFirst({ where: { tenantId: ctx.tenantId, id: merchantId }, select: { status: true } });
  if (!merchant) throw new DomainError("NOT_FOUND", "MERCHANT_NOT_FOUND", "No such merchant", { field: "merchantId" });
  if (merchant.status !== "ACTIVE") throw new DomainError("PRECONDITION", "MERCHANT_NOT_ACTIVE", "Devices can only be assigned to an active merchant", { field: "merchantId" });
  const store = await tx.store.findFirst({ where: { tenantId: ctx.tenantId, id: storeId, merchantId }, select: { id: true, status: true } });
  if (!store) throw new DomainError("NOT_FOUND", "STORE_NOT_FOUND", "No such store of this merchant", { field: "storeId" });
  const registration = await tx.merchantChannelRegistration.findFirst({
    where: { tenantId: ctx.tenantId, merchantId, channelAccountId, status: "ACTIVE", OR: [{ storeId: null }, { storeId }] },
    select: { id: true },
  });
  if (!registration) {
    throw new DomainError("PRECONDITION", "NOT_REGISTERED_ON_CHANNEL_ACCOUNT", "The merchant has no active registration on this channel account; register it first", { field: "channelAccountId" });
  }
}

/**
 * Assigns devices to a merchant, store and channel account (in stock, returned, or assigned and not
 * yet activated: a rebinding). Devices that cannot move are listed in `refused`; the others move.
 */
export async function assignDevices(tx: Tx, ctx: TenantContext, raw: TDeviceAssign): Promise<BulkResult> {
  const input = ZDeviceAssign.parse(raw);
  await checkPlacement(tx, ctx, input.merchantId, input.storeId, input.channelAccountId);
  const devices = await tx.device.findMany({ where: { tenantId: ctx.tenantId, id: { in: input.ids } }, select: { id: true, serialNumber: true, status: true, merchantId: true, storeId: true, channelAccountId: true } });
  const found = new Map(devices.map((d) => [d.id, d]));
  const refused: BulkResult["refused"] = [];
  let updated = 0;
  for (const id of input.ids) {
    const d = found.get(id);
    if (!d) {
      refused.push({ id, serialNumber: null, code: "DEVICE_NOT_FOUND" });
      continue;
    }
    if (!canApply("ASSIGN", d.status)) {
      refused.push({ id, serialNumber: d.serialNumber, code: "ILLEGAL_TRANSITION" });
      continue;
    }
    await tx.device.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id } }, data: { status: "ASSIGNED", merchantId: input.merchantId, storeId: input.storeId, channelAccountId: input.channelAccountId, secret: null } });
    await transition(tx, ctx, id, d.status, "ASSIGNED", d.status === "ASSIGNED" ? "REBIND" : "ASSIGN", input.reason, { merchantId: input.merchantId, storeId: input.storeId, channelAccountId: input.channelAccountId, previous: { merchantId: d.merchantId, storeId: d.storeId, channelAccountId: d.channelAccountId } });
    updated++;
  }
  await recordAudit(tx, ctx, { action: "devices.assign", entityType: "device", after: { ids: input.ids, merchantId: input.merchantId, storeId: input.storeId, channelAccountId: input.channelAccountId, updated, refused: refused.length } });
  return { updated, refused };
}

/**
 * Rebinds an assigned or active device to another channel account on which its merchant is
 * registered (for its store or the whole merchant), keeping its status and its secret: from now on
 * its face credentials and payments go through that account. The channel-side binding is redone:
 * the old channel's terminal number is dropped (or replaced by the one given for the new channel),
 * the device is told its channel in the next heartbeat, and face credentials asked for the old
 * channel are refused (CHANNEL_MISMATCH) until it asks the new one. Recorded as REBIND; audited.
 */
export async function rebindDevice(tx: Tx, ctx: TenantContext, raw: TDeviceRebind) {
  const input = ZDeviceRebind.parse(raw);
  await tx.$queryRaw`SELECT 1 FROM device WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${input.id}::uuid FOR UPDATE`;
  const d = await tx.device.findFirst({ where: { tenantId: ctx.tenantId, id: input.id }, select: { id: true, status: true, merchantId: true, storeId: true, channelAccountId: true, terminalNo: true } });
  if (!d) throw deviceNotFound();
  if ((d.status !== "ACTIVE" && d.status !== "ASSIGNED") || !d.merchantId || !d.storeId) {
    throw new DomainError("PRECONDITION", "DEVICE_NOT_REBINDABLE", `A ${d.status.toLowerCase().replace("_", " ")} device cannot be rebound; only an assigned or active one (resume a suspended device first)`);
  }
  if (d.channelAccountId === input.channelAccountId) throw badInput("REBIND_SAME_ACCOUNT", "The device is already bound to this channel account", "channelAccountId");
  await checkPlacement(tx, ctx, d.merchantId, d.storeId, input.channelAccountId);
  const terminalNo = input.terminalNo || null;
  const after = await tx.device.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: d.id } }, data: { channelAccountId: input.channelAccountId, terminalNo }, select: deviceSelect });
  const detail = { channelAccountId: input.channelAccountId, terminalNo, previous: { channelAccountId: d.channelAccountId, terminalNo: d.terminalNo } };
  await transition(tx, ctx, d.id, d.status, d.status, "REBIND", input.reason, detail);
  await recordAudit(tx, ctx, { action: "devices.rebind", entityType: "device", entityId: d.id, before: detail.previous, after: { channelAccountId: input.channelAccountId, terminalNo } });
  return after;
}

function targetOf(action: Exclude<DeviceAction, "ASSIGN" | "ACTIVATE">, d: { status: DeviceStatus; suspendedFrom: DeviceStatus | null }): DeviceStatus {
  switch (action) {
    case "SUSPEND":
      return "SUSPENDED";
    case "RESUME":
      return d.suspendedFrom ?? "ASSIGNED";
    case "RETURN":
      return "RETURNED";
    case "RETIRE":
      return "RETIRED";
  }
}

/** Suspend, resume, return (back to stock, unassigned) or retire many devices; each with the reason. */
export async function bulkDeviceAction(tx: Tx, ctx: TenantContext, raw: TDeviceBulkAction): Promise<BulkResult> {
  const input = ZDeviceBulkAction.parse(raw);
  const devices = await tx.device.findMany({ where: { tenantId: ctx.tenantId, id: { in: input.ids } }, select: { id: true, serialNumber: true, status: true, suspendedFrom: true } });
  const found = new Map(devices.map((d) => [d.id, d]));
  const refused: BulkResult["refused"] = [];
  let updated = 0;
  for (const id of input.ids) {
    const d = found.get(id);
    if (!d) {
      refused.push({ id, serialNumber: null, code: "DEVICE_NOT_FOUND" });
      continue;
    }
    if (!canApply(input.action, d.status)) {
      refused.push({ id, serialNumber: d.serialNumber, code: "ILLEGAL_TRANSITION" });
      continue;
    }
    const to = targetOf(input.action, d);
    const data: Prisma.DeviceUpdateInput =
      input.action === "SUSPEND"
        ? { status: to, suspendedFrom: d.status }
        : input.action === "RESUME"
          ? { status: to, suspendedFrom: null }
          : input.action === "RETURN"
            ? { status: to, suspendedFrom: null, merchantId: null, storeId: null, channelAccountId: null, secret: null, isRelocated: false, relocatedMeters: null }
            : { status: to, suspendedFrom: null, secret: null };
    await tx.device.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id } }, data });
    await transition(tx, ctx, id, d.status, to, input.action, input.reason);
    updated++;
  }
  await recordAudit(tx, ctx, { action: `devices.${input.action.toLowerCase()}`, entityType: "device", after: { ids: input.ids, reason: input.reason, updated, refused: refused.length } });
  return { updated, refused };
}

export async function updateDevice(tx: Tx, ctx: TenantContext, raw: { id: string; terminalNo?: string | null; model?: string }) {
  const input = ZDeviceUpdate.parse(raw);
  const d = await tx.device.findFirst({ where: { tenantId: ctx.tenantId, id: input.id }, select: { terminalNo: true, model: true } });
  if (!d) throw deviceNotFound();
  const data = { ...(input.terminalNo !== undefined ? { terminalNo: input.terminalNo || null } : {}), ...(input.model !== undefined ? { model: input.model } : {}) };
  const after = await tx.device.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: input.id } }, data, select: deviceSelect });
  await recordAudit(tx, ctx, { action: "devices.update", entityType: "device", entityId: input.id, before: d, after: data });
  return after;
}

// ---------------------------------------------------------------------------------------------
// Activation codes

const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/** 12 characters from a 32-letter alphabet without look-alikes (60 bits). */
export function newActivationCode(): string {
  let out = "";
  for (const b of randomBytes(12)) out += CODE_ALPHABET[b % 32];
  return out;
}
export const hashActivationCode = (code: string) => createHash("sha256").update(code.trim().toUpperCase().replace(/[\s-]/g, ""), "utf8").digest("hex");

/**
 * A one-time, expiring activation code, shown once. For a store: it registers an unknown serial
 * number at activation (bound to the merchant's channel account on which it is registered); for a
 * serial number: only that device, which must be assigned (or active, to re-activate it).
 */
export async function createActivationCode(tx: Tx, ctx: TenantContext, raw: TCodeCreate & { channelAccountId?: string }) {
  const input = ZCodeCreate.parse(raw);
  let merchantId: string | null = null;
  let channelAccountId: string | null = null;
  if (input.storeId !== undefined) {
    const store = await tx.store.findFirst({ where: { tenantId: ctx.tenantId, id: input.storeId }, select: { merchantId: true } });
    if (!store) throw new DomainError("NOT_FOUND", "STORE_NOT_FOUND", "No such store", { field: "storeId" });
    merchantId = store.merchantId;
    const registrations = await tx.merchantChannelRegistration.findMany({
      where: { tenantId: ctx.tenantId, merchantId, status: "ACTIVE", OR: [{ storeId: null }, { storeId: input.storeId }], ...(raw.channelAccountId ? { channelAccountId: raw.channelAccountId } : {}) },
      select: { channelAccountId: true },
      orderBy: { createdAt: "asc" },
    });
    const first = registrations[0];
    if (!first) throw new DomainError("PRECONDITION", "NOT_REGISTERED_ON_CHANNEL_ACCOUNT", "The store's merchant has no active channel registration for a device to be bound to", { field: "storeId" });
    channelAccountId = first.channelAccountId;
    await checkPlacement(tx, ctx, merchantId, input.storeId, channelAccountId);
  } else if (input.serialNumber !== undefined) {
    const d = await tx.device.findFirst({ where: { tenantId: ctx.tenantId, serialNumber: input.serialNumber }, select: { status: true, merchantId: true } });
    if (!d) throw new DomainError("NOT_FOUND", "DEVICE_NOT_FOUND", "No device with this serial number", { field: "serialNumber" });
    if (d.status !== "ASSIGNED" && d.status !== "ACTIVE") throw new DomainError("PRECONDITION", "DEVICE_NOT_ASSIGNED", "Only an assigned device can be activated; assign it to a store first", { field: "serialNumber" });
    merchantId = d.merchantId;
  }
  const code = newActivationCode();
  const expiresAt = new Date(Date.now() + input.validMinutes * 60_000);
  const row = await tx.deviceActivationCode.create({
    data: { tenantId: ctx.tenantId, codeHash: hashActivationCode(code), merchantId, storeId: input.storeId ?? null, serialNumber: input.serialNumber ?? null, channelAccountId, expiresAt, createdBy: actorName(ctx) },
    select: { id: true },
  });
  await recordAudit(tx, ctx, { action: "devices.code.create", entityType: "device_activation_code", entityId: row.id, after: { storeId: input.storeId ?? null, serialNumber: input.serialNumber ?? null, expiresAt } });
  return { id: row.id, code, expiresAt };
}

export async function listActivationCodes(tx: Tx, ctx: TenantContext) {
  const rows = await tx.deviceActivationCode.findMany({
    where: { tenantId: ctx.tenantId },
    orderBy: { createdAt: "desc" },
    take: 200,
    select: { id: true, merchantId: true, storeId: true, serialNumber: true, expiresAt: true, usedAt: true, usedBy: true, createdBy: true, createdAt: true },
  });
  const now = Date.now();
  return rows.map((r) => ({ ...r, state: r.usedAt ? ("USED" as const) : r.expiresAt.getTime() < now ? ("EXPIRED" as const) : ("OPEN" as const) }));
}

// ---------------------------------------------------------------------------------------------
// Remote configuration

export async function createConfigVersion(tx: Tx, ctx: TenantContext, raw: TConfigCreate) {
  const input = ZConfigCreate.parse(raw);
  const latest = await tx.deviceConfigVersion.findFirst({ where: { tenantId: ctx.tenantId }, orderBy: { version: "desc" }, select: { version: true } });
  const version = (latest?.version ?? 0) + 1;
  try {
    const row = await tx.deviceConfigVersion.create({ data: { tenantId: ctx.tenantId, version, values: input.values, note: input.note, createdBy: actorName(ctx) } });
    await recordAudit(tx, ctx, { action: "devices.config.create", entityType: "device_config_version", entityId: null, after: { version, values: input.values } });
    return row;
  } catch (e) {
    if ((e as { code?: string }).code === "P2002") throw new DomainError("CONFLICT", "CONFIG_VERSION_TAKEN", "Someone published a configuration version at the same time; reload and try again");
    throw e;
  }
}

export async function listConfigVersions(tx: Tx, ctx: TenantContext) {
  const versions = await tx.deviceConfigVersion.findMany({ where: { tenantId: ctx.tenantId }, orderBy: { version: "desc" }, take: 50 });
  const latest = versions[0]?.version ?? 0;
  const behind = latest === 0 ? 0 : await tx.device.count({ where: { tenantId: ctx.tenantId, status: "ACTIVE", configVersion: { lt: latest } } });
  return { versions, latest, devicesBehind: behind };
}

export async function latestConfig(tx: Tx, ctx: TenantContext) {
  return tx.deviceConfigVersion.findFirst({ where: { tenantId: ctx.tenantId }, orderBy: { version: "desc" }, select: { version: true, values: true } });
}
