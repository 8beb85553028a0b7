import { findTenantBySlug } from "@/server/core/platform/service";
import { disconnectPrisma } from "@/server/db/client";
import { closeAppPool } from "@/server/db/pool";
import { authorizedTenantId } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import { prepareFleet, simulateFleet } from "./simulator";

// `npm start`'s demo fleet: a handful of simulated face devices of the first demo tenant that
// heartbeat and take a payment every few seconds through the real device API, so the device pages
// and the dashboards move. Cheap on purpose (5 devices, one payment per 5 s) and started only once
// Next answers; on by default with the embedded database only (SWITCHYARD_DEMO_FLEET=1/0 decides
// otherwise), so test runs against a DATABASE_URL never start it.

export interface DemoFleet {
  stop(): Promise<void>;
}

async function waitForApp(baseUrl: string, signal: AbortSignal): Promise<boolean> {
  const until = Date.now() + 10 * 60_000;
  while (!signal.aborted && Date.now() < until) {
    try {
      const r = await fetch(`${baseUrl}/api/health`, { signal });
      if (r.ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  return false;
}

export function startDemoFleet(options: { enabled: boolean; port: number; slug: string }): DemoFleet {
  if (!options.enabled) return { stop: async () => {} };
  const controller = new AbortController();
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const done = (async () => {
    if (!(await waitForApp(baseUrl, controller.signal))) return;
    const tenant = await findTenantBySlug(options.slug);
    if (!tenant) return;
    const ctx = { tenantId: authorizedTenantId(tenant.id), actor: { kind: "SYSTEM" as const, name: "demo-fleet" } };
    const common = { ctx, baseUrl, host: `${options.slug}.localhost:${options.port}`, count: 5, prefix: "DEMO" };
    const devices = await prepareFleet(common);
    // The launcher holds no database connections while Next runs (the embedded database serialises them).
    await disconnectPrisma();
    await closeAppPool();
    logger.info({ devices: devices.length, tenant: options.slug }, "demo device fleet running");
    await simulateFleet({ ...common, rate: 0.2, durationSeconds: 365 * 86_400, heartbeatSeconds: 30, concurrency: 2, signal: controller.signal }, devices);
  })().catch((e: unknown) => logger.warn({ err: e instanceof Error ? e.message : String(e) }, "demo device fleet stopped"));
  return {
    async stop() {
      controller.abort();
      await done;
    },
  };
}
