import { readFile } from "node:fs/promises";
import { expect, test, type Page } from "@playwright/test";
import { L, asUser, createMerchantAs, createTenant, signIn, uniqueId, type TestTenant } from "./fixtures";

// Payments in the console, in a fresh provider (its sandbox account, its merchant registered there
// at creation): a test payment made from the console succeeds, shows in the list and its CSV, and
// its page shows the timeline with the channel exchange, the routing trace and the ledger entries;
// a "user paying" one (amount ending in 02 fen) stays PROCESSING until the channel has been
// queried twice; then the list in Chinese. The background query job may ask the sandbox once on
// its own, so the second "Query the channel now" is pressed only while the payment still waits.

/** A merchant of the tenant, made by its owner (registered at the sandbox with it). */
function createMerchant(tenant: TestTenant): Promise<{ id: string; shortName: string }> {
  return asUser(tenant.host, tenant.ownerEmail, tenant.ownerPassword, (api) => createMerchantAs(api, `Noodles ${uniqueId()}`));
}

const nav = (page: Page, name: string) => page.getByRole("navigation").getByRole("link", { name, exact: true });
const toasts = (page: Page) => page.getByRole("region", { name: "Notifications" });

/** Makes a test payment through the dialog and returns its order number, read from the toast that reports its status. */
async function makeTestPayment(page: Page, merchantName: string, amount: string, status: string): Promise<string> {
  await page.getByRole("button", { name: "New test payment" }).first().click();
  const dialog = page.getByRole("dialog", { name: "New test payment" });
  await expect(dialog.getByTestId("sandbox-rules")).toContainText("An amount ending in 02 fen");
  // Retried until the page has hydrated and the merchants are loaded.
  const merchant = dialog.getByRole("combobox", { name: "Merchant", exact: true });
  await expect(async () => {
    await merchant.selectOption({ label: merchantName });
    await expect(merchant).not.toHaveValue("", { timeout: 1000 });
  }).toPass();
  await dialog.getByRole("textbox", { name: "Amount (¥)", exact: true }).fill(amount);
  await dialog.getByRole("button", { name: "Make payment" }).click();
  await expect(dialog).toBeHidden();
  const toast = toasts(page).getByText(new RegExp(`^Test payment TEST-\\d{8}-[0-9A-F]{8}: ${status}$`)).last();
  await expect(toast).toBeVisible();
  const orderNo = /TEST-\d{8}-[0-9A-F]{8}/.exec((await toast.textContent()) ?? "")?.[0];
  expect(orderNo).toBeTruthy();
  return orderNo ?? "";
}

test.describe("payments", () => {
  test("test payments from the console: the list, a payment's page, querying a user-paying one, and the list in Chinese", async ({ page }) => {
    const tenant = await createTenant({ locale: "en" });
    const merchant = await createMerchant(tenant);
    await signIn(page, tenant.host, tenant.ownerEmail, tenant.ownerPassword);

    await nav(page, "Payments").click();
    await expect(page.getByRole("heading", { level: 1, name: "Payments" })).toBeVisible();
    await expect(page.getByText("No payments yet", { exact: true })).toBeVisible();

    // A payment that succeeds at once (any amount not ending in 01 or 02 fen).
    const paid = await makeTestPayment(page, merchant.shortName, "88.00", "Succeeded");
    const paidRow = page.getByRole("row", { name: new RegExp(paid) });
    await expect(paidRow).toContainText("Succeeded");
    await expect(paidRow).toContainText(merchant.shortName);
    await expect(paidRow).toContainText("¥88.00");
    await expect(paidRow).toContainText("WeChat face pay");
    await expect(page.getByTestId("summary-SUCCEEDED")).toContainText("Payments: 1");
    await expect(page.getByTestId("summary-SUCCEEDED")).toContainText("¥88.00");

    // The CSV carries amounts in fen.
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export CSV" }).click();
    const csv = await readFile((await (await download).path()) ?? "", "utf8");
    const [header, ...records] = csv.replace(/^\uFEFF/, "").trim().split("\r\n");
    const columns = (header ?? "").split(",");
    const record = records.find((r) => r.includes(paid))?.split(",") ?? [];
    expect(record[columns.indexOf("amount_minor")]).toBe("8800");
    expect(record[columns.indexOf("status")]).toBe("SUCCEEDED");
    expect(record[columns.indexOf("merchant")]).toBe(merchant.shortName);

    // Its page: status and amounts, the timeline with the channel exchange, the routing trace, the ledger entries.
    await paidRow.getByRole("link", { name: paid, exact: true }).click();
    await page.waitForURL(/\/payments\/[0-9a-f-]{36}$/);
    const paymentUrl = page.url();
    await expect(page.getByRole("heading", { level: 1, name: `Payment ${paid}` })).toBeVisible();
    await expect(page.getByTestId("payment-status")).toHaveText("Succeeded");
    await expect(page.getByTestId("payment-amount")).toHaveText("¥88.00");
    await expect(page.getByTestId("payment-channel-account")).toContainText("Sandbox");
    await expect(page.getByRole("button", { name: "Query the channel now" })).toHaveCount(0);

    const transitions = page.getByTestId("transition");
    await expect(transitions).toHaveCount(2);
    await expect(transitions.nth(0)).toContainText("Created");
    await expect(transitions.nth(1)).toContainText("Channel response");
    await expect(transitions.nth(1)).toContainText("Succeeded");
    const exchange = transitions.nth(1).getByTestId("exchange");
    await exchange.locator("summary").click();
    await expect(exchange).toContainText("LOCAL sandbox://pay");
    await expect(exchange.getByText("Request body", { exact: true })).toBeVisible();
    await expect(exchange).toContainText('"amountMinor": "8800"');

    await expect(page.getByTestId("trace-view")).toBeVisible();
    await expect(page.getByTestId("trace-chosen")).toHaveText("Sandbox");

    const entries = page.getByTestId("payment-entries");
    await expect(entries).toContainText("Memo: payment");
    await entries.getByRole("link").first().click();
    await page.waitForURL(/\/ledger\/entries\/[0-9a-f-]{36}$/);
    // The payment's entries: the payment itself and the provider's margin on it.
    await expect(page.getByText(new RegExp(`^(Payment|Margin on) ${paid}$`)).first()).toBeVisible();
    await page.goto(paymentUrl);
    await expect(page.getByTestId("payment-status")).toHaveText("Succeeded");

    // "User paying": PROCESSING until the channel has been asked twice.
    await nav(page, "Payments").click();
    const paying = await makeTestPayment(page, merchant.shortName, "10.02", "Processing");
    const payingRow = page.getByRole("row", { name: new RegExp(paying) });
    await expect(payingRow).toContainText("Processing");
    await payingRow.getByRole("link", { name: paying, exact: true }).click();
    await page.waitForURL(/\/payments\/[0-9a-f-]{36}$/);
    const status = page.getByTestId("payment-status");
    await expect(status).toHaveText("Processing");
    await expect(page.getByTestId("processing-note")).toBeVisible();
    await expect(page.getByTestId("payment-entries")).toHaveCount(0);

    const queryNow = page.getByRole("button", { name: "Query the channel now" });
    const still = toasts(page).getByText("The channel has no result yet: still processing.", { exact: true });
    const done = toasts(page).getByText("The channel answered: Succeeded.", { exact: true });
    await queryNow.click();
    await expect(still.or(done).first()).toBeVisible();
    if (await still.isVisible()) {
      await expect(queryNow).toBeEnabled();
      await queryNow.click();
      await expect(done).toBeVisible();
    }
    await expect(status).toHaveText("Succeeded");
    await expect(queryNow).toHaveCount(0);
    await expect(page.locator('[data-testid="transition"][data-cause="QUERY"][data-to="SUCCEEDED"]')).toHaveCount(1);
    await expect(page.getByTestId("payment-entries")).toContainText("Memo: payment");

    // The list in Chinese.
    await nav(page, "Payments").click();
    await page.getByRole("combobox", { name: L.language }).selectOption("zh-CN");
    await expect(page.getByRole("heading", { level: 1, name: "支付订单" })).toBeVisible();
    await expect(nav(page, "支付订单")).toBeVisible();
    await expect(page.getByRole("columnheader", { name: "商户订单号" })).toBeVisible();
    await expect(page.getByRole("row", { name: new RegExp(paid) })).toContainText("支付成功");
    await expect(page.getByRole("row", { name: new RegExp(paying) })).toContainText("支付成功");
    await expect(page.getByRole("row", { name: new RegExp(paid) })).toContainText("微信刷脸");
    await expect(page.getByTestId("summary-SUCCEEDED")).toContainText("2 笔");
    await expect(page.getByTestId("payments-summary-total")).toHaveText("共 2 笔");
    await page.getByRole("combobox", { name: "状态", exact: true }).selectOption("PROCESSING");
    await expect(page.getByRole("row", { name: new RegExp(paid) })).toHaveCount(0);
    await expect(page.getByText("没有符合筛选条件的支付订单。", { exact: true })).toBeVisible();
  });
  test("refunds from the payment page: a partial refund, a processing one settled by a query, nothing left to refund; the exceptions page", async ({ page }) => {
    const tenant = await createTenant({ locale: "en" });
    const merchant = await createMerchant(tenant);
    await signIn(page, tenant.host, tenant.ownerEmail, tenant.ownerPassword);
    await nav(page, "Payments").click();
    const paid = await makeTestPayment(page, merchant.shortName, "88.00", "Succeeded");
    await page.getByRole("row", { name: new RegExp(paid) }).getByRole("link", { name: paid, exact: true }).click();
    await page.waitForURL(/\/payments\/[0-9a-f-]{36}$/);
    await expect(page.getByText("No refunds", { exact: true })).toBeVisible();

    // A partial refund succeeds at once on the sandbox.
    await page.getByTestId("refund-new").click();
    const dialog = page.getByRole("dialog", { name: `Refund payment ${paid}` });
    await expect(dialog.getByText("At most ¥88.00 can still be refunded")).toBeVisible();
    const amount = dialog.getByRole("textbox", { name: "Refund amount (yuan)" });
    // More than the payment is refused before it is sent.
    await amount.fill("100.00");
    await dialog.getByRole("button", { name: "Refund", exact: true }).click();
    await expect(dialog.getByText("At most ¥88.00 can still be refunded").last()).toBeVisible();
    await amount.fill("30.00");
    await dialog.getByRole("button", { name: "Refund", exact: true }).click();
    await expect(dialog).toBeHidden();
    await expect(toasts(page).getByText(/^Refund CONSOLE-\d{8}-[0-9A-F]{8}: Refunded$/)).toBeVisible();
    const rows = page.getByTestId("refund-row");
    await expect(rows).toHaveCount(1);
    await expect(rows.first().getByTestId("refund-status")).toHaveText("Refunded");
    await expect(rows.first()).toContainText("¥30.00");
    await expect(page.getByTestId("payment-refunded")).toContainText("¥30.00");

    // The rest, ending in 02 fen, is processing at the sandbox until it is queried.
    await page.getByTestId("refund-new").click();
    await expect(dialog.getByText("At most ¥58.00 can still be refunded")).toBeVisible();
    await amount.fill("57.02");
    await dialog.getByRole("button", { name: "Refund", exact: true }).click();
    await expect(toasts(page).getByText(/: Processing$/)).toBeVisible();
    const processing = page.locator('[data-testid="refund-row"][data-status="PROCESSING"]');
    // The background query job may settle it first; otherwise ask the channel from the row.
    const settled = page.locator('[data-testid="refund-row"][data-status="SUCCEEDED"]');
    await expect(processing.or(settled.nth(1))).toHaveCount(1);
    if ((await processing.count()) === 1) await processing.getByRole("button", { name: "Query the channel" }).click();
    await expect(settled).toHaveCount(2);
    await expect(page.getByTestId("payment-refunded")).toContainText("¥87.02");
    // 0.98 left: a last refund is still possible; its row would return the rest of the fee.
    await expect(page.getByTestId("refund-new")).toBeVisible();

    await nav(page, "Exceptions").click();
    await expect(page.getByRole("heading", { level: 1, name: "Exceptions" })).toBeVisible();
    await expect(page.getByText("No exceptions here", { exact: true })).toBeVisible();
    await page.getByRole("combobox", { name: L.language }).selectOption("zh-CN");
    await expect(page.getByRole("heading", { level: 1, name: "差错处理" })).toBeVisible();
    await expect(page.getByText("暂无差错", { exact: true })).toBeVisible();
  });
});
