import { z } from "zod";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { registerProposalKind } from "@/server/core/proposals/registry";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
// Resolutions of reconciliation differences (recon.resolve, recon.write_off) and the day-end
// close's conditions live in their own modules; importing them here registers them wherever
// proposals are decided.
import "./resolutions";
import "./day-close";
import { assertSupersedable, rerunDay, rerunsOnSupersede } from "./supersede";

// A different statement for an account, date and type that already has one replaces it only when
// a second person approves: the new file becomes current, the old one SUPERSEDED (kept, with its
// lines, for the record), and for a payment statement the day is reconciled again (supersede.ts).
// Rejecting or withdrawing the proposal marks the new file REJECTED.

const ZSupersede = z.object({ fileId: z.string().uuid() });

async function pending(tx: Tx, ctx: TenantContext, fileId: string) {
  const file = await tx.statementFile.findFirst({ where: { tenantId: ctx.tenantId, id: fileId }, select: { id: true, status: true, supersedesId: true, declaredAmountMinor: true, format: true, fileName: true } });
  if (!file) throw notFound("Statement file");
  if (file.status !== "PENDING_SUPERSEDE") throw new DomainError("PRECONDITION", "STATEMENT_NOT_PENDING", `This statement file is ${file.status.toLowerCase()}, not waiting to supersede another`);
  return file;
}

registerProposalKind("statement.supersede", {
  async validate(tx, ctx, payload) {
    const file = await pending(tx, ctx, ZSupersede.parse(payload).fileId);
    if (file.supersedesId && rerunsOnSupersede(file.format)) await assertSupersedable(tx, ctx, file.supersedesId);
    return { amountMinor: file.declaredAmountMinor < 0n ? -file.declaredAmountMinor : file.declaredAmountMinor };
  },
  async execute(tx, ctx, payload) {
    const file = await pending(tx, ctx, ZSupersede.parse(payload).fileId);
    if (file.supersedesId) {
      const replaced = await tx.statementFile.updateMany({ where: { tenantId: ctx.tenantId, id: file.supersedesId, status: "IMPORTED" }, data: { status: "SUPERSEDED" } });
      if (replaced.count !== 1) throw new DomainError("PRECONDITION", "STATEMENT_CURRENT_CHANGED", "The statement this file was to replace is no longer the current one; import the file again");
    }
    await tx.statementFile.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: file.id } }, data: { status: "IMPORTED" } });
    const withdrawn = file.supersedesId && rerunsOnSupersede(file.format) ? await rerunDay(tx, ctx, { id: file.supersedesId }, file) : 0;
    return { fileId: file.id, superseded: file.supersedesId, withdrawnDifferences: withdrawn };
  },
  async decline(tx, ctx, payload) {
    const { fileId } = ZSupersede.parse(payload);
    await tx.statementFile.updateMany({ where: { tenantId: ctx.tenantId, id: fileId, status: "PENDING_SUPERSEDE" }, data: { status: "REJECTED" } });
  },
});
