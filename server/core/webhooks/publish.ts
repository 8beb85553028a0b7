import { randomUUID } from "node:crypto";
import type { Prisma } from "@/server/db/generated/prisma/client";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";
import { outboxInsertSql } from "@/server/jobs/outbox";
import { toApiJson } from "@/server/core/merchant-api/json";
import type { WebhookEventType } from "./schema";

// Publishing a merchant webhook: the event row and its outbox entry are written in the caller's
// transaction, so an event exists if and only if the state change it announces committed. The
// outbox drainer delivers it (server/core/webhooks/handler.ts) on the retry schedule (rules.ts).

// The event types live with the isomorphic schemas (the console's filters use them too).
export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "./schema";

export const WEBHOOK_TOPIC = "webhook.deliver";

export interface WebhookPublication {
  readonly merchantId: string;
  readonly type: WebhookEventType;
  readonly objectType: "payment" | "refund" | "withdrawal" | "device";
  readonly objectId: string;
  /** What the merchant API shows of the object (amounts as bigint minor units become JSON integers). */
  readonly data: unknown;
  /** The request's notifyUrl: overrides the merchant's endpoint for this object's events. */
  readonly notifyUrl?: string | null;
}

/**
 * Writes the event and its outbox entry in `tx`, in one statement (this runs inside every payment
 * transaction that announces something); returns the event id (stable across retries).
 */
export async function publishWebhook(tx: Tx, ctx: TenantContext, event: WebhookPublication): Promise<{ eventId: string }> {
  const createdAt = new Date();
  const data = JSON.parse(toApiJson(event.data)) as Prisma.InputJsonValue;
  const id = randomUUID();
  const body = JSON.stringify({ id, type: event.type, createdAt: createdAt.toISOString(), data });
  await tx.$executeRaw`
    WITH event AS (
      INSERT INTO webhook_event (tenant_id, id, merchant_id, type, object_type, object_id, body, notify_url, next_attempt_at, created_at, updated_at)
      VALUES (${ctx.tenantId}::uuid, ${id}::uuid, ${event.merchantId}::uuid, ${event.type}, ${event.objectType}, ${event.objectId}::uuid, ${body}::jsonb,
              ${event.notifyUrl ?? null}, ${createdAt}, ${createdAt}, ${createdAt}))
    ${outboxInsertSql(ctx, WEBHOOK_TOPIC, { eventId: id })}`;
  return { eventId: id };
}
