import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "@/server/testing/db";

// SWITCHYARD_PREPARED_STATEMENTS=0 (README, "On PostgreSQL"): raw statements run unnamed, for a
// pooler in transaction mode that does not carry prepared statements. Read when tx-connection.ts
// loads, so it is set before anything imports it.
const saved = process.env.SWITCHYARD_PREPARED_STATEMENTS;
process.env.SWITCHYARD_PREPARED_STATEMENTS = "0";

let db: TestDatabase;
beforeAll(async () => {
  const { createTestDatabase } = await import("@/server/testing/db");
  db = await createTestDatabase("prepared_off");
});
afterAll(async () => {
  // A worker process may run other test files after this one.
  if (saved === undefined) delete process.env.SWITCHYARD_PREPARED_STATEMENTS;
  else process.env.SWITCHYARD_PREPARED_STATEMENTS = saved;
  await db?.drop();
});

describe("SWITCHYARD_PREPARED_STATEMENTS=0", () => {
  it("sends raw statements unnamed: nothing is prepared on the connection", async () => {
    const { makeTenant } = await import("@/server/testing/tenants");
    const { withTenantTx } = await import("./tenant-tx");
    const t = await makeTenant();
    const names = await withTenantTx(t.ctx.tenantId, async (tx) => {
      await tx.$queryRaw`SELECT 1 AS one /* unnamed-probe */`;
      await tx.$queryRaw`SELECT 1 AS one /* unnamed-probe */`;
      return tx.$queryRaw<Array<{ name: string }>>`SELECT name FROM pg_prepared_statements WHERE name LIKE 'swy_raw_%'`;
    });
    expect(names).toEqual([]);
  });
});
