import { z } from "zod";
import { zonedDayRange } from "@/server/core/calendar/rules";
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
  const tenant = await tx.tenant.findFirst({ where: { id: ctx.tenantId }, select: { timeZone: true } });
  const timeZone = tenant?.timeZone ?? "Asia/Shanghai";
  const rows = await tx.auditLog.findMany({
    where: {
      tenantId: ctx.tenantId,
      ...(input.action ? { action: { startsWith: input.action } } : {}),
      ...(input.entityType ? { entityType: input.entityType } : {}),
      ...(input.entityId ? { entityId: input.entityId } : {}),
      ...(input.actor ? { actorEmail: { contains: input.actor.toLowerCase() } } : {}),
      // Dates are days in the tenant's time zone, not UTC days.
      ...(input.from || input.to
        ? { createdAt: { ...(input.from ? { gte: zonedDayRange(input.from, timeZone).start } : {}), ...(input.to ? { lt: zonedDayRange(input.to, timeZone).end } : {}) } }
        : {}),
      ...afterCreatedAtDesc(input.cursor),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: { id: true, actorKind: true, actorEmail: true, action: true, entityType: true, entityId: true, before: true, after: true, requestId: true, createdAt: true },
  });
  return toPage(rows, limit, cursorOfCreatedAt);
}
