import { readFile } from "node:fs/promises";
import { expect, test, type Page } from "@playwright/test";
import { todayIn } from "../components/ledger/dates";
import { Api, DEMO_PASSWORD, HUIYUN, NORTHWIND, alerts, asUser, demoEmail, signIn, uniqueId } from "./fixtures";

// The ledger console of the demo provider: the chart of accounts, an adjustment under
// maker-checker (finance proposes, cannot approve its own, the owner approves), the posting on
// the account's statement and in its CSV, a balanced trial balance, and what a viewer may not do.
// Huiyun speaks Chinese by default; selectors accept both languages.

const FINANCE = demoEmail("huiyun", "finance");
const OWNER = demoEmail("huiyun", "owner");
const VIEWER = demoEmail("huiyun", "viewer");

const T = {
  newAdjustment: /^(New adjustment|新建调账)$/,
  submit: /^(Submit for approval|提交审批)$/,
  approve: /^(Approve|通过)$/,
  pending: /^(Pending|待审批)$/,
  approved: /^(Approved|已通过)$/,
  selfApproval: /You cannot decide your own proposal|不能审批自己提交的申请/,
  balanced: /^(Balanced|借贷平衡)$/,
  outOfBalance: /Out of balance|借贷不平/,
  statement: /^(Statement|明细账)$/,
  exportCsv: /^(Export CSV|导出 CSV)$/,
  closeDay: /^(Close day|日切)$/,
  notOver: /not over yet|尚未结束/,
  proposeReversal: /^(Propose reversal|申请冲正)$/,
  reason: /^(Reason|原因)/,
};

interface Account {
  id: string;
  code: string;
  balance: { postedMinor: bigint };
}

async function ownAccount(api: Api, code: string): Promise<Account> {
  const r = await api.query<Account[]>("ledger.findAccounts", { book: "OWN", q: code });
  expect(r.status, JSON.stringify(r.error)).toBe(200);
  const account = r.data?.find((a) => a.code === code);
  expect(account, `account ${code}`).toBeTruthy();
  return account as Account;
}

async function switchUser(page: Page, email: string) {
  await page.context().clearCookies();
  await signIn(page, HUIYUN.host, email, DEMO_PASSWORD);
}

test.describe("ledger", () => {
  test("an adjustment: proposed by finance, refused to its proposer, approved by the owner, posted and balanced", async ({ page }) => {
    const description = `E2E adjustment ${uniqueId()}`;
    const { bank, equity } = await asUser(HUIYUN.host, FINANCE, DEMO_PASSWORD, async (api) => ({
      bank: await ownAccount(api, "operating_bank"),
      equity: await ownAccount(api, "owner_equity"),
    }));

    // The chart of accounts, by book and type.
    await signIn(page, HUIYUN.host, FINANCE, DEMO_PASSWORD);
    await page.goto(`${HUIYUN.host}/ledger`);
    await expect(page.getByTestId("account-row-fee_income")).toBeVisible();
    await expect(page.getByTestId("account-row-fee_income")).toContainText("fee_income");
    await expect(page.getByTestId("account-row-operating_bank")).toBeVisible();
    await expect(page.getByTestId("tb-summary-OWN-CNY").getByTestId("balanced-badge")).toHaveText(T.balanced);

    // A new adjustment: Dr operating bank 100.00 / Cr owner equity 100.00, with the live check.
    await page.goto(`${HUIYUN.host}/ledger/adjustments`);
    await page.getByRole("link", { name: T.newAdjustment }).first().click();
    await expect(page).toHaveURL(`${HUIYUN.host}/ledger/adjustments/new`);
    await page.getByTestId("adjustment-description").fill(description);
    await page.getByTestId("line-0-account").selectOption(bank.id);
    await page.getByTestId("line-0-debit").fill("100.00");
    await page.getByTestId("line-1-account").selectOption(equity.id);
    await page.getByTestId("line-1-credit").fill("90");
    await expect(page.getByTestId("balance-message")).toContainText(T.outOfBalance);
    await expect(page.getByTestId("balance-message")).toHaveAttribute("data-balanced", "false");
    await page.getByTestId("line-1-credit").fill("100.00");
    await expect(page.getByTestId("balance-message")).toHaveAttribute("data-balanced", "true");
    await page.getByTestId("adjustment-reason").fill("Opening capital paid into the operating account");
    await page.getByRole("button", { name: T.submit }).click();
    await page.waitForURL(/\/ledger\/adjustments\/[0-9a-f-]{36}$/);
    const proposalUrl = page.url();
    await expect(page.getByTestId("proposal-status")).toHaveText(T.pending);

    // Maker-checker: the proposer's own approval is refused, and the page says why.
    await page.getByRole("button", { name: T.approve }).click();
    await expect(page.getByTestId("decision-error")).toContainText(T.selfApproval);
    await expect(page.getByTestId("proposal-status")).toHaveText(T.pending);

    // The owner approves: the entry is posted.
    await switchUser(page, OWNER);
    await page.goto(proposalUrl);
    await page.getByRole("button", { name: T.approve }).click();
    await expect(page.getByTestId("proposal-status")).toHaveText(T.approved);
    await expect(alerts(page).getByTestId("decision-error")).toHaveCount(0);
    await page.getByTestId("result-entry-link").click();
    await page.waitForURL(/\/ledger\/entries\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId("posting-operating_bank")).toContainText("100.00");
    await expect(page.getByTestId("posting-owner_equity")).toContainText("100.00");

    // The account page: the new balance and the posting on the statement …
    await page.getByTestId("posting-operating_bank").getByRole("link").click();
    await expect(page).toHaveURL(`${HUIYUN.host}/ledger/accounts/${bank.id}`);
    await expect(page.getByTestId("balance-posted")).toHaveAttribute("data-amount-minor", (bank.balance.postedMinor + 10000n).toString());
    const statement = page.getByRole("region", { name: T.statement });
    const line = statement.getByRole("row").filter({ hasText: description });
    await expect(line).toHaveCount(1);
    await expect(line).toContainText("100.00");

    // … and in its CSV, as integer minor units.
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: T.exportCsv }).click();
    const csv = await readFile((await (await download).path()) ?? "", "utf8");
    const [header, ...records] = csv.replace(/^\uFEFF/, "").trim().split("\r\n");
    const columns = (header ?? "").split(",");
    const record = records.find((r) => r.includes(description))?.split(",") ?? [];
    expect(record[columns.indexOf("debit_minor")]).toBe("10000");
    expect(record[columns.indexOf("credit_minor")]).toBe("0");

    // The trial balance still balances, in the page and in the API.
    await page.goto(`${HUIYUN.host}/ledger/trial-balance`);
    await expect(page.getByTestId("tb-OWN-CNY").getByTestId("balanced-badge")).toHaveText(T.balanced);
    await expect(page.getByTestId("tb-OWN-CNY").getByTestId("tb-row-operating_bank")).toBeVisible();
    await asUser(HUIYUN.host, OWNER, DEMO_PASSWORD, async (api) => {
      const tb = await api.query<{ totals: Array<{ balanced: boolean }> }>("ledger.trialBalance", {});
      expect(tb.status).toBe(200);
      expect(tb.data?.totals.length).toBeGreaterThan(0);
      expect(tb.data?.totals.every((x) => x.balanced)).toBe(true);
    });
  });

  test("a reversal proposed from the entry page, approved by another person, links both entries", async ({ page }) => {
    // Setup through the API: an approved adjustment of 25.00 to reverse (the demo tenant's zone).
    const description = `E2E to reverse ${uniqueId()}`;
    const proposalId = await asUser(HUIYUN.host, FINANCE, DEMO_PASSWORD, async (api) => {
      const bank = await ownAccount(api, "operating_bank");
      const equity = await ownAccount(api, "owner_equity");
      const r = await api.mutation<{ id: string }>("proposals.create", {
        kind: "ledger.adjustment",
        payload: {
          businessDate: todayIn("Asia/Shanghai"),
          description,
          lines: [
            { accountId: bank.id, debitMinor: 2500n, creditMinor: 0n },
            { accountId: equity.id, debitMinor: 0n, creditMinor: 2500n },
          ],
        },
        reason: "E2E setup for a reversal",
      });
      expect(r.status, JSON.stringify(r.error)).toBe(200);
      return r.data?.id ?? "";
    });
    const entryId = await asUser(HUIYUN.host, OWNER, DEMO_PASSWORD, async (api) => {
      const r = await api.mutation<{ result: { entryId: string } }>("proposals.decide", { id: proposalId, decision: "APPROVE" });
      expect(r.status, JSON.stringify(r.error)).toBe(200);
      return r.data?.result.entryId ?? "";
    });

    // The owner proposes the reversal from the entry page …
    await signIn(page, HUIYUN.host, OWNER, DEMO_PASSWORD);
    await page.goto(`${HUIYUN.host}/ledger/entries/${entryId}`);
    await page.getByRole("button", { name: T.proposeReversal }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel(T.reason).fill("Booked twice by mistake");
    await dialog.getByRole("button", { name: T.submit }).click();
    await page.waitForURL(/\/ledger\/adjustments\/[0-9a-f-]{36}$/);
    const proposalUrl = page.url();

    // … finance approves it, and the two entries point at each other.
    await switchUser(page, FINANCE);
    await page.goto(proposalUrl);
    await page.getByRole("button", { name: T.approve }).click();
    await expect(page.getByTestId("proposal-status")).toHaveText(T.approved);
    await page.getByTestId("result-entry-link").click();
    await page.waitForURL(/\/ledger\/entries\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId("entry-kind")).toContainText("reversal");
    await page.getByTestId("reversal-links").getByRole("link").click();
    await expect(page).toHaveURL(`${HUIYUN.host}/ledger/entries/${entryId}`);
    await expect(page.getByTestId("reversal-links").getByRole("link")).toBeVisible();
    await expect(page.getByRole("button", { name: T.proposeReversal })).toHaveCount(0);
  });

  test("today cannot be closed yet, and the page says so", async ({ page }) => {
    await signIn(page, HUIYUN.host, FINANCE, DEMO_PASSWORD);
    await page.goto(`${HUIYUN.host}/ledger/days`);
    const rows = page.locator("tr[data-testid^='day-']");
    await expect(rows).toHaveCount(30);
    // Newest first: the first row is today.
    await rows.first().getByRole("button", { name: /Close business date|日切/ }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: T.closeDay }).click();
    await expect(dialog.getByTestId("ledger-error")).toContainText(T.notOver);
  });

  test("a viewer reads the ledger but cannot propose; operations does not see it", async ({ page }) => {
    await signIn(page, HUIYUN.host, VIEWER, DEMO_PASSWORD);
    await expect(page.getByRole("link", { name: /^(Ledger|账务)$/ })).toBeVisible();
    await page.goto(`${HUIYUN.host}/ledger`);
    await expect(page.getByTestId("account-row-fee_income")).toBeVisible();
    await page.goto(`${HUIYUN.host}/ledger/adjustments`);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(page.getByRole("link", { name: T.newAdjustment })).toHaveCount(0);
    await page.goto(`${HUIYUN.host}/ledger/adjustments/new`);
    await expect(page.getByTestId("forbidden")).toBeVisible();
    await page.goto(`${HUIYUN.host}/ledger/days`);
    await expect(page.locator("tr[data-testid^='day-']").first()).toBeVisible();
    await expect(page.getByRole("button", { name: T.closeDay })).toHaveCount(0);

    await switchUser(page, demoEmail("huiyun", "operations"));
    await expect(page.getByRole("link", { name: /^(Ledger|账务)$/ })).toHaveCount(0);
    await page.goto(`${HUIYUN.host}/ledger`);
    await expect(page.getByTestId("forbidden")).toBeVisible();
  });

  test("another provider's ledger account is not found, in the page and in the API", async ({ page }) => {
    const theirs = await asUser(NORTHWIND.host, demoEmail("northwind", "finance"), DEMO_PASSWORD, (api) => ownAccount(api, "operating_bank"));
    await asUser(HUIYUN.host, FINANCE, DEMO_PASSWORD, async (api) => {
      expect((await api.query("ledger.getAccount", { id: theirs.id })).status).toBe(404);
      expect((await api.query("ledger.statement", { accountId: theirs.id })).status).toBe(404);
    });
    await signIn(page, HUIYUN.host, FINANCE, DEMO_PASSWORD);
    const response = await page.goto(`${HUIYUN.host}/ledger/accounts/${theirs.id}`);
    expect(response?.status()).toBe(404);
  });
});
