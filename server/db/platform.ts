import { PLATFORM_ROLE } from "./config";
import { prisma } from "./client";
import { TX_OPTIONS, type Tx } from "./tenant-tx";

// THE PLATFORM PATH. The only code that reads across tenants: platform-operator screens, tenant
// creation and suspension, the ops CLI. It switches the transaction to the platform role
// (BYPASSRLS) and writes a platform audit record for every call, with the reason given.

export interface PlatformAuditInfo {
  actorId: string | null;
  action: string;
  targetTenantId?: string | null;
  reason?: string | null;
  requestId?: string | null;
}

export type PlatformTx = Tx;

export async function withPlatformTx<T>(
  audit: PlatformAuditInfo,
  fn: (tx: PlatformTx) => Promise<T>,
  describe?: (result: T) => { before?: unknown; after?: unknown; targetTenantId?: string | null },
): Promise<T> {
  return prisma().$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`SET LOCAL ROLE ${PLATFORM_ROLE}`);
    const result = await fn(tx);
    const d = describe?.(result);
    await tx.platformAuditLog.create({
      data: {
        actorId: audit.actorId,
        action: audit.action,
        targetTenantId: d?.targetTenantId ?? audit.targetTenantId ?? null,
        reason: audit.reason ?? null,
        requestId: audit.requestId ?? null,
        ...(d?.before !== undefined ? { before: JSON.parse(JSON.stringify(d.before, (_k, v) => (typeof v === "bigint" ? v.toString() : v))) } : {}),
        ...(d?.after !== undefined ? { after: JSON.parse(JSON.stringify(d.after, (_k, v) => (typeof v === "bigint" ? v.toString() : v))) } : {}),
      },
    });
    return result;
  }, TX_OPTIONS);
}

/** Reads on the platform path that are not worth an audit row each (sign-in lookups, lists). */
export async function withPlatformReadTx<T>(fn: (tx: PlatformTx) => Promise<T>): Promise<T> {
  return prisma().$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`SET LOCAL ROLE ${PLATFORM_ROLE}`);
    return fn(tx);
  }, TX_OPTIONS);
}
