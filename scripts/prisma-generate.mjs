// Runs `prisma generate` offline. Prisma 7's CLI wants a schema-engine binary on disk even for
// `generate`, which does not use it; the real one cannot be downloaded here, so we point it at a
// stub that exits non-zero if anything ever does call it.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync, chmodSync, existsSync, statSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const stubDir = path.join(root, "node_modules", ".cache", "switchyard");
const stub = path.join(stubDir, "schema-engine-stub");
if (!existsSync(stub)) {
  mkdirSync(stubDir, { recursive: true });
  writeFileSync(stub, "#!/bin/sh\necho 'schema engine is not available offline; use npm run cli -- migrate' >&2\nexit 1\n");
  chmodSync(stub, 0o755);
}

// Skip when the client is already generated from this exact schema (keeps npm start fast).
const schema = readFileSync(path.join(root, "prisma", "schema.prisma"));
const hash = createHash("sha256").update(schema).digest("hex");
const marker = path.join(root, "server", "db", "generated", ".schema-hash");
if (existsSync(marker) && readFileSync(marker, "utf8") === hash && !process.argv.includes("--force")) {
  process.exit(0);
}

const result = spawnSync(process.execPath, [path.join(root, "node_modules", "prisma", "build", "index.js"), "generate"], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: stub, PRISMA_HIDE_UPDATE_MESSAGE: "1", CHECKPOINT_DISABLE: "1" },
});
if (result.status !== 0) process.exit(result.status ?? 1);
writeFileSync(marker, hash);
if (!statSync(marker).isFile()) process.exit(1);
