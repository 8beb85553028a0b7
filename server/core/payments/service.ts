import { randomBytes } from "node:crypto";
import { connectorFor } from "@/server/channels/registry";
import { NO_FALLBACK_PRODUCTS, refusedBeforeSending, type ChannelAccountConfig, type ChannelExchange, type PayRequest, type RegistrationIdentity } from "@/server/channels/types";
import { recordChannelCall } from "@/server/core/channels/health";
import { releaseLimits, reserveLimits } from "@/server/core/channels/limits";
import { decideRoute, withRoutingConfig } from "@/server/core/channels/routing";
import type { ChannelFilter, RouteOption } from "@/server/core/routing/types";
import { settlementModeOf, tenantSettings } from "@/server/core/tenancy/settings";
import { requireCustodial } from "@/server/core/wallets/mode";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { businessDate } from "@/server/core/calendar/rules";
import { lockAhead, postEntries, reverseEntry, type LockPlan, type PostOptions } from "@/server/core/ledger/service";
import { accounts, directMemoPayment, margin, paymentFeeAtSource, paymentFeeBilledMonthly, rechargeChannelCost, walletRecharge, type EntryDraft } from "@/server/core/ledger/templates";
import type { AccountRef } from "@/server/core/ledger/chart";
import { publishWebhook, type WebhookEventType } from "@/server/core/webhooks/publish";
import { publish } from "@/server/jobs/outbox";
import { open } from "@/server/core/secrets/envelope";
import { Prisma } from "@/server/db/generated/prisma/client";
import type { PaymentStatus } from "@/server/db/generated/prisma/enums";
import { withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import { ZPaymentCreate, type TPaymentCreate } from "./schema";
import { openException } from "./exceptions";
import { presentPayment } from "./present";
import { applyRefundNotification, applyRefundResult, custodialRefundAccounts, recordRefund } from "./refunds";
import { actorName, channelTarget, channelTypeOf, templateFeeCollection } from "./common";
import { assertCorrection, assertMove, isLateSuccess } from "./state";

// The payment (issue 5, first slice). Three steps, so that no database transaction waits on a
// channel: (1) route, reserve the limits and record the payment PROCESSING; (2) call the channel;
// (3) apply its answer — a definite success posts the ledger templates in the same transaction as
// the state change; a definite failure releases the limits; anything else stays PROCESSING and is
// queried. Notifications and queries go through the same `applyChannelResult`.

export const paymentSelect = {
  id: true,
  merchantId: true,
  storeId: true,
  deviceId: true,
  merchantOrderNo: true,
  outTradeNo: true,
  orderType: true,
  product: true,
  amountMinor: true,
  currency: true,
  status: true,
  subject: true,
  channelAccountId: true,
  channelVersion: true,
  registrationId: true,
  routingDecisionId: true,
  feeMinor: true,
  costMinor: true,
  marginMinor: true,
  businessDate: true,
  channelTradeNo: true,
  failureCode: true,
  failureMessage: true,
  paidAt: true,
  ledgerEntryId: true,
  walletId: true,
  codeUrl: true,
  expiresAt: true,
  refundedMinor: true,
  lateSuccess: true,
  notifyUrl: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.PaymentSelect;

export type PaymentView = Prisma.PaymentGetPayload<{ select: typeof paymentSelect }>;

/**
 * paymentSelect as SQL, for the raw reads and RETURNING clauses of the payment path: the same
 * PaymentView (a test compares the two on every field).
 */
export const PAYMENT_COLUMNS = Prisma.raw(
  `id, merchant_id AS "merchantId", store_id AS "storeId", device_id AS "deviceId", merchant_order_no AS "merchantOrderNo", out_trade_no AS "outTradeNo",
   order_type::text AS "orderType", product::text AS product, amount_minor AS "amountMinor", currency, status::text AS status, subject,
   channel_account_id AS "channelAccountId", channel_version AS "channelVersion", registration_id AS "registrationId", routing_decision_id AS "routingDecisionId",
   fee_minor AS "feeMinor", cost_minor AS "costMinor", margin_minor AS "marginMinor", business_date AS "businessDate", channel_trade_no AS "channelTradeNo",
   failure_code AS "failureCode", failure_message AS "failureMessage", paid_at AS "paidAt", ledger_entry_id AS "ledgerEntryId", wallet_id AS "walletId",
   code_url AS "codeUrl", expires_at AS "expiresAt", refunded_minor AS "refundedMinor", late_success AS "lateSuccess", notify_url AS "notifyUrl",
   created_at AS "createdAt", updated_at AS "updatedAt"`,
);

/** A payment of the transaction's tenant, its row locked for the rest of the transaction (one statement). */
export async function lockPayment(tx: Tx, ctx: TenantContext, paymentId: string): Promise<PaymentView | null> {
  const [p] = await tx.$queryRaw<PaymentView[]>`SELECT ${PAYMENT_COLUMNS} FROM payment WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${paymentId}::uuid FOR UPDATE`;
  return p ?? null;
}

/** Our order number at the channel: ≤ 32 characters of [A-Za-z0-9] (WeChat's out_trade_no limit). */
function newOutTradeNo(): string {
  return `SY${Date.now().toString(36).toUpperCase()}${randomBytes(8).toString("hex").toUpperCase()}`;
}

export interface ChannelResult {
  readonly status: "SUCCEEDED" | "PROCESSING" | "FAILED" | "CLOSED";
  readonly channelTradeNo?: string;
  readonly paidAt?: Date;
  /** The payer as the channel names them (pay answers only); kept on the payment for the daily statistics' distinct payers. */
  readonly payerId?: string;
  readonly failure?: { code: string; message: string };
  readonly exchanges?: readonly ChannelExchange[];
  /** The QR code for the payer (pay answers of QR products), kept on the payment while it waits. */
  readonly codeUrl?: string;
}

const dateOf = (d: Date) => d.toISOString().slice(0, 10);

const PAYMENT_WEBHOOK: Record<"SUCCEEDED" | "FAILED" | "CLOSED", WebhookEventType> = { SUCCEEDED: "payment.succeeded", FAILED: "payment.failed", CLOSED: "payment.closed" };

/** The merchant's webhook for a payment's new state, in the state change's transaction. */
async function announce(tx: Tx, ctx: TenantContext, p: PaymentView, type: WebhookEventType, extra?: Record<string, unknown>): Promise<void> {
  const channelType = await channelTypeOf(tx, ctx, p.channelAccountId);
  await publishWebhook(tx, ctx, { merchantId: p.merchantId, type, objectType: "payment", objectId: p.id, data: { ...presentPayment(p, channelType), ...extra }, notifyUrl: p.notifyUrl });
}

type TransitionInput = { fromStatus: PaymentStatus | null; toStatus: PaymentStatus; cause: string; reason?: string | null; exchanges?: readonly ChannelExchange[] | undefined };

const TRANSITION_INSERT = Prisma.raw("INSERT INTO payment_transition (tenant_id, payment_id, from_status, to_status, cause, reason, actor, exchanges, created_at)");

/**
 * A transition row's values, the payment's id given as SQL (a parameter, or `p.id` where the row
 * is written in the same statement as the payment's own change). created_at is the moment of the
 * call, as a model create would set it, so the transitions of one transaction keep their order.
 */
function transitionValues(ctx: TenantContext, paymentId: Prisma.Sql, t: TransitionInput): Prisma.Sql {
  return Prisma.sql`${ctx.tenantId}::uuid, ${paymentId}, ${t.fromStatus}::"PaymentStatus", ${t.toStatus}::"PaymentStatus", ${t.cause}, ${t.reason ?? null},
                    ${actorName(ctx)}, ${JSON.stringify(t.exchanges ?? [])}::jsonb, ${new Date()}::timestamptz`;
}

/** Records a payment's transition: one raw INSERT (the payment path's most frequent write after the payment itself). */
async function recordTransition(tx: Tx, ctx: TenantContext, t: TransitionInput & { paymentId: string }): Promise<void> {
  await tx.$executeRaw`${TRANSITION_INSERT} VALUES (${transitionValues(ctx, Prisma.sql`${t.paymentId}::uuid`, t)})`;
}

/**
 * Applies a channel's answer to a payment (inside the caller's transaction, the payment row
 * locked): a definite result moves the state with its ledger entries, limits, transition and
 * webhook; the same answer again changes nothing. A success for a payment we hold as FAILED or
 * CLOSED is a late success (never dropped); any other answer that contradicts a final state is refused.
 */
export async function applyChannelResult(tx: Tx, ctx: TenantContext, paymentId: string, result: ChannelResult, cause: string): Promise<PaymentView> {
  // The usual answer, a definite one for a payment still PROCESSING, moves it in one statement that
  // is also its lock (the UPDATE applies only to a PROCESSING row; a concurrent move makes it apply
  // to none). Anything else — the same answer again, a late success, a contradiction — reads the
  // locked row first and decides.
  if (result.status !== "PROCESSING") {
    const moved = await movePayment(tx, ctx, paymentId, "PROCESSING", result, cause);
    if (moved) return afterMove(tx, ctx, moved, result.status);
  }
  const p = await lockPayment(tx, ctx, paymentId);
  if (!p) throw notFound("Payment");
  if (result.status === p.status || result.status === "PROCESSING") {
    // Nothing moves; the exchange is still worth keeping (a query, a duplicate notification).
    if (result.status === "PROCESSING" && (result.exchanges?.length ?? 0) > 0) {
      await recordTransition(tx, ctx, { paymentId, fromStatus: p.status, toStatus: p.status, cause, reason: "still processing", exchanges: result.exchanges });
    }
    return p;
  }
  if (isLateSuccess(p.status, result.status)) return applyLateSuccess(tx, ctx, p, result, cause);
  assertMove(p.status, result.status);
  const moved = await movePayment(tx, ctx, paymentId, p.status, result, cause);
  if (!moved) throw notFound("Payment");
  return afterMove(tx, ctx, moved, result.status);
}

/**
 * Moves a payment that is in `from` to the answer's state, with its transition and the routing
 * decision's outcome, in one statement; null when the payment is not in `from` (or not there). A
 * success sets paid_at; a failure or close its code and message; the channel's trade number, payer
 * and QR code where it gave them.
 */
async function movePayment(tx: Tx, ctx: TenantContext, paymentId: string, from: PaymentStatus, result: ChannelResult, cause: string): Promise<PaymentView | null> {
  const to = result.status;
  const succeeded = to === "SUCCEEDED";
  const transition: TransitionInput = { fromStatus: from, toStatus: to, cause, reason: result.failure ? `${result.failure.code}: ${result.failure.message}`.slice(0, 500) : null, exchanges: result.exchanges };
  const [after] = await tx.$queryRaw<PaymentView[]>`
    WITH p AS (
    UPDATE payment SET status = ${to}::"PaymentStatus", next_query_at = NULL,
           channel_trade_no = COALESCE(${result.channelTradeNo || null}, channel_trade_no), payer_id = COALESCE(${result.payerId || null}, payer_id),
           code_url = COALESCE(${result.codeUrl || null}, code_url),
           paid_at = CASE WHEN ${succeeded} THEN ${result.paidAt ?? new Date()}::timestamptz ELSE paid_at END,
           failure_code = CASE WHEN ${succeeded} THEN failure_code ELSE ${result.failure?.code ?? (to === "CLOSED" ? "CLOSED" : "FAILED")} END,
           failure_message = CASE WHEN ${succeeded} THEN failure_message ELSE ${result.failure?.message ?? null} END,
           updated_at = ${new Date()}::timestamptz
     WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${paymentId}::uuid AND status = ${from}::"PaymentStatus"
    RETURNING ${PAYMENT_COLUMNS}
    ), t AS (${TRANSITION_INSERT} SELECT ${transitionValues(ctx, Prisma.raw("p.id"), transition)} FROM p
    ), d AS (UPDATE routing_decision SET succeeded = ${succeeded} WHERE tenant_id = ${ctx.tenantId}::uuid AND id = (SELECT "routingDecisionId" FROM p))
    SELECT * FROM p`;
  return after ?? null;
}

/** A move's webhook, then its limits (a failure or close gives its share back) or its ledger entries (a success). */
async function afterMove(tx: Tx, ctx: TenantContext, after: PaymentView, to: keyof typeof PAYMENT_WEBHOOK): Promise<PaymentView> {
  await announce(tx, ctx, after, PAYMENT_WEBHOOK[to]);
  // Last, the rows concurrent payments queue on (the merchant's ledger accounts and the tenant's
  // margin slots; the daily totals for a failure), so their locks are held for as little of the
  // transaction as can be. Nothing above reads them.
  if (to !== "SUCCEEDED") {
    await releaseLimits(tx, ctx, { businessDate: dateOf(after.businessDate), channelAccountId: after.channelAccountId, merchantId: after.merchantId, amountMinor: after.amountMinor });
    return after;
  }
  const ledgerEntryId = await postPaymentEntries(tx, ctx, after, { link: true });
  return { ...after, ledgerEntryId };
}

/**
 * applyChannelResult for answers that may arrive after something else has settled the payment (a
 * notification racing the channel's own answer, a query racing a reversal): an answer that
 * contradicts the final state is not applied but recorded as a transition without a change, with
 * its exchange, and left for reconciliation, which is the judge. Nothing is thrown at the caller.
 */
export async function applyOrRecordContradiction(tx: Tx, ctx: TenantContext, paymentId: string, result: ChannelResult, cause: string): Promise<PaymentView> {
  try {
    return await applyChannelResult(tx, ctx, paymentId, result, cause);
  } catch (e) {
    if (!(e instanceof DomainError) || e.code !== "ILLEGAL_TRANSITION") throw e;
    const p = await tx.payment.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id: paymentId }, select: paymentSelect });
    logger.warn({ tenantId: ctx.tenantId, paymentId, status: p.status, answer: result.status, cause }, "channel answer contradicts a final payment; recorded for reconciliation");
    await recordTransition(tx, ctx, {
      paymentId,
      fromStatus: p.status,
      toStatus: p.status,
      cause,
      reason: `the channel answered ${result.status}${result.failure ? ` (${result.failure.code})` : ""}, contradicting ${p.status}: left for reconciliation`.slice(0, 500),
      exchanges: result.exchanges,
    });
    return p;
  }
}

/** The outbox topic that sends a refund recorded inside another transaction (the automatic refund of a late success). */
export const REFUND_SUBMIT_TOPIC = "refund.submit";

/**
 * LATE_SUCCESS: the channel took the payer's money after we had given up on the payment. The
 * money moved, so the payment's entries post; the payment becomes SUCCEEDED through its own
 * transition, an exception is raised, the merchant hears `payment.late_succeeded`, and by tenant
 * policy (default on) a full refund is recorded in the same transaction and sent right after.
 */
async function applyLateSuccess(tx: Tx, ctx: TenantContext, p: PaymentView, result: ChannelResult, cause: string): Promise<PaymentView> {
  const tenant = await tenantSettings(tx, ctx);
  const refunding = tenant.autoRefundLateSuccess;
  const ledgerEntryId = await postPaymentEntries(tx, ctx, p, refunding && tenant.settlementMode === "CUSTODIAL" ? { lockAlso: { refs: custodialRefundAccounts(p.merchantId, p.channelAccountId, p.walletId) } } : {});
  const after = await tx.payment.update({
    where: { tenantId_id: { tenantId: ctx.tenantId, id: p.id } },
    data: {
      status: "SUCCEEDED",
      lateSuccess: true,
      paidAt: result.paidAt ?? new Date(),
      ledgerEntryId,
      nextQueryAt: null,
      ...(result.channelTradeNo ? { channelTradeNo: result.channelTradeNo } : {}),
      ...(result.payerId ? { payerId: result.payerId } : {}),
      ...(result.codeUrl ? { codeUrl: result.codeUrl } : {}),
    },
    select: paymentSelect,
  });
  await recordTransition(tx, ctx, { paymentId: p.id, fromStatus: p.status, toStatus: "SUCCEEDED", cause: "LATE_SUCCESS", reason: `the channel reported a success (${cause}) for a payment held as ${p.status} (${p.failureCode ?? p.status})`.slice(0, 500), exchanges: result.exchanges });
  const refund = refunding
    ? await recordRefund(tx, ctx, { paymentId: p.id, merchantRefundNo: `AUTO-${p.id}`, amountMinor: p.amountMinor, reason: "Automatic refund of a late success", origin: "LATE_SUCCESS" })
    : null;
  await openException(tx, ctx, {
    kind: "LATE_SUCCESS",
    causeType: "payment",
    causeId: p.id,
    merchantId: p.merchantId,
    amountMinor: p.amountMinor,
    businessDate: dateOf(p.businessDate),
    details: { previousStatus: p.status, failureCode: p.failureCode, merchantOrderNo: p.merchantOrderNo, cause, ...(refund ? { refundId: refund.id } : {}) },
  });
  await announce(tx, ctx, after, "payment.late_succeeded", { previousStatus: p.status, ...(refund ? { automaticRefundId: refund.id } : {}) });
  if (refund) await publish(tx, ctx, REFUND_SUBMIT_TOPIC, { refundId: refund.id });
  return after;
}

/**
 * CORRECTED_BY_RECON: an approved reconciliation resolution sets a final payment to another final
 * state — the only other way out of one. A correction to SUCCEEDED posts the payment's entries; a
 * correction away from SUCCEEDED reverses them (冲正), refused while refunds exist.
 */
export async function correctPaymentByRecon(tx: Tx, ctx: TenantContext, paymentId: string, input: { to: "SUCCEEDED" | "FAILED" | "CLOSED"; reason: string; proposalId: string; channelTradeNo?: string; paidAt?: Date }): Promise<PaymentView> {
  const p = await lockPayment(tx, ctx, paymentId);
  if (!p) throw notFound("Payment");
  assertCorrection(p.status, input.to);
  const data: Prisma.PaymentUpdateInput = { status: input.to };
  const tenant = await tenantSettings(tx, ctx);
  const today = businessDate(new Date(), tenant.timeZone);
  if (input.to === "SUCCEEDED") {
    data.paidAt = input.paidAt ?? new Date();
    data.failureCode = null;
    data.failureMessage = null;
    if (input.channelTradeNo) data.channelTradeNo = input.channelTradeNo;
    data.ledgerEntryId = await postPaymentEntries(tx, ctx, p, { idempotencySuffix: `:recon:${input.proposalId}` });
  } else {
    if (p.status === "SUCCEEDED") {
      const refunds = await tx.refund.count({ where: { tenantId: ctx.tenantId, paymentId, status: { in: ["PROCESSING", "SUCCEEDED", "ABNORMAL"] } } });
      if (refunds > 0) throw new DomainError("PRECONDITION", "PAYMENT_HAS_REFUNDS", "A payment with refunds cannot be corrected away from SUCCEEDED; resolve its refunds first");
      // Every entry the success posted is reversed, in the open period, referring to the original date.
      const posted = await tx.journalEntry.findMany({ where: { tenantId: ctx.tenantId, causeType: "payment", causeId: p.id, phase: "POSTED", reversesEntryId: null }, select: { id: true } });
      const reversed = new Set(
        (await tx.journalEntry.findMany({ where: { tenantId: ctx.tenantId, reversesEntryId: { in: posted.map((e) => e.id) } }, select: { reversesEntryId: true } })).map((e) => e.reversesEntryId),
      );
      const toReverse = posted.filter((x) => !reversed.has(x.id));
      await lockAhead(tx, ctx, { entryIds: toReverse.map((e) => e.id) });
      for (const e of toReverse) {
        await reverseEntry(tx, ctx, e.id, { businessDate: today, correctsDate: dateOf(p.businessDate), idempotencyKey: `payment:${p.id}:recon:${input.proposalId}:reverse:${e.id}`, description: `Reconciliation correction of ${p.merchantOrderNo}: ${input.reason}`.slice(0, 500) });
      }
      data.paidAt = null;
      data.ledgerEntryId = null;
    }
    data.failureCode = "CORRECTED_BY_RECON";
    data.failureMessage = input.reason.slice(0, 500);
  }
  const after = await tx.payment.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: paymentId } }, data, select: paymentSelect });
  await recordTransition(tx, ctx, { paymentId, fromStatus: p.status, toStatus: input.to, cause: "CORRECTED_BY_RECON", reason: `${input.reason} (proposal ${input.proposalId})`.slice(0, 500) });
  await announce(tx, ctx, after, "payment.corrected", { previousStatus: p.status });
  return after;
}

/**
 * Every account the success of these payments can post to, a late success's automatic refund
 * included, for a transaction that settles several payments at once (a statement's reconciliation,
 * a resolution) to lock ahead.
 */
export function paymentLockRefs(mode: "DIRECT" | "CUSTODIAL", payments: ReadonlyArray<{ merchantId: string; channelAccountId: string; walletId: string | null }>): AccountRef[] {
  if (mode === "DIRECT") return [accounts.marginReceivable, accounts.marginIncome, ...payments.flatMap((p) => [accounts.memoFunds(p.merchantId), accounts.memoDue(p.merchantId)])];
  return payments.flatMap((p) => custodialRefundAccounts(p.merchantId, p.channelAccountId, p.walletId));
}

/** The success's ledger entries, by settlement mode, order type and the channel's fee collection: the templates, never hand-built postings. */
async function postPaymentEntries(tx: Tx, ctx: TenantContext, p: PaymentView, options: { idempotencySuffix?: string; lockAlso?: LockPlan; link?: boolean } = {}): Promise<string> {
  const items = await paymentEntries(tx, ctx, p, options);
  // Anything else the transaction will post (a late success's automatic refund) is locked with
  // the payment's own accounts, in one order; the entries then post in one round trip.
  if (options.lockAlso) await lockAhead(tx, ctx, { ...options.lockAlso, drafts: [...(options.lockAlso.drafts ?? []), ...items.map((i) => i.draft)] });
  // link: the payment records its entry in the same statement.
  const link = options.link ? (entryId: Prisma.Sql) => Prisma.sql`UPDATE payment SET ledger_entry_id = ${entryId} WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${p.id}::uuid` : undefined;
  const [posted] = await postEntries(tx, ctx, items, link);
  return posted!.entryId;
}

async function paymentEntries(tx: Tx, ctx: TenantContext, p: PaymentView, options: { idempotencySuffix?: string }): Promise<Array<{ draft: EntryDraft; opts: PostOptions }>> {
  const settlementMode = await settlementModeOf(tx, ctx);
  const attrs = connectorFor(await channelTypeOf(tx, ctx, p.channelAccountId)).attributes;
  const businessDate = dateOf(p.businessDate);
  const key = `payment:${p.id}${options.idempotencySuffix ?? ""}`;
  const opts = (suffix: string, description: string) => ({ businessDate, idempotencyKey: `${key}${suffix}`, causeType: "payment", causeId: p.id, description });
  if (p.orderType === "RECHARGE") {
    // Money into a customer wallet (CUSTODIAL only; checked when the payment was created): the wallet gets all of it, the provider bears the channel's cost.
    if (!p.walletId) throw new DomainError("INVARIANT", "RECHARGE_WITHOUT_WALLET", "A recharge payment has no wallet");
    return [
      { draft: walletRecharge(p.channelAccountId, p.walletId, p.amountMinor), opts: opts("", `Recharge ${p.merchantOrderNo}`) },
      ...(p.costMinor > 0n ? [{ draft: rechargeChannelCost(p.channelAccountId, p.costMinor, templateFeeCollection(attrs.feeCollection)), opts: opts(":cost", `Channel cost of recharge ${p.merchantOrderNo}`) }] : []),
    ];
  }
  const amounts = { merchantId: p.merchantId, channelAccountId: p.channelAccountId, amountMinor: p.amountMinor, feeMinor: p.feeMinor, costMinor: p.costMinor };
  if (settlementMode === "DIRECT") {
    // The acquirer owes the provider its 分润 (CUSTODIAL books the margin as fee income less channel
    // cost in the payment entry itself).
    return [
      { draft: directMemoPayment(p.merchantId, p.amountMinor - p.feeMinor), opts: opts("", `Payment ${p.merchantOrderNo}`) },
      ...(p.marginMinor > 0n ? [{ draft: margin(p.marginMinor), opts: opts(":margin", `Margin on ${p.merchantOrderNo}`) }] : []),
    ];
  }
  return [{ draft: attrs.feeCollection === "AT_SOURCE" ? paymentFeeAtSource(amounts) : paymentFeeBilledMonthly(amounts), opts: opts("", `Payment ${p.merchantOrderNo}`) }];
}

interface Prepared {
  payment: PaymentView;
  account: ChannelAccountConfig;
  registration: RegistrationIdentity;
  request: PayRequest;
}

/**
 * Creates a payment and carries it as far as the channel's first answer. Refusals before the
 * channel (no route, limits, risk, a repeated order number) throw with a stable code and leave no
 * payment behind (the routing decision is kept: it is the record of the refusal).
 */
export async function createPayment(
  ctx: TenantContext,
  raw: TPaymentCreate,
  // channelAccountId: route only to this account (a face device's binding, issue 7).
  options: { notifyUrlFor?: (channelType: string, channelAccountId: string) => string; channelAccountId?: string } = {},
): Promise<PaymentView> {
  const input = ZPaymentCreate.parse(raw);
  const elements = [
    ...(input.elements.faceCode ? (["FACE_CODE"] as const) : []),
    ...(input.elements.authCode ? (["AUTH_CODE"] as const) : []),
    ...(input.elements.payerIp ? (["PAYER_IP"] as const) : []),
    ...(input.deviceId ? (["DEVICE"] as const) : []),
  ];
  // The merchant's terminal and its own narrowing of routing: an empty one is none.
  const terminalInfo = input.terminalInfo && Object.values(input.terminalInfo).some((v) => v !== undefined) ? input.terminalInfo : undefined;
  const { forceChannel, excludeChannels } = input.routing ?? {};
  const channelFilter: ChannelFilter | undefined =
    forceChannel !== undefined || (excludeChannels?.length ?? 0) > 0
      ? { ...(forceChannel !== undefined ? { forceChannel } : {}), ...(excludeChannels?.length ? { excludeChannels } : {}) }
      : undefined;

  // Step 0: the order number, the merchant and store, then routing (its decision commits on its own).
  // Raw SQL only (the routing configuration, when stale, is loaded by withRoutingConfig outside it).
  const routed = await withRoutingConfig(ctx, () => withTenantTx(ctx.tenantId, async (tx) => {
    // The merchant's status and whether the order number is taken, in one statement.
    const [merchant] = await tx.$queryRaw<Array<{ status: string; takenId: string | null }>>`
      SELECT m.status::text AS status,
             (SELECT p.id FROM payment p WHERE p.tenant_id = m.tenant_id AND p.merchant_id = m.id AND p.merchant_order_no = ${input.merchantOrderNo}) AS "takenId"
        FROM merchant m WHERE m.tenant_id = ${ctx.tenantId}::uuid AND m.id = ${input.merchantId}::uuid`;
    if (!merchant) throw notFound("Merchant");
    if (merchant.status !== "ACTIVE") throw new DomainError("PRECONDITION", "MERCHANT_NOT_ACTIVE", "This merchant cannot take payments now");
    if (input.storeId) {
      const [store] = await tx.$queryRaw<Array<{ merchantId: string }>>`SELECT merchant_id AS "merchantId" FROM store WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${input.storeId}::uuid`;
      if (!store || store.merchantId !== input.merchantId) throw notFound("Store");
    }
    if (input.orderType === "RECHARGE" || input.walletId) {
      await requireCustodial(tx, ctx);
      if (input.orderType !== "RECHARGE") throw new DomainError("BAD_INPUT", "INVALID_REQUEST", "walletId: only a RECHARGE order goes into a wallet", { field: "walletId" });
      if (!input.walletId) throw new DomainError("BAD_INPUT", "INVALID_REQUEST", "walletId: a RECHARGE order needs the wallet it goes into", { field: "walletId" });
      const [wallet] = await tx.$queryRaw<Array<{ status: string }>>`
        SELECT status::text FROM wallet WHERE tenant_id = ${ctx.tenantId}::uuid AND merchant_id = ${input.merchantId}::uuid AND id = ${input.walletId}::uuid`;
      if (!wallet) throw new DomainError("NOT_FOUND", "WALLET_NOT_FOUND", "No such wallet of this merchant", { field: "walletId" });
      if (wallet.status !== "ACTIVE") throw new DomainError("PRECONDITION", "WALLET_NOT_ACTIVE", `This wallet is ${wallet.status.toLowerCase()}`, { field: "walletId" });
    }
    if (merchant.takenId) throw new DomainError("CONFLICT", "MERCHANT_ORDER_NO_TAKEN", `The order number ${input.merchantOrderNo} has already been used`, { field: "merchantOrderNo", params: { paymentId: merchant.takenId } });
    return decideRoute(tx, ctx, {
      ...(options.channelAccountId ? { onlyChannelAccountId: options.channelAccountId } : {}),
      merchantId: input.merchantId,
      ...(input.storeId ? { storeId: input.storeId } : {}),
      ...(input.deviceId ? { deviceId: input.deviceId } : {}),
      orderType: input.orderType,
      product: input.product,
      amountMinor: input.amountMinor,
      elements,
      ...(input.metadata ? { metadata: input.metadata } : {}),
      ...(channelFilter ? { channelFilter } : {}),
    });
  }, { rawOnly: true }));
  const decision = routed.decision;
  if (decision.outcome !== "ROUTED") {
    // The reason's parameters travel with the refusal (lists joined), so clients can say what is missing.
    const params: Record<string, string | number> = { decisionId: routed.decisionId };
    for (const [k, v] of Object.entries(decision.reason.params ?? {})) params[k] = Array.isArray(v) ? v.join(",") : typeof v === "boolean" ? String(v) : (v as string | number);
    // ALL_EXCLUDED by the payment's own forceChannel / excludeChannels names that member.
    const filter = decision.reason.code === "ALL_EXCLUDED" ? decision.reason.params.filter : undefined;
    const field = filter === "forceChannel" || filter === "excludeChannels" ? `routing.${filter}` : undefined;
    throw new DomainError("PRECONDITION", decision.reason.code, field ? `${field}: ${decision.reason.message}` : decision.reason.message, { params, ...(field ? { field } : {}) });
  }

  // Step 1: limits and the payment, PROCESSING.
  const prepared: Prepared = await withTenantTx(ctx.tenantId, async (tx) => {
    const { account, registration } = await channelTarget(tx, ctx, decision.chosen.channelAccountId, decision.chosen.registrationId);
    const outTradeNo = newOutTradeNo();
    try {
      // A recharge carries no merchant fee: the wallet gets all of it and the provider bears the channel's cost.
      const recharge = input.orderType === "RECHARGE";
      const expiresAt = QR_PRODUCTS.has(input.product) ? new Date(Date.now() + QR_EXPIRY_MINUTES * 60_000) : null;
      // The payment and its CREATED transition, one statement.
      const [payment] = await tx.$queryRaw<PaymentView[]>`
        WITH p AS (
        INSERT INTO payment (tenant_id, merchant_id, store_id, device_id, merchant_order_no, out_trade_no, order_type, product, amount_minor, currency,
                             subject, notify_url, metadata, terminal_info, channel_account_id, channel_version, registration_id, routing_decision_id,
                             fee_minor, cost_minor, margin_minor, wallet_id, expires_at, business_date)
        VALUES (${ctx.tenantId}::uuid, ${input.merchantId}::uuid, ${input.storeId ?? null}::uuid, ${input.deviceId ?? null}, ${input.merchantOrderNo}, ${outTradeNo},
                ${input.orderType}::"OrderType", ${input.product}::"ProductCode", ${input.amountMinor}::int8, ${input.currency},
                ${input.subject}, ${input.notifyUrl ?? null}, ${JSON.stringify(input.metadata ?? {})}::jsonb,
                ${terminalInfo ? JSON.stringify(terminalInfo) : null}::jsonb, ${decision.chosen.channelAccountId}::uuid, ${account.version}::int,
                ${decision.chosen.registrationId}::uuid, ${routed.decisionId}::uuid,
                ${recharge ? 0n : decision.feeMinor}::int8, ${decision.costMinor}::int8, ${recharge ? -decision.costMinor : decision.marginMinor}::int8,
                ${input.walletId ?? null}::uuid, ${expiresAt}::timestamptz, ${routed.businessDate}::date)
        RETURNING ${PAYMENT_COLUMNS}
        ), t AS (${TRANSITION_INSERT} SELECT ${transitionValues(ctx, Prisma.raw("p.id"), { fromStatus: null, toStatus: "PROCESSING", cause: "CREATED" })} FROM p)
        SELECT * FROM p`;
      if (!payment) throw new Error("INSERT … RETURNING gave no row");
      const request: PayRequest = {
        outTradeNo,
        amountMinor: input.amountMinor,
        currency: "CNY",
        product: input.product,
        description: input.subject,
        ...(input.elements.faceCode ? { authCode: input.elements.faceCode } : input.elements.authCode ? { authCode: input.elements.authCode } : {}),
        ...(input.deviceId ? { deviceId: input.deviceId } : {}),
        ...(input.storeId ? { storeId: input.storeId } : {}),
        ...(input.elements.payerIp ? { payerIp: input.elements.payerIp } : {}),
        ...(terminalInfo ? { terminalInfo } : {}),
        ...(options.notifyUrlFor ? { notifyUrl: options.notifyUrlFor(account.channelType, account.channelAccountId) } : {}),
      };
      // The daily totals are rows every payment of the account and of the merchant updates: taken
      // last, so their locks are held only through the commit (a refusal still rolls back the payment).
      await reserveLimits(tx, ctx, { businessDate: routed.businessDate, channelAccountId: decision.chosen.channelAccountId, merchantId: input.merchantId, amountMinor: input.amountMinor });
      return { payment, account, registration, request };
    } catch (e) {
      // The order number's unique key (tenant, merchant, merchant_order_no), taken by a concurrent request.
      if ((e as { code?: string }).code === "23505" && (e as { constraint?: string }).constraint === "payment_tenant_id_merchant_id_merchant_order_no_key") {
        throw new DomainError("CONFLICT", "MERCHANT_ORDER_NO_TAKEN", `The order number ${input.merchantOrderNo} has already been used`, { field: "merchantOrderNo" });
      }
      throw e;
    }
    // Raw SQL only (channelTarget, the payment with its transition, the limits).
  }, { rawOnly: true });

  // Step 2: the channel, outside any transaction. A definite decline that proves no money moved
  // may fall back to the decision's next option (never for face or code products): the payment
  // moves to that account with a FALLBACK transition and the channel is called again. The options
  // are the rest of the ranking, which the payment's channel filter already narrowed.
  const fallbacks = NO_FALLBACK_PRODUCTS.has(input.product) ? [] : [...decision.fallbacks];
  let attempt = prepared;
  for (;;) {
    const { result, latencyMs, noMoneyMoved } = await callPay(ctx, attempt);
    if (result.status === "FAILED" && noMoneyMoved && fallbacks.length > 0) {
      const moved = await fallBack(ctx, attempt, fallbacks, result, latencyMs, { businessDate: routed.businessDate, recharge: input.orderType === "RECHARGE", notifyUrlFor: options.notifyUrlFor });
      if (moved) {
        attempt = moved;
        continue;
      }
    }
    // Step 3: the answer.
    return withTenantTx(ctx.tenantId, async (tx) => {
      // The payer's QR code (result.codeUrl) is kept by the state change's own UPDATE, or by the
      // one that schedules the first query of a payment still processing.
      const applied = await applyOrRecordContradiction(tx, ctx, attempt.payment.id, result, "CHANNEL_RESPONSE");
      let after = applied;
      if (applied.status === "PROCESSING") {
        const [scheduled] = await tx.$queryRaw<PaymentView[]>`
          UPDATE payment SET next_query_at = ${new Date(Date.now() + 5_000)}::timestamptz, code_url = COALESCE(${result.codeUrl || null}, code_url), updated_at = ${new Date()}::timestamptz
           WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${applied.id}::uuid RETURNING ${PAYMENT_COLUMNS}`;
        if (!scheduled) throw notFound("Payment");
        after = scheduled;
      }
      // The call's per-minute counter is a row every payment of the account writes: counted last,
      // so its lock is held only through the commit (first, it was what payments queued on).
      await recordChannelCall(tx, ctx, attempt.account.channelAccountId, { ok: result.status !== "PROCESSING" || result.failure === undefined, latencyMs });
      return after;
    });
  }
}

/** How long an unpaid QR order stays open before it is closed at the channel. */
export const QR_EXPIRY_MINUTES = 15;
const QR_PRODUCTS: ReadonlySet<string> = new Set(["WECHAT_QR", "ALIPAY_QR"]);

/** One pay call, outside any transaction: the answer as a ChannelResult, and whether it proves no money moved. */
async function callPay(ctx: TenantContext, attempt: Prepared): Promise<{ result: ChannelResult & { codeUrl?: string }; latencyMs: number; noMoneyMoved: boolean }> {
  const started = performance.now();
  try {
    const answer = await connectorFor(attempt.account.channelType).pay({ account: attempt.account, registration: attempt.registration }, attempt.request);
    return {
      result: {
        status: answer.status,
        ...(answer.channelTradeNo ? { channelTradeNo: answer.channelTradeNo } : {}),
        ...(answer.paidAt ? { paidAt: answer.paidAt } : {}),
        ...(answer.payerId ? { payerId: answer.payerId } : {}),
        ...(answer.failure ? { failure: answer.failure } : {}),
        ...(answer.codeUrl ? { codeUrl: answer.codeUrl } : {}),
        exchanges: answer.exchanges,
      },
      latencyMs: performance.now() - started,
      noMoneyMoved: answer.status === "FAILED" && answer.noMoneyMoved,
    };
  } catch (error) {
    if (refusedBeforeSending(error)) {
      // Refused before anything was sent: a definite failure, no money moved.
      return { result: { status: "FAILED", failure: { code: error.code, message: error.message.slice(0, 300) } }, latencyMs: performance.now() - started, noMoneyMoved: true };
    }
    // The connector could not tell: unknown, never a failure (money may have moved).
    logger.warn({ tenantId: ctx.tenantId, paymentId: attempt.payment.id, err: (error as Error).message }, "channel pay threw; payment stays PROCESSING");
    return { result: { status: "PROCESSING", failure: { code: "CHANNEL_ERROR", message: (error as Error).message.slice(0, 300) } }, latencyMs: performance.now() - started, noMoneyMoved: false };
  }
}

/**
 * Moves a payment whose channel declined it (no money moved) to the next fallback option that can
 * take it: the declining account's limits are released and the next one's reserved, the payment
 * gets the new account, registration, fees and a new order number, and a FALLBACK transition
 * records the decline. Returns null when no option is left (the decline then stands).
 */
async function fallBack(
  ctx: TenantContext,
  from: Prepared,
  options: RouteOption[],
  declined: ChannelResult,
  latencyMs: number,
  meta: { businessDate: string; recharge: boolean; notifyUrlFor: ((channelType: string, channelAccountId: string) => string) | undefined },
): Promise<Prepared | null> {
  while (options.length > 0) {
    const next = options.shift()!;
    try {
      return await withTenantTx(ctx.tenantId, async (tx) => {
        const p = from.payment;
        await releaseLimits(tx, ctx, { businessDate: meta.businessDate, channelAccountId: from.account.channelAccountId, merchantId: p.merchantId, amountMinor: p.amountMinor });
        await reserveLimits(tx, ctx, { businessDate: meta.businessDate, channelAccountId: next.channelAccountId, merchantId: p.merchantId, amountMinor: p.amountMinor });
        const { account, registration } = await channelTarget(tx, ctx, next.channelAccountId, next.registrationId);
        const outTradeNo = newOutTradeNo();
        const payment = await tx.payment.update({
          where: { tenantId_id: { tenantId: ctx.tenantId, id: p.id } },
          data: {
            channelAccountId: next.channelAccountId,
            channelVersion: account.version,
            registrationId: next.registrationId,
            outTradeNo,
            feeMinor: meta.recharge ? 0n : next.feeMinor,
            costMinor: next.costMinor,
            marginMinor: meta.recharge ? -next.costMinor : next.marginMinor,
          },
          select: paymentSelect,
        });
        await recordTransition(tx, ctx, {
          paymentId: p.id,
          fromStatus: "PROCESSING",
          toStatus: "PROCESSING",
          cause: "FALLBACK",
          reason: `${declined.failure?.code ?? "DECLINED"}: ${declined.failure?.message ?? ""} → ${next.channelAccountName}`.slice(0, 500),
          exchanges: declined.exchanges,
        });
        const request: PayRequest = { ...from.request, outTradeNo, ...(meta.notifyUrlFor ? { notifyUrl: meta.notifyUrlFor(account.channelType, account.channelAccountId) } : {}) };
        await recordChannelCall(tx, ctx, from.account.channelAccountId, { ok: true, latencyMs });
        return { payment, account, registration, request };
      });
    } catch (e) {
      // The next option cannot take it (its limits are full): try the one after.
      if (e instanceof DomainError && e.kind === "PRECONDITION") continue;
      throw e;
    }
  }
  return null;
}

/** Asks the channel about a PROCESSING payment (original account and credential version) and applies a definite answer. */
/**
 * Face and payment-code payments send no notification and cannot wait for the payer forever:
 * after this many unanswered queries (about 2½ minutes with the back-off) the payment is reversed
 * (撤销) at the channel, and only the channel's confirmation closes it.
 */
export const REVERSE_AFTER_QUERIES = 6;

/** Asks the channel about a PROCESSING payment (original account and credential version) and applies a definite answer. */
export async function queryPayment(ctx: TenantContext, paymentId: string): Promise<PaymentView> {
  const loaded = await withTenantTx(ctx.tenantId, async (tx) => {
    const payment = await tx.payment.findFirst({ where: { tenantId: ctx.tenantId, id: paymentId }, select: { ...paymentSelect, queryAttempts: true } });
    if (!payment) throw notFound("Payment");
    if (payment.status !== "PROCESSING") return { payment };
    const { account, registration } = await channelTarget(tx, ctx, payment.channelAccountId, payment.registrationId, payment.channelVersion);
    return { payment, account, registration };
  });
  if (!loaded.account || !loaded.registration) return loaded.payment;
  const connector = connectorFor(loaded.account.channelType);
  const channel = { account: loaded.account, registration: loaded.registration };
  const answer = await connector.query(channel, { outTradeNo: loaded.payment.outTradeNo });
  const status: ChannelResult["status"] =
    answer.status === "SUCCEEDED" || answer.status === "REFUNDED" ? "SUCCEEDED" : answer.status === "FAILED" ? "FAILED" : answer.status === "CLOSED" || answer.status === "REVERSED" ? "CLOSED" : "PROCESSING";
  const { after, attempts } = await withTenantTx(ctx.tenantId, async (tx) => {
    const applied = await applyOrRecordContradiction(
      tx,
      ctx,
      paymentId,
      {
        status,
        ...(answer.channelTradeNo ? { channelTradeNo: answer.channelTradeNo } : {}),
        ...(answer.paidAt ? { paidAt: answer.paidAt } : {}),
        ...(answer.payerId ? { payerId: answer.payerId } : {}),
        // A trade the channel shows closed or reversed says so in the payment's failure code.
        ...(answer.failure ? { failure: answer.failure } : status === "CLOSED" ? { failure: { code: answer.status, message: `the channel shows the trade ${answer.status.toLowerCase()}` } } : {}),
        exchanges: answer.exchanges,
      },
      "QUERY",
    );
    if (applied.status !== "PROCESSING") return { after: applied, attempts: 0 };
    const n = (await tx.payment.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: paymentId } }, data: { queryAttempts: { increment: 1 } }, select: { queryAttempts: true } })).queryAttempts;
    await tx.payment.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: paymentId } }, data: { nextQueryAt: new Date(Date.now() + Math.min(60_000, 5_000 * 2 ** Math.min(n, 4))) } });
    return { after: applied, attempts: n };
  });
  const qrExpired = QR_PRODUCTS.has(after.product) && after.expiresAt !== null && after.expiresAt <= new Date();
  if (after.status !== "PROCESSING" || !(qrExpired || (attempts >= REVERSE_AFTER_QUERIES && NO_FALLBACK_PRODUCTS.has(after.product)))) return after;
  return reversePayment(ctx, paymentId, qrExpired ? "QR_EXPIRED" : "QUERY_WINDOW");
}

/**
 * Reverses (撤销) a PROCESSING face or code payment after its query window, or closes an expired
 * unpaid QR order, at the channel (outside any transaction); only the channel's confirmation
 * closes it. The payer may have paid meanwhile: if the payment has succeeded by the time the
 * answer is applied and the channel says the reversal returned the money, that is booked as a
 * refund the channel made (never a silent CLOSED over a SUCCEEDED payment).
 */
export async function reversePayment(ctx: TenantContext, paymentId: string, why: "QR_EXPIRED" | "QUERY_WINDOW"): Promise<PaymentView> {
  const loaded = await withTenantTx(ctx.tenantId, async (tx) => {
    const payment = await tx.payment.findFirst({ where: { tenantId: ctx.tenantId, id: paymentId }, select: paymentSelect });
    if (!payment) throw notFound("Payment");
    if (payment.status !== "PROCESSING") return { payment };
    const { account, registration } = await channelTarget(tx, ctx, payment.channelAccountId, payment.registrationId, payment.channelVersion);
    return { payment, account, registration };
  });
  if (!loaded.account || !loaded.registration) return loaded.payment;
  const p = loaded.payment;
  const reversed = await connectorFor(loaded.account.channelType).closeOrReverse({ account: loaded.account, registration: loaded.registration }, { outTradeNo: p.outTradeNo, product: p.product });
  const cause = why === "QR_EXPIRED" ? "CLOSE" : "REVERSE";
  return withTenantTx(ctx.tenantId, async (tx) => {
    const now = await lockPayment(tx, ctx, paymentId);
    if (!now) throw notFound("Payment");
    const confirmed = reversed.status === "CLOSED" || reversed.status === "REVERSED";
    if (now.status === "PROCESSING" && confirmed) {
      const message = why === "QR_EXPIRED" ? "the QR code expired unpaid; closed at the channel" : reversed.refunded ? "reversed after the query window; the channel refunded the payer" : "reversed after the query window";
      return applyChannelResult(tx, ctx, paymentId, { status: "CLOSED", failure: { code: reversed.status, message }, exchanges: reversed.exchanges }, cause);
    }
    if (now.status === "SUCCEEDED" && confirmed && reversed.refunded) {
      // The success arrived while the reversal was on its way, and the channel gave the payer the money back.
      const refunds = await tx.refund.aggregate({ where: { tenantId: ctx.tenantId, paymentId, status: { in: ["PROCESSING", "SUCCEEDED", "ABNORMAL"] } }, _sum: { amountMinor: true } });
      const left = now.amountMinor - (refunds._sum.amountMinor ?? 0n);
      if (left > 0n) {
        try {
          const r = await recordRefund(tx, ctx, { paymentId, merchantRefundNo: `REVERSAL-${paymentId}`, amountMinor: left, reason: "Reversed at the channel after the payer had paid", origin: "REVERSAL" });
          await applyRefundResult(tx, ctx, r.id, { status: "SUCCEEDED", exchanges: reversed.exchanges }, "REVERSE");
        } catch (e) {
          if (!(e instanceof DomainError)) throw e;
          await openException(tx, ctx, { kind: "REVERSED_AFTER_SUCCESS", causeType: "payment", causeId: paymentId, merchantId: now.merchantId, amountMinor: left, businessDate: dateOf(now.businessDate), details: { code: e.code, message: e.message } });
        }
      }
      return tx.payment.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id: paymentId }, select: paymentSelect });
    }
    // RETRY (WeChat recall=Y), a refusal, or the payment moved meanwhile: recorded, nothing else changes.
    await recordTransition(tx, ctx, {
      paymentId,
      fromStatus: now.status,
      toStatus: now.status,
      cause,
      reason: reversed.failure ? `${reversed.failure.code}: ${reversed.failure.message}`.slice(0, 500) : `${cause.toLowerCase()} answered ${reversed.status}`,
      exchanges: reversed.exchanges,
    });
    if (now.status === "PROCESSING") await tx.payment.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: paymentId } }, data: { nextQueryAt: new Date(Date.now() + 5_000) } });
    return now;
  });
}

export async function getPayment(tx: Tx, ctx: TenantContext, id: string, merchantId?: string) {
  const p = await tx.payment.findFirst({ where: { tenantId: ctx.tenantId, id, ...(merchantId ? { merchantId } : {}) }, select: paymentSelect });
  if (!p) throw notFound("Payment");
  return p;
}

export async function paymentTransitions(tx: Tx, ctx: TenantContext, paymentId: string) {
  return tx.paymentTransition.findMany({ where: { tenantId: ctx.tenantId, paymentId }, orderBy: { createdAt: "asc" } });
}

export async function findPayments(tx: Tx, ctx: TenantContext, input: { merchantId?: string; merchantOrderNo?: string; status?: PaymentStatus; limit?: number }) {
  return tx.payment.findMany({
    where: {
      tenantId: ctx.tenantId,
      ...(input.merchantId ? { merchantId: input.merchantId } : {}),
      ...(input.merchantOrderNo ? { merchantOrderNo: input.merchantOrderNo } : {}),
      ...(input.status ? { status: input.status } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: Math.min(input.limit ?? 50, 200),
    select: paymentSelect,
  });
}

/** Notifications (from /api/notify, verified) move payments and refunds like a query answer does. */
export async function applyPaymentNotification(
  tx: Tx,
  ctx: TenantContext,
  n: { kind: string; outTradeNo: string; outRefundNo?: string; status: string; channelTradeNo?: string; channelRefundNo?: string; occurredAt?: Date; payerId?: string; channelAccountId: string },
) {
  if (n.kind === "REFUND") {
    await applyRefundNotification(tx, ctx, {
      status: n.status,
      ...(n.outRefundNo ? { outRefundNo: n.outRefundNo } : {}),
      ...(n.channelRefundNo ? { channelRefundNo: n.channelRefundNo } : {}),
      ...(n.occurredAt ? { occurredAt: n.occurredAt } : {}),
    });
    return;
  }
  if (n.kind !== "PAYMENT") return;
  const p = await tx.payment.findFirst({ where: { tenantId: ctx.tenantId, outTradeNo: n.outTradeNo, channelAccountId: n.channelAccountId }, select: { id: true } });
  if (!p) {
    logger.warn({ tenantId: ctx.tenantId, outTradeNo: n.outTradeNo }, "notification for an unknown payment");
    return;
  }
  const status: ChannelResult["status"] = n.status === "SUCCEEDED" ? "SUCCEEDED" : n.status === "FAILED" ? "FAILED" : n.status === "CLOSED" || n.status === "REVERSED" ? "CLOSED" : "PROCESSING";
  // A failure or close reported for a payment that has succeeded contradicts the channel's own
  // earlier answer: recorded and acknowledged, never applied (reconciliation is the judge).
  await applyOrRecordContradiction(tx, ctx, p.id, { status, ...(n.channelTradeNo ? { channelTradeNo: n.channelTradeNo } : {}), ...(n.occurredAt ? { paidAt: n.occurredAt } : {}), ...(n.payerId ? { payerId: n.payerId } : {}) }, "NOTIFICATION");
}
