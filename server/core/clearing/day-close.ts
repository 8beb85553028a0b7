import { closeBusinessDay, registerCloseCheck } from "@/server/core/ledger/day-close";
import { badInput } from "@/server/core/errors/domain-error";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { PAYMENT_FORMATS } from "./parsers/types";

// Day-end close (日切) for finance: a business date closes only when its reconciliation is done —
// every current payment statement of the date reconciled, no statement waiting to supersede
// another, no difference of that date or earlier still unreviewed (OPEN: nobody has taken it), and
// no resolution still waiting for approval. Differences under investigation stay in suspense across
// the close: that is what suspense is for. The ledger's close refuses with every blocker listed.


export interface Blocker {
  code: "STATEMENT_NOT_RECONCILED" | "STATEMENT_SUPERSEDE_PENDING" | "DIFFERENCES_UNREVIEWED" | "RESOLUTIONS_PENDING";
  count: number;
  message: string;
  /** Statement file or exception ids. */
  ids: string[];
}

export async function dayCloseBlockers(tx: Tx, ctx: TenantContext, date: string): Promise<Blocker[]> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw badInput("BUSINESS_DATE_INVALID", "Use YYYY-MM-DD", "businessDate");
  const d = new Date(`${date}T00:00:00Z`);
  const out: Blocker[] = [];
  // A file part-way through its rounds (or whose run failed part-way) is not reconciled yet.
  const unreconciled = await tx.statementFile.findMany({ where: { tenantId: ctx.tenantId, billDate: d, status: "IMPORTED", format: { in: [...PAYMENT_FORMATS] }, reconciledAt: null }, select: { id: true, fileName: true } });
  if (unreconciled.length) out.push({ code: "STATEMENT_NOT_RECONCILED", count: unreconciled.length, ids: unreconciled.map((f) => f.id), message: `${unreconciled.length} statement(s) of ${date} not reconciled: ${unreconciled.map((f) => f.fileName).join(", ")}` });
  const supersede = await tx.statementFile.findMany({ where: { tenantId: ctx.tenantId, billDate: d, status: "PENDING_SUPERSEDE" }, select: { id: true, fileName: true } });
  if (supersede.length) out.push({ code: "STATEMENT_SUPERSEDE_PENDING", count: supersede.length, ids: supersede.map((f) => f.id), message: `${supersede.length} statement(s) of ${date} waiting for a supersede approval: ${supersede.map((f) => f.fileName).join(", ")}` });
  const open = await tx.exception.findMany({ where: { tenantId: ctx.tenantId, kind: { startsWith: "RECON_" }, status: "OPEN", businessDate: { lte: d } }, select: { id: true }, orderBy: { businessDate: "asc" }, take: 200 });
  if (open.length) out.push({ code: "DIFFERENCES_UNREVIEWED", count: open.length, ids: open.map((e) => e.id), message: `${open.length} difference(s) dated ${date} or earlier not yet reviewed (still open): take them into investigation or resolve them` });
  const proposed = await tx.exception.findMany({ where: { tenantId: ctx.tenantId, kind: { startsWith: "RECON_" }, status: "RESOLUTION_PROPOSED", businessDate: { lte: d } }, select: { id: true }, take: 200 });
  if (proposed.length) out.push({ code: "RESOLUTIONS_PENDING", count: proposed.length, ids: proposed.map((e) => e.id), message: `${proposed.length} resolution(s) waiting for approval` });
  return out;
}

registerCloseCheck(async (tx, ctx, date) => {
  const blockers = await dayCloseBlockers(tx, ctx, date);
  return blockers.length ? `Business date ${date} cannot be closed: ${blockers.map((b) => b.message).join("; ")}` : null;
});

/** Finance closes a business date (the ledger's close, with the conditions above). */
export async function closeReconciledDay(tx: Tx, ctx: TenantContext, date: string, now = new Date()) {
  return closeBusinessDay(tx, ctx, date, now);
}
