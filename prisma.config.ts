import { defineConfig } from "prisma/config";

// The schema engine cannot be downloaded here: `prisma generate` is the only Prisma CLI command we
// run (with PRISMA_SCHEMA_ENGINE_BINARY pointing at a stub); migrations are applied by
// `npm run cli -- migrate` (server/db/migrate.ts).
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/switchyard" },
});
