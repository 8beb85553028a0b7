import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { purgeExpiredNonces } from "./auth";
import { purgeOldIdempotencyRecords } from "./idempotency";

/** The daily housekeeping job's share of the merchant API: expired nonces, old idempotency records. */
export async function purgeMerchantApiState(tx: Tx, ctx: TenantContext, now = new Date()): Promise<{ nonces: number; idempotency: number }> {
  return { nonces: await purgeExpiredNonces(tx, ctx.tenantId, now), idempotency: await purgeOldIdempotencyRecords(tx, ctx.tenantId, now) };
}
