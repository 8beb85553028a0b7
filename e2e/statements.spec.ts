import { expect, test, type Page } from "@playwright/test";
import { renderTradeBill } from "../server/simulators/wechat/trade-bill";
import { L, createTenant, signIn } from "./fixtures";

// Statement import from the console: a WeChat Pay trade bill (written by the WeChat simulator's
// bill writer, in WeChat's format) uploaded against the provider's account with upload progress;
// the same file again changes nothing; a file whose detail no longer adds up to its own summary is
// refused with the line named and nothing stored; the page in Chinese.

const BILL_DATE = "2026-11-27";

function bill(amountMinor: bigint): Buffer {
  const paidAt = new Date(`${BILL_DATE}T04:00:00Z`);
  const trade = {
    outTradeNo: "SYE2ESTATEMENT0001",
    channelTradeNo: "4200000001202611270001",
    merchant: "1900000100",
    subMerchant: "1900000109",
    amountMinor,
    feeMinor: 5n,
    status: "SUCCESS" as const,
    product: "WECHAT_CODE",
    description: "E2E lunch",
    createdAt: paidAt,
    paidAt,
    pollsLeft: 0,
    refunds: [],
  };
  const bytes = renderTradeBill({
    billDate: BILL_DATE,
    billType: "ALL",
    spMchId: "1900000100",
    spAppId: "wx8888888888888888",
    trades: [{ trade, spAppId: "wx8888888888888888", openId: "oE2E000000000000000000000001", tradeType: "MICROPAY" }],
    diffs: [],
    previousDayDiffs: [],
    feeRatePpm: 3800,
    newChannelTradeNo: () => "4200000001202611279999",
  });
  if (!bytes) throw new Error("the simulator wrote no bill");
  return bytes;
}

const nav = (page: Page, name: string) => page.getByRole("navigation").getByRole("link", { name, exact: true });

async function importFile(page: Page, name: string, buffer: Buffer) {
  const form = page.getByTestId("statement-upload");
  const account = form.getByRole("combobox", { name: "Channel account" });
  await expect(async () => {
    await account.selectOption({ label: "Sandbox" });
    await expect(account).not.toHaveValue("", { timeout: 1000 });
  }).toPass();
  await form.getByLabel("Bill date").fill(BILL_DATE);
  await form.getByRole("combobox", { name: "Format" }).selectOption("WECHAT_TRADE_BILL");
  await form.getByLabel("File").setInputFiles({ name, mimeType: "text/csv", buffer });
  await form.getByRole("button", { name: "Import" }).click();
}

test.describe("statements", () => {
  test("a trade bill is imported whole and once; a file that does not add up is refused with its line named", async ({ page }) => {
    const tenant = await createTenant({ locale: "en" });
    await signIn(page, tenant.host, tenant.ownerEmail, tenant.ownerPassword);
    await nav(page, "Statements").click();
    await expect(page.getByRole("heading", { level: 1, name: "Statements" })).toBeVisible();
    await expect(page.getByText("No statements yet", { exact: true })).toBeVisible();

    const good = bill(1_280n);
    await importFile(page, "wechat-20261127-all.csv", good);
    await expect(page.getByTestId("upload-result")).toHaveText("Imported: 1 line");
    // The list is a DataTable: its body rows, inside the page's list.
    const rows = page.getByTestId("statement-files").locator("tbody tr");
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText("wechat-20261127-all.csv");
    await expect(rows.first()).toContainText("¥12.80");
    await expect(rows.first()).toContainText("Current");
    // Reconciled at once: the trade is not one of this provider's payments, a channel-only difference.
    await expect(rows.first().getByTestId("statement-outcomes")).toHaveText("1 difference");

    await importFile(page, "again.csv", good);
    await expect(page.getByTestId("upload-result")).toHaveText("This file was imported before; nothing changed");
    await expect(rows).toHaveCount(1);

    // The detail line says 12.81 while the summary still says 12.80.
    const tampered = Buffer.from(good.toString("utf8").replace("`12.80", "`12.81"), "utf8");
    await importFile(page, "tampered.csv", tampered);
    await expect(page.getByTestId("upload-result")).toContainText("Not imported: the lines do not add up to the file's own totals");
    await expect(page.getByTestId("upload-refusal-detail")).toHaveText("Line 4: summary 应结订单总金额 is 12.80 but the 应结订单金额 of the detail rows adds up to 12.81");
    await expect(rows).toHaveCount(1);

    await page.getByRole("combobox", { name: L.language }).selectOption("zh-CN");
    await expect(page.getByRole("heading", { level: 1, name: "对账单" })).toBeVisible();
    await expect(rows.first()).toContainText("当前");
  });
});
