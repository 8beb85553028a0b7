import { setNotificationHandler } from "@/server/core/channels/notify";
import { authorizedTenantId } from "@/server/db/tenant-tx";
import { registerOutboxHandler } from "@/server/jobs/outbox";
import { submitRefund } from "./refunds";
import { applyPaymentNotification, REFUND_SUBMIT_TOPIC } from "./service";

// Payments answer the channel notifications the notify service has verified, and send refunds
// recorded inside another transaction (the automatic refund of a late success). Imported wherever
// notifications are received (the notify route) and by the jobs runner, before the first arrives.
setNotificationHandler(async (tx, ctx, n) => {
  await applyPaymentNotification(tx, ctx, {
    kind: n.kind,
    outTradeNo: n.outTradeNo,
    status: n.status,
    channelAccountId: n.channelAccountId,
    ...(n.outRefundNo ? { outRefundNo: n.outRefundNo } : {}),
    ...(n.channelTradeNo ? { channelTradeNo: n.channelTradeNo } : {}),
    ...(n.channelRefundNo ? { channelRefundNo: n.channelRefundNo } : {}),
    ...(n.occurredAt ? { occurredAt: n.occurredAt } : {}),
    ...(n.payerId ? { payerId: n.payerId } : {}),
  });
});

registerOutboxHandler(REFUND_SUBMIT_TOPIC, async (event) => {
  const refundId = (event.payload as { refundId?: unknown }).refundId;
  if (typeof refundId !== "string") throw new Error("refund.submit without a refundId");
  await submitRefund({ tenantId: authorizedTenantId(event.tenantId), actor: { kind: "SYSTEM", name: REFUND_SUBMIT_TOPIC } }, refundId);
});
