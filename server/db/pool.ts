import pg from "pg";
import { APP_ROLE, databaseUrl } from "./config";
import { noteConnection } from "./tx-connection";

// No global pg type parsers: @prisma/adapter-pg decodes int8 (money) to BigInt itself and breaks
// if pg has already done it. Raw pg queries convert their own columns.

/** A pg client that is the app role before the pool hands it to anyone. */
class AppRoleClient extends pg.Client {
  /**
   * Whether raw statements on this connection may be prepared under a name (tx-connection.ts):
   * on PostgreSQL, yes; on PGlite no, because every connection shares its one backend session,
   * where one connection's statement names would meet another's.
   */
  preparesStatements = false;

  // @ts-expect-error pg declares connect() as two overloads that a subclass cannot restate; this
  // one implementation serves both call forms (the pool uses the callback one).
  override connect(callback?: (err: Error | null) => void): Promise<void> | void {
    const ready = super.connect().then(async () => {
      // Three statements in one message: pg answers with one result each (its types say one).
      const results = (await this.query(`SET ROLE ${APP_ROLE}; SET TIME ZONE 'UTC'; SELECT strpos(version(), 'PGlite') = 0 AS "prepares"`)) as unknown as Array<pg.QueryResult<{ prepares?: boolean }>>;
      this.preparesStatements = results.at(-1)?.rows[0]?.prepares === true;
    });
    if (!callback) return ready;
    ready.then(() => callback(null), (err: Error) => callback(err));
  }
}

/** See AppRoleClient.preparesStatements. */
export function preparesStatements(client: pg.ClientBase): boolean {
  return client instanceof AppRoleClient && client.preparesStatements;
}

declare global {
  var __switchyardAppPool: pg.Pool | undefined;
}

/**
 * The pool every request, job and service uses. Each new connection first switches to the app
 * role, which owns no tables and has no BYPASSRLS, so row-level security holds even when the
 * login user is the owner (always on PGlite, whose only user is a superuser).
 */
export function appPool(): pg.Pool {
  if (!globalThis.__switchyardAppPool) {
    const pool = new pg.Pool({
      connectionString: databaseUrl(),
      max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
      idleTimeoutMillis: 30_000,
      Client: AppRoleClient as unknown as typeof pg.Client,
    });
    pool.on("error", () => {
      // An idle client died (database restart); the pool replaces it on next use.
    });
    // Prisma's adapter takes a transaction's connection with connect() (the promise form); the
    // transaction's slot (tx-connection.ts) notes it. The callback form (pool.query) is untouched.
    const connect = pool.connect.bind(pool);
    pool.connect = ((callback?: Parameters<typeof connect>[0]) => {
      if (callback) return connect(callback);
      return connect().then((client) => {
        noteConnection(client);
        return client;
      });
    }) as typeof pool.connect;
    globalThis.__switchyardAppPool = pool;
  }
  return globalThis.__switchyardAppPool;
}

/** A short-lived owner connection for the migrator and operator commands (never for requests). */
export async function withOwnerClient<T>(fn: (client: pg.Client) => Promise<T>, url = databaseUrl()): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // On PGlite all connections share one session, which the app pool has switched to the app role.
    await client.query("RESET ROLE; SET TIME ZONE 'UTC'");
    return await fn(client);
  } finally {
    // ... and back, so plain app-pool queries (pg-boss, the health check) stay the app role there.
    await client.query(`SET ROLE ${APP_ROLE}`).catch(() => undefined);
    await client.end();
  }
}

export async function closeAppPool(): Promise<void> {
  const pool = globalThis.__switchyardAppPool;
  globalThis.__switchyardAppPool = undefined;
  if (pool) await pool.end();
}
