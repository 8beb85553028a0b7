import { defineConfig } from "@playwright/test";
import { SHARED_RUN_SETTINGS } from "./e2e/chromium";

// End-to-end tests of the built console on PostgreSQL. scripts/test-all.sh creates a throwaway
// database and exports its URL; the launcher migrates it, seeds the demo tenants and runs
// `next start`. Every spec creates the data it changes (its own tenant, users, merchants), so the
// specs can run in any order against one server.

const databaseUrl = process.env.E2E_DATABASE_URL;
const E2E_PORT = Number(process.env.E2E_PORT ?? 3100);
if (!databaseUrl) {
  throw new Error(
    "E2E_DATABASE_URL is not set. The e2e suite needs a throwaway PostgreSQL database:\n" +
      "  export E2E_DATABASE_URL=\"$(node scripts/create-test-db.mjs e2e)\"\n" +
      "  npx playwright test\n" +
      "  node scripts/create-test-db.mjs --drop \"$E2E_DATABASE_URL\"\n" +
      "(`npm test` does all of this.)",
  );
}

export default defineConfig({
  testDir: "e2e",
  testIgnore: "e2e/embedded/**",
  // Not the default "test-results": Playwright empties its output folder before a run, and
  // scripts/test-all.sh keeps the Vitest report and the build log in test-results/.
  outputDir: "test-results/e2e",
  ...SHARED_RUN_SETTINGS,
  fullyParallel: false,
  webServer: {
    command: "npx tsx scripts/launch.ts",
    env: {
      DATABASE_URL: databaseUrl,
      PORT: String(E2E_PORT),
      SWITCHYARD_DATA_DIR: "test-results/e2e-data",
      SWITCHYARD_JOBS: "on",
      // Webhooks in the specs go to receivers on 127.0.0.1 (the address guard refuses loopback otherwise).
      SWITCHYARD_WEBHOOK_ALLOW_LOOPBACK: "1",
      NEXT_TELEMETRY_DISABLED: "1",
    },
    url: `http://127.0.0.1:${E2E_PORT}/api/health`,
    reuseExistingServer: false,
    timeout: 180_000,
    // The launcher stops Next and closes its database connections on SIGTERM.
    gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
  },
});
