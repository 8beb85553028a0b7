#!/usr/bin/env bash
# Target 4: 100 entries per transaction >= 5x single postings (postings/s), c=4, zero deadlocks.
#   baseline: ledger-post-uniform.sql (one ledger_post_entry per transaction)
#   subject:  ledger-post-batch100.sql (ledger_post_entries with 100 uniform transfers per call)
#   also:     ledger-post-batch100-hot.sql (100 per call, every entry credits the hot fee_income)
# Deadlocks: pg_stat_database.deadlocks of the database before and after (and pgbench failures).
# Writes bench/out/ledger-batch.json; ratio = batch entries/s / single entries/s.
source "$(dirname "$0")/lib.sh"

log "ledger-batch: setting up"
make_ledger_db batch
before="$(machine)"
d0="$(deadlocks "$LDB")"

log "ledger-batch: single postings, c=$CLIENTS, ${SECS}s"
base="$(pgb "$LDB" "$BENCH_DIR/ledger-post-uniform.sql" -D "tenant=$TENANT" -D "bdate=$BDATE")"
log "  $(jq -c '{tps, latency_ms, failed}' <<<"$base")"
d1="$(deadlocks "$LDB")"
log "ledger-batch: 100 per transaction (uniform), c=$CLIENTS, ${SECS}s"
subj="$(pgb "$LDB" "$BENCH_DIR/ledger-post-batch100.sql" -D "tenant=$TENANT" -D "bdate=$BDATE")"
log "  $(jq -c '{tps, latency_ms, failed}' <<<"$subj")"
d2="$(deadlocks "$LDB")"
log "ledger-batch: 100 per transaction (hot fee_income), c=$CLIENTS, ${SECS}s"
hot="$(pgb "$LDB" "$BENCH_DIR/ledger-post-batch100-hot.sql" -D "tenant=$TENANT" -D "bdate=$BDATE" -D "hot=$HOT")"
log "  $(jq -c '{tps, latency_ms, failed}' <<<"$hot")"
d3="$(deadlocks "$LDB")"
posted="$(psql -X -At -d "$LDB" -c "SELECT count(*) FROM journal_entry WHERE kind LIKE 'bench.%'")"

single="$(jq .tps <<<"$base")"
batch="$(jq '.tps * 100' <<<"$subj")"
batch_hot="$(jq '.tps * 100' <<<"$hot")"
r="$(ratio "$batch" "$single")"
r_hot="$(ratio "$batch_hot" "$single")"
jq -n --argjson base "$base" --argjson subj "$subj" --argjson hot "$hot" --argjson r "$r" --argjson rh "$r_hot" \
  --argjson single "$single" --argjson batch "$batch" --argjson batch_hot "$batch_hot" --argjson posted "$posted" \
  --argjson d0 "$d0" --argjson d1 "$d1" --argjson d2 "$d2" --argjson d3 "$d3" --argjson machine "$before" '{
  benchmark: "ledger-batch", target: "100 entries per transaction >= 5x single postings (entries/s), c=4, 0 deadlocks",
  unit: "entries/s (each entry = 2 postings)",
  baseline: ($base + {what: "one ledger_post_entry per transaction", entries_per_s: $single, deadlocks: ($d1 - $d0)}),
  subject: ($subj + {what: "ledger_post_entries, 100 uniform transfers per call", entries_per_s: $batch, deadlocks: ($d2 - $d1)}),
  subject_hot: ($hot + {what: "ledger_post_entries, 100 entries per call crediting the hot fee_income", entries_per_s: $batch_hot,
                        deadlocks: ($d3 - $d2), ratio_vs_single: $rh}),
  entries_in_db: $posted, deadlocks_total: ($d3 - $d0),
  ratio: $r, target_ratio: 5, comparison: ">=",
  pass: ($r >= 5 and ($d3 - $d0) == 0 and $subj.failed == 0 and $subj.aborted_clients == 0 and $hot.failed == 0 and $hot.aborted_clients == 0),
  machine: $machine}' | tee "$OUT/ledger-batch.json"
