import { businessDate } from "@/server/core/calendar/rules";
import { tenantSettings } from "@/server/core/tenancy/settings";
import { DomainError } from "@/server/core/errors/domain-error";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";

// Wallets, transfers, withdrawals and payouts hold customers' money: only a licensed (CUSTODIAL)
// service provider may do that. For a DIRECT provider it would be secondary clearing (二清), so
// every one of these operations is refused with one stable code (ARCHITECTURE.md §3).

export const NOT_AVAILABLE_IN_DIRECT_MODE = "NOT_AVAILABLE_IN_DIRECT_MODE";

export const directModeRefusal = () =>
  new DomainError("PRECONDITION", NOT_AVAILABLE_IN_DIRECT_MODE, "Wallets, transfers, withdrawals and payouts are only for custodial (licensed) service providers");

/** The tenant, if it is CUSTODIAL; else the refusal. Returns what the callers need of it. */
export async function requireCustodial(tx: Tx, ctx: TenantContext): Promise<{ timeZone: string }> {
  const tenant = await tenantSettings(tx, ctx);
  if (tenant.settlementMode !== "CUSTODIAL") throw directModeRefusal();
  return { timeZone: tenant.timeZone };
}

/** Today's business date in the tenant's time zone (wallet movements have no channel cut-off). */
export function todayIn(timeZone: string, now = new Date()): string {
  return businessDate(now, timeZone);
}

export { actorName } from "@/server/db/tenant-tx";

/** A Prisma unique-constraint violation (the loser of a race for a merchant's own number). */
export function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: string } | null)?.code === "P2002";
}
