import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getBalanceByRef } from "@/server/core/ledger/service";
import { accounts } from "@/server/core/ledger/templates";
import { createMerchant } from "@/server/core/merchants/service";
import { createTestPayment } from "@/server/core/payments/test-payment";
import { updateTenantPolicies, type TTenantPoliciesUpdate } from "@/server/core/tenancy/policies";
import { createTestDatabase, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { checkLedgerInvariants } from "@/server/testing/ledger";
import { makeTenant } from "@/server/testing/tenants";
import { acquirerTemplate, csv, sale } from "@/server/testing/acquirer-csv";
import { importStatement } from "./import";
import { reconcileStatementFile } from "./reconcile";
import "@/server/core/payments/register";

// The tenant's reconciliation settings (the Policies page, migration 20261210000000) as
// reconciliation obeys them: the fee tolerance decides whether a fee differing by a few fen is a
// FEE difference or a match noted as rounding (counted in the file summary's withinTolerance); the
// cross-day pool's days decide how many later bills a payment of ours may be missing from before
// it is a PLATFORM_ONLY difference, 0 meaning at once. Statements are an acquirer's CSV read by a
// finance template on the sandbox account, so each line is exactly what the test writes.

let db: TestDatabase;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("clearing_recon_settings");
});
afterAll(async () => db?.drop());

const addDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
/** A sale of a trade we never made: a bill needs a line, and this one matches nothing of ours. */
const stranger = (n: number) => [`NOT-OURS-${n}`, "5.00", "0.00", "消费", "2026-11-01 10:00:00", "", "SUCCESS"];

/**
 * A tenant with the given reconciliation settings (saved through the Policies service, as the
 * console does), a merchant and sandbox payments; bills are imported for its sandbox account.
 */
async function tenantWith(settings: TTenantPoliciesUpdate, mode: "DIRECT" | "CUSTODIAL" = "DIRECT") {
  const t = await makeTenant({ mode });
  await t.run((tx) => updateTenantPolicies(tx, t.ctx, settings));
  const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Settings Noodles"))))!;
  const sandbox = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" }, select: { id: true } }));
  const pay = async (amountMinor: bigint) => {
    const p = await createTestPayment(t.ctx, { merchantId: m.id, amountMinor, product: "WECHAT_QR", subject: "settings" });
    const { costMinor } = await t.run((tx) => tx.payment.findFirstOrThrow({ where: { tenantId: t.tenantId, id: p.id }, select: { costMinor: true } }));
    return { ...p, costMinor };
  };
  let template: { id: string } | undefined;
  const bill = async (billDate: string, fileName: string, bytes: Buffer) => {
    template ??= await acquirerTemplate(t, bytes);
    const r = await importStatement(t.ctx, { channelAccountId: sandbox.id, billDate, templateId: template.id, fileName, bytes, source: "UPLOAD" });
    expect(r.outcome).toBe("IMPORTED");
    return r;
  };
  const itemOf = (paymentId: string, fileId?: string) => t.run((tx) => tx.reconItem.findFirstOrThrow({ where: { tenantId: t.tenantId, paymentId, ...(fileId ? { fileId } : {}) } }));
  return { t, pay, bill, itemOf };
}

describe("the tenant's reconciliation settings", () => {
  it("fee tolerance 0: a fee differing by 1 fen is a FEE difference; none counted within tolerance", async () => {
    const { t, pay, bill, itemOf } = await tenantWith({ reconFeeToleranceMinor: 0n });
    const exact = await pay(12_300n);
    const off = await pay(45_600n);
    const billDate = exact.businessDate.toISOString().slice(0, 10);
    // The channel charged a fen more than our cost: less money for us, a 短款.
    const r = await bill(billDate, "tolerance-0.csv", csv([sale(exact, exact.costMinor), sale(off, off.costMinor + 1n)]));
    expect(await itemOf(exact.id)).toMatchObject({ outcome: "MATCHED", diffMinor: 0n, note: null });
    expect(await itemOf(off.id)).toMatchObject({ outcome: "DIFFERENCE", diffType: "FEE", direction: "SHORTAGE", ourMinor: off.costMinor, theirMinor: off.costMinor + 1n, diffMinor: -1n });
    expect(await t.run((tx) => tx.exception.count({ where: { tenantId: t.tenantId, kind: "RECON_FEE" } }))).toBe(1);
    expect(r.reconciliation).toMatchObject({ reconciled: true, byOutcome: { MATCHED: 1, DIFFERENCE: 1 }, differences: { FEE: 1 }, withinTolerance: 0 });
  });

  it("fee tolerance 2: a fee differing by 2 fen either way is matched with its note and counted; 3 fen is a FEE difference", async () => {
    const { t, pay, bill, itemOf } = await tenantWith({ reconFeeToleranceMinor: 2n });
    const exact = await pay(12_300n);
    const higher = await pay(45_600n);
    const lower = await pay(78_900n);
    const beyond = await pay(10_100n);
    const billDate = exact.businessDate.toISOString().slice(0, 10);
    expect(lower.costMinor).toBeGreaterThanOrEqual(2n);
    const r = await bill(
      billDate,
      "tolerance-2.csv",
      csv([sale(exact, exact.costMinor), sale(higher, higher.costMinor + 2n), sale(lower, lower.costMinor - 2n), sale(beyond, beyond.costMinor + 3n)]),
    );
    expect(await itemOf(exact.id)).toMatchObject({ outcome: "MATCHED", diffMinor: 0n });
    expect(await itemOf(higher.id)).toMatchObject({ outcome: "MATCHED", direction: null, diffMinor: -2n, note: "fee rounding -2 within tolerance" });
    expect(await itemOf(lower.id)).toMatchObject({ outcome: "MATCHED", direction: null, diffMinor: 2n, note: "fee rounding +2 within tolerance" });
    expect(await itemOf(beyond.id)).toMatchObject({ outcome: "DIFFERENCE", diffType: "FEE", direction: "SHORTAGE", diffMinor: -3n });
    // Only the difference beyond the tolerance is an exception.
    expect(await t.run((tx) => tx.exception.count({ where: { tenantId: t.tenantId, kind: "RECON_FEE" } }))).toBe(1);
    expect(r.reconciliation).toMatchObject({ byOutcome: { MATCHED: 3, DIFFERENCE: 1 }, differences: { FEE: 1 }, withinTolerance: 2 });
    // The stored outcomes answer a second run, the count included.
    expect(await reconcileStatementFile(t.ctx, r.fileId)).toEqual(r.reconciliation);
  });

  it("pool days 0: a payment missing from its bill is a PLATFORM_ONLY 短款 at once, with its exception and (CUSTODIAL) suspense entry", async () => {
    const { t, pay, bill, itemOf } = await tenantWith({ reconPoolDays: 0 }, "CUSTODIAL");
    const shown = await pay(12_300n);
    const missing = await pay(4_500n);
    const billDate = shown.businessDate.toISOString().slice(0, 10);
    const r = await bill(billDate, "pool-0.csv", csv([sale(shown, shown.costMinor)]));
    const item = await itemOf(missing.id);
    expect(item).toMatchObject({ fileId: r.fileId, outcome: "DIFFERENCE", diffType: "PLATFORM_ONLY", direction: "SHORTAGE", lineId: null, diffMinor: -4_500n, note: `not on any bill up to ${billDate}` });
    expect(r.reconciliation).toMatchObject({ byOutcome: { MATCHED: 1, DIFFERENCE: 1 }, differences: { PLATFORM_ONLY: 1 } });
    expect(r.reconciliation?.byOutcome).not.toHaveProperty("PENDING");
    const ex = await t.run((tx) => tx.exception.findFirstOrThrow({ where: { tenantId: t.tenantId, kind: "RECON_PLATFORM_ONLY", causeId: item.id } }));
    expect(ex).toMatchObject({ status: "OPEN", amountMinor: 4_500n });
    expect((await t.run((tx) => getBalanceByRef(tx, t.ctx, accounts.shortageSuspense))).postedMinor).toBe(4_500n);
    await checkLedgerInvariants(db.url, t.tenantId, t.ctx);
  });

  it("pool days 2: a missing payment is still PENDING after the next day's bill and a difference after the second; one shown on the second is released", async () => {
    const { t, pay, bill, itemOf } = await tenantWith({ reconPoolDays: 2 });
    const shown = await pay(12_300n);
    const missing = await pay(4_500n);
    const late = await pay(6_600n);
    const day1 = shown.businessDate.toISOString().slice(0, 10);
    const day2 = addDay(day1);
    const day3 = addDay(day2);

    const first = await bill(day1, "pool-2-day1.csv", csv([sale(shown, shown.costMinor)]));
    expect(await itemOf(missing.id)).toMatchObject({ fileId: first.fileId, outcome: "PENDING", diffType: "PLATFORM_ONLY" });
    expect(await itemOf(late.id)).toMatchObject({ fileId: first.fileId, outcome: "PENDING", diffType: "PLATFORM_ONLY" });
    expect(first.reconciliation).toMatchObject({ byOutcome: { MATCHED: 1, PENDING: 2 }, differences: {} });

    // The next day's bill lacks both: with the default of 1 day they would be differences now.
    await bill(day2, "pool-2-day2.csv", csv([stranger(1)]));
    expect(await itemOf(missing.id, first.fileId)).toMatchObject({ outcome: "PENDING" });
    expect(await itemOf(late.id, first.fileId)).toMatchObject({ outcome: "PENDING" });
    expect(await t.run((tx) => tx.exception.count({ where: { tenantId: t.tenantId, kind: "RECON_PLATFORM_ONLY" } }))).toBe(0);

    // The second later bill shows one of them: released; the other is a 短款 now.
    const third = await bill(day3, "pool-2-day3.csv", csv([sale(late, late.costMinor)]));
    expect(await itemOf(late.id, first.fileId)).toMatchObject({ outcome: "RELEASED", note: `shown on the bill of ${day3}` });
    const expired = await itemOf(missing.id, first.fileId);
    expect(expired).toMatchObject({ outcome: "DIFFERENCE", diffType: "PLATFORM_ONLY", direction: "SHORTAGE", diffMinor: -4_500n, note: `not on any bill up to ${day3}` });
    expect(await t.run((tx) => tx.exception.findFirstOrThrow({ where: { tenantId: t.tenantId, kind: "RECON_PLATFORM_ONLY", causeId: expired.id } }))).toMatchObject({ status: "OPEN", amountMinor: 4_500n });
    expect(third.reconciliation).toMatchObject({ byOutcome: { MATCHED: 1 } });
  });
});
