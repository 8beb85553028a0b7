#!/usr/bin/env bash
# Target 5: the busiest account's statement page < 5 ms database time at any depth, 1M+ postings.
#   data:     ledger-statement-load.sql: BENCH_STATEMENT_ENTRIES entries (default 1,100,000 = 2.2M
#             postings); fee_income (hot) and customer_funds_bank (not hot) hold 25% each
#   subject:  accountStatement() of the service, every statement it sends timed by EXPLAIN ANALYZE
#   baseline: the keyset page SQL alone (index-bounded: seq <= cursor seq), the service predicate by
#             hand, and OFFSET at the same depth for contrast (ledger-statement.ts)
# Depths: BENCH_DEPTHS (default 0,10000,100000,500000). Writes bench/out/ledger-statement.json.
# Pass: every measured depth of every account has service DB time < 5 ms.
source "$(dirname "$0")/lib.sh"
ENTRIES="${BENCH_STATEMENT_ENTRIES:-1100000}"

log "ledger-statement: setting up"
make_ledger_db stmt
before="$(machine)"
log "ledger-statement: loading $ENTRIES entries ($((ENTRIES * 2)) postings)"
t0=$(date +%s)
psql -X -q -d "$LDB" -v tenant="$TENANT" -v hot="$HOT" -v bank="$BANK" -v entries="$ENTRIES" \
  -f "$BENCH_DIR/ledger-statement-load.sql" >/dev/null
load_s=$(( $(date +%s) - t0 ))
log "  loaded in ${load_s}s"
log "ledger-statement: paging (EXPLAIN ANALYZE, median of ${BENCH_REPEAT:-5})"
res="$(cd "$ROOT" && DATABASE_URL="$LURL" BENCH_TENANT="$TENANT" BENCH_ACCOUNTS="fee_income=$HOT,customer_funds_bank=$BANK" \
  npx tsx bench/ledger-statement.ts | tail -n 1)"
echo "$res" > "$OUT/ledger-statement.raw.json"

jq --argjson machine "$before" --argjson load_s "$load_s" '{
  benchmark: "ledger-statement", target: "busiest account statement page < 5 ms database time at any depth (1M+ postings)",
  unit: "ms of database execution time (EXPLAIN ANALYZE, median), page of 50 (+1) rows",
  load_seconds: $load_s} + . + {
  threshold_ms: 5,
  max_service_db_ms: ([.accounts[].max_service_db_ms] | max),
  max_keyset_ms: ([.accounts[].max_keyset_ms] | max),
  ratio: ((([.accounts[].max_service_db_ms] | max) / ([.accounts[].max_keyset_ms] | max) * 1000 | round) / 1000),
  pass: (([.accounts[].max_service_db_ms] | max) < 5),
  machine: $machine}' <<<"$res" > "$OUT/ledger-statement.json"
jq -r '.accounts[] | .name as $n | .depths[] | select(.service) |
  "  \($n) depth \(.depth): service \(.service.db_ms) ms (page query \(.service.page_query_ms), wall \(.service.wall_ms)) | keyset \(.keyset.exec_ms) | service predicate by hand \(.keyset_service_predicate.exec_ms // "-") | OFFSET \(.offset.exec_ms)"' \
  "$OUT/ledger-statement.json" >&2
jq '{benchmark, postings_total, load_seconds, max_service_db_ms, max_keyset_ms, ratio, pass}' "$OUT/ledger-statement.json"
