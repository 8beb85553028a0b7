import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "@/server/core/errors/domain-error";
import { createProposal } from "@/server/core/proposals/service";
import type { TenantContext } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant } from "@/server/testing/tenants";
import { getTenantPolicies, updateTenantPolicies } from "./policies";
import { tenantSettings } from "./settings";

// The Policies page's service against a real PostgreSQL database, as the app role (RLS and the
// column grants in force): what the console reads and saves, the audit trail, and every refusal
// leaving the stored values exactly as they were.

let db: TestDatabase;
let custodial: Awaited<ReturnType<typeof makeTenant>>;
let direct: Awaited<ReturnType<typeof makeTenant>>;

beforeAll(async () => {
  db = await createTestDatabase("tenant_policies");
  custodial = await makeTenant({ mode: "CUSTODIAL" });
  direct = await makeTenant({ mode: "DIRECT" });
});
afterAll(async () => db?.drop());

interface Stored {
  refund_shortfall_policy: string;
  auto_refund_late_success: boolean;
  approval_admin_threshold_minor: string;
}
const stored = async (tenantId: string) =>
  (await ownerQuery<Stored>(db.url, `SELECT refund_shortfall_policy::text, auto_refund_late_success, approval_admin_threshold_minor::text FROM tenant WHERE id = $1`, [tenantId]))[0]!;
const audits = (tenantId: string) =>
  ownerQuery<{ actor_email: string; before: unknown; after: unknown }>(db.url, `SELECT actor_email, before, after FROM audit_log WHERE tenant_id = $1 AND action = 'tenant.policies' ORDER BY created_at`, [tenantId]);
const as = (ctx: TenantContext, role: string): TenantContext => (ctx.actor.kind === "USER" ? { ...ctx, actor: { ...ctx.actor, role } } : ctx);

async function refusal(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.fail("expected a refusal"),
    (e: unknown) => e,
  );
}

describe("tenant policies", () => {
  it("reads the defaults: refuse a shortfall, refund late successes, admin approval from ¥10,000", async () => {
    expect(await custodial.run((tx) => getTenantPolicies(tx, custodial.ctx))).toMatchObject({
      settlementMode: "CUSTODIAL",
      refundShortfallPolicy: "REFUSE",
      autoRefundLateSuccess: true,
      approvalAdminThresholdMinor: 1_000_000n,
    });
    expect(await direct.run((tx) => getTenantPolicies(tx, direct.ctx))).toMatchObject({ settlementMode: "DIRECT", refundShortfallPolicy: "REFUSE" });
  });

  it("an owner changes them; the change is audited with old and new values, a repeat changes nothing", async () => {
    const saved = await custodial.run((tx) => updateTenantPolicies(tx, custodial.ctx, { approvalAdminThresholdMinor: 500_000n, refundShortfallPolicy: "ALLOW_DEBT" }));
    expect(saved).toMatchObject({ refundShortfallPolicy: "ALLOW_DEBT", autoRefundLateSuccess: true, approvalAdminThresholdMinor: 500_000n });
    expect(await stored(custodial.tenantId)).toEqual({ refund_shortfall_policy: "ALLOW_DEBT", auto_refund_late_success: true, approval_admin_threshold_minor: "500000" });
    // Only what changed is in the record; bigints are written as strings (exact in JSON).
    expect(await audits(custodial.tenantId)).toEqual([
      {
        actor_email: custodial.owner.email,
        before: { refundShortfallPolicy: "REFUSE", approvalAdminThresholdMinor: "1000000" },
        after: { refundShortfallPolicy: "ALLOW_DEBT", approvalAdminThresholdMinor: "500000" },
      },
    ]);

    // The same values again, or nothing at all: no write, no record.
    await custodial.run((tx) => updateTenantPolicies(tx, custodial.ctx, { approvalAdminThresholdMinor: 500_000n, refundShortfallPolicy: "ALLOW_DEBT" }));
    await custodial.run((tx) => updateTenantPolicies(tx, custodial.ctx, {}));
    expect(await audits(custodial.tenantId)).toHaveLength(1);

    // An admin turns automatic refunds off and sets the threshold to 0 (every proposal needs an admin).
    const admin = as(custodial.ctx, "ADMIN");
    await custodial.run((tx) => updateTenantPolicies(tx, admin, { autoRefundLateSuccess: false, approvalAdminThresholdMinor: "0" }));
    expect(await stored(custodial.tenantId)).toEqual({ refund_shortfall_policy: "ALLOW_DEBT", auto_refund_late_success: false, approval_admin_threshold_minor: "0" });
    expect((await audits(custodial.tenantId))[1]).toMatchObject({
      before: { autoRefundLateSuccess: true, approvalAdminThresholdMinor: "500000" },
      after: { autoRefundLateSuccess: false, approvalAdminThresholdMinor: "0" },
    });
    // The payment path reads the policy fresh: the next late success is not refunded.
    expect((await custodial.run((tx) => tenantSettings(tx, custodial.ctx))).autoRefundLateSuccess).toBe(false);
  });

  it("refuses invalid values and leaves every policy as it was", async () => {
    const before = await stored(custodial.tenantId);
    const auditCount = (await audits(custodial.tenantId)).length;
    const invalid: Array<[unknown, RegExp]> = [
      [{ approvalAdminThresholdMinor: -1n }, /validation\.nonNegative/],
      [{ approvalAdminThresholdMinor: "-100" }, /validation\.nonNegative/],
      [{ approvalAdminThresholdMinor: 1.5 }, /whole number of minor units/],
      [{ approvalAdminThresholdMinor: "12.50" }, /whole number of minor units/],
      [{ approvalAdminThresholdMinor: "ten thousand" }, /whole number of minor units/],
      [{ approvalAdminThresholdMinor: 10n ** 17n }, /too large/],
      // A valid change beside an invalid one is not applied either.
      [{ autoRefundLateSuccess: true, approvalAdminThresholdMinor: -5n }, /validation\.nonNegative/],
      [{ refundShortfallPolicy: "FORGIVE" }, /refundShortfallPolicy/],
      [{ autoRefundLateSuccess: "yes" }, /boolean/],
    ];
    for (const [input, message] of invalid) {
      const e = await refusal(custodial.run((tx) => updateTenantPolicies(tx, custodial.ctx, input)));
      expect(String((e as Error).message), JSON.stringify(input, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))).toMatch(message);
    }
    expect(await stored(custodial.tenantId)).toEqual(before);
    expect(await audits(custodial.tenantId)).toHaveLength(auditCount);
    // The database refuses a negative threshold too, whatever path writes it.
    await expect(ownerQuery(db.url, `UPDATE tenant SET approval_admin_threshold_minor = -1 WHERE id = $1`, [custodial.tenantId])).rejects.toThrow(/tenant_approval_threshold_nonnegative/);
  });

  it("the reconciliation settings: the defaults, an owner's change audited, every out-of-range value refused here and by the database", async () => {
    // A tenant of its own: the other tests count the audit records of theirs.
    const own = await makeTenant({ mode: "DIRECT" });
    expect(await own.run((tx) => getTenantPolicies(tx, own.ctx))).toMatchObject({ reconFeeToleranceMinor: 1n, reconPoolDays: 1 });
    const recon = async (tenantId: string) =>
      (await ownerQuery<{ tolerance: string; days: number }>(db.url, `SELECT recon_fee_tolerance_minor::text AS tolerance, recon_pool_days AS days FROM tenant WHERE id = $1`, [tenantId]))[0]!;

    const saved = await own.run((tx) => updateTenantPolicies(tx, own.ctx, { reconFeeToleranceMinor: 5n, reconPoolDays: 3 }));
    expect(saved).toMatchObject({ reconFeeToleranceMinor: 5n, reconPoolDays: 3 });
    expect(await recon(own.tenantId)).toEqual({ tolerance: "5", days: 3 });
    // Callers without superjson send the tolerance as a string or a number; the bounds are allowed.
    const admin = as(own.ctx, "ADMIN");
    await own.run((tx) => updateTenantPolicies(tx, admin, { reconFeeToleranceMinor: "100", reconPoolDays: 0 }));
    await own.run((tx) => updateTenantPolicies(tx, admin, { reconFeeToleranceMinor: 0, reconPoolDays: 14 }));
    expect(await recon(own.tenantId)).toEqual({ tolerance: "0", days: 14 });
    expect(await audits(own.tenantId)).toEqual([
      { actor_email: own.owner.email, before: { reconFeeToleranceMinor: "1", reconPoolDays: 1 }, after: { reconFeeToleranceMinor: "5", reconPoolDays: 3 } },
      { actor_email: own.owner.email, before: { reconFeeToleranceMinor: "5", reconPoolDays: 3 }, after: { reconFeeToleranceMinor: "100", reconPoolDays: 0 } },
      { actor_email: own.owner.email, before: { reconFeeToleranceMinor: "100", reconPoolDays: 0 }, after: { reconFeeToleranceMinor: "0", reconPoolDays: 14 } },
    ]);

    const invalid: Array<[unknown, RegExp]> = [
      [{ reconFeeToleranceMinor: -1n }, /fee tolerance is a whole number of fen from 0 to 100/],
      [{ reconFeeToleranceMinor: 101n }, /fee tolerance is a whole number of fen from 0 to 100/],
      [{ reconFeeToleranceMinor: 0.5 }, /fee tolerance is a whole number of fen from 0 to 100/],
      [{ reconFeeToleranceMinor: "one" }, /fee tolerance is a whole number of fen from 0 to 100/],
      [{ reconPoolDays: -1 }, /cross-day pool is a whole number of days from 0 to 14/],
      [{ reconPoolDays: 15 }, /cross-day pool is a whole number of days from 0 to 14/],
      [{ reconPoolDays: 1.5 }, /cross-day pool is a whole number of days from 0 to 14/],
      [{ reconPoolDays: "2" }, /cross-day pool is a whole number of days from 0 to 14/],
      // A valid change beside an invalid one is not applied either.
      [{ reconFeeToleranceMinor: 3n, reconPoolDays: 30 }, /cross-day pool/],
    ];
    for (const [input, message] of invalid) {
      const e = await refusal(own.run((tx) => updateTenantPolicies(tx, own.ctx, input)));
      expect(String((e as Error).message), JSON.stringify(input, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))).toMatch(message);
    }
    // Finance may read them, not change them.
    const finance = as(own.ctx, "FINANCE");
    expect(await refusal(own.run((tx) => updateTenantPolicies(tx, finance, { reconPoolDays: 2 })))).toMatchObject({ kind: "FORBIDDEN" });
    expect(await recon(own.tenantId)).toEqual({ tolerance: "0", days: 14 });
    expect(await audits(own.tenantId)).toHaveLength(3);
    // The database keeps any other path inside the same ranges.
    await expect(ownerQuery(db.url, `UPDATE tenant SET recon_fee_tolerance_minor = 101 WHERE id = $1`, [own.tenantId])).rejects.toThrow(/tenant_recon_fee_tolerance_minor/);
    await expect(ownerQuery(db.url, `UPDATE tenant SET recon_pool_days = -1 WHERE id = $1`, [own.tenantId])).rejects.toThrow(/tenant_recon_pool_days/);
    await expect(ownerQuery(db.url, `UPDATE tenant SET recon_pool_days = 15 WHERE id = $1`, [own.tenantId])).rejects.toThrow(/tenant_recon_pool_days/);
  });

  it("refuses finance, operations and viewers: reading is for everyone, changing for owners and admins", async () => {
    const before = await stored(custodial.tenantId);
    for (const role of ["FINANCE", "OPERATIONS", "VIEWER"]) {
      const ctx = as(custodial.ctx, role);
      expect(await custodial.run((tx) => getTenantPolicies(tx, ctx))).toMatchObject({ settlementMode: "CUSTODIAL" });
      const e = await refusal(custodial.run((tx) => updateTenantPolicies(tx, ctx, { approvalAdminThresholdMinor: 10n ** 16n })));
      expect(e, role).toBeInstanceOf(DomainError);
      expect(e, role).toMatchObject({ kind: "FORBIDDEN", message: expect.stringMatching(/owner or admin/) });
    }
    expect(await stored(custodial.tenantId)).toEqual(before);
  });

  it("refuses ALLOW_DEBT for a DIRECT provider with a message saying why; its other policies still change", async () => {
    const e = await refusal(direct.run((tx) => updateTenantPolicies(tx, direct.ctx, { refundShortfallPolicy: "ALLOW_DEBT", approvalAdminThresholdMinor: 200_000n })));
    expect(e).toBeInstanceOf(DomainError);
    expect(e).toMatchObject({ kind: "PRECONDITION", code: "REFUND_DEBT_NEEDS_CUSTODIAL", field: "refundShortfallPolicy" });
    expect((e as Error).message).toMatch(/needs CUSTODIAL settlement: in DIRECT mode the channel settles merchants/);
    // Nothing of the refused call was applied, not even the valid threshold beside it.
    expect(await stored(direct.tenantId)).toEqual({ refund_shortfall_policy: "REFUSE", auto_refund_late_success: true, approval_admin_threshold_minor: "1000000" });
    expect(await audits(direct.tenantId)).toEqual([]);

    const saved = await direct.run((tx) => updateTenantPolicies(tx, direct.ctx, { refundShortfallPolicy: "REFUSE", approvalAdminThresholdMinor: 200_000n, autoRefundLateSuccess: false }));
    expect(saved).toMatchObject({ refundShortfallPolicy: "REFUSE", autoRefundLateSuccess: false, approvalAdminThresholdMinor: 200_000n });
    expect(await audits(direct.tenantId)).toEqual([
      { actor_email: direct.owner.email, before: { autoRefundLateSuccess: true, approvalAdminThresholdMinor: "1000000" }, after: { autoRefundLateSuccess: false, approvalAdminThresholdMinor: "200000" } },
    ]);
  });

  it("the next proposal follows the saved threshold: at or above it an admin must approve", async () => {
    await custodial.run((tx) => updateTenantPolicies(tx, custodial.ctx, { approvalAdminThresholdMinor: 50_000n }));
    const account = async (code: string) =>
      (await ownerQuery<{ id: string }>(db.url, `SELECT id FROM ledger_account WHERE tenant_id = $1 AND book = 'OWN' AND code = $2`, [custodial.tenantId, code]))[0]!.id;
    const [equity, unclaimed] = [await account("owner_equity"), await account("unclaimed_funds_payable")];
    const propose = (amount: bigint) =>
      custodial.run((tx) =>
        createProposal(tx, custodial.ctx, {
          kind: "ledger.adjustment",
          reason: "Reclassify a mis-keyed overage",
          payload: {
            businessDate: "2026-11-27",
            description: "reclassify overage",
            lines: [
              { accountId: equity, debitMinor: amount.toString(), creditMinor: "0" },
              { accountId: unclaimed, debitMinor: "0", creditMinor: amount.toString() },
            ],
          },
        }),
      );
    expect((await propose(49_999n)).requiresAdmin).toBe(false);
    expect((await propose(50_000n)).requiresAdmin).toBe(true);
  });

  it("reads and changes only the acting tenant's row", async () => {
    const other = await stored(direct.tenantId);
    await custodial.run((tx) => updateTenantPolicies(tx, custodial.ctx, { approvalAdminThresholdMinor: 123_456n }));
    expect(await stored(direct.tenantId)).toEqual(other);
    // A context naming one tenant inside the other's transaction sees no row (RLS): NOT_FOUND, not the other's values.
    const e = await refusal(custodial.run((tx) => updateTenantPolicies(tx, direct.ctx, { approvalAdminThresholdMinor: 1n })));
    expect(e).toMatchObject({ kind: "NOT_FOUND" });
    expect(await stored(direct.tenantId)).toEqual(other);
  });
});
