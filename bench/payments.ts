// Payment creation through the merchant API (a benchmark, not a test). One process, one fresh
// database, one DIRECT tenant with its sandbox channel account, one merchant and API key. Two
// node:http servers on loopback:
//
//   subject:  POST /api/v1/payments — the real route handler (signature, nonce, Idempotency-Key,
//             routing, limits, the sandbox channel, the ledger, the webhook event) behind node:http.
//             Next's own request routing is not in the path (it is the same for every route).
//   baseline: a bare node:http server that reads the same body and answers 201 with a small JSON.
//
// 1. Open loop: BENCH_RATE requests/s (default 200) for BENCH_SECONDS (default 10) to each server,
//    sent on schedule whatever the answers (latency counted from the scheduled send time, so a
//    stall cannot hide itself). Target: subject p99 − baseline p99 ≤ 50 ms, none dropped (every
//    answer 201).
// 2. Idempotency overhead: closed loop, BENCH_CLIENTS (default 8) concurrent clients for
//    BENCH_SECONDS each, the route as served (with Idempotency-Key) vs the same route built without
//    key handling (signedApiRoute's idempotency: "none"). Target: keyed ≥ 0.85× the throughput.
//
// Prints one JSON object and writes bench/out/payments.json.   npx tsx bench/payments.ts
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, Agent, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg } from "node:os";
import path from "node:path";

process.env.DATABASE_POOL_SIZE ??= "16";
process.env.LOG_LEVEL ??= "warn";

const RATE = Number(process.env.BENCH_RATE ?? 200);
/** A second open loop below saturation, to show the overhead where the path keeps up. */
const LOW_RATE = Number(process.env.BENCH_LOW_RATE ?? 40);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const TARGET_OVERHEAD_MS = 50;
const TARGET_IDEMPOTENCY_RATIO = 0.85;

type Handler = (req: Request) => Promise<Response>;

function serve(handler: Handler): Promise<Server> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const body = Buffer.concat(chunks);
      void handler(new Request(`http://127.0.0.1${req.url ?? "/"}`, { method: req.method ?? "GET", headers, ...(body.length > 0 ? { body } : {}) }))
        .then(async (r) => {
          const text = await r.text();
          res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "application/json" });
          res.end(text);
        })
        .catch((e: unknown) => {
          res.writeHead(500);
          res.end(String(e));
        });
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function post(port: number, host: string, pathName: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path: pathName, method: "POST", agent, headers: { ...headers, host, "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function main() {
  const { createTestDatabase } = await import("@/server/testing/db");
  const { makeTenant } = await import("@/server/testing/tenants");
  const { merchantInput, useTestKeyring } = await import("@/server/testing/fixtures");
  const { tenantHost } = await import("@/server/testing/trpc");
  const { createMerchant } = await import("@/server/core/merchants/service");
  const { createApiKey } = await import("@/server/core/merchant-api/keys");
  const { authorizationHeader } = await import("@/server/core/merchant-api/signature");
  const { merchantApiOperation } = await import("@/server/core/merchant-api/operation");
  const { createPaymentEndpoint } = await import("@/server/core/merchant-api/payments");
  const { POST: routePOST } = await import("@/app/api/v1/payments/route");
  const { disconnectPrisma } = await import("@/server/db/client");
  const { closeAppPool } = await import("@/server/db/pool");

  useTestKeyring();
  const db = await createTestDatabase("bench_payments");
  // As in ledger-setup.ts: the test databases' lock-order check (ledger.check_lock_order) is not on
  // in production, so the benchmark measures without it. Set before the pool opens its connections.
  {
    const pg = (await import("pg")).default;
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`ALTER DATABASE "${db.name}" RESET ledger.check_lock_order`);
    await admin.end();
  }
  const servers: Server[] = [];
  try {
    const t = await makeTenant();
    const key = await t.run(async (tx) => {
      const m = await createMerchant(tx, t.ctx, merchantInput("Bench Noodles"));
      return createApiKey(tx, t.ctx, { merchantId: m!.id, label: "bench" });
    });
    const host = tenantHost(t.slug);
    const unkeyedPOST = merchantApiOperation(createPaymentEndpoint, { idempotency: "none" });
    const routed = (h: (req: Request) => Promise<Response>): Handler => (req) => h(req);
    const subject = await serve(routed((req) => routePOST(req)));
    const unkeyed = await serve(routed((req) => unkeyedPOST(req)));
    const bare = await serve(async (req) => {
      await req.text();
      return new Response(JSON.stringify({ id: "bare", status: "SUCCEEDED" }), { status: 201, headers: { "content-type": "application/json" } });
    });
    servers.push(subject, unkeyed, bare);
    const portOf = (s: Server) => (s.address() as AddressInfo).port;

    let n = 0;
    const run = randomBytes(3).toString("hex");
    /** A signed QR payment request (no device or payer velocity rules; the sandbox answers 201 SUCCEEDED). */
    function signed(withKey: boolean): { headers: Record<string, string>; body: string } {
      n += 1;
      const body = JSON.stringify({ merchantOrderNo: `B-${run}-${n}`, amountMinor: 1_000 + (n % 50) * 100, product: "WECHAT_QR", subject: "Bench" });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const nonce = randomBytes(16).toString("hex");
      const headers: Record<string, string> = { authorization: authorizationHeader(key.keyId, key.secret, { method: "POST", pathWithQuery: "/api/v1/payments", timestamp, nonce, body }) };
      if (withKey) headers["idempotency-key"] = `idem-${run}-${n}`;
      return { headers, body };
    }

    /** Open loop at RATE/s for SECONDS: latency from each request's scheduled time; non-201 counts as dropped. */
    async function openLoop(port: number, rate = RATE) {
      const total = Math.round(rate * SECONDS);
      const interval = 1000 / rate;
      const latencies: number[] = [];
      let dropped = 0;
      const t0 = performance.now() + 50;
      const inflight: Promise<void>[] = [];
      for (let i = 0; i < total; i++) {
        const due = t0 + i * interval;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const { headers, body } = signed(true);
        inflight.push(
          post(port, host, "/api/v1/payments", headers, body).then(
            (status) => {
              if (status === 201) latencies.push(performance.now() - due);
              else dropped += 1;
            },
            () => {
              dropped += 1;
            },
          ),
        );
      }
      await Promise.all(inflight);
      return { sent: total, dropped, p50Ms: round(pct(latencies, 50)), p99Ms: round(pct(latencies, 99)), maxMs: round(pct(latencies, 100)) };
    }

    /** Closed loop: CLIENTS clients back to back for SECONDS; answers per second (201 only). */
    async function closedLoop(port: number, withKey: boolean) {
      let ok = 0;
      let other = 0;
      const end = performance.now() + SECONDS * 1000;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (performance.now() < end) {
            const { headers, body } = signed(withKey);
            const status = await post(port, host, "/api/v1/payments", headers, body).catch(() => 0);
            if (status === 201) ok += 1;
            else other += 1;
          }
        }),
      );
      return { perSec: round(ok / SECONDS), non201: other };
    }

    // Warm-up (connections, Prisma's first queries, the routing cache), not counted.
    for (const s of [subject, unkeyed]) await Promise.all(Array.from({ length: 20 }, () => post(portOf(s), host, "/api/v1/payments", signed(true).headers, signed(true).body).catch(() => 0)));
    await closedLoop(portOf(subject), true).catch(() => null);

    const baselineOpen = await openLoop(portOf(bare));
    const subjectOpen = await openLoop(portOf(subject));
    const overheadMs = round(subjectOpen.p99Ms - baselineOpen.p99Ms);
    const lowBaseline = await openLoop(portOf(bare), LOW_RATE);
    const lowSubject = await openLoop(portOf(subject), LOW_RATE);
    // Interleaved halves so both sides see the same machine state.
    const keyed = await closedLoop(portOf(subject), true);
    const plain = await closedLoop(portOf(unkeyed), false);
    const idempotencyRatio = round(keyed.perSec / Math.max(plain.perSec, 0.001), 3);

    const out = {
      benchmark: "payments",
      target: `open loop ${RATE} req/s: subject p99 − bare p99 <= ${TARGET_OVERHEAD_MS} ms, none dropped; Idempotency-Key >= ${TARGET_IDEMPOTENCY_RATIO}x the throughput without`,
      rate: RATE,
      seconds: SECONDS,
      baseline: baselineOpen,
      subject: subjectOpen,
      overheadP99Ms: overheadMs,
      atLowRate: { rate: LOW_RATE, baseline: lowBaseline, subject: lowSubject, overheadP99Ms: round(lowSubject.p99Ms - lowBaseline.p99Ms) },
      idempotency: { clients: CLIENTS, keyedPerSec: keyed.perSec, unkeyedPerSec: plain.perSec, ratio: idempotencyRatio, keyedNon201: keyed.non201, unkeyedNon201: plain.non201 },
      ratio: idempotencyRatio,
      pass: overheadMs <= TARGET_OVERHEAD_MS && subjectOpen.dropped === 0 && idempotencyRatio >= TARGET_IDEMPOTENCY_RATIO,
      machine: { run_id: process.env.BENCH_RUN_ID ?? null, cpus: cpus().length, loadavg: loadavg().map((x) => round(x, 2)), node: process.version },
    };
    const dir = path.join(import.meta.dirname, "out");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "payments.json"), `${JSON.stringify(out, null, 2)}\n`);
    console.log(JSON.stringify(out));
  } finally {
    for (const s of servers) s.close();
    agent.destroy();
    await disconnectPrisma().catch(() => undefined);
    await closeAppPool().catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
