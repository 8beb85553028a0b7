#!/usr/bin/env bash
# Target 3: a hot account >= 0.8x uniform accounts, c=4, same build, same run, same database.
#   baseline: ledger-post-uniform.sql (Dr random wallet / Cr another random wallet)
#   subject:  ledger-post-hot.sql (Dr random wallet / Cr the tenant's fee_income: is_hot, 16 slots)
# Writes bench/out/ledger-hot.json; ratio = hot tps / uniform tps.
source "$(dirname "$0")/lib.sh"

log "ledger-hot: setting up"
make_ledger_db hot
before="$(machine)"

log "ledger-hot: uniform, c=$CLIENTS, ${SECS}s"
base="$(pgb "$LDB" "$BENCH_DIR/ledger-post-uniform.sql" -D "tenant=$TENANT" -D "bdate=$BDATE")"
log "  $(jq -c '{tps, latency_ms, failed}' <<<"$base")"
log "ledger-hot: every posting credits the hot fee_income account, c=$CLIENTS, ${SECS}s"
subj="$(pgb "$LDB" "$BENCH_DIR/ledger-post-hot.sql" -D "tenant=$TENANT" -D "bdate=$BDATE" -D "hot=$HOT")"
log "  $(jq -c '{tps, latency_ms, failed}' <<<"$subj")"

r="$(ratio "$(jq .tps <<<"$subj")" "$(jq .tps <<<"$base")")"
jq -n --argjson base "$base" --argjson subj "$subj" --argjson r "$r" --argjson machine "$before" '{
  benchmark: "ledger-hot", target: "hot account >= 0.8x uniform, c=4",
  unit: "transactions/s (1 transaction = 1 posted entry of 2 lines)",
  baseline: ($base + {what: "uniform: Dr random wallet / Cr random wallet (of 10,000)"}),
  subject: ($subj + {what: "hot: Dr random wallet / Cr fee_income (is_hot, balance in 16 slots)"}),
  ratio: $r, target_ratio: 0.8, comparison: ">=",
  pass: ($r >= 0.8 and $subj.failed == 0 and $subj.aborted_clients == 0), machine: $machine}' | tee "$OUT/ledger-hot.json"
