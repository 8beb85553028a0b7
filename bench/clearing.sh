#!/usr/bin/env bash
# Clearing (issue 6): 1,000,000 statement lines against 1,000,000 payments, on the data of
# reference/bench/gen_recon_data.py (0.5 % missing, 0.5 % amount +1 fen, 0.5 % extra, shuffled).
#   exact pass:  server/core/clearing/exact-pass.ts (bench/clearing.ts exact), timed in-process
#                (tsx start-up excluded) — baseline: reference/bench/sort_join_baseline.sh, wall
#                time, in the same run. Targets: ≤ 4× the baseline's time, peak RSS ≤ 512 MB,
#                identical counts.
#   ingestion:   the file read line by line by the template reader (checked, then read again
#                into import's storeLines) into statement_line as the app role, one transaction
#                (bench/clearing.ts ingest) — baseline: psql \copy of the same file into a plain
#                table. Target: ≥ 0.6× rows/s.
# Settings: BENCH_REFERENCE (default /work/shared/reference/bench), BENCH_CLEARING_DIR (reuse
# generated data). Writes bench/out/clearing.json. Not part of the test suite.
source "$(dirname "$0")/lib.sh"
REF="${BENCH_REFERENCE:-/work/shared/reference/bench}"
DATA="${BENCH_CLEARING_DIR:-}"
if [ -z "$DATA" ]; then
  DATA="$(mktemp -d)"
  trap '_bench_cleanup; rm -rf "$DATA"' EXIT
fi
ms_now() { echo $(( $(date +%s%N) / 1000000 )); }

if [ ! -s "$DATA/internal.csv" ] || [ ! -s "$DATA/external.csv" ]; then
  log "clearing: generating 1,000,000 records and 999,990 lines in $DATA"
  (cd "$DATA" && python3 "$REF/gen_recon_data.py")
fi
before="$(machine)"

log "clearing: baseline sort | join"
t0=$(ms_now)
base_out="$(cd "$DATA" && /usr/bin/time -f 'maxrss_kb=%M' bash "$REF/sort_join_baseline.sh" 2>"$DATA/sj.err")"
t1=$(ms_now)
base_ms=$((t1 - t0))
base_rss_mb=$(( $(grep -o 'maxrss_kb=[0-9]*' "$DATA/sj.err" | tail -n 1 | cut -d= -f2) / 1024 ))
log "  $base_out in ${base_ms} ms"

log "clearing: exact pass"
exact="$(cd "$ROOT" && npx tsx bench/clearing.ts exact "$DATA" | tail -n 1)"
log "  $exact"

log "clearing: ingestion baseline psql \\copy"
make_plain_db clearing_copy
psql -X -q -d "$PLAIN_DB" -c "CREATE TABLE ext (ref text, amount_minor bigint, currency text, ts text, fee_minor bigint)"
t0=$(ms_now)
psql -X -q -d "$PLAIN_DB" -c "\\copy ext FROM '$DATA/external.csv' WITH (FORMAT csv, HEADER true)"
t1=$(ms_now)
copy_ms=$((t1 - t0))
copy_rows="$(psql -X -At -d "$PLAIN_DB" -c 'SELECT count(*) FROM ext')"
log "  $copy_rows rows in ${copy_ms} ms"

log "clearing: ingestion (template parser + storeLines, one transaction)"
ingest="$(cd "$ROOT" && npx tsx bench/clearing.ts ingest "$DATA" | tail -n 1)"
log "  $ingest"

jq -n --argjson machine "$before" --arg base "$base_out" --argjson base_ms "$base_ms" --argjson base_rss "$base_rss_mb" \
  --argjson exact "$exact" --argjson copy_ms "$copy_ms" --argjson copy_rows "$copy_rows" --argjson ingest "$ingest" '
  ($base | capture("matched=(?<m>[0-9]+) amount_diff=(?<d>[0-9]+) missing_ext=(?<x>[0-9]+) extra_ext=(?<e>[0-9]+)")) as $b |
  ($copy_rows / ($copy_ms / 1000)) as $copy_rps |
  {
    benchmark: "clearing",
    exact: {
      baseline: { method: "sort_join_baseline.sh", ms: $base_ms, peak_rss_mb: $base_rss, counts: { matched: ($b.m | tonumber), amountDiff: ($b.d | tonumber), missing: ($b.x | tonumber), extra: ($b.e | tonumber) } },
      ours: $exact,
      ratio_time: ((($exact.ms / $base_ms) * 1000 | round) / 1000),
      identical_counts: ($exact.counts.matched == ($b.m | tonumber) and $exact.counts.amountDiff == ($b.d | tonumber) and $exact.counts.missing == ($b.x | tonumber) and $exact.counts.extra == ($b.e | tonumber)),
      pass: (($exact.ms / $base_ms) <= 4 and $exact.peak_rss_mb <= 512)
    },
    ingestion: {
      baseline: { method: "psql \\copy", ms: $copy_ms, rows: $copy_rows, rows_per_s: ($copy_rps | round) },
      ours: $ingest,
      ratio_rows_per_s: ((($ingest.rows_per_s / $copy_rps) * 1000 | round) / 1000),
      pass: ($ingest.error == null and ($ingest.rows_per_s / $copy_rps) >= 0.6)
    },
    machine: $machine
  }' > "$OUT/clearing.json"
jq '{exact: {ratio_time: .exact.ratio_time, identical_counts: .exact.identical_counts, peak_rss_mb: .exact.ours.peak_rss_mb, pass: .exact.pass}, ingestion: {ratio_rows_per_s: .ingestion.ratio_rows_per_s, peak_rss_mb: .ingestion.ours.peak_rss_mb, error: .ingestion.ours.error, pass: .ingestion.pass}}' "$OUT/clearing.json"
