import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tx } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant } from "@/server/testing/tenants";
import { settlementModeOf, tenantSettings } from "./settings";

// A tenant's settlement mode is fixed at creation: the database refuses a change (even from the
// owner, below the app), which is what lets the payment path keep it per process.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase("tenant_settings");
});
afterAll(async () => db?.drop());

describe("the settlement mode is fixed when a tenant is created", () => {
  it("the database refuses to change it and keeps everything else editable; settlementModeOf reads it once", async () => {
    const t = await makeTenant({ mode: "DIRECT" });
    await expect(ownerQuery(db.url, `UPDATE tenant SET settlement_mode = 'CUSTODIAL' WHERE id = $1`, [t.tenantId])).rejects.toThrow(/settlement mode is fixed when it is created: DIRECT cannot become CUSTODIAL/);
    // Other columns (and an update that leaves the mode as it is) are untouched by the rule.
    await ownerQuery(db.url, `UPDATE tenant SET time_zone = 'Asia/Urumqi', settlement_mode = 'DIRECT' WHERE id = $1`, [t.tenantId]);
    expect(await t.run((tx) => tenantSettings(tx, t.ctx))).toMatchObject({ timeZone: "Asia/Urumqi", settlementMode: "DIRECT" });
    expect(await t.run((tx) => settlementModeOf(tx, t.ctx))).toBe("DIRECT");
    const custodial = await makeTenant({ mode: "CUSTODIAL" });
    expect(await custodial.run((tx) => settlementModeOf(tx, custodial.ctx))).toBe("CUSTODIAL");
    // Kept once read: asking again sends no statement.
    let statements = 0;
    const counting = (tx: Tx): Tx =>
      new Proxy(tx, {
        get: (target, prop) => (prop === "$queryRaw" ? (...args: unknown[]) => (statements++, (target.$queryRaw as (...a: unknown[]) => unknown)(...args)) : Reflect.get(target, prop)),
      });
    expect(await custodial.run((tx) => settlementModeOf(counting(tx), custodial.ctx))).toBe("CUSTODIAL");
    expect(statements).toBe(0);
  });
});
