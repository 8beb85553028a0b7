import { randomBytes } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { DomainError } from "@/server/core/errors/domain-error";
import { authorizationHeader } from "@/server/core/merchant-api/signature";
import type { TenantContext } from "@/server/db/tenant-tx";
import { withTenantTx } from "@/server/db/tenant-tx";
import { assignDevices, createActivationCode, importDevices } from "./service";

// The device simulator (CLI `devices simulate`, the demo fleet and the fleet test): N simulated
// face terminals that activate, heartbeat, drop offline now and then, and take face payments at an
// aggregate rate through the real device API over HTTP. Setting the devices up (import, assign,
// a fresh activation code per run) uses the services directly, as an operator would in the console;
// everything a device does goes over the wire, signed.

export interface SimulatorOptions {
  readonly ctx: TenantContext;
  /** The app's base URL (http://127.0.0.1:3000) and the Host header naming the tenant (acme.localhost:3000). */
  readonly baseUrl: string;
  readonly host: string;
  readonly count: number;
  /** Payments per second across the whole fleet. */
  readonly rate: number;
  readonly durationSeconds: number;
  /** Serial number prefix (letters and digits): devices are <prefix>00001… and are reused between runs. */
  readonly prefix?: string;
  /** Seconds between a device's heartbeats (default 10). */
  readonly heartbeatSeconds?: number;
  /** Chance per heartbeat that a device drops offline for a while (default 0.03). */
  readonly dropChance?: number;
  /** At most this many requests in flight (default 8). */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
}

export interface SimulatedDevice {
  serialNumber: string;
  deviceId: string;
  secret: string;
  payments: number;
  succeeded: number;
  amountMinor: bigint;
  offlineUntil: number;
}

export interface SimulatorResult {
  devices: number;
  payments: number;
  succeeded: number;
  failed: number;
  errors: number;
  heartbeats: number;
  amountMinor: bigint;
  perDevice: { deviceId: string; serialNumber: string; payments: number; succeeded: number; amountMinor: bigint }[];
}

interface HttpAnswer {
  status: number;
  json: unknown;
}

function request(baseUrl: string, host: string, method: "GET" | "POST", path: string, body: string | undefined, headers: Record<string, string>): Promise<HttpAnswer> {
  const url = new URL(path, baseUrl);
  const lib = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      { protocol: url.protocol, hostname: url.hostname, port: url.port, path: url.pathname + url.search, method, headers: { host, ...(body !== undefined ? { "content-type": "application/json", "content-length": Buffer.byteLength(body).toString() } : {}), ...headers }, timeout: 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function signedCall(o: SimulatorOptions, device: SimulatedDevice, method: "GET" | "POST", path: string, payload?: unknown): Promise<HttpAnswer> {
  const body = payload === undefined ? "" : JSON.stringify(payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString("hex");
  const headers: Record<string, string> = { authorization: authorizationHeader(device.deviceId, device.secret, { method, pathWithQuery: path, timestamp, nonce, body }) };
  if (method === "POST") headers["idempotency-key"] = randomBytes(12).toString("hex");
  return request(o.baseUrl, o.host, method, path, method === "POST" ? body : undefined, headers);
}

const errorCodeOf = (a: HttpAnswer) => ((a.json as { error?: { code?: string } } | undefined)?.error?.code ?? `HTTP ${a.status}`);

/** Imports, assigns and (re)activates the fleet; returns each device's id and fresh secret. */
export async function prepareFleet(o: Pick<SimulatorOptions, "ctx" | "baseUrl" | "host" | "count" | "prefix">, placement?: { merchantId: string; storeId: string; channelAccountId: string }): Promise<SimulatedDevice[]> {
  const prefix = o.prefix ?? "SIM";
  const serials = Array.from({ length: o.count }, (_, i) => `${prefix}${String(i + 1).padStart(5, "0")}`);
  const codes = await withTenantTx(o.ctx.tenantId, async (tx) => {
    const where = placement ?? (await defaultPlacement(tx, o.ctx));
    const existing = await tx.device.findMany({ where: { tenantId: o.ctx.tenantId, serialNumber: { in: serials } }, select: { id: true, serialNumber: true, status: true } });
    const known = new Set(existing.map((d) => d.serialNumber));
    const missing = serials.filter((s) => !known.has(s));
    if (missing.length > 0) await importDevices(tx, o.ctx, { csv: `serialNumber,model,vendor\n${missing.map((s) => `${s},SIM-F1,WECHAT_FACE`).join("\n")}\n`, commit: true });
    const all = await tx.device.findMany({ where: { tenantId: o.ctx.tenantId, serialNumber: { in: serials } }, select: { id: true, serialNumber: true, status: true } });
    const toAssign = all.filter((d) => d.status === "IN_STOCK" || d.status === "RETURNED").map((d) => d.id);
    if (toAssign.length > 0) await assignDevices(tx, o.ctx, { ids: toAssign, ...where, reason: "simulator" });
    const out: { serial: string; code: string }[] = [];
    for (const d of all) {
      if (d.status === "SUSPENDED" || d.status === "RETIRED") continue;
      out.push({ serial: d.serialNumber, code: (await createActivationCode(tx, o.ctx, { serialNumber: d.serialNumber, validMinutes: 10 })).code });
    }
    return out;
  });
  const devices: SimulatedDevice[] = [];
  for (const { serial, code } of codes) {
    const r = await request(o.baseUrl, o.host, "POST", "/api/device/v1/activate", JSON.stringify({ activationCode: code, serialNumber: serial, model: "SIM-F1" }), {});
    if (r.status !== 201) throw new DomainError("PRECONDITION", "SIMULATOR_ACTIVATION_FAILED", `Activating ${serial} failed: ${errorCodeOf(r)}`);
    const j = r.json as { deviceId: string; deviceSecret: string };
    devices.push({ serialNumber: serial, deviceId: j.deviceId, secret: j.deviceSecret, payments: 0, succeeded: 0, amountMinor: 0n, offlineUntil: 0 });
  }
  return devices;
}

/** The first active merchant with a store and an ACTIVE registration: where simulated devices go. */
async function defaultPlacement(tx: Parameters<Parameters<typeof withTenantTx>[1]>[0], ctx: TenantContext) {
  const regs = await tx.merchantChannelRegistration.findMany({ where: { tenantId: ctx.tenantId, status: "ACTIVE", storeId: null }, select: { merchantId: true, channelAccountId: true }, orderBy: { createdAt: "asc" }, take: 50 });
  for (const r of regs) {
    const store = await tx.store.findFirst({ where: { tenantId: ctx.tenantId, merchantId: r.merchantId, status: "ACTIVE" }, select: { id: true }, orderBy: { createdAt: "asc" } });
    const merchant = await tx.merchant.findFirst({ where: { tenantId: ctx.tenantId, id: r.merchantId, status: "ACTIVE" }, select: { id: true } });
    if (store && merchant) return { merchantId: r.merchantId, storeId: store.id, channelAccountId: r.channelAccountId };
  }
  throw new DomainError("PRECONDITION", "SIMULATOR_NO_PLACEMENT", "The tenant has no active merchant with a store and an active channel registration for the simulated devices");
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });

/** Runs the fleet for `durationSeconds` (or until `signal` aborts). */
export async function simulateFleet(o: SimulatorOptions, prepared?: SimulatedDevice[]): Promise<SimulatorResult> {
  if (!(o.count >= 1 && o.count <= 10_000)) throw new DomainError("BAD_INPUT", "INVALID_REQUEST", "--count must be between 1 and 10000", { field: "count" });
  if (!(o.rate > 0 && o.rate <= 1000)) throw new DomainError("BAD_INPUT", "INVALID_REQUEST", "--rate must be above 0 and at most 1000 payments a second", { field: "rate" });
  const log = o.log ?? (() => {});
  const devices = prepared ?? (await prepareFleet(o));
  log(`activated ${devices.length} devices`);
  const result = { payments: 0, succeeded: 0, failed: 0, errors: 0, heartbeats: 0 };
  const end = Date.now() + o.durationSeconds * 1000;
  const heartbeatMs = (o.heartbeatSeconds ?? 10) * 1000;
  const dropChance = o.dropChance ?? 0.03;
  let inFlight = 0;
  const maxInFlight = o.concurrency ?? 8;
  const pending = new Set<Promise<void>>();
  let orderSeq = 0;
  const runId = randomBytes(3).toString("hex");

  const track = (p: Promise<void>) => {
    inFlight++;
    const done = p.finally(() => {
      inFlight--;
      pending.delete(done);
    });
    pending.add(done);
  };

  const heartbeat = async (d: SimulatedDevice) => {
    try {
      const r = await signedCall(o, d, "POST", "/api/device/v1/heartbeat", { appVersion: "3.2.1", network: Math.random() < 0.8 ? "wifi" : "4g" });
      if (r.status === 200) result.heartbeats++;
      else result.errors++;
    } catch {
      result.errors++;
    }
  };

  const pay = async (d: SimulatedDevice) => {
    const deviceOrderNo = `${runId}-${++orderSeq}`;
    // Whole yuan most of the time, any amount otherwise; the sandbox declines amounts ending in 01.
    const amountMinor = Math.random() < 0.7 ? 100 * (1 + Math.floor(Math.random() * 80)) : 100 + Math.floor(Math.random() * 9900);
    try {
      const auth = await signedCall(o, d, "POST", "/api/device/v1/face/authinfo", { channel: "WECHAT", rawdata: randomBytes(24).toString("base64") });
      if (auth.status !== 200) {
        result.errors++;
        return;
      }
      const r = await signedCall(o, d, "POST", "/api/device/v1/payments", { deviceOrderNo, amountMinor, faceCode: `FACE-${randomBytes(8).toString("hex")}` });
      if (r.status !== 201) {
        result.errors++;
        log(`payment ${deviceOrderNo} refused: ${errorCodeOf(r)}`);
        return;
      }
      result.payments++;
      d.payments++;
      const status = (r.json as { status?: string }).status;
      if (status === "SUCCEEDED") {
        result.succeeded++;
        d.succeeded++;
        d.amountMinor += BigInt(amountMinor);
      } else result.failed++;
    } catch {
      result.errors++;
    }
  };

  // Heartbeats: each device on its own staggered schedule; payments: one every 1/rate seconds on a
  // random online device, skipped (not queued) when too many requests are in flight.
  const nextBeat = new Map(devices.map((d, i) => [d.deviceId, Date.now() + (i * heartbeatMs) / devices.length]));
  for (const d of devices) track(heartbeat(d));
  const interval = 1000 / o.rate;
  let nextPayment = Date.now();
  while (Date.now() < end && !o.signal?.aborted) {
    const now = Date.now();
    for (const d of devices) {
      if (now < (nextBeat.get(d.deviceId) ?? 0)) continue;
      nextBeat.set(d.deviceId, now + heartbeatMs);
      if (now < d.offlineUntil) continue;
      if (Math.random() < dropChance) {
        d.offlineUntil = now + 3 * heartbeatMs;
        continue;
      }
      if (inFlight < maxInFlight * 2) track(heartbeat(d));
    }
    while (nextPayment <= now) {
      nextPayment += interval;
      const online = devices.filter((d) => now >= d.offlineUntil);
      const d = online[Math.floor(Math.random() * online.length)];
      if (d && inFlight < maxInFlight) track(pay(d));
    }
    await sleep(Math.max(5, Math.min(200, nextPayment - Date.now())), o.signal);
  }
  await Promise.all([...pending]);
  const amountMinor = devices.reduce((s, d) => s + d.amountMinor, 0n);
  log(`${result.payments} payments (${result.succeeded} succeeded), ${result.heartbeats} heartbeats, ${result.errors} errors`);
  return {
    devices: devices.length,
    ...result,
    amountMinor,
    perDevice: devices.map((d) => ({ deviceId: d.deviceId, serialNumber: d.serialNumber, payments: d.payments, succeeded: d.succeeded, amountMinor: d.amountMinor })),
  };
}
