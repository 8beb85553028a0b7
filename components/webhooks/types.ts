import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";

// What the webhook and API-key procedures return, as the client sees it after superjson.
type Out = inferRouterOutputs<AppRouter>;

export type WebhookEndpoint = NonNullable<Out["webhooks"]["endpoint"]>;
export type WebhookEventItem = Out["webhooks"]["find"]["items"][number];
export type WebhookEventDetail = Out["webhooks"]["get"];
export type WebhookAttempt = WebhookEventDetail["attemptLog"][number];
export type ObjectWebhookEvent = Out["webhooks"]["forObject"][number];
export type WebhookEventStatus = WebhookEventItem["status"];
export type ApiKeyRow = Out["apiKeys"]["list"][number];

// The same lists as server/core/webhooks/schema.ts (only its types may be imported here).
export const WEBHOOK_STATUS_LIST = ["PENDING", "DELIVERED", "FAILED", "NO_ENDPOINT"] as const satisfies readonly WebhookEventStatus[];
export const WEBHOOK_TYPE_LIST = [
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
  "device.offline",
] as const;
export type WebhookEventType = (typeof WEBHOOK_TYPE_LIST)[number];
