// Creates (or with --drop, drops) a throwaway database on the test PostgreSQL server and prints
// its URL. Used by scripts/test-all.sh for the end-to-end run.
import { randomBytes } from "node:crypto";
import pg from "pg";

const server = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const admin = new pg.Client({ connectionString: server });
await admin.connect();
try {
  if (process.argv[2] === "--drop") {
    const name = new URL(process.argv[3]).pathname.slice(1);
    if (!/^swy_t_[a-z0-9_]+$/.test(name)) throw new Error(`refusing to drop ${name}`);
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } else {
    const name = `swy_t_${(process.argv[2] ?? "run").replace(/[^a-z0-9]/g, "_")}_${randomBytes(4).toString("hex")}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    // Ledger locks taken out of order are refused (LOCK_ORDER) instead of deadlocking rarely.
    await admin.query(`ALTER DATABASE "${name}" SET ledger.check_lock_order = 'on'`);
    const u = new URL(server);
    u.pathname = `/${name}`;
    process.stdout.write(u.toString());
  }
} finally {
  await admin.end();
}
