import { recordAudit } from "@/server/core/audit/service";
import { DomainError, forbidden, notFound } from "@/server/core/errors/domain-error";
import type { Prisma } from "@/server/db/generated/prisma/client";
import { clampLimit, decodeCursor, encodeCursor, toPage } from "@/server/db/keyset";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import "./kinds";
import { proposalHandler } from "./registry";
import { ZProposalCreate, ZProposalDecide, ZProposalFind, type TProposalCreate, type TProposalDecide, type TProposalFind } from "./schema";

// Maker-checker for everything: one person proposes, another approves. Nobody approves their own;
// at or above the tenant's threshold only an owner or admin may approve. Both steps are audited.

const APPROVER_ROLES = new Set(["OWNER", "ADMIN", "FINANCE"]);
const ADMIN_ROLES = new Set(["OWNER", "ADMIN"]);

const select = {
  id: true,
  kind: true,
  payload: true,
  amountMinor: true,
  reason: true,
  status: true,
  requiresAdmin: true,
  proposedBy: true,
  proposedAt: true,
  decidedBy: true,
  decidedAt: true,
  decisionNote: true,
  result: true,
} as const satisfies Prisma.ProposalSelect;

function userOf(ctx: TenantContext) {
  if (ctx.actor.kind !== "USER") throw forbidden("Proposals are made and decided by people");
  return ctx.actor;
}

const toJson = (v: unknown) => JSON.parse(JSON.stringify(v ?? null, (_k, x) => (typeof x === "bigint" ? x.toString() : x))) as Prisma.InputJsonValue;

export async function createProposal(tx: Tx, ctx: TenantContext, raw: TProposalCreate) {
  const input = ZProposalCreate.parse(raw);
  const me = userOf(ctx);
  const handler = proposalHandler(input.kind);
  if (!handler) throw new DomainError("BAD_INPUT", "PROPOSAL_KIND_UNKNOWN", `Unknown proposal kind ${input.kind}`, { field: "kind" });
  const { amountMinor } = await handler.validate(tx, ctx, input.payload);
  const tenant = await tx.tenant.findFirst({ where: { id: ctx.tenantId }, select: { approvalAdminThresholdMinor: true } });
  const requiresAdmin = amountMinor >= (tenant?.approvalAdminThresholdMinor ?? 0n);
  const p = await tx.proposal.create({
    data: { tenantId: ctx.tenantId, kind: input.kind, payload: toJson(input.payload), amountMinor, reason: input.reason, requiresAdmin, proposedBy: me.userId },
    select,
  });
  await recordAudit(tx, ctx, { action: "proposal.create", entityType: "proposal", entityId: p.id, after: { kind: p.kind, amountMinor, requiresAdmin, reason: p.reason } });
  return p;
}

export async function decideProposal(tx: Tx, ctx: TenantContext, raw: TProposalDecide) {
  const input = ZProposalDecide.parse(raw);
  const me = userOf(ctx);
  // Lock the proposal: two approvers at once cannot both carry it out.
  const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM proposal WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${input.id}::uuid FOR UPDATE`;
  if (!locked.length) throw notFound("Proposal");
  const p = await tx.proposal.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id: input.id }, select });
  if (p.status !== "PENDING") throw new DomainError("PRECONDITION", "PROPOSAL_DECIDED", `This proposal is already ${p.status.toLowerCase()}`);
  if (p.proposedBy === me.userId) throw new DomainError("FORBIDDEN", "SELF_APPROVAL", "You cannot decide your own proposal; another person must");
  if (!APPROVER_ROLES.has(me.role)) throw forbidden("Your role cannot decide proposals");
  if (p.requiresAdmin && !ADMIN_ROLES.has(me.role)) throw new DomainError("FORBIDDEN", "ADMIN_APPROVAL_REQUIRED", "This amount is above the approval threshold: an owner or admin must decide");

  let result: unknown = null;
  if (input.decision === "APPROVE") {
    const handler = proposalHandler(p.kind);
    if (!handler) throw new DomainError("INVARIANT", "PROPOSAL_KIND_UNKNOWN", `No handler for ${p.kind}`);
    result = await handler.execute(tx, ctx, p.payload, { id: p.id });
  } else {
    await proposalHandler(p.kind)?.decline?.(tx, ctx, p.payload, { id: p.id });
  }
  const after = await tx.proposal.update({
    where: { tenantId_id: { tenantId: ctx.tenantId, id: p.id } },
    data: { status: input.decision === "APPROVE" ? "APPROVED" : "REJECTED", decidedBy: me.userId, decidedAt: new Date(), decisionNote: input.note ?? null, result: toJson(result) },
    select,
  });
  await recordAudit(tx, ctx, { action: input.decision === "APPROVE" ? "proposal.approve" : "proposal.reject", entityType: "proposal", entityId: p.id, before: { status: p.status }, after: { status: after.status, note: input.note ?? null, result } });
  return after;
}

export async function cancelProposal(tx: Tx, ctx: TenantContext, id: string) {
  const me = userOf(ctx);
  const p = await tx.proposal.findFirst({ where: { tenantId: ctx.tenantId, id }, select });
  if (!p) throw notFound("Proposal");
  if (p.proposedBy !== me.userId) throw forbidden("Only the proposer can withdraw a proposal");
  if (p.status !== "PENDING") throw new DomainError("PRECONDITION", "PROPOSAL_DECIDED", `This proposal is already ${p.status.toLowerCase()}`);
  await proposalHandler(p.kind)?.decline?.(tx, ctx, p.payload, { id: p.id });
  const after = await tx.proposal.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id } }, data: { status: "CANCELLED", decidedAt: new Date() }, select });
  await recordAudit(tx, ctx, { action: "proposal.cancel", entityType: "proposal", entityId: id, before: { status: p.status }, after: { status: "CANCELLED" } });
  return after;
}

export async function getProposal(tx: Tx, ctx: TenantContext, id: string) {
  const p = await tx.proposal.findFirst({ where: { tenantId: ctx.tenantId, id }, select });
  if (!p) throw notFound("Proposal");
  return p;
}

export async function findProposals(tx: Tx, ctx: TenantContext, raw: TProposalFind) {
  const input = ZProposalFind.parse(raw);
  const limit = clampLimit(input.limit);
  let after = {};
  if (input.cursor) {
    const [at, id] = decodeCursor(input.cursor);
    const d = new Date(String(at));
    after = { OR: [{ proposedAt: { lt: d } }, { proposedAt: d, id: { lt: id } }] };
  }
  const rows = await tx.proposal.findMany({
    where: { tenantId: ctx.tenantId, ...(input.status ? { status: input.status } : {}), ...(input.kind ? { kind: input.kind } : {}), ...after },
    orderBy: [{ proposedAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select,
  });
  return toPage(rows, limit, (r) => encodeCursor(r.proposedAt.toISOString(), r.id));
}
