#!/usr/bin/env bash
# Merchant webhook delivery: deliveries/s with publishing running (target >= 1,000/s) and the p99 of
# commit -> first attempt at a steady 1,000 events/s (target <= 1 s), to a bare node:http receiver
# on 127.0.0.1; baseline: the same receiver hit by a bare loop of fetch() with the drainer's
# concurrency, same run. Needs PostgreSQL (TEST_DATABASE_URL, default 127.0.0.1:5432 postgres) and
# the generated Prisma client. Writes bench/out/webhooks.json and prints it. BENCH_WEBHOOKS
# (default 5000) events per phase; BENCH_WEBHOOK_RATE (default 1000) for the latency phase.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
export TZ=UTC
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgresql://${PGUSER:-postgres}@${PGHOST:-127.0.0.1}:${PGPORT:-5432}/postgres}"
export BENCH_RUN_ID="${BENCH_RUN_ID:-$(date -u +%Y%m%dT%H%M%SZ)-$$}"
npx tsx bench/webhooks.ts | tail -n 1
