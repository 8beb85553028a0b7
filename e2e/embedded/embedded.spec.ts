import { expect, test } from "@playwright/test";

// The embedded default (`npm start` with no DATABASE_URL): PGlite starts, migrations and demo data
// apply, the demo device fleet activates and heartbeats through the device API, and the console
// works end to end on it while the fleet runs (they share PGlite's one connection at a time).

const HOST = "http://huiyun.localhost:3101";

test("the demo tenant works on the embedded database", async ({ page, request }) => {
  test.setTimeout(180_000); // the fleet starts once the app answers and activates its devices one by one
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

  // The demo fleet: five devices activated through /api/device/v1 and reporting in.
  await page.goto(`${HOST}/devices`);
  const rows = page.getByTestId("devices-table").locator("tr[data-serial^='DEMO']");
  await expect(async () => {
    await page.reload();
    await expect(rows).toHaveCount(5, { timeout: 1000 });
    await expect(rows.locator("[data-online='true']")).toHaveCount(5, { timeout: 1000 });
  }).toPass({ timeout: 90_000 });
  await page.goto(`${HOST}/`);
  await expect(page.getByTestId("stat-merchants")).toHaveText("3");
});
