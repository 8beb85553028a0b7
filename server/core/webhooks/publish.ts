import { randomUUID } from "node:crypto";
import type { Prisma } from "@/server/db/generated/prisma/client";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { publish } from "@/server/jobs/outbox";
import { toApiJson } from "@/server/core/merchant-api/json";

// Publishing a merchant webhook: the event row and its outbox entry are written in the caller's
// transaction, so an event exists if and only if the state change it announces committed. The
// outbox drainer delivers it (server/core/webhooks/deliver.ts) on the retry schedule.

export const WEBHOOK_EVENT_TYPES = [
  "payment.succeeded",
  "payment.failed",
  "payment.closed",
  "payment.late_succeeded",
  "payment.corrected",
  "refund.succeeded",
  "refund.failed",
  "refund.closed",
  "refund.abnormal",
  "withdrawal.succeeded",
  "withdrawal.failed",
  "withdrawal.returned",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const WEBHOOK_TOPIC = "webhook.deliver";

export interface WebhookPublication {
  readonly merchantId: string;
  readonly type: WebhookEventType;
  readonly objectType: "payment" | "refund" | "withdrawal";
  readonly objectId: string;
  /** What the merchant API shows of the object (amounts as bigint minor units become JSON integers). */
  readonly data: unknown;
  /** The request's notifyUrl: overrides the merchant's endpoint for this object's events. */
  readonly notifyUrl?: string | null;
}

/** Writes the event and its outbox entry in `tx`; returns the event id (stable across retries). */
export async function publishWebhook(tx: Tx, ctx: TenantContext, event: WebhookPublication): Promise<{ eventId: string }> {
  const createdAt = new Date();
  const data = JSON.parse(toApiJson(event.data)) as Prisma.InputJsonValue;
  const id = randomUUID();
  await tx.webhookEvent.create({
    data: {
      tenantId: ctx.tenantId,
      id,
      merchantId: event.merchantId,
      type: event.type,
      objectType: event.objectType,
      objectId: event.objectId,
      body: { id, type: event.type, createdAt: createdAt.toISOString(), data },
      notifyUrl: event.notifyUrl ?? null,
      nextAttemptAt: createdAt,
      createdAt,
    },
    select: { id: true },
  });
  await publish(tx, ctx, WEBHOOK_TOPIC, { eventId: id });
  return { eventId: id };
}
