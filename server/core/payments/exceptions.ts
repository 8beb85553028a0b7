import { DomainError, notFound } from "@/server/core/errors/domain-error";
import type { Prisma } from "@/server/db/generated/prisma/client";
import type { ExceptionStatus } from "@/server/db/generated/prisma/enums";
import { actorName, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { clampLimit, decodeCursor, encodeCursor, toPage } from "@/server/db/keyset";

// Exceptions (差错) raised by the payment application for a person to look at: LATE_SUCCESS (a
// success for a payment we held as FAILED or CLOSED) and REFUND_ABNORMAL (a refund the payer's
// card or account could not take). One per kind and cause; raising it again changes nothing.
// Clearing adds its reconciliation differences to the same table. Opening and automatic closing
// write the exception's history (exception_event) like every step a person takes in the queue.

export const EXCEPTION_KINDS = ["LATE_SUCCESS", "REFUND_ABNORMAL"] as const;

export interface ExceptionInput {
  readonly kind: string;
  readonly causeType: string;
  readonly causeId: string;
  readonly merchantId?: string;
  readonly amountMinor: bigint;
  readonly businessDate: string;
  readonly details?: Prisma.InputJsonValue;
  /** The CREATED event's note and data (default: none). */
  readonly event?: { readonly body?: string; readonly data?: Prisma.InputJsonValue };
}

export async function openException(tx: Tx, ctx: TenantContext, e: ExceptionInput): Promise<{ id: string }> {
  const existing = await tx.exception.findFirst({ where: { tenantId: ctx.tenantId, kind: e.kind, causeId: e.causeId }, select: { id: true } });
  if (existing) return existing;
  const created = await tx.exception.create({
    data: {
      tenantId: ctx.tenantId,
      kind: e.kind,
      causeType: e.causeType,
      causeId: e.causeId,
      merchantId: e.merchantId ?? null,
      amountMinor: e.amountMinor,
      businessDate: new Date(`${e.businessDate}T00:00:00Z`),
      details: e.details ?? {},
    },
    select: { id: true },
  });
  await tx.exceptionEvent.create({
    data: { tenantId: ctx.tenantId, exceptionId: created.id, kind: "CREATED", toStatus: "OPEN", body: e.event?.body ?? null, data: e.event?.data ?? {}, actor: actorName(ctx) },
  });
  return created;
}

/** Closes the exception of this kind and cause if nobody has proposed a resolution of it yet (OPEN or INVESTIGATING), with a RESOLVED event. */
export async function resolveException(tx: Tx, ctx: TenantContext, kind: string, causeId: string, resolution: string): Promise<void> {
  const open = await tx.exception.findMany({ where: { tenantId: ctx.tenantId, kind, causeId, status: { in: ["OPEN", "INVESTIGATING"] } }, select: { id: true, status: true } });
  for (const e of open) {
    await tx.exception.update({
      where: { tenantId_id: { tenantId: ctx.tenantId, id: e.id } },
      data: { status: "RESOLVED", resolution: resolution.slice(0, 1000), resolvedBy: actorName(ctx), resolvedAt: new Date() },
    });
    await tx.exceptionEvent.create({
      data: { tenantId: ctx.tenantId, exceptionId: e.id, kind: "RESOLVED", fromStatus: e.status, toStatus: "RESOLVED", body: resolution.slice(0, 1000), data: {}, actor: actorName(ctx) },
    });
  }
}

/** A person closes an exception with a note (e.g. a late success kept after talking to the merchant). */
export async function resolveExceptionById(tx: Tx, ctx: TenantContext, id: string, resolution: string): Promise<void> {
  const e = await tx.exception.findFirst({ where: { tenantId: ctx.tenantId, id }, select: { status: true, kind: true } });
  if (!e) throw notFound("Exception");
  if (e.status !== "OPEN") throw new DomainError("PRECONDITION", "EXCEPTION_NOT_OPEN", "This exception has already been resolved");
  // Its suspense entry must be released or written off with it, through an approved proposal (next
  // slice): closing it with a note alone would break Σ open items = the suspense balance.
  if (e.kind.startsWith("RECON_")) throw new DomainError("PRECONDITION", "EXCEPTION_NEEDS_RESOLUTION", "A reconciliation difference is resolved by a release or write-off, not with a note");
  if (e.kind === "REFUND_ABNORMAL") throw new DomainError("PRECONDITION", "EXCEPTION_RESOLVED_BY_REFUND", "An abnormal refund is resolved by recording the transfer to the payer's bank account on the refund");
  await tx.exception.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id } }, data: { status: "RESOLVED", resolution: resolution.slice(0, 1000), resolvedBy: actorName(ctx), resolvedAt: new Date() } });
}

export async function findExceptions(tx: Tx, ctx: TenantContext, input: { status?: ExceptionStatus; kind?: string; cursor?: string | null; limit?: number }) {
  const limit = clampLimit(input.limit);
  const after = input.cursor ? decodeCursor(input.cursor) : null;
  const at = after ? new Date(String(after[0])) : null;
  const rows = await tx.exception.findMany({
    where: {
      tenantId: ctx.tenantId,
      ...(input.status ? { status: input.status } : {}),
      ...(input.kind ? { kind: input.kind } : {}),
      ...(after && at ? { OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: after[1] } }] } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  return toPage(rows, limit, (r) => encodeCursor(r.createdAt.toISOString(), r.id));
}
