#!/usr/bin/env bash
# Payment creation through the merchant API route vs a bare node:http server (open loop at
# BENCH_RATE, default 200 req/s, and at BENCH_LOW_RATE, default 40), and Idempotency-Key vs the
# same route without key handling (closed loop). Makes and drops its own database. Writes
# bench/out/payments.json and prints it. BENCH_SECONDS (default 10) per measured phase.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
export TZ=UTC
export BENCH_RUN_ID="${BENCH_RUN_ID:-$(date -u +%Y%m%dT%H%M%SZ)-$$}"
npx tsx bench/payments.ts | tail -n 1
