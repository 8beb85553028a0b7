import { randomInt } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import { withCheckChar } from "../server/core/merchants/credit-code";
import { asUser, createTenant, createUser, demoEmail, DEMO_PASSWORD, NORTHWIND, signIn, uniqueId, type TestTenant } from "./fixtures";

// Routing rules, versions, dry run and "try it". The rule set is changed only in a fresh provider
// (a changed route in a demo tenant would move every other spec's payments). A fresh CUSTODIAL
// provider starts with a sandbox account ("Sandbox"), the default products and fee rules, and
// version 1 published (lowest cost, no rules); a merchant created through the API is registered at
// the sandbox at once. The demo tenants carry a week of routing history, which the second test
// replays without saving anything.

const CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

function randomCode17(): string {
  const pick = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join("");
  return `91${pick("0123456789", 6)}${pick(CODE_ALPHABET, 9)}`;
}

async function createMerchant(tenant: TestTenant): Promise<{ id: string; shortName: string }> {
  const shortName = `Tea ${uniqueId()}`;
  return asUser(tenant.host, tenant.ownerEmail, tenant.ownerPassword, async (api) => {
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

const nav = (page: Page, name: string) => page.getByRole("navigation").getByRole("link", { name, exact: true });
const tab = (page: Page, name: string) => page.getByRole("tab", { name, exact: true });
const toast = (page: Page, text: string) => page.getByRole("region", { name: "Notifications" }).getByText(text, { exact: true });

/** Routes a face payment of ¥12.34 for `merchant` with a face code and a device, on the Try it tab. */
async function tryFacePayment(page: Page, merchant: string) {
  await tab(page, "Try it").click();
  await page.getByRole("combobox", { name: "Merchant", exact: true }).selectOption({ label: merchant });
  await page.getByRole("combobox", { name: "Order type", exact: true }).selectOption("CONSUMPTION");
  await page.getByRole("combobox", { name: "Payment product", exact: true }).selectOption("WECHAT_FACE");
  await page.getByRole("textbox", { name: "Amount (¥)", exact: true }).fill("12.34");
  const elements = page.getByRole("group", { name: /^Payment elements/ });
  await elements.getByRole("checkbox", { name: "Face code", exact: true }).check();
  await elements.getByRole("checkbox", { name: "Face device", exact: true }).check();
  await page.getByRole("button", { name: "Route", exact: true }).click();
  await expect(page.getByTestId("try-result")).toBeVisible();
}

test.describe("routing", () => {
  test("an operations user excludes the sandbox for a merchant, checks, saves, replays, publishes and rolls back", async ({ page }) => {
    const tenant = await createTenant({ locale: "en", mode: "CUSTODIAL" });
    const merchant = await createMerchant(tenant);
    const ops = await createUser(tenant.host, { email: tenant.ownerEmail, password: tenant.ownerPassword }, "OPERATIONS");
    const ruleName = `Keep ${merchant.shortName} off the sandbox`;

    await signIn(page, tenant.host, ops.email, ops.password);
    await nav(page, "Routing").click();
    await expect(page).toHaveURL(`${tenant.host}/routing`);
    await expect(page.getByRole("heading", { level: 1, name: "Routing" })).toBeVisible();
    await expect(page.getByTestId("published-rules")).toContainText("Version 1");
    await expect(page.getByTestId("editing-base")).toHaveText("Starting from published version 1: saving opens a new draft.");

    // Nothing to replay against yet: no draft, no older version, no edits.
    await tab(page, "Dry run").click();
    await expect(page.getByTestId("dry-run-nothing")).toHaveText("Nothing to compare yet: edit the rules or save a draft first.");
    await tab(page, "Rules").click();

    // A new rule is checked as it is edited: without an account it is an error and cannot be saved.
    await page.getByRole("button", { name: "Add rule", exact: true }).click();
    const rule = page.getByRole("region", { name: "Rule 1", exact: true });
    await expect(rule).toBeVisible();
    await rule.getByRole("combobox", { name: "Action", exact: true }).selectOption("EXCLUDE");
    await expect(rule.getByText("Choose at least one channel account: without one the rule does nothing.", { exact: true })).toBeVisible();
    await expect(rule.getByText(/^Without conditions this rule excludes its accounts from every payment/)).toBeVisible();
    await expect(page.getByTestId("checks-summary")).toContainText("1 error(s), 2 warning(s)");
    await expect(page.getByTestId("unsaved-badge")).toBeVisible();
    const save = page.getByRole("button", { name: "Save draft", exact: true });
    await expect(save).toBeDisabled();

    await rule.getByRole("textbox", { name: "Name", exact: true }).fill(ruleName);
    await rule.getByRole("group", { name: /^Channel accounts/ }).getByRole("checkbox", { name: /^Sandbox/ }).check();
    await expect(rule.getByText("Choose at least one channel account: without one the rule does nothing.", { exact: true })).toBeHidden();
    await rule.getByRole("group", { name: /^Merchants/ }).getByRole("checkbox", { name: merchant.shortName, exact: true }).check();
    // A typo in an amount is caught in the browser, next to its field.
    const max = rule.getByRole("textbox", { name: "Maximum amount (¥)", exact: true });
    await max.fill("12.345");
    await expect(rule.getByText("At most two decimals (fen)", { exact: true })).toBeVisible();
    await expect(save).toBeDisabled();
    await max.fill("");
    await expect(page.getByTestId("checks-summary")).toHaveText("Checks: No problems found.");

    await expect(save).toBeEnabled();
    await save.click();
    await expect(toast(page, "Draft version 2 saved")).toBeVisible();
    await expect(page.getByTestId("editing-base")).toHaveText("Editing draft version 2.");
    await expect(page.getByTestId("unsaved-badge")).toBeHidden();
    await expect(page.getByRole("region", { name: "Rule 1", exact: true })).toContainText(ruleName);
    await expect(page.getByRole("region", { name: "Rule 1", exact: true })).toContainText("Excludes Sandbox");

    // Replay the draft. A fresh provider has no history, so the report is the empty state; either
    // way something real must come back.
    await tab(page, "Dry run").click();
    await expect(page.getByRole("combobox", { name: "Proposal", exact: true })).toHaveValue("2");
    await page.getByRole("textbox", { name: "Days of history", exact: true }).fill("7");
    await page.getByRole("button", { name: "Run dry run", exact: true }).click();
    const empty = page.getByTestId("dry-run-empty");
    const report = page.getByTestId("dry-run-report");
    await expect(empty.or(report)).toBeVisible({ timeout: 30_000 });
    if (await empty.isVisible()) {
      await expect(empty).toContainText("No routing history to replay");
      await expect(empty).toContainText("No payment was routed in the last 7 day(s).");
    } else {
      await expect(page.getByTestId("dry-run-requests")).not.toHaveText("0");
      await expect(page.getByTestId("dry-run-accounts")).toContainText("Total");
    }

    // Publish the draft.
    await tab(page, "Rules").click();
    await page.getByRole("button", { name: "Publish", exact: true }).click();
    const publish = page.getByRole("dialog", { name: "Publish version 2?" });
    await expect(publish).toContainText(ruleName);
    await publish.getByRole("button", { name: "Publish", exact: true }).click();
    await expect(publish).toBeHidden();
    await expect(toast(page, "Version 2 published")).toBeVisible();
    await expect(page.getByTestId("published-rules")).toContainText("Version 2");
    await expect(page.getByTestId("published-rules")).toContainText(ruleName);

    // The published rule applies at once: the merchant's only account is excluded.
    await tryFacePayment(page, merchant.shortName);
    await expect(page.getByTestId("trace-outcome")).toContainText("No route");
    await expect(page.getByTestId("trace-reason")).toHaveText("Routing rules exclude every channel account that could carry this payment.");
    await expect(page.getByTestId("trace-rules")).toContainText(ruleName);

    // The versions: 2 published, 1 superseded; roll back to 1.
    await tab(page, "Versions").click();
    await expect(page.getByTestId("version-row-2")).toContainText("Published");
    await expect(page.getByTestId("version-row-1")).toContainText("Superseded");
    await page.getByTestId("version-row-1").getByRole("button", { name: /^View/ }).click();
    const view = page.getByRole("dialog", { name: "Version 1" });
    await expect(view.getByTestId("version-rules")).toContainText("No rules");
    await view.getByRole("button", { name: "Close", exact: true }).last().click();
    await expect(view).toBeHidden();

    await page.getByTestId("version-row-1").getByRole("button", { name: /^Roll back/ }).click();
    const rollback = page.getByRole("dialog", { name: "Roll back to version 1" });
    await expect(rollback).toContainText("replacing version 2");
    await rollback.getByRole("button", { name: "Roll back", exact: true }).click();
    await expect(rollback).toBeHidden();
    await expect(toast(page, "Version 3 published with the rules of version 1")).toBeVisible();
    await expect(page.getByTestId("version-row-3")).toContainText("Published");
    await expect(page.getByTestId("version-row-3")).toContainText("Rolled back to version 1");
    await expect(page.getByTestId("version-row-2")).toContainText("Superseded");
    await expect(page.getByTestId("version-row-1")).toContainText("Superseded");

    // Without the rule the sandbox takes the payment again, and the products it can offer are listed.
    await tryFacePayment(page, merchant.shortName);
    await expect(page.getByTestId("trace-outcome")).toContainText("Routed");
    await expect(page.getByTestId("trace-chosen")).toHaveText("Sandbox");
    await expect(page.getByTestId("trace-candidates")).toContainText("Rank 1");
    await expect(page.getByTestId("try-offer")).toContainText("WeChat face pay");
    await expect(page.getByTestId("try-offer")).toContainText(/Face code and Face device|Face device and Face code/);
  });

  test("an unsaved edit is replayed against a demo provider's history without saving anything", async ({ page }) => {
    await signIn(page, NORTHWIND.host, demoEmail("northwind", "owner"), DEMO_PASSWORD);
    await page.goto(`${NORTHWIND.host}/routing`);
    await expect(page.getByRole("heading", { level: 1, name: "Routing" })).toBeVisible();
    const versionsBefore = await page.getByTestId("published-rules").textContent();

    await page.getByRole("button", { name: "Add rule", exact: true }).click();
    // The new rule comes last, after whatever rules the provider has.
    const rule = page.getByTestId("rule-editor").getByRole("region").last();
    await rule.getByRole("group", { name: /^Channel accounts/ }).getByRole("checkbox", { name: /^Sandbox/ }).check();
    await expect(page.getByTestId("unsaved-badge")).toBeVisible();

    await tab(page, "Dry run").click();
    await expect(page.getByRole("combobox", { name: "Proposal", exact: true })).toHaveValue("unsaved");
    await page.getByRole("button", { name: "Run dry run", exact: true }).click();
    const report = page.getByTestId("dry-run-report");
    await expect(report).toBeVisible({ timeout: 60_000 });
    await expect(page.getByTestId("dry-run-requests")).not.toHaveText("0");
    await expect(page.getByTestId("dry-run-accounts")).toContainText("Total");
    await expect(page.getByRole("heading", { name: "Change per channel account" })).toBeVisible();
    await page.getByRole("button", { name: "Show as table" }).click();
    await expect(page.getByRole("table", { name: "Change per channel account" })).toBeVisible();

    // Nothing was stored: a reload shows the rules as they were, with no draft.
    await page.reload();
    await expect(page.getByTestId("published-rules")).toHaveText(versionsBefore ?? "");
    await expect(page.getByTestId("unsaved-badge")).toBeHidden();
  });
});
