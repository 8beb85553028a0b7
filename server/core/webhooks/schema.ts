import { z } from "zod";

// Inputs of the webhook services (console) and the names shared with the pages. Isomorphic: no
// server imports, so forms use the same schemas.

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
  "device.offline",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const WEBHOOK_EVENT_STATUSES = ["PENDING", "DELIVERED", "FAILED", "NO_ENDPOINT"] as const;
export type WebhookEventStatus = (typeof WEBHOOK_EVENT_STATUSES)[number];

export const WEBHOOK_ATTEMPT_TRIGGERS = ["SCHEDULE", "MANUAL"] as const;

/** The shape only; where it may point is checked by the service (guard.ts). */
export const ZWebhookUrl = z
  .string()
  .trim()
  .min(1, { message: "webhooks.urlRequired" })
  .max(2048, { message: "webhooks.urlTooLong" })
  .regex(/^https?:\/\/[^\s/?#]+[^\s]*$/i, { message: "webhooks.urlInvalid" });

const ZId = z.string().uuid();

export const ZWebhookEndpointGet = z.object({ merchantId: ZId });
export type TWebhookEndpointGet = z.input<typeof ZWebhookEndpointGet>;

export const ZWebhookEndpointCreate = z.object({ merchantId: ZId, url: ZWebhookUrl });
export type TWebhookEndpointCreate = z.input<typeof ZWebhookEndpointCreate>;

export const ZWebhookEndpointUpdate = z
  .object({ merchantId: ZId, url: ZWebhookUrl.optional(), enabled: z.boolean().optional() })
  .refine((v) => v.url !== undefined || v.enabled !== undefined, { message: "webhooks.nothingToChange" });
export type TWebhookEndpointUpdate = z.input<typeof ZWebhookEndpointUpdate>;

export const ZWebhookSecretRotate = z.object({ merchantId: ZId });
export type TWebhookSecretRotate = z.input<typeof ZWebhookSecretRotate>;

export const ZWebhookEventFind = z.object({
  merchantId: ZId.optional(),
  status: z.enum(WEBHOOK_EVENT_STATUSES).optional(),
  type: z.enum(WEBHOOK_EVENT_TYPES).optional(),
  objectId: ZId.optional(),
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(200).optional(),
});
export type TWebhookEventFind = z.input<typeof ZWebhookEventFind>;

export const ZWebhookObjectEvents = z.object({ objectId: ZId });
export type TWebhookObjectEvents = z.input<typeof ZWebhookObjectEvents>;

export const ZWebhookEventGet = z.object({ id: ZId });
export type TWebhookEventGet = z.input<typeof ZWebhookEventGet>;

export const ZWebhookResend = z.object({ id: ZId });
export type TWebhookResend = z.input<typeof ZWebhookResend>;
