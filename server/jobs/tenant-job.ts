import { authorizedTenantId, withTenantTx, withSystemTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";

/**
 * Every background job that touches tenant data runs through here: one RLS transaction bound to
 * the tenant named in the job data (ids only), acting as the system.
 */
export async function runTenantJob<T>(tenantId: string, jobName: string, fn: (tx: Tx, ctx: TenantContext) => Promise<T>): Promise<T> {
  const id = authorizedTenantId(tenantId);
  return withTenantTx(id, (tx) => fn(tx, { tenantId: id, actor: { kind: "SYSTEM", name: jobName } }));
}

export async function systemActiveTenantIds(): Promise<string[]> {
  const rows = await withSystemTx((tx) => tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM system_active_tenant_ids()`);
  return rows.map((r) => r.id);
}
