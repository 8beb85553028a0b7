import { defineConfig } from "vitest/config";
import path from "node:path";

export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["**/*.test.ts", "**/*.test.tsx"],
    exclude: ["node_modules/**", "e2e/**", ".next/**", ".data/**"],
    environment: "node",
    // Integration tests share one PostgreSQL server; each file makes its own database.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ["./server/testing/global-setup.ts"],
    // Webhook tests deliver to receivers on 127.0.0.1, which the address guard refuses without the flag.
    env: { TZ: "UTC", NODE_ENV: "test", SWITCHYARD_WEBHOOK_ALLOW_LOOPBACK: "1" },
  },
});
