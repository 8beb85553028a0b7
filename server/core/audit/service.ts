import type { Prisma } from "@/server/db/generated/prisma/client";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
}

// Fields that must never reach the audit log even in before/after snapshots.
const REDACT = /password|secret|token|(^|_)enc$|AccountNumber$|credential/i;

export function redactForAudit(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return value.map(redactForAudit);
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = REDACT.test(k) ? (v == null ? v : "[redacted]") : redactForAudit(v);
    }
    return out;
  }
  return value;
}

function json(value: unknown): Prisma.InputJsonValue | undefined {
  if (value === undefined || value === null) return undefined;
  return redactForAudit(value) as Prisma.InputJsonValue;
}

/** Appends one audit record in the caller's transaction: it commits or rolls back with the change. */
export async function recordAudit(tx: Tx, ctx: TenantContext, entry: AuditEntry): Promise<void> {
  const actor = ctx.actor;
  await tx.auditLog.create({
    data: {
      tenantId: ctx.tenantId,
      actorKind: actor.kind,
      actorId: actor.kind === "USER" ? actor.userId : actor.kind === "PLATFORM" ? actor.adminId : null,
      actorEmail: actor.kind === "SYSTEM" ? `system:${actor.name}` : actor.email,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId ?? null,
      before: json(entry.before),
      after: json(entry.after),
      requestId: ctx.requestId ?? null,
    },
  });
}
