import { randomBytes, randomUUID } from "node:crypto";
import { createTenant } from "@/server/core/platform/service";
import { authorizedTenantId, withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";

// Test helpers: a fresh tenant with its owner, and a context that acts as that owner.
export async function makeTenant(options: { mode?: "DIRECT" | "CUSTODIAL"; slug?: string } = {}) {
  const slug = options.slug ?? `t${randomBytes(5).toString("hex")}`;
  const { tenant, owner } = await createTenant(
    { adminId: null, email: "test" },
    {
      slug,
      name: `Tenant ${slug}`,
      ownerEmail: `owner@${slug}.test`,
      ownerPassword: "Test-password-1",
      settlementMode: options.mode ?? "DIRECT",
      ...(options.mode === "CUSTODIAL" ? { licenceNumber: "Z-TEST-1" } : {}),
    },
  );
  const tenantId = authorizedTenantId(tenant.id);
  const ctx: TenantContext = { tenantId, actor: { kind: "USER", userId: owner.id, email: owner.email, role: "OWNER", merchantId: null } };
  return { tenant, owner, tenantId, ctx, slug, run: <T,>(fn: (tx: Tx) => Promise<T>) => withTenantTx(tenantId, fn) };
}

export const uuid = () => randomUUID();

export function testKeyring(): string {
  return JSON.stringify({ active: "k1", keys: { k1: randomBytes(32).toString("base64") } });
}
