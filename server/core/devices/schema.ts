import { z } from "zod";
import { SERIAL_PATTERN, VENDORS } from "./rules";

// Zod schemas of the fleet, shared by the console forms, the routers, the CLI and the device API.

export const DEVICE_STATUSES = ["IN_STOCK", "ASSIGNED", "ACTIVE", "SUSPENDED", "RETURNED", "RETIRED"] as const;
export const DEVICE_VENDORS = VENDORS;

const ZSerial = z.string().trim().regex(SERIAL_PATTERN, { message: "validation.serialNumber" });
const ZReason = z.string().trim().min(1).max(256);

export const ZDeviceFind = z.object({
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(200).optional(),
  status: z.enum(DEVICE_STATUSES).optional(),
  merchantId: z.string().uuid().optional(),
  storeId: z.string().uuid().optional(),
  vendor: z.enum(VENDORS).optional(),
  /** Serial number or device id, prefix match. */
  search: z.string().trim().max(64).optional(),
  online: z.enum(["ONLINE", "OFFLINE"]).optional(),
  isRelocated: z.boolean().optional(),
});
export type TDeviceFind = z.input<typeof ZDeviceFind>;

export const ZDeviceImport = z.object({
  csv: z.string().max(2_000_000),
  /** false: only the preview (parsed rows and row-level errors), nothing written. */
  commit: z.boolean().default(false),
});
export type TDeviceImport = z.input<typeof ZDeviceImport>;

export const ZDeviceRegister = z.object({
  serialNumber: ZSerial,
  model: z.string().trim().max(64).default(""),
  vendor: z.enum(VENDORS).default("OTHER"),
});

export const ZDeviceAssign = z.object({
  ids: z.array(z.string().uuid()).min(1).max(1000),
  merchantId: z.string().uuid(),
  storeId: z.string().uuid(),
  /** The channel account the devices are bound to (face credentials and payments); the merchant must be registered on it. */
  channelAccountId: z.string().uuid(),
  reason: ZReason.default("assigned"),
});
export type TDeviceAssign = z.input<typeof ZDeviceAssign>;

/** Moves an assigned or active device to another channel account of its merchant (its terminal number there, if known). */
export const ZDeviceRebind = z.object({
  id: z.string().uuid(),
  channelAccountId: z.string().uuid(),
  terminalNo: z.string().trim().max(32).nullish(),
  reason: z.string().trim().min(3).max(500),
});
export type TDeviceRebind = z.input<typeof ZDeviceRebind>;

export const ZDeviceBulkAction = z.object({
  ids: z.array(z.string().uuid()).min(1).max(1000),
  action: z.enum(["SUSPEND", "RESUME", "RETURN", "RETIRE"]),
  reason: ZReason,
});
export type TDeviceBulkAction = z.input<typeof ZDeviceBulkAction>;

export const ZDeviceUpdate = z.object({
  id: z.string().uuid(),
  terminalNo: z.string().trim().max(32).nullish(),
  model: z.string().trim().max(64).optional(),
});

export const ZCodeCreate = z
  .object({
    storeId: z.string().uuid().optional(),
    serialNumber: ZSerial.optional(),
    /** Minutes until it expires (default a day). */
    validMinutes: z.number().int().min(1).max(60 * 24 * 30).default(60 * 24),
  })
  .refine((v) => (v.storeId === undefined) !== (v.serialNumber === undefined), { message: "validation.codeTarget", path: ["storeId"] });
export type TCodeCreate = z.input<typeof ZCodeCreate>;

export const ZConfigValues = z
  .object({
    successText: z.string().trim().max(64).optional(),
    heartbeatIntervalSeconds: z.number().int().min(10).max(3600).optional(),
    idleScreenText: z.string().trim().max(64).optional(),
  })
  .strict();
export const ZConfigCreate = z.object({ values: ZConfigValues, note: z.string().trim().max(256).default("") });
export type TConfigCreate = z.input<typeof ZConfigCreate>;

export const ZFleetSettings = z.object({
  offlineAfterSeconds: z.number().int().min(30).max(86400),
  relocationMeters: z.number().int().min(50).max(1_000_000),
  incentiveMinAmountMinor: z.coerce.bigint().refine((v) => v >= 0n, { message: "validation.positive" }),
});
export type TFleetSettings = z.input<typeof ZFleetSettings>;

const ZDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
// Without from/to: the last `days` business days up to today in the tenant's time zone.
export const ZDeviceDaily = z.object({ id: z.string().uuid(), from: ZDate.optional(), to: ZDate.optional(), days: z.number().int().min(1).max(366).default(30) });
export const ZFleetRanking = z.object({ from: ZDate.optional(), to: ZDate.optional(), days: z.number().int().min(1).max(366).default(7), by: z.enum(["device", "store"]).default("device"), limit: z.number().int().min(1).max(100).default(20) });
export const ZIdle = z.object({ days: z.number().int().min(1).max(365).default(7), limit: z.number().int().min(1).max(500).default(100) });

// ---- the device API (/api/device/v1) ----

export const ZActivate = z
  .object({
    activationCode: z.string().trim().min(6).max(64),
    serialNumber: ZSerial,
    model: z.string().trim().max(64).default(""),
  })
  .strict();

const ZLocation = z.object({ latitude: z.number().min(-90).max(90), longitude: z.number().min(-180).max(180) }).strict();
export const ZHeartbeat = z
  .object({
    appVersion: z.string().trim().min(1).max(32),
    firmwareVersion: z.string().trim().max(32).optional(),
    network: z.string().trim().min(1).max(32),
    location: ZLocation.optional(),
    errors: z.array(z.string().trim().max(256)).max(20).optional(),
    /** The configuration version the device has applied. */
    configVersion: z.number().int().min(0).optional(),
  })
  .strict();

export const ZAuthInfo = z.object({ channel: z.enum(["WECHAT", "ALIPAY"]), rawdata: z.string().min(1).max(4096) }).strict();

export const ZDevicePayment = z
  .object({
    deviceOrderNo: z.string().trim().min(1).max(44).regex(/^[A-Za-z0-9_-]+$/, { message: "validation.orderNo" }),
    amountMinor: z.number().int().positive().max(100_000_000),
    faceCode: z.string().trim().min(1).max(128),
    subject: z.string().trim().min(1).max(128).optional(),
  })
  .strict();
