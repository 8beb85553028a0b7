import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { registerProposalKind } from "@/server/core/proposals/registry";
import { requireCustodial } from "@/server/core/wallets/mode";
import { declineBatchRelease, executeBatchRelease } from "./release";
import { ZBatchReleasePayload } from "./schema";

// A payout batch is released only by an approved proposal: one person proposes (proposeRelease),
// another approves; nobody approves their own (the proposals service enforces it). The amount is
// the batch's total, so the tenant's threshold decides whether an owner or admin must approve.

export const BATCH_RELEASE_KIND = "payout.batch_release";

registerProposalKind(BATCH_RELEASE_KIND, {
  async validate(tx, ctx, payload) {
    await requireCustodial(tx, ctx);
    const p = ZBatchReleasePayload.parse(payload);
    const batch = await tx.payoutBatch.findFirst({ where: { tenantId: ctx.tenantId, id: p.batchId }, select: { status: true, count: true, totalMinor: true } });
    if (!batch) throw notFound("Payout batch");
    if (batch.status !== "OPEN") throw new DomainError("PRECONDITION", "BATCH_NOT_OPEN", `This batch is ${batch.status.toLowerCase()}; only an open batch can be proposed for release`);
    if (batch.count !== p.count || batch.totalMinor !== p.totalMinor) throw new DomainError("CONFLICT", "BATCH_CHANGED", "The batch changed; look at it again before proposing");
    return { amountMinor: batch.totalMinor };
  },
  execute: executeBatchRelease,
  decline: declineBatchRelease,
});
