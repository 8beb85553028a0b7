import { randomBytes, randomUUID } from "node:crypto";
import { connectorFor } from "@/server/channels/registry";
import { recordAudit } from "@/server/core/audit/service";
import { DomainError, isDomainError, notFound } from "@/server/core/errors/domain-error";
import { createHold, voidHold } from "@/server/core/ledger/service";
import { payoutHold } from "@/server/core/ledger/templates";
import { createProposal } from "@/server/core/proposals/service";
import { open, seal } from "@/server/core/secrets/envelope";
import { actorName, isUniqueViolation, requireCustodial, todayIn } from "@/server/core/wallets/mode";
import { insufficientBalance, walletNotFound } from "@/server/core/wallets/service";
import type { Prisma } from "@/server/db/generated/prisma/client";
import type { PayoutSource } from "@/server/db/generated/prisma/enums";
import { afterCreatedAtDesc, clampLimit, cursorOfCreatedAt, toPage } from "@/server/db/keyset";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { batchResults } from "./results";
import { applyPayoutResult, lockPayout, payoutSelect, recordTransition, sourceAccount, type PayoutRow } from "./apply";
import { renderPayoutFile } from "./file";
import { BATCH_RELEASE_KIND } from "./proposal-kinds";
import {
  ZBatchFind,
  ZBatchGather,
  ZBatchPropose,
  ZMerchantPayoutCreate,
  ZPayoutCancel,
  ZPayoutFind,
  ZPayoutReturn,
  ZWithdrawalCreate,
  type TBatchFind,
  type TBatchGather,
  type TBatchPropose,
  type TMerchantPayoutCreate,
  type TPayoutCancel,
  type TPayoutFind,
  type TPayoutReturn,
  type TWithdrawalCreate,
} from "./schema";
import { assertBatchMove, assertPayoutMove } from "./state";

// Payouts (代付, CUSTODIAL only; ARCHITECTURE.md §5): one lifecycle for wallet withdrawals and
// merchant payouts. A request puts the amount on hold at once (Dr source / Cr withdrawals in
// transit, pending), so the source cannot spend it twice; the hold is voided on cancel, or posted
// when the batch's release is approved (release.ts), and the bank's answer settles it (apply.ts).
// The account number is sealed (AAD bound to the payout row) and only its last four are shown.

const ACCOUNT_FIELD = "accountNumber";
const sealContext = (ctx: TenantContext, payoutId: string) => ({ tenantId: ctx.tenantId, table: "payout", rowId: payoutId, field: ACCOUNT_FIELD });

/** Our payout number at the bank: ≤ 32 of [A-Za-z0-9] (the ACP order id), unique per tenant. */
function newOutPayoutNo(businessDate: string): string {
  return `PO${businessDate.replaceAll("-", "")}${randomBytes(8).toString("hex").toUpperCase()}`;
}

/** The full account number, for the bank call or the payout file only: never returned to a page. */
export function openAccountNumber(ctx: TenantContext, payoutId: string, sealed: string): string {
  return open(sealContext(ctx, payoutId), sealed);
}

interface PayoutRequest {
  merchantId: string;
  source: PayoutSource;
  walletId: string | null;
  requestNo: string;
  amountMinor: bigint;
  bankAccount: { name: string; number: string; bankCode: string };
  notifyUrl: string | null;
}

function requestNoTaken(source: PayoutSource, no: string, payoutId?: string): DomainError {
  return source === "WALLET"
    ? new DomainError("CONFLICT", "MERCHANT_WITHDRAWAL_NO_TAKEN", `The withdrawal number ${no} has already been used`, { field: "merchantWithdrawalNo", ...(payoutId ? { params: { withdrawalId: payoutId } } : {}) })
    : new DomainError("CONFLICT", "PAYOUT_REQUEST_NO_TAKEN", `The payout reference ${no} has already been used`, { field: "requestNo", ...(payoutId ? { params: { payoutId } } : {}) });
}

async function requestPayout(tx: Tx, ctx: TenantContext, r: PayoutRequest): Promise<PayoutRow> {
  const { timeZone } = await requireCustodial(tx, ctx);
  const taken = await tx.payout.findFirst({ where: { tenantId: ctx.tenantId, merchantId: r.merchantId, source: r.source, requestNo: r.requestNo }, select: { id: true } });
  if (taken) throw requestNoTaken(r.source, r.requestNo, taken.id);
  const id = randomUUID();
  const businessDate = todayIn(timeZone);
  const source = sourceAccount({ source: r.source, walletId: r.walletId, merchantId: r.merchantId });
  let holdId: string;
  try {
    // No expiry: a payout's hold lives until the payout is cancelled or released, however long that takes.
    const hold = await createHold(tx, ctx, payoutHold(source, r.amountMinor), {
      businessDate,
      idempotencyKey: `payout:${id}:hold`,
      causeType: "payout",
      causeId: id,
      description: `${r.source === "WALLET" ? "Withdrawal" : "Merchant payout"} ${r.requestNo}`,
    });
    holdId = hold.holdId;
  } catch (e) {
    if (isDomainError(e) && e.code === "INSUFFICIENT_FUNDS") {
      throw r.source === "WALLET" ? insufficientBalance("amountMinor", e) : new DomainError("INVARIANT", "INSUFFICIENT_MERCHANT_BALANCE", "The merchant's available balance does not cover this payout", { field: "amountMinor", cause: e });
    }
    throw e;
  }
  let payout: PayoutRow;
  try {
    payout = await tx.payout.create({
      data: {
        tenantId: ctx.tenantId,
        id,
        merchantId: r.merchantId,
        source: r.source,
        walletId: r.walletId,
        requestNo: r.requestNo,
        outPayoutNo: newOutPayoutNo(businessDate),
        amountMinor: r.amountMinor,
        accountName: r.bankAccount.name,
        accountNumber: seal(sealContext(ctx, id), r.bankAccount.number),
        accountLast4: r.bankAccount.number.slice(-4),
        bankCode: r.bankAccount.bankCode.toUpperCase(),
        status: "HELD",
        holdId,
        notifyUrl: r.notifyUrl,
        businessDate: new Date(`${businessDate}T00:00:00Z`),
        createdBy: actorName(ctx),
      },
      select: payoutSelect,
    });
  } catch (e) {
    // A concurrent request with the same number won; this one's hold rolls back with it.
    if (isUniqueViolation(e)) throw requestNoTaken(r.source, r.requestNo);
    throw e;
  }
  await recordTransition(tx, ctx, id, null, "HELD", "REQUESTED", { reason: `hold ${holdId}` });
  return payout;
}

/** A wallet withdrawal (提现): the wallet's amount on hold until the payout's outcome. */
export async function requestWithdrawal(tx: Tx, ctx: TenantContext, raw: TWithdrawalCreate): Promise<PayoutRow> {
  const input = ZWithdrawalCreate.parse(raw);
  await requireCustodial(tx, ctx);
  const wallet = await tx.wallet.findFirst({ where: { tenantId: ctx.tenantId, merchantId: input.merchantId, id: input.walletId }, select: { status: true } });
  if (!wallet) throw walletNotFound("walletId");
  if (wallet.status !== "ACTIVE") throw new DomainError("PRECONDITION", "WALLET_NOT_ACTIVE", `walletId: the wallet is ${wallet.status.toLowerCase()}`, { field: "walletId" });
  return requestPayout(tx, ctx, {
    merchantId: input.merchantId,
    source: "WALLET",
    walletId: input.walletId,
    requestNo: input.merchantWithdrawalNo,
    amountMinor: input.amountMinor,
    bankAccount: input.bankAccount,
    notifyUrl: input.notifyUrl ?? null,
  });
}

/** A merchant payout from its available payable (for the settlement run of a later issue). */
export async function requestMerchantPayout(tx: Tx, ctx: TenantContext, raw: TMerchantPayoutCreate): Promise<PayoutRow> {
  const input = ZMerchantPayoutCreate.parse(raw);
  await requireCustodial(tx, ctx);
  const merchant = await tx.merchant.findFirst({ where: { tenantId: ctx.tenantId, id: input.merchantId }, select: { id: true } });
  if (!merchant) throw notFound("Merchant");
  return requestPayout(tx, ctx, { merchantId: input.merchantId, source: "MERCHANT", walletId: null, requestNo: input.requestNo, amountMinor: input.amountMinor, bankAccount: input.bankAccount, notifyUrl: null });
}

/** Cancels a payout before its batch is proposed: the hold is voided, the funds are available again. */
export async function cancelPayout(tx: Tx, ctx: TenantContext, raw: TPayoutCancel): Promise<PayoutRow> {
  const input = ZPayoutCancel.parse(raw);
  const { timeZone } = await requireCustodial(tx, ctx);
  const p = await lockPayout(tx, ctx, input.id);
  assertPayoutMove(p.status, "CANCELLED");
  if (p.batchId) {
    const batch = await tx.payoutBatch.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id: p.batchId }, select: { status: true } });
    if (batch.status !== "OPEN") throw new DomainError("PRECONDITION", "PAYOUT_IN_PROPOSED_BATCH", "This payout's batch has been proposed for release; reject or withdraw the proposal first");
  }
  if (!p.holdId) throw new DomainError("INVARIANT", "PAYOUT_WITHOUT_HOLD", "This payout has no hold");
  await voidHold(tx, ctx, p.holdId, { businessDate: todayIn(timeZone), idempotencyKey: `payout:${p.id}:cancel`, kind: "payout.cancel", causeType: "payout", causeId: p.id, description: `Payout ${p.outPayoutNo} cancelled` });
  if (p.batchId) {
    await tx.payoutBatch.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: p.batchId } }, data: { count: { decrement: 1 }, totalMinor: { decrement: p.amountMinor } } });
  }
  const after = await tx.payout.update({
    where: { tenantId_id: { tenantId: ctx.tenantId, id: p.id } },
    data: { status: "CANCELLED", batchId: null, completedAt: new Date(), failureCode: "CANCELLED", failureMessage: input.reason },
    select: payoutSelect,
  });
  await recordTransition(tx, ctx, p.id, p.status, "CANCELLED", "CANCELLED", { reason: input.reason });
  await recordAudit(tx, ctx, { action: "payout.cancel", entityType: "payout", entityId: p.id, before: { status: p.status }, after: { status: "CANCELLED", reason: input.reason } });
  return after;
}

/** The tenant's enabled channel accounts that can pay out, bank accounts first. */
export async function payoutChannelAccounts(tx: Tx, ctx: TenantContext) {
  const rows = await tx.channelAccount.findMany({
    where: { tenantId: ctx.tenantId, enabled: true },
    orderBy: [{ priority: "asc" }, { createdAt: "asc" }],
    select: { id: true, name: true, channelType: true },
  });
  return rows.filter((r) => connectorFor(r.channelType).attributes.supportsPayout).sort((a, b) => Number(b.channelType === "BANK") - Number(a.channelType === "BANK"));
}

/** Settlement mode and payout channel accounts: what the console's payout pages start from. */
export async function payoutsOverview(tx: Tx, ctx: TenantContext) {
  const tenant = await tx.tenant.findFirst({ where: { id: ctx.tenantId }, select: { settlementMode: true } });
  if (!tenant) throw notFound("Service provider");
  if (tenant.settlementMode !== "CUSTODIAL") return { settlementMode: tenant.settlementMode, payoutChannelAccounts: [], heldCount: 0, heldMinor: 0n };
  const held = await tx.payout.aggregate({ where: { tenantId: ctx.tenantId, status: "HELD" }, _count: { _all: true }, _sum: { amountMinor: true } });
  return { settlementMode: tenant.settlementMode, payoutChannelAccounts: await payoutChannelAccounts(tx, ctx), heldCount: held._count._all, heldMinor: held._sum.amountMinor ?? 0n };
}

export const batchSelect = {
  id: true,
  channelAccountId: true,
  status: true,
  count: true,
  totalMinor: true,
  proposalId: true,
  delivery: true,
  fileName: true,
  releasedAt: true,
  completedAt: true,
  createdBy: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.PayoutBatchSelect;

/**
 * Gathers every HELD payout into the OPEN batch of a payout channel account (made if there is
 * none) for one delivery. Payouts gathered concurrently by two people land once: the HELD rows
 * are claimed with SKIP LOCKED, and only rows still HELD move.
 */
export async function gatherBatch(tx: Tx, ctx: TenantContext, raw: TBatchGather) {
  const input = ZBatchGather.parse(raw);
  await requireCustodial(tx, ctx);
  const candidates = await payoutChannelAccounts(tx, ctx);
  const account = input.channelAccountId ? candidates.find((c) => c.id === input.channelAccountId) : candidates[0];
  if (!account) {
    if (input.channelAccountId) {
      const exists = await tx.channelAccount.findFirst({ where: { tenantId: ctx.tenantId, id: input.channelAccountId }, select: { id: true } });
      if (!exists) throw notFound("Channel account");
      throw new DomainError("PRECONDITION", "CHANNEL_CANNOT_PAY_OUT", "This channel account cannot pay out (disabled, or its channel has no payouts)", { field: "channelAccountId" });
    }
    throw new DomainError("PRECONDITION", "NO_PAYOUT_CHANNEL", "No enabled channel account can pay out; add a bank channel account first");
  }
  const held = await tx.$queryRaw<Array<{ id: string; amount_minor: bigint }>>`
    SELECT id, amount_minor FROM payout WHERE tenant_id = ${ctx.tenantId}::uuid AND status = 'HELD'
     ORDER BY created_at, id LIMIT 5000 FOR UPDATE SKIP LOCKED`;
  if (held.length === 0) throw new DomainError("PRECONDITION", "NO_PAYOUTS_TO_GATHER", "There are no held payouts to gather");
  const me = actorName(ctx);
  const existing = await tx.payoutBatch.findFirst({ where: { tenantId: ctx.tenantId, channelAccountId: account.id, status: "OPEN", delivery: input.delivery }, orderBy: { createdAt: "desc" }, select: { id: true } });
  const batchId = existing?.id ?? (await tx.payoutBatch.create({ data: { tenantId: ctx.tenantId, channelAccountId: account.id, delivery: input.delivery, createdBy: me }, select: { id: true } })).id;
  const ids = held.map((h) => h.id);
  const total = held.reduce((s, h) => s + BigInt(h.amount_minor), 0n);
  await tx.payout.updateMany({ where: { tenantId: ctx.tenantId, id: { in: ids }, status: "HELD" }, data: { status: "BATCHED", batchId, channelAccountId: account.id } });
  await tx.payoutTransition.createMany({
    data: ids.map((payoutId) => ({ tenantId: ctx.tenantId, payoutId, fromStatus: "HELD" as const, toStatus: "BATCHED" as const, cause: "GATHERED", reason: `batch ${batchId}`, actor: me })),
  });
  await tx.payoutBatch.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: batchId } }, data: { count: { increment: ids.length }, totalMinor: { increment: total } } });
  await recordAudit(tx, ctx, { action: "payout_batch.gather", entityType: "payout_batch", entityId: batchId, after: { added: ids.length, addedMinor: total, channelAccountId: account.id, delivery: input.delivery } });
  return tx.payoutBatch.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id: batchId }, select: batchSelect });
}

/** Proposes an OPEN batch's release (maker); another person approves it in the proposals queue (checker). */
export async function proposeRelease(tx: Tx, ctx: TenantContext, raw: TBatchPropose) {
  const input = ZBatchPropose.parse(raw);
  await requireCustodial(tx, ctx);
  const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM payout_batch WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${input.batchId}::uuid FOR UPDATE`;
  if (!locked.length) throw notFound("Payout batch");
  const batch = await tx.payoutBatch.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id: input.batchId }, select: batchSelect });
  if (batch.count === 0) throw new DomainError("PRECONDITION", "BATCH_EMPTY", "This batch has no payouts");
  assertBatchMove(batch.status, "PROPOSED");
  const proposal = await createProposal(tx, ctx, {
    kind: BATCH_RELEASE_KIND,
    payload: { batchId: batch.id, count: batch.count, totalMinor: batch.totalMinor.toString() },
    reason: input.reason,
  });
  return tx.payoutBatch.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: batch.id } }, data: { status: "PROPOSED", proposalId: proposal.id }, select: batchSelect });
}

const payoutListSelect = { ...payoutSelect, merchant: { select: { shortName: true } } } as const satisfies Prisma.PayoutSelect;

export async function findPayouts(tx: Tx, ctx: TenantContext, raw: TPayoutFind) {
  const input = ZPayoutFind.parse(raw);
  await requireCustodial(tx, ctx);
  const limit = clampLimit(input.limit);
  const date = (d: string) => new Date(`${d}T00:00:00Z`);
  const rows = await tx.payout.findMany({
    where: {
      tenantId: ctx.tenantId,
      ...(input.status ? { status: input.status } : {}),
      ...(input.source ? { source: input.source } : {}),
      ...(input.merchantId ? { merchantId: input.merchantId } : {}),
      ...(input.walletId ? { walletId: input.walletId } : {}),
      ...(input.batchId ? { batchId: input.batchId } : {}),
      ...(input.businessDateFrom || input.businessDateTo
        ? { businessDate: { ...(input.businessDateFrom ? { gte: date(input.businessDateFrom) } : {}), ...(input.businessDateTo ? { lte: date(input.businessDateTo) } : {}) } }
        : {}),
      AND: [...(input.number ? [{ OR: [{ requestNo: input.number }, { outPayoutNo: input.number }] }] : []), afterCreatedAtDesc(input.cursor)],
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: payoutListSelect,
  });
  const page = toPage(rows, limit, cursorOfCreatedAt);
  return { items: page.items.map(({ merchant, ...p }) => ({ ...p, merchantName: merchant.shortName })), nextCursor: page.nextCursor };
}

export async function getPayout(tx: Tx, ctx: TenantContext, id: string, scope: { merchantId?: string; source?: PayoutSource } = {}) {
  await requireCustodial(tx, ctx);
  const p = await tx.payout.findFirst({
    where: { tenantId: ctx.tenantId, id, ...(scope.merchantId ? { merchantId: scope.merchantId } : {}), ...(scope.source ? { source: scope.source } : {}) },
    select: { ...payoutListSelect, batch: { select: { status: true, proposalId: true, delivery: true } } },
  });
  if (!p) throw notFound("Payout");
  const { merchant, batch, ...rest } = p;
  const wallet = rest.walletId ? await tx.wallet.findFirst({ where: { tenantId: ctx.tenantId, id: rest.walletId }, select: { externalUserId: true } }) : null;
  const channelAccount = rest.channelAccountId ? await tx.channelAccount.findFirst({ where: { tenantId: ctx.tenantId, id: rest.channelAccountId }, select: { name: true, channelType: true } }) : null;
  return {
    ...rest,
    businessDate: rest.businessDate.toISOString().slice(0, 10),
    merchantName: merchant.shortName,
    walletExternalUserId: wallet?.externalUserId ?? null,
    batch,
    channelAccountName: channelAccount?.name ?? null,
    channelType: channelAccount?.channelType ?? null,
  };
}

/** The payout with its timeline: every transition with actor, time, reason and the bank exchanges. */
export async function getPayoutDetail(tx: Tx, ctx: TenantContext, id: string) {
  const payout = await getPayout(tx, ctx, id);
  return { ...payout, transitions: await payoutTransitions(tx, ctx, id) };
}

export async function payoutTransitions(tx: Tx, ctx: TenantContext, id: string) {
  await getPayout(tx, ctx, id);
  return tx.payoutTransition.findMany({
    where: { tenantId: ctx.tenantId, payoutId: id },
    orderBy: { createdAt: "asc" },
    select: { id: true, fromStatus: true, toStatus: true, cause: true, reason: true, actor: true, exchanges: true, createdAt: true },
  });
}

export async function findBatches(tx: Tx, ctx: TenantContext, raw: TBatchFind) {
  const input = ZBatchFind.parse(raw);
  await requireCustodial(tx, ctx);
  const limit = clampLimit(input.limit);
  const rows = await tx.payoutBatch.findMany({
    where: { tenantId: ctx.tenantId, ...(input.status ? { status: input.status } : {}), ...afterCreatedAtDesc(input.cursor) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: batchSelect,
  });
  const page = toPage(rows, limit, cursorOfCreatedAt);
  const names = await tx.channelAccount.findMany({ where: { tenantId: ctx.tenantId, id: { in: [...new Set(page.items.map((b) => b.channelAccountId))] } }, select: { id: true, name: true } });
  const nameOf = new Map(names.map((n) => [n.id, n.name]));
  return { items: page.items.map((b) => ({ ...b, channelAccountName: nameOf.get(b.channelAccountId) ?? null })), nextCursor: page.nextCursor };
}

/** A batch with its payouts (status counts, the list) and its proposal's state. */
export async function getBatch(tx: Tx, ctx: TenantContext, id: string) {
  await requireCustodial(tx, ctx);
  const batch = await tx.payoutBatch.findFirst({ where: { tenantId: ctx.tenantId, id }, select: batchSelect });
  if (!batch) throw notFound("Payout batch");
  const payouts = await tx.payout.findMany({ where: { tenantId: ctx.tenantId, batchId: id }, orderBy: { outPayoutNo: "asc" }, take: 1000, select: payoutListSelect });
  const proposal = batch.proposalId
    ? await tx.proposal.findFirst({ where: { tenantId: ctx.tenantId, id: batch.proposalId }, select: { id: true, status: true, proposedBy: true, proposedAt: true, decidedBy: true, decidedAt: true, reason: true, requiresAdmin: true } })
    : null;
  const channelAccount = await tx.channelAccount.findFirst({ where: { tenantId: ctx.tenantId, id: batch.channelAccountId }, select: { name: true, channelType: true } });
  const byStatus: Record<string, number> = {};
  for (const p of payouts) byStatus[p.status] = (byStatus[p.status] ?? 0) + 1;
  return {
    ...batch,
    channelAccountName: channelAccount?.name ?? null,
    channelType: channelAccount?.channelType ?? null,
    proposal,
    byStatus,
    results: await batchResults(tx, ctx, id),
    payouts: payouts.map(({ merchant, ...p }) => ({ ...p, merchantName: merchant.shortName })),
  };
}

/**
 * The payout file of a released FILE batch, with full account numbers (that is what the bank
 * needs), for a person to upload at the bank. Every download is audited.
 */
export async function downloadBatchFile(tx: Tx, ctx: TenantContext, id: string): Promise<{ fileName: string; content: string; count: number; totalMinor: bigint }> {
  await requireCustodial(tx, ctx);
  const batch = await tx.payoutBatch.findFirst({ where: { tenantId: ctx.tenantId, id }, select: batchSelect });
  if (!batch) throw notFound("Payout batch");
  if (batch.delivery !== "FILE") throw new DomainError("PRECONDITION", "BATCH_NOT_FILE", "This batch is sent through the bank connector; it has no payout file");
  if (!batch.releasedAt || !batch.fileName) throw new DomainError("PRECONDITION", "BATCH_NOT_RELEASED", "The payout file exists once the batch's release is approved");
  const payouts = await tx.payout.findMany({
    where: { tenantId: ctx.tenantId, batchId: id, status: { not: "CANCELLED" } },
    orderBy: { outPayoutNo: "asc" },
    select: { id: true, outPayoutNo: true, requestNo: true, source: true, amountMinor: true, accountName: true, accountNumber: true, bankCode: true },
  });
  const content = renderPayoutFile(
    batch.id,
    batch.releasedAt,
    payouts.map((p) => ({
      outPayoutNo: p.outPayoutNo,
      accountNumber: openAccountNumber(ctx, p.id, p.accountNumber),
      accountName: p.accountName,
      bankCode: p.bankCode,
      amountMinor: p.amountMinor,
      memo: `${p.source === "WALLET" ? "W" : "S"} ${p.requestNo}`,
    })),
  );
  await recordAudit(tx, ctx, { action: "payout_batch.download_file", entityType: "payout_batch", entityId: id, after: { fileName: batch.fileName, count: payouts.length } });
  return { fileName: batch.fileName, content, count: payouts.length, totalMinor: payouts.reduce((s, p) => s + p.amountMinor, 0n) };
}

/**
 * Records a return (退汇) of a SUCCEEDED payout reported by the bank outside the connector (a
 * phone call, a statement line): the source is re-credited and the merchant told.
 */
export async function markPayoutReturned(tx: Tx, ctx: TenantContext, raw: TPayoutReturn): Promise<PayoutRow> {
  const input = ZPayoutReturn.parse(raw);
  await requireCustodial(tx, ctx);
  const p = await lockPayout(tx, ctx, input.id);
  if (p.status !== "SUCCEEDED") throw new DomainError("PRECONDITION", "PAYOUT_NOT_SUCCEEDED", `Only a succeeded payout can be returned; this one is ${p.status}`, { params: { status: p.status } });
  const after = await applyPayoutResult(tx, ctx, p.id, { status: "RETURNED", failure: { code: "RETURNED", message: input.reason } }, "MANUAL_RETURN");
  await recordAudit(tx, ctx, { action: "payout.mark_returned", entityType: "payout", entityId: p.id, before: { status: p.status }, after: { status: after.status, reason: input.reason } });
  return after;
}
