import PgBoss from "pg-boss";
import { JOB_SCHEMA } from "@/server/db/migrate";
import { appPool } from "@/server/db/pool";
import { logger } from "@/server/lib/logger";
import { businessDate } from "@/server/core/calendar/rules";
import { expireHolds } from "@/server/core/ledger/service";
import { SESSION_IDLE_MS } from "@/server/core/auth/session";
import { purgeMerchantApiState } from "@/server/core/merchant-api/housekeeping";
import { startOutboxDrainer } from "./outbox";
import "@/server/core/payments/register";
import "@/server/core/webhooks/register";
import { queryDuePayments } from "@/server/core/payments/query-job";
import "@/server/core/payouts/register";
import "@/server/core/devices/register";
// Refunds to customers of payments only the channel showed (a reconciliation resolution).
import "@/server/core/clearing/customer-refunds";
import "@/server/core/clearing/supersede";
import { purgeExpiredDeviceNonces } from "@/server/core/devices/auth";
import { queryDuePayouts } from "@/server/core/payouts/send";
import { runSettlement } from "@/server/core/settlement/service";
import { invoicePlatformFees } from "@/server/core/platform/overview";
import { daysBefore } from "@/server/core/settlement/cycle";
import { authorizedTenantId } from "@/server/db/tenant-tx";
import { fetchDueStatements } from "@/server/core/clearing/fetch-job";
import { sweepOfflineDevices } from "@/server/core/devices/offline";
import { expireCrossDayPool } from "@/server/core/clearing/pool-expiry";
import { JOB_TIME_ZONE, QUEUES } from "./queues";
import { runTenantJob, systemActiveTenantIds } from "./tenant-job";

// pg-boss 10, set up once. It runs over the app pool (app role), so jobs obey RLS like requests;
// its schema and queues were created by the migrate command. Cron runs on Beijing time.

let running: { stop: () => Promise<void> } | null = null;

export async function startJobs(): Promise<{ stop: () => Promise<void> }> {
  if (running) return running;
  const pool = appPool();
  const boss = new PgBoss({
    db: { executeSql: (text: string, values: unknown[]) => pool.query(text, values) },
    schema: JOB_SCHEMA,
    migrate: false,
    supervise: true,
    schedule: true,
  });
  boss.on("error", (e: Error) => logger.error({ err: e.message }, "job queue error"));
  await boss.start();

  for (const q of Object.values(QUEUES)) {
    if ("cron" in q && q.cron) await boss.schedule(q.name, q.cron, {}, { tz: JOB_TIME_ZONE });
  }

  await boss.work(QUEUES.housekeeping.name, async () => {
    // Fan out: one unit of work per tenant, each in its own RLS transaction.
    for (const tenantId of await systemActiveTenantIds()) {
      await runTenantJob(tenantId, QUEUES.housekeeping.name, async (tx, ctx) => {
        const now = Date.now();
        await tx.session.deleteMany({ where: { OR: [{ expiresAt: { lt: new Date(now) } }, { lastSeenAt: { lt: new Date(now - SESSION_IDLE_MS) } }] } });
        await purgeMerchantApiState(tx, ctx, new Date(now));
        await purgeExpiredDeviceNonces(tx, ctx.tenantId, new Date(now));
      });
    }
  });
  await boss.work(QUEUES.expireHolds.name, async () => {
    const now = new Date();
    for (const tenantId of await systemActiveTenantIds()) {
      await runTenantJob(tenantId, QUEUES.expireHolds.name, async (tx, ctx) => {
        const tenant = await tx.tenant.findFirst({ where: { id: tenantId }, select: { timeZone: true } });
        return expireHolds(tx, ctx, now, businessDate(now, tenant?.timeZone ?? "Asia/Shanghai"));
      });
    }
  });
  await boss.work(QUEUES.paymentsQuery.name, async () => {
    for (const tenantId of await systemActiveTenantIds()) {
      await queryDuePayments({ tenantId: authorizedTenantId(tenantId), actor: { kind: "SYSTEM", name: QUEUES.paymentsQuery.name } });
    }
  });
  await boss.work(QUEUES.payoutsQuery.name, async () => {
    for (const tenantId of await systemActiveTenantIds()) {
      await queryDuePayouts({ tenantId: authorizedTenantId(tenantId), actor: { kind: "SYSTEM", name: QUEUES.payoutsQuery.name } });
    }
  });
  await boss.work(QUEUES.settlement.name, async () => {
    // Idempotent per merchant and date: a retry or a second worker settles nothing twice.
    for (const tenantId of await systemActiveTenantIds()) {
      const r = await runSettlement({ tenantId: authorizedTenantId(tenantId), actor: { kind: "SYSTEM", name: QUEUES.settlement.name } }, {});
      if (r.counts.ERROR) logger.warn({ tenantId, date: r.date, counts: r.counts }, "settlement run: some merchants failed");
    }
  });
  await boss.work(QUEUES.statementFetch.name, async () => {
    // Each tenant on its own: one tenant's failing channel does not hold up the others.
    for (const tenantId of await systemActiveTenantIds()) {
      try {
        await fetchDueStatements({ tenantId: authorizedTenantId(tenantId), actor: { kind: "SYSTEM", name: QUEUES.statementFetch.name } });
      } catch (e) {
        logger.error({ tenantId, err: e instanceof Error ? e.message : String(e) }, "statement fetch failed");
      }
    }
  });
  await boss.work(QUEUES.deviceOffline.name, async () => {
    for (const tenantId of await systemActiveTenantIds()) {
      try {
        await sweepOfflineDevices({ tenantId: authorizedTenantId(tenantId), actor: { kind: "SYSTEM", name: QUEUES.deviceOffline.name } });
      } catch (e) {
        logger.error({ tenantId, err: e instanceof Error ? e.message : String(e) }, "device offline sweep failed");
      }
    }
  });
  await boss.work(QUEUES.poolExpiry.name, async () => {
    for (const tenantId of await systemActiveTenantIds()) {
      await expireCrossDayPool({ tenantId: authorizedTenantId(tenantId), actor: { kind: "SYSTEM", name: QUEUES.poolExpiry.name } });
    }
  });
  await boss.work(QUEUES.platformFee.name, async () => {
    // Idempotent per tenant and month: a retry posts nothing twice.
    // The day before today in Beijing is in the month just ended.
    await invoicePlatformFees(daysBefore(businessDate(new Date(), JOB_TIME_ZONE), 1).slice(0, 7));
  });
  await boss.work<{ tenantId: string }>(QUEUES.tenantPing.name, async ([job]) => {
    if (!job) return;
    await runTenantJob(job.data.tenantId, QUEUES.tenantPing.name, async (tx) => tx.tenant.count());
  });

  const stopDrainer = startOutboxDrainer();
  running = {
    async stop() {
      await stopDrainer();
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
      running = null;
    },
  };
  logger.info("jobs started");
  return running;
}
