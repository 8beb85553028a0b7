import { notFound } from "@/server/core/errors/domain-error";
import type { PayoutStatus } from "@/server/db/generated/prisma/enums";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";

// What became of a batch's payouts, for the batch page: counts and amounts sent (released to the
// bank), succeeded, failed (back at their source), still processing (in transit until the bank's
// answer or a later result file), returned (退汇) and cancelled; and how many exceptions the bank's
// result files raised on them are still open (clearing/payout-results.ts).

/** A batch's results as the batch page shows them: counts and amounts by what became of its payouts. */
export async function batchResults(tx: Tx, ctx: TenantContext, batchId: string) {
  const batch = await tx.payoutBatch.findFirst({ where: { tenantId: ctx.tenantId, id: batchId }, select: { id: true, releasedAt: true } });
  if (!batch) throw notFound("Payout batch");
  const groups = await tx.payout.groupBy({ by: ["status"], where: { tenantId: ctx.tenantId, batchId }, _count: { _all: true }, _sum: { amountMinor: true } });
  const of = (statuses: readonly PayoutStatus[]) => {
    let count = 0;
    let amountMinor = 0n;
    for (const g of groups) if (statuses.includes(g.status)) (count += g._count._all), (amountMinor += g._sum.amountMinor ?? 0n);
    return { count, amountMinor };
  };
  // Sent: everything released to the bank (whatever became of it since).
  const sent = batch.releasedAt ? of(["IN_TRANSIT", "SUCCEEDED", "FAILED", "RETURNED"]) : { count: 0, amountMinor: 0n };
  // Open exceptions that result files raised on this batch's payouts.
  const [open] = await tx.$queryRaw<Array<{ n: bigint }>>`
    SELECT count(*)::bigint AS n FROM exception e
     WHERE e.tenant_id = ${ctx.tenantId}::uuid AND e.kind LIKE 'RECON\\_PAYOUT\\_%' AND e.status::text NOT IN ('RESOLVED', 'WRITTEN_OFF')
       AND e.details->>'payoutId' IN (SELECT id::text FROM payout WHERE tenant_id = ${ctx.tenantId}::uuid AND batch_id = ${batchId}::uuid)`;
  const exceptions = Number(open?.n ?? 0n);
  return {
    sent,
    succeeded: of(["SUCCEEDED"]),
    failed: of(["FAILED"]),
    processing: batch.releasedAt ? of(["IN_TRANSIT"]) : { count: 0, amountMinor: 0n },
    returned: of(["RETURNED"]),
    cancelled: of(["CANCELLED"]),
    openExceptions: exceptions,
  };
}
