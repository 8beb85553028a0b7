# Shared helpers for bench/ledger-*.sh (sourced, not run). Benchmarks, not tests: each script makes
# its own databases, drops them on exit, runs its baseline in the same run and writes
# bench/out/<name>.json. Settings (environment):
#   BENCH_SECONDS  seconds per measured pgbench / Node run (default 10)
#   BENCH_CLIENTS  concurrent connections (default 4, the targets' c=4)
#   PGHOST PGPORT PGUSER  the PostgreSQL server (default 127.0.0.1:5432, postgres; trust auth)
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
OUT="$BENCH_DIR/out"
mkdir -p "$OUT"
SECS="${BENCH_SECONDS:-10}"
CLIENTS="${BENCH_CLIENTS:-4}"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
# bench/ledger-setup.ts makes its database through server/testing/db.ts, which reads this.
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgresql://$PGUSER@$PGHOST:$PGPORT/postgres}"
export TZ=UTC
BDATE="2026-11-27"
# One id per bench/run-all.sh run (each script alone gets its own), recorded in every JSON.
export BENCH_RUN_ID="${BENCH_RUN_ID:-$(date -u +%Y%m%dT%H%M%SZ)-$$}"

_BENCH_DBS=()
_bench_cleanup() {
  local d
  for d in "${_BENCH_DBS[@]}"; do
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$d\" WITH (FORCE)" >/dev/null 2>&1 || echo "could not drop database $d" >&2
  done
}
trap _bench_cleanup EXIT

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# make_plain_db <label>: an empty throwaway database; sets PLAIN_DB.
make_plain_db() {
  PLAIN_DB="bench_$1_$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  psql -X -q -d postgres -c "CREATE DATABASE \"$PLAIN_DB\"" >/dev/null
  _BENCH_DBS+=("$PLAIN_DB")
}

# make_ledger_db <label>: a migrated database with one tenant and 10,000 funded wallets
# (bench/ledger-setup.ts); sets LDB, LURL, TENANT, HOT (the tenant's hot fee_income account) and
# BANK (customer_funds_bank, not hot).
make_ledger_db() {
  local json err
  err="$(mktemp)"
  if ! json="$(cd "$ROOT" && npx tsx bench/ledger-setup.ts "$1" 2>"$err" | tail -n 1)" || [ -z "$json" ]; then
    cat "$err" >&2
    rm -f "$err"
    echo "ledger setup failed" >&2
    return 1
  fi
  rm -f "$err"
  LDB="$(jq -r .db <<<"$json")"
  _BENCH_DBS+=("$LDB")
  LURL="$(jq -r .url <<<"$json")"
  TENANT="$(jq -r .tenantId <<<"$json")"
  HOT="$(jq -r .hotAccountId <<<"$json")"
  BANK="$(jq -r .bankAccountId <<<"$json")"
}

# deadlocks <db>: pg_stat_database.deadlocks (backends report at exit; pgbench has disconnected).
deadlocks() {
  sleep 1
  psql -X -At -d postgres -c "SELECT pg_stat_clear_snapshot(); SELECT deadlocks FROM pg_stat_database WHERE datname = '$1'" | tail -n 1
}

# pgb <db> <script> [pgbench options...]: runs pgbench -n -M prepared -T $SECS -c $CLIENTS -j 2 and
# prints a JSON object: tps, latency_ms, transactions, failed, aborted_clients, errors (first lines).
pgb() {
  local db="$1" script="$2" out
  shift 2
  out="$(pgbench -n -M prepared -T "$SECS" -c "$CLIENTS" -j 2 "$@" -f "$script" "$db" 2>&1)" || true
  local tps lat tx failed aborted errors
  tps="$(awk '/^tps = /{print $3}' <<<"$out" | tail -n 1)"
  lat="$(awk '/^latency average = /{print $4}' <<<"$out")"
  tx="$(awk -F': ' '/^number of transactions actually processed/{split($2, a, "/"); print a[1]}' <<<"$out")"
  failed="$(awk '/^number of failed transactions/{print $5}' <<<"$out")"
  aborted="$(grep -c 'aborted in command' <<<"$out" || true)"
  errors="$(grep -E 'error|ERROR' <<<"$out" | head -n 3 || true)"
  jq -n --arg script "$(basename "$script")" --arg tps "${tps:-0}" --arg lat "${lat:-0}" --arg tx "${tx:-0}" \
    --arg failed "${failed:-0}" --arg aborted "$aborted" --arg errors "$errors" --arg clients "$CLIENTS" --arg secs "$SECS" \
    '{script: $script, clients: ($clients | tonumber), seconds: ($secs | tonumber), tps: ($tps | tonumber),
      latency_ms: ($lat | tonumber), transactions: ($tx | tonumber), failed: ($failed | tonumber),
      aborted_clients: ($aborted | tonumber), errors: (if $errors == "" then [] else ($errors | split("\n")) end)}'
}

# ratio <a> <b>: a / b with 3 decimals (0 when b is 0).
ratio() { jq -n --arg a "$1" --arg b "$2" '($a | tonumber) as $a | ($b | tonumber) as $b | if $b == 0 then 0 else (($a / $b) * 1000 | round) / 1000 end'; }

# machine: what the run shared the machine with (the figures are only comparable within one run).
machine() {
  jq -n --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --arg cpus "$(nproc)" --arg pg "$(psql -X -At -d postgres -c 'SHOW server_version')" \
    --arg at "$(date -u +%FT%TZ)" --arg run "$BENCH_RUN_ID" '{run_id: $run, at: $at, cpus: ($cpus | tonumber), loadavg: $load, postgres: $pg}'
}
