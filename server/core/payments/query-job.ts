import { withTenantTx, type TenantContext } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import { dueRefunds, queryRefund } from "./refunds";
import { queryPayment } from "./service";

// Face and payment-code payments send no notification: PROCESSING payments are queried with
// back-off (5 s, 10 s, 20 s, 40 s, then every minute) until the channel gives a definite answer.
// PROCESSING refunds are queried too (back-off up to every 30 minutes), and a refund recorded but
// never sent (a crash between recording and sending) is sent. Each channel call runs outside any
// transaction; its answer is applied in one.
export async function queryDuePayments(ctx: TenantContext, now = new Date(), limit = 50): Promise<{ queried: number; settled: number; refundsQueried: number; refundsSettled: number }> {
  const due = await withTenantTx(ctx.tenantId, (tx) =>
    tx.payment.findMany({ where: { tenantId: ctx.tenantId, status: "PROCESSING", nextQueryAt: { lte: now } }, orderBy: { nextQueryAt: "asc" }, take: limit, select: { id: true } }),
  );
  let settled = 0;
  for (const { id } of due) {
    try {
      const after = await queryPayment(ctx, id);
      if (after.status !== "PROCESSING") settled += 1;
    } catch (error) {
      logger.warn({ tenantId: ctx.tenantId, paymentId: id, err: (error as Error).message }, "payment query failed; will retry");
    }
  }
  const refunds = await withTenantTx(ctx.tenantId, (tx) => dueRefunds(tx, ctx, now, limit));
  let refundsSettled = 0;
  for (const id of refunds) {
    try {
      const after = await queryRefund(ctx, id);
      if (after.status !== "PROCESSING") refundsSettled += 1;
    } catch (error) {
      logger.warn({ tenantId: ctx.tenantId, refundId: id, err: (error as Error).message }, "refund query failed; will retry");
    }
  }
  return { queried: due.length, settled, refundsQueried: refunds.length, refundsSettled };
}
