import { notFound } from "@/server/core/errors/domain-error";
import { Prisma } from "@/server/db/generated/prisma/client";
import type { SettlementMode } from "@/server/db/generated/prisma/enums";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { BoundedMap } from "@/server/lib/bounded-map";

/** The tenant settings the payment path reads on every payment. */
export interface TenantSettings {
  readonly timeZone: string;
  readonly settlementMode: SettlementMode;
  readonly autoRefundLateSuccess: boolean;
}

/** TenantSettings' columns of `tenant t`, for statements that read them beside something else. */
export const TENANT_SETTINGS_COLUMNS = Prisma.raw(`t.time_zone AS "timeZone", t.settlement_mode::text AS "settlementMode", t.auto_refund_late_success AS "autoRefundLateSuccess"`);

/**
 * The transaction's tenant's settings, in one raw statement on the transaction's connection (a
 * payment reads them two or three times; a model query costs several times the statement's CPU).
 */
export async function tenantSettings(tx: Tx, ctx: TenantContext): Promise<TenantSettings> {
  const [row] = await tx.$queryRaw<TenantSettings[]>`SELECT ${TENANT_SETTINGS_COLUMNS} FROM tenant t WHERE t.id = ${ctx.tenantId}::uuid`;
  if (!row) throw notFound("Service provider");
  return row;
}

const settlementModes = new BoundedMap<string, SettlementMode>(10_000);

/**
 * The tenant's settlement mode, kept per process once read: it is fixed when the tenant is created
 * (a trigger refuses any change, migration 20261205000000), and the payment path needs it for every
 * success's entries.
 */
export async function settlementModeOf(tx: Tx, ctx: TenantContext): Promise<SettlementMode> {
  const known = settlementModes.get(ctx.tenantId);
  if (known) return known;
  const { settlementMode } = await tenantSettings(tx, ctx);
  settlementModes.set(ctx.tenantId, settlementMode);
  return settlementMode;
}
