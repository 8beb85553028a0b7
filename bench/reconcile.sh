#!/usr/bin/env bash
# Reconciling a day's statement as the app does it, against one set-based SQL statement over the
# same rows (see bench/reconcile.ts). Needs PostgreSQL (TEST_DATABASE_URL, default
# 127.0.0.1:5432) and the generated Prisma client. BENCH_RECON_LINES (default 100000),
# BENCH_RECON_MODE=DIRECT|CUSTODIAL. Writes bench/out/reconcile.json and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
export TZ=UTC
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
npx tsx bench/reconcile.ts | tail -n 1
