import { z } from "zod";
import { DomainError, badInput, notFound } from "@/server/core/errors/domain-error";
import { lockAhead, postEntry } from "@/server/core/ledger/service";
import { accounts, channelAmountCorrection, channelCostCorrection, margin, marginClawback, writeOffOverage, writeOffShortage } from "@/server/core/ledger/templates";
import { feeCollectionOf } from "@/server/core/payments/common";
import { applyOrRecordContradiction, correctPaymentByRecon, paymentLockRefs } from "@/server/core/payments/service";
import { marginOf } from "@/server/core/routing/fees";
import { createProposal } from "@/server/core/proposals/service";
import { registerProposalKind } from "@/server/core/proposals/registry";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { customerRefundTarget, requestCustomerRefund } from "./customer-refunds";
import { closeException, lockException, OPEN_STATUSES, recordEvent, releaseByLateLine, releaseSuspenseOf, todayOf } from "./exceptions";

// Resolutions of reconciliation differences, each a proposal (maker-checker; an owner or admin at
// or above the tenant's approval threshold). The approval does the resolution's work, posts through
// the ledger's templates (or reverses the difference's own suspense entry) and closes the exception,
// all in the approver's transaction:
//
//   ACCEPT_CHANNEL  the channel is right and one of our payments changes state (CORRECTED_BY_RECON):
//                   a revoked trade we hold succeeded, or a payment of ours the channel never had,
//                   is closed (its entries reversed); the suspense entry is released. On a FEE
//                   difference no state changes: the channel's fee becomes the payment's cost (its
//                   margin follows), the suspense entry is released and the cost difference is
//                   booked (channelCostCorrection; DIRECT tenants: the margin, 分润, moves instead)
//                   On an AMOUNT difference of a payment no state changes either: the channel's
//                   amount stands, the merchant is owed the difference (channelAmountCorrection:
//                   clearing against the merchant's pending payable; DIRECT: the memo mirror); the
//                   order keeps its amount
//   ACCEPT_OURS     our record is right (with evidence): the suspense entry is released and the
//                   claim stays on the channel's clearing account
//   WAIT            a payment of ours missing from the bills goes back to the cross-day pool: the
//                   suspense entry is released; if a later bill still lacks it, it is raised again
//   MATCH           a channel-only payment line is the same trade as a payment of ours (a suggested
//                   match): our payment succeeds if it had not, its pool item is released, and the
//                   line's suspense entry is released
//   REFUND_CUSTOMER a payment only the channel shows is refunded to its payer through the channel
//                   (customer-refunds.ts): approval sends it; the channel's success reverses the
//                   suspense entry and resolves the difference, its refusal sends it back to
//                   investigation
//   WRITE_OFF       (recon.write_off) a 短款 to write-off loss, a 长款 to unclaimed funds payable
//                   (never to loss or income)
//
// Proposing moves the exception to RESOLUTION_PROPOSED; a rejected or withdrawn proposal moves it
// back to INVESTIGATING. One resolution may be pending per exception.

export const RESOLUTION_ACTIONS = ["ACCEPT_CHANNEL", "ACCEPT_OURS", "WAIT", "MATCH", "REFUND_CUSTOMER", "WRITE_OFF"] as const;
export type ResolutionAction = (typeof RESOLUTION_ACTIONS)[number];

const note = z.string().trim().min(3).max(500);
export const ZResolve = z.discriminatedUnion("action", [
  z.object({ exceptionId: z.string().uuid(), action: z.literal("ACCEPT_CHANNEL"), note, to: z.enum(["CLOSED", "FAILED"]).optional() }),
  z.object({ exceptionId: z.string().uuid(), action: z.literal("ACCEPT_OURS"), note, evidence: z.string().trim().min(3).max(2000), attachmentRef: z.string().trim().max(500).optional() }),
  z.object({ exceptionId: z.string().uuid(), action: z.literal("WAIT"), note }),
  z.object({ exceptionId: z.string().uuid(), action: z.literal("MATCH"), note, paymentId: z.string().uuid() }),
  z.object({ exceptionId: z.string().uuid(), action: z.literal("REFUND_CUSTOMER"), note }),
]);
export type TResolve = z.infer<typeof ZResolve>;
export const ZWriteOff = z.object({ exceptionId: z.string().uuid(), note });

type ExceptionRow = Awaited<ReturnType<typeof lockException>>;

/** 长款 or 短款; null for a difference that moved no money (a payout's status, a bank line we cannot place). */
const directionOf = (e: ExceptionRow): "OVERAGE" | "SHORTAGE" | null => {
  const d = (e.details as { direction?: unknown } | null)?.direction;
  return d === "OVERAGE" || d === "SHORTAGE" ? d : null;
};

/** A write-off moves the difference's money to loss or unclaimed funds: it needs a direction. */
function writeOffDirection(direction: "OVERAGE" | "SHORTAGE" | null): "OVERAGE" | "SHORTAGE" {
  if (direction) return direction;
  throw new DomainError("PRECONDITION", "EXCEPTION_WITHOUT_DIRECTION", "This difference moved no money, so there is nothing to write off: accept our record (with evidence) or the channel's");
}

/** The difference, resolvable: a RECON_* exception not closed, with no other resolution pending. */
async function resolvable(tx: Tx, ctx: TenantContext, exceptionId: string, proposalId?: string) {
  const e = proposalId ? await lockException(tx, ctx, exceptionId) : await tx.exception.findFirst({ where: { tenantId: ctx.tenantId, id: exceptionId } });
  if (!e || !e.kind.startsWith("RECON_")) throw notFound("Reconciliation difference");
  if (!OPEN_STATUSES.includes(e.status)) throw new DomainError("PRECONDITION", "EXCEPTION_NOT_OPEN", "This difference has already been resolved");
  if (proposalId === undefined) {
    const pending = await tx.proposal.findFirst({ where: { tenantId: ctx.tenantId, status: "PENDING", kind: { in: ["recon.resolve", "recon.write_off"] }, payload: { path: ["exceptionId"], equals: exceptionId } }, select: { id: true } });
    if (pending || e.status === "RESOLUTION_PROPOSED") throw new DomainError("PRECONDITION", "EXCEPTION_RESOLUTION_PENDING", "A resolution of this difference is already waiting for approval; approve, reject or withdraw it first");
  } else if (e.proposalId && e.proposalId !== proposalId) {
    throw new DomainError("PRECONDITION", "EXCEPTION_RESOLUTION_PENDING", "Another resolution of this difference is pending");
  }
  const recon = await tx.reconItem.findFirst({ where: { tenantId: ctx.tenantId, id: e.causeId } });
  if (!recon) throw notFound("Reconciliation item");
  return { e, recon, direction: directionOf(e) };
}

async function checkAction(tx: Tx, ctx: TenantContext, p: TResolve, e: ExceptionRow, recon: { paymentId: string | null; refundId: string | null; diffType: string | null; lineId: string | null; channelAccountId: string; outcome: string; id: string; ourMinor: bigint | null }) {
  const type = e.kind.slice(6);
  if (p.action === "ACCEPT_CHANNEL" && type === "FEE") {
    const { deltaMinor } = await feeToAccept(tx, ctx, recon);
    return { amountMinor: deltaMinor < 0n ? -deltaMinor : deltaMinor };
  }
  if (p.action === "ACCEPT_CHANNEL" && type === "AMOUNT") {
    const { deltaMinor } = await amountToAccept(tx, ctx, recon);
    return { amountMinor: deltaMinor < 0n ? -deltaMinor : deltaMinor };
  }
  if (p.action === "ACCEPT_CHANNEL") {
    if (!recon.paymentId || (type !== "STATUS" && type !== "PLATFORM_ONLY"))
      throw new DomainError("PRECONDITION", "RESOLUTION_NOT_APPLICABLE", "Accepting the channel's record applies where one of our payments changes state (a revoked trade, or a payment the channel never had), or to the channel's fee or amount on a payment of ours; for this difference accept ours, wait or write it off");
    const payment = await tx.payment.findFirst({ where: { tenantId: ctx.tenantId, id: recon.paymentId }, select: { status: true, amountMinor: true } });
    if (!payment) throw notFound("Payment");
    if (payment.status !== "SUCCEEDED") throw new DomainError("PRECONDITION", "RESOLUTION_NOT_APPLICABLE", `Our payment is already ${payment.status.toLowerCase()}: nothing to correct`);
    return { amountMinor: payment.amountMinor > e.amountMinor ? payment.amountMinor : e.amountMinor };
  }
  if (p.action === "REFUND_CUSTOMER") {
    const target = await customerRefundTarget(tx, ctx, type, recon);
    return { amountMinor: target.refundMinor };
  }
  if (p.action === "WAIT") {
    if (type !== "PLATFORM_ONLY" || recon.outcome !== "DIFFERENCE") throw new DomainError("PRECONDITION", "RESOLUTION_NOT_APPLICABLE", "Only a payment of ours missing from the channel's bills can wait for a later file");
    return { amountMinor: e.amountMinor };
  }
  if (p.action === "MATCH") {
    const line = recon.lineId ? await tx.statementLine.findFirst({ where: { tenantId: ctx.tenantId, id: recon.lineId }, select: { kind: true, amountMinor: true } }) : null;
    if ((type !== "CHANNEL_ONLY" && type !== "UNKNOWN_SUB_MERCHANT") || !line || line.kind !== "PAYMENT") throw new DomainError("PRECONDITION", "RESOLUTION_NOT_APPLICABLE", "Only a payment line the channel shows and we do not can be matched to a payment of ours");
    const payment = await tx.payment.findFirst({ where: { tenantId: ctx.tenantId, id: p.paymentId }, select: { id: true, status: true, amountMinor: true, channelAccountId: true } });
    if (!payment) throw badInput("MATCH_PAYMENT_NOT_FOUND", "That payment does not exist", "paymentId");
    if (payment.channelAccountId !== recon.channelAccountId) throw badInput("MATCH_WRONG_ACCOUNT", "That payment went through another channel account", "paymentId");
    if (payment.amountMinor !== line.amountMinor) throw badInput("MATCH_AMOUNT_DIFFERS", "That payment's amount differs from the line's: a match needs the same amount", "paymentId");
    const taken = await tx.reconItem.findFirst({ where: { tenantId: ctx.tenantId, paymentId: payment.id, outcome: "MATCHED" }, select: { id: true } });
    const matchedLine = await tx.reconItem.findFirst({ where: { tenantId: ctx.tenantId, paymentId: payment.id, diffType: { in: ["CHANNEL_ONLY", "UNKNOWN_SUB_MERCHANT"] }, id: { not: recon.id } }, select: { id: true } });
    if (taken || matchedLine) throw new DomainError("PRECONDITION", "MATCH_PAYMENT_TAKEN", "That payment is already matched to a statement line");
    return { amountMinor: e.amountMinor };
  }
  return { amountMinor: e.amountMinor };
}

/**
 * A FEE difference the channel's way: the payment (still succeeded, its cost still the one the
 * reconciliation compared) and δ = the line's fee − our cost.
 */
async function feeToAccept(tx: Tx, ctx: TenantContext, recon: { paymentId: string | null; lineId: string | null; ourMinor?: bigint | null }) {
  const line = recon.lineId ? await tx.statementLine.findFirst({ where: { tenantId: ctx.tenantId, id: recon.lineId }, select: { feeMinor: true } }) : null;
  const payment = recon.paymentId ? await tx.payment.findFirst({ where: { tenantId: ctx.tenantId, id: recon.paymentId }, select: { id: true, status: true, merchantOrderNo: true, channelAccountId: true, feeMinor: true, costMinor: true, marginMinor: true } }) : null;
  if (!line || !payment) throw new DomainError("PRECONDITION", "RESOLUTION_NOT_APPLICABLE", "This fee difference has no statement line or payment to take the fee from");
  if (payment.status !== "SUCCEEDED") throw new DomainError("PRECONDITION", "RESOLUTION_NOT_APPLICABLE", `Our payment is ${payment.status.toLowerCase()} now: its fee no longer counts; write the difference off or accept ours`);
  if (recon.ourMinor != null && payment.costMinor !== recon.ourMinor)
    throw new DomainError("PRECONDITION", "RESOLUTION_NOT_APPLICABLE", "Our payment's channel cost has changed since this difference was found: nothing left to correct");
  const deltaMinor = line.feeMinor - payment.costMinor;
  if (deltaMinor === 0n) throw new DomainError("PRECONDITION", "RESOLUTION_NOT_APPLICABLE", "Our payment's channel cost already equals the channel's fee");
  return { payment, theirFeeMinor: line.feeMinor, deltaMinor };
}

/** An AMOUNT difference of a payment the channel's way: the payment (still succeeded, its amount the one compared) and δ = the line's amount − ours. */
async function amountToAccept(tx: Tx, ctx: TenantContext, recon: { paymentId: string | null; refundId: string | null; lineId: string | null; ourMinor?: bigint | null }) {
  const line = recon.lineId ? await tx.statementLine.findFirst({ where: { tenantId: ctx.tenantId, id: recon.lineId }, select: { kind: true, amountMinor: true } }) : null;
  const payment = recon.paymentId && !recon.refundId ? await tx.payment.findFirst({ where: { tenantId: ctx.tenantId, id: recon.paymentId }, select: { id: true, status: true, merchantId: true, merchantOrderNo: true, channelAccountId: true, amountMinor: true } }) : null;
  if (!line || line.kind !== "PAYMENT" || !payment) {
    throw new DomainError("PRECONDITION", "RESOLUTION_NOT_APPLICABLE", "Accepting the channel's amount applies to a payment's amount difference; for a refund's, accept ours, wait or write it off");
  }
  if (payment.status !== "SUCCEEDED") throw new DomainError("PRECONDITION", "RESOLUTION_NOT_APPLICABLE", `Our payment is ${payment.status.toLowerCase()} now: its amount no longer counts; write the difference off or accept ours`);
  if (recon.ourMinor != null && payment.amountMinor !== recon.ourMinor) throw new DomainError("PRECONDITION", "RESOLUTION_NOT_APPLICABLE", "Our payment's amount has changed since this difference was found: nothing left to correct");
  const deltaMinor = line.amountMinor - payment.amountMinor;
  if (deltaMinor === 0n) throw new DomainError("PRECONDITION", "RESOLUTION_NOT_APPLICABLE", "Our payment's amount already equals the channel's");
  return { payment, theirMinor: line.amountMinor, deltaMinor };
}

/** The channel's amount accepted: the merchant is owed the difference (the suspense entry is released by the caller). */
async function acceptChannelAmount(tx: Tx, ctx: TenantContext, recon: { paymentId: string | null; refundId: string | null; lineId: string | null; ourMinor?: bigint | null }, proposalId: string, note: string) {
  const { payment, theirMinor, deltaMinor } = await amountToAccept(tx, ctx, recon);
  const tenant = await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { settlementMode: true } });
  const opts = { businessDate: await todayOf(tx, ctx), idempotencyKey: `proposal:${proposalId}:amount`, causeType: "proposal", causeId: proposalId, description: `Channel amount accepted for ${payment.merchantOrderNo}: ${note}`.slice(0, 500) };
  const entry = await postEntry(tx, ctx, channelAmountCorrection(tenant.settlementMode, payment.channelAccountId, payment.merchantId, deltaMinor), opts);
  return { payment, theirMinor, entryId: entry.entryId };
}

/**
 * The channel's fee accepted: the payment's cost and margin become the channel's, the suspense
 * entry is released by the caller, and the cost difference is booked here (CUSTODIAL: channel cost
 * against clearing or fee payable; DIRECT: the margin receivable from the acquirer moves).
 */
async function acceptChannelFee(tx: Tx, ctx: TenantContext, recon: { paymentId: string | null; lineId: string | null; ourMinor?: bigint | null }, proposalId: string, note: string) {
  const { payment, theirFeeMinor, deltaMinor } = await feeToAccept(tx, ctx, recon);
  const tenant = await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { settlementMode: true } });
  const newMargin = marginOf(payment.feeMinor, theirFeeMinor);
  const opts = { businessDate: await todayOf(tx, ctx), idempotencyKey: `proposal:${proposalId}:cost`, causeType: "proposal", causeId: proposalId, description: `Channel fee accepted for ${payment.merchantOrderNo}: ${note}`.slice(0, 500) };
  let entryId: string | null = null;
  if (tenant.settlementMode === "CUSTODIAL") {
    const collection = await feeCollectionOf(tx, ctx, payment.channelAccountId);
    entryId = (await postEntry(tx, ctx, channelCostCorrection(payment.channelAccountId, deltaMinor, collection), opts)).entryId;
  } else {
    // Only a positive margin was booked (paymentEntries): move the booked amount to the new one.
    const booked = payment.marginMinor > 0n ? payment.marginMinor : 0n;
    const next = newMargin > 0n ? newMargin : 0n;
    if (next !== booked) entryId = (await postEntry(tx, ctx, next > booked ? margin(next - booked) : marginClawback(booked - next), opts)).entryId;
  }
  await tx.payment.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: payment.id } }, data: { costMinor: theirFeeMinor, marginMinor: newMargin } });
  return { payment, before: payment.costMinor, after: theirFeeMinor, entryId };
}

/**
 * A resolution may correct a payment (its entries posted or reversed), release suspense entries
 * (its own, and those of the payment's expired pool items) and refund: every account of that is
 * locked first, in the ledger's one order.
 */
async function lockResolution(tx: Tx, ctx: TenantContext, e: ExceptionRow, recon: { paymentId: string | null; channelAccountId: string }, matchedPaymentId?: string) {
  const mode = (await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { settlementMode: true } })).settlementMode;
  const paymentIds = [recon.paymentId, matchedPaymentId].filter((x): x is string => !!x);
  const payments = paymentIds.length ? await tx.payment.findMany({ where: { tenantId: ctx.tenantId, id: { in: paymentIds } }, select: { id: true, merchantId: true, channelAccountId: true, walletId: true } }) : [];
  const posted = payments.length ? await tx.journalEntry.findMany({ where: { tenantId: ctx.tenantId, causeType: "payment", causeId: { in: payments.map((x) => x.id) }, phase: "POSTED" }, select: { id: true } }) : [];
  const poolItems = payments.length ? await tx.reconItem.findMany({ where: { tenantId: ctx.tenantId, paymentId: { in: payments.map((x) => x.id) }, outcome: "DIFFERENCE" }, select: { id: true } }) : [];
  const suspense = poolItems.length ? await tx.exception.findMany({ where: { tenantId: ctx.tenantId, causeId: { in: poolItems.map((i) => i.id) }, suspenseEntryId: { not: null } }, select: { suspenseEntryId: true } }) : [];
  await lockAhead(tx, ctx, {
    entryIds: [e.suspenseEntryId, ...posted.map((x) => x.id), ...suspense.map((x) => x.suspenseEntryId)],
    refs: [...paymentLockRefs(mode, payments), ...(mode === "CUSTODIAL" ? [accounts.clearing(recon.channelAccountId), accounts.overageSuspense, accounts.shortageSuspense] : [])],
  });
}

async function executeResolve(tx: Tx, ctx: TenantContext, payload: unknown, proposal: { id: string }) {
  const p = ZResolve.parse(payload);
  const { e, recon } = await resolvable(tx, ctx, p.exceptionId, proposal.id);
  if (p.action === "REFUND_CUSTOMER") {
    // Checked and recorded in one step; nothing is posted or closed yet: the channel's answer does that (customer-refunds.ts).
    const refund = await requestCustomerRefund(tx, ctx, e, recon, proposal.id, p.note);
    return { exceptionId: e.id, status: e.status, customerRefundId: refund.id };
  }
  await checkAction(tx, ctx, p, e, recon);
  await lockResolution(tx, ctx, e, recon, "paymentId" in p ? p.paymentId : undefined);
  const key = `proposal:${proposal.id}:release`;
  let resolution: string;
  const data: Record<string, unknown> = { proposalId: proposal.id, action: p.action };
  if (p.action === "ACCEPT_CHANNEL" && e.kind === "RECON_FEE") {
    const fee = await acceptChannelFee(tx, ctx, recon, proposal.id, p.note);
    Object.assign(data, { paymentId: fee.payment.id, costBeforeMinor: String(fee.before), costAfterMinor: String(fee.after), entryId: fee.entryId });
    resolution = `Channel's fee accepted: cost of ${fee.payment.merchantOrderNo} ${fee.before} → ${fee.after} (minor units). ${p.note}`;
  } else if (p.action === "ACCEPT_CHANNEL" && e.kind === "RECON_AMOUNT") {
    const amount = await acceptChannelAmount(tx, ctx, recon, proposal.id, p.note);
    Object.assign(data, { paymentId: amount.payment.id, ourMinor: String(amount.payment.amountMinor), theirMinor: String(amount.theirMinor), entryId: amount.entryId });
    resolution = `Channel's amount accepted: ${amount.payment.merchantOrderNo} ${amount.payment.amountMinor} → ${amount.theirMinor} (minor units); the merchant's payable takes the difference. ${p.note}`;
  } else if (p.action === "ACCEPT_CHANNEL") {
    const after = await correctPaymentByRecon(tx, ctx, recon.paymentId!, { to: p.to ?? "CLOSED", reason: p.note, proposalId: proposal.id });
    data.paymentStatus = after.status;
    resolution = `Channel's record accepted: payment ${after.merchantOrderNo} ${after.status.toLowerCase()} (CORRECTED_BY_RECON). ${p.note}`;
  } else if (p.action === "ACCEPT_OURS") {
    resolution = `Our record accepted. Evidence: ${p.evidence}${p.attachmentRef ? ` [${p.attachmentRef}]` : ""}. ${p.note}`;
    data.evidence = p.evidence;
    if (p.attachmentRef) data.attachmentRef = p.attachmentRef;
  } else if (p.action === "WAIT") {
    const today = await todayOf(tx, ctx);
    await tx.reconItem.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: recon.id } }, data: { outcome: "PENDING", direction: null, poolUntil: new Date(`${today}T00:00:00Z`), note: `back in the cross-day pool from ${today}: ${p.note}`.slice(0, 500) } });
    resolution = `Waiting for a later file (back in the pending pool from ${today}). ${p.note}`;
  } else {
    const payment = await tx.payment.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id: p.paymentId } });
    if (payment.status === "PROCESSING") await applyOrRecordContradiction(tx, ctx, payment.id, { status: "SUCCEEDED" }, "STATEMENT");
    else if (payment.status !== "SUCCEEDED") await correctPaymentByRecon(tx, ctx, payment.id, { to: "SUCCEEDED", reason: `matched to statement line: ${p.note}`, proposalId: proposal.id });
    const file = await tx.statementFile.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id: recon.fileId }, select: { billDate: true } });
    const billDate = file.billDate.toISOString().slice(0, 10);
    // Our payment's own pool item (or its difference, if it expired) is released: the line was it.
    await tx.reconItem.updateMany({ where: { tenantId: ctx.tenantId, paymentId: payment.id, outcome: "PENDING", diffType: "PLATFORM_ONLY" }, data: { outcome: "RELEASED", note: `matched to a line of the bill of ${billDate}` } });
    const expired = await tx.reconItem.findMany({ where: { tenantId: ctx.tenantId, paymentId: payment.id, outcome: "DIFFERENCE", diffType: "PLATFORM_ONLY" }, select: { id: true } });
    for (const item of expired) await releaseByLateLine(tx, ctx, item.id, billDate);
    await tx.reconItem.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: recon.id } }, data: { paymentId: payment.id, note: `matched to ${payment.merchantOrderNo} by proposal ${proposal.id}`.slice(0, 500) } });
    data.paymentId = payment.id;
    resolution = `Matched to our payment ${payment.merchantOrderNo}. ${p.note}`;
  }
  const reversal = await releaseSuspenseOf(tx, ctx, e, key, `Released (${p.action.toLowerCase()}): ${p.note}`);
  data.releaseEntryId = reversal;
  await closeException(tx, ctx, e, "RESOLVED", resolution, data);
  return { exceptionId: e.id, status: "RESOLVED", releaseEntryId: reversal };
}

async function executeWriteOff(tx: Tx, ctx: TenantContext, payload: unknown, proposal: { id: string }) {
  const p = ZWriteOff.parse(payload);
  const resolved = await resolvable(tx, ctx, p.exceptionId, proposal.id);
  const { e } = resolved;
  const direction = writeOffDirection(resolved.direction);
  let entryId: string | null = null;
  // A suspense entry leaves suspense to loss (短款) or to unclaimed funds (长款); DIRECT tenants hold none.
  if (e.suspenseEntryId && e.amountMinor > 0n) {
    const today = await todayOf(tx, ctx);
    const original = e.businessDate.toISOString().slice(0, 10);
    const r = await postEntry(tx, ctx, direction === "SHORTAGE" ? writeOffShortage(e.amountMinor) : writeOffOverage(e.amountMinor), {
      businessDate: today,
      ...(original !== today ? { correctsDate: original } : {}),
      idempotencyKey: `proposal:${proposal.id}`,
      causeType: "proposal",
      causeId: proposal.id,
      description: `Written off: ${p.note}`.slice(0, 500),
    });
    entryId = r.entryId;
  }
  await closeException(tx, ctx, e, "WRITTEN_OFF", `Written off (${direction === "SHORTAGE" ? "to loss" : "to unclaimed funds"}): ${p.note}`, { proposalId: proposal.id, action: "WRITE_OFF", entryId });
  return { exceptionId: e.id, entryId };
}

async function decline(tx: Tx, ctx: TenantContext, payload: unknown, proposal: { id: string }) {
  const id = (payload as { exceptionId?: unknown } | null)?.exceptionId;
  if (typeof id !== "string") return;
  const e = await tx.exception.findFirst({ where: { tenantId: ctx.tenantId, id, proposalId: proposal.id } });
  if (!e || e.status !== "RESOLUTION_PROPOSED") return;
  await tx.exception.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id } }, data: { status: "INVESTIGATING", proposalId: null } });
  await recordEvent(tx, ctx, id, { kind: "DECLINED", from: e.status, to: "INVESTIGATING", data: { proposalId: proposal.id } });
}

registerProposalKind("recon.resolve", {
  async validate(tx, ctx, payload) {
    const p = ZResolve.parse(payload);
    const { e, recon } = await resolvable(tx, ctx, p.exceptionId);
    return checkAction(tx, ctx, p, e, recon);
  },
  execute: executeResolve,
  decline,
});

registerProposalKind("recon.write_off", {
  async validate(tx, ctx, payload) {
    const { e, direction } = await resolvable(tx, ctx, ZWriteOff.parse(payload).exceptionId);
    writeOffDirection(direction);
    return { amountMinor: e.amountMinor };
  },
  execute: executeWriteOff,
  decline,
});

/** Proposes a resolution of a difference (the maker's step): the exception waits in RESOLUTION_PROPOSED. */
export async function proposeResolution(tx: Tx, ctx: TenantContext, input: { reason: string } & ({ action: "WRITE_OFF"; exceptionId: string; note: string } | TResolve)) {
  const { reason, ...rest } = input;
  const before = await lockException(tx, ctx, input.exceptionId);
  const proposal =
    rest.action === "WRITE_OFF"
      ? await createProposal(tx, ctx, { kind: "recon.write_off", reason, payload: { exceptionId: rest.exceptionId, note: rest.note } })
      : await createProposal(tx, ctx, { kind: "recon.resolve", reason, payload: rest });
  await tx.exception.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: before.id } }, data: { status: "RESOLUTION_PROPOSED", proposalId: proposal.id } });
  await recordEvent(tx, ctx, before.id, { kind: "PROPOSED", from: before.status, to: "RESOLUTION_PROPOSED", body: reason, data: { proposalId: proposal.id, action: rest.action, requiresAdmin: proposal.requiresAdmin } });
  return proposal;
}
