import { randomBytes } from "node:crypto";
import { connectorFor } from "@/server/channels/registry";
import { refusedBeforeSending, type RefundResult } from "@/server/channels/types";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { lockAhead } from "@/server/core/ledger/service";
import { accounts } from "@/server/core/ledger/templates";
import { channelTarget } from "@/server/core/payments/common";
import { authorizedTenantId, withTenantTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { publish, registerOutboxHandler, type HandlerResult } from "@/server/jobs/outbox";
import { logger } from "@/server/lib/logger";
import { closeException, recordEvent, releaseSuspenseOf } from "./exceptions";

// Refunding the customer (issue 6's "refund or reverse the customer"): money at the channel that
// no order of ours wants is given back to the payer through the channel. Two differences qualify,
// both 长款:
//   CHANNEL_ONLY  a payment only the channel shows: the whole line is refunded, in the name of the
//                 merchant registered as its sub-merchant
//   AMOUNT        the channel charged more than our order: the excess is refunded, as a partial
//                 refund of our payment's trade (its total as the channel bills it)
// The resolution's approval records the refund and an outbox event; the drainer asks the channel
// outside any transaction (refund, then queries while it is processing), and the answer is applied
// in its own transaction:
//   SUCCEEDED  the difference's suspense entry is reversed (the money leaves clearing with the
//              refund) and the exception is RESOLVED
//   FAILED     the exception goes back to INVESTIGATING with the channel's words, for another
//              resolution; nothing is posted
// Later bills show the refund as a line with our out_refund_no; reconciliation matches it here.

export const CUSTOMER_REFUND_TOPIC = "recon.customer_refund";
/** How long a processing refund waits before it is asked about again: 30 s, growing to an hour. */
const retryAfter = (attempt: number) => Math.min(30 * attempt, 3600);

interface Target {
  readonly line: { outTradeNo: string; channelTradeNo: string | null; amountMinor: bigint };
  /** What goes back to the payer: the whole line, or the excess over our order. */
  readonly refundMinor: bigint;
  readonly registrationId: string;
}

const NOT_APPLICABLE =
  "Refunding the customer applies to money the channel holds that no order of ours wants: a payment only the channel shows, or the excess the channel charged above our order";

/** What a REFUND_CUSTOMER resolution would refund, or why it cannot. */
export async function customerRefundTarget(tx: Tx, ctx: TenantContext, type: string, recon: { lineId: string | null; paymentId: string | null; channelAccountId: string }): Promise<Target> {
  const line = recon.lineId
    ? await tx.statementLine.findFirst({ where: { tenantId: ctx.tenantId, id: recon.lineId }, select: { kind: true, outTradeNo: true, channelTradeNo: true, amountMinor: true, subMerchant: true } })
    : null;
  if ((type !== "CHANNEL_ONLY" && type !== "AMOUNT") || !line || line.kind !== "PAYMENT" || line.amountMinor <= 0n) throw new DomainError("PRECONDITION", "RESOLUTION_NOT_APPLICABLE", NOT_APPLICABLE);
  if (!line.outTradeNo) throw new DomainError("PRECONDITION", "RESOLUTION_NOT_APPLICABLE", "The statement line has no order number to refund at the channel");
  let refundMinor = line.amountMinor;
  let registrationId: string | undefined;
  if (type === "AMOUNT") {
    const payment = recon.paymentId ? await tx.payment.findFirst({ where: { tenantId: ctx.tenantId, id: recon.paymentId }, select: { amountMinor: true, registrationId: true } }) : null;
    if (!payment) throw new DomainError("PRECONDITION", "RESOLUTION_NOT_APPLICABLE", NOT_APPLICABLE);
    refundMinor = line.amountMinor - payment.amountMinor;
    if (refundMinor <= 0n) {
      throw new DomainError("PRECONDITION", "RESOLUTION_NOT_APPLICABLE", "The channel shows less than our order, not more: there is no excess to give back to the payer (a 短款 is accepted, waited for or written off)");
    }
    registrationId = payment.registrationId;
  } else {
    const sub = line.subMerchant;
    const registration = sub
      ? await tx.merchantChannelRegistration.findFirst({
          where: { tenantId: ctx.tenantId, channelAccountId: recon.channelAccountId, OR: [{ subMchId: sub }, { smid: sub }, { acquirerMerchantNo: sub }] },
          select: { id: true },
        })
      : null;
    if (!registration) {
      throw new DomainError("PRECONDITION", "RESOLUTION_NOT_APPLICABLE", sub ? `No merchant of ours is registered as ${sub} at this channel account: the refund has to be asked for in that merchant's name` : "The statement line names no sub-merchant to refund in the name of");
    }
    registrationId = registration.id;
  }
  const live = await tx.reconCustomerRefund.findFirst({ where: { tenantId: ctx.tenantId, outTradeNo: line.outTradeNo, channelAccountId: recon.channelAccountId, status: { not: "FAILED" } }, select: { id: true } });
  if (live) throw new DomainError("PRECONDITION", "RESOLUTION_NOT_APPLICABLE", "This payment has already been refunded to the customer, or is being refunded");
  return { line: { outTradeNo: line.outTradeNo, channelTradeNo: line.channelTradeNo, amountMinor: line.amountMinor }, refundMinor, registrationId };
}

/** The approved resolution: records the refund and sends it (after commit). The exception stays RESOLUTION_PROPOSED until the channel answers. */
export async function requestCustomerRefund(tx: Tx, ctx: TenantContext, e: { id: string; kind: string; status: string }, recon: { lineId: string | null; paymentId: string | null; channelAccountId: string }, proposalId: string, note: string) {
  const target = await customerRefundTarget(tx, ctx, e.kind.slice(6), recon);
  const refund = await tx.reconCustomerRefund.create({
    data: {
      tenantId: ctx.tenantId,
      exceptionId: e.id,
      proposalId,
      channelAccountId: recon.channelAccountId,
      registrationId: target.registrationId,
      outTradeNo: target.line.outTradeNo,
      channelTradeNo: target.line.channelTradeNo,
      outRefundNo: `RCN${randomBytes(10).toString("hex").toUpperCase()}`,
      amountMinor: target.refundMinor,
    },
  });
  await publish(tx, ctx, CUSTOMER_REFUND_TOPIC, { id: refund.id });
  await recordEvent(tx, ctx, e.id, { kind: "REFUND_REQUESTED", from: e.status, to: e.status, body: note, data: { proposalId, customerRefundId: refund.id, outRefundNo: refund.outRefundNo, amountMinor: refund.amountMinor } });
  return refund;
}

/** Asks the channel (refund on the first try, a query after), then applies the answer. */
export async function submitCustomerRefund(ctx: TenantContext, id: string, attempt: number): Promise<HandlerResult | void> {
  const loaded = await withTenantTx(ctx.tenantId, async (tx) => {
    const refund = await tx.reconCustomerRefund.findFirst({ where: { tenantId: ctx.tenantId, id } });
    if (!refund) throw notFound("Customer refund");
    if (refund.status !== "PROCESSING") return null;
    // The trade's total as the channel bills it (the statement line), which a partial refund names.
    const line = await tx.$queryRaw<Array<{ amount_minor: bigint }>>`
      SELECT l.amount_minor FROM exception e
        JOIN recon_item i ON i.tenant_id = e.tenant_id AND i.id = e.cause_id
        JOIN statement_line l ON l.tenant_id = i.tenant_id AND l.id = i.line_id
       WHERE e.tenant_id = ${ctx.tenantId}::uuid AND e.id = ${refund.exceptionId}::uuid`;
    return { refund, totalMinor: line[0]?.amount_minor ?? refund.amountMinor, ...(await channelTarget(tx, ctx, refund.channelAccountId, refund.registrationId)) };
  });
  if (!loaded) return;
  const { refund, totalMinor, account, registration } = loaded;
  const partial = totalMinor !== refund.amountMinor;
  const connector = connectorFor(account.channelType);
  const send = () =>
    connector.refund(
      { account, registration },
      { outTradeNo: refund.outTradeNo, ...(refund.channelTradeNo ? { channelTradeNo: refund.channelTradeNo } : {}), outRefundNo: refund.outRefundNo, refundMinor: refund.amountMinor, totalMinor, reason: partial ? "Charged above the order amount, refunded" : "Payment we have no order for, refunded" },
    );
  let answer: RefundResult;
  try {
    // The first try sends it; later tries ask about it, and send it again only if the channel never
    // got it (a refund number is idempotent at the channel).
    answer = attempt <= 1 ? await send() : await connector.queryRefund({ account, registration }, { outTradeNo: refund.outTradeNo, outRefundNo: refund.outRefundNo });
    if (answer.status === "NOT_FOUND" && attempt > 1) answer = await send();
  } catch (error) {
    if (refusedBeforeSending(error)) {
      answer = { status: "FAILED", failure: { code: error.code, message: error.message.slice(0, 300) }, exchanges: [] };
    } else {
      logger.warn({ tenantId: ctx.tenantId, customerRefundId: id, err: (error as Error).message }, "customer refund: channel call threw; asked again later");
      return { retryInSeconds: retryAfter(attempt), error: (error as Error).message.slice(0, 300) };
    }
  }
  const status = await applyCustomerRefundResult(ctx, id, answer);
  if (status === "PROCESSING") return { retryInSeconds: retryAfter(attempt) };
}

/** One answer of the channel, in one transaction; the first final answer wins. */
export async function applyCustomerRefundResult(ctx: TenantContext, id: string, answer: Pick<RefundResult, "status" | "channelRefundNo" | "failure">): Promise<string> {
  return withTenantTx(ctx.tenantId, async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM recon_customer_refund WHERE tenant_id = ${ctx.tenantId}::uuid AND id = ${id}::uuid FOR UPDATE`;
    const refund = await tx.reconCustomerRefund.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id } });
    if (refund.status !== "PROCESSING" || answer.status === "PROCESSING") return refund.status;
    const e = await tx.exception.findFirstOrThrow({ where: { tenantId: ctx.tenantId, id: refund.exceptionId } });
    if (answer.status === "SUCCEEDED") {
      await tx.reconCustomerRefund.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id } }, data: { status: "SUCCEEDED", channelRefundNo: answer.channelRefundNo ?? null } });
      // Nothing moves a difference out of RESOLUTION_PROPOSED while its refund is in flight; if
      // something ever did, its suspense is not ours to release twice.
      if (e.status !== "RESOLUTION_PROPOSED") {
        logger.warn({ tenantId: ctx.tenantId, customerRefundId: id, exceptionId: e.id, status: e.status }, "customer refund succeeded for a difference no longer awaiting it; nothing posted");
        return "SUCCEEDED";
      }
      await lockAhead(tx, ctx, { entryIds: [e.suspenseEntryId], refs: (await tx.tenant.findFirstOrThrow({ where: { id: ctx.tenantId }, select: { settlementMode: true } })).settlementMode === "CUSTODIAL" ? [accounts.clearing(refund.channelAccountId), accounts.overageSuspense] : [] });
      const releaseEntryId = await releaseSuspenseOf(tx, ctx, e, `customer-refund:${id}:release`, `Refunded to the customer (${refund.outRefundNo})`);
      await closeException(tx, ctx, e, "RESOLVED", `Refunded to the customer through the channel: ${refund.outRefundNo}${answer.channelRefundNo ? ` (channel refund ${answer.channelRefundNo})` : ""}`, {
        proposalId: refund.proposalId,
        action: "REFUND_CUSTOMER",
        customerRefundId: id,
        releaseEntryId,
      });
      return "SUCCEEDED";
    }
    const why = answer.failure ? `${answer.failure.code}: ${answer.failure.message}` : `the channel answered ${answer.status}`;
    await tx.reconCustomerRefund.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id } }, data: { status: "FAILED", failure: why.slice(0, 500) } });
    if (e.status === "RESOLUTION_PROPOSED") {
      await tx.exception.update({ where: { tenantId_id: { tenantId: ctx.tenantId, id: e.id } }, data: { status: "INVESTIGATING", proposalId: null } });
    }
    await recordEvent(tx, ctx, e.id, { kind: "REFUND_FAILED", from: e.status, to: e.status === "RESOLUTION_PROPOSED" ? "INVESTIGATING" : e.status, body: `The channel did not refund the customer: ${why}`.slice(0, 1000), data: { customerRefundId: id } });
    return "FAILED";
  });
}

/** Refund lines of later bills that are our customer refunds: their out_refund_nos. */
export async function customerRefundNos(tx: Tx, ctx: TenantContext, outRefundNos: readonly string[]): Promise<Set<string>> {
  if (outRefundNos.length === 0) return new Set();
  const rows = await tx.reconCustomerRefund.findMany({ where: { tenantId: ctx.tenantId, outRefundNo: { in: [...outRefundNos] }, status: { not: "FAILED" } }, select: { outRefundNo: true } });
  return new Set(rows.map((r) => r.outRefundNo));
}

registerOutboxHandler(CUSTOMER_REFUND_TOPIC, async (event) => {
  const id = (event.payload as { id?: unknown }).id;
  if (typeof id !== "string") throw new Error(`${CUSTOMER_REFUND_TOPIC} without an id`);
  return submitCustomerRefund({ tenantId: authorizedTenantId(event.tenantId), actor: { kind: "SYSTEM", name: CUSTOMER_REFUND_TOPIC } }, id, event.attempts);
});
