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

/** A snapshot as JSON text for a jsonb column, redacted; null for none. */
function json(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return JSON.stringify(redactForAudit(value));
}

/** Appends one audit record in the caller's transaction: it commits or rolls back with the change. */
export async function recordAudit(tx: Tx, ctx: TenantContext, entry: AuditEntry): Promise<void> {
  const actor = ctx.actor;
  const actorId = actor.kind === "USER" ? actor.userId : actor.kind === "PLATFORM" ? actor.adminId : null;
  const actorEmail = actor.kind === "SYSTEM" ? `system:${actor.name}` : actor.email;
  // Raw SQL: it runs in raw-only transactions too (withTenantTx rawOnly). The time is the
  // statement's, not the transaction's start, so a transaction's records keep their order.
  await tx.$executeRaw`
    INSERT INTO audit_log (tenant_id, actor_kind, actor_id, actor_email, action, entity_type, entity_id, before, after, request_id, created_at)
    VALUES (${ctx.tenantId}::uuid, ${actor.kind}::"ActorKind", ${actorId}::uuid, ${actorEmail}, ${entry.action}, ${entry.entityType}, ${entry.entityId ?? null},
            ${json(entry.before)}::jsonb, ${json(entry.after)}::jsonb, ${ctx.requestId ?? null}, ${new Date()}::timestamptz)`;
}
