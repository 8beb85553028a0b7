import { setNotificationHandler } from "@/server/core/channels/notify";
import { applyPaymentNotification } from "./service";

// Payments answer the channel notifications the notify service has verified. Imported wherever
// notifications are received (the notify route) before the first one arrives.
setNotificationHandler(async (tx, ctx, n) => {
  await applyPaymentNotification(tx, ctx, {
    kind: n.kind,
    outTradeNo: n.outTradeNo,
    status: n.status,
    channelAccountId: n.channelAccountId,
    ...(n.channelTradeNo ? { channelTradeNo: n.channelTradeNo } : {}),
    ...(n.occurredAt ? { occurredAt: n.occurredAt } : {}),
  });
});
