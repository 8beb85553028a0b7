import { randomBytes } from "node:crypto";
import { connectorFor } from "@/server/channels/registry";
import { ChannelError, NO_FALLBACK_PRODUCTS, type ChannelAccountConfig, type ChannelExchange, type PayRequest, type RegistrationIdentity } from "@/server/channels/types";
import { connectorConfig } from "@/server/core/channels/accounts";
import { recordChannelCall } from "@/server/core/channels/health";
import { releaseLimits, reserveLimits } from "@/server/core/channels/limits";
import { decideRoute } from "@/server/core/channels/routing";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { postEntry } from "@/server/core/ledger/service";
import { directMemoPayment, margin, paymentFeeAtSource, paymentFeeBilledMonthly } from "@/server/core/ledger/templates";
import { open } from "@/server/core/secrets/envelope";
import type { Prisma } from "@/server/db/generated/prisma/client";
import type { PaymentStatus } from "@/server/db/generated/prisma/enums";
import { withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import { ZPaymentCreate, type TPaymentCreate } from "./schema";
import { assertMove } from "./state";

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
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.PaymentSelect;

export type PaymentView = Prisma.PaymentGetPayload<{ select: typeof paymentSelect }>;

/** Our order number at the channel: ≤ 32 characters of [A-Za-z0-9] (WeChat's out_trade_no limit). */
function newOutTradeNo(): string {
  return `SY${Date.now().toString(36).toUpperCase()}${randomBytes(8).toString("hex").toUpperCase()}`;
}

export interface ChannelResult {
  readonly status: "SUCCEEDED" | "PROCESSING" | "FAILED" | "CLOSED";
  readonly channelTradeNo?: string;
  readonly paidAt?: Date;
  readonly failure?: { code: string; message: string };
  readonly exchanges?: readonly ChannelExchange[];
}

function actorName(ctx: TenantContext): string {
  return ctx.actor.kind === "USER" ? ctx.actor.email : ctx.actor.kind === "PLATFORM" ? `platform:${ctx.actor.email}` : ctx.actor.name;
}

async function registrationIdentity(tx: Tx, ctx: TenantContext, registrationId: string): Promise<RegistrationIdentity> {
  const r = await tx.merchantChannelRegistration.findFirst({ where: { tenantId: ctx.tenantId, id: registrationId } });
  if (!r) throw notFound("Registration");
  const token = r.appAuthToken ? open({ tenantId: ctx.tenantId, table: "merchant_channel_registration", rowId: r.id, field: "appAuthToken" }, r.appAuthToken) : undefined;
  return {
    registrationId: r.id,
    ...(r.subMchId ? { subMchId: r.subMchId } : {}),
    ...(r.subAppId ? { subAppId: r.subAppId } : {}),
    ...(r.smid ? { smid: r.smid } : {}),
    ...(token ? { appAuthToken: token } : {}),
    ...(r.shopId ? { shopId: r.shopId } : {}),
    ...(r.acquirerMerchantNo ? { acquirerMerchantNo: r.acquirerMerchantNo } : {}),
    ...(r.terminalNo ? { terminalNo: r.terminalNo } : {}),
  };
}

const dateOf = (d: Date) => d.toISOString().slice(0, 10);

/**
 * Applies a channel's answer to a payment (inside the caller's transaction, the payment row
 * locked): a definite result moves the state with its ledger entries, limits and transition; the
 * same answer again changes nothing; an answer that contradicts a final state is refused.
 */
export async function applyChannelResult(tx: Tx, ctx: TenantContext, paymentId: string, result: ChannelResult, cause: string): Promise<PaymentView> {
  await tx.$queryRaw`SELECT 1 FROM payment WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${paymentId}::uuid FOR UPDATE`;
  const p = await tx.payment.findFirst({ where: { tenantId: ctx.tenantId, id: paymentId }, select: paymentSelect });
  if (!p) throw notFound("Payment");
  const exchanges = (result.exchanges ?? []) as unknown as Prisma.InputJsonValue;
  if (result.status === p.status || result.status === "PROCESSING") {
    // Nothing moves; the exchange is still worth keeping (a query, a duplicate notification).
    if (result.status === "PROCESSING" && (result.exchanges?.length ?? 0) > 0) {
      await tx.paymentTransition.create({ data: { tenantId: ctx.tenantId, paymentId, fromStatus: p.status, toStatus: p.status, cause, reason: "still processing", actor: actorName(ctx), exchanges } });
    }
    return p;
  }
  assertMove(p.status, result.status);
  const to: PaymentStatus = result.status;
  const data: Prisma.PaymentUpdateInput = { status: to, nextQueryAt: null };
  if (result.channelTradeNo) data.channelTradeNo = result.channelTradeNo;
  if (to === "SUCCEEDED") {
    data.paidAt = result.paidAt ?? new Date();
    data.ledgerEntryId = await postPaymentEntries(tx, ctx, p);
  } else {
    data.failureCode = result.failure?.code ?? (to === "CLOSED" ? "CLOSED" : "FAILED");
    data.failureMessage = result.failure?.message ?? null;
    await releaseLimits(tx, ctx, { businessDate: dateOf(p.businessDate), channelAccountId: p.channelAccountId, merchantId: p.merchantId, amountMinor: p.amountMinor });
  }
  const after = await tx.payment.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: paymentId } }, data, select: paymentSelect });
  await tx.paymentTransition.create({
    data: { tenantId: ctx.tenantId, paymentId, fromStatus: p.status, toStatus: to, cause, reason: result.failure ? `${result.failure.code}: ${result.failure.message}`.slice(0, 500) : null, actor: actorName(ctx), exchanges },
  });
  await tx.routingDecision.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: p.routingDecisionId } }, data: { succeeded: to === "SUCCEEDED" } });
  return after;
}

/** The success's ledger entries, by settlement mode and the channel's fee collection: the templates, never hand-built postings. */
async function postPaymentEntries(tx: Tx, ctx: TenantContext, p: PaymentView): Promise<string> {
  const tenant = await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { settlementMode: true } });
  const account = await tx.channelAccount.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id: p.channelAccountId }, select: { channelType: true } });
  const attrs = connectorFor(account.channelType).attributes;
  const amounts = { merchantId: p.merchantId, channelAccountId: p.channelAccountId, amountMinor: p.amountMinor, feeMinor: p.feeMinor, costMinor: p.costMinor };
  const draft =
    tenant.settlementMode === "DIRECT" ? directMemoPayment(p.merchantId, p.amountMinor - p.feeMinor) : attrs.feeCollection === "AT_SOURCE" ? paymentFeeAtSource(amounts) : paymentFeeBilledMonthly(amounts);
  const businessDate = dateOf(p.businessDate);
  const posted = await postEntry(tx, ctx, draft, { businessDate, idempotencyKey: `payment:${p.id}`, causeType: "payment", causeId: p.id, description: `Payment ${p.merchantOrderNo}` });
  if (p.marginMinor > 0n) {
    await postEntry(tx, ctx, margin(p.marginMinor), { businessDate, idempotencyKey: `payment:${p.id}:margin`, causeType: "payment", causeId: p.id, description: `Margin on ${p.merchantOrderNo}` });
  }
  return posted.entryId;
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
export async function createPayment(ctx: TenantContext, raw: TPaymentCreate, options: { notifyUrlFor?: (channelType: string, channelAccountId: string) => string } = {}): Promise<PaymentView> {
  const input = ZPaymentCreate.parse(raw);
  const elements = [
    ...(input.elements.faceCode ? (["FACE_CODE"] as const) : []),
    ...(input.elements.authCode ? (["AUTH_CODE"] as const) : []),
    ...(input.elements.payerIp ? (["PAYER_IP"] as const) : []),
    ...(input.deviceId ? (["DEVICE"] as const) : []),
  ];

  // Step 0: the order number, the merchant and store, then routing (its decision commits on its own).
  const routed = await withTenantTx(ctx.tenantId, async (tx) => {
    const merchant = await tx.merchant.findFirst({ where: { tenantId: ctx.tenantId, id: input.merchantId }, select: { status: true } });
    if (!merchant) throw notFound("Merchant");
    if (merchant.status !== "ACTIVE") throw new DomainError("PRECONDITION", "MERCHANT_NOT_ACTIVE", "This merchant cannot take payments now");
    if (input.storeId) {
      const store = await tx.store.findFirst({ where: { tenantId: ctx.tenantId, id: input.storeId }, select: { merchantId: true } });
      if (!store || store.merchantId !== input.merchantId) throw notFound("Store");
    }
    const taken = await tx.payment.findFirst({ where: { tenantId: ctx.tenantId, merchantId: input.merchantId, merchantOrderNo: input.merchantOrderNo }, select: { id: true } });
    if (taken) throw new DomainError("CONFLICT", "MERCHANT_ORDER_NO_TAKEN", `The order number ${input.merchantOrderNo} has already been used`, { field: "merchantOrderNo", params: { paymentId: taken.id } });
    return decideRoute(tx, ctx, {
      merchantId: input.merchantId,
      ...(input.storeId ? { storeId: input.storeId } : {}),
      ...(input.deviceId ? { deviceId: input.deviceId } : {}),
      orderType: input.orderType,
      product: input.product,
      amountMinor: input.amountMinor,
      elements,
      ...(input.metadata ? { metadata: input.metadata } : {}),
    });
  });
  const decision = routed.decision;
  if (decision.outcome !== "ROUTED") {
    // The reason's parameters travel with the refusal (lists joined), so clients can say what is missing.
    const params: Record<string, string | number> = { decisionId: routed.decisionId };
    for (const [k, v] of Object.entries(decision.reason.params ?? {})) params[k] = Array.isArray(v) ? v.join(",") : typeof v === "boolean" ? String(v) : (v as string | number);
    throw new DomainError("PRECONDITION", decision.reason.code, decision.reason.message, { params });
  }

  // Step 1: limits and the payment, PROCESSING.
  const prepared: Prepared = await withTenantTx(ctx.tenantId, async (tx) => {
    await reserveLimits(tx, ctx, { businessDate: routed.businessDate, channelAccountId: decision.chosen.channelAccountId, merchantId: input.merchantId, amountMinor: input.amountMinor });
    const account = await connectorConfig(tx, ctx, decision.chosen.channelAccountId);
    const registration = await registrationIdentity(tx, ctx, decision.chosen.registrationId);
    const outTradeNo = newOutTradeNo();
    try {
      const payment = await tx.payment.create({
        data: {
          tenantId: ctx.tenantId,
          merchantId: input.merchantId,
          storeId: input.storeId ?? null,
          deviceId: input.deviceId ?? null,
          merchantOrderNo: input.merchantOrderNo,
          outTradeNo,
          orderType: input.orderType,
          product: input.product,
          amountMinor: input.amountMinor,
          currency: input.currency,
          subject: input.subject,
          notifyUrl: input.notifyUrl ?? null,
          metadata: input.metadata ?? {},
          channelAccountId: decision.chosen.channelAccountId,
          channelVersion: account.version,
          registrationId: decision.chosen.registrationId,
          routingDecisionId: routed.decisionId,
          feeMinor: decision.feeMinor,
          costMinor: decision.costMinor,
          marginMinor: decision.marginMinor,
          businessDate: new Date(`${routed.businessDate}T00:00:00Z`),
        },
        select: paymentSelect,
      });
      await tx.paymentTransition.create({ data: { tenantId: ctx.tenantId, paymentId: payment.id, fromStatus: null, toStatus: "PROCESSING", cause: "CREATED", actor: actorName(ctx) } });
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
        ...(options.notifyUrlFor ? { notifyUrl: options.notifyUrlFor(account.channelType, account.channelAccountId) } : {}),
      };
      return { payment, account, registration, request };
    } catch (e) {
      if ((e as { code?: string }).code === "P2002") {
        throw new DomainError("CONFLICT", "MERCHANT_ORDER_NO_TAKEN", `The order number ${input.merchantOrderNo} has already been used`, { field: "merchantOrderNo" });
      }
      throw e;
    }
  });

  // Step 2: the channel, outside any transaction.
  const connector = connectorFor(prepared.account.channelType);
  const started = performance.now();
  let result: ChannelResult;
  try {
    const answer = await connector.pay({ account: prepared.account, registration: prepared.registration }, prepared.request);
    result = {
      status: answer.status,
      ...(answer.channelTradeNo ? { channelTradeNo: answer.channelTradeNo } : {}),
      ...(answer.paidAt ? { paidAt: answer.paidAt } : {}),
      ...(answer.failure ? { failure: answer.failure } : {}),
      exchanges: answer.exchanges,
    };
  } catch (error) {
    if (error instanceof ChannelError && (error.code === "MALFORMED" || error.code === "CONFIG_INVALID" || error.code === "NOT_SUPPORTED")) {
      // Refused before anything was sent: a definite failure, no money moved.
      result = { status: "FAILED", failure: { code: error.code, message: error.message.slice(0, 300) } };
    } else {
      // The connector could not tell: unknown, never a failure (money may have moved).
      logger.warn({ tenantId: ctx.tenantId, paymentId: prepared.payment.id, err: (error as Error).message }, "channel pay threw; payment stays PROCESSING");
      result = { status: "PROCESSING", failure: { code: "CHANNEL_ERROR", message: (error as Error).message.slice(0, 300) } };
    }
  }
  const latencyMs = performance.now() - started;

  // Step 3: the answer.
  return withTenantTx(ctx.tenantId, async (tx) => {
    await recordChannelCall(tx, ctx, prepared.account.channelAccountId, { ok: result.status !== "PROCESSING" || result.failure === undefined, latencyMs });
    const after = await applyChannelResult(tx, ctx, prepared.payment.id, result, "CHANNEL_RESPONSE");
    if (after.status === "PROCESSING") {
      await tx.payment.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: after.id } }, data: { nextQueryAt: new Date(Date.now() + 5_000) } });
    }
    return after;
  });
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
    const account = await connectorConfig(tx, ctx, payment.channelAccountId, payment.channelVersion);
    const registration = await registrationIdentity(tx, ctx, payment.registrationId);
    return { payment, account, registration };
  });
  if (!loaded.account || !loaded.registration) return loaded.payment;
  const connector = connectorFor(loaded.account.channelType);
  const channel = { account: loaded.account, registration: loaded.registration };
  const answer = await connector.query(channel, { outTradeNo: loaded.payment.outTradeNo });
  const status: ChannelResult["status"] =
    answer.status === "SUCCEEDED" || answer.status === "REFUNDED" ? "SUCCEEDED" : answer.status === "FAILED" ? "FAILED" : answer.status === "CLOSED" || answer.status === "REVERSED" ? "CLOSED" : "PROCESSING";
  const { after, attempts } = await withTenantTx(ctx.tenantId, async (tx) => {
    const applied = await applyChannelResult(
      tx,
      ctx,
      paymentId,
      {
        status,
        ...(answer.channelTradeNo ? { channelTradeNo: answer.channelTradeNo } : {}),
        ...(answer.paidAt ? { paidAt: answer.paidAt } : {}),
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
  if (after.status !== "PROCESSING" || attempts < REVERSE_AFTER_QUERIES || !NO_FALLBACK_PRODUCTS.has(after.product)) return after;

  // The query window is over: reverse at the channel, outside any transaction.
  const reversed = await connector.closeOrReverse(channel, { outTradeNo: after.outTradeNo, product: after.product });
  return withTenantTx(ctx.tenantId, async (tx) => {
    if (reversed.status === "CLOSED" || reversed.status === "REVERSED") {
      return applyChannelResult(
        tx,
        ctx,
        paymentId,
        {
          status: "CLOSED",
          failure: { code: reversed.status, message: reversed.refunded ? "reversed after the query window; the channel refunded the payer" : "reversed after the query window" },
          exchanges: reversed.exchanges,
        },
        "REVERSE",
      );
    }
    // RETRY (WeChat recall=Y) or a refusal: still PROCESSING; the next query comes soon.
    await tx.paymentTransition.create({
      data: { tenantId: ctx.tenantId, paymentId, fromStatus: "PROCESSING", toStatus: "PROCESSING", cause: "REVERSE", reason: reversed.failure ? `${reversed.failure.code}: ${reversed.failure.message}`.slice(0, 500) : `reverse answered ${reversed.status}`, actor: actorName(ctx), exchanges: reversed.exchanges as unknown as Prisma.InputJsonValue },
    });
    await tx.payment.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: paymentId } }, data: { nextQueryAt: new Date(Date.now() + 5_000) } });
    return after;
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

/** Notifications about payments (from /api/notify) move them like a query answer does. */
export async function applyPaymentNotification(tx: Tx, ctx: TenantContext, n: { kind: string; outTradeNo: string; status: string; channelTradeNo?: string; occurredAt?: Date; channelAccountId: string }) {
  if (n.kind !== "PAYMENT") return;
  const p = await tx.payment.findFirst({ where: { tenantId: ctx.tenantId, outTradeNo: n.outTradeNo, channelAccountId: n.channelAccountId }, select: { id: true } });
  if (!p) {
    logger.warn({ tenantId: ctx.tenantId, outTradeNo: n.outTradeNo }, "notification for an unknown payment");
    return;
  }
  const status: ChannelResult["status"] = n.status === "SUCCEEDED" ? "SUCCEEDED" : n.status === "FAILED" ? "FAILED" : n.status === "CLOSED" || n.status === "REVERSED" ? "CLOSED" : "PROCESSING";
  try {
    await applyChannelResult(tx, ctx, p.id, { status, ...(n.channelTradeNo ? { channelTradeNo: n.channelTradeNo } : {}), ...(n.occurredAt ? { paidAt: n.occurredAt } : {}) }, "NOTIFICATION");
  } catch (e) {
    // A success for a payment we hold as FAILED or CLOSED (LATE_SUCCESS) is the next slice's; it is logged, not dropped silently.
    if ((e as DomainError).code === "ILLEGAL_TRANSITION") logger.error({ tenantId: ctx.tenantId, paymentId: p.id, status: n.status }, "late channel result for a final payment (LATE_SUCCESS handling not built yet)");
    else throw e;
  }
}
