import { expect, test, type Page } from "@playwright/test";
import { L, createTenant, createUser, signIn, uniqueId } from "./fixtures";

// Statement templates from the console (issue 6): finance describes a CSV we have no reader for,
// previews it on a sample whose amounts are yuan while the template says fen — the preview says so
// and the save is refused with the server's reason — then sets the unit to yuan, sees the totals
// agree with the file's footer and saves version 1; the Statements page lists the template and
// imports a file with it against the Sandbox account; the template's page in Chinese.

const BILL_DATE = "2026-11-27";
const SAMPLE = Buffer.from(
  ["order_no,amount,fee,type,time", "T-1,10.00,0.06,SALE,2026-11-27 10:00:00", "T-1,2.50,0.01,REFUND,2026-11-27 11:00:00", "2,7.50", ""].join("\n"),
  "utf8",
);

const nav = (page: Page, name: string) => page.getByRole("navigation").getByRole("link", { name, exact: true });

async function describeCsv(page: Page, name: string) {
  const editor = page.getByTestId("template-editor");
  await editor.getByLabel("Template name").fill(name);
  await editor.getByLabel("Header lines").fill("1");
  await editor.getByLabel("Footer lines").fill("1");
  await editor.getByRole("textbox", { name: "Amount", exact: true }).fill("amount");
  await editor.getByLabel("Fee", { exact: true }).fill("fee");
  await editor.getByLabel("Order number (ours)").fill("order_no");
  await editor.getByLabel("Time", { exact: true }).fill("time");
  await editor.getByLabel("How a refund is told").selectOption("COLUMN");
  await editor.getByLabel("Kind column").fill("type");
  await editor.getByLabel("Payment values").fill("SALE");
  await editor.getByLabel("Refund values").fill("REFUND");
  await editor.getByLabel("Sign convention").selectOption("REFUNDS_POSITIVE_BY_KIND");
  await editor.getByLabel("Summary line").selectOption("LAST_FOOTER");
  await editor.getByLabel("Count column").fill("0");
  await editor.getByLabel("Net total column").fill("1");
}

test.describe("statement templates", () => {
  test("a template is previewed on a sample, refused while yuan are read as fen, saved, and reads an uploaded file", async ({ page }) => {
    const tenant = await createTenant({ locale: "en" });
    const finance = await createUser(tenant.host, { email: tenant.ownerEmail, password: tenant.ownerPassword }, "FINANCE");
    await signIn(page, tenant.host, finance.email, finance.password);
    await nav(page, "Statements").click();
    const card = page.getByTestId("templates-card");
    await expect(card.getByText("No templates yet", { exact: true })).toBeVisible();
    await card.getByRole("link", { name: "New template" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "New statement template" })).toBeVisible();

    const name = `Bank CSV ${uniqueId()}`;
    await describeCsv(page, name);
    const editor = page.getByTestId("template-editor");

    // A sample over 2 MB is refused in the browser, before anything is sent.
    await editor.getByLabel("Sample file").setInputFiles({ name: "huge.csv", mimeType: "text/csv", buffer: Buffer.alloc(2 * 1024 * 1024 + 1, 0x41) });
    await expect(editor.getByText(/The sample is 2\.0 MB/)).toBeVisible();
    await expect(editor.getByRole("button", { name: "Preview" })).toBeDisabled();

    await editor.getByLabel("Sample file").setInputFiles({ name: "sample.csv", mimeType: "text/csv", buffer: SAMPLE });
    await editor.getByLabel("Amount unit").selectOption("FEN");
    await editor.getByRole("button", { name: "Preview" }).click();
    const preview = page.getByTestId("template-preview");
    await expect(preview.getByTestId("template-hints").locator('[data-code="YUAN_READ_AS_FEN"]')).toContainText("Amounts look like yuan read as fen");
    await expect(preview.getByTestId("template-errors")).toContainText("Line 2");
    await expect(preview.getByTestId("template-head").locator("tr[data-role]")).toHaveCount(4);
    await expect(preview.getByTestId("template-head").locator('tr[data-role="FOOTER"]')).toContainText("2,7.50");

    await editor.getByRole("button", { name: "Save as a new version" }).click();
    await expect(page.getByTestId("template-save-error")).toContainText("Not saved: the sample has");
    await expect(page).toHaveURL(/\/statements\/templates\/new$/);

    // Yuan: the lines add up to the footer's net total and count.
    await editor.getByLabel("Amount unit").selectOption("YUAN");
    await expect(preview.getByText("The template has changed since this preview")).toBeVisible();
    await editor.getByRole("button", { name: "Preview" }).click();
    await expect(preview.getByTestId("template-hints")).toHaveCount(0);
    await expect(preview.getByTestId("template-total-count")).toContainText("Agree");
    await expect(preview.getByTestId("template-total-amount")).toContainText("¥7.50");
    await expect(preview.getByTestId("template-total-amount")).toContainText("Agree");
    const lines = preview.getByTestId("template-line");
    await expect(lines).toHaveCount(2);
    await expect(lines.nth(0)).toContainText("Payment");
    await expect(lines.nth(0)).toContainText("¥10.00");
    await expect(lines.nth(1)).toContainText("Refund");
    await expect(lines.nth(1)).toContainText("-¥2.50");

    await editor.getByLabel("Note").fill("First version, checked on the November sample");
    await editor.getByRole("button", { name: "Save as a new version" }).click();
    await expect(page.getByText(`Version 1 of “${name}” saved`)).toBeVisible();
    await expect(page).toHaveURL(/\/statements\/templates\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
    await expect(page.getByTestId("template-version-badge")).toHaveText("Version 1");
    await expect(page.getByTestId("template-version")).toHaveCount(1);
    await expect(page.getByTestId("template-version").first()).toContainText("First version, checked on the November sample");
    // The saved definition is loaded back into the editor.
    await expect(page.getByTestId("template-editor").getByLabel("Amount unit")).toHaveValue("YUAN");
    await expect(page.getByTestId("template-editor").getByLabel("Kind column")).toHaveValue("type");

    // Saving it again unchanged makes no version.
    await page.getByTestId("template-editor").getByRole("button", { name: "Save as a new version" }).click();
    await expect(page.getByTestId("template-save-error")).toContainText("is already exactly this");

    await nav(page, "Statements").click();
    const row = page.getByTestId("statement-template");
    await expect(row).toHaveCount(1);
    await expect(row.first()).toContainText(name);
    await expect(row.first()).toContainText("Version 1");

    const form = page.getByTestId("statement-upload");
    // Reached by a client-side navigation, so the form is live: wait for the accounts, then choose.
    const account = form.getByRole("combobox", { name: "Channel account" });
    await expect(account.getByRole("option", { name: "Sandbox", exact: true })).toBeAttached();
    await account.selectOption({ label: "Sandbox" });
    await form.getByLabel("Bill date").fill(BILL_DATE);
    await form.getByRole("combobox", { name: "Format" }).selectOption({ label: `${name} (version 1)` });
    await form.getByLabel("File").setInputFiles({ name: "bank-20261127.csv", mimeType: "text/csv", buffer: SAMPLE });
    await form.getByRole("button", { name: "Import" }).click();
    await expect(page.getByTestId("upload-result")).toHaveText("Imported: 2 lines");
    const files = page.getByTestId("statement-files").locator("tbody tr");
    await expect(files).toHaveCount(1);
    await expect(files.first()).toContainText("bank-20261127.csv");
    await expect(files.first()).toContainText("¥7.50");
    await expect(files.first().getByRole("link", { name: `${name} · Version 1` })).toBeVisible();
    await expect(row.first().getByTestId("template-files")).toHaveText("1");

    await page.getByRole("combobox", { name: L.language }).selectOption("zh-CN");
    await expect(page.getByRole("heading", { level: 2, name: "对账单模板" })).toBeVisible();
    await page.getByTestId("statement-template").first().getByRole("link", { name }).click();
    await expect(page.getByTestId("template-version-badge")).toHaveText("版本 1");
    const zh = page.getByTestId("template-editor");
    await expect(zh.getByLabel("表头行", { exact: true })).toHaveValue("1");
    await expect(zh.getByLabel("表尾行", { exact: true })).toHaveValue("1");
    await expect(zh.getByLabel("金额单位", { exact: true }).locator("option:checked")).toHaveText("元（12.34）");
    await expect(zh.getByLabel("正负约定", { exact: true }).locator("option:checked")).toHaveText("退款为正（按类型列）");
    await expect(zh.getByLabel("汇总行", { exact: true }).locator("option:checked")).toHaveText("最后一个表尾行");
    await expect(zh.getByRole("button", { name: "预览" })).toBeDisabled();
  });
});
