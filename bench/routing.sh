#!/usr/bin/env bash
# Routing decision latency: subject route() on a compiled configuration vs the uncompiled scan,
# same run, 200 accounts / 1,000 registrations / 100 rules. No database needed. Writes
# bench/out/routing.json and prints it. BENCH_DECISIONS (default 20000) per side.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
export TZ=UTC
export BENCH_RUN_ID="${BENCH_RUN_ID:-$(date -u +%Y%m%dT%H%M%SZ)-$$}"
npx tsx bench/routing.ts | tail -n 1
