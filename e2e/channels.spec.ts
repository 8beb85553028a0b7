import { randomInt } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { withCheckChar } from "../server/core/merchants/credit-code";
import { L, asUser, createTenant, signIn, uniqueId, type Api, type TestTenant } from "./fixtures";

// Channel accounts, registrations and merchant fees, each test in a fresh provider: a channel
// account or a changed default fee in a demo tenant would change how its payments route and
// what they cost in every other spec. A fresh provider starts with a sandbox account, the default
// products and a 0.38% default fee per product.

const CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

function randomCode17(): string {
  const pick = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join("");
  return `91${pick("0123456789", 6)}${pick(CODE_ALPHABET, 9)}`;
}

async function ownerApi<T>(tenant: TestTenant, fn: (api: Api) => Promise<T>): Promise<T> {
  return asUser(tenant.host, tenant.ownerEmail, tenant.ownerPassword, fn);
}

/** A merchant onboarded through the API (it is registered at the provider's default sandbox account then). */
async function createMerchant(tenant: TestTenant): Promise<{ id: string; shortName: string }> {
  const shortName = `Tea ${uniqueId()}`;
  return ownerApi(tenant, async (api) => {
    const r = await api.mutation<{ id: string }>("merchants.create", {
      legalName: `Hangzhou ${shortName} Catering Co., Ltd.`,
      shortName,
      creditCode: withCheckChar(randomCode17()),
      legalRepresentative: "Wang Wei",
      mcc: "5814",
      contactName: "Wang Wei",
      contactPhone: "+86 138 0000 0001",
    });
    expect(r.status, JSON.stringify(r.error)).toBe(200);
    return { id: r.data?.id ?? "", shortName };
  });
}

async function createSandboxAccount(tenant: TestTenant, name: string): Promise<{ id: string; name: string }> {
  return ownerApi(tenant, async (api) => {
    const r = await api.mutation<{ id: string }>("channels.create", { channelType: "SANDBOX", name, params: {}, credentials: {} });
    expect(r.status, JSON.stringify(r.error)).toBe(200);
    return { id: r.data?.id ?? "", name };
  });
}

const nav = (page: Page, name: string) => page.getByRole("navigation").getByRole("link", { name, exact: true });

test.describe("channels", () => {
  test("an owner adds a sandbox channel account, fixes a bad limit, edits its settings and adds a credential version", async ({ page }) => {
    const tenant = await createTenant({ locale: "en" });
    const name = `Sandbox ${uniqueId()}`;
    const secret = `sbx-secret-${uniqueId()}`;

    await signIn(page, tenant.host, tenant.ownerEmail, tenant.ownerPassword);
    await nav(page, "Channels").click();
    await expect(page.getByRole("heading", { level: 1, name: "Channels" })).toBeVisible();
    await page.getByRole("link", { name: "New channel account" }).first().click();
    await expect(page).toHaveURL(`${tenant.host}/channels/new`);

    const box = (label: string) => page.getByRole("textbox", { name: label, exact: true });
    const channelType = page.getByRole("combobox", { name: "Channel", exact: true });
    await expect(async () => {
      await channelType.selectOption("SANDBOX");
      await expect(channelType).toHaveValue("SANDBOX", { timeout: 1000 });
      await expect(box("Minimum per payment (¥)")).toBeVisible({ timeout: 1000 });
    }).toPass();
    await box("Name").fill(name);
    await box("Minimum per payment (¥)").fill("100");
    await box("Maximum per payment (¥)").fill("50");
    await box("Channel cost rate").fill("0.25");

    // The server refuses a maximum below the minimum, next to the field, and nothing is created.
    await page.getByRole("button", { name: "Create", exact: true }).click();
    await expect(box("Maximum per payment (¥)")).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByText("The maximum is below the minimum", { exact: true })).toBeVisible();
    await expect(page).toHaveURL(`${tenant.host}/channels/new`);

    await box("Maximum per payment (¥)").fill("5000");
    await page.getByRole("button", { name: "Create", exact: true }).click();
    await page.waitForURL(/\/channels\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
    await expect(page.getByTestId("setting-per-transaction")).toHaveText("¥100.00 – ¥5,000.00");
    await expect(page.getByTestId("setting-cost-rate")).toHaveText("0.25%");

    // Settings: a new priority.
    await page.getByRole("button", { name: "Edit settings" }).click();
    const settings = page.getByRole("dialog", { name: "Edit settings" });
    await settings.getByRole("textbox", { name: "Priority", exact: true }).fill("20");
    await settings.getByRole("button", { name: "Save", exact: true }).click();
    await expect(settings).toBeHidden();
    await expect(page.getByTestId("setting-priority")).toHaveText("20");

    // Credentials: version 2 with a parameter and a secret; the secret is never shown, only its key.
    await page.getByRole("tab", { name: "Credentials" }).click();
    await expect(page.getByTestId("version-1")).toContainText("Current");
    await page.getByRole("button", { name: "New version" }).click();
    const version = page.getByRole("dialog", { name: "New version" });
    await version.getByRole("textbox", { name: /^Statement fee rate/ }).fill("5000");
    const secretInput = version.getByLabel("Notification signing secret");
    await expect(secretInput).toHaveAttribute("type", "password");
    await expect(secretInput).toHaveValue("");
    await secretInput.fill(secret);
    await version.getByRole("textbox", { name: "Note", exact: true }).fill("e2e rotation");
    await version.getByRole("button", { name: "Create version" }).click();
    await expect(version).toBeHidden();
    const v2 = page.getByTestId("version-2");
    await expect(v2).toContainText("Current");
    await expect(v2).toContainText("feeRatePpm");
    await expect(v2).toContainText("5000");
    await expect(v2).toContainText("notifySecret");
    await expect(v2).toContainText("e2e rotation");
    await expect(page.getByTestId("version-1")).not.toContainText("Current");
    expect(await page.content()).not.toContain(secret);

    // The new version's dialog starts from the current parameters, with the secret blank again.
    await page.getByRole("button", { name: "New version" }).click();
    const again = page.getByRole("dialog", { name: "New version" });
    await expect(again.getByRole("textbox", { name: /^Statement fee rate/ })).toHaveValue("5000");
    await expect(again.getByLabel("Notification signing secret")).toHaveValue("");
    await again.getByRole("button", { name: "Cancel" }).click();
    await expect(again).toBeHidden();

    // The list shows it with its health and new priority.
    await nav(page, "Channels").click();
    const row = page.getByRole("row", { name: new RegExp(name) });
    await expect(row.getByRole("link", { name, exact: true })).toBeVisible();
    await expect(row).toContainText("Sandbox");
    await expect(row).toContainText("Healthy");
    await expect(row).toContainText("Enabled");
    await expect(row.getByRole("cell", { name: "20", exact: true })).toBeVisible();
  });

  test("a merchant is registered at a channel account, and a merchant fee shows its worked example", async ({ page }) => {
    const tenant = await createTenant({ locale: "en" });
    const merchant = await createMerchant(tenant);
    const account = await createSandboxAccount(tenant, `Acquirer ${uniqueId()}`);
    const subMchId = `SBX${randomInt(10_000_000, 99_999_999)}`;

    await signIn(page, tenant.host, tenant.ownerEmail, tenant.ownerPassword);
    await nav(page, "Registrations").click();
    await expect(page.getByRole("heading", { level: 1, name: "Channel registrations" })).toBeVisible();
    await page.getByRole("button", { name: "New registration" }).click();
    const dialog = page.getByRole("dialog", { name: "New registration" });
    await dialog.getByRole("combobox", { name: "Merchant", exact: true }).selectOption({ label: merchant.shortName });
    await dialog.getByRole("combobox", { name: "Channel account", exact: true }).selectOption(account.id);
    await dialog.getByRole("textbox", { name: "Sub-merchant ID (sub_mchid)", exact: true }).fill(subMchId);
    await dialog.getByRole("combobox", { name: "Status", exact: true }).selectOption("ACTIVE");
    await dialog.getByRole("textbox", { name: "Channel rate", exact: true }).fill("0.3");
    await dialog.getByRole("button", { name: "Create", exact: true }).click();
    await expect(dialog).toBeHidden();

    const row = page.getByRole("row", { name: new RegExp(account.name) });
    await expect(row.getByRole("link", { name: merchant.shortName })).toBeVisible();
    await expect(row).toContainText(subMchId);
    await expect(row).toContainText("Active");
    await expect(row).toContainText("0.3%");

    // The same registration on the channel account's own page.
    await row.getByRole("link", { name: account.name }).click();
    await expect(page.getByRole("heading", { level: 1, name: account.name })).toBeVisible();
    await page.getByRole("tab", { name: "Registrations" }).click();
    await expect(page.getByRole("row", { name: new RegExp(merchant.shortName) })).toContainText(subMchId);

    // The default WeChat face pay fee, 0.38% → 0.6%, with the fee it takes worked out as typed.
    await nav(page, "Pricing").click();
    await page.getByRole("tab", { name: "Merchant fees" }).click();
    const face = page.getByTestId("fee-rule-WECHAT_FACE-default");
    await expect(face).toContainText("0.38%");
    await expect(face).toContainText("¥0.38");
    await face.getByRole("button", { name: "Edit WeChat face pay · Default" }).click();
    const fee = page.getByRole("dialog", { name: "Edit merchant rate" });
    const example = fee.getByTestId("fee-example");
    await expect(example).toHaveText("On ¥100.00 the fee is ¥0.38");
    await fee.getByRole("textbox", { name: "Merchant rate", exact: true }).fill("0.6");
    await expect(example).toHaveText("On ¥100.00 the fee is ¥0.60");
    // Half up to the fen: 0.6% of ¥2.50 is 1.5 fen → 2 fen.
    await fee.getByRole("textbox", { name: "Example payment (¥)", exact: true }).fill("2.50");
    await expect(example).toHaveText("On ¥2.50 the fee is ¥0.02");
    await fee.getByRole("button", { name: "Save", exact: true }).click();
    await expect(fee).toBeHidden();
    await expect(face).toContainText("0.6%");
    await expect(face).toContainText("¥0.60");
  });

  test("the channel pages in Chinese, with their errors", async ({ page }) => {
    const tenant = await createTenant({ locale: "en" });
    await signIn(page, tenant.host, tenant.ownerEmail, tenant.ownerPassword);
    await page.goto(`${tenant.host}/channels`);
    await expect(page.getByRole("heading", { level: 1, name: "Channels" })).toBeVisible();

    await page.getByRole("combobox", { name: L.language }).selectOption("zh-CN");
    await expect(page.getByRole("heading", { level: 1, name: "支付通道" })).toBeVisible();
    // The provider's default sandbox account (named when the provider was created, in English).
    const sandbox = page.getByRole("row", { name: /沙箱/ });
    await expect(sandbox).toContainText("正常");
    await expect(sandbox).toContainText("已启用");

    // A server validation message, in Chinese, next to its field.
    await page.getByRole("link", { name: "新建渠道账户" }).first().click();
    // Choosing the type reveals its settings; retried until the page has hydrated and keeps the choice.
    const channelType = page.getByRole("combobox", { name: "渠道", exact: true });
    await expect(async () => {
      await channelType.selectOption("SANDBOX");
      await expect(channelType).toHaveValue("SANDBOX", { timeout: 1000 });
      await expect(page.getByRole("textbox", { name: "单笔最低（元）", exact: true })).toBeVisible({ timeout: 1000 });
    }).toPass();
    await page.getByRole("textbox", { name: "名称", exact: true }).fill(`沙箱 ${uniqueId()}`);
    await page.getByRole("textbox", { name: "单笔最低（元）", exact: true }).fill("100");
    await page.getByRole("textbox", { name: "单笔最高（元）", exact: true }).fill("50");
    await page.getByRole("button", { name: "新建", exact: true }).click();
    await expect(page.getByText("最高值低于最低值", { exact: true })).toBeVisible();

    await nav(page, "产品与费率").click();
    await page.getByRole("tab", { name: "商户费率" }).click();
    await expect(page.getByRole("columnheader", { name: "¥100.00 的手续费" })).toBeVisible();
    await expect(page.getByTestId("fee-rule-WECHAT_FACE-default")).toContainText("微信刷脸");
    await expect(page.getByTestId("fee-rule-WECHAT_FACE-default")).toContainText("¥0.38");
  });
});
