// Target 2 (the subject side): postings through the service layer, the way the app posts them:
// withTenantTx (Prisma interactive transaction, role + tenant bound) → postEntry(walletTransfer)
// → resolveAccounts + ledger_post_entry through $queryRaw. BENCH_CLIENTS loops run concurrently for
// BENCH_SECONDS seconds, each a 2-line transfer between two random wallets of the 10,000 made by
// bench/ledger-setup.ts. Prints one JSON line. Run by bench/ledger-service.sh, which measures the
// pgbench baseline (ledger-post-uniform.sql) against the same database in the same run.
//
//   DATABASE_URL=... BENCH_TENANT=<uuid> npx tsx bench/ledger-service.ts
import { createHash, randomBytes } from "node:crypto";
import { postEntry } from "@/server/core/ledger/service";
import { walletTransfer } from "@/server/core/ledger/templates";
import { authorizedTenantId, withTenantTx, type TenantContext } from "@/server/db/tenant-tx";
import { disconnectPrisma } from "@/server/db/client";
import { closeAppPool } from "@/server/db/pool";

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const clients = Number(process.env.BENCH_CLIENTS ?? 4);
const wallets = Number(process.env.BENCH_WALLETS ?? 10000);
const tenant = process.env.BENCH_TENANT;
const businessDate = process.env.BENCH_BDATE ?? "2026-11-27";
if (!tenant) throw new Error("BENCH_TENANT is not set");

const ctx: TenantContext = { tenantId: authorizedTenantId(tenant), actor: { kind: "SYSTEM", name: "bench" } };
const run = randomBytes(4).toString("hex");

/** The wallet id ledger-setup.ts gave wallet n: md5('bench-wallet-' || n)::uuid. */
function walletId(n: number): string {
  const h = createHash("md5").update(`bench-wallet-${n}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
const ids = Array.from({ length: wallets + 1 }, (_, n) => (n === 0 ? "" : walletId(n)));
const rnd = (n: number) => 1 + Math.floor(Math.random() * n);

let seq = 0;
async function postOne(loop: number): Promise<void> {
  const a = rnd(wallets);
  const b = 1 + ((a - 1 + rnd(wallets - 1)) % wallets);
  const key = `svc-${run}-${loop}-${seq++}`;
  await withTenantTx(ctx.tenantId, (tx) => postEntry(tx, ctx, walletTransfer(ids[a]!, ids[b]!, BigInt(rnd(100))), { businessDate, idempotencyKey: key }));
}

async function main() {
  // Warm-up: one posting per loop (connections, Prisma's first compile), not counted.
  await Promise.all(Array.from({ length: clients }, (_, i) => postOne(i)));
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      while (performance.now() < end) {
        const s = performance.now();
        try {
          await postOne(i);
          latencies.push(performance.now() - s);
        } catch (e) {
          errors++;
          firstError ??= (e as Error).message;
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((x, y) => x - y);
  const pct = (p: number) => (latencies.length ? Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! * 1000) / 1000 : 0);
  const avg = latencies.length ? latencies.reduce((s, x) => s + x, 0) / latencies.length : 0;
  await disconnectPrisma();
  await closeAppPool();
  process.stdout.write(
    JSON.stringify({
      clients,
      seconds: Math.round(elapsed * 1000) / 1000,
      postings: latencies.length,
      tps: Math.round((latencies.length / elapsed) * 1000) / 1000,
      latency_ms: Math.round(avg * 1000) / 1000,
      p50_ms: pct(0.5),
      p99_ms: pct(0.99),
      errors,
      first_error: firstError,
    }) + "\n",
  );
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
