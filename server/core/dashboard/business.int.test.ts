import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMerchant, createStore } from "@/server/core/merchants/service";
import { createTestPayment } from "@/server/core/payments/test-payment";
import "@/server/core/devices/register";
import { drainOutboxOnce } from "@/server/jobs/outbox";
import { withTenantTx, type TenantContext } from "@/server/db/tenant-tx";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { makeTenant, merchantInput, ownerContext, useTestKeyring, type TestTenant } from "@/server/testing/fixtures";
import { businessDashboard } from "./business";

// The business dashboard reads the daily statistics only; here its figures are checked against an
// independent aggregate over the payments themselves, after the outbox has brought the statistics
// up to date, and another tenant's payments never count.

let db: TestDatabase;
let t: TestTenant;
let other: TestTenant;
let owner: TenantContext;

beforeAll(async () => {
  db = await createTestDatabase("dashboard_business");
  useTestKeyring();
  t = await makeTenant("dash-co");
  other = await makeTenant("dash-other");
  owner = ownerContext(t);
});
afterAll(async () => db?.drop());

async function drain() {
  for (let i = 0; i < 50; i++) if ((await drainOutboxOnce(200)).claimed === 0) return;
}

describe("business dashboard", () => {
  it("equals an aggregate over payments, per day, channel, product, store and merchant; other tenants never count", async () => {
    const { m1, m2, store } = await withTenantTx(t.id, async (tx) => {
      const m1 = await createMerchant(tx, owner, merchantInput("看板一号"));
      const m2 = await createMerchant(tx, owner, merchantInput("看板二号"));
      const store = await createStore(tx, owner, { merchantId: m1.id, name: "西湖店", address: "杭州市西湖区" });
      return { m1: m1.id, m2: m2.id, store: store.id };
    });
    const otherMerchant = await withTenantTx(other.id, (tx) => createMerchant(tx, ownerContext(other), merchantInput("别家")));
    for (const [merchantId, amountMinor, product, storeId] of [
      [m1, 1_000n, "WECHAT_FACE", store],
      [m1, 2_500n, "ALIPAY_FACE", store],
      [m2, 4_200n, "WECHAT_FACE", undefined],
      [m2, 100n, "WECHAT_QR", undefined],
    ] as const) {
      await createTestPayment(owner, { merchantId, amountMinor, product, subject: "dashboard", ...(storeId ? { storeId } : {}) });
    }
    await createTestPayment(ownerContext(other), { merchantId: otherMerchant.id, amountMinor: 999_999n, product: "WECHAT_FACE", subject: "elsewhere" });
    await drain();

    const d = await withTenantTx(t.id, (tx) => businessDashboard(tx, owner, { days: 7 }));
    const [agg] = await ownerQuery<{ count: number; successes: number; amount: string; margin: string }>(
      db.url,
      `SELECT count(*)::int AS count, count(*) FILTER (WHERE status = 'SUCCEEDED')::int AS successes,
              COALESCE(sum(amount_minor) FILTER (WHERE status = 'SUCCEEDED'), 0)::text AS amount,
              COALESCE(sum(margin_minor) FILTER (WHERE status = 'SUCCEEDED'), 0)::text AS margin
         FROM payment WHERE tenant_id = $1 AND business_date = $2::date`,
      [t.id, d.today],
    );
    expect(agg!.count).toBe(4);
    expect(d.kpis.today).toMatchObject({ count: agg!.count, successes: agg!.successes, amountMinor: BigInt(agg!.amount), marginMinor: BigInt(agg!.margin) });
    expect(d.trend).toHaveLength(7);
    expect(d.trend.reduce((s, r) => s + r.amountMinor, 0n)).toBe(BigInt(agg!.amount));

    const byMerchant = await ownerQuery<{ merchant_id: string; amount: string }>(
      db.url,
      `SELECT merchant_id, COALESCE(sum(amount_minor) FILTER (WHERE status = 'SUCCEEDED'), 0)::text AS amount FROM payment WHERE tenant_id = $1 GROUP BY 1`,
      [t.id],
    );
    expect(new Map(d.topMerchants.map((r) => [r.key, r.amount]))).toEqual(new Map(byMerchant.map((r) => [r.merchant_id, BigInt(r.amount)])));
    expect(d.topMerchants.map((r) => r.label).sort()).toEqual(["看板一号", "看板二号"]);
    const byProduct = await ownerQuery<{ product: string; n: number }>(db.url, `SELECT product::text, count(*)::int AS n FROM payment WHERE tenant_id = $1 GROUP BY 1`, [t.id]);
    expect(new Map(d.byProduct.map((r) => [r.key, r.count]))).toEqual(new Map(byProduct.map((r) => [r.product, r.n])));
    expect(d.byStore.find((r) => r.key === store)).toMatchObject({ label: "西湖店", count: 2 });
    expect(d.byStore.find((r) => r.key === "")).toMatchObject({ count: 2 });
    expect(d.devices).toEqual({ active: 0, online: 0 });
    expect(JSON.stringify(d, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(otherMerchant.id);
  });
});
