import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

// A private, throw-away PostgreSQL cluster for tests that must crash the server (pg_ctl stop -m
// immediate). It never touches the shared server on 5432: its own data directory in a temp dir,
// its own port, its own socket directory. initdb refuses to run as root, so the cluster belongs to
// the `postgres` OS user and every server command runs through `su postgres`.

export interface PrivateCluster {
  url: string;
  port: number;
  dir: string;
  bin: string;
  /** SIGQUIT to the postmaster: no checkpoint, no flush beyond what commit already made durable. */
  crash(): void;
  start(): void;
  stop(): void;
  log(): string;
  destroy(): void;
}

function pgBinDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, "bin", "initdb"))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error(`No PostgreSQL server binaries found (looked for ${root}/*/bin/initdb). Install postgresql-15 or newer.`);
  return path.join(root, versions[0]!, "bin");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (a && typeof a === "object" ? resolve(a.port) : reject(new Error("no port"))));
    });
  });
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export async function startPrivateCluster(): Promise<PrivateCluster> {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) {
    throw new Error("This test starts a private PostgreSQL cluster as the `postgres` OS user and must run as root (it uses `su postgres`); it does not skip.");
  }
  let uid: number, gid: number;
  try {
    uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  } catch {
    throw new Error("There is no `postgres` OS user to own the private cluster (initdb refuses to run as root); it does not skip.");
  }
  const bin = pgBinDir();
  const dir = mkdtempSync(path.join(tmpdir(), "swy-pg-"));
  chownSync(dir, uid, gid);
  const data = path.join(dir, "data");
  const logFile = path.join(dir, "server.log");
  const port = await freePort();
  const asPostgres = (cmd: string) => execFileSync("su", ["postgres", "-s", "/bin/sh", "-c", cmd], { stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 }).toString();
  try {
    asPostgres(`${q(path.join(bin, "initdb"))} -D ${q(data)} -U postgres -A trust -E UTF8 --locale=C --no-sync`);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(e as { stderr?: Buffer }).stderr?.toString() ?? String(e)}`);
  }
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c max_connections=60 -c shared_buffers=32MB`;
  const cluster: PrivateCluster = {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    bin,
    start() {
      asPostgres(`${q(path.join(bin, "pg_ctl"))} -D ${q(data)} -l ${q(logFile)} -w -t 120 -o ${q(opts)} start`);
    },
    stop() {
      asPostgres(`${q(path.join(bin, "pg_ctl"))} -D ${q(data)} -w -t 60 -m fast stop`);
    },
    crash() {
      asPostgres(`${q(path.join(bin, "pg_ctl"))} -D ${q(data)} -m immediate stop`);
    },
    log() {
      return existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
    },
    destroy() {
      try {
        if (existsSync(path.join(data, "postmaster.pid"))) asPostgres(`${q(path.join(bin, "pg_ctl"))} -D ${q(data)} -m immediate stop`);
      } catch {
        // already down
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    cluster.start();
  } catch (e) {
    const log = cluster.log();
    cluster.destroy();
    throw new Error(`The private cluster did not start: ${(e as { stderr?: Buffer }).stderr?.toString() ?? String(e)}\n${log}`);
  }
  return cluster;
}
