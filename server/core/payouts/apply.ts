import type { ChannelExchange } from "@/server/channels/types";
import { notFound } from "@/server/core/errors/domain-error";
import type { AccountRef } from "@/server/core/ledger/chart";
import { lockAhead, postEntry } from "@/server/core/ledger/service";
import { accounts, payoutBankFailure, payoutBankSuccess, payoutReturned } from "@/server/core/ledger/templates";
import { publishWebhook, type WebhookEventType } from "@/server/core/webhooks/publish";
import { actorName, todayIn } from "@/server/core/wallets/mode";
import type { Prisma } from "@/server/db/generated/prisma/client";
import type { PayoutStatus } from "@/server/db/generated/prisma/enums";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { presentWithdrawal } from "./present";
import { assertPayoutMove } from "./state";

// The parts of the payout lifecycle that every step shares: the row as services show it (never
// the sealed account number), transitions, the source account, and applying a bank's answer to
// an IN_TRANSIT payout — its ledger entry, state, transition and webhook in the caller's
// transaction, so they commit together or not at all.

export const payoutSelect = {
  id: true,
  merchantId: true,
  source: true,
  walletId: true,
  requestNo: true,
  outPayoutNo: true,
  amountMinor: true,
  accountName: true,
  accountLast4: true,
  bankCode: true,
  status: true,
  holdId: true,
  batchId: true,
  channelAccountId: true,
  channelPayoutNo: true,
  failureCode: true,
  failureMessage: true,
  notifyUrl: true,
  businessDate: true,
  completedAt: true,
  createdBy: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.PayoutSelect;

export type PayoutRow = Prisma.PayoutGetPayload<{ select: typeof payoutSelect }>;


/** Where a payout's money comes from and goes back to: the wallet, or the merchant's available payable. */
export function sourceAccount(p: { source: "WALLET" | "MERCHANT"; walletId: string | null; merchantId: string }): AccountRef {
  if (p.source === "WALLET") {
    if (!p.walletId) throw new Error("a wallet payout without a wallet");
    return accounts.wallet(p.walletId);
  }
  return accounts.merchantAvailable(p.merchantId);
}

/** Locks the payout row for this transaction and reads it: two answers for one payout apply one after the other. */
export async function lockPayout(tx: Tx, ctx: TenantContext, id: string): Promise<PayoutRow> {
  const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM payout WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${id}::uuid FOR UPDATE`;
  if (!locked.length) throw notFound("Payout");
  return tx.payout.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id }, select: payoutSelect });
}

export async function recordTransition(
  tx: Tx,
  ctx: TenantContext,
  payoutId: string,
  from: PayoutStatus | null,
  to: PayoutStatus,
  cause: string,
  extra: { reason?: string | null; exchanges?: readonly ChannelExchange[] } = {},
): Promise<void> {
  await tx.payoutTransition.create({
    data: {
      tenantId: ctx.tenantId,
      payoutId,
      fromStatus: from,
      toStatus: to,
      cause,
      reason: extra.reason ? extra.reason.slice(0, 500) : null,
      actor: actorName(ctx),
      exchanges: (extra.exchanges ?? []) as unknown as Prisma.InputJsonValue,
    },
  });
}

async function tenantToday(tx: Tx, ctx: TenantContext): Promise<string> {
  const t = await tx.tenant.findFirst({ where: { id: ctx.tenantId }, select: { timeZone: true } });
  return todayIn(t?.timeZone ?? "Asia/Shanghai");
}

/** A wallet withdrawal's state change, announced to the merchant (merchant payouts are the settlement's to announce). */
export async function announce(tx: Tx, ctx: TenantContext, p: PayoutRow, type: WebhookEventType): Promise<void> {
  if (p.source !== "WALLET") return;
  await publishWebhook(tx, ctx, { merchantId: p.merchantId, type, objectType: "withdrawal", objectId: p.id, data: presentWithdrawal(p), notifyUrl: p.notifyUrl });
}

export interface PayoutChannelResult {
  readonly status: "PROCESSING" | "SUCCEEDED" | "FAILED" | "RETURNED";
  readonly channelPayoutNo?: string;
  readonly failure?: { readonly code: string; readonly message: string };
  readonly exchanges?: readonly ChannelExchange[];
}

/** Every account a bank's answer for this payout can post to (success, failure, return), for lock-ahead. */
export const payoutResultAccounts = (p: PayoutRow) => [accounts.withdrawalsInTransit, accounts.customerFundsBank, sourceAccount(p)];

async function moveTo(tx: Tx, ctx: TenantContext, p: PayoutRow, to: "SUCCEEDED" | "FAILED" | "RETURNED", result: PayoutChannelResult, cause: string, reason?: string): Promise<PayoutRow> {
  assertPayoutMove(p.status, to);
  const businessDate = await tenantToday(tx, ctx);
  const source = sourceAccount(p);
  const opts = (step: string) => ({ businessDate, idempotencyKey: `payout:${p.id}:${step}`, causeType: "payout", causeId: p.id, description: `Payout ${p.outPayoutNo} ${step}` });
  if (to === "SUCCEEDED") await postEntry(tx, ctx, payoutBankSuccess(p.amountMinor), opts("success"));
  // Back to the source automatically: a failed payout is never an exception to work by hand.
  else if (to === "FAILED") await postEntry(tx, ctx, payoutBankFailure(source, p.amountMinor), opts("failure"));
  else await postEntry(tx, ctx, payoutReturned(source, p.amountMinor), opts("returned"));
  const after = await tx.payout.update({
    where: { tenantId_id: { tenantId: ctx.tenantId, id: p.id } },
    data: {
      status: to,
      ...(result.channelPayoutNo ? { channelPayoutNo: result.channelPayoutNo } : {}),
      ...(to === "SUCCEEDED" || to === "FAILED" ? { completedAt: new Date() } : {}),
      ...(to !== "SUCCEEDED" ? { failureCode: result.failure?.code ?? to, failureMessage: result.failure?.message ?? reason ?? null } : {}),
    },
    select: payoutSelect,
  });
  await recordTransition(tx, ctx, p.id, p.status, to, cause, {
    reason: reason ?? (result.failure ? `${result.failure.code}: ${result.failure.message}` : null),
    exchanges: result.exchanges ?? [],
  });
  await announce(tx, ctx, after, to === "SUCCEEDED" ? "withdrawal.succeeded" : to === "FAILED" ? "withdrawal.failed" : "withdrawal.returned");
  return after;
}

/**
 * Applies a bank's answer to a payout (row locked in the caller's transaction). PROCESSING keeps
 * it IN_TRANSIT and records the exchange; a definite answer moves it with its ledger entry; the
 * same answer again changes nothing; RETURNED for an IN_TRANSIT payout is its success and then its
 * return. A contradiction of a final state is refused (ILLEGAL_TRANSITION) for a person to look at.
 */
export async function applyPayoutResult(tx: Tx, ctx: TenantContext, payoutId: string, result: PayoutChannelResult, cause: string): Promise<PayoutRow> {
  let p = await lockPayout(tx, ctx, payoutId);
  if (result.status === p.status) return p;
  if (result.status === "PROCESSING") {
    if (p.status !== "IN_TRANSIT") return p;
    const after = await tx.payout.update({
      where: { tenantId_id: { tenantId: ctx.tenantId, id: p.id } },
      // updatedAt moves: the query job asks again after its back-off from here.
      data: { updatedAt: new Date(), ...(result.channelPayoutNo && !p.channelPayoutNo ? { channelPayoutNo: result.channelPayoutNo } : {}) },
      select: payoutSelect,
    });
    if ((result.exchanges?.length ?? 0) > 0) await recordTransition(tx, ctx, p.id, p.status, p.status, cause, { reason: "still processing", exchanges: result.exchanges ?? [] });
    return after;
  }
  // A return after success posts two entries: every account a result can touch is locked first.
  await lockAhead(tx, ctx, { refs: payoutResultAccounts(p) });
  if (result.status === "RETURNED" && p.status === "IN_TRANSIT") {
    p = await moveTo(tx, ctx, p, "SUCCEEDED", { ...result, failure: undefined, exchanges: [] }, cause, "paid before it was returned");
  }
  const after = await moveTo(tx, ctx, p, result.status, result, cause);
  if (after.batchId) await completeBatchIfDone(tx, ctx, after.batchId);
  return after;
}

/** A released batch whose payouts all have a final answer is COMPLETED. */
export async function completeBatchIfDone(tx: Tx, ctx: TenantContext, batchId: string): Promise<void> {
  const open = await tx.payout.count({ where: { tenantId: ctx.tenantId, batchId, status: "IN_TRANSIT" } });
  if (open > 0) return;
  await tx.payoutBatch.updateMany({ where: { tenantId: ctx.tenantId, id: batchId, status: "RELEASED" }, data: { status: "COMPLETED", completedAt: new Date() } });
}
