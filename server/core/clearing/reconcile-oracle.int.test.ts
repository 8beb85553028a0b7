import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectorFor } from "@/server/channels/registry";
import { connectorConfig, setChannelAccountEnabled } from "@/server/core/channels/accounts";
import { seedSimulatorChannels } from "@/server/core/channels/demo";
import { createMerchant } from "@/server/core/merchants/service";
import { createRefund } from "@/server/core/payments/refunds";
import { createPayment, type PaymentView } from "@/server/core/payments/service";
import { startWechatSimulator, type RunningWechatSimulator } from "@/server/simulators/wechat/simulator";
import { createTestDatabase, ownerQuery, type TestDatabase } from "@/server/testing/db";
import { merchantInput, useTestKeyring } from "@/server/testing/fixtures";
import { makeTenant } from "@/server/testing/tenants";
import { importStatement } from "./import";
import "@/server/core/payments/register";

// The reconciliation proof matrix, an independent check (issue 6): a generated day of 200
// payments through the WeChat simulator (some partly refunded, several times), with a seeded
// random mix of differences injected at the simulator, is imported and reconciled by the app.
// Then ONE set-based SQL query of our own, run as the owner over statement_line, payment, refund
// and the registrations (never the app's code, never recon_item), derives what every line and
// every missing payment or refund of ours should come to from the rules of reconciliation as
// written (reconcile.ts's header), and the app's recon_item rows must add up to the same: by
// outcome, difference type and direction, in count and in money. The generator's own plan (what
// it injected) is checked against both as a third opinion on the headline numbers.
//
// The oracle covers a first bill (nothing matched by an earlier one) of a payment format; the
// generator uses every difference the WeChat simulator can inject on such a bill.

process.env.DATABASE_POOL_SIZE = "20";
let db: TestDatabase;
let sim: RunningWechatSimulator;
beforeAll(async () => {
  useTestKeyring();
  db = await createTestDatabase("clearing_recon_oracle");
  // 0.2 %, the seeded account's cost; refunds complete 20 ms after they are asked for.
  sim = await startWechatSimulator({ notifyDelayMs: 20, feeRatePpm: 2_000 });
});
afterAll(async () => {
  await sim?.close();
  await db?.drop();
});

/** mulberry32: a small seeded generator, so a failing day can be generated again. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** run(0 … n-1), `width` at a time; the results in order. */
async function inParallel<T>(n: number, width: number, run: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < n; i = next++) out[i] = await run(i);
    }),
  );
  return out;
}

/** What the reconciliation rules say, for the first reconciliation of one payment statement: one statement. */
const ORACLE = `
WITH f AS (
  SELECT sf.tenant_id, sf.id, sf.channel_account_id, sf.bill_date, sf.bill_type, sf.format, t.recon_fee_tolerance_minor AS tolerance
    FROM statement_file sf JOIN tenant t ON t.id = sf.tenant_id
   WHERE sf.tenant_id = $1 AND sf.id = $2
), known AS (
  -- The sub-merchants registered at the account: a line of any other is of an unknown sub-merchant.
  SELECT DISTINCT x.sub
    FROM merchant_channel_registration g JOIN f ON g.tenant_id = f.tenant_id AND g.channel_account_id = f.channel_account_id
   CROSS JOIN LATERAL unnest(ARRAY[g.sub_mch_id, g.smid, g.acquirer_merchant_no]) AS x(sub)
   WHERE x.sub IS NOT NULL AND x.sub <> ''
), l AS (
  SELECT l.id, l.line_no, l.kind, l.channel_status, l.sub_merchant, l.settleable_minor, l.fee_minor, f.tolerance,
         p.id AS pid, p.amount_minor AS p_amount, p.cost_minor AS p_cost, p.status::text AS p_status,
         r.id AS rid, r.amount_minor AS r_amount, r.status::text AS r_status
    FROM statement_line l JOIN f ON l.tenant_id = f.tenant_id AND l.file_id = f.id
    LEFT JOIN payment p ON l.kind IN ('PAYMENT', 'REVOKED') AND p.tenant_id = l.tenant_id AND p.channel_account_id = f.channel_account_id AND p.out_trade_no = l.out_trade_no
    LEFT JOIN refund r ON l.kind = 'REFUND' AND r.tenant_id = l.tenant_id AND r.out_refund_no = l.out_refund_no
), ranked AS (
  -- A payment or a (final) refund is matched once: its later lines are money shown again.
  SELECT l.*, row_number() OVER (
           PARTITION BY CASE WHEN l.kind = 'PAYMENT' AND l.pid IS NOT NULL THEN 'p' || l.pid
                             WHEN l.kind = 'REFUND' AND l.rid IS NOT NULL AND l.channel_status <> 'PROCESSING' THEN 'r' || l.rid
                             ELSE 'l' || l.id END
           ORDER BY l.line_no) AS nth
    FROM l
), judged AS (
  -- Each line's verdict: {outcome, difference type, diff_minor} (diff_minor: what the channel shows less what we booked).
  SELECT CASE
           WHEN kind = 'PAYMENT' AND pid IS NULL THEN ARRAY['DIFFERENCE', CASE WHEN sub_merchant IS NOT NULL AND EXISTS (SELECT 1 FROM known) AND sub_merchant NOT IN (SELECT sub FROM known) THEN 'UNKNOWN_SUB_MERCHANT' ELSE 'CHANNEL_ONLY' END, settleable_minor::text]
           WHEN kind = 'PAYMENT' AND nth > 1 THEN ARRAY['DIFFERENCE', 'CHANNEL_ONLY', settleable_minor::text]
           WHEN kind = 'PAYMENT' AND settleable_minor <> p_amount THEN ARRAY['DIFFERENCE', 'AMOUNT', (settleable_minor - p_amount)::text]
           -- Our cost against the channel's fee: a higher fee is money taken away.
           WHEN kind = 'PAYMENT' AND abs(p_cost - fee_minor) > tolerance THEN ARRAY['DIFFERENCE', 'FEE', (p_cost - fee_minor)::text]
           WHEN kind = 'PAYMENT' THEN ARRAY['MATCHED', NULL, (p_cost - fee_minor)::text]
           WHEN kind = 'REVOKED' AND pid IS NOT NULL AND p_status = 'SUCCEEDED' THEN ARRAY['DIFFERENCE', 'STATUS', (-p_amount)::text]
           WHEN kind = 'REVOKED' THEN ARRAY['MATCHED', NULL, '0']
           WHEN kind = 'REFUND' AND rid IS NULL THEN ARRAY['DIFFERENCE', 'CHANNEL_ONLY', settleable_minor::text]
           WHEN kind = 'REFUND' AND channel_status = 'PROCESSING' THEN ARRAY['PENDING', NULL, '0']
           WHEN kind = 'REFUND' AND nth > 1 THEN ARRAY['DIFFERENCE', 'CHANNEL_ONLY', settleable_minor::text]
           WHEN kind = 'REFUND' AND r_status IN ('FAILED', 'CLOSED') THEN ARRAY['DIFFERENCE', 'STATUS', settleable_minor::text]
           -- Refund lines are negative: what the channel took back is -settleable.
           WHEN kind = 'REFUND' AND r_amount + settleable_minor <> 0 THEN ARRAY['DIFFERENCE', 'AMOUNT', (r_amount + settleable_minor)::text]
           WHEN kind = 'REFUND' THEN ARRAY['MATCHED', NULL, '0']
           ELSE ARRAY['DIFFERENCE', 'UNKNOWN', settleable_minor::text]
         END AS v
    FROM ranked
), outcomes AS (
  SELECT v[1] AS outcome, v[2] AS diff_type, v[3]::bigint AS diff FROM judged
  UNION ALL
  -- Our succeeded payments of the day the bill lacks wait in the cross-day pool (an ALL or SUCCESS bill lists every payment).
  SELECT 'PENDING', 'PLATFORM_ONLY', -p.amount_minor
    FROM payment p JOIN f ON p.tenant_id = f.tenant_id AND p.channel_account_id = f.channel_account_id AND p.business_date = f.bill_date
   WHERE p.status = 'SUCCEEDED' AND f.bill_type IN ('ALL', 'SUCCESS')
     AND NOT EXISTS (SELECT 1 FROM statement_line x WHERE x.tenant_id = f.tenant_id AND x.file_id = f.id AND x.out_trade_no = p.out_trade_no AND x.kind IN ('PAYMENT', 'REVOKED'))
  UNION ALL
  -- So do our succeeded refunds of the day, where the bill lists refunds.
  SELECT 'PENDING', 'PLATFORM_ONLY', r.amount_minor
    FROM refund r JOIN payment p ON p.tenant_id = r.tenant_id AND p.id = r.payment_id
    JOIN f ON p.tenant_id = f.tenant_id AND p.channel_account_id = f.channel_account_id AND r.business_date = f.bill_date
   WHERE r.status = 'SUCCEEDED'
     AND (f.bill_type = 'REFUND' OR (f.bill_type = 'ALL' AND (f.format IN ('WECHAT_TRADE_BILL', 'ALIPAY_BUSINESS_DETAIL')
          OR EXISTS (SELECT 1 FROM statement_line x WHERE x.tenant_id = f.tenant_id AND x.file_id = f.id AND x.kind = 'REFUND'))))
     AND NOT EXISTS (SELECT 1 FROM statement_line x WHERE x.tenant_id = f.tenant_id AND x.file_id = f.id AND x.out_refund_no = r.out_refund_no AND x.kind = 'REFUND')
)
SELECT outcome, diff_type AS "diffType",
       CASE WHEN outcome = 'DIFFERENCE' THEN CASE WHEN diff > 0 THEN 'OVERAGE' ELSE 'SHORTAGE' END END AS direction,
       count(*)::int AS count, sum(diff)::text AS "diffMinor"
  FROM outcomes
 GROUP BY 1, 2, 3
 ORDER BY 1, 2 NULLS FIRST, 3 NULLS FIRST`;

/** What the app stored for the file, grouped the same way. */
const ACTUAL = `
SELECT outcome, diff_type AS "diffType", direction, count(*)::int AS count, sum(diff_minor)::text AS "diffMinor"
  FROM recon_item WHERE tenant_id = $1 AND file_id = $2
 GROUP BY 1, 2, 3
 ORDER BY 1, 2 NULLS FIRST, 3 NULLS FIRST`;

type Row = { outcome: string; diffType: string | null; direction: string | null; count: number; diffMinor: string };

describe("reconciliation against an independent oracle", () => {
  it("a generated day of 200 payments with a seeded mix of differences: the app's outcomes equal one SQL query's derivation from the lines, payments and refunds", async () => {
    const SEED = 20261129;
    const random = prng(SEED);
    const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

    const t = await makeTenant();
    const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Oracle Noodles"))))!;
    const wechat = await t.run(async (tx) => {
      await seedSimulatorChannels(tx, t.ctx, { WECHAT: sim.url }, { zh: false, custodial: false });
      const sandbox = await tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" } });
      await setChannelAccountEnabled(tx, t.ctx, { id: sandbox.id, enabled: false });
      return tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "WECHAT" } });
    });

    // The day: 200 payments of 1.00 to 999.99, six at a time.
    const amounts = Array.from({ length: 200 }, () => BigInt(int(100, 99_999)));
    const payments = await inParallel(amounts.length, 6, (i) =>
      createPayment(t.ctx, { merchantId: m.id, merchantOrderNo: `OR-${SEED}-${i}`, amountMinor: amounts[i]!, product: "WECHAT_CODE", elements: { authCode: `13${String(i).padStart(16, "0")}` }, subject: "Oracle" }),
    );
    expect(payments.every((p) => p.status === "SUCCEEDED")).toBe(true);
    const billDate = payments[0]!.businessDate.toISOString().slice(0, 10);
    expect(new Set(payments.map((p) => p.businessDate.toISOString().slice(0, 10)))).toEqual(new Set([billDate]));

    // One difference (or none) per payment, by weight; partial refunds on about one payment in six.
    const plan = { none: 0, amount: 0, coupon: 0, feeWithin: 0, feeOff: 0, drop: 0, late: 0, revoked: 0, extra: 0, unknownSub: 0, ghostRevoked: 0, refunds: 0 };
    const diffs: Array<Record<string, unknown>> = [];
    const refundPlan: Array<{ payment: PaymentView; amounts: bigint[] }> = [];
    for (const p of payments) {
      const roll = random();
      const cost = (p.amountMinor * 2_000n * 2n + 1_000_000n) / 2_000_000n;
      if (roll < 0.5) plan.none++;
      else if (roll < 0.58) {
        const d = int(1, 300) * (random() < 0.5 ? -1 : 1);
        diffs.push({ kind: "amount", outTradeNo: p.outTradeNo, deltaMinor: Math.abs(d) < Number(p.amountMinor) ? d : 1 });
        plan.amount++;
      } else if (roll < 0.63) {
        diffs.push({ kind: "coupon", outTradeNo: p.outTradeNo, deltaMinor: int(1, Number(p.amountMinor / 2n)) });
        plan.coupon++;
      } else if (roll < 0.69) {
        // ±1 fen: a higher fee always works; a lower one only where our cost is above zero.
        diffs.push({ kind: "fee", outTradeNo: p.outTradeNo, deltaMinor: cost > 0n && random() < 0.5 ? -1 : 1 });
        plan.feeWithin++;
      } else if (roll < 0.75) {
        const d = int(2, 15);
        diffs.push({ kind: "fee", outTradeNo: p.outTradeNo, deltaMinor: cost >= BigInt(d) && random() < 0.5 ? -d : d });
        plan.feeOff++;
      } else if (roll < 0.8) {
        diffs.push({ kind: "drop", outTradeNo: p.outTradeNo });
        plan.drop++;
      } else if (roll < 0.85) {
        diffs.push({ kind: "late", outTradeNo: p.outTradeNo });
        plan.late++;
      } else if (roll < 0.9) {
        diffs.push({ kind: "status", outTradeNo: p.outTradeNo, status: "REVOKED" });
        plan.revoked++;
      } else plan.none++;
      if (random() < 0.16) {
        const count = int(1, 3);
        const parts: bigint[] = [];
        let left = p.amountMinor;
        for (let k = 0; k < count && left > 1n; k++) {
          const part = BigInt(int(1, Number(left / 2n)));
          parts.push(part);
          left -= part;
        }
        refundPlan.push({ payment: p, amounts: parts });
        plan.refunds += parts.length;
      }
    }
    // Lines for trades we never made (of our sub-merchant, and of one nobody registered), and reversed ones we never made.
    for (let k = 0; k < 6; k++, plan.extra++) diffs.push({ kind: "extra", amountMinor: int(100, 50_000) });
    for (let k = 0; k < 4; k++, plan.unknownSub++) diffs.push({ kind: "extra", amountMinor: int(100, 50_000), subMerchant: `19999${String(k).padStart(5, "0")}` });
    for (let k = 0; k < 3; k++, plan.ghostRevoked++) {
      const ghost = `GHOST${SEED}${k}`;
      diffs.push({ kind: "extra", outTradeNo: ghost, amountMinor: int(100, 50_000) }, { kind: "status", outTradeNo: ghost, status: "REVOKED" });
    }
    // Every kind of difference is in the mix (the seed is fixed, so this holds or the seed is changed).
    for (const [kind, n] of Object.entries(plan)) expect(n, kind).toBeGreaterThan(0);

    // Each payment's refunds one after another (a refund is checked against the ones before it), four payments at a time.
    await inParallel(refundPlan.length, 4, async (i) => {
      const { payment, amounts: parts } = refundPlan[i]!;
      for (const [k, amountMinor] of parts.entries()) {
        const r = await createRefund(t.ctx, { paymentId: payment.id, merchantRefundNo: `ORR-${SEED}-${payment.merchantOrderNo}-${k}`, amountMinor, reason: "oracle", origin: "CONSOLE" });
        expect(r.status).toBe("PROCESSING");
      }
    });
    // The channel completes every refund before the bill is cut (we still hold them processing).
    for (let i = 0; ; i++) {
      const trades = (await (await fetch(`${sim.url}/__sim/trades`)).json()) as Array<{ refunds: Array<{ status: string }> }>;
      if (trades.flatMap((x) => x.refunds).filter((r) => r.status === "SUCCEEDED").length === plan.refunds) break;
      if (i > 400) throw new Error("the simulator did not complete the refunds");
      await new Promise((r) => setTimeout(r, 25));
    }
    const injected = await fetch(`${sim.url}/__sim/statement-diffs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ billDate, diffs }) });
    expect(injected.status).toBe(200);

    const account = await t.run((tx) => connectorConfig(tx, t.ctx, wechat.id));
    const bytes = (await connectorFor("WECHAT").downloadStatement({ account }, { billDate, billType: "ALL" })).bytes;
    const imported = await importStatement(t.ctx, { channelAccountId: wechat.id, billDate, fileName: `oracle-${billDate}.csv`, bytes, source: "UPLOAD" });
    expect(imported.outcome).toBe("IMPORTED");
    const linesOnBill = 200 - plan.drop - plan.late + plan.extra + plan.unknownSub + plan.ghostRevoked + plan.refunds;
    expect(imported.lines).toBe(linesOnBill);

    const expected = await ownerQuery<Row>(db.url, ORACLE, [t.tenantId, imported.fileId]);
    const actual = await ownerQuery<Row>(db.url, ACTUAL, [t.tenantId, imported.fileId]);
    expect(actual).toEqual(expected);

    // Every line has exactly one item; the items without a line are the pooled payments.
    const [{ withLine, distinctLines, withoutLine }] = await ownerQuery<{ withLine: number; distinctLines: number; withoutLine: number }>(
      db.url,
      `SELECT count(line_id)::int AS "withLine", count(DISTINCT line_id)::int AS "distinctLines", count(*) FILTER (WHERE line_id IS NULL)::int AS "withoutLine" FROM recon_item WHERE tenant_id = $1 AND file_id = $2`,
      [t.tenantId, imported.fileId],
    ).then((rows) => rows as [{ withLine: number; distinctLines: number; withoutLine: number }]);
    expect([withLine, distinctLines, withoutLine]).toEqual([linesOnBill, linesOnBill, plan.drop + plan.late]);

    // The generator's plan, a third opinion on the headline numbers.
    const count = (outcome: string, diffType: string | null, direction?: string) =>
      actual.filter((r) => r.outcome === outcome && r.diffType === diffType && (direction === undefined || r.direction === direction)).reduce((s, r) => s + r.count, 0);
    expect(count("DIFFERENCE", "AMOUNT")).toBe(plan.amount + plan.coupon);
    expect(count("DIFFERENCE", "FEE")).toBe(plan.feeOff);
    expect(count("DIFFERENCE", "STATUS", "SHORTAGE")).toBe(plan.revoked);
    expect(count("DIFFERENCE", "CHANNEL_ONLY", "OVERAGE")).toBe(plan.extra);
    expect(count("DIFFERENCE", "UNKNOWN_SUB_MERCHANT", "OVERAGE")).toBe(plan.unknownSub);
    expect(count("PENDING", "PLATFORM_ONLY")).toBe(plan.drop + plan.late);
    expect(count("MATCHED", null)).toBe(linesOnBill - plan.amount - plan.coupon - plan.feeOff - plan.revoked - plan.extra - plan.unknownSub);
    const [{ within }] = (await ownerQuery<{ within: number }>(db.url, `SELECT count(*)::int AS within FROM recon_item WHERE tenant_id = $1 AND file_id = $2 AND outcome = 'MATCHED' AND diff_minor <> 0`, [t.tenantId, imported.fileId])) as [{ within: number }];
    expect(within).toBe(plan.feeWithin);
    // The refunds the bill showed final were settled here by it.
    const [{ processing }] = (await ownerQuery<{ processing: number }>(db.url, `SELECT count(*)::int AS processing FROM refund WHERE tenant_id = $1 AND status = 'PROCESSING'`, [t.tenantId])) as [{ processing: number }];
    expect(processing).toBe(0);
  });
});
