// Dashboards and list pages at a million payments (issue 8; a benchmark, not a test). A throwaway
// database with one DIRECT tenant, 50 merchants and 1,000,000 payments over 90 business dates
// (200 devices, 3 products), loaded with one set-based INSERT (the statistics triggers are turned
// off for the load and the daily statistics built once with the same GROUP BY the recompute uses).
// Measured in the same run:
//   dashboard: businessDashboard({ days: 30 }) as the app runs it (Prisma, RLS transaction) —
//              server time p75 over BENCH_DASHBOARD_RUNS (default 30). Target ≤ 300 ms.
//   baseline:  the same per-day figures computed by scanning payments (what the dashboard would
//              cost without the daily statistics); the ratio is baseline p75 / dashboard p75.
//   list:      the payments list's keyset query (ORDER BY created_at DESC, id DESC LIMIT 51) at
//              the first page and at depth 900,000 — database execution time (EXPLAIN ANALYZE),
//              p75 of 20. Target ≤ 5 ms at any depth; the OFFSET query at the same depth is its
//              baseline.
// Prints one JSON object and writes bench/out/dashboard.json.
//
//   npx tsx bench/dashboard.ts            (or bash bench/dashboard.sh)
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import pg from "pg";

process.env.SWITCHYARD_KEYRING ??= JSON.stringify({ active: "k1", keys: { k1: randomBytes(32).toString("base64") } });
process.env.LOG_LEVEL ??= "error";

const PAYMENTS = Number(process.env.BENCH_DASHBOARD_PAYMENTS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_DASHBOARD_RUNS ?? 30);
const TARGET_DASHBOARD_MS = 300;
const TARGET_LIST_MS = 5;

const p75 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.75 * s.length) - 1)]!;
};

async function main() {
  const { createTestDatabase } = await import("@/server/testing/db");
  const { makeTenant, merchantInput, ownerContext } = await import("@/server/testing/fixtures");
  const { createMerchant } = await import("@/server/core/merchants/service");
  const { withTenantTx } = await import("@/server/db/tenant-tx");
  const { businessDashboard } = await import("@/server/core/dashboard/business");

  const db = await createTestDatabase("bench_dashboard");
  const owner = new pg.Client({ connectionString: db.url });
  await owner.connect();
  try {
    const t = await makeTenant("bench-dash");
    const ctx = ownerContext(t);
    await withTenantTx(t.id, async (tx) => {
      for (let i = 0; i < 50; i++) await createMerchant(tx, ctx, merchantInput(`Bench ${i}`));
    });
    const load0 = performance.now();
    await owner.query(`ALTER TABLE payment DISABLE TRIGGER USER`);
    // Payments spread over 90 days up to today, ~11,000 a day; 95% succeed.
    await owner.query(
      `INSERT INTO payment (tenant_id, merchant_id, device_id, merchant_order_no, out_trade_no, order_type, product, amount_minor, status, subject,
                            channel_account_id, channel_version, registration_id, routing_decision_id, fee_minor, cost_minor, margin_minor,
                            business_date, paid_at, created_at)
       SELECT $1::uuid, r.merchant_id, 'DEV' || (g % 200), 'B' || g, 'OTBENCH' || g, 'CONSUMPTION',
              (ARRAY['WECHAT_FACE','ALIPAY_FACE','WECHAT_QR'])[1 + g % 3]::"ProductCode", 100 + (g::bigint * 7919) % 50000,
              CASE WHEN g % 20 = 0 THEN 'FAILED' ELSE 'SUCCEEDED' END::"PaymentStatus", 'bench',
              r.channel_account_id, 1, r.id, gen_random_uuid(), 38, 24, 14,
              current_date - (g % 90), CASE WHEN g % 20 = 0 THEN NULL ELSE now() - ((g % 90) || ' days')::interval END, now() - ((g % 90) || ' days')::interval - (g || ' ms')::interval
         FROM generate_series(1, $2::int) g
         JOIN LATERAL (SELECT id, merchant_id, channel_account_id FROM merchant_channel_registration
                        WHERE tenant_id = $1::uuid ORDER BY id OFFSET (g % 50) LIMIT 1) r ON true`,
      [t.id, PAYMENTS],
    );
    await owner.query(`ALTER TABLE payment ENABLE TRIGGER USER`);
    await owner.query(
      `INSERT INTO payment_daily_stat (tenant_id, business_date, merchant_id, store_id, device_id, channel_account_id, product,
              payment_count, success_count, amount_minor, valid_count, refund_count, refund_minor, fee_minor, cost_minor, margin_minor)
       SELECT tenant_id, business_date, merchant_id, COALESCE(store_id::text, ''), COALESCE(device_id, ''), channel_account_id, product,
              count(*), count(*) FILTER (WHERE status = 'SUCCEEDED'), COALESCE(sum(amount_minor) FILTER (WHERE status = 'SUCCEEDED'), 0),
              count(*) FILTER (WHERE status = 'SUCCEEDED'), 0, 0,
              COALESCE(sum(fee_minor) FILTER (WHERE status = 'SUCCEEDED'), 0), COALESCE(sum(cost_minor) FILTER (WHERE status = 'SUCCEEDED'), 0),
              COALESCE(sum(margin_minor) FILTER (WHERE status = 'SUCCEEDED'), 0)
         FROM payment WHERE tenant_id = $1::uuid GROUP BY 1, 2, 3, 4, 5, 6, 7`,
      [t.id],
    );
    await owner.query(`VACUUM ANALYZE payment`);
    await owner.query(`VACUUM ANALYZE payment_daily_stat`);
    const loadSeconds = (performance.now() - load0) / 1000;
    const statRows = ((await owner.query(`SELECT count(*)::int AS n FROM payment_daily_stat`)).rows[0] as { n: number }).n;

    // The dashboard as the app runs it.
    await withTenantTx(t.id, (tx) => businessDashboard(tx, ctx, { days: 30 })); // warm-up
    const dash: number[] = [];
    let check: { count: number; amount: bigint } | null = null;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const d = await withTenantTx(t.id, (tx) => businessDashboard(tx, ctx, { days: 30 }));
      dash.push(performance.now() - t0);
      check = { count: d.trend.reduce((s, r) => s + r.count, 0), amount: d.trend.reduce((s, r) => s + r.amountMinor, 0n) };
    }
    // Baseline: the same 30-day per-day figures from the payments themselves.
    const base: number[] = [];
    let baseCheck: { count: number; amount: bigint } | null = null;
    for (let i = 0; i < Math.min(RUNS, 10); i++) {
      const t0 = performance.now();
      const r = await owner.query(
        `SELECT business_date, count(*)::int AS n, COALESCE(sum(amount_minor) FILTER (WHERE status = 'SUCCEEDED'), 0)::text AS amount,
                count(*) FILTER (WHERE status = 'SUCCEEDED') AS ok, sum(margin_minor) AS margin
           FROM payment WHERE tenant_id = $1 AND business_date > current_date - 30 GROUP BY 1`,
        [t.id],
      );
      await owner.query(`SELECT merchant_id, sum(amount_minor) FROM payment WHERE tenant_id = $1 AND business_date > current_date - 30 GROUP BY 1 ORDER BY 2 DESC LIMIT 10`, [t.id]);
      await owner.query(`SELECT product, sum(amount_minor) FROM payment WHERE tenant_id = $1 AND business_date > current_date - 30 GROUP BY 1`, [t.id]);
      base.push(performance.now() - t0);
      const rows = r.rows as Array<{ n: number; amount: string }>;
      baseCheck = { count: rows.reduce((s, x) => s + x.n, 0), amount: rows.reduce((s, x) => s + BigInt(x.amount), 0n) };
    }
    const identical = check !== null && baseCheck !== null && check.count === baseCheck.count && check.amount === baseCheck.amount;

    // The list's keyset query at the top and deep down, against OFFSET at the same depth.
    const explainMs = async (sql: string, params: unknown[]) => {
      const r = await owner.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
      return (r.rows[0]["QUERY PLAN"][0] as { "Execution Time": number })["Execution Time"];
    };
    const depth = Math.floor(PAYMENTS * 0.9);
    const [cursor] = (await owner.query(`SELECT created_at, id FROM payment WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`, [t.id, depth])).rows as Array<{ created_at: Date; id: string }>;
    const keysetFirst: number[] = [];
    const keysetDeep: number[] = [];
    const offsetDeep: number[] = [];
    for (let i = 0; i < 20; i++) {
      keysetFirst.push(await explainMs(`SELECT * FROM payment WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT 51`, [t.id]));
      keysetDeep.push(await explainMs(`SELECT * FROM payment WHERE tenant_id = $1 AND (created_at, id) < ($2, $3) ORDER BY created_at DESC, id DESC LIMIT 51`, [t.id, cursor!.created_at, cursor!.id]));
      if (i < 5) offsetDeep.push(await explainMs(`SELECT * FROM payment WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 51`, [t.id, depth]));
    }

    const result = {
      bench: "dashboard",
      runId: process.env.BENCH_RUN_ID ?? null,
      machine: { cpus: cpus().length, load: loadavg()[0] },
      payments: PAYMENTS,
      statRows,
      loadSeconds: Number(loadSeconds.toFixed(1)),
      dashboard: { p75Ms: Number(p75(dash).toFixed(1)), targetMs: TARGET_DASHBOARD_MS, pass: p75(dash) <= TARGET_DASHBOARD_MS },
      baseline: { p75Ms: Number(p75(base).toFixed(1)), what: "the same figures by scanning payments" },
      ratio: Number((p75(base) / p75(dash)).toFixed(1)),
      identicalTotals: identical,
      list: {
        keysetFirstP75Ms: Number(p75(keysetFirst).toFixed(2)),
        keysetDepthP75Ms: Number(p75(keysetDeep).toFixed(2)),
        depth,
        offsetDepthP75Ms: Number(p75(offsetDeep).toFixed(2)),
        targetMs: TARGET_LIST_MS,
        pass: p75(keysetFirst) <= TARGET_LIST_MS && p75(keysetDeep) <= TARGET_LIST_MS,
      },
    };
    console.error(`dashboard p75 ${result.dashboard.p75Ms} ms (target ≤ ${TARGET_DASHBOARD_MS}) ${result.dashboard.pass ? "PASS" : "MISS"}; scan baseline ${result.baseline.p75Ms} ms; ratio ${result.ratio}×; totals identical: ${identical}`);
    console.error(`list keyset p75 first ${result.list.keysetFirstP75Ms} ms, at ${depth} ${result.list.keysetDepthP75Ms} ms (target ≤ ${TARGET_LIST_MS}) ${result.list.pass ? "PASS" : "MISS"}; OFFSET at that depth ${result.list.offsetDepthP75Ms} ms`);
    mkdirSync(path.join("bench", "out"), { recursive: true });
    writeFileSync(path.join("bench", "out", "dashboard.json"), JSON.stringify(result, null, 2));
    console.log(JSON.stringify(result));
  } finally {
    await owner.end();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
