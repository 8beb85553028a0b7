import { withPlatformReadTx } from "@/server/db/platform";
import { authorizedTenantId, withTenantTx } from "@/server/db/tenant-tx";
import { provisionLedger } from "./service";

/** Opens any missing ledger accounts for every tenant (after a migration adds accounts). Idempotent. */
export async function backfillLedgers(): Promise<{ tenants: number; created: number }> {
  const tenants = await withPlatformReadTx((tx) => tx.tenant.findMany({ select: { id: true } }));
  let created = 0;
  for (const t of tenants) {
    const tenantId = authorizedTenantId(t.id);
    const r = await withTenantTx(tenantId, (tx) => provisionLedger(tx, { tenantId, actor: { kind: "SYSTEM", name: "ledger-backfill" } }));
    created += r.created;
  }
  return { tenants: tenants.length, created };
}
