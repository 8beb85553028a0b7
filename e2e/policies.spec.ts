import { expect, test } from "@playwright/test";
import { createTenant, signIn } from "./fixtures";

// The Policies page (业务策略). A fresh CUSTODIAL provider, not a demo one: the demo tenants'
// policies stay as the other specs expect them (ledger.spec.ts approves adjustments at huiyun under
// its threshold), and huiyun is DIRECT, where letting a merchant owe a shortfall is refused. The
// owner sees a bad amount refused at the field, changes the approval threshold and the shortfall
// policy, and finds both kept after a reload and recorded with their old and new values.

test("the owner changes the approval threshold and the refund shortfall policy; they are kept and audited", async ({ page }) => {
  const tenant = await createTenant({ locale: "en", mode: "CUSTODIAL" });
  await signIn(page, tenant.host, tenant.ownerEmail, tenant.ownerPassword);
  await page.getByRole("navigation").getByRole("link", { name: "Policies", exact: true }).click();
  await expect(page).toHaveURL(`${tenant.host}/policies`);
  await expect(page.getByRole("heading", { name: "Policies", level: 1 })).toBeVisible();

  const threshold = page.getByRole("textbox", { name: "Admin approval from (yuan)" });
  const refuse = page.getByRole("radio", { name: "Refuse the refund" });
  const allowDebt = page.getByRole("radio", { name: "Let the merchant owe the shortfall" });
  const save = page.getByRole("button", { name: "Save policies", exact: true });
  // The defaults, and nothing changed yet.
  await expect(threshold).toHaveValue("10000.00");
  await expect(refuse).toBeChecked();
  await expect(allowDebt).toBeEnabled();
  await expect(page.getByText("No changes yet")).toBeVisible();
  await expect(save).toBeDisabled();

  // Fen are the smallest unit: a third decimal is refused at the field and cannot be saved.
  await threshold.fill("5000.123");
  await expect(page.getByText("At most two decimals (fen)")).toBeVisible();
  await expect(threshold).toHaveAttribute("aria-invalid", "true");
  await expect(save).toBeDisabled();

  await threshold.fill("5,000");
  await allowDebt.check();
  const saved = page.waitForResponse((r) => r.url().includes("settings.updatePolicies"));
  await save.click();
  expect((await saved).status()).toBe(200);
  await expect(page.getByText("Policies saved")).toBeVisible();

  await page.reload();
  await expect(threshold).toHaveValue("5000.00");
  await expect(allowDebt).toBeChecked();
  await expect(refuse).not.toBeChecked();

  // The change with its old and new values, on the page and in the audit log.
  const history = page.getByTestId("policy-history");
  await expect(history.getByText(tenant.ownerEmail)).toBeVisible();
  await expect(history.getByText("¥10,000.00", { exact: true })).toBeVisible();
  await expect(history.getByText("¥5,000.00", { exact: true })).toBeVisible();
  await expect(history.getByText("Refuse the refund", { exact: true })).toBeVisible();
  await expect(history.getByText("Let the merchant owe the shortfall", { exact: true })).toBeVisible();

  await page.goto(`${tenant.host}/audit?audit.action=tenant.policies`);
  await expect(page.getByRole("cell", { name: "tenant.policies", exact: true })).toHaveCount(1);
});
