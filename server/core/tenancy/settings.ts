import { notFound } from "@/server/core/errors/domain-error";
import type { SettlementMode } from "@/server/db/generated/prisma/enums";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";

/** The tenant settings the payment path reads on every payment. */
export interface TenantSettings {
  readonly timeZone: string;
  readonly settlementMode: SettlementMode;
  readonly autoRefundLateSuccess: boolean;
}

/**
 * The transaction's tenant's settings, in one raw statement on the transaction's connection (a
 * payment reads them two or three times; a model query costs several times the statement's CPU).
 */
export async function tenantSettings(tx: Tx, ctx: TenantContext): Promise<TenantSettings> {
  const [row] = await tx.$queryRaw<TenantSettings[]>`
    SELECT time_zone AS "timeZone", settlement_mode::text AS "settlementMode", auto_refund_late_success AS "autoRefundLateSuccess"
      FROM tenant WHERE id = ${ctx.tenantId}::uuid`;
  if (!row) throw notFound("Service provider");
  return row;
}
