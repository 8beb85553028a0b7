// Merchant webhook delivery (a benchmark, not a test). A throwaway database with one tenant and
// four merchants whose endpoints point at a bare node:http receiver on 127.0.0.1 (a worker thread
// answering 200). This process runs the outbox drainer (startOutboxDrainer, what the app runs);
// a second process, as the app's request handlers would, publishes BENCH_WEBHOOKS events (default
// 5,000) through publishWebhook in committed transactions of BENCH_WEBHOOK_BATCH (default 20)
// from BENCH_WEBHOOK_PUBLISHERS (default 4) concurrent publishers. After 500 events to warm up
// (JIT, connections, keep-alive sockets), two measured phases in the same run:
//   latency:  the drainer running while events are published at a steady BENCH_WEBHOOK_RATE
//             (default 1,000 events/s, the target rate): p99 of commit → first attempt arriving
//             at the receiver (wall clock, same machine), and the rate delivered. Target ≤ 1 s.
//   capacity: N events committed while no drainer runs, then a drainer starts: deliveries/s =
//             events / (last first attempt − drainer start), the pipeline's own rate without a
//             publisher competing for the two cores. Target ≥ 1,000/s. (Published faster than
//             the drainer delivers, a backlog grows and so does the latency — with the number of
//             events, not the pipeline — which is why the two targets are measured apart.)
//   baseline: the same receiver hit directly by a bare loop of as many fetch() POSTs with the
//             drainer's concurrency (128); the ratio is capacity / baseline.
// Prints PASS/FAIL lines (stderr) and one JSON object (stdout), and writes bench/out/webhooks.json.
// The publisher is a separate process so the figures are the delivery pipeline's, not one event
// loop shared with Prisma's publishing.
//
//   npx tsx bench/webhooks.ts            (or bash bench/webhooks.sh)
import { fork } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

const N = Number(process.env.BENCH_WEBHOOKS ?? 5000);
const BATCH = Number(process.env.BENCH_WEBHOOK_BATCH ?? 20);
const PUBLISHERS = Number(process.env.BENCH_WEBHOOK_PUBLISHERS ?? 4);
const RATE = Number(process.env.BENCH_WEBHOOK_RATE ?? 1000);
const CONCURRENCY = 128;
const TARGET_PER_SEC = 1000;
const TARGET_P99_MS = 1000;

// Set before the app modules read them (the publisher process inherits them).
process.env.SWITCHYARD_WEBHOOK_ALLOW_LOOPBACK = "1";
process.env.SWITCHYARD_KEYRING ??= JSON.stringify({ active: "k1", keys: { k1: randomBytes(32).toString("base64") } });
process.env.LOG_LEVEL ??= "error";

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
const nowMs = () => performance.timeOrigin + performance.now();

/** The receiver: remembers (event id, arrival time) of the first request per event and answers 200. */
const RECEIVER = `
const http = require("node:http");
const { parentPort } = require("node:worker_threads");
const first = new Map();
let requests = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    requests++;
    const at = performance.timeOrigin + performance.now();
    const m = /"id":"([0-9a-f-]{36})"/.exec(Buffer.concat(chunks).toString("utf8"));
    if (m && !first.has(m[1])) first.set(m[1], at);
    res.writeHead(200, { "content-type": "text/plain", "content-length": "2" });
    res.end("ok");
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
parentPort.on("message", (msg) => {
  if (msg === "count") parentPort.postMessage({ count: first.size, requests });
  else if (msg === "dump") parentPort.postMessage({ first: [...first.entries()], requests });
  else if (msg === "reset") { first.clear(); requests = 0; parentPort.postMessage({ reset: true }); }
});
`;

function ask<T>(worker: Worker, msg: string, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: Record<string, unknown>) => {
      if (key in m) {
        worker.off("message", on);
        resolve(m as T);
      }
    };
    worker.on("message", on);
    worker.postMessage(msg);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

interface PublisherJob {
  tenantId: string;
  merchantIds: string[];
  count: number;
  /** Events per second to offer; 0 = as fast as possible. */
  rate: number;
}
interface PublisherReport {
  commits: Array<[string, number]>;
  startedAt: number;
  endedAt: number;
}

/** The publisher process: N events in committed transactions, reporting each event's commit time. */
async function publisherMain(job: PublisherJob): Promise<PublisherReport> {
  const { publishWebhook } = await import("@/server/core/webhooks/publish");
  const { authorizedTenantId, withTenantTx } = await import("@/server/db/tenant-tx");
  const tenantId = authorizedTenantId(job.tenantId);
  const ctx = { tenantId, actor: { kind: "SYSTEM" as const, name: "bench" } };
  const commits: Array<[string, number]> = [];
  let next = 0;
  const startedAt = nowMs();
  await Promise.all(
    Array.from({ length: PUBLISHERS }, async () => {
      for (;;) {
        const start = next;
        next += BATCH;
        if (start >= job.count) return;
        const count = Math.min(BATCH, job.count - start);
        if (job.rate > 0) {
          const due = startedAt + (start / job.rate) * 1000;
          if (due > nowMs()) await new Promise((r) => setTimeout(r, due - nowMs()));
        }
        const ids = await withTenantTx(tenantId, async (tx) => {
          const out: string[] = [];
          for (let i = 0; i < count; i++) {
            const { eventId } = await publishWebhook(tx, ctx, {
              merchantId: job.merchantIds[(start + i) % job.merchantIds.length]!,
              type: "payment.succeeded",
              objectType: "payment",
              objectId: randomUUID(),
              data: { id: randomUUID(), merchantOrderNo: `ORD-${start + i}`, amountMinor: 1000n + BigInt(i), status: "SUCCEEDED", subject: "Bench lunch" },
            });
            out.push(eventId);
          }
          return out;
        });
        const at = nowMs();
        for (const id of ids) commits.push([id, at]);
      }
    }),
  );
  return { commits, startedAt, endedAt: nowMs() };
}

function runPublisher(job: PublisherJob): Promise<PublisherReport> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], { execArgv: process.execArgv, env: { ...process.env, BENCH_WEBHOOK_ROLE: "publisher" }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    let report: PublisherReport | null = null;
    child.on("message", (m: { report?: PublisherReport }) => {
      if (m.report) report = m.report;
    });
    child.on("error", reject);
    child.on("exit", (code) => (report ? resolve(report) : reject(new Error(`the publisher exited with ${code} and no report`))));
    child.send({ job });
  });
}

async function main() {
  const { createTestDatabase } = await import("@/server/testing/db");
  const { makeTenant } = await import("@/server/testing/tenants");
  const { merchantInput } = await import("@/server/testing/fixtures");
  const { createMerchant } = await import("@/server/core/merchants/service");
  const { createWebhookEndpoint } = await import("@/server/core/webhooks/service");
  const { startOutboxDrainer } = await import("@/server/jobs/outbox");
  await import("@/server/core/webhooks/register");

  const worker = new Worker(RECEIVER, { eval: true });
  const { port } = await new Promise<{ port: number }>((resolve) => worker.once("message", resolve));
  const receiverUrl = `http://127.0.0.1:${port}/hooks`;

  const db = await createTestDatabase("bench_webhooks");
  let stopDrainer: (() => Promise<void>) | null = null;
  try {
    const t = await makeTenant();
    const merchantIds = await t.run(async (tx) => {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const m = await createMerchant(tx, t.ctx, merchantInput(`Bench ${i}`));
        await createWebhookEndpoint(tx, t.ctx, { merchantId: m.id, url: `${receiverUrl}/${i}` });
        ids.push(m.id);
      }
      return ids;
    });

    // --- subject -------------------------------------------------------------------------------
    const drainer = () => startOutboxDrainer({ concurrency: CONCURRENCY });
    const waitFor = async (count: number, published: () => boolean) => {
      const deadline = nowMs() + 180_000;
      for (;;) {
        const r = await ask<{ count: number }>(worker, "count", "count");
        if ((r.count >= count && published()) || nowMs() > deadline) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    /** Publishes `count` events (at `rate`/s, 0 = flat out); with `backlog`, no drainer runs until all are committed. */
    const phase = async (count: number, rate: number, backlog = false) => {
      await ask(worker, "reset", "reset");
      if (backlog && stopDrainer) {
        await stopDrainer();
        stopDrainer = null;
      }
      const publishing = runPublisher({ tenantId: t.tenantId, merchantIds, count, rate });
      let published = false;
      void publishing.then(
        () => (published = true),
        () => (published = true),
      );
      let drainStart = NaN;
      if (backlog) {
        await publishing;
        drainStart = nowMs();
        stopDrainer = drainer();
      }
      await waitFor(count, () => published);
      const report = await publishing;
      const { first, requests } = await ask<{ first: Array<[string, number]>; requests: number }>(worker, "dump", "first");
      const commitAt = new Map(report.commits);
      const latencies = first.filter(([id]) => commitAt.has(id)).map(([id, at]) => at - commitAt.get(id)!).sort((a, b) => a - b);
      const from = backlog ? drainStart : Math.min(...commitAt.values());
      const lastDelivery = Math.max(...first.map(([, at]) => at));
      return {
        events: count,
        offeredPerSec: rate || null,
        delivered: first.length,
        receiverRequests: requests,
        deliveriesPerSec: round(first.length / ((lastDelivery - from) / 1000), 0),
        publishPerSec: round(count / ((report.endedAt - report.startedAt) / 1000), 0),
        ...(backlog ? {} : { p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), maxMs: round(latencies.at(-1) ?? NaN) }),
      };
    };
    stopDrainer = drainer();
    await phase(500, 0);
    const steady = await phase(N, RATE);
    const capacity = await phase(N, 0, true);
    await stopDrainer?.();
    stopDrainer = null;
    const recorded = await t.run((tx) => tx.webhookEvent.groupBy({ by: ["status"], _count: { _all: true } }));
    const deliveriesPerSec = capacity.deliveriesPerSec;
    const p99 = steady.p99Ms ?? NaN;

    // --- baseline: the same receiver, a bare loop of fetches, same concurrency ----------------
    await ask(worker, "reset", "reset");
    const body = JSON.stringify({ id: randomUUID(), type: "payment.succeeded", createdAt: new Date().toISOString(), data: { id: randomUUID(), merchantOrderNo: "ORD-1", amountMinor: 1000, status: "SUCCEEDED", subject: "Bench lunch" } });
    let sent = 0;
    const baselineStarted = nowMs();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent < N) {
          sent++;
          const r = await fetch(receiverUrl, { method: "POST", headers: { "content-type": "application/json" }, body });
          await r.text();
        }
      }),
    );
    const baselinePerSec = round(N / ((nowMs() - baselineStarted) / 1000), 0);
    const ratio = round(deliveriesPerSec / Math.max(1, baselinePerSec), 3);

    const throughputPass = capacity.delivered === N && deliveriesPerSec >= TARGET_PER_SEC;
    // Keeping up: everything delivered, at (nearly) the offered rate, with the p99 in target.
    const latencyPass = steady.delivered === N && steady.deliveriesPerSec >= 0.9 * RATE && p99 <= TARGET_P99_MS;
    const pass = throughputPass && latencyPass;
    const out = {
      benchmark: "webhooks",
      target: `>= ${TARGET_PER_SEC} deliveries/s, commit-to-first-attempt p99 <= ${TARGET_P99_MS} ms`,
      events: N,
      deliveriesPerSec,
      p99Ms: p99,
      baselinePerSec,
      ratio,
      result: pass ? "PASS" : "MISS",
      pass,
      capacity,
      steady,
      statuses: Object.fromEntries(recorded.map((r) => [r.status, r._count._all])),
      subject: {
        what: `another process publishes through publishWebhook (${PUBLISHERS} publishers, ${BATCH} events per transaction); startOutboxDrainer (concurrency ${CONCURRENCY}) delivers over node:http keep-alive; throughput from a committed backlog, latency at a steady ${RATE}/s`,
      },
      baseline: { what: `a bare loop of ${N} fetch() POSTs to the same receiver, concurrency ${CONCURRENCY}` },
      machine: {
        run_id: process.env.BENCH_RUN_ID ?? null,
        at: new Date().toISOString(),
        cpus: cpus().length,
        loadavg: loadavg().map((x) => x.toFixed(2)).join(" "),
        node: process.version,
      },
    };
    console.error(
      `${throughputPass ? "PASS" : "FAIL"} throughput: ${deliveriesPerSec} deliveries/s draining ${N} committed events (target >= ${TARGET_PER_SEC}; baseline fetch loop ${baselinePerSec}/s, ratio ${ratio})`,
    );
    console.error(
      `${latencyPass ? "PASS" : "FAIL"} latency at ${RATE}/s published: commit-to-first-attempt p99 ${p99} ms, p50 ${steady.p50Ms} ms, delivered ${steady.deliveriesPerSec}/s (target p99 <= ${TARGET_P99_MS} ms)`,
    );
    const dir = path.join(import.meta.dirname, "out");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "webhooks.json"), `${JSON.stringify(out, null, 2)}\n`);
    console.log(JSON.stringify(out));
  } finally {
    if (stopDrainer) await stopDrainer();
    await worker.terminate();
    await db.drop();
  }
}

if (process.env.BENCH_WEBHOOK_ROLE === "publisher") {
  process.once("message", (m: { job: PublisherJob }) => {
    publisherMain(m.job).then(
      (report) => process.send?.({ report }, () => process.exit(0)),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  });
} else {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
