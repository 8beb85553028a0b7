import type { TenantContext, Tx } from "@/server/db/tenant-tx";

// The incentive threshold (device_fleet_settings.incentive_min_amount_minor) decides two columns
// of payment_daily_stat: valid_count and payer_count. Both are written by the per-group recompute
// (stats.ts, from the outbox) and by a threshold change (updateFleetSettings, below), so the two
// are serialised per tenant by one advisory lock: the recompute holds it shared while it reads the
// threshold and writes its groups, a threshold change holds it exclusively. Without it a drainer
// that read the old threshold could commit its groups after the change had recomputed them, and
// those rows would stay under the old threshold until their next payment.

/** Takes the tenant's threshold lock for the rest of the transaction (shared: a recompute; exclusive: a change). */
export async function lockIncentiveThreshold(tx: Tx, ctx: TenantContext, mode: "shared" | "exclusive"): Promise<void> {
  const key = `stats-threshold|${ctx.tenantId}`;
  if (mode === "shared") await tx.$executeRaw`SELECT pg_advisory_xact_lock_shared(hashtextextended(${key}, 0))`;
  else await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
}

/**
 * Recomputes valid_count and payer_count of every existing payment_daily_stat row of the tenant
 * under `thresholdMinor`, in one statement, and returns how many rows changed. The caller holds
 * the exclusive threshold lock (taken before the statement, so READ COMMITTED gives the statement
 * a snapshot in which no recompute under the old threshold is still uncommitted).
 *
 * Done set-based in the settings' own transaction rather than as 'stats.recompute' events: the
 * rows then never disagree with the committed threshold (a reader sees the old threshold with the
 * old counts or the new with the new), and one GROUP BY over the tenant's successful payments at or
 * above the threshold is far cheaper than naming every (date, merchant, store, device, account,
 * product) group of the tenant's history in outbox events. Threshold changes are rare.
 * Rows whose payments no longer reach the threshold get 0 (the LEFT JOIN); rows are never created
 * here (a group without a row has no payments, so nothing to count).
 */
export async function recomputeIncentiveCounts(tx: Tx, ctx: TenantContext, thresholdMinor: bigint): Promise<number> {
  return tx.$executeRaw`
    WITH v AS (
      SELECT business_date, merchant_id, COALESCE(store_id::text, '') AS store_id, COALESCE(device_id, '') AS device_id, channel_account_id, product,
             count(*)::int AS valid, count(DISTINCT payer_id)::int AS payers
        FROM payment
       WHERE tenant_id = ${ctx.tenantId}::uuid AND status = 'SUCCEEDED' AND amount_minor >= ${thresholdMinor}
       GROUP BY 1, 2, 3, 4, 5, 6)
    UPDATE payment_daily_stat t
       SET valid_count = COALESCE(v.valid, 0), payer_count = COALESCE(v.payers, 0), updated_at = now()
      FROM payment_daily_stat s
      LEFT JOIN v ON v.business_date = s.business_date AND v.merchant_id = s.merchant_id AND v.store_id = s.store_id
                 AND v.device_id = s.device_id AND v.channel_account_id = s.channel_account_id AND v.product = s.product
     WHERE t.tenant_id = ${ctx.tenantId}::uuid AND s.tenant_id = t.tenant_id AND s.business_date = t.business_date
       AND s.merchant_id = t.merchant_id AND s.store_id = t.store_id AND s.device_id = t.device_id
       AND s.channel_account_id = t.channel_account_id AND s.product = t.product
       AND (t.valid_count, t.payer_count) IS DISTINCT FROM (COALESCE(v.valid, 0), COALESCE(v.payers, 0))`;
}
