// Benchmark (not a test) for bench/clearing.sh, on the data of reference/bench/gen_recon_data.py.
//
//   npx tsx bench/clearing.ts exact  <dir>   the exact pass (server/core/clearing/exact-pass.ts):
//                                            internal.csv (our 1,000,000 payments) indexed,
//                                            external.csv (999,990 statement lines) streamed
//   npx tsx bench/clearing.ts ingest <dir>   statement ingestion as import does it: the file parsed
//                                            whole by the template parser, then stored with
//                                            storeLines (server/core/clearing/import.ts) into
//                                            statement_line as the app role, in one transaction
//
// Each prints one JSON line. Peak memory is the process's max RSS (getrusage).
import { createHash } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { ExactPass } from "@/server/core/clearing/exact-pass";
import { storeLines } from "@/server/core/clearing/import";
import { saveStatementTemplate } from "@/server/core/clearing/templates";
import { parseWithTemplate, type TStatementTemplate } from "@/server/core/clearing/parsers/template";
import { disconnectPrisma } from "@/server/db/client";
import { closeAppPool } from "@/server/db/pool";
import { withTenantTx } from "@/server/db/tenant-tx";
import { createTestDatabase } from "@/server/testing/db";
import { makeTenant } from "@/server/testing/tenants";

const [mode, dir = "."] = process.argv.slice(2);
const CHUNK_SAMPLE = Number(process.env.BENCH_CHUNK_SAMPLE ?? 100_000);
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function exact() {
  const t0 = performance.now();
  const pass = new ExactPass();
  const read = (file: string) => createInterface({ input: createReadStream(path.join(dir, file), { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  let ours = 0;
  for await (const l of read("internal.csv")) if (ours++ > 0) pass.addOurs(l, ours);
  let theirs = 0;
  for await (const l of read("external.csv")) if (theirs++ > 0) pass.matchLine(l, theirs);
  const counts = pass.finish();
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ mode: "exact", ms: Math.round(ms), ours: ours - 1, lines: theirs - 1, counts, peak_rss_mb: peakRssMb() }));
}

const TEMPLATE: TStatementTemplate = {
  name: "bench external.csv",
  encoding: "utf-8",
  layout: { kind: "delimited", delimiter: "," },
  headerLines: 1,
  footerLines: 0,
  columns: { outTradeNo: "ref", amount: "amount_minor", fee: "fee_minor", kind: { by: "SIGN" } },
  amountUnit: "FEN",
  dateFormat: "YYYY-MM-DD HH:mm:ss",
  signConvention: "REFUNDS_NEGATIVE",
};

async function ingest() {
  const db = await createTestDatabase("bench_clearing");
  try {
    const t = await makeTenant({ mode: "CUSTODIAL" });
    const account = await t.run((tx) => tx.channelAccount.findFirstOrThrow({ where: { tenantId: t.tenantId, channelType: "SANDBOX" }, select: { id: true } }));
    const template = await t.run((tx) => saveStatementTemplate(tx, t.ctx, { definition: TEMPLATE }));
    const t0 = performance.now();
    const bytes = readFileSync(path.join(dir, "external.csv"));
    const statement = parseWithTemplate(bytes, TEMPLATE);
    const t1 = performance.now();
    let error: string | null = null;
    try {
      await withTenantTx(t.tenantId, async (tx) => {
        const file = await tx.statementFile.create({
          data: { tenantId: t.tenantId, channelAccountId: account.id, billDate: new Date("2026-11-01T00:00:00Z"), billType: "ALL", format: "TEMPLATE", contentHash: createHash("sha256").update(bytes).digest("hex"), fileName: "external.csv", byteSize: bytes.length, lineCount: statement.lines.length, declaredCount: statement.declared.count, declaredAmountMinor: statement.declared.amountMinor, source: "CLI", importedBy: "bench", templateId: template.id },
          select: { id: true },
        });
        await storeLines(tx, t.ctx, file.id, statement);
      });
    } catch (e) {
      error = (e as Error).message.replace(/\s+/g, " ").trim().slice(0, 400) || String(e);
    }
    const t2 = performance.now();
    // The same store path in 10,000-line transactions over the first CHUNK_SAMPLE lines (not atomic:
    // measured only for its rate, since one transaction of 1M lines outlasts the 60 s transaction
    // timeout of withTenantTx). The rate counts the whole file's parse time pro rata.
    let chunked: { lines: number; ms: number } | null = null;
    if (error) {
      const sample = statement.lines.slice(0, CHUNK_SAMPLE);
      const c0 = performance.now();
      const fileId = await t.run(async (tx) =>
        (await tx.statementFile.create({
          data: { tenantId: t.tenantId, channelAccountId: account.id, billDate: new Date("2026-11-02T00:00:00Z"), billType: "ALL", format: "TEMPLATE", contentHash: createHash("sha256").update(bytes).digest("hex"), fileName: "external.csv", byteSize: bytes.length, lineCount: sample.length, declaredCount: sample.length, declaredAmountMinor: 0n, source: "CLI", importedBy: "bench", templateId: template.id },
          select: { id: true },
        })).id,
      );
      for (let i = 0; i < sample.length; i += 10_000) {
        const slice = { ...statement, lines: sample.slice(i, i + 10_000) };
        await t.run((tx) => storeLines(tx, t.ctx, fileId, slice));
      }
      chunked = { lines: sample.length, ms: performance.now() - c0 + ((t1 - t0) * sample.length) / statement.lines.length };
    }
    const [stored] = await t.run((tx) => tx.$queryRaw<Array<{ n: bigint }>>`SELECT count(*)::bigint AS n FROM statement_line WHERE tenant_id = ${t.tenantId}::uuid`);
    console.log(
      JSON.stringify({
        mode: "ingest",
        db: db.url.replace(/^.*\//, ""),
        lines: statement.lines.length,
        stored: Number(stored?.n ?? 0n),
        parse_ms: Math.round(t1 - t0),
        store_ms: Math.round(t2 - t1),
        total_ms: Math.round(t2 - t0),
        rows_per_s: error ? 0 : Math.round(statement.lines.length / ((t2 - t0) / 1000)),
        // Parse + store in 100k-line transactions, when one transaction could not hold the file.
        chunked_sample_lines: chunked?.lines ?? null,
        chunked_rows_per_s: chunked === null ? null : Math.round(chunked.lines / (chunked.ms / 1000)),
        error,
        peak_rss_mb: peakRssMb(),
      }),
    );
  } finally {
    await disconnectPrisma();
    await closeAppPool();
    await db.drop();
  }
}

if (mode === "exact") await exact();
else if (mode === "ingest") await ingest();
else {
  console.error("usage: bench/clearing.ts exact|ingest <dir>");
  process.exit(2);
}
