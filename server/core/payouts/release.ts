import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { lockAccounts, postHold } from "@/server/core/ledger/service";
import { actorName, todayIn } from "@/server/core/wallets/mode";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { publish } from "@/server/jobs/outbox";
import { payoutFileName } from "./file";
import { ZBatchReleasePayload } from "./schema";
import { assertBatchMove } from "./state";

// What the maker-checker decision on a payout batch does (proposal kind payout.batch_release).
// Approval, in the approver's transaction: every payout's hold is posted (Dr source / Cr
// withdrawals in transit) with all their balance rows locked first in one sorted order, so a
// release never deadlocks with transfers or other releases touching the same wallets; the payouts
// become IN_TRANSIT and the batch RELEASED. Sending is not done here — a channel call never runs
// inside a transaction — but announced through the outbox (SEND_TOPIC), whose handler sends the
// batch once this transaction has committed. Rejection (or the proposer withdrawing) returns the
// batch's payouts to HELD, so they can be gathered again.

export const SEND_TOPIC = "payouts.send_batch";

async function lockBatch(tx: Tx, ctx: TenantContext, batchId: string) {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM payout_batch WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${batchId}::uuid FOR UPDATE`;
  if (!rows.length) throw notFound("Payout batch");
  return tx.payoutBatch.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id: batchId } });
}

export async function executeBatchRelease(tx: Tx, ctx: TenantContext, payload: unknown, proposal: { id: string }) {
  const p = ZBatchReleasePayload.parse(payload);
  const batch = await lockBatch(tx, ctx, p.batchId);
  if (batch.status !== "PROPOSED" || batch.proposalId !== proposal.id) {
    throw new DomainError("PRECONDITION", "BATCH_NOT_PROPOSED", "This batch is not waiting for this proposal's decision");
  }
  assertBatchMove(batch.status, "RELEASED");
  const payouts = await tx.payout.findMany({
    where: { tenantId: ctx.tenantId, batchId: batch.id, status: "BATCHED" },
    orderBy: { outPayoutNo: "asc" },
    select: { id: true, outPayoutNo: true, holdId: true, amountMinor: true },
  });
  const total = payouts.reduce((s, x) => s + x.amountMinor, 0n);
  // What was proposed is what is released: a batch that changed since is refused, not half-released.
  if (payouts.length !== p.count || total !== p.totalMinor || batch.count !== p.count || batch.totalMinor !== p.totalMinor) {
    throw new DomainError("INVARIANT", "BATCH_CHANGED", `The batch no longer matches the proposal (${payouts.length} payouts, ${total} fen; proposed ${p.count}, ${p.totalMinor})`);
  }
  const held = payouts.map((x) => {
    if (!x.holdId) throw new DomainError("INVARIANT", "PAYOUT_WITHOUT_HOLD", `Payout ${x.outPayoutNo} has no hold`);
    return { ...x, holdId: x.holdId };
  });
  const holdIds = held.map((x) => x.holdId);
  const holds = await tx.ledgerHold.findMany({ where: { tenantId: ctx.tenantId, id: { in: holdIds } }, select: { debitAccountId: true, creditAccountId: true } });
  await lockAccounts(tx, ctx, holds.flatMap((h) => [h.debitAccountId, h.creditAccountId]));

  const tenant = await tx.tenant.findFirst({ where: { id: ctx.tenantId }, select: { timeZone: true } });
  const businessDate = todayIn(tenant?.timeZone ?? "Asia/Shanghai");
  for (const payout of held) {
    await postHold(tx, ctx, payout.holdId, {
      businessDate,
      idempotencyKey: `payout:${payout.id}:release`,
      kind: "payout.release",
      causeType: "payout",
      causeId: payout.id,
      description: `Payout ${payout.outPayoutNo} released (batch ${batch.id})`,
    });
  }
  const ids = payouts.map((x) => x.id);
  await tx.payout.updateMany({ where: { tenantId: ctx.tenantId, id: { in: ids }, status: "BATCHED" }, data: { status: "IN_TRANSIT" } });
  const actor = actorName(ctx);
  await tx.payoutTransition.createMany({
    data: ids.map((payoutId) => ({ tenantId: ctx.tenantId, payoutId, fromStatus: "BATCHED" as const, toStatus: "IN_TRANSIT" as const, cause: "BATCH_RELEASED", reason: `batch ${batch.id}, proposal ${proposal.id}`, actor })),
  });
  const now = new Date();
  await tx.payoutBatch.update({
    where: { tenantId_id: { tenantId: ctx.tenantId, id: batch.id } },
    data: { status: "RELEASED", releasedAt: now, ...(batch.delivery === "FILE" ? { fileName: payoutFileName(batch.id, now) } : {}) },
  });
  if (batch.delivery === "SEND") await publish(tx, ctx, SEND_TOPIC, { batchId: batch.id });
  return { batchId: batch.id, count: payouts.length, totalMinor: total.toString(), delivery: batch.delivery };
}

export async function declineBatchRelease(tx: Tx, ctx: TenantContext, payload: unknown, proposal: { id: string }): Promise<void> {
  const parsed = ZBatchReleasePayload.safeParse(payload);
  if (!parsed.success) return;
  const batch = await lockBatch(tx, ctx, parsed.data.batchId);
  if (batch.status !== "PROPOSED" || batch.proposalId !== proposal.id) return;
  const payouts = await tx.payout.findMany({ where: { tenantId: ctx.tenantId, batchId: batch.id, status: "BATCHED" }, select: { id: true } });
  const ids = payouts.map((x) => x.id);
  await tx.payout.updateMany({ where: { tenantId: ctx.tenantId, id: { in: ids } }, data: { status: "HELD", batchId: null, channelAccountId: null } });
  const actor = actorName(ctx);
  await tx.payoutTransition.createMany({
    data: ids.map((payoutId) => ({ tenantId: ctx.tenantId, payoutId, fromStatus: "BATCHED" as const, toStatus: "HELD" as const, cause: "BATCH_REJECTED", reason: `batch ${batch.id}, proposal ${proposal.id}`, actor })),
  });
  await tx.payoutBatch.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: batch.id } }, data: { status: "REJECTED" } });
}
