import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "@/server/core/errors/domain-error";
import { authorizedTenantId, withTenantTx } from "@/server/db/tenant-tx";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { makeTenant } from "@/server/testing/fixtures";
import { contextFromHeaders } from "./context";
import { fromDatabaseError, toTRPCError } from "./errors";
import { createCallerFactory, publicProcedure, router } from "./trpc";

// What a caller sees when something goes wrong below the services: a database refusal the
// services did not pre-empt becomes an error a person can act on (real PostgreSQL, so the driver
// adapter's real error shape); anything else is answered without internals, with the request id.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("api_errors");
});
afterAll(async () => db?.drop());

describe("errors at the API's edge", () => {
  it("a unique violation is a CONFLICT in words, never the constraint's name", async () => {
    const t = await makeTenant(`err-${randomUUID().slice(0, 6)}`);
    const insert = () => withTenantTx(authorizedTenantId(t.id), (tx) => tx.exceptionSla.create({ data: { tenantId: t.id, kind: "RECON_FEE", hours: 5 } }));
    await insert();
    const raw = await insert().catch((e: unknown) => e);
    const mapped = fromDatabaseError(raw);
    expect(mapped).toBeInstanceOf(DomainError);
    // A primary key names no columns in the driver's error: the words stay general.
    expect([mapped!.code, mapped!.message]).toEqual(["ALREADY_EXISTS", "One with these details already exists; change them and try again"]);
    const e = toTRPCError(raw) as TRPCError;
    expect([e.code, e.message]).toEqual(["CONFLICT", mapped!.message]);
    expect(fromDatabaseError(new Error("connection reset"))).toBeNull();

    // A unique index (Prisma's <table>_<columns>_key) names them; the tenant column is left out.
    const merchant = await withTenantTx(authorizedTenantId(t.id), async (tx) => {
      const data = { tenantId: t.id, legalName: "Dup Ltd", shortName: "Dup", creditCode: "91310000000000000D", legalRepresentative: "R", mcc: "5411", contactName: "C", contactPhone: "13800000000" };
      await tx.merchant.create({ data });
      return tx.merchant.create({ data }).catch((err: unknown) => err);
    }).catch((err: unknown) => err);
    expect(fromDatabaseError(merchant)?.message).toBe("One with the same credit code already exists; change it and try again");
  });

  it("an unexpected error reaches the caller as an internal error with the request id, not its text", async () => {
    const boom = router({
      leak: publicProcedure.query(() => {
        throw new Error('relation "secret_table" violates constraint "x_fkey"');
      }),
      refused: publicProcedure.query(() => {
        throw new DomainError("PRECONDITION", "NOPE", "Not now: try tomorrow");
      }),
    });
    const ctx = contextFromHeaders(new Headers({ host: "acme.localhost", "x-request-id": "req-123" }));
    const caller = createCallerFactory(boom)(ctx);
    const leak = (await caller.leak().catch((e: unknown) => e)) as TRPCError;
    expect([leak.code, leak.message]).toEqual(["INTERNAL_SERVER_ERROR", "Internal error; quote request id req-123 if you contact support"]);
    expect((leak.cause as Error).message).toMatch(/secret_table/); // kept for the log, never sent
    const refused = (await caller.refused().catch((e: unknown) => e)) as TRPCError;
    expect([refused.code, refused.message]).toEqual(["PRECONDITION_FAILED", "Not now: try tomorrow"]);
  });
});
