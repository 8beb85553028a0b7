import { z } from "zod";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { businessDate } from "@/server/core/calendar/rules";
import { postEntry } from "@/server/core/ledger/service";
import { writeOffOverage, writeOffShortage } from "@/server/core/ledger/templates";
import { registerProposalKind } from "@/server/core/proposals/registry";
import { actorName, type TenantContext, type Tx } from "@/server/db/tenant-tx";

// A different statement for an account, date and type that already has one replaces it only when
// a second person approves: the new file becomes current, the old one SUPERSEDED (kept, with its
// lines, for the record). Rejecting or withdrawing the proposal marks the new file REJECTED.

const ZSupersede = z.object({ fileId: z.string().uuid() });

async function pending(tx: Tx, ctx: TenantContext, fileId: string) {
  const file = await tx.statementFile.findFirst({ where: { tenantId: ctx.tenantId, id: fileId }, select: { id: true, status: true, supersedesId: true, declaredAmountMinor: true } });
  if (!file) throw notFound("Statement file");
  if (file.status !== "PENDING_SUPERSEDE") throw new DomainError("PRECONDITION", "STATEMENT_NOT_PENDING", `This statement file is ${file.status.toLowerCase()}, not waiting to supersede another`);
  return file;
}

registerProposalKind("statement.supersede", {
  async validate(tx, ctx, payload) {
    const file = await pending(tx, ctx, ZSupersede.parse(payload).fileId);
    return { amountMinor: file.declaredAmountMinor < 0n ? -file.declaredAmountMinor : file.declaredAmountMinor };
  },
  async execute(tx, ctx, payload) {
    const file = await pending(tx, ctx, ZSupersede.parse(payload).fileId);
    if (file.supersedesId) {
      const replaced = await tx.statementFile.updateMany({ where: { tenantId: ctx.tenantId, id: file.supersedesId, status: "IMPORTED" }, data: { status: "SUPERSEDED" } });
      if (replaced.count !== 1) throw new DomainError("PRECONDITION", "STATEMENT_CURRENT_CHANGED", "The statement this file was to replace is no longer the current one; import the file again");
    }
    await tx.statementFile.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: file.id } }, data: { status: "IMPORTED" } });
    return { fileId: file.id, superseded: file.supersedesId };
  },
  async decline(tx, ctx, payload) {
    const { fileId } = ZSupersede.parse(payload);
    await tx.statementFile.updateMany({ where: { tenantId: ctx.tenantId, id: fileId, status: "PENDING_SUPERSEDE" }, data: { status: "REJECTED" } });
  },
});

// A reconciliation difference written off, when finance has established it will not be recovered
// or claimed: a 短款 to write-off loss, a 长款 to unclaimed funds (never income). The suspense entry's
// amount leaves suspense and the exception closes in the approver's transaction, so Σ open items
// per direction keeps equal to the suspense balance. DIRECT tenants post nothing (no suspense).
const ZWriteOff = z.object({ exceptionId: z.string().uuid(), note: z.string().trim().min(3).max(500) });

async function openDifference(tx: Tx, ctx: TenantContext, exceptionId: string) {
  const e = await tx.exception.findFirst({ where: { tenantId: ctx.tenantId, id: exceptionId } });
  if (!e || !e.kind.startsWith("RECON_")) throw notFound("Reconciliation difference");
  if (e.status !== "OPEN") throw new DomainError("PRECONDITION", "EXCEPTION_NOT_OPEN", "This difference has already been resolved");
  const direction = (e.details as { direction?: unknown } | null)?.direction;
  if (direction !== "OVERAGE" && direction !== "SHORTAGE") throw new DomainError("INVARIANT", "EXCEPTION_WITHOUT_DIRECTION", "This difference has no direction");
  return { e, direction };
}

registerProposalKind("recon.write_off", {
  async validate(tx, ctx, payload) {
    const { e } = await openDifference(tx, ctx, ZWriteOff.parse(payload).exceptionId);
    return { amountMinor: e.amountMinor };
  },
  async execute(tx, ctx, payload, proposal) {
    const p = ZWriteOff.parse(payload);
    const { e, direction } = await openDifference(tx, ctx, p.exceptionId);
    const tenant = await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { settlementMode: true, timeZone: true } });
    let entryId: string | null = null;
    const posted = await tx.journalEntry.findFirst({ where: { tenantId: ctx.tenantId, idempotencyKey: `recon:${e.causeId}` }, select: { id: true } });
    if (tenant.settlementMode === "CUSTODIAL" && posted && e.amountMinor > 0n) {
      const today = businessDate(new Date(), tenant.timeZone);
      const r = await postEntry(tx, ctx, direction === "SHORTAGE" ? writeOffShortage(e.amountMinor) : writeOffOverage(e.amountMinor), {
        businessDate: today,
        correctsDate: e.businessDate.toISOString().slice(0, 10),
        idempotencyKey: `proposal:${proposal.id}`,
        causeType: "proposal",
        causeId: proposal.id,
        description: `Written off: ${p.note}`.slice(0, 500),
      });
      entryId = r.entryId;
    }
    const by = actorName(ctx);
    await tx.exception.update({
      where: { tenantId_id: { tenantId: ctx.tenantId, id: e.id } },
      data: { status: "RESOLVED", resolution: `Written off (${direction === "SHORTAGE" ? "to loss" : "to unclaimed funds"}): ${p.note}`.slice(0, 1000), resolvedBy: by, resolvedAt: new Date() },
    });
    return { exceptionId: e.id, entryId };
  },
});
