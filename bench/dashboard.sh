#!/usr/bin/env bash
# The dashboard and list pages at 1,000,000 payments: businessDashboard's server time vs a scan
# of payments, and the payments list's keyset query at depth vs OFFSET, same run. Needs
# PostgreSQL (TEST_DATABASE_URL, default 127.0.0.1:5432) and the generated Prisma client.
# Writes bench/out/dashboard.json and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out
export TZ=UTC
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
export BENCH_RUN_ID="${BENCH_RUN_ID:-$(date -u +%Y%m%dT%H%M%SZ)-$$}"
npx tsx bench/dashboard.ts | tail -n 1
