// Target 5: the busiest account's statement page < 5 ms database time at any depth (1M+ postings).
// Run by bench/ledger-statement.sh after ledger-statement-load.sql; prints one JSON document.
//
// For each depth (rows already paged past: 0, 10k, 100k, 500k by default):
//   service   accountStatement() (server/core/ledger/service.ts) is called through withTenantTx with
//             the cursor a client would hold at that depth; every SQL statement it sends is captured
//             at the pg driver (text + parameters) and then timed with EXPLAIN (ANALYZE, BUFFERS)
//             under the same role and tenant (RLS in force). Its database time = the sum over them.
//   keyset    the baseline: the keyset page SQL alone, by hand (WHERE tenant, account, phase and
//             (seq, line) before the cursor, ORDER BY seq DESC, line DESC LIMIT 51), same role and
//             tenant; also the service's predicate by hand (keyset_service_predicate) for comparison.
//   offset    contrast: the same page by OFFSET <depth>.
// Each EXPLAIN runs BENCH_REPEAT times (default 5, after one warm-up); the median is reported.
//
//   DATABASE_URL=... BENCH_TENANT=<uuid> BENCH_ACCOUNTS=hot=<uuid>,bank=<uuid> npx tsx bench/ledger-statement.ts
import pg from "pg";
import { accountStatement } from "@/server/core/ledger/service";
import { authorizedTenantId, withTenantTx, type TenantContext } from "@/server/db/tenant-tx";
import { disconnectPrisma } from "@/server/db/client";
import { closeAppPool } from "@/server/db/pool";
import { APP_ROLE } from "@/server/db/config";

const tenant = process.env.BENCH_TENANT;
const url = process.env.DATABASE_URL;
// name=uuid,name=uuid: the accounts whose statements are paged (the two busiest by default).
const targets = (process.env.BENCH_ACCOUNTS ?? "").split(",").filter(Boolean).map((x) => x.split("=") as [string, string]);
if (!tenant || !url || !targets.length) throw new Error("DATABASE_URL, BENCH_TENANT and BENCH_ACCOUNTS are required");
const depths = (process.env.BENCH_DEPTHS ?? "0,10000,100000,500000").split(",").map(Number);
const repeat = Number(process.env.BENCH_REPEAT ?? 5);
const LIMIT = 50; // the service's default page size; it fetches LIMIT + 1 rows
const ctx: TenantContext = { tenantId: authorizedTenantId(tenant), actor: { kind: "SYSTEM", name: "bench" } };

// ---- capture what the service sends, at the driver (the Prisma pg adapter calls client.query({ text, values }))
interface Captured {
  text: string;
  values: unknown[];
}
let capturing: Captured[] | null = null;
const origQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: pg.Client, ...args: unknown[]) {
  if (capturing) {
    const [first, second] = args;
    if (typeof first === "string") capturing.push({ text: first, values: Array.isArray(second) ? second : [] });
    else if (first && typeof first === "object" && "text" in first) {
      const c = first as { text: string; values?: unknown[] };
      capturing.push({ text: c.text, values: c.values ?? [] });
    }
  }
  return origQuery.apply(this, args);
};
const isTxControl = (sql: string) => /^\s*(BEGIN|COMMIT|ROLLBACK|SET |SELECT set_config)/i.test(sql);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const r3 = (x: number) => Math.round(x * 1000) / 1000;

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  "Actual Rows"?: number;
  "Rows Removed by Filter"?: number;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  Plans?: PlanNode[];
}
function outline(n: PlanNode, depth = 0, acc: string[] = []): string[] {
  acc.push(`${"  ".repeat(depth)}${n["Node Type"]}${n["Index Name"] ? ` using ${n["Index Name"]}` : n["Relation Name"] ? ` on ${n["Relation Name"]}` : ""} (rows=${n["Actual Rows"]}${n["Rows Removed by Filter"] ? `, removed by filter=${n["Rows Removed by Filter"]}` : ""})`);
  for (const c of n.Plans ?? []) outline(c, depth + 1, acc);
  return acc;
}

/** EXPLAIN (ANALYZE, BUFFERS) as the app role bound to the tenant: median execution/planning time. */
async function explain(owner: pg.Client, sql: string, values: unknown[]) {
  const exec: number[] = [];
  const plan: number[] = [];
  let last: { Plan: PlanNode } | null = null;
  for (let i = 0; i <= repeat; i++) {
    await owner.query("BEGIN");
    try {
      await owner.query("SELECT set_config('role', $1, true), set_config('app.tenant_id', $2, true)", [APP_ROLE, tenant]);
      const r = await owner.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, values);
      const doc = (r.rows[0] as { "QUERY PLAN": Array<{ Plan: PlanNode; "Execution Time": number; "Planning Time": number }> })["QUERY PLAN"][0]!;
      if (i > 0) {
        exec.push(doc["Execution Time"]);
        plan.push(doc["Planning Time"]);
      }
      last = doc;
    } finally {
      await owner.query("ROLLBACK");
    }
  }
  const top = last!.Plan;
  return {
    exec_ms: r3(median(exec)),
    planning_ms: r3(median(plan)),
    buffers: { hit: top["Shared Hit Blocks"] ?? 0, read: top["Shared Read Blocks"] ?? 0 },
    plan: outline(top),
  };
}

function label(sql: string): string {
  // The service's page query is raw SQL (FROM ledger_posting p … ORDER BY p.seq DESC … LIMIT).
  if (/FROM\s+("public"\.)?"?ledger_posting"?\b/i.test(sql) && /ORDER BY/i.test(sql) && /LIMIT/i.test(sql)) return "page query (ledger_posting keyset)";
  if (/FROM\s+"public"\."ledger_posting"/i.test(sql) && /SUM\(/i.test(sql)) return "hot running balance (sum of newer postings)";
  if (/FROM\s+"public"\."ledger_posting"/i.test(sql)) return "ledger_posting (other)";
  if (/FROM\s+"public"\."journal_entry"/i.test(sql)) return "entries of the page (journal_entry)";
  if (/FROM\s+"public"\."ledger_balance"/i.test(sql)) return "account balance (ledger_balance)";
  if (/FROM\s+"public"\."ledger_account"/i.test(sql)) return "account (ledger_account)";
  return "other";
}

// The baseline: the keyset page by hand, rows after the cursor (seq, line) in (seq DESC, line DESC),
// with the redundant "seq <= cursor seq" that lets the (tenant_id, account_id, seq DESC) index start
// at the cursor instead of at the newest row.
const KEYSET = `SELECT entry_id, line, amount_minor, seq, business_date, balance_after_minor, created_at
  FROM ledger_posting WHERE tenant_id = $1 AND account_id = $2 AND phase = 'POSTED'
   AND seq <= $3 AND (seq < $3 OR (seq = $3 AND line < $4))
 ORDER BY seq DESC, line DESC LIMIT ${LIMIT + 1}`;
// The service's own predicate by hand (Prisma's OR: [{ seq: { lt } }, { seq, line: { lt } }]), no bound.
const KEYSET_OR = `SELECT entry_id, line, amount_minor, seq, business_date, balance_after_minor, created_at
  FROM ledger_posting WHERE tenant_id = $1 AND account_id = $2 AND phase = 'POSTED' AND (seq < $3 OR (seq = $3 AND line < $4))
 ORDER BY seq DESC, line DESC LIMIT ${LIMIT + 1}`;
const FIRST = `SELECT entry_id, line, amount_minor, seq, business_date, balance_after_minor, created_at
  FROM ledger_posting WHERE tenant_id = $1 AND account_id = $2 AND phase = 'POSTED'
 ORDER BY seq DESC, line DESC LIMIT ${LIMIT + 1}`;
const OFFSET = `${FIRST} OFFSET $3`;

interface AccountResult {
  name: string;
  accountId: string;
  isHot: boolean;
  postings: number;
  depths: unknown[];
  max_service_db_ms: number;
  max_page_query_ms: number;
  max_keyset_ms: number;
}

async function statementAt(owner: pg.Client, accountId: string, depth: number) {
  // The cursor a client holds after paging past `depth` rows: "seq:line:running" of the depth-th
  // newest row (the service's cursor format: an entry may have several lines on one account; the
  // running balance to continue from, which a hot account's pages carry, is the account's balance
  // less every newer posting, read here outside the timing).
  const at =
    depth === 0
      ? null
      : ((
          await owner.query(
            `WITH c AS (SELECT p.seq, p.line FROM ledger_posting p WHERE p.tenant_id = $1 AND p.account_id = $2 AND p.phase = 'POSTED' ORDER BY p.seq DESC, p.line DESC OFFSET $3 LIMIT 1)
             SELECT c.seq::text AS seq, c.line,
                    ((SELECT COALESCE(sum(p.amount_minor), 0) FROM ledger_posting p WHERE p.tenant_id = $1 AND p.account_id = $2 AND p.phase = 'POSTED' AND (p.seq, p.line) < (c.seq, c.line))
                     * CASE WHEN a.type IN ('ASSET', 'EXPENSE') THEN 1 ELSE -1 END)::text AS running
               FROM c, ledger_account a WHERE a.tenant_id = $1 AND a.id = $2`,
            [tenant, accountId, depth - 1],
          )
        ).rows[0] as { seq: string; line: number; running: string } | undefined) ?? null;
  if (depth > 0 && at === null) return { depth, skipped: "the account has fewer rows than this depth" };
  const cursor = at ? `${at.seq}:${at.line}:${at.running}` : null;

  // The service call: capture its SQL once, then time its wall clock (median of `repeat`).
  capturing = [];
  const page = await withTenantTx(ctx.tenantId, (tx) => accountStatement(tx, ctx, accountId, { cursor, limit: LIMIT }));
  const captured = capturing.filter((q) => !isTxControl(q.text));
  capturing = null;
  const wall: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const s = performance.now();
    await withTenantTx(ctx.tenantId, (tx) => accountStatement(tx, ctx, accountId, { cursor, limit: LIMIT }));
    wall.push(performance.now() - s);
  }

  const queries = [];
  for (const q of captured) queries.push({ label: label(q.text), sql: q.text.replace(/\s+/g, " "), ...(await explain(owner, q.text, q.values)) });
  const serviceDb = r3(queries.reduce((s, q) => s + q.exec_ms, 0));
  const pageQuery = queries.find((q) => q.label.startsWith("page query"));
  const keyset = at === null ? await explain(owner, FIRST, [tenant, accountId]) : await explain(owner, KEYSET, [tenant, accountId, at.seq, at.line]);
  const keysetOr = at === null ? null : await explain(owner, KEYSET_OR, [tenant, accountId, at.seq, at.line]);
  const offset = await explain(owner, OFFSET, [tenant, accountId, depth]);
  return {
    depth,
    cursor,
    rows_returned: page.items.length,
    service: { db_ms: serviceDb, page_query_ms: pageQuery?.exec_ms ?? null, wall_ms: r3(median(wall)), statements: queries.length, queries },
    keyset,
    keyset_service_predicate: keysetOr,
    offset,
    ratio_service_db_vs_keyset: keyset.exec_ms > 0 ? r3(serviceDb / keyset.exec_ms) : null,
    ratio_page_query_vs_keyset: pageQuery && keyset.exec_ms > 0 ? r3(pageQuery.exec_ms / keyset.exec_ms) : null,
  };
}

async function main() {
  const owner = new pg.Client({ connectionString: url });
  await owner.connect();
  const total = Number((await owner.query("SELECT count(*) AS n FROM ledger_posting")).rows[0].n);
  const accounts: AccountResult[] = [];
  for (const [name, accountId] of targets) {
    const info = (
      await owner.query(
        `SELECT (SELECT count(*) FROM ledger_posting WHERE tenant_id = $1 AND account_id = $2 AND phase = 'POSTED') AS n,
                (SELECT is_hot FROM ledger_account WHERE tenant_id = $1 AND id = $2) AS is_hot`,
        [tenant, accountId],
      )
    ).rows[0] as { n: string; is_hot: boolean };
    const results = [];
    for (const depth of depths) results.push(await statementAt(owner, accountId, depth));
    const measured = results.filter((r): r is Extract<typeof r, { service: unknown }> => "service" in r);
    accounts.push({
      name,
      accountId,
      isHot: info.is_hot,
      postings: Number(info.n),
      depths: results,
      max_service_db_ms: Math.max(...measured.map((r) => r.service.db_ms)),
      max_page_query_ms: Math.max(...measured.map((r) => r.service.page_query_ms ?? 0)),
      max_keyset_ms: Math.max(...measured.map((r) => r.keyset.exec_ms)),
    });
  }
  await owner.end();
  await disconnectPrisma();
  await closeAppPool();
  process.stdout.write(JSON.stringify({ postings_total: total, page_size: LIMIT, repeat, accounts }) + "\n");
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
