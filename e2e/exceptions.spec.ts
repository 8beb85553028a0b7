import { expect, test, type Page } from "@playwright/test";
import { renderTradeBill } from "../server/simulators/wechat/trade-bill";
import { L, asUser, createMerchantAs, createTenant, createUser, signIn, uniqueId, type TestUser } from "./fixtures";

// The exception queue (差错处理) end to end, in a CUSTODIAL tenant: a WeChat trade bill with two
// trades this provider never recorded (channel-only 长款) is uploaded; the run shows its
// differences; one finance user takes an exception into investigation and proposes "accept ours"
// with evidence, another approves it; the overage suspense balance falls by its amount; closing the
// day is refused while a difference is unreviewed, with the reason listed, and succeeds once it is
// taken. The queue page in Chinese too. Then an AMOUNT 长款: a payment of ours billed above its
// amount, the channel's amount accepted through maker-checker, the suspense back to zero.

const BILL_DATE = "2026-11-27";

type BillTrade = { outTradeNo: string; channelTradeNo: string; amountMinor: bigint; paidAt: Date };

/** A WeChat ALL bill of the given trades (fee 0.38 %), as the simulator writes it. */
function billOf(billDate: string, trades: BillTrade[]): Buffer {
  const bytes = renderTradeBill({
    billDate,
    billType: "ALL",
    spMchId: "1900000100",
    spAppId: "wx8888888888888888",
    trades: trades.map((t, i) => ({
      trade: { ...t, merchant: "1900000100", subMerchant: "1900000109", feeMinor: 5n, status: "SUCCESS" as const, product: "WECHAT_CODE", description: "E2E lunch", createdAt: t.paidAt, pollsLeft: 0, refunds: [] },
      spAppId: "wx8888888888888888",
      openId: `oE2E00000000000000000000000${i + 1}`,
      tradeType: "MICROPAY",
    })),
    diffs: [],
    previousDayDiffs: [],
    feeRatePpm: 3800,
    newChannelTradeNo: () => "4200000001202611279999",
  });
  if (!bytes) throw new Error("the simulator wrote no bill");
  return bytes;
}

/** Two trades this provider never recorded: channel-only 长款 of 12.80 and 3.00. */
function bill(): Buffer {
  const paidAt = new Date(`${BILL_DATE}T04:00:00Z`);
  return billOf(
    BILL_DATE,
    [1, 2].map((n) => ({ outTradeNo: `SYE2EEXCEPTION000${n}`, channelTradeNo: `420000000120261127000${n}`, amountMinor: n === 1 ? 1_280n : 300n, paidAt: new Date(paidAt.getTime() + n * 60_000) })),
  );
}

const nav = (page: Page, name: string) => page.getByRole("navigation").getByRole("link", { name, exact: true });

async function upload(page: Page, billDate = BILL_DATE, bytes = bill(), differences = 2) {
  await nav(page, "Statements").click();
  const form = page.getByTestId("statement-upload");
  const account = form.getByRole("combobox", { name: "Channel account" });
  await expect(async () => {
    await account.selectOption({ label: "Sandbox" });
    await expect(account).not.toHaveValue("", { timeout: 1000 });
  }).toPass();
  await form.getByLabel("Bill date").fill(billDate);
  await form.getByRole("combobox", { name: "Format" }).selectOption("WECHAT_TRADE_BILL");
  await form.getByLabel("File").setInputFiles({ name: `wechat-${billDate.replaceAll("-", "")}-all.csv`, mimeType: "text/csv", buffer: bytes });
  await form.getByRole("button", { name: "Import" }).click();
  await expect(page.getByTestId("upload-result")).toHaveText(differences === 1 ? "Imported: 1 line" : `Imported: ${differences} lines`);
  // The run: every line is a difference.
  await expect(page.getByTestId("statement-files").locator("tbody tr").first().getByTestId("statement-outcomes")).toHaveText(differences === 1 ? "1 difference" : `${differences} differences`);
  // A new provider's scheduled fetch has not run yet: the page says when it will.
  await expect(page.getByTestId("fetch-status")).toContainText("No automatic fetches yet");
}

async function as(page: Page, host: string, user: TestUser) {
  await page.context().clearCookies();
  await signIn(page, host, user.email, user.password);
}

/** On an exception whose resolution was just proposed: `checker` approves the proposal (a link from the item), and the item is Resolved. */
async function approveAs(page: Page, host: string, checker: TestUser) {
  const proposalHref = await page.getByTestId("review-proposal").getAttribute("href");
  expect(proposalHref).toMatch(/^\/ledger\/adjustments\//);
  const itemUrl = page.url();
  await as(page, host, checker);
  await page.goto(`${host}${proposalHref}`);
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByTestId("proposal-status")).toHaveText("Approved");
  await page.goto(itemUrl);
  await expect(page.getByTestId("exception-status")).toHaveText("Resolved");
}

test.describe("exception queue", () => {
  test("a difference goes from open through investigating to an approved resolution; the suspense falls; the day closes", async ({ page }) => {
    const tenant = await createTenant({ locale: "en", mode: "CUSTODIAL" });
    const owner = { email: tenant.ownerEmail, password: tenant.ownerPassword };
    const maker = await createUser(tenant.host, owner, "FINANCE", "maker");
    const checker = await createUser(tenant.host, owner, "FINANCE", "checker");

    await as(page, tenant.host, maker);
    await upload(page);

    await nav(page, "Exceptions").click();
    await expect(page.getByRole("heading", { level: 1, name: "Exceptions" })).toBeVisible();
    // The queue is a DataTable: its body rows.
    const rows = page.getByTestId("queue-table").locator("tbody tr");
    await expect(rows).toHaveCount(2);
    await expect(page.getByTestId("suspense-overage-balance")).toHaveText("¥15.80");
    await expect(page.getByText("Σ open items equals the suspense balance")).toBeVisible();

    // Filters: the 12.80 one by direction and type still shows both (both are channel-only 长款).
    await page.getByTestId("queue-filters").getByRole("combobox", { name: "Direction" }).selectOption("SHORTAGE");
    await expect(page.getByText("No exceptions here")).toBeVisible();
    await page.getByTestId("queue-filters").getByRole("combobox", { name: "Direction" }).selectOption("OVERAGE");
    await expect(rows).toHaveCount(2);

    // Closing the bill's day is refused while the differences are unreviewed, with the reason.
    const close = page.getByTestId("day-close");
    await close.getByLabel("Business date").fill(BILL_DATE);
    await expect(close.getByTestId("day-blockers")).toContainText("2 difference(s) dated 2026-11-27 or earlier not yet reviewed");
    await close.getByTestId("close-day").click();
    await expect(close.getByTestId("close-error")).toContainText("cannot be closed");

    // Open the 12.80 difference: both sides, its suspense line, then take it.
    await rows.filter({ hasText: "¥12.80" }).getByTestId("open-exception").click();
    const item = page.getByTestId("exception-item");
    await expect(item).toHaveAttribute("data-status", "OPEN");
    await expect(page.getByTestId("side-theirs")).toContainText("SYE2EEXCEPTION0001");
    await expect(page.getByTestId("side-ours")).toContainText("No payment or refund of ours.");
    await expect(page.getByTestId("suspense-line")).toContainText("Held in suspense");
    await page.getByTestId("take-exception").click();
    await expect(page.getByTestId("exception-status")).toHaveText("Investigating");
    await page.getByLabel("Add a comment").fill("Asked WeChat about this trade");
    await page.getByRole("button", { name: "Comment", exact: true }).click();
    await expect(page.getByTestId("history-event").filter({ hasText: "Asked WeChat about this trade" })).toBeVisible();

    // Propose: accept ours, with evidence.
    const form = page.getByTestId("resolution-form");
    await form.getByRole("combobox", { name: "Resolution" }).selectOption("ACCEPT_OURS");
    await form.getByLabel("Evidence").fill("WeChat ticket 20261127-88 confirms the trade is not ours");
    await form.getByLabel("Attachment reference (optional)").fill("ticket-88.pdf");
    await form.getByLabel("Note").fill("Not our trade: WeChat will correct the bill");
    await form.getByTestId("propose-resolution").click();
    await expect(page.getByTestId("exception-status")).toHaveText("Resolution proposed");
    // The checker, another person, approves it.
    await approveAs(page, tenant.host, checker);
    await expect(page.getByTestId("suspense-line")).toContainText("Released by entry");
    await expect(page.getByTestId("history-event").filter({ hasText: "Closed" })).toBeVisible();

    // The suspense balance fell by 12.80.
    await nav(page, "Exceptions").click();
    await expect(page.getByTestId("suspense-overage-balance")).toHaveText("¥3.00");
    await expect(rows).toHaveCount(1);

    // The other difference is still unreviewed; once taken, the day closes.
    const dayClose = page.getByTestId("day-close");
    await dayClose.getByLabel("Business date").fill(BILL_DATE);
    await expect(dayClose.getByTestId("day-blockers")).toContainText("1 difference(s)");
    await rows.first().getByTestId("open-exception").click();
    await page.getByTestId("take-exception").click();
    await expect(page.getByTestId("exception-status")).toHaveText("Investigating");
    // Refunding the payer is asked in the name of the merchant the line names; none of ours is
    // registered as that sub-merchant here, so the proposal is refused with why.
    const refundForm = page.getByTestId("resolution-form");
    await refundForm.getByRole("combobox", { name: "Resolution" }).selectOption("REFUND_CUSTOMER");
    await expect(refundForm).toContainText("the channel refunds the payer");
    await refundForm.getByLabel("Note").fill("Not ours: give it back");
    await refundForm.getByTestId("propose-resolution").click();
    await expect(refundForm.getByRole("alert")).toContainText("No merchant of ours is registered as 1900000109");
    await expect(page.getByTestId("exception-status")).toHaveText("Investigating");
    await nav(page, "Exceptions").click();
    await dayClose.getByLabel("Business date").fill(BILL_DATE);
    await expect(dayClose.getByTestId("day-ready")).toBeVisible();
    await dayClose.getByTestId("close-day").click();
    await expect(page.getByText("Business date 2026-11-27 closed")).toBeVisible();

    // Finance sets a tighter SLA for channel-only differences, then resets it to the default.
    const sla = page.getByTestId("sla-settings").locator("tr[data-kind='RECON_CHANNEL_ONLY']");
    const hours = sla.getByLabel("SLA hours for Reconciliation: only in the channel's statement");
    await expect(hours).toHaveValue("72");
    await hours.fill("0");
    await expect(sla.getByText("A whole number from 1 to 8760")).toBeVisible();
    await expect(sla.getByRole("button", { name: "Save" })).toBeDisabled();
    await hours.fill("4");
    await sla.getByRole("button", { name: "Save" }).click();
    await expect(page.getByText("SLA for Reconciliation: only in the channel's statement saved")).toBeVisible();
    await expect(sla.getByText("Custom")).toBeVisible();
    await expect(hours).toHaveValue("4");
    await sla.getByRole("button", { name: "Reset to default" }).click();
    await expect(sla.getByText("Custom")).toHaveCount(0);
    await expect(hours).toHaveValue("72");

    await page.getByRole("combobox", { name: L.language }).selectOption("zh-CN");
    await expect(page.getByRole("heading", { level: 1, name: "差错处理" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "处理时限（SLA）" })).toBeVisible();
    await expect(page.getByTestId("queue-table").locator("tbody tr").first()).toContainText("调查中");
  });
  test("the channel billed more than our order: its amount is accepted, the merchant is owed the difference, the suspense falls", async ({ page }) => {
    const tenant = await createTenant({ locale: "en", mode: "CUSTODIAL" });
    const owner = { email: tenant.ownerEmail, password: tenant.ownerPassword };
    const maker = await createUser(tenant.host, owner, "FINANCE", "maker");
    const checker = await createUser(tenant.host, owner, "FINANCE", "checker");
    // A payment of ours through the sandbox: 20.00, which the channel's bill shows as 23.00.
    const paid = await asUser(tenant.host, owner.email, owner.password, async (api) => {
      const merchant = await createMerchantAs(api, `Amount Noodles ${uniqueId()}`);
      const r = await api.mutation<{ outTradeNo: string; merchantOrderNo: string; businessDate: Date; paidAt: Date; status: string }>("payments.createTest", { merchantId: merchant.id, product: "WECHAT_CODE", amountMinor: "2000", subject: "E2E amount" });
      expect(r.status, JSON.stringify(r.error)).toBe(200);
      expect(r.data?.status).toBe("SUCCEEDED");
      return r.data!;
    });
    const billDate = new Date(paid.businessDate).toISOString().slice(0, 10);

    await as(page, tenant.host, maker);
    await upload(page, billDate, billOf(billDate, [{ outTradeNo: paid.outTradeNo, channelTradeNo: "4200000001202611270042", amountMinor: 2_300n, paidAt: new Date(paid.paidAt) }]), 1);
    await nav(page, "Exceptions").click();
    await expect(page.getByTestId("suspense-overage-balance")).toHaveText("¥3.00");
    await page.getByTestId("queue-table").locator("tbody tr").first().getByTestId("open-exception").click();
    await expect(page.getByTestId("side-ours")).toContainText(paid.merchantOrderNo);
    await expect(page.getByTestId("side-ours")).toContainText("¥20.00");

    // An amount 长款 of a succeeded payment: the channel's amount, or the excess back to the payer.
    const form = page.getByTestId("resolution-form");
    const resolution = form.getByRole("combobox", { name: "Resolution" });
    await expect(resolution.locator("option")).toHaveText(["Accept the channel's record", "Accept ours (with evidence)", "Refund the customer", "Write off"]);
    await resolution.selectOption("ACCEPT_CHANNEL");
    await expect(form).toContainText("the merchant is owed the difference");
    await form.getByLabel("Note").fill("The payer's receipt shows 23.00");
    await form.getByTestId("propose-resolution").click();
    await expect(page.getByTestId("exception-status")).toHaveText("Resolution proposed");
    await approveAs(page, tenant.host, checker);
    await expect(page.getByTestId("resolution-done")).toContainText(`Channel's amount accepted: ${paid.merchantOrderNo} 2000 → 2300`);
    await nav(page, "Exceptions").click();
    await expect(page.getByTestId("suspense-overage-balance")).toHaveText("¥0.00");
  });
});
