import { z } from "zod";
import { afterCreatedAtDesc, clampLimit, cursorOfCreatedAt, toPage } from "@/server/db/keyset";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";

export const ZAuditFind = z.object({
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(200).optional(),
  action: z.string().trim().max(80).optional(),
  entityType: z.string().trim().max(80).optional(),
  entityId: z.string().trim().max(80).optional(),
  actor: z.string().trim().max(254).optional(),
  from: z.string().date().optional(),
  to: z.string().date().optional(),
});
export type TAuditFind = z.input<typeof ZAuditFind>;

export async function findAuditLogs(tx: Tx, ctx: TenantContext, raw: TAuditFind) {
  const input = ZAuditFind.parse(raw);
  const limit = clampLimit(input.limit);
  const rows = await tx.auditLog.findMany({
    where: {
      tenantId: ctx.tenantId,
      ...(input.action ? { action: { startsWith: input.action } } : {}),
      ...(input.entityType ? { entityType: input.entityType } : {}),
      ...(input.entityId ? { entityId: input.entityId } : {}),
      ...(input.actor ? { actorEmail: { contains: input.actor.toLowerCase() } } : {}),
      ...(input.from || input.to
        ? { createdAt: { ...(input.from ? { gte: new Date(`${input.from}T00:00:00Z`) } : {}), ...(input.to ? { lt: new Date(new Date(`${input.to}T00:00:00Z`).getTime() + 86_400_000) } : {}) } }
        : {}),
      ...afterCreatedAtDesc(input.cursor),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: { id: true, actorKind: true, actorEmail: true, action: true, entityType: true, entityId: true, before: true, after: true, requestId: true, createdAt: true },
  });
  return toPage(rows, limit, cursorOfCreatedAt);
}
