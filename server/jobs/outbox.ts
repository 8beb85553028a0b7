import { Prisma } from "@/server/db/generated/prisma/client";
import { authorizedTenantId, withSystemTx, type TenantContext, type TenantId, type Tx } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";
import { runTenantJob } from "./tenant-job";

// The transactional outbox. publish() writes an event in the caller's transaction, so it exists
// if and only if the state change it announces committed. The drainer claims due events across
// tenants (FOR UPDATE SKIP LOCKED inside system_outbox_claim, so several drainers never take the
// same row), runs the topic's handler outside any transaction (handlers make network calls), then
// records the outcome in the tenant's own RLS transaction.
//
// Throughput (merchant webhooks: a thousand deliveries a second): a batch handler
// (registerOutboxBatchHandler) reads what one tenant's claimed events need in one go, handles
// them concurrently up to the drainer's bound, and writes its own rows in the transaction that
// records the outbox rows' new state, so its outcome and the outbox state commit together.
// Outcomes are recorded in batches, one transaction per tenant for many events. Plain handlers
// keep handling one tenant's events one at a time unless they ask for more.

export interface OutboxEventRecord {
  tenantId: string;
  id: string;
  topic: string;
  payload: unknown;
  attempts: number;
}

export interface HandlerResult {
  /** Retry after this many seconds (-1: give up now, FAILED); omit to use the default back-off. */
  retryInSeconds?: number;
  /** Why it did not succeed (kept as last_error); an error without retryInSeconds retries with the default back-off. */
  error?: string;
}
export type OutboxHandler = (event: OutboxEventRecord) => Promise<void | HandlerResult>;

/** The outcome of one event under a batch handler, with what its `record` should write. */
export interface BatchOutcome<R> extends HandlerResult {
  record?: R;
}

/**
 * A handler for high-volume topics. `prepare` reads what one tenant's claimed events need (one
 * transaction for all of them), `handle` does one event's work outside any transaction, and
 * `record` writes the outcomes of many events inside the outbox's recording transaction.
 */
export interface OutboxBatchHandler<P, R> {
  prepare(tenantId: TenantId, events: readonly OutboxEventRecord[]): Promise<ReadonlyMap<string, P>>;
  handle(event: OutboxEventRecord, prepared: P | undefined): Promise<BatchOutcome<R>>;
  record(tx: Tx, ctx: TenantContext, records: R[]): Promise<void>;
}

/** Both kinds of handler, with the batch handler's types closed over. */
interface Registered {
  bind(tenantId: TenantId, events: readonly OutboxEventRecord[]): Promise<(event: OutboxEventRecord) => Promise<BatchOutcome<unknown>>>;
  record?: (tx: Tx, ctx: TenantContext, records: unknown[]) => Promise<void>;
  /** At most this many of one tenant's claimed events at once; unset: only the drainer's bound. */
  concurrency?: number;
}

const handlers = new Map<string, Registered>();
export const OUTBOX_MAX_ATTEMPTS = 16;
const LEASE = "30 seconds";
const DEFAULT_CONCURRENCY = 128;

/**
 * A handler for one event at a time. One tenant's claimed events of the topic run one after the
 * other, as they always have (refunds and payouts call channels and post to the ledger); a
 * handler written for it can raise `concurrency`.
 */
export function registerOutboxHandler(topic: string, handler: OutboxHandler, options?: { concurrency?: number }): void {
  handlers.set(topic, { bind: async () => async (event) => (await handler(event)) ?? {}, concurrency: options?.concurrency ?? 1 });
}

export function registerOutboxBatchHandler<P, R>(topic: string, handler: OutboxBatchHandler<P, R>): void {
  handlers.set(topic, {
    async bind(tenantId, events) {
      const prepared = await handler.prepare(tenantId, events);
      return (event) => handler.handle(event, prepared.get(event.id));
    },
    // Only this handler's own `handle` produced these records (they are grouped by topic).
    record: (tx, ctx, records) => handler.record(tx, ctx, records as R[]),
  });
}

export async function publish(tx: Tx, ctx: TenantContext, topic: string, payload: Prisma.InputJsonValue, options?: { availableAt?: Date }) {
  return tx.outboxEvent.create({
    data: { tenantId: ctx.tenantId, topic, payload, ...(options?.availableAt ? { availableAt: options.availableAt } : {}) },
    select: { id: true },
  });
}

/**
 * The same insert as publish(), as SQL for a caller that writes its own row in the same statement
 * (`WITH x AS (INSERT …) <this>`): one round trip instead of two, for events published on every
 * payment. Only inside the caller's tenant transaction, like publish().
 */
export function outboxInsertSql(ctx: TenantContext, topic: string, payload: Prisma.InputJsonValue): Prisma.Sql {
  return Prisma.sql`INSERT INTO outbox_event (tenant_id, topic, payload) VALUES (${ctx.tenantId}::uuid, ${topic}, ${JSON.stringify(payload)}::jsonb)`;
}

export function defaultBackoffSeconds(attempts: number): number {
  return Math.min(6 * 3600, 5 * 2 ** Math.max(0, attempts - 1));
}

// ---------------------------------------------------------------------------------------------
// The parts: claim, handle with a bound, record in batches.

async function claim(limit: number): Promise<OutboxEventRecord[]> {
  return withSystemTx((tx) =>
    tx.$queryRaw<OutboxEventRecord[]>`SELECT tenant_id AS "tenantId", id, topic, payload, attempts FROM system_outbox_claim(${limit}::int, ${LEASE}::interval)`,
  );
}

interface Settled {
  event: OutboxEventRecord;
  error: string | null;
  retryInSeconds?: number;
  record?: unknown;
}

/** A counting semaphore: at most `size` handlers run at once. */
class Gate {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(size: number) {
    this.free = Math.max(1, size);
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

const message = (e: unknown) => ((e as Error)?.message ?? String(e)).slice(0, 500);

/** Handles claimed events (any topics and tenants), calling `settle` as each one finishes. */
async function handleClaimed(events: readonly OutboxEventRecord[], gate: Gate, settle: (s: Settled) => void): Promise<void> {
  const groups = new Map<string, OutboxEventRecord[]>();
  for (const e of events) {
    const key = `${e.topic}\u0000${e.tenantId}`;
    const group = groups.get(key);
    if (group) group.push(e);
    else groups.set(key, [e]);
  }
  await Promise.all(
    [...groups.values()].map(async (group) => {
      const first = group[0];
      if (!first) return;
      const registered = handlers.get(first.topic);
      if (!registered) {
        for (const event of group) settle({ event, error: `no handler for topic ${event.topic}` });
        return;
      }
      let run: Awaited<ReturnType<Registered["bind"]>>;
      try {
        run = await registered.bind(authorizedTenantId(first.tenantId), group);
      } catch (e) {
        for (const event of group) settle({ event, error: message(e) });
        return;
      }
      const own = registered.concurrency === undefined ? null : new Gate(registered.concurrency);
      await Promise.all(
        group.map(async (event) => {
          await own?.acquire();
          await gate.acquire();
          try {
            const r = await run(event);
            const asked = r.retryInSeconds !== undefined;
            settle({
              event,
              error: r.error !== undefined ? r.error.slice(0, 500) : asked ? "handler asked to retry" : null,
              ...(asked ? { retryInSeconds: r.retryInSeconds } : {}),
              ...(r.record !== undefined ? { record: r.record } : {}),
            });
          } catch (e) {
            settle({ event, error: message(e) });
          } finally {
            gate.release();
            own?.release();
          }
        }),
      );
    }),
  );
}

export interface DrainCounts {
  claimed: number;
  done: number;
  retried: number;
  failed: number;
}

type Verdict = "done" | "retried" | "failed";

function verdictOf(s: Settled): Verdict {
  if (s.error === null) return "done";
  if (s.event.attempts >= OUTBOX_MAX_ATTEMPTS || s.retryInSeconds === -1) return "failed";
  return "retried";
}

/**
 * Records settled events: one RLS transaction per tenant (in parallel), each writing the batch
 * handlers' records and then every outbox row's new state in one statement. A tenant whose
 * transaction fails keeps its rows leased; they are claimed again when the lease runs out (the
 * handlers are idempotent per event, deliveries at least once).
 */
async function recordSettled(items: readonly Settled[]): Promise<{ counts: Omit<DrainCounts, "claimed">; errors: unknown[] }> {
  const byTenant = new Map<string, Settled[]>();
  for (const s of items) {
    const list = byTenant.get(s.event.tenantId);
    if (list) list.push(s);
    else byTenant.set(s.event.tenantId, [s]);
  }
  const counts = { done: 0, retried: 0, failed: 0 };
  const errors: unknown[] = [];
  await Promise.all(
    [...byTenant.entries()].map(async ([tenantId, list]) => {
      const verdicts = list.map(verdictOf);
      const now = Date.now();
      try {
        await runTenantJob(tenantId, "outbox", async (tx, ctx) => {
          const byTopic = new Map<string, unknown[]>();
          for (const s of list) {
            if (s.record === undefined) continue;
            const records = byTopic.get(s.event.topic);
            if (records) records.push(s.record);
            else byTopic.set(s.event.topic, [s.record]);
          }
          for (const [topic, records] of byTopic) await handlers.get(topic)?.record?.(tx, ctx, records);
          const availableAt = list.map((s, i) =>
            verdicts[i] === "retried" ? new Date(now + (s.retryInSeconds ?? defaultBackoffSeconds(s.event.attempts)) * 1000).toISOString() : null,
          );
          await tx.$executeRaw`
            UPDATE outbox_event o
               SET status = CASE v.verdict WHEN 'done' THEN 'DONE'::"OutboxStatus" WHEN 'failed' THEN 'FAILED'::"OutboxStatus" ELSE o.status END,
                   done_at = CASE WHEN v.verdict = 'done' THEN now() ELSE o.done_at END,
                   available_at = COALESCE(v.available_at, o.available_at),
                   last_error = v.error
              FROM unnest(${list.map((s) => s.event.id)}::uuid[], ${verdicts}::text[], ${availableAt}::timestamptz[], ${list.map((s) => s.error)}::text[])
                   AS v(id, verdict, available_at, error)
             WHERE o.tenant_id = ${tenantId}::uuid AND o.id = v.id`;
        });
        for (const v of verdicts) counts[v]++;
        list.forEach((s, i) => {
          if (s.error) logger.warn({ tenantId, eventId: s.event.id, topic: s.event.topic, attempts: s.event.attempts, verdict: verdicts[i], error: s.error }, "outbox event not delivered");
        });
      } catch (e) {
        errors.push(e);
        logger.error({ tenantId, events: list.length, err: message(e) }, "outbox outcomes not recorded; the events are retried when their lease ends");
      }
    }),
  );
  return { counts, errors };
}

/** Claims up to `limit` due events, handles them (concurrently, up to `concurrency`) and records the outcomes. */
export async function drainOutboxOnce(limit = 50, options?: { concurrency?: number }): Promise<DrainCounts> {
  const events = await claim(limit);
  if (events.length === 0) return { claimed: 0, done: 0, retried: 0, failed: 0 };
  const settled: Settled[] = [];
  await handleClaimed(events, new Gate(options?.concurrency ?? DEFAULT_CONCURRENCY), (s) => settled.push(s));
  const { counts, errors } = await recordSettled(settled);
  if (errors.length) throw errors[0];
  return { claimed: events.length, ...counts };
}

// ---------------------------------------------------------------------------------------------
// The long-running drainer: a pipeline rather than claim-handle-record rounds, so one slow
// endpoint (up to its timeout) does not hold back the events claimed with it.

/** Something to wait on: a timer, or a nudge (a slot freed, stop asked). */
class Wake {
  private nudge: (() => void) | null = null;
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.nudge === done) this.nudge = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.nudge = done;
    });
  }
  notify(): void {
    this.nudge?.();
  }
}

export interface DrainerOptions {
  /**
   * The longest wait before claiming again when nothing was due (default 100 ms). The wait starts
   * at 10 ms after a claim that found events and doubles up to this while claims come back empty,
   * so events that keep coming are claimed within milliseconds and an idle drainer costs little.
   */
  idleMs?: number;
  /** Events claimed at once (default 100). */
  limit?: number;
  /** Handlers running at once (default 128). */
  concurrency?: number;
  /** Outcomes are recorded when this many are waiting (default 200) … */
  recordBatch?: number;
  /** … or this long after the first one settled (default 10 ms). */
  recordDelayMs?: number;
}

export function startOutboxDrainer(options?: DrainerOptions): () => Promise<void> {
  const idleMs = options?.idleMs ?? 100;
  const limit = options?.limit ?? 100;
  const concurrency = options?.concurrency ?? DEFAULT_CONCURRENCY;
  const recordBatch = options?.recordBatch ?? 200;
  const recordDelayMs = options?.recordDelayMs ?? 10;
  // Claimed ahead of the gate so it never starves, but few enough that an event waiting for a
  // slot behind slow endpoints (one handler timeout at most) is handled well within its lease.
  const maxUnsettled = 2 * concurrency;
  // Settled outcomes not yet written: past this, claim nothing more until the database catches up.
  const maxUnrecorded = 4 * recordBatch;
  const gate = new Gate(concurrency);
  const wake = new Wake();
  let stopped = false;
  let unsettled = 0;
  let unrecorded = 0;
  let pending: Settled[] = [];
  let flushTimer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> | null = null;
  const handling = new Set<Promise<void>>();

  const flush = (): Promise<void> => {
    if (flushTimer) {
      clearTimeout(flushTimer);
      flushTimer = null;
    }
    if (flushing || pending.length === 0) return flushing ?? Promise.resolve();
    const batch = pending;
    pending = [];
    flushing = (async () => {
      try {
        await recordSettled(batch);
      } catch (e) {
        logger.error({ err: message(e) }, "outbox recording failed");
      } finally {
        unrecorded -= batch.length;
        flushing = null;
        wake.notify();
        // What settled while this batch was being written.
        if (pending.length >= recordBatch) void flush();
        else if (pending.length > 0 && !flushTimer) flushTimer = setTimeout(() => void flush(), recordDelayMs);
      }
    })();
    return flushing;
  };

  const settle = (s: Settled) => {
    unsettled--;
    unrecorded++;
    pending.push(s);
    wake.notify();
    if (pending.length >= recordBatch) void flush();
    else if (!flushTimer && !flushing) flushTimer = setTimeout(() => void flush(), recordDelayMs);
  };

  const minIdleMs = Math.min(10, idleMs);
  let idle = minIdleMs;
  const loop = (async () => {
    while (!stopped) {
      const room = Math.min(limit, maxUnsettled - unsettled);
      if (room < Math.min(limit, maxUnsettled) / 4 || unrecorded >= maxUnrecorded) {
        await wake.wait(idleMs);
        continue;
      }
      try {
        const events = await claim(room);
        if (events.length === 0) {
          await wake.wait(idle);
          idle = Math.min(idleMs, idle * 2);
          continue;
        }
        idle = minIdleMs;
        unsettled += events.length;
        const p = handleClaimed(events, gate, settle).catch((e: unknown) => logger.error({ err: message(e) }, "outbox handling failed"));
        handling.add(p);
        void p.finally(() => handling.delete(p));
      } catch (e) {
        logger.error({ err: message(e) }, "outbox drainer failed; retrying");
        await wake.wait(idleMs * 4);
      }
    }
  })();

  return async () => {
    stopped = true;
    wake.notify();
    await loop;
    await Promise.all([...handling]);
    while (pending.length > 0 || flushing) await flush();
  };
}
