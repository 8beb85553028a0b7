import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PgliteWireServer } from "./pglite-wire";

// The embedded default: PGlite (PostgreSQL 17 in WASM) with its data in .data/, served over the
// pg wire protocol on a loopback port so the app uses the same code path as on PostgreSQL.
// One connection at a time has the database, from its first message until it is idle again (a
// whole query or transaction block; pglite-wire.ts): correct, but for demos and trials only.

export const DATA_DIR = path.resolve(process.env.SWITCHYARD_DATA_DIR ?? path.join(process.cwd(), ".data"));
export const EMBEDDED_DATA_DIR = path.join(DATA_DIR, "pglite");
/** Written by the launcher while it serves the embedded database, so the CLI can reach it. */
export const EMBEDDED_STATE_FILE = path.join(DATA_DIR, "embedded.json");

export function runningEmbeddedUrl(): string | null {
  if (!existsSync(EMBEDDED_STATE_FILE)) return null;
  try {
    const state = JSON.parse(readFileSync(EMBEDDED_STATE_FILE, "utf8")) as { url?: string; pid?: number };
    if (!state.url || !state.pid) return null;
    process.kill(state.pid, 0); // throws if the launcher is gone
    return state.url;
  } catch {
    return null;
  }
}

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedDatabase(options: { dataDir: string; port: number }): Promise<EmbeddedDatabase> {
  mkdirSync(path.dirname(options.dataDir), { recursive: true });
  const db = await PGlite.create({ dataDir: options.dataDir });
  const server = new PgliteWireServer(db, { host: "127.0.0.1", port: options.port, maxConnections: 64 });
  // Port 0 lets the OS choose; start() reports the one we got.
  const port = await server.start();
  let stopped = false;
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await db.close();
    },
  };
}
