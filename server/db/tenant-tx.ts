import type { Prisma } from "./generated/prisma/client";
import { prisma } from "./client";
import { APP_ROLE } from "./config";
import { logger } from "@/server/lib/logger";
import { appPool } from "./pool";
import { bindTransaction, inConnectionSlot, rawOnlyClient, sentWithBegin } from "./tx-connection";

/** The transaction client. Inside a transaction callback use only this, never prisma(). */
export type Tx = Prisma.TransactionClient;

declare const tenantIdBrand: unique symbol;
/**
 * A tenant id that an authorisation gate has vouched for: the tRPC tenant procedure (membership
 * re-checked), runTenantJob, the CLI and the signed APIs mint it. Services take this, not a string.
 */
export type TenantId = string & { readonly [tenantIdBrand]: true };

export function authorizedTenantId(id: string): TenantId {
  return id as TenantId;
}

/** Who is acting, for audit and permission checks inside services. */
export type Actor =
  | { kind: "USER"; userId: string; email: string; role: string; merchantId: string | null }
  | { kind: "PLATFORM"; adminId: string; email: string }
  | { kind: "SYSTEM"; name: string };

/** How an actor is named in transitions, exceptions and imports: the user's email, platform:<email>, or the system job's name. */
export function actorName(ctx: { actor: Actor }): string {
  return ctx.actor.kind === "USER" ? ctx.actor.email : ctx.actor.kind === "PLATFORM" ? `platform:${ctx.actor.email}` : ctx.actor.name;
}

export interface TenantContext {
  tenantId: TenantId;
  actor: Actor;
  requestId?: string;
}

const TX_OPTIONS = { maxWait: 30_000, timeout: 60_000 } as const;

export interface TxOptions {
  /** How long the transaction may stay open (default 60 s). */
  timeoutMs?: number;
  /**
   * The callback sends raw SQL only (`tx.$queryRaw`, `$executeRaw` and their Unsafe forms); a model
   * query throws. The transaction is then ours on a pool connection instead of a Prisma interactive
   * transaction, whose machinery cost about 0.6 ms of Node CPU per transaction (measured, 2026-11-29:
   * 1.17 ms against 0.55 ms for the same statements), and BEGIN and the tenant binding go in one
   * round trip. For the short transactions every API request opens (tenant, key and nonce,
   * Idempotency-Key); keep model queries out of anything they call.
   */
  rawOnly?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * withTenantTx / withSystemTx with `rawOnly`: BEGIN, the role and tenant binding (the id is checked
 * to be a uuid before it is written into the statement) and the server-side time limit in one round
 * trip, the callback, then COMMIT; ROLLBACK when the callback throws. A transaction left idle past
 * the limit is ended by the server (idle_in_transaction_session_timeout), as Prisma's timeout would.
 */
async function rawOnlyTx<T>(tenantId: string, fn: (tx: Tx) => Promise<T>, timeoutMs: number): Promise<T> {
  if (tenantId !== "" && !UUID.test(tenantId)) throw new Error(`Not a tenant id: ${tenantId}`);
  const held = await holdRawClient();
  let committed = false;
  try {
    await held.client.query(`BEGIN; ${binding(tenantId)}; SET LOCAL idle_in_transaction_session_timeout = ${Math.max(1, Math.floor(timeoutMs))}`);
    const result = await watched(() => fn(held.tx));
    held.end();
    // PostgreSQL answers COMMIT with ROLLBACK, not an error, when a statement of the transaction
    // failed (the callback caught it and went on): that is a failure, never a silent success.
    const commit = await held.client.query("COMMIT");
    committed = true;
    if (commit.command !== "COMMIT") throw new Error("The transaction was rolled back: one of its statements failed");
    return result;
  } finally {
    held.end();
    // A connection that cannot even roll back is dropped by the pool.
    held.release(committed || (!held.broken() && (await held.client.query("ROLLBACK").then(() => true, () => false))));
  }
}

/**
 * A pool connection with a raw-only client over it (rawOnlyClient), for rawOnlyTx and
 * systemLookup. A checked-out client's errors (the server ending the session) are ours to hear
 * while we hold it — unheard, they would end the process; the statement in flight fails on its
 * own. `release(usable)` gives the connection back, or has the pool drop it when it broke or the
 * caller found it unusable.
 */
async function holdRawClient() {
  const client = await appPool().connect();
  const { tx, end } = rawOnlyClient(client);
  let broken = false;
  const onError = () => {
    broken = true;
  };
  client.on("error", onError);
  return {
    client,
    tx,
    end,
    broken: () => broken,
    release(usable: boolean) {
      end();
      client.removeListener("error", onError);
      client.release(usable && !broken ? undefined : true);
    },
  };
}

/**
 * One transaction with row-level security bound to one tenant. Everything a tenant request or job
 * does happens inside one of these; a thrown error rolls all of it back.
 */
export async function withTenantTx<T>(tenantId: TenantId, fn: (tx: Tx) => Promise<T>, options: TxOptions = {}): Promise<T> {
  if (options.rawOnly) return rawOnlyTx(tenantId, fn, options.timeoutMs ?? TX_OPTIONS.timeout);
  return inConnectionSlot(
    () =>
      prisma().$transaction(
        async (prismaTx) => {
          // Raw statements go straight to the transaction's connection (tx-connection.ts).
          const tx = bindTransaction(prismaTx);
          // The role is set again for this transaction: on PGlite every connection shares one backend
          // session, so a session-level SET ROLE is not enough on its own. It rode on the BEGIN where
          // it could (one round trip fewer).
          if (!sentWithBegin()) await tx.$executeRaw`SELECT set_config('role', ${APP_ROLE}, true), set_config('app.tenant_id', ${tenantId}, true)`;
          return watched(() => fn(tx));
        },
        options.timeoutMs ? { ...TX_OPTIONS, timeout: options.timeoutMs } : TX_OPTIONS,
      ),
    UUID.test(tenantId) ? binding(tenantId) : null,
  );
}

/** The role and tenant binding as literal SQL (the tenant id is a checked uuid, or empty). */
function binding(tenantId: string): string {
  return `SELECT set_config('role', '${APP_ROLE}', true), set_config('app.tenant_id', '${tenantId}', true)`;
}

/** For batch work on a whole file (reconciling a day's statement): minutes, not the 60 s of a request's transaction. */
export const BATCH_TX_TIMEOUT_MS = 15 * 60_000;

/**
 * One statement outside any transaction, calling a function that confines itself: a system_*
 * lookup (host → tenant, a tenant's logo) or a SECURITY DEFINER write that names its rows itself
 * (api_idempotency_complete). No BEGIN or COMMIT round trips. The pool's connections are the app
 * role already (pool.ts) and no tenant is bound outside a transaction, so row-level security shows
 * no tenant rows, as in withSystemTx. The client takes raw SQL only (as with rawOnly).
 */
export async function systemLookup<T>(lookup: (tx: Tx) => Promise<T>): Promise<T> {
  const held = await holdRawClient();
  try {
    return await lookup(held.tx);
  } finally {
    held.release(true);
  }
}

/** A transaction with no tenant bound: RLS shows no tenant rows at all. For system_* lookups. */
export async function withSystemTx<T>(fn: (tx: Tx) => Promise<T>, options: Pick<TxOptions, "rawOnly"> = {}): Promise<T> {
  if (options.rawOnly) return rawOnlyTx("", fn, TX_OPTIONS.timeout);
  return inConnectionSlot(
    () =>
      prisma().$transaction(async (prismaTx) => {
        const tx = bindTransaction(prismaTx);
        if (!sentWithBegin()) await tx.$executeRaw`SELECT set_config('role', ${APP_ROLE}, true), set_config('app.tenant_id', '', true)`;
        return watched(() => fn(tx));
      }, TX_OPTIONS),
    binding(""),
  );
}

/** A transaction open this long is logged with where it began (a slow or stuck callback holds its locks, and on PGlite every other connection). */
const SLOW_TX_MS = 5_000;

async function watched<T>(fn: () => Promise<T>): Promise<T> {
  const began = new Error("transaction began here");
  const timer = setTimeout(() => logger.warn({ ms: SLOW_TX_MS, stack: began.stack?.split("\n").slice(2, 9).join(" | ") }, "transaction still open"), SLOW_TX_MS);
  timer.unref?.();
  try {
    return await fn();
  } finally {
    clearTimeout(timer);
  }
}

export { TX_OPTIONS };
