// `npm start`: the embedded database (unless DATABASE_URL is set), migrations, demo data, then
// Next.js as a child process. SIGTERM/SIGINT stop Next first, then close PGlite cleanly.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DATA_DIR, EMBEDDED_DATA_DIR, EMBEDDED_STATE_FILE, startEmbeddedDatabase, type EmbeddedDatabase } from "@/server/db/embedded";
import { migrate } from "@/server/db/migrate";
import { closeAppPool, withOwnerClient } from "@/server/db/pool";
import { disconnectPrisma } from "@/server/db/client";
import { DEMO_PASSWORD, DEMO_TENANTS, PLATFORM_ADMIN, seedDemo, demoEmail } from "@/server/db/seed";
import { ensureKeyringFile, keyringFilePath } from "@/server/core/secrets/keyring";
import { backfillLedgers } from "@/server/core/ledger/backfill";
import { simulatorUrlsFromEnv } from "@/server/channels/simulator-accounts";
import { refreshSimulatorAccounts } from "@/server/core/channels/demo";
import { startDevSimulators, type DevSimulators } from "@/server/simulators/dev";
import { startDemoFleet } from "@/server/core/devices/demo";

const dev = process.argv.includes("--dev");
const port = Number(process.env.PORT ?? 3000);
const root = path.resolve(import.meta.dirname, "..");
const nextBin = path.join(root, "node_modules", "next", "dist", "bin", "next");

mkdirSync(DATA_DIR, { recursive: true });
if (!process.env.SWITCHYARD_KEYRING) ensureKeyringFile(keyringFilePath(process.env));

let embedded: EmbeddedDatabase | null = null;
let child: ChildProcess | null = null;
if (!process.env.DATABASE_URL) {
  console.log(`Starting the embedded database (PGlite) in ${EMBEDDED_DATA_DIR} …`);
  embedded = await startEmbeddedDatabase({ dataDir: EMBEDDED_DATA_DIR, port: Number(process.env.SWITCHYARD_DB_PORT ?? 0) });
  process.env.DATABASE_URL = embedded.url;
  writeFileSync(EMBEDDED_STATE_FILE, JSON.stringify({ url: embedded.url, pid: process.pid }));
}

// The channel simulators (WeChat Pay, Alipay, bank) for the demo, in this process; SWITCHYARD_SIMULATORS=off skips them.
let simulators: DevSimulators | null = null;
const simulatorsStartedAt = new Date();
if (process.env.SWITCHYARD_SIMULATORS !== "off") {
  try {
    simulators = await startDevSimulators();
    process.env.SWITCHYARD_SIM_WECHAT_URL = simulators.wechat;
    process.env.SWITCHYARD_SIM_ALIPAY_URL = simulators.alipay;
    process.env.SWITCHYARD_SIM_BANK_URL = simulators.bank;
  } catch (error) {
    console.warn(`Channel simulators not started (${(error as Error).message}); the sandbox channel still works.`);
  }
}

const { applied } = await withOwnerClient((c) => migrate(c));
if (applied.length) console.log(`Applied migrations: ${applied.join(", ")}`);
await backfillLedgers();
if (process.env.SWITCHYARD_SEED !== "0") {
  const { created } = await seedDemo((m) => console.log(m));
  if (created.length) console.log(`Demo data created for: ${created.join(", ")}`);
}
if (simulators) await refreshSimulatorAccounts(simulatorUrlsFromEnv(), simulatorsStartedAt);
await disconnectPrisma();
await closeAppPool();

if (!dev && (!existsSync(path.join(root, ".next", "BUILD_ID")) || process.env.SWITCHYARD_BUILD === "1")) {
  console.log("Building the console (first start only; takes a minute or two) …");
  const b = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (b.status !== 0) {
    if (embedded) await embedded.stop();
    rmSync(EMBEDDED_STATE_FILE, { force: true });
    process.exit(1);
  }
}

child = spawn(process.execPath, [nextBin, dev ? "dev" : "start", "-p", String(port)], {
  cwd: root,
  stdio: "inherit",
  // Webhooks to loopback receivers: allowed by default for the embedded demo only; on a real
  // PostgreSQL only when SWITCHYARD_WEBHOOK_ALLOW_LOOPBACK says so.
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", SWITCHYARD_WEBHOOK_ALLOW_LOOPBACK: process.env.SWITCHYARD_WEBHOOK_ALLOW_LOOPBACK ?? (embedded ? "1" : "0") },
});

// A few simulated face devices of the first demo tenant (issue 7); embedded demo only unless SWITCHYARD_DEMO_FLEET says so.
const demoFleet = startDemoFleet({ enabled: (process.env.SWITCHYARD_DEMO_FLEET ?? (embedded && process.env.SWITCHYARD_SEED !== "0" ? "1" : "0")) === "1", port, slug: DEMO_TENANTS[0]!.slug });

const logins = DEMO_TENANTS.map(
  (t) => `  ${t.name.padEnd(14)} http://${t.slug}.localhost:${port}   ${["owner", "admin", "operations", "finance", "viewer", "merchant"].map((r) => demoEmail(t.slug, r)).join(", ")}`,
).join("\n");
console.log(`
Switchyard is starting on ${embedded ? "the embedded database" : "PostgreSQL (DATABASE_URL)"}.
  Platform console  http://localhost:${port}   ${PLATFORM_ADMIN.email} / ${PLATFORM_ADMIN.password}
${logins}
  Demo password for every tenant user: ${DEMO_PASSWORD}
  Merchant portal: sign in with merchant@<slug>.demo at the tenant's host (/m).
${simulators ? `  Channel simulators: WeChat Pay ${simulators.wechat}, Alipay ${simulators.alipay}, bank ${simulators.bank}\n` : ""}`);

// One shutdown, however many signals and exit events arrive (the whole process group gets the
// signal, and Next's exit then fires too): every caller waits for the same promise.
let stopping: Promise<never> | null = null;
function shutdown(code: number): Promise<never> {
  stopping ??= (async () => {
    await demoFleet.stop();
    const c = child;
    if (c && c.exitCode === null && c.signalCode === null) {
      c.kill("SIGTERM");
      await new Promise((res) => {
        const t = setTimeout(res, 10_000);
        c.once("exit", () => {
          clearTimeout(t);
          res(null);
        });
      });
    }
    if (embedded) {
      await embedded.stop();
      rmSync(EMBEDDED_STATE_FILE, { force: true });
    }
    await simulators?.close();
    process.exit(code);
  })();
  return stopping;
}
process.on("SIGTERM", () => void shutdown(0));
process.on("SIGINT", () => void shutdown(0));
child.on("exit", (code) => void shutdown(code ?? 0));
