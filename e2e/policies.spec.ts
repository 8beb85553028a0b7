import { expect, test } from "@playwright/test";
import { createTenant, signIn } from "./fixtures";

// The Policies page (业务策略). A fresh CUSTODIAL provider, not a demo one: the demo tenants'
// policies stay as the other specs expect them (ledger.spec.ts approves adjustments at huiyun under
// its threshold), and huiyun is DIRECT, where letting a merchant owe a shortfall is refused. The
// owner sees a bad amount and a bad number of days refused at their fields, changes the approval
// threshold, the shortfall policy and reconciliation's cross-day pool, and finds all three kept
// after a reload and recorded with their old and new values.

test("the owner changes the approval threshold, the refund shortfall policy and the cross-day pool; they are kept and audited", async ({ page }) => {
  const tenant = await createTenant({ locale: "en", mode: "CUSTODIAL" });
  await signIn(page, tenant.host, tenant.ownerEmail, tenant.ownerPassword);
  await page.getByRole("navigation").getByRole("link", { name: "Policies", exact: true }).click();
  await expect(page).toHaveURL(`${tenant.host}/policies`);
  await expect(page.getByRole("heading", { name: "Policies", level: 1 })).toBeVisible();

  const threshold = page.getByRole("textbox", { name: "Admin approval from (yuan)" });
  const refuse = page.getByRole("radio", { name: "Refuse the refund" });
  const allowDebt = page.getByRole("radio", { name: "Let the merchant owe the shortfall" });
  const poolDays = page.getByRole("spinbutton", { name: "Cross-day pool (days)" });
  const save = page.getByRole("button", { name: "Save policies", exact: true });
  // The defaults, and nothing changed yet.
  await expect(threshold).toHaveValue("10000.00");
  await expect(poolDays).toHaveValue("1");
  await expect(refuse).toBeChecked();
  await expect(allowDebt).toBeEnabled();
  await expect(page.getByText("No changes yet")).toBeVisible();
  await expect(save).toBeDisabled();

  // Fen are the smallest unit: a third decimal is refused at the field and cannot be saved.
  await threshold.fill("5000.123");
  await expect(page.getByText("At most two decimals (fen)")).toBeVisible();
  await expect(threshold).toHaveAttribute("aria-invalid", "true");
  await expect(save).toBeDisabled();

  // The pool holds a payment at most 14 days: 15 is refused at the field.
  await poolDays.fill("15");
  await expect(page.getByText("The cross-day pool is from 0 to 14 days")).toBeVisible();
  await expect(poolDays).toHaveAttribute("aria-invalid", "true");
  await expect(save).toBeDisabled();

  await threshold.fill("5,000");
  await poolDays.fill("3");
  await expect(page.getByText("The cross-day pool is from 0 to 14 days")).toHaveCount(0);
  await allowDebt.check();
  const saved = page.waitForResponse((r) => r.url().includes("settings.updatePolicies"));
  await save.click();
  expect((await saved).status()).toBe(200);
  await expect(page.getByText("Policies saved")).toBeVisible();

  await page.reload();
  await expect(threshold).toHaveValue("5000.00");
  await expect(allowDebt).toBeChecked();
  await expect(refuse).not.toBeChecked();
  await expect(poolDays).toHaveValue("3");

  // The change with its old and new values, on the page and in the audit log.
  const history = page.getByTestId("policy-history");
  await expect(history.getByText(tenant.ownerEmail)).toBeVisible();
  await expect(history.getByText("¥10,000.00", { exact: true })).toBeVisible();
  await expect(history.getByText("¥5,000.00", { exact: true })).toBeVisible();
  await expect(history.getByText("Refuse the refund", { exact: true })).toBeVisible();
  await expect(history.getByText("Let the merchant owe the shortfall", { exact: true })).toBeVisible();
  await expect(history.getByText("Cross-day pool (days)", { exact: true })).toBeVisible();
  await expect(history.locator("dd").filter({ hasText: /^1\s*→\s*3$/ })).toHaveCount(1);

  await page.goto(`${tenant.host}/audit?audit.action=tenant.policies`);
  await expect(page.getByRole("cell", { name: "tenant.policies", exact: true })).toHaveCount(1);
});
