import { expect, test } from "@playwright/test";
import { HUIYUN, L, NORTHWIND, createUser, huiyunOwner, signIn } from "./fixtures";

// Each tenant has a default language; anyone can switch, and the choice sticks.

test.describe("languages", () => {
  test("the login page speaks the tenant's default language", async ({ page }) => {
    await page.goto(`${HUIYUN.host}/login`);
    await expect(page.locator("html")).toHaveAttribute("lang", "zh-CN");
    await expect(page.getByRole("button", { name: "登录", exact: true })).toBeVisible();
    await expect(page.getByLabel(/^邮箱/)).toBeVisible();

    await page.goto(`${NORTHWIND.host}/login`);
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
    await expect(page.getByLabel(/^Email/)).toBeVisible();
  });

  test("switching the language on the login page", async ({ page }) => {
    await page.goto(`${NORTHWIND.host}/login`);
    await page.getByRole("combobox", { name: "Language" }).selectOption("zh-CN");
    await expect(page.getByRole("button", { name: "登录", exact: true })).toBeVisible();
    await expect(page.getByTestId("login-title")).toHaveText("北风支付控制台");
    await page.reload();
    await expect(page.getByRole("button", { name: "登录", exact: true })).toBeVisible();
  });

  test("switching the language in the console changes the UI and survives a reload", async ({ page }) => {
    const user = await createUser(HUIYUN.host, huiyunOwner, "OPERATIONS");
    await signIn(page, HUIYUN.host, user.email, user.password);
    const nav = page.getByRole("navigation");
    await expect(nav.getByRole("link", { name: "商户", exact: true })).toBeVisible();

    await page.getByRole("combobox", { name: L.language }).selectOption("en");
    await expect(nav.getByRole("link", { name: "Merchants", exact: true })).toBeVisible();
    await expect(nav.getByRole("link", { name: "商户", exact: true })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();

    await page.reload();
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await expect(nav.getByRole("link", { name: "Merchants", exact: true })).toBeVisible();
    await page.goto(`${HUIYUN.host}/merchants`);
    await expect(page.getByRole("heading", { level: 1, name: "Merchants" })).toBeVisible();

    await page.getByRole("combobox", { name: L.language }).selectOption("zh-CN");
    await expect(nav.getByRole("link", { name: "商户", exact: true })).toBeVisible();
    await page.reload();
    await expect(page.getByRole("heading", { level: 1, name: "商户" })).toBeVisible();
  });
});
