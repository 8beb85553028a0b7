#!/usr/bin/env bash
# WHAT-IF (not a target, not run by run-all.sh): how far the prototype in
# whatif-ledger-post-entry-arrays.sql (installed into this script's own throwaway database only)
# moves targets 1-4, all in one run: one-row INSERT, ledger_post_entry (as migrated), the prototype
# on uniform and hot accounts, 100-per-call batches through the prototype, and then (the prototype
# renamed to ledger_post_entry in that database) pgbench vs the unchanged service layer.
# Writes bench/out/ledger-whatif.json.
source "$(dirname "$0")/lib.sh"

log "ledger-whatif: setting up"
make_plain_db ins
psql -X -q -d "$PLAIN_DB" -f "$BENCH_DIR/baseline-schema.sql" >/dev/null 2>&1
make_ledger_db whatif
psql -X -q -d "$LDB" -f "$BENCH_DIR/whatif-ledger-post-entry-arrays.sql" >/dev/null
tmp="$(mktemp -d)"
trap '_bench_cleanup; rm -rf "$tmp"' EXIT
for s in ledger-post-uniform ledger-post-hot; do
  sed 's/ledger_post_entry(/ledger_post_entry_arrays(/' "$BENCH_DIR/$s.sql" > "$tmp/$s-arrays.sql"
done
for s in ledger-post-batch100 ledger-post-batch100-hot; do
  sed 's/ledger_post_entries(/ledger_post_entries_arrays(/' "$BENCH_DIR/$s.sql" > "$tmp/$s-arrays.sql"
done
before="$(machine)"
D=(-D "tenant=$TENANT" -D "bdate=$BDATE" -D "hot=$HOT")
d0="$(deadlocks "$LDB")"
log "ledger-whatif: INSERT";                 ins="$(pgb "$PLAIN_DB" "$BENCH_DIR/baseline-ins.sql")"
log "ledger-whatif: migrated, uniform";      orig="$(pgb "$LDB" "$BENCH_DIR/ledger-post-uniform.sql" "${D[@]}")"
log "ledger-whatif: arrays, uniform";        uni="$(pgb "$LDB" "$tmp/ledger-post-uniform-arrays.sql" "${D[@]}")"
log "ledger-whatif: arrays, hot";            hot="$(pgb "$LDB" "$tmp/ledger-post-hot-arrays.sql" "${D[@]}")"
log "ledger-whatif: arrays, batch100";       b="$(pgb "$LDB" "$tmp/ledger-post-batch100-arrays.sql" "${D[@]}")"
log "ledger-whatif: arrays, batch100 hot";   bh="$(pgb "$LDB" "$tmp/ledger-post-batch100-hot-arrays.sql" "${D[@]}")"
d1="$(deadlocks "$LDB")"
# Target 2 with the prototype: in this throwaway database only, the prototype takes the name
# ledger_post_entry, so the unchanged service layer calls it.
psql -X -q -d "$LDB" -c "ALTER FUNCTION ledger_post_entry(jsonb) RENAME TO ledger_post_entry_migrated" \
  -c "ALTER FUNCTION ledger_post_entry_arrays(jsonb) RENAME TO ledger_post_entry" >/dev/null
log "ledger-whatif: arrays as ledger_post_entry, pgbench";  sqlfn="$(pgb "$LDB" "$BENCH_DIR/ledger-post-uniform.sql" "${D[@]}")"
log "ledger-whatif: arrays as ledger_post_entry, service layer"
svc="$(cd "$ROOT" && DATABASE_URL="$LURL" BENCH_TENANT="$TENANT" BENCH_BDATE="$BDATE" BENCH_SECONDS="$SECS" BENCH_CLIENTS="$CLIENTS" \
  npx tsx bench/ledger-service.ts | tail -n 1)"
jq -n --argjson ins "$ins" --argjson orig "$orig" --argjson uni "$uni" --argjson hot "$hot" --argjson b "$b" --argjson bh "$bh" \
  --argjson sqlfn "$sqlfn" --argjson svc "$svc" \
  --argjson dl "$((d1 - d0))" --argjson machine "$before" '
  def r(a; b): if b == 0 then 0 else ((a / b) * 1000 | round) / 1000 end;
  {benchmark: "ledger-whatif", note: "prototype ledger_post_entry_arrays, NOT the migration; throwaway database",
   insert_tps: $ins.tps, migrated_uniform_tps: $orig.tps, arrays_uniform_tps: $uni.tps, arrays_hot_tps: $hot.tps,
   arrays_batch100_entries_per_s: ($b.tps * 100), arrays_batch100_hot_entries_per_s: ($bh.tps * 100), deadlocks: $dl,
   target1_migrated: r($orig.tps; $ins.tps), target1_arrays: r($uni.tps; $ins.tps),
   target3_arrays: r($hot.tps; $uni.tps), target4_arrays: r($b.tps * 100; $uni.tps), target4_arrays_hot: r($bh.tps * 100; $uni.tps),
   arrays_sqlfn_tps: $sqlfn.tps, arrays_service_tps: $svc.tps, target2_arrays: r($svc.tps; $sqlfn.tps),
   runs: {insert: $ins, migrated_uniform: $orig, arrays_uniform: $uni, arrays_hot: $hot, arrays_batch100: $b, arrays_batch100_hot: $bh,
          arrays_sqlfn: $sqlfn, arrays_service: $svc},
   machine: $machine}' | tee "$OUT/ledger-whatif.json"
