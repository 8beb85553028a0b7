import { publishWebhook } from "@/server/core/webhooks/publish";
import { withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { getFleetSettings } from "./service";

// Offline alerts (issue 7). The sweep (a job every minute) stamps each active device that has been
// silent past the tenant's offline timeout — since its last heartbeat, or its activation if it never
// sent one — with the moment it went offline, once per silence: that is the alert. The console lists
// the stamped devices and the device's merchant gets a device.offline webhook. The next heartbeat
// clears the stamp, so a device that falls silent again alerts again.

export interface OfflineAlert {
  readonly id: string;
  readonly deviceId: string;
  readonly serialNumber: string;
  readonly merchantId: string | null;
  readonly storeId: string | null;
  readonly offlineSince: Date;
  readonly lastSeenAt: Date | null;
}

/** Stamps and announces devices newly silent past the timeout; returns them. Idempotent: a stamped device is not alerted again. */
export async function sweepOfflineDevices(ctx: TenantContext, now = new Date()): Promise<OfflineAlert[]> {
  return withTenantTx(ctx.tenantId, async (tx) => {
    const { offlineAfterSeconds } = await getFleetSettings(tx, ctx);
    const rows = await tx.$queryRaw<Array<{ id: string; device_id: string; serial_number: string; merchant_id: string | null; store_id: string | null; offline_since: Date; last_seen_at: Date | null }>>`
      UPDATE device d
         SET offline_since = COALESCE(d.last_seen_at, d.activated_at) + make_interval(secs => ${offlineAfterSeconds}), updated_at = now()
       WHERE d.tenant_id = ${ctx.tenantId}::uuid AND d.status = 'ACTIVE' AND d.offline_since IS NULL
         AND COALESCE(d.last_seen_at, d.activated_at) < ${now}::timestamptz - make_interval(secs => ${offlineAfterSeconds})
      RETURNING d.id::text, d.device_id, d.serial_number, d.merchant_id::text, d.store_id::text, d.offline_since, d.last_seen_at`;
    const alerts = rows.map((r) => ({ id: r.id, deviceId: r.device_id, serialNumber: r.serial_number, merchantId: r.merchant_id, storeId: r.store_id, offlineSince: r.offline_since, lastSeenAt: r.last_seen_at }));
    for (const a of alerts) {
      if (!a.merchantId) continue;
      await publishWebhook(tx, ctx, {
        merchantId: a.merchantId,
        type: "device.offline",
        objectType: "device",
        objectId: a.id,
        data: { deviceId: a.deviceId, serialNumber: a.serialNumber, storeId: a.storeId, offlineSince: a.offlineSince, lastSeenAt: a.lastSeenAt },
      });
    }
    return alerts;
  });
}

/** The devices currently alerted offline (active, stamped, no heartbeat since), longest silent first. */
export async function offlineAlerts(tx: Tx, ctx: TenantContext, input: { limit?: number } = {}) {
  const rows = await tx.device.findMany({
    where: { tenantId: ctx.tenantId, status: "ACTIVE", offlineSince: { not: null } },
    orderBy: [{ offlineSince: "asc" }, { serialNumber: "asc" }],
    take: Math.min(Math.max(input.limit ?? 50, 1), 200),
    select: { id: true, deviceId: true, serialNumber: true, storeId: true, offlineSince: true, lastSeenAt: true },
  });
  const stores = new Map((await tx.store.findMany({ where: { tenantId: ctx.tenantId, id: { in: rows.flatMap((r) => (r.storeId ? [r.storeId] : [])) } }, select: { id: true, name: true } })).map((s) => [s.id, s.name]));
  return rows.map((r) => ({ ...r, storeName: r.storeId ? (stores.get(r.storeId) ?? null) : null }));
}
