import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { createProposal } from "@/server/core/proposals/service";
import { lockAhead } from "@/server/core/ledger/service";
import { settlementModeOf } from "@/server/core/tenancy/settings";
import { authorizedTenantId, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { publish, registerOutboxHandler } from "@/server/jobs/outbox";
import { CLOSED_STATUSES, closeException, differenceLockRefs, lockException, releaseSuspenseOf } from "./exceptions";
import { PAYMENT_FORMATS } from "./parsers/types";
import { reconcileStatementFile } from "./reconcile";

// An approved supersede re-runs the day (issue 6): the replaced payment statement's open work is
// withdrawn in the approval's transaction — each open difference's suspense entry reversed and its
// exception closed as withdrawn (a resolution still waiting for approval is cancelled), its pending
// items (the cross-day pool, refunds shown processing) released — and the new file is reconciled
// right after the approval commits, through the outbox (reconciliation runs in rounds of their own
// transactions). The replaced file keeps its lines and matched items for the record; matching
// ignores a superseded file's items, so the new file's lines are not taken for repeats.
//
// A difference of the replaced file that is already resolved or written off has posted its
// resolution; the new file would raise it again. Such a supersede is refused, naming how many, so
// finance reverses those resolutions first (or keeps the current statement).
//
// Other statements (bank credit, payout result, profit-share, merchant settlement files) only
// change status on approval: their results are postings and payout states that a second file would
// apply twice, so they are not re-run here.

export const RECONCILE_FILE_TOPIC = "statement.reconcile";

const PAYMENT_FORMAT_SET: ReadonlySet<string> = new Set(PAYMENT_FORMATS);

export const rerunsOnSupersede = (format: string) => PAYMENT_FORMAT_SET.has(format);

/**
 * Refuses a supersede of a payment statement whose differences have been resolved already (closed
 * while their item is still a difference: accepted, corrected or written off — not released by a
 * late line nor sent back to the pool), or that has a refund to the customer under way.
 */
export async function assertSupersedable(tx: Tx, ctx: TenantContext, replacedFileId: string): Promise<void> {
  const [row] = await tx.$queryRaw<Array<{ n: number; refunding: number }>>`
    SELECT count(*) FILTER (WHERE e.status::text = ANY (${CLOSED_STATUSES.map(String)}::text[]) AND i.outcome = 'DIFFERENCE')::int AS n,
           count(*) FILTER (WHERE EXISTS (SELECT 1 FROM recon_customer_refund c WHERE c.tenant_id = e.tenant_id AND c.exception_id = e.id AND c.status <> 'FAILED'))::int AS refunding
      FROM exception e JOIN recon_item i ON i.tenant_id = e.tenant_id AND i.id = e.cause_id
     WHERE e.tenant_id = ${ctx.tenantId}::uuid AND e.cause_type = 'recon_item' AND i.file_id = ${replacedFileId}::uuid`;
  if ((row?.refunding ?? 0) > 0) {
    throw new DomainError("PRECONDITION", "STATEMENT_DIFFERENCES_RESOLVED", "A refund to a customer for a difference of the statement this file would replace is under way or done; the new file would raise the difference again. Keep the current statement", { params: { refunding: row!.refunding } });
  }
  const n = row?.n ?? 0;
  if (n > 0) {
    throw new DomainError(
      "PRECONDITION",
      "STATEMENT_DIFFERENCES_RESOLVED",
      `${n} difference${n === 1 ? " was" : "s were"} of the statement this file would replace already resolved or written off; the new file would raise ${n === 1 ? "it" : "them"} again. Reverse those resolutions first, or keep the current statement`,
      { params: { resolved: n } },
    );
  }
}

/**
 * In the approval's transaction: withdraws the replaced payment statement's open differences and
 * pending items, and queues the new file's reconciliation. Returns how many differences were withdrawn.
 */
export async function rerunDay(tx: Tx, ctx: TenantContext, replaced: { id: string }, replacement: { id: string; fileName: string }): Promise<number> {
  const file = await tx.statementFile.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id: replaced.id }, select: { channelAccountId: true } });
  // As a reconciliation round and the pool's expiry take them: the accounts a difference posts to,
  // then the items. A late line or the pool's expiry changing one of them meanwhile has committed
  // (or waits for this), so what is read below is what is withdrawn.
  if ((await settlementModeOf(tx, ctx)) === "CUSTODIAL") await lockAhead(tx, ctx, { refs: await differenceLockRefs(tx, ctx, file.channelAccountId) });
  await tx.$queryRaw`SELECT 1 FROM recon_item WHERE tenant_id = ${ctx.tenantId}::uuid AND file_id = ${replaced.id}::uuid AND outcome IN ('DIFFERENCE', 'PENDING') ORDER BY id FOR UPDATE`;
  await assertSupersedable(tx, ctx, replaced.id);
  const open = await tx.$queryRaw<Array<{ id: string; itemId: string }>>`
    SELECT e.id, i.id::text AS "itemId" FROM exception e JOIN recon_item i ON i.tenant_id = e.tenant_id AND i.id = e.cause_id
     WHERE e.tenant_id = ${ctx.tenantId}::uuid AND e.cause_type = 'recon_item' AND i.file_id = ${replaced.id}::uuid
       AND e.status::text <> ALL (${CLOSED_STATUSES.map(String)}::text[])
     ORDER BY e.id`;
  const why = `the statement was replaced by ${replacement.fileName} (an approved supersede), which is reconciled again`;
  for (const { id, itemId } of open) {
    const e = await lockException(tx, ctx, id);
    if (CLOSED_STATUSES.includes(e.status)) continue;
    if (e.proposalId) {
      await tx.proposal.updateMany({ where: { tenantId: ctx.tenantId, id: e.proposalId, status: "PENDING" }, data: { status: "CANCELLED", decidedAt: new Date(), decisionNote: `withdrawn: ${why}` } });
    }
    const reversal = await releaseSuspenseOf(tx, ctx, e, `recon:${itemId}:superseded:${replacement.id}`, `Withdrawn: ${why}`);
    await closeException(tx, ctx, e, "RESOLVED", `Withdrawn: ${why}`, { reversalEntryId: reversal, supersededBy: replacement.id });
  }
  await tx.reconItem.updateMany({
    where: { tenantId: ctx.tenantId, fileId: replaced.id, outcome: { in: ["DIFFERENCE", "PENDING"] } },
    data: { outcome: "RELEASED", direction: null, note: `withdrawn: statement superseded by ${replacement.fileName}` },
  });
  await publish(tx, ctx, RECONCILE_FILE_TOPIC, { fileId: replacement.id });
  return open.length;
}

/**
 * A person proposes the supersede of a file waiting for one without a proposal: imported by the CLI
 * or the scheduled fetch (no person to propose it then), or whose proposal was rejected elsewhere.
 */
export async function proposeSupersede(tx: Tx, ctx: TenantContext, fileId: string) {
  const file = await tx.statementFile.findFirst({ where: { tenantId: ctx.tenantId, id: fileId }, select: { id: true, status: true, proposalId: true, billType: true, billDate: true, fileName: true } });
  if (!file) throw notFound("Statement file");
  if (file.status !== "PENDING_SUPERSEDE") throw new DomainError("PRECONDITION", "STATEMENT_NOT_PENDING", `This statement file is ${file.status.toLowerCase()}, not waiting to supersede another`);
  if (file.proposalId) {
    const waiting = await tx.proposal.findFirst({ where: { tenantId: ctx.tenantId, id: file.proposalId, status: "PENDING" }, select: { id: true } });
    if (waiting) throw new DomainError("PRECONDITION", "SUPERSEDE_ALREADY_PROPOSED", "Replacing the current statement with this file is already waiting for approval", { params: { proposalId: waiting.id } });
  }
  const billDate = file.billDate.toISOString().slice(0, 10);
  const proposal = await createProposal(tx, ctx, { kind: "statement.supersede", reason: `A different ${file.billType} statement for ${billDate} (${file.fileName})`, payload: { fileId: file.id } });
  await tx.statementFile.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: file.id } }, data: { proposalId: proposal.id } });
  return proposal;
}

registerOutboxHandler(RECONCILE_FILE_TOPIC, async (event) => {
  const fileId = (event.payload as { fileId?: unknown }).fileId;
  if (typeof fileId !== "string") throw new Error(`${RECONCILE_FILE_TOPIC} without a fileId`);
  await reconcileStatementFile({ tenantId: authorizedTenantId(event.tenantId), actor: { kind: "SYSTEM", name: RECONCILE_FILE_TOPIC } }, fileId);
});
