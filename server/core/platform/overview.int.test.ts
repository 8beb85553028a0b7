import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getBalanceByRef } from "@/server/core/ledger/service";
import { accounts } from "@/server/core/ledger/templates";
import { createMerchant } from "@/server/core/merchants/service";
import { createTestPayment } from "@/server/core/payments/test-payment";
import "@/server/core/devices/register";
import { drainOutboxOnce } from "@/server/jobs/outbox";
import { withTenantTx } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, useTestKeyring, type TestTenant } from "@/server/testing/fixtures";
import { invoicePlatformFees, platformFeeFor, platformOverview, setPlatformFee } from "./overview";

// The platform's view and its monthly fee, against a real database: per-tenant figures from the
// daily statistics equal an aggregate over each tenant's payments; the fee is bps of net volume,
// posted once per month in the tenant's own books.

let db: TestDatabase;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  db = await createTestDatabase("platform_overview");
  useTestKeyring();
  a = await makeTenant("plat-a");
  b = await makeTenant("plat-b");
});
afterAll(async () => db?.drop());

describe("platform overview and fee", () => {
  it("rounds the fee half-up on net volume and never below zero", () => {
    expect(platformFeeFor(1_000_000n, 0n, 60)).toBe(6_000n);
    expect(platformFeeFor(12_345n, 0n, 60)).toBe(74n); // 74.07
    expect(platformFeeFor(12_425n, 0n, 60)).toBe(75n); // 74.55
    expect(platformFeeFor(100n, 500n, 60)).toBe(0n);
  });

  it("per-tenant volume from aggregates; the monthly invoice is posted once in the tenant's books", async () => {
    for (const [t, amounts] of [[a, [10_000n, 20_000n]], [b, [5_000n]]] as const) {
      const ctx = ownerContext(t);
      const m = await withTenantTx(t.id, (tx) => createMerchant(tx, ctx, merchantInput(`Plat ${t.slug}`)));
      for (const amountMinor of amounts) await createTestPayment(ctx, { merchantId: m.id, amountMinor, product: "WECHAT_FACE", subject: "platform" });
    }
    for (let i = 0; i < 50; i++) if ((await drainOutboxOnce(200)).claimed === 0) break;

    expect((await setPlatformFee({ adminId: "00000000-0000-4000-8000-000000000001" }, { tenantId: a.id, bps: 60, reason: "contract 2026" })).platformFeeBps).toBe(60);
    await expect(setPlatformFee({ adminId: "x" }, { tenantId: a.id, bps: 20_000, reason: "too much" })).rejects.toThrow(/at most 10 000 bps/);

    const o = await platformOverview({ days: 7 });
    for (const t of [a, b]) {
      const [agg] = await ownerQuery<{ amount: string; n: number }>(db.url, `SELECT COALESCE(sum(amount_minor) FILTER (WHERE status = 'SUCCEEDED'), 0)::text AS amount, count(*)::int AS n FROM payment WHERE tenant_id = $1`, [t.id]);
      const row = o.tenants.find((r) => r.id === t.id)!;
      expect(row.volumeMinor).toBe(BigInt(agg!.amount));
      expect(row.count).toBe(agg!.n);
    }
    const rowA = o.tenants.find((r) => r.id === a.id)!;
    expect(rowA.platformFeeMinor).toBe(platformFeeFor(rowA.volumeMinor, rowA.refundMinor, 60));
    expect(o.tenants.find((r) => r.id === b.id)!.platformFeeMinor).toBe(0n);

    // The window is each tenant's own dates: half past midnight in Shanghai is 16:30 UTC the day
    // before, and that day's statistics are already in a one-day overview.
    const [{ d }] = (await ownerQuery<{ d: string }>(db.url, `SELECT max(business_date)::text AS d FROM payment_daily_stat WHERE tenant_id = $1`, [a.id])) as [{ d: string }];
    const earlyMorning = new Date(`${d}T00:30:00+08:00`);
    expect(earlyMorning.toISOString().slice(0, 10)).not.toBe(d);
    const oneDay = (await platformOverview({ days: 1 }, earlyMorning)).tenants.find((r) => r.id === a.id)!;
    expect(oneDay).toMatchObject({ from: d, to: d, volumeMinor: rowA.volumeMinor });

    const month = d.slice(0, 7);
    const first = await invoicePlatformFees(month);
    expect(first.invoices.map((i) => i.tenantId)).toEqual([a.id]);
    expect(first.invoices[0]!.feeMinor).toBe(rowA.platformFeeMinor);
    const again = await invoicePlatformFees(month);
    expect(again.invoices[0]).toMatchObject({ entryId: first.invoices[0]!.entryId, replayed: true });
    const payable = await withTenantTx(a.id, (tx) => getBalanceByRef(tx, ownerContext(a), accounts.platformFeePayable));
    expect(payable.postedMinor).toBe(rowA.platformFeeMinor);
    await expect(invoicePlatformFees("2026-13")).rejects.toThrow(/YYYY-MM/);
  });
});
