import { AsyncLocalStorage } from "node:async_hooks";
import pg from "pg";
import { Prisma } from "./generated/prisma/client";
import { preparesStatements } from "./pool";

// Raw SQL on the connection under a Prisma transaction, without Prisma's per-query machinery.
//
// Measured on the bench database (2026-11-29): a `tx.$queryRaw` inside a transaction costs 0.5–0.9
// ms of Node CPU (request proxies, async scopes, tracing spans, result mapping); the same statement
// on the pg client 0.1–0.16 ms. A payment sends ~50 statements, so that was most of its CPU.
//
// withTenantTx and withSystemTx open their Prisma transaction inside a slot of this
// AsyncLocalStorage; the app pool notes in the slot the connection it hands out there, which is
// the one @prisma/adapter-pg opens the transaction on (its BEGIN, queries and COMMIT all go
// through it). The callback gets Prisma's transaction client wrapped by `withFastRaw`: its raw
// statements go straight to that pg client, in order with Prisma's own (pg runs a client's
// queries one after another in the order they were sent). Anywhere the slot does not vouch for
// the transaction — a nested transaction's client used outside it, after the end, once Prisma has
// sent COMMIT or ROLLBACK on the connection or given it back — they go through Prisma as before,
// which returns the same values.

type Tx = Prisma.TransactionClient;

interface Slot {
  client: pg.PoolClient | null;
  tx: Tx | null;
  closed: boolean;
  /** Statements to send with the transaction's BEGIN (the role and tenant binding), and whether they went. */
  withBegin: string | null;
  sentWithBegin: boolean;
}

const slots = new AsyncLocalStorage<Slot>();

/**
 * Runs `open` (which starts one Prisma transaction) in a fresh slot. `withBegin`: statements
 * (literal, no parameters) that ride on the transaction's BEGIN in one round trip; the callback
 * asks sentWithBegin() whether they did, and sends them itself where not.
 */
export function inConnectionSlot<T>(open: () => Promise<T>, withBegin: string | null = null): Promise<T> {
  const slot: Slot = { client: null, tx: null, closed: false, withBegin, sentWithBegin: false };
  return slots.run(slot, async () => {
    try {
      return await open();
    } finally {
      close(slot);
      slot.tx = null;
    }
  });
}

/**
 * @prisma/adapter-pg opens a transaction with this on the connection it took. (It would send SET
 * TRANSACTION ISOLATION LEVEL next if asked for an isolation level, which must come before any
 * query: withTenantTx and withSystemTx never ask for one.)
 */
const BEGINS_TRANSACTION = /^\s*BEGIN\s*;?\s*$/i;

/** Whether the current slot's BEGIN carried its `withBegin` statements (see inConnectionSlot). */
export function sentWithBegin(): boolean {
  return slots.getStore()?.sentWithBegin === true;
}

/** Prisma ends a transaction with one of these on its connection, then releases the connection. */
const ENDS_TRANSACTION = /^\s*(COMMIT|ROLLBACK)\s*;?\s*$/i;

function close(slot: Slot): void {
  slot.closed = true;
  slot.client = null;
}

/**
 * The app pool calls this for every connection it hands out: the first in a slot is its
 * transaction's. The slot closes as soon as Prisma sends COMMIT or ROLLBACK on it (a transaction
 * past its timeout is rolled back while its callback may still run) and when it is released, so
 * that nothing is sent outside the transaction: the fallback then meets Prisma's own refusal.
 */
export function noteConnection(client: pg.PoolClient): void {
  const slot = slots.getStore();
  if (!slot || slot.closed || slot.client || slot.tx) return;
  slot.client = client;
  // Own properties for this checkout only: release (pg-pool gives every checkout its own) puts
  // the prototype's query back.
  const query = client.query;
  client.query = function (this: pg.PoolClient, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === "string" ? first : (first as { text?: unknown } | null)?.text;
    if (typeof text === "string" && ENDS_TRANSACTION.test(text)) close(slot);
    // The adapter's BEGIN (a simple-protocol query: no parameters) carries the slot's binding.
    if (slot.withBegin && !slot.sentWithBegin && typeof text === "string" && BEGINS_TRANSACTION.test(text) && first && typeof first === "object") {
      const { values } = first as { values?: unknown[] };
      if (!values || values.length === 0) {
        slot.sentWithBegin = true;
        args[0] = { ...(first as object), text: `BEGIN; ${slot.withBegin}` };
      }
    }
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof client.query;
  const release = client.release;
  client.release = (err?: Error | boolean) => {
    close(slot);
    delete (client as { query?: unknown }).query;
    return release.call(client, err);
  };
}

/** The pg client under `tx` (as returned by withFastRaw) when this async context opened it; else null. */
export function connectionOf(tx: Tx): pg.PoolClient | null {
  const slot = slots.getStore();
  return slot && !slot.closed && slot.tx === tx ? slot.client : null;
}

// What Prisma's $queryRaw returns for these types, so that both paths give the same values: int8 as
// bigint, numeric as a Decimal, date as a Date at UTC midnight and timestamp (without time zone) as
// that wall time in UTC (pg would read both in the process's local time).
const INT8 = 20;
const INT8_ARRAY = 1016;
const DATE = 1082;
const TIMESTAMP = 1114;
const NUMERIC = 1700;
const textParser = (oid: number) => pg.types.getTypeParser(oid as Parameters<typeof pg.types.getTypeParser>[0], "text") as (s: string) => unknown;
const parseArray = textParser(INT8_ARRAY) as (s: string) => Array<string | null>;
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (format === "binary") return pg.types.getTypeParser(oid as Parameters<typeof pg.types.getTypeParser>[0], format);
    if (oid === INT8) return (s: string) => BigInt(s);
    if (oid === INT8_ARRAY) return (s: string) => parseArray(s).map((v) => (v === null ? null : BigInt(v)));
    if (oid === DATE) return (s: string) => new Date(`${s}T00:00:00Z`);
    if (oid === NUMERIC) return (s: string) => new Prisma.Decimal(s);
    if (oid === TIMESTAMP) return (s: string) => (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(s) ? new Date(`${s.replace(" ", "T")}Z`) : textParser(oid)(s));
    return textParser(oid);
  }) as typeof pg.types.getTypeParser,
};

/** Parameters as Prisma sends them: a Date as its ISO instant (pg would write it in local time). */
function param(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(param);
  return v;
}

interface Query {
  readonly text: string;
  readonly values: readonly unknown[];
}

/** `$queryRaw` takes a template (strings, values...) or one Prisma.sql fragment; nested fragments are flattened. */
function fromTemplate(first: TemplateStringsArray | Prisma.Sql, values: unknown[]): Query {
  return first instanceof Prisma.Sql ? first : new Prisma.Sql(first, values as Prisma.Sql["values"]);
}

// Raw statements are prepared under a name, once per connection, where the connection allows it
// (pool.ts, preparesStatements: PostgreSQL, not PGlite). PostgreSQL then parses and analyses a
// statement once per connection instead of on every call, and may keep its plan: a payment's
// database CPU fell from 19 to 14 ms (2026-11-29, 600 sequential payments, same run). Names go to
// the first STATEMENT_NAMES_MAX distinct texts of the process (texts built with a varying number
// of parameters are distinct texts); later ones run unnamed as before.
const STATEMENT_NAMES_MAX = 500;
const statementNames = new Map<string, string>();

function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < STATEMENT_NAMES_MAX) {
    name = `swy_raw_${statementNames.size}`;
    statementNames.set(text, name);
  }
  return name;
}

/** SWITCHYARD_PREPARED_STATEMENTS=0: no names (a pooler in transaction mode that does not carry prepared statements). */
const NAMES_OFF = process.env.SWITCHYARD_PREPARED_STATEMENTS === "0";

/** Rows as objects of unknown values: the caller's $queryRaw<T> says what they are. */
type Row = Record<string, unknown>;

async function send(client: pg.PoolClient, query: Query): Promise<pg.QueryResult<Row>> {
  const name = !NAMES_OFF && preparesStatements(client) ? statementName(query.text) : undefined;
  return client.query<Row>({ ...(name === undefined ? {} : { name }), text: query.text, values: query.values.map(param), types });
}

/**
 * The transaction client that withTenantTx and withSystemTx hand their callback: Prisma's own, with
 * `$queryRaw`, `$executeRaw` and their Unsafe forms sent on the transaction's pg connection
 * (parameters are sent untyped: cast one in the SQL where its type does not follow from context).
 * Model queries go through Prisma unchanged.
 */
export function withFastRaw(tx: Tx): Tx {
  const raw = rawMethods(
    async (query) => {
      const client = connectionOf(fast);
      return client ? (await send(client, query)).rows : tx.$queryRawUnsafe(query.text, ...query.values);
    },
    async (query) => {
      const client = connectionOf(fast);
      return client ? ((await send(client, query)).rowCount ?? 0) : tx.$executeRawUnsafe(query.text, ...query.values);
    },
  );
  const fast: Tx = new Proxy(tx, {
    get(target, prop) {
      return typeof prop === "string" && Object.hasOwn(raw, prop) ? raw[prop] : (Reflect.get(target, prop, target) as unknown);
    },
  });
  return fast;
}

/** `$queryRaw`, `$executeRaw` and their Unsafe forms, each turned into one Query for `rows` or `count`. */
function rawMethods(rows: (query: Query) => Promise<unknown>, count: (query: Query) => Promise<number>): Record<string, unknown> {
  return {
    $queryRaw: (first: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => rows(fromTemplate(first, values)),
    $executeRaw: (first: TemplateStringsArray | Prisma.Sql, ...values: unknown[]) => count(fromTemplate(first, values)),
    $queryRawUnsafe: (text: string, ...values: unknown[]) => rows({ text, values }),
    $executeRawUnsafe: (text: string, ...values: unknown[]) => count({ text, values }),
  };
}

const rawOnlyClients = new WeakSet<object>();

/** Whether `tx` is a raw-only transaction's client (no model queries on it). */
export function isRawOnly(tx: Tx): boolean {
  return rawOnlyClients.has(tx);
}

/**
 * The client a raw-only transaction (withTenantTx's `rawOnly`) hands its callback: `$queryRaw`,
 * `$executeRaw` and their Unsafe forms on `client`, the same values as through Prisma. There is no
 * Prisma transaction under it, so a model query is refused with an error that says so; so is any
 * statement once `end()` has been called (the connection has gone back to the pool).
 */
export function rawOnlyClient(client: pg.PoolClient): { tx: Tx; end: () => void } {
  let open = true;
  const on = (): pg.PoolClient => {
    if (!open) throw new Error("This transaction has ended: no statement can be sent on it any more");
    return client;
  };
  const raw = rawMethods(
    async (query) => (await send(on(), query)).rows,
    async (query) => (await send(on(), query)).rowCount ?? 0,
  );
  const tx = new Proxy(raw, {
    get(target, prop) {
      if (typeof prop !== "string" || prop === "then" || prop === "toJSON") return undefined;
      if (Object.hasOwn(target, prop)) return target[prop];
      throw new Error(`tx.${prop}: this transaction is raw-only (withTenantTx rawOnly) and has no Prisma model queries; use raw SQL or a transaction without rawOnly`);
    },
  }) as unknown as Tx;
  rawOnlyClients.add(tx);
  return {
    tx,
    end: () => {
      open = false;
    },
  };
}

/** withTenantTx calls this first thing in its callback: from now on the slot's connection is this transaction's. */
export function bindTransaction(tx: Tx): Tx {
  const fast = withFastRaw(tx);
  const slot = slots.getStore();
  if (slot && !slot.closed && !slot.tx) slot.tx = fast;
  return fast;
}
