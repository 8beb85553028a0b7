import { randomBytes, randomUUID } from "node:crypto";
import { connectorFor } from "@/server/channels/registry";
import { refusedBeforeSending, type RefundResult } from "@/server/channels/types";
import { businessDate as businessDateAt } from "@/server/core/calendar/rules";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { accounts, directMemoRefund, marginClawback, merchantDebtForRefund, refundCompletion, refundHold, type RefundAmounts } from "@/server/core/ledger/templates";
import { createHold, getBalanceByRef, lockAhead, postEntries, postEntry, postHold, reverseEntry, voidHold } from "@/server/core/ledger/service";
import { proportionalShare } from "@/server/core/ledger/money";
import { publishWebhook, type WebhookEventType } from "@/server/core/webhooks/publish";
import type { Prisma } from "@/server/db/generated/prisma/client";
import type { RefundStatus } from "@/server/db/generated/prisma/enums";
import { withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import { actorName, channelTarget, channelTypeOf, feeCollectionOf, templateFeeCollection } from "./common";
import { assertRefundMove } from "./state";
import { openException, resolveException } from "./exceptions";

// Refunds (退款). Like a payment, three steps so that no transaction waits on a channel:
// (1) under the payment's row lock, check what is still refundable, compute the fee returned and
// the margin clawed back (pro rata, half-up; the last refund takes the remainder), reserve the
// merchant's payable with a hold (CUSTODIAL) and record the refund PROCESSING; (2) send it to the
// payment's own channel account and credential version; (3) apply the answer: success posts the
// hold and the completion entry (together exactly the canonical refund entry), failure voids the
// hold. Refunds are asynchronous at every channel: PROCESSING ones are queried with back-off, and
// channel notifications move them too. A refund recorded but never sent (a crash between steps)
// is sent by the query job: the channels treat a repeated out_refund_no as the same refund.

export const refundSelect = {
  id: true,
  paymentId: true,
  merchantId: true,
  merchantRefundNo: true,
  outRefundNo: true,
  amountMinor: true,
  feeReturnedMinor: true,
  costReturnedMinor: true,
  marginClawbackMinor: true,
  debtMinor: true,
  status: true,
  reason: true,
  origin: true,
  notifyUrl: true,
  holdId: true,
  fundedFrom: true,
  ledgerEntryId: true,
  businessDate: true,
  channelRefundNo: true,
  failureCode: true,
  failureMessage: true,
  refundedAt: true,
  submittedAt: true,
  resolution: true,
  resolvedAt: true,
  createdBy: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.RefundSelect;

export type RefundView = Prisma.RefundGetPayload<{ select: typeof refundSelect }>;

/** API, CONSOLE and PORTAL (the merchant portal): asked for; LATE_SUCCESS: the automatic refund of a late success; REVERSAL: a reversal that reached a payment the payer had already paid. */
export type RefundOrigin = "API" | "CONSOLE" | "PORTAL" | "LATE_SUCCESS" | "REVERSAL";

export interface RefundRequest {
  readonly paymentId: string;
  /** When set (the merchant API, the merchant portal), the payment must be this merchant's: another's is 404. */
  readonly merchantId?: string;
  readonly merchantRefundNo: string;
  readonly amountMinor: bigint;
  readonly reason: string;
  readonly notifyUrl?: string;
  readonly origin: RefundOrigin;
}

/** Our refund number at the channel: ≤ 64 characters of [A-Za-z0-9] (WeChat's out_refund_no limit). */
function newOutRefundNo(): string {
  return `RF${Date.now().toString(36).toUpperCase()}${randomBytes(8).toString("hex").toUpperCase()}`;
}

async function todayOf(tx: Tx, ctx: TenantContext): Promise<string> {
  const t = await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { timeZone: true } });
  return businessDateAt(new Date(), t.timeZone);
}

/** What a merchant sees of a refund (API, webhooks): never the channel cost or the margin. */
export function presentRefund(r: RefundView) {
  const final = r.status === "FAILED" || r.status === "CLOSED";
  return {
    id: r.id,
    paymentId: r.paymentId,
    merchantRefundNo: r.merchantRefundNo,
    status: r.status,
    amountMinor: r.amountMinor,
    currency: "CNY",
    feeReturnedMinor: r.feeReturnedMinor,
    reason: r.reason,
    ...(r.channelRefundNo ? { channelRefundNo: r.channelRefundNo } : {}),
    createdAt: r.createdAt,
    ...(r.refundedAt ? { refundedAt: r.refundedAt } : {}),
    ...(final ? { failure: { code: r.failureCode ?? r.status, message: r.failureMessage } } : {}),
  };
}

/**
 * Every account a CUSTODIAL refund may touch, from its debt and hold to its completion, for
 * lock-ahead (a reversal records and completes a refund in one transaction). A recharge's refund
 * takes its money from the wallet the recharge went into.
 */
export const custodialRefundAccounts = (merchantId: string, channelAccountId: string, walletId?: string | null) => [
  accounts.merchantPending(merchantId),
  accounts.merchantAvailable(merchantId),
  accounts.merchantReceivable(merchantId),
  accounts.clearing(channelAccountId),
  accounts.feeIncome,
  accounts.channelCost,
  accounts.channelFeePayable,
  ...(walletId ? [accounts.wallet(walletId)] : []),
];

/**
 * Step 1, inside the caller's transaction (the late-success path records its automatic refund in
 * the same transaction as the late success). Throws with a stable code and writes nothing when the
 * refund is refused.
 */
export async function recordRefund(tx: Tx, ctx: TenantContext, input: RefundRequest): Promise<RefundView> {
  if (input.amountMinor <= 0n) throw new DomainError("BAD_INPUT", "INVALID_REQUEST", "amountMinor: must be a positive number of minor units", { field: "amountMinor" });
  await tx.$queryRaw`SELECT 1 FROM payment WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${input.paymentId}::uuid FOR UPDATE`;
  const p = await tx.payment.findFirst({
    where: { tenantId: ctx.tenantId, id: input.paymentId, ...(input.merchantId ? { merchantId: input.merchantId } : {}) },
    select: { id: true, merchantId: true, status: true, orderType: true, walletId: true, amountMinor: true, feeMinor: true, costMinor: true, marginMinor: true, channelAccountId: true, merchantOrderNo: true, notifyUrl: true },
  });
  if (!p) throw new DomainError("NOT_FOUND", "PAYMENT_NOT_FOUND", "No such payment");
  if (p.status !== "SUCCEEDED") throw new DomainError("PRECONDITION", "PAYMENT_NOT_REFUNDABLE", `Only a succeeded payment can be refunded; this one is ${p.status}`, { params: { status: p.status } });
  const taken = await tx.refund.findFirst({ where: { tenantId: ctx.tenantId, merchantId: p.merchantId, merchantRefundNo: input.merchantRefundNo }, select: { id: true } });
  if (taken) throw new DomainError("CONFLICT", "MERCHANT_REFUND_NO_TAKEN", `The refund number ${input.merchantRefundNo} has already been used`, { field: "merchantRefundNo", params: { refundId: taken.id } });

  // Refunds not failed or closed count against the captured amount (processing ones included).
  const earlier = await tx.refund.findMany({
    where: { tenantId: ctx.tenantId, paymentId: p.id, status: { in: ["PROCESSING", "SUCCEEDED", "ABNORMAL"] } },
    select: { amountMinor: true, feeReturnedMinor: true, costReturnedMinor: true, marginClawbackMinor: true },
  });
  const sum = (pick: (r: (typeof earlier)[number]) => bigint) => earlier.reduce((s, r) => s + pick(r), 0n);
  const refunded = sum((r) => r.amountMinor);
  const refundable = p.amountMinor - refunded;
  if (input.amountMinor > refundable) {
    throw new DomainError("PRECONDITION", "REFUND_EXCEEDS_CAPTURED", `At most ${refundable} minor units of this payment can still be refunded`, { field: "amountMinor", params: { refundableMinor: refundable.toString() } });
  }

  const tenant = await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { settlementMode: true, refundShortfallPolicy: true, timeZone: true } });
  const attrs = connectorFor(await channelTypeOf(tx, ctx, p.channelAccountId)).attributes;
  const R = input.amountMinor;
  const f = proportionalShare(p.feeMinor, p.amountMinor, R, sum((r) => r.feeReturnedMinor), refunded);
  // A channel that keeps its fee on refunds returns no cost (WeChat and Alipay return it pro rata).
  const c = attrs.refundReturnsFee ? proportionalShare(p.costMinor, p.amountMinor, R, sum((r) => r.costReturnedMinor), refunded) : 0n;
  // DIRECT: the 分润 receivable is clawed back pro rata; CUSTODIAL: the margin is fee − cost, so what comes back is f − c.
  const claw = tenant.settlementMode === "DIRECT" ? (p.marginMinor > 0n ? proportionalShare(p.marginMinor, p.amountMinor, R, sum((r) => r.marginClawbackMinor), refunded) : 0n) : f - c;
  const date = businessDateAt(new Date(), tenant.timeZone);
  const id = randomUUID();

  let holdId: string | null = null;
  let fundedFrom: "PENDING" | "AVAILABLE" | "WALLET" | null = null;
  let debt = 0n;
  const base = { merchantId: p.merchantId, channelAccountId: p.channelAccountId, refundMinor: R, feeReturnedMinor: f, costReturnedMinor: c, feeCollection: templateFeeCollection(attrs.feeCollection) };
  if (p.orderType === "RECHARGE") {
    // The recharge's money sits in the customer's wallet (recharges exist only for CUSTODIAL
    // tenants): its refund takes it back from there, never from the merchant, and a wallet is
    // never overdrawn, whatever the shortfall policy.
    if (!p.walletId) throw new DomainError("INVARIANT", "RECHARGE_WITHOUT_WALLET", "A recharge payment has no wallet");
    await lockAhead(tx, ctx, { refs: custodialRefundAccounts(p.merchantId, p.channelAccountId, p.walletId) });
    const wallet = await getBalanceByRef(tx, ctx, accounts.wallet(p.walletId));
    if (wallet.availableMinor < R) {
      throw new DomainError("PRECONDITION", "INSUFFICIENT_WALLET_BALANCE", `The wallet this recharge went into holds ${wallet.availableMinor} minor units available; the refund needs ${R}`, {
        field: "amountMinor",
        params: { neededMinor: R.toString(), availableMinor: wallet.availableMinor.toString() },
      });
    }
    fundedFrom = "WALLET";
    const hold = await createHold(tx, ctx, refundHold({ ...base, source: "WALLET", walletId: p.walletId }), {
      businessDate: date,
      idempotencyKey: `refund:${id}:hold`,
      causeType: "refund",
      causeId: id,
      description: `Refund ${input.merchantRefundNo} of recharge ${p.merchantOrderNo}`,
    });
    holdId = hold.holdId;
  } else if (tenant.settlementMode === "CUSTODIAL") {
    const need = R - f;
    // Both payables are locked before they are read, so concurrent refunds of one merchant's
    // different payments cannot both spend the same balance; with them every account the debt and
    // the hold may touch, in the ledger's one lock order.
    await lockAhead(tx, ctx, { refs: custodialRefundAccounts(p.merchantId, p.channelAccountId) });
    const pending = await getBalanceByRef(tx, ctx, accounts.merchantPending(p.merchantId));
    const available = await getBalanceByRef(tx, ctx, accounts.merchantAvailable(p.merchantId));
    if (pending.availableMinor >= need) fundedFrom = "PENDING";
    else if (available.availableMinor >= need) fundedFrom = "AVAILABLE";
    else if (tenant.refundShortfallPolicy === "REFUSE") {
      throw new DomainError("PRECONDITION", "INSUFFICIENT_MERCHANT_BALANCE", `The merchant's balance cannot cover this refund: it needs ${need} minor units`, {
        params: { neededMinor: need.toString(), pendingMinor: pending.availableMinor.toString(), availableMinor: available.availableMinor.toString() },
      });
    } else {
      // ALLOW_DEBT: the shortfall becomes a receivable from the merchant, recovered from its next settlement.
      fundedFrom = "AVAILABLE";
      debt = need - (available.availableMinor > 0n ? available.availableMinor : 0n);
      await postEntry(tx, ctx, merchantDebtForRefund(p.merchantId, debt), { businessDate: date, idempotencyKey: `refund:${id}:debt`, causeType: "refund", causeId: id, description: `Merchant debt for refund ${input.merchantRefundNo}` });
    }
    if (need > 0n) {
      const hold = await createHold(tx, ctx, refundHold({ ...base, source: fundedFrom }), {
        businessDate: date,
        idempotencyKey: `refund:${id}:hold`,
        causeType: "refund",
        causeId: id,
        description: `Refund ${input.merchantRefundNo} of ${p.merchantOrderNo}`,
      });
      holdId = hold.holdId;
    }
  }

  const refund = await tx.refund.create({
    data: {
      tenantId: ctx.tenantId,
      id,
      paymentId: p.id,
      merchantId: p.merchantId,
      merchantRefundNo: input.merchantRefundNo,
      outRefundNo: newOutRefundNo(),
      amountMinor: R,
      feeReturnedMinor: f,
      costReturnedMinor: c,
      marginClawbackMinor: claw,
      debtMinor: debt,
      reason: input.reason,
      origin: input.origin,
      notifyUrl: input.notifyUrl ?? p.notifyUrl ?? null,
      holdId,
      fundedFrom,
      businessDate: new Date(`${date}T00:00:00Z`),
      createdBy: actorName(ctx),
      // Not yet sent: the query job sends it if the sender does not get to it first.
      nextQueryAt: new Date(Date.now() + 30_000),
    },
    select: refundSelect,
  });
  await tx.refundTransition.create({ data: { tenantId: ctx.tenantId, refundId: id, fromStatus: null, toStatus: "PROCESSING", cause: "CREATED", reason: input.reason.slice(0, 500), actor: actorName(ctx) } });
  return refund;
}

/** Creates a refund and carries it as far as the channel's first answer. */
export async function createRefund(ctx: TenantContext, input: RefundRequest): Promise<RefundView> {
  const recorded = await withTenantTx(ctx.tenantId, (tx) => recordRefund(tx, ctx, input));
  return submitRefund(ctx, recorded.id);
}

export interface RefundChannelResult {
  readonly status: RefundStatus;
  readonly channelRefundNo?: string;
  readonly refundedAt?: Date;
  readonly failure?: { code: string; message: string };
  readonly exchanges?: RefundResult["exchanges"];
  readonly resolution?: Prisma.InputJsonValue;
}

function fromChannel(answer: RefundResult): RefundChannelResult {
  // NOT_FOUND: the channel has no such refund (yet): it stays PROCESSING and is sent again.
  const status: RefundStatus = answer.status === "NOT_FOUND" ? "PROCESSING" : answer.status;
  return {
    status,
    ...(answer.channelRefundNo ? { channelRefundNo: answer.channelRefundNo } : {}),
    ...(answer.refundedAt ? { refundedAt: answer.refundedAt } : {}),
    ...(answer.failure ? { failure: answer.failure } : {}),
    exchanges: answer.exchanges,
  };
}

/** Steps 2 and 3: send the refund to the payment's own channel account and version, apply the answer. */
export async function submitRefund(ctx: TenantContext, refundId: string): Promise<RefundView> {
  const loaded = await withTenantTx(ctx.tenantId, async (tx) => {
    const refund = await tx.refund.findFirst({ where: { tenantId: ctx.tenantId, id: refundId }, select: refundSelect });
    if (!refund) throw notFound("Refund");
    if (refund.status !== "PROCESSING") return { refund };
    const p = await tx.payment.findFirstOrThrow({
      where: { tenantId: ctx.tenantId, id: refund.paymentId },
      select: { outTradeNo: true, channelTradeNo: true, amountMinor: true, channelAccountId: true, channelVersion: true, registrationId: true },
    });
    const { account, registration } = await channelTarget(tx, ctx, p.channelAccountId, p.registrationId, p.channelVersion);
    return { refund, payment: p, account, registration };
  });
  if (!loaded.payment || !loaded.account || !loaded.registration) return loaded.refund;
  const { refund, payment, account, registration } = loaded;
  let result: RefundChannelResult;
  try {
    const answer = await connectorFor(account.channelType).refund(
      { account, registration },
      {
        outTradeNo: payment.outTradeNo,
        ...(payment.channelTradeNo ? { channelTradeNo: payment.channelTradeNo } : {}),
        outRefundNo: refund.outRefundNo,
        refundMinor: refund.amountMinor,
        totalMinor: payment.amountMinor,
        reason: refund.reason,
      },
    );
    result = fromChannel(answer);
  } catch (error) {
    if (refusedBeforeSending(error)) {
      result = { status: "FAILED", failure: { code: error.code, message: error.message.slice(0, 300) } };
    } else {
      logger.warn({ tenantId: ctx.tenantId, refundId, err: (error as Error).message }, "channel refund threw; refund stays PROCESSING");
      result = { status: "PROCESSING", failure: { code: "CHANNEL_ERROR", message: (error as Error).message.slice(0, 300) } };
    }
  }
  return withTenantTx(ctx.tenantId, async (tx) => {
    await tx.refund.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: refundId } }, data: { submittedAt: new Date() } });
    const after = await applyRefundResult(tx, ctx, refundId, result, "CHANNEL_RESPONSE");
    if (after.status === "PROCESSING") await tx.refund.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: refundId } }, data: { nextQueryAt: new Date(Date.now() + 5_000) } });
    return after;
  });
}

const WEBHOOK_FOR: Partial<Record<RefundStatus, WebhookEventType>> = {
  SUCCEEDED: "refund.succeeded",
  FAILED: "refund.failed",
  CLOSED: "refund.closed",
  ABNORMAL: "refund.abnormal",
};

/**
 * Applies a channel's answer (or a resolution) to a refund, its row locked: the ledger entries, the
 * payment's refunded total, the transition and the webhook in one transaction. The same answer
 * again changes nothing; an answer that contradicts a final state is refused.
 */
export async function applyRefundResult(tx: Tx, ctx: TenantContext, refundId: string, result: RefundChannelResult, cause: string): Promise<RefundView> {
  // Locks in the order recordRefund takes them (payment, then the ledger's balances), so a refund
  // being recorded and another being applied cannot deadlock.
  await tx.$queryRaw`SELECT 1 FROM payment WHERE tenant_id = ${ctx.tenantId}::uuid AND id = (SELECT payment_id FROM refund WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${refundId}::uuid) FOR UPDATE`;
  await tx.$queryRaw`SELECT 1 FROM refund WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${refundId}::uuid FOR UPDATE`;
  const r = await tx.refund.findFirst({ where: { tenantId: ctx.tenantId, id: refundId }, select: refundSelect });
  if (!r) throw notFound("Refund");
  const exchanges = (result.exchanges ?? []) as unknown as Prisma.InputJsonValue;
  if (result.status === r.status || result.status === "PROCESSING") {
    if ((result.exchanges?.length ?? 0) > 0) {
      await tx.refundTransition.create({
        data: { tenantId: ctx.tenantId, refundId, fromStatus: r.status, toStatus: r.status, cause, reason: result.failure ? `${result.failure.code}: ${result.failure.message}`.slice(0, 500) : "no change", actor: actorName(ctx), exchanges },
      });
    }
    return r;
  }
  assertRefundMove(r.status, result.status);
  const to = result.status;
  const date = await todayOf(tx, ctx);
  const data: Prisma.RefundUpdateInput = { status: to, nextQueryAt: null };
  if (result.channelRefundNo) data.channelRefundNo = result.channelRefundNo;
  const p = await tx.payment.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id: r.paymentId }, select: { channelAccountId: true, merchantOrderNo: true, walletId: true } });

  if (to === "SUCCEEDED") {
    data.refundedAt = result.refundedAt ?? new Date();
    data.ledgerEntryId = await postRefundEntries(tx, ctx, r, p, date);
    await tx.payment.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: r.paymentId } }, data: { refundedMinor: { increment: r.amountMinor } } });
    if (r.origin === "LATE_SUCCESS") await resolveException(tx, ctx, "LATE_SUCCESS", r.paymentId, "Refunded to the payer automatically");
    if (result.resolution !== undefined) {
      data.resolution = result.resolution;
      data.resolvedAt = new Date();
      await resolveException(tx, ctx, "REFUND_ABNORMAL", r.id, `Refunded to the payer's bank account by ${actorName(ctx)}`);
    }
  } else if (to === "FAILED" || to === "CLOSED") {
    data.failureCode = result.failure?.code ?? to;
    data.failureMessage = result.failure?.message ?? null;
    const debtEntry = r.debtMinor > 0n ? await tx.journalEntry.findFirst({ where: { tenantId: ctx.tenantId, idempotencyKey: `refund:${r.id}:debt` }, select: { id: true } }) : null;
    await lockAhead(tx, ctx, { holdIds: [r.holdId], entryIds: [debtEntry?.id] });
    if (r.holdId) await voidHold(tx, ctx, r.holdId, { businessDate: date, idempotencyKey: `refund:${r.id}:void`, kind: "refund.void", causeType: "refund", causeId: r.id });
    if (r.debtMinor > 0n) {
      if (debtEntry) await reverseEntry(tx, ctx, debtEntry.id, { businessDate: date, idempotencyKey: `refund:${r.id}:debt:reverse`, description: `The refund ${r.merchantRefundNo} failed: no merchant debt` });
    }
  } else if (to === "ABNORMAL") {
    // The money could not reach the payer: the hold stays until finance refunds the payer's bank account.
    data.failureCode = result.failure?.code ?? "ABNORMAL";
    data.failureMessage = result.failure?.message ?? null;
    await openException(tx, ctx, {
      kind: "REFUND_ABNORMAL",
      causeType: "refund",
      causeId: r.id,
      merchantId: r.merchantId,
      amountMinor: r.amountMinor,
      businessDate: date,
      details: { paymentId: r.paymentId, merchantRefundNo: r.merchantRefundNo, merchantOrderNo: p.merchantOrderNo },
    });
  }
  const after = await tx.refund.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: refundId } }, data, select: refundSelect });
  await tx.refundTransition.create({
    data: { tenantId: ctx.tenantId, refundId, fromStatus: r.status, toStatus: to, cause, reason: result.failure ? `${result.failure.code}: ${result.failure.message}`.slice(0, 500) : null, actor: actorName(ctx), exchanges },
  });
  const type = WEBHOOK_FOR[to];
  if (type) await publishWebhook(tx, ctx, { merchantId: r.merchantId, type, objectType: "refund", objectId: r.id, data: presentRefund(after), notifyUrl: r.notifyUrl });
  return after;
}

/** The refund's entries on success, from the templates: CUSTODIAL posts the hold and the completion; DIRECT the memo mirror and the margin clawback. */
async function postRefundEntries(tx: Tx, ctx: TenantContext, r: RefundView, payment: { channelAccountId: string; walletId: string | null }, date: string): Promise<string> {
  const { channelAccountId } = payment;
  const tenant = await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { settlementMode: true } });
  const opts = (suffix: string, description: string) => ({ businessDate: date, idempotencyKey: `refund:${r.id}:${suffix}`, causeType: "refund", causeId: r.id, description });
  if (tenant.settlementMode === "DIRECT") {
    const [memo] = await postEntries(tx, ctx, [
      { draft: directMemoRefund(r.merchantId, r.amountMinor - r.feeReturnedMinor), opts: opts("memo", `Refund ${r.merchantRefundNo}`) },
      ...(r.marginClawbackMinor > 0n ? [{ draft: marginClawback(r.marginClawbackMinor), opts: opts("margin", `Margin clawed back by refund ${r.merchantRefundNo}`) }] : []),
    ]);
    return memo!.entryId;
  }
  const amounts: RefundAmounts = {
    merchantId: r.merchantId,
    channelAccountId,
    refundMinor: r.amountMinor,
    feeReturnedMinor: r.feeReturnedMinor,
    costReturnedMinor: r.costReturnedMinor,
    feeCollection: await feeCollectionOf(tx, ctx, channelAccountId),
    source: r.fundedFrom === "AVAILABLE" || r.fundedFrom === "WALLET" ? r.fundedFrom : "PENDING",
    walletId: payment.walletId,
  };
  const completion = refundCompletion(amounts);
  await lockAhead(tx, ctx, { holdIds: [r.holdId], drafts: [completion] });
  const held = r.holdId ? await postHold(tx, ctx, r.holdId, { ...opts("hold:post", `Refund ${r.merchantRefundNo}`), kind: "refund.hold_post" }) : null;
  // Without a hold (the fee returned equals the refund) the completion is the whole refund entry;
  // a small refund may return no fee and no cost at all, and then there is no completion.
  if (completion.lines.length === 0) {
    if (!held) throw new DomainError("INVARIANT", "REFUND_WITHOUT_ENTRY", "A refund must move some money");
    return held.entryId;
  }
  return (await postEntry(tx, ctx, completion, opts("completion", `Refund ${r.merchantRefundNo}: fee and cost returned`))).entryId;
}

/** Asks the channel about a PROCESSING refund (or sends one never sent) and applies a definite answer. */
export async function queryRefund(ctx: TenantContext, refundId: string): Promise<RefundView> {
  const loaded = await withTenantTx(ctx.tenantId, async (tx) => {
    const refund = await tx.refund.findFirst({ where: { tenantId: ctx.tenantId, id: refundId }, select: refundSelect });
    if (!refund) throw notFound("Refund");
    if (refund.status !== "PROCESSING" || refund.submittedAt === null) return { refund };
    const p = await tx.payment.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id: refund.paymentId }, select: { outTradeNo: true, channelAccountId: true, channelVersion: true, registrationId: true } });
    const { account, registration } = await channelTarget(tx, ctx, p.channelAccountId, p.registrationId, p.channelVersion);
    return { refund, outTradeNo: p.outTradeNo, account, registration };
  });
  if (loaded.refund.status !== "PROCESSING") return loaded.refund;
  if (loaded.refund.submittedAt === null || !loaded.account || !loaded.registration || !loaded.outTradeNo) return submitRefund(ctx, refundId);
  const answer = await connectorFor(loaded.account.channelType).queryRefund({ account: loaded.account, registration: loaded.registration }, { outTradeNo: loaded.outTradeNo, outRefundNo: loaded.refund.outRefundNo });
  // The channel never received it: send it again (the same out_refund_no is the same refund).
  if (answer.status === "NOT_FOUND") return submitRefund(ctx, refundId);
  return withTenantTx(ctx.tenantId, async (tx) => {
    const after = await applyRefundResult(tx, ctx, refundId, fromChannel(answer), "QUERY");
    if (after.status !== "PROCESSING") return after;
    const n = (await tx.refund.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: refundId } }, data: { queryAttempts: { increment: 1 } }, select: { queryAttempts: true } })).queryAttempts;
    // 5 s, 10 s, 20 s … then every 30 minutes: bank-card refunds can take days.
    await tx.refund.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: refundId } }, data: { nextQueryAt: new Date(Date.now() + Math.min(30 * 60_000, 5_000 * 2 ** Math.min(n, 9))) } });
    return after;
  });
}

/** A refund notification from the channel (already verified) moves the refund like a query answer. */
export async function applyRefundNotification(tx: Tx, ctx: TenantContext, n: { outRefundNo?: string; status: string; channelRefundNo?: string; occurredAt?: Date }): Promise<void> {
  if (!n.outRefundNo) {
    logger.warn({ tenantId: ctx.tenantId }, "refund notification without a refund number");
    return;
  }
  const r = await tx.refund.findFirst({ where: { tenantId: ctx.tenantId, outRefundNo: n.outRefundNo }, select: { id: true } });
  if (!r) {
    logger.warn({ tenantId: ctx.tenantId, outRefundNo: n.outRefundNo }, "notification for an unknown refund");
    return;
  }
  const status: RefundStatus = n.status === "SUCCEEDED" ? "SUCCEEDED" : n.status === "FAILED" ? "FAILED" : n.status === "CLOSED" ? "CLOSED" : n.status === "ABNORMAL" ? "ABNORMAL" : "PROCESSING";
  await applyRefundResult(tx, ctx, r.id, { status, ...(n.channelRefundNo ? { channelRefundNo: n.channelRefundNo } : {}), ...(n.occurredAt ? { refundedAt: n.occurredAt } : {}) }, "NOTIFICATION");
}

/**
 * An ABNORMAL refund resolved by finance: the money went to the payer's bank account outside the
 * channel. The refund succeeds (its hold posts) with the transfer recorded, and its exception closes.
 */
export async function resolveAbnormalRefund(
  tx: Tx,
  ctx: TenantContext,
  refundId: string,
  input: { accountName: string; accountLast4: string; bankName: string; reference: string; note?: string },
): Promise<RefundView> {
  const r = await tx.refund.findFirst({ where: { tenantId: ctx.tenantId, id: refundId }, select: { status: true } });
  if (!r) throw notFound("Refund");
  if (r.status !== "ABNORMAL") throw new DomainError("PRECONDITION", "REFUND_NOT_ABNORMAL", `Only an abnormal refund is resolved this way; this one is ${r.status}`, { params: { status: r.status } });
  return applyRefundResult(tx, ctx, refundId, { status: "SUCCEEDED", resolution: { ...input, resolvedBy: actorName(ctx) } }, "RESOLVED");
}

export async function getRefund(tx: Tx, ctx: TenantContext, id: string, merchantId?: string): Promise<RefundView> {
  const r = await tx.refund.findFirst({ where: { tenantId: ctx.tenantId, id, ...(merchantId ? { merchantId } : {}) }, select: refundSelect });
  if (!r) throw new DomainError("NOT_FOUND", "REFUND_NOT_FOUND", "No such refund");
  return r;
}

export async function refundsOfPayment(tx: Tx, ctx: TenantContext, paymentId: string): Promise<RefundView[]> {
  return tx.refund.findMany({ where: { tenantId: ctx.tenantId, paymentId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], select: refundSelect });
}

/** A payment's refunds with their transitions, for the payment page. */
export async function refundsWithTransitions(tx: Tx, ctx: TenantContext, paymentId: string) {
  const payment = await tx.payment.findFirst({ where: { tenantId: ctx.tenantId, id: paymentId }, select: { id: true } });
  if (!payment) throw new DomainError("NOT_FOUND", "PAYMENT_NOT_FOUND", "No such payment");
  const refunds = await refundsOfPayment(tx, ctx, paymentId);
  const transitions = await tx.refundTransition.findMany({ where: { tenantId: ctx.tenantId, refundId: { in: refunds.map((r) => r.id) } }, orderBy: { createdAt: "asc" } });
  return refunds.map((r) => ({ ...r, transitions: transitions.filter((x) => x.refundId === r.id) }));
}

export async function refundTransitions(tx: Tx, ctx: TenantContext, refundId: string) {
  return tx.refundTransition.findMany({ where: { tenantId: ctx.tenantId, refundId }, orderBy: { createdAt: "asc" } });
}

/** PROCESSING refunds whose next query (or first sending) is due. */
export async function dueRefunds(tx: Tx, ctx: TenantContext, now: Date, limit: number): Promise<string[]> {
  const rows = await tx.refund.findMany({ where: { tenantId: ctx.tenantId, status: "PROCESSING", nextQueryAt: { lte: now } }, orderBy: { nextQueryAt: "asc" }, take: limit, select: { id: true } });
  return rows.map((r) => r.id);
}
