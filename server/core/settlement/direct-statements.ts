import { DomainError } from "@/server/core/errors/domain-error";
import { openException } from "@/server/core/payments/exceptions";
import { authorizedTenantId, withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { confirmFromStatements, SETTLEMENT_DIFFERENCE, type StatementConfirmation } from "./service";

// A channel's settlement statement to merchants (MERCHANT_SETTLEMENT, parsers/merchant-settlement.ts)
// confirms DIRECT settlements (issue 8: "reconciles it with the channel's actual settlement to the
// merchant"). Each line's sub-merchant id names a merchant through its registration at the file's
// channel account; each such merchant, and each merchant registered there whose settlement of the
// date is still EXPECTED, is then confirmed from every channel's statement of that date
// (confirmFromStatements), one merchant per transaction like the settlement run. A line naming no
// merchant of ours is an exception. Running a file again changes nothing (confirmed settlements are
// left alone; exceptions are raised once per line).

export interface MerchantStatementOutcome {
  readonly lineNo: number | null;
  readonly subMerchant: string | null;
  readonly merchantId: string | null;
  readonly outcome: StatementConfirmation["outcome"] | "UNKNOWN_SUB_MERCHANT";
  readonly paidMinor?: bigint;
  readonly owedMinor?: bigint;
}

export interface MerchantStatementSummary {
  readonly fileId: string;
  readonly reconciled: boolean;
  readonly byOutcome: Readonly<Record<string, number>>;
  /** As in the other reconciliations: AMOUNT (paid ≠ owed), UNKNOWN_SUB_MERCHANT. */
  readonly differences: Readonly<Record<string, number>>;
  readonly outcomes: MerchantStatementOutcome[];
}

/** Refuses the file before it is stored when the tenant is not DIRECT: custodial merchants are paid by us. */
export async function assertDirectTenant(tx: Tx, ctx: TenantContext): Promise<void> {
  const tenant = await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { settlementMode: true } });
  if (tenant.settlementMode !== "DIRECT") {
    throw new DomainError("PRECONDITION", "NOT_AVAILABLE_IN_CUSTODIAL_MODE", "A channel's settlement statement to merchants applies to direct-mode tenants: custodial merchants are settled by our own payouts", { field: "format" });
  }
}

export async function reconcileMerchantSettlementFile(ctx: TenantContext, fileId: string): Promise<MerchantStatementSummary> {
  const tenantId = authorizedTenantId(ctx.tenantId);
  const { date, merchants, outcomes } = await withTenantTx(tenantId, async (tx) => {
    const file = await tx.statementFile.findFirst({ where: { tenantId: ctx.tenantId, id: fileId }, select: { channelAccountId: true, billDate: true } });
    if (!file) throw new Error(`statement file ${fileId} not found`);
    const date = file.billDate.toISOString().slice(0, 10);
    const lines = await tx.statementLine.findMany({ where: { tenantId: ctx.tenantId, fileId, kind: "SETTLEMENT" }, orderBy: { lineNo: "asc" }, select: { id: true, lineNo: true, subMerchant: true, amountMinor: true } });
    const registrations = await tx.merchantChannelRegistration.findMany({ where: { tenantId: ctx.tenantId, channelAccountId: file.channelAccountId, subMchId: { not: null } }, select: { merchantId: true, subMchId: true } });
    const merchantOf = new Map(registrations.map((r) => [r.subMchId!, r.merchantId]));
    const outcomes: MerchantStatementOutcome[] = [];
    const merchants = new Map<string, { lineNo: number | null; subMerchant: string | null }>();
    for (const l of lines) {
      const merchantId = l.subMerchant ? merchantOf.get(l.subMerchant) : undefined;
      if (merchantId) {
        merchants.set(merchantId, { lineNo: l.lineNo, subMerchant: l.subMerchant });
        continue;
      }
      outcomes.push({ lineNo: l.lineNo, subMerchant: l.subMerchant, merchantId: null, outcome: "UNKNOWN_SUB_MERCHANT", paidMinor: l.amountMinor });
      await openException(tx, ctx, {
        kind: SETTLEMENT_DIFFERENCE,
        causeType: "statement_line",
        causeId: l.id,
        amountMinor: l.amountMinor,
        businessDate: date,
        details: { diffType: "UNKNOWN_SUB_MERCHANT", direction: "OVERAGE", subMerchant: l.subMerchant, paidMinor: l.amountMinor.toString(), fileId },
      });
    }
    // A merchant registered here and still owed for the date, whom the statement does not list.
    const expected = await tx.settlement.findMany({ where: { tenantId: ctx.tenantId, settlementDate: file.billDate, mode: "DIRECT", status: "EXPECTED", merchantId: { in: registrations.map((r) => r.merchantId) } }, select: { merchantId: true } });
    for (const e of expected) if (!merchants.has(e.merchantId)) merchants.set(e.merchantId, { lineNo: null, subMerchant: registrations.find((r) => r.merchantId === e.merchantId)?.subMchId ?? null });
    return { date, merchants, outcomes };
  });
  for (const [merchantId, at] of [...merchants].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const r = await withTenantTx(tenantId, (tx) => confirmFromStatements(tx, ctx, merchantId, date));
    outcomes.push({ ...at, merchantId, outcome: r.outcome, ...("paidMinor" in r ? { paidMinor: r.paidMinor, owedMinor: r.owedMinor } : {}) });
  }
  const byOutcome: Record<string, number> = {};
  const differences: Record<string, number> = {};
  for (const o of outcomes) {
    byOutcome[o.outcome] = (byOutcome[o.outcome] ?? 0) + 1;
    const type = o.outcome === "DIFFERENCE" ? "AMOUNT" : o.outcome === "UNKNOWN_SUB_MERCHANT" ? o.outcome : null;
    if (type) differences[type] = (differences[type] ?? 0) + 1;
  }
  return { fileId, reconciled: true, byOutcome, differences, outcomes };
}
