import { expect, test } from "@playwright/test";
import { PLATFORM, PLATFORM_ADMIN, PORT, signIn, tenantHost, uniqueId } from "./fixtures";

// The platform operator's console on the bare host: creating a service provider, with the
// licensing rule for custodial ones (only a licensed institution may hold merchants' funds).

test("the platform admin creates a custodial tenant, which needs a licence number", async ({ page }) => {
  const id = uniqueId();
  const slug = `pf-${id}`;
  const name = `Custodial Pay ${id}`;
  const owner = { email: `owner@${slug}.test`, password: "Owner-password-1" };

  await signIn(page, PLATFORM, PLATFORM_ADMIN.email, PLATFORM_ADMIN.password);
  // Stick to English whatever the platform's default language is.
  await page.getByRole("combobox", { name: /^(Language|语言)$/ }).selectOption("en");
  await page.getByRole("button", { name: "New service provider" }).click();

  const dialog = page.getByRole("dialog", { name: "New service provider" });
  await dialog.getByRole("textbox", { name: "Name", exact: true }).fill(name);
  await dialog.getByRole("textbox", { name: "Slug (subdomain)", exact: true }).fill(slug);
  await dialog.getByRole("textbox", { name: "Owner email", exact: true }).fill(owner.email);
  await dialog.getByLabel("Owner initial password").fill(owner.password);
  await dialog.getByRole("combobox", { name: "Default language" }).selectOption("en");
  await dialog.getByRole("combobox", { name: "Settlement mode" }).selectOption("CUSTODIAL");

  // No licence: refused, with the error on the licence field.
  const licence = dialog.getByRole("textbox", { name: "Payment licence number", exact: true });
  await dialog.getByRole("button", { name: "Create", exact: true }).click();
  await expect(licence).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByText(/^A CUSTODIAL tenant must be a licensed payment institution/)).toBeVisible();
  await expect(page.getByTestId(`tenant-${slug}`)).toHaveCount(0);

  await licence.fill(`Z${id.toUpperCase()}`);
  await dialog.getByRole("button", { name: "Create", exact: true }).click();
  await expect(dialog).toBeHidden();
  const row = page.getByTestId(`tenant-${slug}`);
  await expect(row).toContainText(name);
  await expect(row).toContainText("CUSTODIAL");
  await expect(row).toContainText(`${slug}.localhost:${PORT}`);

  // Its host is live at once: a login page under its name, and its owner can sign in.
  const host = tenantHost(slug);
  await page.goto(`${host}/login`);
  await expect(page).toHaveTitle(name);
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
  await signIn(page, host, owner.email, owner.password);
  await expect(page.getByTestId("brand-name")).toHaveText(name);
  await expect(page.getByTestId("stat-mode")).toHaveText("Custodial (licensed institution)");
});
