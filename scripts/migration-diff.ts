// Writes the DDL between two Prisma datamodels, offline, with the WASM schema engine.
//   tsx scripts/migration-diff.ts <from.prisma|empty> <to.prisma>
// The migration folder keeps a copy of the datamodel it was written from (datamodel.prisma), so
// the next migration diffs from that file; RLS, grants, checks and functions are added by hand.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import internals from "@prisma/internals";
const { wasmSchemaEngineLoader } = internals;

const [fromArg, toArg] = process.argv.slice(2);
if (!fromArg || !toArg) {
  console.error("usage: tsx scripts/migration-diff.ts <from.prisma|empty> <to.prisma>");
  process.exit(2);
}
const target = (file: string) =>
  file === "empty"
    ? { tag: "empty" as const }
    : { tag: "schemaDatamodel" as const, files: [{ path: file, content: readFileSync(file, "utf8") }] };

// @prisma/internals looks for the engine's .wasm in its own build/ folder, which the package does
// not ship; put the matching file from @prisma/schema-engine-wasm there.
const require = createRequire(import.meta.url);
const internalsBuild = path.join(path.dirname(require.resolve("@prisma/internals/package.json")), "build");
const wasm = path.join(internalsBuild, "schema_engine_bg.wasm");
if (!existsSync(wasm)) {
  mkdirSync(internalsBuild, { recursive: true });
  copyFileSync(path.join(path.dirname(internalsBuild), "..", "schema-engine-wasm", "schema_engine_bg.wasm"), wasm);
}

// The loader connects once through the adapter (it reads the server version); any reachable
// PostgreSQL will do, nothing is written to it.
const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg(process.env.DIFF_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres"));
const engine = await wasmSchemaEngineLoader.loadSchemaEngine({ datamodels: undefined }, () => {}, adapter);
const result = await engine.diff({
  from: target(fromArg),
  to: target(toArg),
  script: true,
  exitCode: null,
  filters: { externalTables: [], externalEnums: [] },
});
process.stdout.write(result.stdout ?? "");
