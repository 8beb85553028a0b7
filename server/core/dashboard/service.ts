import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { can } from "@/server/core/auth/roles";
import type { UserRole } from "@/server/db/generated/prisma/enums";

export async function getDashboardSummary(tx: Tx, ctx: TenantContext) {
  // A transaction is one connection: its queries run one after another (pg warns on overlap).
  const byStatus = await tx.merchant.groupBy({ by: ["status"], where: { tenantId: ctx.tenantId }, _count: { _all: true } });
  const stores = await tx.store.count({ where: { tenantId: ctx.tenantId } });
  const users = await tx.user.count({ where: { tenantId: ctx.tenantId, merchantId: null } });
  const tenant = await tx.tenant.findFirst({ where: { id: ctx.tenantId }, select: { settlementMode: true, timeZone: true, logoContentType: true } });
  const calendarDays = await tx.businessCalendarDay.count({ where: { tenantId: ctx.tenantId } });
  const role = ctx.actor.kind === "USER" ? (ctx.actor.role as UserRole) : "VIEWER";
  const recent = can(role, "audit.read")
    ? await tx.auditLog.findMany({
        where: { tenantId: ctx.tenantId },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: 8,
        select: { id: true, actorEmail: true, action: true, entityType: true, createdAt: true },
      })
    : [];
  const merchantsByStatus = Object.fromEntries(byStatus.map((r) => [r.status, r._count._all])) as Partial<Record<"ACTIVE" | "SUSPENDED" | "ARCHIVED", number>>;
  return {
    merchants: byStatus.reduce((n, r) => n + r._count._all, 0),
    merchantsByStatus,
    stores,
    users,
    settlementMode: tenant?.settlementMode ?? "DIRECT",
    timeZone: tenant?.timeZone ?? "Asia/Shanghai",
    hasLogo: Boolean(tenant?.logoContentType),
    calendarDays,
    recent,
  };
}
