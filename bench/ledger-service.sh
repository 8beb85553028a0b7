#!/usr/bin/env bash
# Target 2: postings through the service layer >= 0.25x the bare SQL function, c=4, same run.
#   baseline: ledger-post-uniform.sql via pgbench (the SQL-function figure of target 1b), measured
#             here against the same database just before the subject
#   subject:  ledger-service.ts: BENCH_CLIENTS concurrent loops of withTenantTx → postEntry(walletTransfer)
#             (Prisma interactive transaction + resolveAccounts + ledger_post_entry via $queryRaw)
# Both spend the same BENCH_SECONDS. Writes bench/out/ledger-service.json; ratio = service / SQL.
source "$(dirname "$0")/lib.sh"

log "ledger-service: setting up"
make_ledger_db service
before="$(machine)"

log "ledger-service: baseline, ledger_post_entry via pgbench, c=$CLIENTS, ${SECS}s"
base="$(pgb "$LDB" "$BENCH_DIR/ledger-post-uniform.sql" -D "tenant=$TENANT" -D "bdate=$BDATE")"
log "  $(jq -c '{tps, latency_ms, failed}' <<<"$base")"
log "ledger-service: postEntry through withTenantTx (tsx), $CLIENTS loops, ${SECS}s"
subj="$(cd "$ROOT" && DATABASE_URL="$LURL" BENCH_TENANT="$TENANT" BENCH_BDATE="$BDATE" BENCH_SECONDS="$SECS" BENCH_CLIENTS="$CLIENTS" \
  npx tsx bench/ledger-service.ts | tail -n 1)"
log "  $(jq -c '{tps, latency_ms, p99_ms, errors}' <<<"$subj")"

r="$(ratio "$(jq .tps <<<"$subj")" "$(jq .tps <<<"$base")")"
# Also against target 1b's figure when ledger-post.sh ran earlier in the same run-all run.
post1b=null
if [ -f "$OUT/ledger-post.json" ] && [ "$(jq -r .machine.run_id "$OUT/ledger-post.json")" = "$BENCH_RUN_ID" ]; then
  post1b="$(jq .subject.tps "$OUT/ledger-post.json")"
fi
jq -n --argjson base "$base" --argjson subj "$subj" --argjson r "$r" --argjson machine "$before" --argjson post1b "$post1b" '{
  benchmark: "ledger-service", target: "postEntry through the service layer >= 0.25x ledger_post_entry via pgbench, c=4",
  unit: "postings/s (1 posting = 1 entry of 2 lines in its own transaction)",
  baseline: ($base + {what: "pgbench: BEGIN; set_config; ledger_post_entry; COMMIT"}),
  subject: ($subj + {what: "Node (tsx): withTenantTx -> postEntry(walletTransfer) -> $queryRaw ledger_post_entry"}),
  ledger_post_1b_tps: $post1b,
  ratio_vs_1b: (if $post1b == null or $post1b == 0 then null else (($subj.tps / $post1b) * 1000 | round) / 1000 end),
  ratio: $r, target_ratio: 0.25, comparison: ">=",
  pass: ($r >= 0.25 and $subj.errors == 0), machine: $machine}' | tee "$OUT/ledger-service.json"
