import { z } from "zod";
import { recordAudit } from "@/server/core/audit/service";
import { can } from "@/server/core/auth/roles";
import { DomainError, forbidden, notFound } from "@/server/core/errors/domain-error";
import type { RefundShortfallPolicy, UserRole } from "@/server/db/generated/prisma/enums";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";

// A service provider's business policies (业务策略), set by its owner or admin on the console's
// Policies page. The paths that obey them read them fresh (payments/refunds.ts, the late-success
// path through tenancy/settings.ts, proposals/service.ts, clearing/reconcile.ts), so a change
// applies from the next refund, late success, proposal or reconciliation round; a proposal already
// waiting keeps the requiresAdmin it was made with, and items already reconciled keep their outcome.

export const REFUND_SHORTFALL_POLICIES = ["REFUSE", "ALLOW_DEBT"] as const satisfies readonly RefundShortfallPolicy[];

/** The highest threshold: what the console's yuan input takes (15 integer digits and two of fen). */
export const APPROVAL_THRESHOLD_MAX_MINOR = 10n ** 17n - 1n;

const WHOLE_MINOR = "The approval threshold is a whole number of minor units (fen)";

const ZThresholdMinor = z
  // superjson brings a bigint; a string or a safe integer is accepted for callers without it.
  .union([z.bigint(), z.number().int({ error: WHOLE_MINOR }), z.string().trim().regex(/^-?\d{1,18}$/, { error: WHOLE_MINOR })], { error: WHOLE_MINOR })
  .transform((v) => BigInt(v))
  .pipe(
    z
      .bigint()
      .min(0n, { message: "validation.nonNegative" })
      .max(APPROVAL_THRESHOLD_MAX_MINOR, { message: "The approval threshold is too large (at most 999,999,999,999,999.99 yuan)" }),
  );

/** Reconciliation's limits (migration 20261210000000 checks the same ranges). */
export const RECON_FEE_TOLERANCE_MAX_MINOR = 100n;
export const RECON_POOL_DAYS_MAX = 14;

const TOLERANCE_RANGE = `The fee tolerance is a whole number of fen from 0 to ${RECON_FEE_TOLERANCE_MAX_MINOR}`;
const POOL_DAYS_RANGE = `The cross-day pool is a whole number of days from 0 to ${RECON_POOL_DAYS_MAX}`;

const ZFeeToleranceMinor = z
  .union([z.bigint(), z.number().int({ error: TOLERANCE_RANGE }), z.string().trim().regex(/^-?\d{1,18}$/, { error: TOLERANCE_RANGE })], { error: TOLERANCE_RANGE })
  .transform((v) => BigInt(v))
  .pipe(z.bigint().min(0n, { message: TOLERANCE_RANGE }).max(RECON_FEE_TOLERANCE_MAX_MINOR, { message: TOLERANCE_RANGE }));

const ZPoolDays = z.number({ error: POOL_DAYS_RANGE }).int({ error: POOL_DAYS_RANGE }).min(0, { error: POOL_DAYS_RANGE }).max(RECON_POOL_DAYS_MAX, { error: POOL_DAYS_RANGE });

/** Only the policies given change; the others keep their values. */
export const ZTenantPoliciesUpdate = z.object({
  refundShortfallPolicy: z.enum(REFUND_SHORTFALL_POLICIES).optional(),
  autoRefundLateSuccess: z.boolean().optional(),
  approvalAdminThresholdMinor: ZThresholdMinor.optional(),
  reconFeeToleranceMinor: ZFeeToleranceMinor.optional(),
  reconPoolDays: ZPoolDays.optional(),
});
export type TTenantPoliciesUpdate = z.input<typeof ZTenantPoliciesUpdate>;

const POLICY_SELECT = { settlementMode: true, refundShortfallPolicy: true, autoRefundLateSuccess: true, approvalAdminThresholdMinor: true, reconFeeToleranceMinor: true, reconPoolDays: true, updatedAt: true } as const;

export async function getTenantPolicies(tx: Tx, ctx: TenantContext) {
  const t = await tx.tenant.findFirst({ where: { id: ctx.tenantId }, select: POLICY_SELECT });
  if (!t) throw notFound("Service provider");
  return t;
}

type PolicyValues = Pick<Awaited<ReturnType<typeof getTenantPolicies>>, "refundShortfallPolicy" | "autoRefundLateSuccess" | "approvalAdminThresholdMinor" | "reconFeeToleranceMinor" | "reconPoolDays">;

/** `raw` is parsed here (ZTenantPoliciesUpdate): whatever a caller sends is checked, not trusted. */
export async function updateTenantPolicies(tx: Tx, ctx: TenantContext, raw: unknown) {
  // The router lets only settings.manage through; checked here too because the threshold decides
  // who may approve money movements (maker-checker), and the CLI or a job could call this directly.
  if (ctx.actor.kind === "USER" && !can(ctx.actor.role as UserRole, "settings.manage")) {
    throw forbidden("Only an owner or admin can change the service provider's policies");
  }
  const input = ZTenantPoliciesUpdate.parse(raw);
  // Two people saving at once: the second waits here and reads what the first saved, so each audit
  // record's "before" is the previous record's "after". NO KEY: inserts that reference the tenant
  // (FOR KEY SHARE) are not blocked.
  await tx.$queryRaw`SELECT 1 FROM tenant WHERE id = ${ctx.tenantId}::uuid FOR NO KEY UPDATE`;
  const current = await getTenantPolicies(tx, ctx);

  const before: Partial<PolicyValues> = {};
  const after: Partial<PolicyValues> = {};
  if (input.refundShortfallPolicy !== undefined && input.refundShortfallPolicy !== current.refundShortfallPolicy) {
    before.refundShortfallPolicy = current.refundShortfallPolicy;
    after.refundShortfallPolicy = input.refundShortfallPolicy;
  }
  if (input.autoRefundLateSuccess !== undefined && input.autoRefundLateSuccess !== current.autoRefundLateSuccess) {
    before.autoRefundLateSuccess = current.autoRefundLateSuccess;
    after.autoRefundLateSuccess = input.autoRefundLateSuccess;
  }
  if (input.approvalAdminThresholdMinor !== undefined && input.approvalAdminThresholdMinor !== current.approvalAdminThresholdMinor) {
    before.approvalAdminThresholdMinor = current.approvalAdminThresholdMinor;
    after.approvalAdminThresholdMinor = input.approvalAdminThresholdMinor;
  }
  if (input.reconFeeToleranceMinor !== undefined && input.reconFeeToleranceMinor !== current.reconFeeToleranceMinor) {
    before.reconFeeToleranceMinor = current.reconFeeToleranceMinor;
    after.reconFeeToleranceMinor = input.reconFeeToleranceMinor;
  }
  if (input.reconPoolDays !== undefined && input.reconPoolDays !== current.reconPoolDays) {
    before.reconPoolDays = current.reconPoolDays;
    after.reconPoolDays = input.reconPoolDays;
  }

  // In DIRECT mode the channel settles merchants: there is no payable of ours to recover a debt
  // from (and the refund path never checks one), so the setting would promise what cannot happen.
  if (after.refundShortfallPolicy === "ALLOW_DEBT" && current.settlementMode !== "CUSTODIAL") {
    throw new DomainError(
      "PRECONDITION",
      "REFUND_DEBT_NEEDS_CUSTODIAL",
      "Letting merchants owe a refund shortfall needs CUSTODIAL settlement: in DIRECT mode the channel settles merchants, so there is no settlement to recover the debt from",
      { field: "refundShortfallPolicy" },
    );
  }

  if (Object.keys(after).length === 0) return current;
  await tx.tenant.update({ where: { id: ctx.tenantId }, data: after });
  await recordAudit(tx, ctx, { action: "tenant.policies", entityType: "tenant", entityId: ctx.tenantId, before, after });
  return getTenantPolicies(tx, ctx);
}
