import type { Prisma } from "./generated/prisma/client";
import { prisma } from "./client";
import { APP_ROLE } from "./config";
import { logger } from "@/server/lib/logger";
import { bindTransaction, inConnectionSlot } from "./tx-connection";

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

/**
 * One transaction with row-level security bound to one tenant. Everything a tenant request or job
 * does happens inside one of these; a thrown error rolls all of it back.
 */
export async function withTenantTx<T>(tenantId: TenantId, fn: (tx: Tx) => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
  return inConnectionSlot(() =>
    prisma().$transaction(
      async (prismaTx) => {
        // Raw statements go straight to the transaction's connection (tx-connection.ts).
        const tx = bindTransaction(prismaTx);
        // The role is set again for this transaction: on PGlite every connection shares one backend
        // session, so a session-level SET ROLE is not enough on its own.
        await tx.$executeRaw`SELECT set_config('role', ${APP_ROLE}, true), set_config('app.tenant_id', ${tenantId}, true)`;
        return watched(() => fn(tx));
      },
      options.timeoutMs ? { ...TX_OPTIONS, timeout: options.timeoutMs } : TX_OPTIONS,
    ),
  );
}

/** For batch work on a whole file (reconciling a day's statement): minutes, not the 60 s of a request's transaction. */
export const BATCH_TX_TIMEOUT_MS = 15 * 60_000;

/** A transaction with no tenant bound: RLS shows no tenant rows at all. For system_* lookups. */
export async function withSystemTx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  return inConnectionSlot(() =>
    prisma().$transaction(async (prismaTx) => {
      const tx = bindTransaction(prismaTx);
      await tx.$executeRaw`SELECT set_config('role', ${APP_ROLE}, true), set_config('app.tenant_id', '', true)`;
      return watched(() => fn(tx));
    }, TX_OPTIONS),
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
