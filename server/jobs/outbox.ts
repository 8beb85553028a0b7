import type { Prisma } from "@/server/db/generated/prisma/client";
import { withSystemTx, type TenantContext, type Tx } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import { runTenantJob } from "./tenant-job";

// The transactional outbox. publish() writes an event in the caller's transaction, so it exists
// if and only if the state change it announces committed. The drainer claims due events across
// tenants (FOR UPDATE SKIP LOCKED inside system_outbox_claim, so several drainers never take the
// same row), runs the topic's handler outside any transaction (handlers make network calls), then
// records the outcome in the tenant's own RLS transaction.

export interface OutboxEventRecord {
  tenantId: string;
  id: string;
  topic: string;
  payload: unknown;
  attempts: number;
}

export interface HandlerResult {
  /** Retry after this many seconds; omit to use the default back-off. */
  retryInSeconds?: number;
}
export type OutboxHandler = (event: OutboxEventRecord) => Promise<void | HandlerResult>;

const handlers = new Map<string, OutboxHandler>();
export const OUTBOX_MAX_ATTEMPTS = 16;
const LEASE = "30 seconds";

export function registerOutboxHandler(topic: string, handler: OutboxHandler): void {
  handlers.set(topic, handler);
}

export async function publish(tx: Tx, ctx: TenantContext, topic: string, payload: Prisma.InputJsonValue, options?: { availableAt?: Date }) {
  return tx.outboxEvent.create({
    data: { tenantId: ctx.tenantId, topic, payload, ...(options?.availableAt ? { availableAt: options.availableAt } : {}) },
    select: { id: true },
  });
}

export function defaultBackoffSeconds(attempts: number): number {
  return Math.min(6 * 3600, 5 * 2 ** Math.max(0, attempts - 1));
}

/** Claims up to `limit` due events and handles them; returns how many were handled. */
export async function drainOutboxOnce(limit = 50): Promise<{ claimed: number; done: number; retried: number; failed: number }> {
  const events = await withSystemTx((tx) =>
    tx.$queryRaw<OutboxEventRecord[]>`SELECT tenant_id AS "tenantId", id, topic, payload, attempts FROM system_outbox_claim(${limit}::int, ${LEASE}::interval)`,
  );
  let done = 0;
  let retried = 0;
  let failed = 0;
  for (const event of events) {
    const handler = handlers.get(event.topic);
    let error: string | null = handler ? null : `no handler for topic ${event.topic}`;
    let retryIn: number | undefined;
    if (handler) {
      try {
        const r = await handler(event);
        if (r && r.retryInSeconds !== undefined) {
          error = "handler asked to retry";
          retryIn = r.retryInSeconds;
        }
      } catch (e) {
        error = (e as Error).message.slice(0, 500);
      }
    }
    await runTenantJob(event.tenantId, "outbox", async (tx) => {
      if (error === null) {
        await tx.outboxEvent.update({ where: { tenantId_id: { tenantId: event.tenantId, id: event.id } }, data: { status: "DONE", doneAt: new Date(), lastError: null } });
        done++;
      } else if (event.attempts >= OUTBOX_MAX_ATTEMPTS || retryIn === -1) {
        await tx.outboxEvent.update({ where: { tenantId_id: { tenantId: event.tenantId, id: event.id } }, data: { status: "FAILED", lastError: error } });
        failed++;
      } else {
        const seconds = retryIn ?? defaultBackoffSeconds(event.attempts);
        await tx.outboxEvent.update({
          where: { tenantId_id: { tenantId: event.tenantId, id: event.id } },
          data: { availableAt: new Date(Date.now() + seconds * 1000), lastError: error },
        });
        retried++;
      }
    });
    if (error) logger.warn({ tenantId: event.tenantId, eventId: event.id, topic: event.topic, attempts: event.attempts, error }, "outbox event not delivered");
  }
  return { claimed: events.length, done, retried, failed };
}

export function startOutboxDrainer(options?: { idleMs?: number; limit?: number }): () => Promise<void> {
  let stopped = false;
  const idleMs = options?.idleMs ?? 500;
  const loop = (async () => {
    while (!stopped) {
      try {
        const r = await drainOutboxOnce(options?.limit ?? 50);
        if (r.claimed === 0) await new Promise((res) => setTimeout(res, idleMs));
      } catch (e) {
        logger.error({ err: (e as Error).message }, "outbox drainer failed; retrying");
        await new Promise((res) => setTimeout(res, idleMs * 4));
      }
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}
