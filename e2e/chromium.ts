import type { LaunchOptions } from "@playwright/test";

// The system Chromium (never `npx playwright install` here), shared by both Playwright configs.
export const CHROMIUM_LAUNCH_OPTIONS: LaunchOptions = {
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
};
