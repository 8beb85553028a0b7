import { withTenantTx, type TenantContext } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import { queryPayment } from "./service";

// Face and payment-code payments send no notification: PROCESSING payments are queried with
// back-off (5 s, 10 s, 20 s, 40 s, then every minute) until the channel gives a definite answer.
// Each query runs outside any transaction; its answer is applied in one.
export async function queryDuePayments(ctx: TenantContext, now = new Date(), limit = 50): Promise<{ queried: number; settled: number }> {
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
  return { queried: due.length, settled };
}
