import { expect, test } from "@playwright/test";

// The embedded default (`npm start` with no DATABASE_URL): PGlite starts, migrations and demo data
// apply, and the console works end to end on it.

const HOST = "http://huiyun.localhost:3101";

test("the demo tenant works on the embedded database", async ({ page, request }) => {
  const health = await request.get("http://127.0.0.1:3101/api/health");
  expect(health.status()).toBe(200);
  expect(await health.json()).toEqual({ status: "ok" });

  await page.goto(`${HOST}/login`);
  await expect(page.getByTestId("login-title")).toHaveText("汇云刷脸服务平台");
  await page.getByLabel(/^(Email|邮箱)/).fill("owner@huiyun.demo");
  await page.getByLabel(/^(Password|密码)/).fill("Demo-password-1");
  await page.getByRole("button", { name: /^(Sign in|登录)$/ }).click();

  await page.waitForURL(`${HOST}/`);
  await expect(page.getByTestId("brand-name")).toHaveText("汇云刷脸服务平台");
  // The three seeded merchants, counted through the app role under row-level security.
  await expect(page.getByTestId("stat-merchants")).toHaveText("3");
});
