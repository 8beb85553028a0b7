import { DomainError } from "@/server/core/errors/domain-error";
import { createRefund, getRefund, presentRefund, queryRefund, refundsOfPayment, type RefundView } from "@/server/core/payments/refunds";
import { requireNotifyTarget } from "@/server/core/webhooks/service";
import { logger } from "@/server/lib/logger";
import { created, ok, type ApiReply } from "./handler";
import type { ApiOperationCall } from "./operation";
import { ZApiRefundCreate } from "./schema";

// The refunds of /api/v1 (issue 5): POST /api/v1/payments/{id}/refunds, GET of the same path (the
// payment's refunds) and GET /api/v1/refunds/{id}. A refund calls the channel between its own
// transactions, so these run through merchantApiOperation like payments. Refunds are asynchronous:
// the POST answers with the channel's first answer (often PROCESSING); a GET of a PROCESSING refund
// whose next query is due asks the channel first. Anything of another merchant is 404.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const paymentNotFound = () => new DomainError("NOT_FOUND", "PAYMENT_NOT_FOUND", "No such payment of this merchant");
const refundNotFound = () => new DomainError("NOT_FOUND", "REFUND_NOT_FOUND", "No such refund of this merchant");

/** POST /api/v1/payments/{id}/refunds */
export async function createRefundEndpoint(call: ApiOperationCall): Promise<ApiReply> {
  const paymentId = call.params.id ?? "";
  if (!UUID.test(paymentId)) throw paymentNotFound();
  const input = ZApiRefundCreate.parse(call.body);
  if (input.notifyUrl !== undefined) await call.inTx((tx) => requireNotifyTarget(tx, call.ctx, call.principal.merchantId, input.notifyUrl));
  const refund = await createRefund(call.ctx, {
    paymentId,
    merchantId: call.principal.merchantId,
    merchantRefundNo: input.merchantRefundNo,
    amountMinor: input.amountMinor,
    reason: input.reason,
    ...(input.notifyUrl ? { notifyUrl: input.notifyUrl } : {}),
    origin: "API",
  });
  return created(presentRefund(refund));
}

/** A PROCESSING refund due for a query is asked about first; a failing query answers the stored state. */
async function refreshed(call: ApiOperationCall, r: RefundView, nextQueryAt: Date | null): Promise<RefundView> {
  if (r.status !== "PROCESSING" || !nextQueryAt || nextQueryAt > new Date()) return r;
  try {
    return await queryRefund(call.ctx, r.id);
  } catch (e) {
    logger.warn({ requestId: call.requestId, tenantId: call.ctx.tenantId, refundId: r.id, err: e instanceof Error ? e.message : String(e) }, "refund query on GET failed; answering the stored state");
    return r;
  }
}

/** GET /api/v1/refunds/{id} */
export async function getRefundEndpoint(call: ApiOperationCall): Promise<ApiReply> {
  const id = call.params.id ?? "";
  if (!UUID.test(id)) throw refundNotFound();
  const loaded = await call.inTx(async (tx) => {
    try {
      const r = await getRefund(tx, call.ctx, id, call.principal.merchantId);
      const due = await tx.refund.findFirstOrThrow({ where: { tenantId: call.ctx.tenantId, id }, select: { nextQueryAt: true } });
      return { r, nextQueryAt: due.nextQueryAt };
    } catch (e) {
      if (e instanceof DomainError && e.kind === "NOT_FOUND") throw refundNotFound();
      throw e;
    }
  });
  return ok(presentRefund(await refreshed(call, loaded.r, loaded.nextQueryAt)));
}

/** GET /api/v1/payments/{id}/refunds: the payment's refunds, oldest first. */
export async function listRefundsEndpoint(call: ApiOperationCall): Promise<ApiReply> {
  const paymentId = call.params.id ?? "";
  if (!UUID.test(paymentId)) throw paymentNotFound();
  const items = await call.inTx(async (tx) => {
    const p = await tx.payment.findFirst({ where: { tenantId: call.ctx.tenantId, merchantId: call.principal.merchantId, id: paymentId }, select: { id: true } });
    if (!p) throw paymentNotFound();
    return refundsOfPayment(tx, call.ctx, paymentId);
  });
  return ok({ items: items.map(presentRefund) });
}
