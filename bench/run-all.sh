#!/usr/bin/env bash
# The ledger benchmarks (not tests): each makes and drops its own databases and measures its
# baseline in the same run. Writes bench/out/<name>.json and bench/out/summary.json, then prints a
# summary table (ratio vs target, PASS/MISS). BENCH_SECONDS (default 10) per measured run;
# BENCH_ONLY="post hot" runs a subset. Needs PostgreSQL (PGHOST/PGPORT/PGUSER, default
# 127.0.0.1:5432 postgres), pgbench, psql, jq and the generated Prisma client (npm run generate).
set -uo pipefail
cd "$(dirname "$0")"
export BENCH_RUN_ID="${BENCH_RUN_ID:-$(date -u +%Y%m%dT%H%M%SZ)-$$}"
mkdir -p out
ALL="post hot batch service statement routing webhooks payments"
ONLY="${BENCH_ONLY:-$ALL}"
status=0

# Ledger benchmarks are ledger-<name>.sh; the others are <name>.sh.
name_of() { case "$1" in routing|webhooks|payments) echo "$1" ;; *) echo "ledger-$1" ;; esac; }

for b in $ONLY; do
  n="$(name_of "$b")"
  echo "== $n" >&2
  rm -f "out/$n.json"
  if ! bash "./$n.sh" >/dev/null; then
    echo "$n failed" >&2
    status=1
  fi
done

# One row per benchmark: what was compared, both figures, the ratio and the target.
summary="$(for b in $ONLY; do
  f="out/$(name_of "$b").json"
  if [ ! -f "$f" ] || [ "$(jq -r .machine.run_id "$f" 2>/dev/null)" != "$BENCH_RUN_ID" ]; then
    jq -n --arg b "$(name_of "$b")" '{benchmark: $b, result: "ERROR"}'
    continue
  fi
  case "$b" in
    post) jq '{benchmark, baseline: "INSERT \(.baseline.tps | round) tps", subject: "ledger_post_entry \(.subject.tps | round) tps",
               ratio, target: ">= \(.target_ratio)x", pass}' "$f" ;;
    hot) jq '{benchmark, baseline: "uniform \(.baseline.tps | round) tps", subject: "hot \(.subject.tps | round) tps",
              ratio, target: ">= \(.target_ratio)x", pass}' "$f" ;;
    batch) jq '{benchmark, baseline: "single \(.baseline.entries_per_s | round) entries/s",
                subject: "batch100 \(.subject.entries_per_s | round) entries/s, deadlocks \(.deadlocks_total)",
                ratio, target: ">= \(.target_ratio)x, 0 deadlocks", pass}' "$f" ;;
    service) jq '{benchmark, baseline: "SQL fn \(.baseline.tps | round) tps", subject: "postEntry \(.subject.tps | round) tps",
                  ratio, target: ">= \(.target_ratio)x", pass}' "$f" ;;
    statement) jq '{benchmark, baseline: "keyset SQL max \(.max_keyset_ms) ms", subject: "service page max \(.max_service_db_ms) ms",
                    ratio, target: "< \(.threshold_ms) ms DB", pass}' "$f" ;;
    routing) jq '{benchmark, baseline: "scan p99 \(.baselineP99Us) µs", subject: "compiled p99 \(.p99Us) µs", ratio, target, pass}' "$f" ;;
    webhooks) jq '{benchmark, baseline: "fetch loop \(.baselinePerSec)/s", subject: "\(.deliveriesPerSec) deliveries/s, p99 \(.p99Ms) ms", ratio, target, pass}' "$f" ;;
    payments) jq '{benchmark, baseline: "bare http p99 \(.baseline.p99Ms) ms", subject: "API p99 \(.subject.p99Ms) ms @\(.rate)/s, dropped \(.subject.dropped); idem \(.idempotency.ratio)x", ratio, target: "overhead <= 50 ms, idem >= 0.85x", pass}' "$f" ;;
  esac
done | jq -s --arg run "$BENCH_RUN_ID" --arg secs "${BENCH_SECONDS:-10}" \
  '{run_id: $run, seconds: ($secs | tonumber), results: map(. + {result: (.result // (if .pass then "PASS" else "MISS" end))})}')"
echo "$summary" > out/summary.json

{
  printf '%-18s %-32s %-48s %9s  %-22s %s\n' benchmark baseline subject ratio target result
  jq -r '.results[] | [.benchmark, (.baseline // "-"), (.subject // "-"), ((.ratio // "-") | tostring), (.target // "-"), .result] | @tsv' <<<"$summary" |
    while IFS=$'\t' read -r n base subj r t res; do printf '%-18s %-32s %-48s %9s  %-22s %s\n' "$n" "$base" "$subj" "$r" "$t" "$res"; done
} | tee out/summary.txt
exit $status
