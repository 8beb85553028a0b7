import { randomInt } from "node:crypto";
import { expect, test } from "@playwright/test";
import { creditCodeCheckChar, withCheckChar } from "../server/core/merchants/credit-code";
import { Api, createTenant, createUser, sessionCookieOf, signIn, uniqueId } from "./fixtures";

// Merchant onboarding by an operations user of a fresh tenant: the credit code's check character
// is enforced, stores and portal users hang off the merchant, and the settlement account number
// never comes back in full.

const CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/** 17 random characters in the code's shape (2 registry chars, 6-digit region, 9 more). */
function randomCode17(): string {
  const pick = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join("");
  return `91${pick("0123456789", 6)}${pick(CODE_ALPHABET, 9)}`;
}

test("an operations user onboards a merchant with a store and a portal user", async ({ page, browser }) => {
  const tenant = await createTenant({ locale: "en" });
  const ops = await createUser(tenant.host, { email: tenant.ownerEmail, password: tenant.ownerPassword }, "OPERATIONS");
  const id = uniqueId();
  const shortName = `Tea ${id}`;
  const code17 = randomCode17();
  const creditCode = withCheckChar(code17);
  const wrongCheck = CODE_ALPHABET.split("").find((c) => c !== creditCodeCheckChar(code17)) ?? "0";
  const accountNumber = `62220202${String(randomInt(10_000_000, 99_999_999))}3445`;
  const portalUser = { name: `Portal ${id}`, email: `portal-${id}@merchant.test`, password: "Portal-password-1" };

  await signIn(page, tenant.host, ops.email, ops.password);
  await page.getByRole("navigation").getByRole("link", { name: "Merchants", exact: true }).click();
  await page.getByRole("link", { name: "New merchant" }).first().click();
  await expect(page).toHaveURL(`${tenant.host}/merchants/new`);

  const box = (name: string) => page.getByRole("textbox", { name, exact: true });
  await box("Legal name").fill(`Hangzhou ${shortName} Catering Co., Ltd.`);
  await box("Short name").fill(shortName);
  await box("Unified social credit code").fill(code17 + wrongCheck);
  await box("Legal representative").fill("Wang Wei");
  await box("MCC").fill("5814");
  await box("Contact").fill("Wang Wei");
  await box("Contact phone").fill("+86 138 0000 0001");
  await box("Account name").fill(`Hangzhou ${shortName} Catering Co., Ltd.`);
  await box("Bank").fill("China Merchants Bank Hangzhou");
  await box("Account number").fill(accountNumber);

  // A wrong check character is caught, next to the field, and nothing is created.
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await expect(box("Unified social credit code")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText(/^Not a valid unified social credit code/)).toBeVisible();
  await expect(page).toHaveURL(`${tenant.host}/merchants/new`);

  await box("Unified social credit code").fill(creditCode);
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await page.waitForURL(/\/merchants\/[0-9a-f-]{36}$/);
  const merchantId = page.url().split("/").pop() ?? "";
  await expect(page.getByRole("heading", { level: 1, name: shortName })).toBeVisible();

  // The account number is only ever shown masked.
  const accountInput = box("Account number");
  await expect(accountInput).toHaveValue("");
  await expect(accountInput).toHaveAttribute("placeholder", "•••• 3445");
  expect(await page.content()).not.toContain(accountNumber);
  const api = await Api.for(tenant.host, `swy_session=${await sessionCookieOf(page, tenant.host)}`);
  const got = await api.query<{ settlementAccountLast4: string | null }>("merchants.get", { id: merchantId });
  expect(got.status).toBe(200);
  expect(got.data?.settlementAccountLast4).toBe("3445");
  expect(JSON.stringify(got.data)).not.toContain(accountNumber);
  await api.dispose();

  // A store.
  await page.getByRole("tab", { name: "Stores" }).click();
  await page.getByTestId("new-store").click();
  const storeDialog = page.getByRole("dialog", { name: "New store" });
  await storeDialog.getByRole("textbox", { name: "Store name", exact: true }).fill(`${shortName} West Lake`);
  await storeDialog.getByRole("textbox", { name: "Address", exact: true }).fill("478 Wensan Road, Hangzhou");
  await storeDialog.getByRole("textbox", { name: "Latitude", exact: true }).fill("30.2797");
  await storeDialog.getByRole("textbox", { name: "Longitude", exact: true }).fill("120.1302");
  await storeDialog.getByRole("button", { name: "Create", exact: true }).click();
  await expect(storeDialog).toBeHidden();
  await expect(page.getByRole("row", { name: new RegExp(`${shortName} West Lake`) })).toBeVisible();

  // A portal user for the merchant.
  await page.getByRole("tab", { name: "Portal users" }).click();
  await page.getByRole("button", { name: "New portal user" }).click();
  const userDialog = page.getByRole("dialog", { name: "New portal user" });
  await userDialog.getByRole("textbox", { name: "Name", exact: true }).fill(portalUser.name);
  await userDialog.getByRole("textbox", { name: "Email", exact: true }).fill(portalUser.email);
  await userDialog.getByLabel("Initial password").fill(portalUser.password);
  await userDialog.getByRole("button", { name: "Create", exact: true }).click();
  await expect(userDialog).toBeHidden();
  await expect(page.getByText(`${portalUser.name} · ${portalUser.email}`)).toBeVisible();

  // The list shows the merchant with its code and one store.
  await page.goto(`${tenant.host}/merchants`);
  const row = page.getByRole("row", { name: new RegExp(shortName) });
  await expect(row.getByRole("link", { name: shortName })).toBeVisible();
  await expect(row.getByText(creditCode, { exact: true })).toBeVisible();
  await expect(row.getByRole("cell", { name: "1", exact: true })).toBeVisible();

  // The portal user signs in to the merchant portal and sees the masked account there too.
  const portal = await browser.newPage();
  await signIn(portal, tenant.host, portalUser.email, portalUser.password);
  await expect(portal).toHaveURL(`${tenant.host}/m`);
  await expect(portal.getByRole("heading", { level: 1, name: shortName })).toBeVisible();
  await expect(portal.getByText("•••• 3445", { exact: true })).toBeVisible();
  expect(await portal.content()).not.toContain(accountNumber);
  await portal.close();
});
