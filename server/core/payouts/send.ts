import { connectorFor } from "@/server/channels/registry";
import { ChannelError, type ChannelAccountConfig, type Connector, type PayoutResult } from "@/server/channels/types";
import { connectorConfig } from "@/server/core/channels/accounts";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { requireCustodial } from "@/server/core/wallets/mode";
import { withTenantTx, type TenantContext } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import { applyPayoutResult, lockPayout, payoutSelect, recordTransition, type PayoutChannelResult, type PayoutRow } from "./apply";
import { openAccountNumber } from "./service";
import { outcomeOfBankStatus } from "./state";

// Sending a released SEND batch through the bank connector, and asking the bank about payouts
// still in transit. The three-step pattern of payments: read what to send in one short
// transaction, call the channel outside any, apply each answer in a transaction of its own. A
// payout counts as sent once a SENT transition records the bank's answer (or an unknown outcome);
// sending again is safe because banks deduplicate by our payout number (ACP answers 12, the
// sandbox answers the payout's state).

export const SENT = "SENT";
/** A payout still in transit is asked about again this long after its last change. */
export const QUERY_AFTER_MS = 10_000;

interface Outgoing {
  id: string;
  outPayoutNo: string;
  amountMinor: bigint;
  accountName: string;
  accountNumber: string;
  bankCode: string;
  memo: string;
}

/** One payout to the bank; its answer as a result to apply. Never throws for the channel's sake. */
async function callPayout(connector: Connector, account: ChannelAccountConfig, p: Outgoing): Promise<PayoutChannelResult & { definiteRefusal: boolean }> {
  if (!connector.payout) return { status: "FAILED", failure: { code: "NOT_SUPPORTED", message: "this channel cannot pay out" }, definiteRefusal: true };
  try {
    const answer: PayoutResult = await connector.payout({ account }, { outPayoutNo: p.outPayoutNo, amountMinor: p.amountMinor, accountNumber: p.accountNumber, accountName: p.accountName, bankName: p.bankCode, memo: p.memo });
    const status = answer.status === "NOT_FOUND" ? "PROCESSING" : answer.status;
    return { status, ...(answer.channelPayoutNo ? { channelPayoutNo: answer.channelPayoutNo } : {}), ...(answer.failure ? { failure: answer.failure } : {}), exchanges: answer.exchanges, definiteRefusal: false };
  } catch (error) {
    // Refused before anything was sent (the request itself is wrong): a definite failure, back to the source.
    if (error instanceof ChannelError && (error.code === "MALFORMED" || error.code === "NOT_SUPPORTED")) {
      return { status: "FAILED", failure: { code: error.code, message: error.message.slice(0, 300) }, definiteRefusal: true };
    }
    // Anything else may or may not have reached the bank: unknown, so it is queried (and resent if the bank never saw it).
    return { status: "PROCESSING", failure: { code: error instanceof ChannelError ? error.code : "CHANNEL_ERROR", message: (error as Error).message.slice(0, 300) }, definiteRefusal: false };
  }
}

/** Applies the answer to a send: the SENT mark and, when definite, the outcome (one transaction). */
async function applySend(ctx: TenantContext, payoutId: string, result: PayoutChannelResult): Promise<PayoutRow> {
  return withTenantTx(ctx.tenantId, async (tx) => {
    const p = await lockPayout(tx, ctx, payoutId);
    if (p.status !== "IN_TRANSIT") return p;
    if (result.status !== "PROCESSING") return applyPayoutResult(tx, ctx, payoutId, result, SENT);
    await recordTransition(tx, ctx, p.id, p.status, p.status, SENT, {
      reason: result.failure ? `${result.failure.code}: ${result.failure.message}` : "accepted by the bank; result to follow",
      exchanges: result.exchanges ?? [],
    });
    return tx.payout.update({
      where: { tenantId_id: { tenantId: ctx.tenantId, id: p.id } },
      data: { updatedAt: new Date(), ...(result.channelPayoutNo ? { channelPayoutNo: result.channelPayoutNo } : {}) },
      select: payoutSelect,
    });
  });
}

async function loadOutgoing(ctx: TenantContext, filter: { batchId?: string; payoutId?: string }) {
  return withTenantTx(ctx.tenantId, async (tx) => {
    await requireCustodial(tx, ctx);
    const rows = await tx.payout.findMany({
      where: { tenantId: ctx.tenantId, status: "IN_TRANSIT", ...(filter.batchId ? { batchId: filter.batchId } : {}), ...(filter.payoutId ? { id: filter.payoutId } : {}) },
      orderBy: { outPayoutNo: "asc" },
      select: { id: true, outPayoutNo: true, amountMinor: true, accountName: true, accountNumber: true, bankCode: true, requestNo: true, source: true, channelAccountId: true, batch: { select: { delivery: true } } },
    });
    const sent = await tx.payoutTransition.findMany({ where: { tenantId: ctx.tenantId, payoutId: { in: rows.map((r) => r.id) }, cause: SENT }, select: { payoutId: true } });
    const sentIds = new Set(sent.map((s) => s.payoutId));
    const accounts = new Map<string, ChannelAccountConfig>();
    for (const id of new Set(rows.map((r) => r.channelAccountId).filter((x): x is string => x !== null))) accounts.set(id, await connectorConfig(tx, ctx, id));
    return rows.flatMap((r) => {
      const account = r.channelAccountId ? accounts.get(r.channelAccountId) : undefined;
      if (r.batch?.delivery !== "SEND" || !account) return [];
      const payout: Outgoing = { id: r.id, outPayoutNo: r.outPayoutNo, amountMinor: r.amountMinor, accountName: r.accountName, accountNumber: openAccountNumber(ctx, r.id, r.accountNumber), bankCode: r.bankCode, memo: `${r.source === "WALLET" ? "W" : "S"} ${r.requestNo}` };
      return [{ payout, account, sent: sentIds.has(r.id) }];
    });
  });
}

/**
 * Sends every IN_TRANSIT payout of a released SEND batch that has not been sent yet (the outbox
 * handler after approval; "send now" in the console for a retry). Returns how many went out.
 */
export async function sendBatch(ctx: TenantContext, batchId: string): Promise<{ sent: number; settled: number }> {
  const batch = await withTenantTx(ctx.tenantId, async (tx) => {
    await requireCustodial(tx, ctx);
    return tx.payoutBatch.findFirst({ where: { tenantId: ctx.tenantId, id: batchId }, select: { status: true, delivery: true } });
  });
  if (!batch) throw notFound("Payout batch");
  if (batch.delivery !== "SEND") throw new DomainError("PRECONDITION", "BATCH_NOT_SEND", "This batch is delivered as a payout file, not sent");
  if (batch.status !== "RELEASED") return { sent: 0, settled: 0 };
  const outgoing = (await loadOutgoing(ctx, { batchId })).filter((o) => !o.sent);
  let settled = 0;
  for (const o of outgoing) {
    const result = await callPayout(connectorFor(o.account.channelType), o.account, o.payout);
    const after = await applySend(ctx, o.payout.id, result);
    if (after.status !== "IN_TRANSIT") settled += 1;
  }
  return { sent: outgoing.length, settled };
}

/** Asks the bank about one IN_TRANSIT payout of a SEND batch (sending it first if it never went out) and applies the answer. */
export async function queryPayoutNow(ctx: TenantContext, payoutId: string): Promise<PayoutRow> {
  const [o] = await loadOutgoing(ctx, { payoutId });
  if (!o) {
    // Not in transit (or a FILE batch's, whose results come in the bank's file): nothing to ask.
    return withTenantTx(ctx.tenantId, async (tx) => {
      await requireCustodial(tx, ctx);
      const p = await tx.payout.findFirst({ where: { tenantId: ctx.tenantId, id: payoutId }, select: { id: true } });
      if (!p) throw notFound("Payout");
      return lockPayout(tx, ctx, payoutId);
    });
  }
  const connector = connectorFor(o.account.channelType);
  if (!o.sent) return applySend(ctx, payoutId, await callPayout(connector, o.account, o.payout));
  if (!connector.queryPayout) return applySend(ctx, payoutId, { status: "PROCESSING", failure: { code: "NOT_SUPPORTED", message: "this channel cannot be asked about payouts" } });
  const answer = await connector.queryPayout({ account: o.account }, { outPayoutNo: o.payout.outPayoutNo });
  const outcome = outcomeOfBankStatus(answer.status);
  if (outcome === "RESEND") return applySend(ctx, payoutId, await callPayout(connector, o.account, o.payout));
  return withTenantTx(ctx.tenantId, (tx) =>
    applyPayoutResult(
      tx,
      ctx,
      payoutId,
      {
        status: outcome === "WAIT" ? "PROCESSING" : outcome,
        ...(answer.channelPayoutNo ? { channelPayoutNo: answer.channelPayoutNo } : {}),
        ...(answer.failure ? { failure: answer.failure } : {}),
        exchanges: answer.exchanges,
      },
      "QUERY",
    ),
  );
}

/** The query job: payouts in transit whose last change is older than QUERY_AFTER_MS, oldest first. */
export async function queryDuePayouts(ctx: TenantContext, now = new Date(), limit = 50): Promise<{ queried: number; settled: number }> {
  const due = await withTenantTx(ctx.tenantId, (tx) =>
    tx.payout.findMany({
      where: { tenantId: ctx.tenantId, status: "IN_TRANSIT", updatedAt: { lte: new Date(now.getTime() - QUERY_AFTER_MS) }, batch: { delivery: "SEND" } },
      orderBy: { updatedAt: "asc" },
      take: limit,
      select: { id: true },
    }),
  );
  let settled = 0;
  for (const { id } of due) {
    try {
      const after = await queryPayoutNow(ctx, id);
      if (after.status !== "IN_TRANSIT") settled += 1;
    } catch (error) {
      logger.warn({ tenantId: ctx.tenantId, payoutId: id, err: (error as Error).message }, "payout query failed; will retry");
      // Move it to the back of the queue, so one payout that keeps failing does not block the rest.
      await withTenantTx(ctx.tenantId, (tx) => tx.payout.updateMany({ where: { tenantId: ctx.tenantId, id, status: "IN_TRANSIT" }, data: { updatedAt: new Date() } })).catch(() => undefined);
    }
  }
  return { queried: due.length, settled };
}
