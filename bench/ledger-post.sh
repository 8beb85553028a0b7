#!/usr/bin/env bash
# Target 1: posting on uniform accounts >= 0.45x a one-row INSERT, both at c=4, in the same run.
#   baseline: baseline-ins.sql (one-row autocommit INSERT, copied from the reference) on a throwaway
#             database loaded with baseline-schema.sql
#   subject:  ledger-post-uniform.sql (ledger_post_entry, 2-line transfer between random wallets of
#             10,000, role + tenant bound per transaction) on a migrated database (ledger-setup.ts)
# Writes bench/out/ledger-post.json; ratio = subject tps / baseline tps.
source "$(dirname "$0")/lib.sh"

log "ledger-post: setting up"
make_plain_db ins
psql -X -q -d "$PLAIN_DB" -f "$BENCH_DIR/baseline-schema.sql" >/dev/null 2>&1
make_ledger_db post
before="$(machine)"

log "ledger-post: baseline one-row INSERT, c=$CLIENTS, ${SECS}s"
base="$(pgb "$PLAIN_DB" "$BENCH_DIR/baseline-ins.sql")"
log "  $(jq -c '{tps, latency_ms, failed}' <<<"$base")"
log "ledger-post: ledger_post_entry uniform, c=$CLIENTS, ${SECS}s"
subj="$(pgb "$LDB" "$BENCH_DIR/ledger-post-uniform.sql" -D "tenant=$TENANT" -D "bdate=$BDATE")"
log "  $(jq -c '{tps, latency_ms, failed}' <<<"$subj")"

r="$(ratio "$(jq .tps <<<"$subj")" "$(jq .tps <<<"$base")")"
jq -n --argjson base "$base" --argjson subj "$subj" --argjson r "$r" --argjson machine "$before" '{
  benchmark: "ledger-post", target: "ledger_post_entry, uniform accounts, c=4 >= 0.45x one-row INSERT",
  unit: "transactions/s (1 transaction = 1 posted entry of 2 lines)",
  baseline: ($base + {what: "one-row INSERT, autocommit (reference ins.sql)"}),
  subject: ($subj + {what: "BEGIN; set_config role+tenant; ledger_post_entry 2-line transfer, 10,000 wallets; COMMIT"}),
  ratio: $r, target_ratio: 0.45, comparison: ">=",
  pass: ($r >= 0.45 and $subj.failed == 0 and $subj.aborted_clients == 0), machine: $machine}' | tee "$OUT/ledger-post.json"
