// Reconciling a day's statement as the app does it (issue 6; a benchmark, not a test): a throwaway
// database with one tenant (DIRECT by default, BENCH_RECON_MODE=CUSTODIAL for suspense postings),
// BENCH_RECON_LINES succeeded payments (default 100,000) and the day's statement file of the sandbox
// account, both loaded with set-based SQL: 0.5 % of our payments missing from the file (they wait
// in the cross-day pool), 0.5 % of lines one fen off (AMOUNT 长款), and 0.5 % extra lines
// (CHANNEL_ONLY). Measured in the same run:
//   subject:  reconcileStatementFile(ctx, fileId) — everything it does: outcomes for every line
//             and pooled payment, an exception per difference, in one transaction.
//   baseline: the same classification as one set-based SQL statement (FULL OUTER JOIN of the
//             lines and the day's payments, counts by class), sharing no code with the app.
//   tolerance: the same day in a second tenant with the same payments, its file with a 1-fen fee
//             difference on every 10th line (matched within the tolerance, noted); target: it
//             adds ≤ 25 %.
// The counts must agree. Prints one JSON object and writes bench/out/reconcile.json.
//
//   npx tsx bench/reconcile.ts            (or bash bench/reconcile.sh)
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import pg from "pg";

process.env.SWITCHYARD_KEYRING ??= JSON.stringify({ active: "k1", keys: { k1: randomBytes(32).toString("base64") } });
process.env.LOG_LEVEL ??= "error";

const LINES = Number(process.env.BENCH_RECON_LINES ?? 100_000);
const MODE = (process.env.BENCH_RECON_MODE ?? "DIRECT") === "CUSTODIAL" ? "CUSTODIAL" : "DIRECT";
const BILL_DATE = "2026-11-01";

async function main() {
  const { createTestDatabase } = await import("@/server/testing/db");
  const { makeTenant } = await import("@/server/testing/tenants");
  const { merchantInput } = await import("@/server/testing/fixtures");
  const { createMerchant } = await import("@/server/core/merchants/service");
  const { reconcileStatementFile } = await import("@/server/core/clearing/reconcile");
  const { disconnectPrisma } = await import("@/server/db/client");
  const { closeAppPool } = await import("@/server/db/pool");

  const db = await createTestDatabase("bench_reconcile");
  const owner = new pg.Client({ connectionString: db.url });
  await owner.connect();
  try {
    // One tenant per file, each with the same payments, so the tolerance run is not the second
    // reconciliation of the same payments.
    const setUp = async (rounding: boolean) => {
      const t = await makeTenant({ mode: MODE });
      const m = (await t.run((tx) => createMerchant(tx, t.ctx, merchantInput("Bench Noodles"))))!;
      const [reg] = (
        await owner.query<{ id: string; channel_account_id: string }>(
          `SELECT r.id, r.channel_account_id FROM merchant_channel_registration r JOIN channel_account a ON a.tenant_id = r.tenant_id AND a.id = r.channel_account_id
            WHERE r.tenant_id = $1 AND r.merchant_id = $2 AND a.channel_type = 'SANDBOX'`,
          [t.tenantId, m.id],
        )
      ).rows;
      if (!reg) throw new Error("no sandbox registration");
      await owner.query(`ALTER TABLE payment DISABLE TRIGGER USER`);
      await owner.query(
        `INSERT INTO payment (tenant_id, merchant_id, merchant_order_no, out_trade_no, order_type, product, amount_minor, status, subject,
                              channel_account_id, channel_version, registration_id, routing_decision_id, fee_minor, cost_minor, margin_minor, business_date, paid_at)
         SELECT $1::uuid, $2::uuid, 'RB' || g, 'RBOT' || lpad(g::text, 8, '0'), 'CONSUMPTION', 'WECHAT_QR', 100 + (g::bigint * 7919) % 50000, 'SUCCEEDED', 'bench',
                $3::uuid, 1, $4::uuid, gen_random_uuid(), 38, 6, 32, $5::date, now()
           FROM generate_series(1, $6::int) g`,
        [t.tenantId, m.id, reg.channel_account_id, reg.id, BILL_DATE, LINES],
      );
      await owner.query(`ALTER TABLE payment ENABLE TRIGGER USER`);
      // A statement file of the day: our payments except every 200th; every 200th + 1 a fen more;
      // then the extra lines. With `rounding`, every 10th line's fee is a fen off (the tolerance class).
      const makeFile = async (rounding: boolean) => {
        const [file] = (
          await owner.query<{ id: string }>(
            `INSERT INTO statement_file (tenant_id, channel_account_id, bill_date, bill_type, format, content_hash, file_name, byte_size, line_count, declared_count, declared_amount_minor, source, imported_by)
             VALUES ($1, $2, $3, 'ALL', 'WECHAT_TRADE_BILL', encode(sha256(random()::text::bytea), 'hex'), 'bench.csv', 0, 0, 0, 0, 'CLI', 'bench') RETURNING id`,
            [t.tenantId, reg.channel_account_id, BILL_DATE],
          )
        ).rows;
        await owner.query(
          `INSERT INTO statement_line (tenant_id, file_id, line_no, kind, channel_status, out_trade_no, amount_minor, settleable_minor, fee_minor)
           SELECT $1::uuid, $2::uuid, row_number() OVER (ORDER BY g)::int, 'PAYMENT', 'SUCCESS', o, a, a,
                  CASE WHEN o LIKE 'RBXX%' THEN 0 WHEN $4 AND g % 10 = 3 THEN 7 ELSE 6 END
             FROM (SELECT g, 'RBOT' || lpad(g::text, 8, '0') AS o, 100 + (g::bigint * 7919) % 50000 + CASE WHEN g % 200 = 1 THEN 1 ELSE 0 END AS a FROM generate_series(1, $3::int) g WHERE g % 200 <> 0
                   UNION ALL
                   SELECT $3 + g, 'RBXX' || lpad(g::text, 8, '0'), 500 FROM generate_series(1, $3::int / 200) g) l`,
          [t.tenantId, file!.id, LINES, rounding],
        );
        return file!.id;
      };
      return { t, fileId: await makeFile(rounding), channelAccountId: reg.channel_account_id };
    };
    const load0 = performance.now();
    const exactSide = await setUp(false);
    const roundingSide = await setUp(true);
    const t = exactSide.t;
    const exactFile = exactSide.fileId;
    const reg = { channel_account_id: exactSide.channelAccountId };
    await owner.query(`ANALYZE payment; ANALYZE statement_line; ANALYZE recon_item`);
    const loadMs = performance.now() - load0;

    // Baseline: one set-based statement over the same rows.
    const b0 = performance.now();
    const [base] = (
      await owner.query<{ matched: string; amount: string; missing: string; extra: string }>(
        `SELECT count(*) FILTER (WHERE l.id IS NOT NULL AND p.id IS NOT NULL AND l.amount_minor = p.amount_minor)::text AS matched,
                count(*) FILTER (WHERE l.id IS NOT NULL AND p.id IS NOT NULL AND l.amount_minor <> p.amount_minor)::text AS amount,
                count(*) FILTER (WHERE l.id IS NULL)::text AS missing,
                count(*) FILTER (WHERE p.id IS NULL)::text AS extra
           FROM (SELECT * FROM statement_line WHERE tenant_id = $1 AND file_id = $2) l
           FULL OUTER JOIN (SELECT * FROM payment WHERE tenant_id = $1 AND channel_account_id = $3 AND business_date = $4 AND status = 'SUCCEEDED') p
             ON p.out_trade_no = l.out_trade_no`,
        [t.tenantId, exactFile, reg.channel_account_id, BILL_DATE],
      )
    ).rows;
    const baselineMs = performance.now() - b0;

    const timed = async (side: { t: typeof t; fileId: string }) => {
      const s0 = performance.now();
      try {
        const summary = await reconcileStatementFile(side.t.ctx, side.fileId);
        return { summary, error: null as string | null, took: performance.now() - s0 };
      } catch (e) {
        return { summary: null, error: (e as Error).message.replace(/\s+/g, " ").slice(0, 300), took: performance.now() - s0 };
      }
    };
    const exact = await timed(exactSide);
    // The same file with a 1-fen fee difference on every 10th line: matched within tolerance and noted.
    const rounding = await timed(roundingSide);
    const summary = exact.summary;
    const error = exact.error ?? rounding.error;
    const subjectMs = exact.took;
    const counts = {
      matched: summary?.byOutcome.MATCHED ?? 0,
      amount: summary?.differences.AMOUNT ?? 0,
      missing: summary?.byOutcome.PENDING ?? 0,
      extra: summary?.differences.CHANNEL_ONLY ?? 0,
    };
    const baseline = { matched: Number(base!.matched), amount: Number(base!.amount), missing: Number(base!.missing), extra: Number(base!.extra) };
    const result = {
      benchmark: "reconcile",
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, load: loadavg().map((l) => Math.round(l * 100) / 100) },
      mode: MODE,
      lines: LINES - Math.floor(LINES / 200) + Math.floor(LINES / 200),
      payments: LINES,
      load_ms: Math.round(loadMs),
      baseline_sql_ms: Math.round(baselineMs),
      reconcile_ms: Math.round(subjectMs),
      lines_per_s: error ? 0 : Math.round(LINES / (subjectMs / 1000)),
      ratio_to_sql: Math.round((subjectMs / baselineMs) * 10) / 10,
      // Target: the tolerance class adds ≤ 25 % (it is compared in the same pass, not a second one).
      rounding_reconcile_ms: Math.round(rounding.took),
      rounding_matched_with_note: rounding.summary?.byOutcome.MATCHED ?? 0,
      tolerance_overhead: Math.round((rounding.took / subjectMs - 1) * 1000) / 1000,
      counts,
      baseline_counts: baseline,
      counts_agree: JSON.stringify(counts) === JSON.stringify(baseline),
      error,
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    mkdirSync(path.join("bench", "out"), { recursive: true });
    writeFileSync(path.join("bench", "out", "reconcile.json"), JSON.stringify(result, null, 2));
    console.log(JSON.stringify(result));
  } finally {
    await owner.end();
    await disconnectPrisma();
    await closeAppPool();
    // BENCH_KEEP_DB=1 keeps the database for inspection (its name is in the output).
    if (process.env.BENCH_KEEP_DB === "1") console.error(`kept ${db.url}`);
    else await db.drop();
  }
}

await main();
