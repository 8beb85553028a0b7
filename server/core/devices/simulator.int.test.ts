import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as activatePOST } from "@/app/api/device/v1/activate/route";
import { POST as authinfoPOST } from "@/app/api/device/v1/face/authinfo/route";
import { POST as heartbeatPOST } from "@/app/api/device/v1/heartbeat/route";
import { GET as paymentGET } from "@/app/api/device/v1/payments/[id]/route";
import { POST as paymentsPOST } from "@/app/api/device/v1/payments/route";
import { createMerchant, createStore } from "@/server/core/merchants/service";
import { withTenantTx } from "@/server/db/tenant-tx";
import { drainOutboxOnce } from "@/server/jobs/outbox";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, useTestKeyring, type TestTenant } from "@/server/testing/fixtures";
import { tenantHost } from "@/server/testing/trpc";
import "./register";
import { prepareFleet, simulateFleet } from "./simulator";

// A 50-device simulator run of a minute through the device API over real HTTP (a plain node:http
// server in front of the route handlers, as Next would put them), then: per-device counts and
// amounts equal a SQL aggregate over payments, and the daily statistics equal the ledger's postings
// for those devices. The rate is modest (the payment path shares this machine's cores).

process.env.DATABASE_POOL_SIZE = "20";
let db: TestDatabase;
let tenant: TestTenant;
let server: http.Server;
let baseUrl: string;

type Handler = (req: Request, ctx?: { params: Promise<Record<string, string>> }) => Promise<Response>;

function routeOf(method: string, path: string): { handler: Handler; params?: Record<string, string> } | null {
  if (method === "POST" && path === "/api/device/v1/activate") return { handler: activatePOST };
  if (method === "POST" && path === "/api/device/v1/heartbeat") return { handler: heartbeatPOST };
  if (method === "POST" && path === "/api/device/v1/face/authinfo") return { handler: authinfoPOST };
  if (method === "POST" && path === "/api/device/v1/payments") return { handler: paymentsPOST };
  const m = /^\/api\/device\/v1\/payments\/([^/]+)$/.exec(path);
  if (method === "GET" && m) return { handler: paymentGET as Handler, params: { id: m[1]! } };
  return null;
}

beforeAll(async () => {
  db = await createTestDatabase("device_fleet");
  useTestKeyring();
  tenant = await makeTenant("fleet");
  await withTenantTx(tenant.id, async (tx) => {
    const ctx = ownerContext(tenant);
    const m = await createMerchant(tx, ctx, merchantInput("Fleet Noodles"));
    await createStore(tx, ctx, { merchantId: m.id, name: "Fleet store", address: "2 Test Road" });
  });
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const route = routeOf(req.method ?? "GET", url.pathname);
      if (!route) {
        res.writeHead(404).end();
        return;
      }
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const body = Buffer.concat(chunks);
      const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, ...(req.method === "POST" ? { body } : {}) });
      const response = await route.handler(request, route.params ? { params: Promise.resolve(route.params) } : undefined);
      res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await db?.drop();
});

describe("a 50-device simulator run of a minute", () => {
  it("per-device counts and amounts equal SQL over payments; the daily statistics equal the ledger's postings", { timeout: 240_000 }, async () => {
    const ctx = ownerContext(tenant);
    const options = { ctx, baseUrl, host: tenantHost(tenant.slug), count: 50, rate: 4, durationSeconds: 60, heartbeatSeconds: 15, concurrency: 6 };
    const devices = await prepareFleet(options);
    expect(devices).toHaveLength(50);
    const run = await simulateFleet(options, devices);
    expect(run.errors).toBe(0);
    expect(run.payments).toBeGreaterThan(150);
    expect(run.heartbeats).toBeGreaterThan(50 * 3);

    // Per device: what the devices were told equals what the payments table holds.
    const sql = await ownerQuery<{ device_id: string; n: number; ok: number; amount: string }>(
      db.url,
      `SELECT device_id, count(*)::int AS n, (count(*) FILTER (WHERE status = 'SUCCEEDED'))::int AS ok,
              COALESCE(sum(amount_minor) FILTER (WHERE status = 'SUCCEEDED'), 0)::text AS amount
         FROM payment WHERE tenant_id = $1 AND device_id IS NOT NULL GROUP BY device_id`,
      [tenant.id],
    );
    const bySql = new Map(sql.map((r) => [r.device_id, r]));
    for (const d of run.perDevice.filter((x) => x.payments > 0)) {
      expect({ deviceId: d.deviceId, n: d.payments, ok: d.succeeded, amount: d.amountMinor.toString() }).toEqual({ deviceId: d.deviceId, ...pick(bySql.get(d.deviceId)) });
    }
    expect([...bySql.keys()].sort()).toEqual(run.perDevice.filter((x) => x.payments > 0).map((x) => x.deviceId).sort());

    // The daily statistics, once the outbox is drained, equal the ledger's postings per device:
    // memo book Dr merchant funds at channel = amount − fee; own book Dr margin receivable = margin.
    while ((await drainOutboxOnce(500)).claimed > 0);
    const compared = await ownerQuery<{ device_id: string; stat_net: string; stat_margin: string; stat_count: number; ledger_net: string; ledger_margin: string }>(
      db.url,
      `WITH stats AS (
         SELECT device_id, sum(amount_minor - fee_minor)::text AS stat_net, sum(margin_minor)::text AS stat_margin, sum(payment_count)::int AS stat_count
           FROM payment_daily_stat WHERE tenant_id = $1 AND device_id <> '' GROUP BY device_id),
       ledger AS (
         SELECT p.device_id,
                COALESCE(sum(lp.amount_minor) FILTER (WHERE a.code LIKE 'merchant_funds_at_channel:%' AND lp.amount_minor > 0), 0)::text AS ledger_net,
                COALESCE(sum(lp.amount_minor) FILTER (WHERE a.code = 'margin_receivable' AND lp.amount_minor > 0), 0)::text AS ledger_margin
           FROM payment p
           JOIN journal_entry e ON e.tenant_id = p.tenant_id AND e.cause_type = 'payment' AND e.cause_id = p.id::text
           JOIN ledger_posting lp ON lp.tenant_id = e.tenant_id AND lp.entry_id = e.id
           JOIN ledger_account a ON a.tenant_id = lp.tenant_id AND a.id = lp.account_id
          WHERE p.tenant_id = $1 AND p.device_id IS NOT NULL
          GROUP BY p.device_id)
       SELECT s.device_id, s.stat_net, s.stat_margin, s.stat_count, COALESCE(l.ledger_net, '0') AS ledger_net, COALESCE(l.ledger_margin, '0') AS ledger_margin
         FROM stats s LEFT JOIN ledger l ON l.device_id = s.device_id ORDER BY s.device_id`,
      [tenant.id],
    );
    expect(compared.length).toBe(bySql.size);
    for (const c of compared) {
      expect({ device: c.device_id, net: c.stat_net, margin: c.stat_margin }).toEqual({ device: c.device_id, net: c.ledger_net, margin: c.ledger_margin });
      expect(c.stat_count).toBe(bySql.get(c.device_id)!.n);
    }
    expect(compared.some((c) => c.stat_net !== "0")).toBe(true);
  });
});

function pick(r: { n: number; ok: number; amount: string } | undefined) {
  return r ? { n: r.n, ok: r.ok, amount: r.amount } : { n: 0, ok: 0, amount: "0" };
}
