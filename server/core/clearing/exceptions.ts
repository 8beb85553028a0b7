import { recordAudit } from "@/server/core/audit/service";
import { tenantSettings } from "@/server/core/tenancy/settings";
import { businessDate as businessDateOf } from "@/server/core/calendar/rules";
import { DomainError, badInput, notFound } from "@/server/core/errors/domain-error";
import { getBalanceByRef, lockAhead, postEntry, reverseEntry } from "@/server/core/ledger/service";
import type { AccountRef } from "@/server/core/ledger/chart";
import { accounts, overage, shortage } from "@/server/core/ledger/templates";
import { feeCollectionOf } from "@/server/core/payments/common";
import { openException } from "@/server/core/payments/exceptions";
import type { Prisma } from "@/server/db/generated/prisma/client";
import type { ExceptionStatus } from "@/server/db/generated/prisma/enums";
import { clampLimit, decodeCursor, encodeCursor, toPage } from "@/server/db/keyset";
import { actorName, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import type { ExceptionKind } from "./exception-kinds";

// The exception queue (issue 6). Every exception moves
//
//   OPEN → INVESTIGATING → RESOLUTION_PROPOSED → RESOLVED | WRITTEN_OFF
//
// (OPEN may go straight to RESOLUTION_PROPOSED; a rejected or withdrawn resolution goes back to
// INVESTIGATING; a difference sent back to the pool that expires again is REOPENED). People move
// OPEN → INVESTIGATING; only a proposal moves it further, and only its approval closes it. Every
// change, assignment and comment is an exception_event row (who, when, what).
//
// A reconciliation difference (kind RECON_*) of a CUSTODIAL tenant has its own suspense entry
// (exception.suspense_entry_id): 长款 Dr clearing / Cr overage suspense, 短款 Dr shortage suspense /
// Cr clearing. Whatever resolves it releases that entry in the same transaction, so at every commit
// Σ amounts of not-closed exceptions per direction = the suspense account's balance.

export const OPEN_STATUSES: ExceptionStatus[] = ["OPEN", "INVESTIGATING", "RESOLUTION_PROPOSED"];
export const CLOSED_STATUSES: ExceptionStatus[] = ["RESOLVED", "WRITTEN_OFF"];

/**
 * Hours from an exception's creation to its SLA due time, by kind; a tenant overrides them in
 * exception_sla. Every kind the server opens is listed (the SLA editor shows these, and only these
 * can be overridden): exactly the kinds of exception-kinds.ts, which the queue lists too.
 * Shortest where money may have gone twice or not at all (a payout's bank result, funds that did
 * not arrive, a payer refunded at the channel but not in our books); longest for the monthly
 * profit-share statement.
 */
export const DEFAULT_SLA_HOURS: Readonly<Record<string, number>> = {
  RECON_STATUS: 24,
  RECON_AMOUNT: 48,
  RECON_CHANNEL_ONLY: 72,
  RECON_PLATFORM_ONLY: 72,
  RECON_UNKNOWN_SUB_MERCHANT: 72,
  RECON_UNKNOWN: 72,
  RECON_FEE: 120,
  RECON_FUNDS_MISSING: 24,
  RECON_FUNDS_AMOUNT: 48,
  RECON_PAYOUT_UNKNOWN: 24,
  RECON_PAYOUT_AMOUNT: 24,
  RECON_PAYOUT_STATUS: 24,
  RECON_PROFIT_SHARE: 168,
  SETTLEMENT_DIFFERENCE: 48,
  LATE_SUCCESS: 24,
  REFUND_ABNORMAL: 72,
  REVERSED_AFTER_SUCCESS: 24,
} satisfies Record<ExceptionKind, number>;
export const FALLBACK_SLA_HOURS = 72;

export const AGE_BUCKETS = ["0-3", "4-7", "8-30", ">30"] as const;
export type AgeBucket = (typeof AGE_BUCKETS)[number];

const DAY = 86_400_000;
const dateOf = (d: Date) => d.toISOString().slice(0, 10);
const asDate = (s: string) => new Date(`${s}T00:00:00Z`);

/** Whole days from a business date to today's business date (both in the tenant's time zone). */
export function ageDays(businessDate: string, today: string): number {
  return Math.max(0, Math.round((asDate(today).getTime() - asDate(businessDate).getTime()) / DAY));
}

export function ageBucket(days: number): AgeBucket {
  return days <= 3 ? "0-3" : days <= 7 ? "4-7" : days <= 30 ? "8-30" : ">30";
}

/** The business dates an age bucket covers, as of today: [from, to] inclusive (from null = no lower bound). */
export function bucketRange(bucket: AgeBucket, today: string): { from: string | null; to: string } {
  const minus = (n: number) => dateOf(new Date(asDate(today).getTime() - n * DAY));
  switch (bucket) {
    case "0-3":
      return { from: minus(3), to: today };
    case "4-7":
      return { from: minus(7), to: minus(4) };
    case "8-30":
      return { from: minus(30), to: minus(8) };
    default:
      return { from: null, to: minus(31) };
  }
}

export async function todayOf(tx: Tx, ctx: TenantContext, now = new Date()): Promise<string> {
  return businessDateOf(now, (await tenantSettings(tx, ctx)).timeZone);
}

// ---------------------------------------------------------------------------------------------
// SLA

export async function slaPolicy(tx: Tx, ctx: TenantContext): Promise<Record<string, number>> {
  const rows = await tx.exceptionSla.findMany({ where: { tenantId: ctx.tenantId }, select: { kind: true, hours: true } });
  return { ...DEFAULT_SLA_HOURS, ...Object.fromEntries(rows.map((r) => [r.kind, r.hours])) };
}

/** Each kind's SLA hours for the console's editor: the default, and the tenant's own where set. */
export async function slaSettings(tx: Tx, ctx: TenantContext): Promise<Array<{ kind: string; hours: number; defaultHours: number; custom: boolean }>> {
  const own = new Map((await tx.exceptionSla.findMany({ where: { tenantId: ctx.tenantId }, select: { kind: true, hours: true } })).map((r) => [r.kind, r.hours]));
  return Object.entries(DEFAULT_SLA_HOURS).map(([kind, defaultHours]) => ({ kind, hours: own.get(kind) ?? defaultHours, defaultHours, custom: own.has(kind) }));
}

/** Sets (or with null resets to the default) one kind's SLA hours; audited. Due times follow at once: they are computed when read. */
export async function setSla(tx: Tx, ctx: TenantContext, input: { kind: string; hours: number | null }) {
  if (!Object.hasOwn(DEFAULT_SLA_HOURS, input.kind)) throw badInput("SLA_KIND_INVALID", `Name an exception kind: ${Object.keys(DEFAULT_SLA_HOURS).join(", ")}`, "kind");
  const before = (await tx.exceptionSla.findFirst({ where: { tenantId: ctx.tenantId, kind: input.kind }, select: { hours: true } }))?.hours ?? null;
  if (input.hours === null) {
    await tx.exceptionSla.deleteMany({ where: { tenantId: ctx.tenantId, kind: input.kind } });
  } else {
    if (!Number.isInteger(input.hours) || input.hours < 1 || input.hours > 8760) throw badInput("SLA_HOURS_INVALID", "SLA hours are a whole number from 1 to 8760", "hours");
    await tx.exceptionSla.upsert({ where: { tenantId_kind: { tenantId: ctx.tenantId, kind: input.kind } }, create: { tenantId: ctx.tenantId, kind: input.kind, hours: input.hours }, update: { hours: input.hours } });
  }
  if (before !== input.hours) await recordAudit(tx, ctx, { action: "exception.sla", entityType: "exception_sla", entityId: input.kind, before: { hours: before }, after: { hours: input.hours } });
  return slaPolicy(tx, ctx);
}

const slaDue = (createdAt: Date, kind: string, policy: Record<string, number>) => new Date(createdAt.getTime() + (policy[kind] ?? FALLBACK_SLA_HOURS) * 3_600_000);

// ---------------------------------------------------------------------------------------------
// History

export type EventKind = "CREATED" | "STATUS" | "ASSIGN" | "COMMENT" | "PROPOSED" | "DECLINED" | "RESOLVED" | "REOPENED" | "REFUND_REQUESTED" | "REFUND_FAILED";

const toJson = (v: unknown) => JSON.parse(JSON.stringify(v ?? {}, (_k, x) => (typeof x === "bigint" ? x.toString() : x))) as Prisma.InputJsonValue;

export async function recordEvent(tx: Tx, ctx: TenantContext, exceptionId: string, e: { kind: EventKind; from?: string | null; to?: string | null; body?: string | null; data?: unknown }) {
  await tx.exceptionEvent.create({
    data: { tenantId: ctx.tenantId, exceptionId, kind: e.kind, fromStatus: e.from ?? null, toStatus: e.to ?? null, body: e.body ?? null, data: toJson(e.data), actor: actorName(ctx) },
  });
}

/** Locks and reads an exception (FOR UPDATE): every change to one goes through here. */
export async function lockException(tx: Tx, ctx: TenantContext, id: string) {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM exception WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${id}::uuid FOR UPDATE`;
  if (!rows.length) throw notFound("Exception");
  return tx.exception.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id } });
}

// ---------------------------------------------------------------------------------------------
// Raising a difference (reconciliation calls this): the exception and its own suspense entry

export interface DifferenceInput {
  itemId: string;
  /** When the difference is found, if later than its bill date: posted then, correcting the bill date. */
  foundOn?: string;
  fileId: string;
  channelAccountId: string;
  billDate: string;
  direction: "OVERAGE" | "SHORTAGE";
  diffType: string;
  diffMinor: bigint;
  lineId: string | null;
  paymentId: string | null;
  refundId: string | null;
  note: string | null;
}

/**
 * Opens the difference's exception (or reopens it, when a difference sent back to the pool expires
 * again) and, for a CUSTODIAL tenant, posts its suspense entry and records it on the exception.
 */
export async function raiseDifference(tx: Tx, ctx: TenantContext, d: DifferenceInput): Promise<{ exceptionId: string }> {
  const amountMinor = d.diffMinor < 0n ? -d.diffMinor : d.diffMinor;
  const kind = `RECON_${d.diffType}`;
  const existing = await tx.exception.findFirst({ where: { tenantId: ctx.tenantId, kind, causeId: d.itemId } });
  let round = 0;
  let exceptionId: string;
  if (existing && CLOSED_STATUSES.includes(existing.status)) {
    round = (await tx.exceptionEvent.count({ where: { tenantId: ctx.tenantId, exceptionId: existing.id, kind: "REOPENED" } })) + 1;
    await tx.exception.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: existing.id } }, data: { status: "OPEN", resolution: null, resolvedBy: null, resolvedAt: null, proposalId: null, suspenseEntryId: null } });
    await recordEvent(tx, ctx, existing.id, { kind: "REOPENED", from: existing.status, to: "OPEN", body: d.note });
    exceptionId = existing.id;
  } else if (existing) {
    return { exceptionId: existing.id };
  } else {
    // The merchant whose payment or refund it concerns, so settlement can hold on it.
    const merchantId = d.paymentId
      ? (await tx.payment.findFirst({ where: { tenantId: ctx.tenantId, id: d.paymentId }, select: { merchantId: true } }))?.merchantId
      : d.refundId
        ? (await tx.refund.findFirst({ where: { tenantId: ctx.tenantId, id: d.refundId }, select: { merchantId: true } }))?.merchantId
        : undefined;
    exceptionId = (
      await openException(tx, ctx, {
        ...(merchantId ? { merchantId } : {}),
        kind,
        causeType: "recon_item",
        causeId: d.itemId,
        amountMinor,
        businessDate: d.billDate,
        details: { direction: d.direction, diffType: d.diffType, fileId: d.fileId, lineId: d.lineId, paymentId: d.paymentId, refundId: d.refundId, channelAccountId: d.channelAccountId, note: d.note },
        event: { ...(d.note ? { body: d.note } : {}), data: { direction: d.direction, diffType: d.diffType, amountMinor: amountMinor.toString() } },
      })
    ).id;
  }
  const tenant = await tenantSettings(tx, ctx);
  if (tenant.settlementMode !== "CUSTODIAL" || amountMinor === 0n) return { exceptionId };
  const billsMonthly = (await feeCollectionOf(tx, ctx, d.channelAccountId)) === "BILLED_MONTHLY";
  // Where the difference is found: the money at the channel (clearing) — except the fee of a
  // channel that bills its fees monthly, which never comes out of the money it settles: a fee
  // difference there changes what we owe the channel (channel fee payable), not clearing.
  const found = d.diffType === "FEE" && billsMonthly ? accounts.channelFeePayable : accounts.clearing(d.channelAccountId);
  // One key set per channel account, whichever the direction and type: a reconciliation run raising
  // many differences in one transaction takes its locks once, in order.
  await lockAhead(tx, ctx, { refs: await differenceLockRefs(tx, ctx, d.channelAccountId) });
  const posted = await postEntry(tx, ctx, d.direction === "OVERAGE" ? overage(found, amountMinor) : shortage(found, amountMinor), {
    businessDate: d.foundOn ?? d.billDate,
    ...(d.foundOn && d.foundOn !== d.billDate ? { correctsDate: d.billDate } : {}),
    idempotencyKey: round === 0 ? `recon:${d.itemId}` : `recon:${d.itemId}:r${round}`,
    causeType: "recon_item",
    causeId: d.itemId,
    description: `${d.direction === "OVERAGE" ? "长款" : "短款"} ${d.diffType}: bill of ${d.billDate}`,
  });
  await tx.exception.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: exceptionId } }, data: { suspenseEntryId: posted.entryId } });
  return { exceptionId };
}

/** Every account a difference of this channel account can post its suspense entry to (CUSTODIAL), for a transaction raising several to lock ahead. */
export async function differenceLockRefs(tx: Tx, ctx: TenantContext, channelAccountId: string): Promise<AccountRef[]> {
  return [accounts.clearing(channelAccountId), ...((await feeCollectionOf(tx, ctx, channelAccountId)) === "BILLED_MONTHLY" ? [accounts.channelFeePayable] : []), accounts.overageSuspense, accounts.shortageSuspense];
}

/**
 * Releases an exception's suspense entry (冲正 of its own entry, in the open period, naming the
 * difference's date); a no-op without one. Returns the reversal's entry id.
 */
export async function releaseSuspenseOf(tx: Tx, ctx: TenantContext, e: { id: string; suspenseEntryId: string | null; businessDate: Date }, key: string, description: string): Promise<string | null> {
  if (!e.suspenseEntryId) return null;
  const today = await todayOf(tx, ctx);
  const original = dateOf(e.businessDate);
  const r = await reverseEntry(tx, ctx, e.suspenseEntryId, { businessDate: today, ...(original !== today ? { correctsDate: original } : {}), idempotencyKey: key, description: description.slice(0, 500) });
  return r.entryId;
}

/** Closes an exception (RESOLVED or WRITTEN_OFF) with its resolution text, recording the event. */
export async function closeException(tx: Tx, ctx: TenantContext, e: { id: string; status: ExceptionStatus }, to: "RESOLVED" | "WRITTEN_OFF", resolution: string, data?: unknown) {
  await tx.exception.update({
    where: { tenantId_id: { tenantId: ctx.tenantId, id: e.id } },
    data: { status: to, resolution: resolution.slice(0, 1000), resolvedBy: actorName(ctx), resolvedAt: new Date(), proposalId: null },
  });
  await recordEvent(tx, ctx, e.id, { kind: "RESOLVED", from: e.status, to, body: resolution.slice(0, 4000), data });
}

/**
 * A late line shows a payment or refund whose PLATFORM_ONLY difference is in suspense: release it (reverse its
 * suspense entry, close the exception, withdraw a pending resolution), in the caller's transaction.
 */
export async function releaseByLateLine(tx: Tx, ctx: TenantContext, itemId: string, billDate: string): Promise<boolean> {
  const ex = await tx.exception.findFirst({ where: { tenantId: ctx.tenantId, kind: "RECON_PLATFORM_ONLY", causeId: itemId, status: { in: OPEN_STATUSES } }, select: { id: true, details: true } });
  if (!ex) return false;
  const what = (ex.details as { refundId?: unknown } | null)?.refundId ? "refund" : "payment";
  const e = await lockException(tx, ctx, ex.id);
  if (e.proposalId) {
    await tx.proposal.updateMany({ where: { tenantId: ctx.tenantId, id: e.proposalId, status: "PENDING" }, data: { status: "CANCELLED", decidedAt: new Date(), decisionNote: `withdrawn: the ${what} was shown on the bill of ${billDate}` } });
  }
  const reversal = await releaseSuspenseOf(tx, ctx, e, `recon:${itemId}:late:${billDate}`, `Released: shown on the bill of ${billDate}`);
  await closeException(tx, ctx, e, "RESOLVED", `Released automatically: the ${what} was shown on the bill of ${billDate}`, { reversalEntryId: reversal });
  await tx.reconItem.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: itemId } }, data: { outcome: "RELEASED", direction: null, note: `shown on the bill of ${billDate}` } });
  return true;
}

// ---------------------------------------------------------------------------------------------
// What people do: take it, assign it, comment

const TRANSITIONS: Record<string, ExceptionStatus[]> = {
  OPEN: ["INVESTIGATING"],
  INVESTIGATING: [],
  RESOLUTION_PROPOSED: [],
  RESOLVED: [],
  WRITTEN_OFF: [],
};

function illegal(from: string, to: string): DomainError {
  const why =
    to === "RESOLUTION_PROPOSED"
      ? "an exception reaches 'resolution proposed' by proposing a resolution"
      : to === "RESOLVED" || to === "WRITTEN_OFF"
        ? "an exception is resolved or written off only by the approval of a proposed resolution"
        : CLOSED_STATUSES.includes(from as ExceptionStatus)
          ? "this exception is already closed"
          : "the workflow is open → investigating → resolution proposed → resolved / written off";
  return new DomainError("PRECONDITION", "ILLEGAL_EXCEPTION_TRANSITION", `An exception cannot go from ${from.toLowerCase()} to ${to.toLowerCase()}: ${why}`);
}

export async function transitionException(tx: Tx, ctx: TenantContext, id: string, to: ExceptionStatus, note?: string) {
  const e = await lockException(tx, ctx, id);
  if (!TRANSITIONS[e.status]?.includes(to)) throw illegal(e.status, to);
  await tx.exception.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id } }, data: { status: to } });
  await recordEvent(tx, ctx, id, { kind: "STATUS", from: e.status, to, body: note ?? null });
  return { id, status: to };
}

export async function assignExceptions(tx: Tx, ctx: TenantContext, ids: string[], assigneeId: string | null) {
  if (ids.length === 0) throw badInput("NOTHING_SELECTED", "Select at least one exception", "ids");
  let assignee: { id: string; name: string } | null = null;
  if (assigneeId) {
    assignee = await tx.user.findFirst({ where: { tenantId: ctx.tenantId, id: assigneeId, status: "ACTIVE", merchantId: null }, select: { id: true, name: true } });
    if (!assignee) throw badInput("ASSIGNEE_INVALID", "Assign to an active console user of this provider", "assigneeId");
  }
  const unique = [...new Set(ids)];
  let changed = 0;
  for (const id of unique.sort()) {
    const e = await lockException(tx, ctx, id);
    if (e.assigneeId === assigneeId) continue;
    await tx.exception.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id } }, data: { assigneeId } });
    await recordEvent(tx, ctx, id, { kind: "ASSIGN", body: assignee ? assignee.name : null, data: { from: e.assigneeId, to: assigneeId } });
    changed++;
  }
  return { changed };
}

export async function commentOnException(tx: Tx, ctx: TenantContext, id: string, body: string) {
  const text = body.trim();
  if (text.length < 1 || text.length > 4000) throw badInput("COMMENT_INVALID", "A comment is 1 to 4000 characters", "body");
  await lockException(tx, ctx, id);
  await recordEvent(tx, ctx, id, { kind: "COMMENT", body: text });
  return { id };
}

// ---------------------------------------------------------------------------------------------
// Reading: the queue, one item with both sides, the charts

export interface QueueFilter {
  status?: ExceptionStatus | "ACTIVE";
  /** A difference type (CHANNEL_ONLY, AMOUNT, …) or a full kind (LATE_SUCCESS). */
  type?: string;
  direction?: "OVERAGE" | "SHORTAGE";
  channelAccountId?: string;
  age?: AgeBucket;
  assigneeId?: string | "none";
  cursor?: string | null;
  limit?: number;
}

export async function findQueue(tx: Tx, ctx: TenantContext, input: QueueFilter, now = new Date()) {
  const limit = clampLimit(input.limit);
  const today = await todayOf(tx, ctx, now);
  const after = input.cursor ? decodeCursor(input.cursor) : null;
  const at = after ? new Date(String(after[0])) : null;
  const range = input.age ? bucketRange(input.age, today) : null;
  const and: Prisma.ExceptionWhereInput[] = [];
  if (input.status === "ACTIVE" || !input.status) and.push({ status: { in: OPEN_STATUSES } });
  else and.push({ status: input.status });
  // The queue names a reconciliation kind without its RECON_ prefix (AMOUNT, FUNDS_MISSING…) and
  // every other kind whole (LATE_SUCCESS, SETTLEMENT_DIFFERENCE…).
  if (input.type) and.push({ kind: input.type.startsWith("RECON_") || Object.hasOwn(DEFAULT_SLA_HOURS, input.type) ? input.type : `RECON_${input.type}` });
  if (input.direction) and.push({ details: { path: ["direction"], equals: input.direction } });
  if (input.channelAccountId) and.push({ details: { path: ["channelAccountId"], equals: input.channelAccountId } });
  if (range) and.push({ businessDate: { ...(range.from ? { gte: asDate(range.from) } : {}), lte: asDate(range.to) } });
  if (input.assigneeId) and.push({ assigneeId: input.assigneeId === "none" ? null : input.assigneeId });
  if (after && at) and.push({ OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: after[1] } }] });
  const rows = await tx.exception.findMany({ where: { tenantId: ctx.tenantId, AND: and }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: limit + 1 });
  const policy = await slaPolicy(tx, ctx);
  const userIds = [...new Set(rows.map((r) => r.assigneeId).filter((x): x is string => !!x))];
  const users = userIds.length ? await tx.user.findMany({ where: { tenantId: ctx.tenantId, id: { in: userIds } }, select: { id: true, name: true } }) : [];
  const names = new Map(users.map((u) => [u.id, u.name]));
  const page = toPage(rows, limit, (r) => encodeCursor(r.createdAt.toISOString(), r.id));
  return { ...page, items: page.items.map((r) => present(r, policy, today, now, names)) };
}

type ExceptionRow = Awaited<ReturnType<Tx["exception"]["findFirstOrThrow"]>>;

function present(r: ExceptionRow, policy: Record<string, number>, today: string, now: Date, names: Map<string, string>) {
  const d = (r.details ?? {}) as Record<string, unknown>;
  const due = slaDue(r.createdAt, r.kind, policy);
  const open = OPEN_STATUSES.includes(r.status);
  const days = ageDays(dateOf(r.businessDate), today);
  return {
    id: r.id,
    kind: r.kind,
    type: r.kind.startsWith("RECON_") ? r.kind.slice(6) : r.kind,
    status: r.status,
    direction: (d.direction as string | undefined) ?? null,
    channelAccountId: (d.channelAccountId as string | undefined) ?? null,
    amountMinor: r.amountMinor,
    businessDate: dateOf(r.businessDate),
    ageDays: days,
    ageBucket: ageBucket(days),
    slaDueAt: due,
    slaBreached: open && due.getTime() < now.getTime(),
    slaDueSoon: open && due.getTime() >= now.getTime() && due.getTime() - now.getTime() < 24 * 3_600_000,
    assigneeId: r.assigneeId,
    assigneeName: r.assigneeId ? (names.get(r.assigneeId) ?? null) : null,
    proposalId: r.proposalId,
    suspenseEntryId: r.suspenseEntryId,
    resolution: r.resolution,
    resolvedBy: r.resolvedBy,
    resolvedAt: r.resolvedAt,
    createdAt: r.createdAt,
    details: d,
  };
}

/** One exception with both sides (the statement line and our payment or refund), its suspense line, history and pending resolution. */
export async function getExceptionItem(tx: Tx, ctx: TenantContext, id: string, now = new Date()) {
  const r = await tx.exception.findFirst({ where: { tenantId: ctx.tenantId, id } });
  if (!r) throw notFound("Exception");
  const today = await todayOf(tx, ctx, now);
  const policy = await slaPolicy(tx, ctx);
  const names = new Map<string, string>();
  if (r.assigneeId) {
    const u = await tx.user.findFirst({ where: { tenantId: ctx.tenantId, id: r.assigneeId }, select: { name: true } });
    if (u) names.set(r.assigneeId, u.name);
  }
  const item = present(r, policy, today, now, names);
  const d = item.details;
  const recon = r.causeType === "recon_item" ? await tx.reconItem.findFirst({ where: { tenantId: ctx.tenantId, id: r.causeId } }) : null;
  const lineId = (recon?.lineId ?? (d.lineId as string | null | undefined)) || null;
  const paymentId = (recon?.paymentId ?? (d.paymentId as string | null | undefined) ?? (r.causeType === "payment" ? r.causeId : null)) || null;
  const refundId = (recon?.refundId ?? (d.refundId as string | null | undefined) ?? (r.causeType === "refund" ? r.causeId : null)) || null;
  const line = lineId
    ? await tx.statementLine.findFirst({
        where: { tenantId: ctx.tenantId, id: lineId },
        select: { id: true, lineNo: true, kind: true, occurredAt: true, outTradeNo: true, channelTradeNo: true, outRefundNo: true, channelRefundNo: true, subMerchant: true, channelStatus: true, amountMinor: true, settleableMinor: true, feeMinor: true, fileId: true },
      })
    : null;
  const payment = paymentId
    ? await tx.payment.findFirst({ where: { tenantId: ctx.tenantId, id: paymentId }, select: { id: true, merchantOrderNo: true, outTradeNo: true, channelTradeNo: true, status: true, amountMinor: true, feeMinor: true, costMinor: true, createdAt: true, paidAt: true, businessDate: true, merchantId: true } })
    : null;
  const refund = refundId ? await tx.refund.findFirst({ where: { tenantId: ctx.tenantId, id: refundId }, select: { id: true, outRefundNo: true, status: true, amountMinor: true, paymentId: true, createdAt: true } }) : null;
  const suspense = r.suspenseEntryId
    ? await tx.journalEntry.findFirst({
        where: { tenantId: ctx.tenantId, id: r.suspenseEntryId },
        select: { id: true, kind: true, businessDate: true, description: true, postings: { select: { line: true, amountMinor: true, account: { select: { code: true, name: true } } }, orderBy: { line: "asc" } } },
      })
    : null;
  const released = r.suspenseEntryId ? await tx.journalEntry.findFirst({ where: { tenantId: ctx.tenantId, reversesEntryId: r.suspenseEntryId }, select: { id: true, businessDate: true } }) : null;
  const events = await tx.exceptionEvent.findMany({ where: { tenantId: ctx.tenantId, exceptionId: id }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  const proposal = r.proposalId ? await tx.proposal.findFirst({ where: { tenantId: ctx.tenantId, id: r.proposalId }, select: { id: true, kind: true, status: true, payload: true, reason: true, requiresAdmin: true, proposedBy: true, proposedAt: true, amountMinor: true } }) : null;
  const file = recon ? await tx.statementFile.findFirst({ where: { tenantId: ctx.tenantId, id: recon.fileId }, select: { id: true, fileName: true, format: true, billDate: true, billType: true } }) : null;
  // Refunds to the customer asked for by a REFUND_CUSTOMER resolution (customer-refunds.ts), newest first.
  const customerRefunds = await tx.reconCustomerRefund.findMany({
    where: { tenantId: ctx.tenantId, exceptionId: id },
    orderBy: { createdAt: "desc" },
    select: { id: true, outRefundNo: true, channelRefundNo: true, amountMinor: true, status: true, failure: true, createdAt: true, updatedAt: true },
  });
  return {
    ...item,
    customerRefunds,
    recon: recon ? { id: recon.id, outcome: recon.outcome, diffType: recon.diffType, ourMinor: recon.ourMinor, theirMinor: recon.theirMinor, diffMinor: recon.diffMinor, note: recon.note, poolUntil: recon.poolUntil ? dateOf(recon.poolUntil) : null } : null,
    file: file ? { ...file, billDate: dateOf(file.billDate) } : null,
    line,
    payment: payment ? { ...payment, businessDate: dateOf(payment.businessDate) } : null,
    refund,
    suspense: suspense
      ? { id: suspense.id, kind: suspense.kind, businessDate: dateOf(suspense.businessDate), description: suspense.description, lines: suspense.postings.map((p) => ({ line: p.line, amountMinor: p.amountMinor, code: p.account.code, name: p.account.name })), releasedBy: released ? { id: released.id, businessDate: dateOf(released.businessDate) } : null }
      : null,
    events: events.map((e) => ({ id: e.id, kind: e.kind, fromStatus: e.fromStatus, toStatus: e.toStatus, body: e.body, data: e.data, actor: e.actor, createdAt: e.createdAt })),
    proposal,
  };
}

/**
 * The suspense accounts now (balance and Σ open items, which must agree), open items by age bucket
 * and direction, and each suspense account's balance at the end of each of the last `days` business dates.
 */
export async function queueStats(tx: Tx, ctx: TenantContext, input: { days?: number } = {}, now = new Date()) {
  const today = await todayOf(tx, ctx, now);
  const days = Math.min(Math.max(input.days ?? 30, 7), 120);
  const open = await tx.exception.findMany({ where: { tenantId: ctx.tenantId, status: { in: OPEN_STATUSES }, kind: { startsWith: "RECON_" } }, select: { amountMinor: true, businessDate: true, details: true, suspenseEntryId: true } });
  const ageing = AGE_BUCKETS.map((bucket) => ({ bucket, overageCount: 0, overageMinor: 0n, shortageCount: 0, shortageMinor: 0n }));
  const openMinor = { OVERAGE: 0n, SHORTAGE: 0n };
  for (const e of open) {
    const dir = (e.details as { direction?: string }).direction === "OVERAGE" ? "OVERAGE" : "SHORTAGE";
    const b = ageing.find((a) => a.bucket === ageBucket(ageDays(dateOf(e.businessDate), today)))!;
    if (dir === "OVERAGE") {
      b.overageCount++;
      b.overageMinor += e.amountMinor;
    } else {
      b.shortageCount++;
      b.shortageMinor += e.amountMinor;
    }
    if (e.suspenseEntryId) openMinor[dir] += e.amountMinor;
  }
  const tenant = await tenantSettings(tx, ctx);
  const custodial = tenant.settlementMode === "CUSTODIAL";
  const overageBalance = custodial ? (await getBalanceByRef(tx, ctx, accounts.overageSuspense)).postedMinor : 0n;
  const shortageBalance = custodial ? (await getBalanceByRef(tx, ctx, accounts.shortageSuspense)).postedMinor : 0n;
  const from = dateOf(new Date(asDate(today).getTime() - (days - 1) * DAY));
  // Posted movements per business date (normal side positive: overage is a liability, shortage an asset).
  const rows = custodial
    ? await tx.$queryRaw<Array<{ code: string; d: Date | null; m: bigint }>>`
        SELECT a.code, CASE WHEN p.business_date < ${asDate(from)}::date THEN NULL ELSE p.business_date END AS d, sum(p.amount_minor)::bigint AS m
          FROM ledger_posting p JOIN ledger_account a ON a.tenant_id = p.tenant_id AND a.id = p.account_id
         WHERE p.tenant_id = ${ctx.tenantId}::uuid AND a.book = 'OWN' AND a.code IN ('overage_suspense', 'shortage_suspense') AND p.phase = 'POSTED'
         GROUP BY 1, 2`
    : [];
  let over = 0n;
  let short = 0n;
  for (const r of rows.filter((x) => x.d === null)) {
    if (r.code === "overage_suspense") over -= r.m;
    else short += r.m;
  }
  const history: Array<{ date: string; overageMinor: bigint; shortageMinor: bigint }> = [];
  for (let i = 0; i < days; i++) {
    const date = dateOf(new Date(asDate(from).getTime() + i * DAY));
    for (const r of rows.filter((x) => x.d && dateOf(x.d) === date)) {
      if (r.code === "overage_suspense") over -= r.m;
      else short += r.m;
    }
    history.push({ date, overageMinor: over, shortageMinor: short });
  }
  return {
    today,
    custodial,
    overage: { balanceMinor: overageBalance, openItemsMinor: openMinor.OVERAGE },
    shortage: { balanceMinor: shortageBalance, openItemsMinor: openMinor.SHORTAGE },
    openCount: open.length,
    ageing,
    history,
    sla: await slaPolicy(tx, ctx),
  };
}

/** Console users an exception can be assigned to. */
export async function assignableUsers(tx: Tx, ctx: TenantContext) {
  return tx.user.findMany({ where: { tenantId: ctx.tenantId, status: "ACTIVE", merchantId: null, role: { in: ["OWNER", "ADMIN", "FINANCE", "OPERATIONS"] } }, select: { id: true, name: true, email: true, role: true }, orderBy: { name: "asc" } });
}
