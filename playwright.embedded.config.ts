import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { defineConfig } from "@playwright/test";
import { SHARED_RUN_SETTINGS } from "./e2e/chromium";

// The embedded default: `npm start` with no DATABASE_URL starts PGlite in the data folder,
// migrates, seeds and serves. Each run gets a fresh data folder so the seed runs from scratch.

const RESULTS = path.resolve(import.meta.dirname, "test-results");

// The config is loaded again in every worker process; the folder is chosen once, in the runner,
// and handed down through the environment (workers inherit it). Only the runner tidies up the
// folders of earlier runs, whose servers have stopped.
function embeddedDataDir(): string {
  const chosen = process.env.SWITCHYARD_E2E_EMBEDDED_DIR;
  if (chosen) return chosen;
  for (const entry of safeReaddir(RESULTS)) {
    if (entry.startsWith("embedded-data-")) rmSync(path.join(RESULTS, entry), { recursive: true, force: true });
  }
  const fresh = path.join(RESULTS, `embedded-data-${Date.now()}`);
  process.env.SWITCHYARD_E2E_EMBEDDED_DIR = fresh;
  return fresh;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const dataDir = embeddedDataDir();

// Playwright starts the web server with { ...process.env, ...webServer.env }, so leaving a key out
// of webServer.env is not enough to unset it: the database URLs are overridden with "" (the
// launcher treats an empty DATABASE_URL as unset and starts PGlite).
const serverEnv: Record<string, string> = {};
for (const [k, v] of Object.entries(process.env)) {
  if (v !== undefined && k !== "DATABASE_URL" && k !== "E2E_DATABASE_URL") serverEnv[k] = v;
}

export default defineConfig({
  testDir: "e2e/embedded",
  outputDir: "test-results/e2e-embedded",
  ...SHARED_RUN_SETTINGS,
  webServer: {
    command: "npx tsx scripts/launch.ts",
    env: {
      ...serverEnv,
      DATABASE_URL: "",
      E2E_DATABASE_URL: "",
      SWITCHYARD_DB_PORT: "0",
      PORT: "3101",
      SWITCHYARD_DATA_DIR: dataDir,
      NEXT_TELEMETRY_DISABLED: "1",
    },
    url: "http://127.0.0.1:3101/api/health",
    reuseExistingServer: false,
    timeout: 240_000,
    // SIGTERM lets the launcher stop Next and then close PGlite cleanly.
    gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
  },
});
