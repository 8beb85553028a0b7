import { createServer, type Server, type Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketHandler } from "@electric-sql/pglite-socket";

// The embedded database's wire server: pglite-socket's connection handler (startup, SSL refusal,
// message framing) over our own queue, because pglite-socket's queue hands PGlite one protocol
// message at a time from any connection whenever no transaction block is open. Two connections'
// extended-protocol runs (Parse, Bind, Describe, Execute, Sync) then interleave on PGlite's single
// backend: one connection's Bind meets the other's unnamed statement, and queries return another
// connection's rows or fail with `portal "" does not exist` (measured: 3 wrong results and 9
// errors in 1,200 parameterised queries from four connections). It is also the likely cause of the
// demo's stalls, where a client waited for an answer that had gone to another connection.
//
// Here a connection owns PGlite from its first message until PGlite answers ReadyForQuery with
// status idle ('I'): a whole extended-protocol run, or a whole transaction block ('T', 'E' keep it).
// Other connections' messages wait in arrival order. A connection that goes away while it owns
// PGlite gets a Sync (ends a half-sent run) and a ROLLBACK (ends an open block) before anyone else
// goes on. Every connection still shares PGlite's one session (SET ROLE, time zone): see pool.ts.

interface Job {
  handlerId: number;
  /** Runs with PGlite to itself; true when PGlite is idle afterwards (ownership ends). */
  run(): Promise<boolean>;
  fail(error: Error): void;
}

const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);
const READY_FOR_QUERY = 0x5a;

/** The status byte of a ReadyForQuery that ends `tail` (the last six bytes of a response), if any. */
function readyStatus(tail: Uint8Array): string | null {
  if (tail.length < 6) return null;
  const at = tail.length - 6;
  if (tail[at] !== READY_FOR_QUERY || tail[at + 1] !== 0 || tail[at + 2] !== 0 || tail[at + 3] !== 0 || tail[at + 4] !== 5) return null;
  return String.fromCharCode(tail[at + 5]!);
}

function keepTail(tail: Uint8Array, chunk: Uint8Array): Uint8Array {
  if (chunk.length >= 6) return chunk.slice(chunk.length - 6);
  const joined = new Uint8Array(tail.length + chunk.length);
  joined.set(tail);
  joined.set(chunk, tail.length);
  return joined.slice(Math.max(0, joined.length - 6));
}

/** The queue pglite-socket's handler calls (enqueue, clearQueueForHandler, clearTransactionIfNeeded, getQueueLength). */
export class SessionQueue {
  private jobs: Job[] = [];
  private owner: number | null = null;
  private pumping = false;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.jobs.push({
        handlerId,
        fail: reject,
        run: async () => {
          let bytes = 0;
          let tail: Uint8Array = new Uint8Array(0);
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(message, {
              onRawData: (data) => {
                bytes += data.length;
                tail = keepTail(tail, data);
                onData(data);
              },
            }),
          );
          resolve(bytes);
          return readyStatus(tail) === "I";
        },
      });
      void this.pump();
    });
  }

  clearQueueForHandler(handlerId: number): void {
    const gone = this.jobs.filter((j) => j.handlerId === handlerId);
    this.jobs = this.jobs.filter((j) => j.handlerId !== handlerId);
    for (const j of gone) j.fail(new Error("Handler disconnected"));
  }

  /** Called when a connection goes away: if it owns PGlite, end what it left open, then let the others on. */
  clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return Promise.resolve();
    return new Promise((resolve) => {
      this.jobs.unshift({
        handlerId,
        fail: () => resolve(),
        run: async () => {
          await this.db.runExclusive(() => this.db.execProtocolRawStream(SYNC, { onRawData: () => {} }));
          if (this.db.isInTransaction()) await this.db.exec("ROLLBACK");
          resolve();
          return true;
        },
      });
      void this.pump();
    });
  }

  getQueueLength(): number {
    return this.jobs.length;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const at = this.owner === null ? (this.jobs.length > 0 ? 0 : -1) : this.jobs.findIndex((j) => j.handlerId === this.owner);
        if (at < 0) return;
        const job = this.jobs.splice(at, 1)[0]!;
        this.owner = job.handlerId;
        try {
          if (await job.run()) this.owner = null;
        } catch (error) {
          // PGlite itself failed (not an SQL error, which is an ErrorResponse): the handler drops
          // the connection, and its clearTransactionIfNeeded releases ownership.
          job.fail(error instanceof Error ? error : new Error(String(error)));
        }
      }
    } finally {
      this.pumping = false;
    }
  }
}

export class PgliteWireServer {
  private server: Server | null = null;
  private readonly handlers = new Set<PGLiteSocketHandler>();
  private readonly queue: SessionQueue;

  constructor(
    private readonly db: PGlite,
    private readonly options: { host: string; port: number; maxConnections: number },
  ) {
    this.queue = new SessionQueue(db);
  }

  /** Starts listening; resolves to the port (the OS's choice when asked for 0). */
  async start(): Promise<number> {
    await this.db.waitReady;
    const server = createServer((socket) => this.accept(socket));
    server.maxConnections = this.options.maxConnections;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    if (address === null || typeof address !== "object") throw new Error("The embedded database server has no TCP address");
    return address.port;
  }

  private accept(socket: Socket): void {
    // The handler's queue option is typed as pglite-socket's own (unexported) queue class.
    const handler = new PGLiteSocketHandler({ queryQueue: this.queue as never, closeOnDetach: true });
    this.handlers.add(handler);
    const forget = () => this.handlers.delete(handler);
    handler.addEventListener("close", forget);
    handler.addEventListener("error", forget);
    handler.attach(socket).catch(() => {
      forget();
      socket.destroy();
    });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.handlers].map((h) => h.detach(true)));
    this.handlers.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
