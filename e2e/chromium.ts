import type { LaunchOptions } from "@playwright/test";

// The system Chromium (never `npx playwright install` here), shared by both Playwright configs.
export const CHROMIUM_LAUNCH_OPTIONS: LaunchOptions = {
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
};

// What both configs run with: one worker (one app process serves every test), no retries,
// the same timeouts and failure artefacts.
export const SHARED_RUN_SETTINGS = {
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  forbidOnly: true,
  use: {
    launchOptions: CHROMIUM_LAUNCH_OPTIONS,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
  },
} as const;
