// Benchmark (not a test) for bench/clearing.sh, on the data of reference/bench/gen_recon_data.py.
//
//   npx tsx bench/clearing.ts exact  <dir>   the exact pass (server/core/clearing/exact-pass.ts):
//                                            internal.csv (our 1,000,000 payments) indexed,
//                                            external.csv (999,990 statement lines) streamed
//   npx tsx bench/clearing.ts ingest <dir>   statement ingestion as import does it: the file read
//                                            line by line by the template reader to check it, then
//                                            again into storeLines (server/core/clearing/import.ts)
//                                            into statement_line as the app role, in one transaction
//
// Each prints one JSON line. Peak memory is the process's max RSS (getrusage).
import { createHash } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { ExactPass } from "@/server/core/clearing/exact-pass";
import { storeLines } from "@/server/core/clearing/import";
import { saveStatementTemplate } from "@/server/core/clearing/templates";
import { streamWithTemplate, type TStatementTemplate } from "@/server/core/clearing/parsers/template";
import { disconnectPrisma } from "@/server/db/client";
import { closeAppPool } from "@/server/db/pool";
import { BATCH_TX_TIMEOUT_MS, withTenantTx } from "@/server/db/tenant-tx";
import { createTestDatabase } from "@/server/testing/db";
import { makeTenant } from "@/server/testing/tenants";

const [mode, dir = "."] = process.argv.slice(2);
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
    // As import does it: a first reading checks every line and the totals, holding none of them;
    // the second, inside the transaction, feeds storeLines.
    const stream = streamWithTemplate(bytes, TEMPLATE);
    for (const _line of stream.lines());
    const checked = stream.facts!;
    const t1 = performance.now();
    let error: string | null = null;
    try {
      await withTenantTx(
        t.tenantId,
        async (tx) => {
          const file = await tx.statementFile.create({
            data: { tenantId: t.tenantId, channelAccountId: account.id, billDate: new Date("2026-11-01T00:00:00Z"), billType: "ALL", format: "TEMPLATE", contentHash: createHash("sha256").update(bytes).digest("hex"), fileName: "external.csv", byteSize: bytes.length, lineCount: checked.computed.count, declaredCount: checked.declared.count, declaredAmountMinor: checked.declared.amountMinor, source: "CLI", importedBy: "bench", templateId: template.id },
            select: { id: true },
          });
          await storeLines(tx, t.ctx, file.id, stream.lines());
        },
        { timeoutMs: BATCH_TX_TIMEOUT_MS },
      );
    } catch (e) {
      error = (e as Error).message.replace(/\s+/g, " ").trim().slice(0, 400) || String(e);
    }
    const t2 = performance.now();
    const [stored] = await t.run((tx) => tx.$queryRaw<Array<{ n: bigint }>>`SELECT count(*)::bigint AS n FROM statement_line WHERE tenant_id = ${t.tenantId}::uuid`);
    console.log(
      JSON.stringify({
        mode: "ingest",
        db: db.url.replace(/^.*\//, ""),
        lines: checked.computed.count,
        stored: Number(stored?.n ?? 0n),
        parse_ms: Math.round(t1 - t0),
        store_ms: Math.round(t2 - t1),
        total_ms: Math.round(t2 - t0),
        rows_per_s: error ? 0 : Math.round(checked.computed.count / ((t2 - t0) / 1000)),
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
