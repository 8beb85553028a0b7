#!/usr/bin/env bash
# `npm test`: every test — unit and integration (Vitest, against real PostgreSQL), then the built
# console end to end in Chromium (Playwright) on PostgreSQL, then the embedded PGlite default.
# Ends with one line: tests: N passed, M failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export TZ=UTC
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
export NEXT_TELEMETRY_DISABLED=1
mkdir -p test-results
rm -f test-results/vitest.json test-results/e2e.json test-results/e2e-embedded.json
status=0

npm run -s generate || exit 1

echo "== unit and integration tests (Vitest, PostgreSQL at ${TEST_DATABASE_URL%%\?*})"
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json || status=1

if [ "${SKIP_E2E:-0}" != "1" ]; then
  echo "== building the console"
  if ! npx next build > test-results/build.log 2>&1; then
    tail -60 test-results/build.log
    echo "build failed"
    status=1
  else
    echo "== first-load JavaScript per route (gzip, budget 300 KiB)"
    node scripts/check-bundle-size.mjs | tail -n 1 || { node scripts/check-bundle-size.mjs | grep OVER; status=1; }
    echo "== end-to-end tests on PostgreSQL (Playwright, Chromium)"
    E2E_DATABASE_URL="$(node scripts/create-test-db.mjs e2e)" || exit 1
    export E2E_DATABASE_URL
    PLAYWRIGHT_JSON_OUTPUT_NAME=test-results/e2e.json npx playwright test --reporter=list,json || status=1
    node scripts/create-test-db.mjs --drop "$E2E_DATABASE_URL" || true

    echo "== end-to-end test of the embedded default (PGlite)"
    PLAYWRIGHT_JSON_OUTPUT_NAME=test-results/e2e-embedded.json npx playwright test -c playwright.embedded.config.ts --reporter=list,json || status=1
  fi
fi

node scripts/count-tests.mjs test-results/vitest.json test-results/e2e.json test-results/e2e-embedded.json || status=1
exit $status
