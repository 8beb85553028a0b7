// First-load JavaScript of every route, gzipped, against the budget (issue 8: ≤ 300 KiB per
// console route). Reads what `next build` reports (.next/diagnostics/route-bundle-stats.json: each
// route's first-load chunks), gzips each chunk as a server would send it, and sums per route.
//   node scripts/check-bundle-size.mjs [--json]      exit 1 when a route is over budget
import { existsSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET_KIB = Number(process.env.BUNDLE_BUDGET_KIB ?? 300);
const STATS = ".next/diagnostics/route-bundle-stats.json";
if (!existsSync(STATS)) {
  console.error(`${STATS} is missing: run \`npx next build\` first`);
  process.exit(2);
}
const routes = JSON.parse(readFileSync(STATS, "utf8"));
const gz = new Map();
const sizeOf = (p) => {
  if (!gz.has(p)) gz.set(p, existsSync(p) ? gzipSync(readFileSync(p), { level: 9 }).length : 0);
  return gz.get(p);
};
const rows = routes
  .map((r) => ({ route: r.route, kib: r.firstLoadChunkPaths.reduce((s, p) => s + sizeOf(p), 0) / 1024 }))
  .sort((a, b) => b.kib - a.kib);
const over = rows.filter((r) => r.kib > BUDGET_KIB);
if (process.argv.includes("--json")) console.log(JSON.stringify({ budgetKiB: BUDGET_KIB, routes: rows.map((r) => ({ ...r, kib: Number(r.kib.toFixed(1)) })) }));
else {
  for (const r of rows) console.log(`${r.kib.toFixed(1).padStart(7)} KiB  ${r.kib > BUDGET_KIB ? "OVER" : "ok  "}  ${r.route}`);
  console.log(`first-load JS (gzip): largest ${rows[0]?.kib.toFixed(1)} KiB over ${rows.length} routes; budget ${BUDGET_KIB} KiB; ${over.length} over`);
}
process.exit(over.length ? 1 : 0);
