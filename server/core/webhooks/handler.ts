import type { Prisma } from "@/server/db/generated/prisma/client";
import type { TenantContext, TenantId, Tx } from "@/server/db/tenant-tx";
import { withTenantTx } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import { OUTBOX_MAX_ATTEMPTS, type BatchOutcome, type OutboxBatchHandler, type OutboxEventRecord } from "@/server/jobs/outbox";
import { postWebhook, WEBHOOK_TIMEOUT_MS } from "./deliver";
import type { Resolver } from "./guard";
import { retryDelaySeconds, targetPolicyFromEnv, WEBHOOK_MAX_ATTEMPTS, type TargetPolicy } from "./rules";
import type { WebhookEventStatus } from "./schema";
import { openEndpointSecrets, signingSecrets, webhookBodyText, type EndpointSecrets } from "./service";
import { signatureHeader } from "./signature";

// Delivering webhook events from the outbox (topic webhook.deliver, payload { eventId }).
//
// Per claimed batch of one tenant: one read of the events and their merchants' endpoints, then one
// HTTP attempt per event (concurrently, bounded by the drainer), then one write of every attempt
// and event state, in the same transaction as the outbox rows' new state.
//
// Target: the event's notifyUrl if the request gave one, else the merchant's endpoint while it is
// enabled. Either way the endpoint's secret signs, so a merchant without an endpoint gets nothing
// (NO_ENDPOINT: there is no secret to sign with); a disabled endpoint still signs notifyUrl
// deliveries. A target the address guard refuses is a failed attempt like a refused connection and
// is retried on the schedule: the merchant can fix the URL or its DNS in the meantime.

interface Prepared {
  event: { id: string; status: WebhookEventStatus; attempts: number; notifyUrl: string | null; body: Prisma.JsonValue };
  endpoint: { url: string; enabled: boolean; secrets: EndpointSecrets } | null;
}

export interface DeliveryRecord {
  eventId: string;
  attempt: {
    attempt: number;
    url: string;
    statusCode: number | null;
    latencyMs: number;
    responseExcerpt: string | null;
    error: string | null;
    createdAt: Date;
  } | null;
  status: WebhookEventStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
}

export interface WebhookHandlerOptions {
  /** The clock for attempt times, signature timestamps and the schedule (tests pass a fake one). */
  now?: () => Date;
  timeoutMs?: number;
  /** Read at every attempt, so a changed environment applies at once. */
  policy?: () => TargetPolicy;
  resolve?: Resolver;
}

const eventIdOf = (e: OutboxEventRecord): string | null => {
  const id = (e.payload as { eventId?: unknown } | null)?.eventId;
  return typeof id === "string" ? id : null;
};

export function createWebhookDeliveryHandler(options: WebhookHandlerOptions = {}): OutboxBatchHandler<Prepared, DeliveryRecord> {
  const now = options.now ?? (() => new Date());
  const policy = options.policy ?? (() => targetPolicyFromEnv());
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;

  return {
    async prepare(tenantId: TenantId, outboxEvents: readonly OutboxEventRecord[]) {
      const ids = outboxEvents.map(eventIdOf).filter((id): id is string => id !== null);
      const { events, endpoints } = await withTenantTx(tenantId, async (tx) => {
        const events = await tx.webhookEvent.findMany({
          where: { tenantId, id: { in: ids } },
          select: { id: true, merchantId: true, status: true, attempts: true, notifyUrl: true, body: true },
        });
        const endpoints = await tx.webhookEndpoint.findMany({
          where: { tenantId, merchantId: { in: [...new Set(events.map((e) => e.merchantId))] } },
          select: { id: true, merchantId: true, url: true, enabled: true, secret: true, previousSecret: true, previousSecretExpiresAt: true },
        });
        return { events, endpoints };
      });
      const endpointOf = new Map(endpoints.map((e) => [e.merchantId, { url: e.url, enabled: e.enabled, secrets: openEndpointSecrets(tenantId, e) }]));
      const eventById = new Map(events.map((e) => [e.id, e]));
      const prepared = new Map<string, Prepared>();
      for (const o of outboxEvents) {
        const id = eventIdOf(o);
        const event = id ? eventById.get(id) : undefined;
        if (event) prepared.set(o.id, { event, endpoint: endpointOf.get(event.merchantId) ?? null });
      }
      return prepared;
    },

    async handle(outboxEvent, prepared): Promise<BatchOutcome<DeliveryRecord>> {
      if (!prepared) return { retryInSeconds: -1, error: "webhook event not found" };
      const { event, endpoint } = prepared;
      // Settled elsewhere meanwhile (a manual resend delivered it): nothing to send.
      if (event.status !== "PENDING") return {};
      const target = event.notifyUrl ?? (endpoint?.enabled ? endpoint.url : null);
      if (!endpoint || !target) {
        return { record: { eventId: event.id, attempt: null, status: "NO_ENDPOINT", attempts: event.attempts, nextAttemptAt: null, deliveredAt: null } };
      }
      const attempt = event.attempts + 1;
      const startedAt = now();
      const body = webhookBodyText(event.body);
      const signature = signatureHeader(signingSecrets(endpoint.secrets, startedAt), Math.floor(startedAt.getTime() / 1000), body);
      const result = await postWebhook(target, body, signature, {
        timeoutMs,
        policy: policy(),
        ...(options.resolve ? { resolve: options.resolve } : {}),
      });
      const finishedAt = now();
      const log = {
        attempt,
        url: target,
        statusCode: result.statusCode,
        latencyMs: result.latencyMs,
        responseExcerpt: result.responseExcerpt,
        error: result.error,
        createdAt: startedAt,
      };
      if (result.delivered) {
        return { record: { eventId: event.id, attempt: log, status: "DELIVERED", attempts: attempt, nextAttemptAt: null, deliveredAt: finishedAt } };
      }
      // The outbox's own count can run ahead of ours (a lease that expired after a crash), and it
      // gives up at the same number: end the event with it rather than leave it PENDING forever.
      const delay = attempt >= WEBHOOK_MAX_ATTEMPTS || outboxEvent.attempts >= OUTBOX_MAX_ATTEMPTS ? null : retryDelaySeconds(attempt);
      const error = `attempt ${attempt}: ${result.error ?? "not delivered"}`;
      if (delay === null) {
        return { retryInSeconds: -1, error, record: { eventId: event.id, attempt: log, status: "FAILED", attempts: attempt, nextAttemptAt: null, deliveredAt: null } };
      }
      return {
        retryInSeconds: delay,
        error,
        record: { eventId: event.id, attempt: log, status: "PENDING", attempts: attempt, nextAttemptAt: new Date(finishedAt.getTime() + delay * 1000), deliveredAt: null },
      };
    },

    async record(tx: Tx, ctx: TenantContext, records: DeliveryRecord[]) {
      const attempts = records.flatMap((r) => (r.attempt ? [{ tenantId: ctx.tenantId, eventId: r.eventId, trigger: "SCHEDULE", ...r.attempt }] : []));
      if (attempts.length) await tx.webhookAttempt.createMany({ data: attempts });
      const iso = (d: Date | null) => (d ? d.toISOString() : null);
      // A manual resend may have delivered the event while this attempt was out: DELIVERED stays.
      const updated = await tx.$executeRaw`
        UPDATE webhook_event e
           SET status = CASE WHEN e.status = 'DELIVERED' THEN e.status ELSE v.status::"WebhookEventStatus" END,
               attempts = GREATEST(e.attempts, v.attempts),
               next_attempt_at = CASE WHEN e.status = 'DELIVERED' THEN NULL ELSE v.next_attempt_at END,
               delivered_at = COALESCE(e.delivered_at, v.delivered_at),
               updated_at = now()
          FROM unnest(${records.map((r) => r.eventId)}::uuid[], ${records.map((r) => r.status)}::text[], ${records.map((r) => r.attempts)}::int[],
                      ${records.map((r) => iso(r.nextAttemptAt))}::timestamptz[], ${records.map((r) => iso(r.deliveredAt))}::timestamptz[])
               AS v(id, status, attempts, next_attempt_at, delivered_at)
         WHERE e.tenant_id = ${ctx.tenantId}::uuid AND e.id = v.id`;
      if (updated !== records.length) logger.warn({ tenantId: ctx.tenantId, expected: records.length, updated }, "some webhook events were not found to update");
    },
  };
}
