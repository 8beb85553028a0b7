import { randomBytes, randomInt } from "node:crypto";
import { expect, request, test, type Page } from "@playwright/test";
import { withCheckChar } from "../server/core/merchants/credit-code";
import { authorizationHeader } from "../server/core/merchant-api/signature";
import { HUIYUN, asUser, createTenant, createUser, huiyunOwner, signIn, uniqueId, type TestTenant, type TestUser } from "./fixtures";

// Wallets and payouts in a fresh CUSTODIAL provider (its sandbox account pays out: account numbers
// ending 0000 fail, others are paid at once): a merchant opens a wallet and asks for two
// withdrawals through the signed merchant API; the wallet is funded by an approved ledger
// adjustment (recharge payments are another module's). In the console the owner gathers the held
// payouts into a batch and proposes its release; the proposer's own approval is refused, a second
// person approves; the outbox sends the batch, and the pages show one paid and one failed back to
// the wallet, with their timelines. A DIRECT provider sees why there are no wallets.

const CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const randomCode17 = () => `91${Array.from({ length: 6 }, () => randomInt(10)).join("")}${Array.from({ length: 9 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join("")}`;

interface Setup {
  tenant: TestTenant;
  admin: TestUser;
  key: { keyId: string; secret: string };
}

async function setUp(): Promise<Setup> {
  const tenant = await createTenant({ locale: "en", mode: "CUSTODIAL" });
  const admin = await createUser(tenant.host, { email: tenant.ownerEmail, password: tenant.ownerPassword }, "ADMIN");
  const key = await asUser(tenant.host, tenant.ownerEmail, tenant.ownerPassword, async (api) => {
    const m = await api.mutation<{ id: string }>("merchants.create", {
      legalName: `Wallet Mart ${uniqueId()} Co., Ltd.`,
      shortName: `Wallet Mart ${uniqueId()}`,
      creditCode: withCheckChar(randomCode17()),
      legalRepresentative: "Li Na",
      mcc: "5411",
      contactName: "Li Na",
      contactPhone: "+86 138 0000 0002",
    });
    expect(m.status, JSON.stringify(m.error)).toBe(200);
    const k = await api.mutation<{ keyId: string; secret: string }>("apiKeys.create", { merchantId: m.data?.id, label: "e2e" });
    expect(k.status, JSON.stringify(k.error)).toBe(200);
    return { keyId: k.data?.keyId ?? "", secret: k.data?.secret ?? "" };
  });
  return { tenant, admin, key };
}

/** A signed merchant API POST, as a merchant's system makes it. */
async function apiPost<T>(s: Setup, path: string, body: unknown): Promise<{ status: number; json: T }> {
  const url = new URL(s.tenant.host);
  const ctx = await request.newContext({ baseURL: `http://127.0.0.1:${url.port}` });
  try {
    const text = JSON.stringify(body);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(16).toString("hex");
    const r = await ctx.post(path, {
      headers: {
        host: url.host,
        "content-type": "application/json",
        "idempotency-key": `e2e-${uniqueId()}`,
        authorization: authorizationHeader(s.key.keyId, s.key.secret, { method: "POST", pathWithQuery: path, timestamp, nonce, body: text }),
      },
      data: text,
    });
    return { status: r.status(), json: (await r.json()) as T };
  } finally {
    await ctx.dispose();
  }
}

/** Credits the wallet through a ledger adjustment proposed by the owner and approved by the admin. */
async function fund(s: Setup, walletId: string, amountMinor: bigint): Promise<void> {
  const proposalId = await asUser(s.tenant.host, s.tenant.ownerEmail, s.tenant.ownerPassword, async (api) => {
    const accounts = await api.query<Array<{ id: string; code: string }>>("ledger.findAccounts", { book: "OWN" });
    const wallet = accounts.data?.find((a) => a.code === `wallet:${walletId}`);
    const bank = accounts.data?.find((a) => a.code === "customer_funds_bank");
    expect(wallet && bank, JSON.stringify(accounts.error)).toBeTruthy();
    const p = await api.mutation<{ id: string }>("proposals.create", {
      kind: "ledger.adjustment",
      reason: "e2e opening balance",
      payload: {
        businessDate: new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10),
        description: "e2e opening balance",
        lines: [
          { accountId: bank?.id, debitMinor: amountMinor, creditMinor: 0n },
          { accountId: wallet?.id, debitMinor: 0n, creditMinor: amountMinor },
        ],
      },
    });
    expect(p.status, JSON.stringify(p.error)).toBe(200);
    return p.data?.id ?? "";
  });
  await asUser(s.tenant.host, s.admin.email, s.admin.password, async (api) => {
    const d = await api.mutation("proposals.decide", { id: proposalId, decision: "APPROVE" });
    expect(d.status, JSON.stringify(d.error)).toBe(200);
  });
}

const nav = (page: Page, name: string) => page.getByRole("navigation").getByRole("link", { name, exact: true });

test.describe("wallets and payouts", () => {
  test("withdrawals are held, gathered, released by a second person, sent, and one fails back to the wallet", async ({ page, browser }) => {
    const s = await setUp();
    const wallet = await apiPost<{ id: string; availableMinor: number }>(s, "/api/v1/wallets", { externalUserId: "e2e-user-1" });
    expect(wallet.status, JSON.stringify(wallet.json)).toBe(201);
    const walletId = wallet.json.id;
    await fund(s, walletId, 100_000n);
    const paid = await apiPost<{ id: string; status: string }>(s, "/api/v1/withdrawals", {
      merchantWithdrawalNo: `W-OK-${uniqueId()}`,
      walletId,
      amountMinor: 30_000,
      bankAccount: { name: "张三", number: "6222020200001234", bankCode: "ICBC" },
    });
    expect([paid.status, paid.json.status]).toEqual([201, "HELD"]);
    const failed = await apiPost<{ id: string; status: string }>(s, "/api/v1/withdrawals", {
      merchantWithdrawalNo: `W-NO-${uniqueId()}`,
      walletId,
      amountMinor: 20_000,
      bankAccount: { name: "李四", number: "6222020200000000", bankCode: "ICBC" },
    });
    expect(failed.status).toBe(201);

    await signIn(page, s.tenant.host, s.tenant.ownerEmail, s.tenant.ownerPassword);
    // The wallet: ¥1,000.00 in the books, ¥500.00 of it on hold.
    await nav(page, "Wallets").click();
    await page.getByRole("link", { name: "e2e-user-1" }).click();
    await expect(page.getByTestId("wallet-posted")).toContainText("1,000.00");
    await expect(page.getByTestId("wallet-available")).toContainText("500.00");

    // Gather, then propose the release.
    await page.goto(`${s.tenant.host}/payouts/batches`);
    await expect(page.getByTestId("held-summary")).toContainText("2 held");
    await page.getByTestId("gather-open").click();
    await page.getByTestId("gather-confirm").click();
    await page.waitForURL(/\/payouts\/batches\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId("batch-status")).toHaveText("Open");
    await expect(page.getByTestId("batch-count")).toContainText("2");
    await page.getByTestId("batch-propose").click();
    await page.getByTestId("propose-dialog-reason").fill("Today's withdrawals");
    await page.getByTestId("propose-dialog-confirm").click();
    await expect(page.getByTestId("batch-status")).toHaveText("Awaiting approval");
    await expect(page.getByTestId("proposal-state")).toHaveText("Waiting for a second person");
    const batchUrl = page.url();

    // The proposer cannot approve their own release; the admin can, on the proposal's page.
    await page.getByTestId("proposal-link").click();
    await page.waitForURL(/\/ledger\/adjustments\/[0-9a-f-]{36}$/);
    await page.getByRole("button", { name: "Approve", exact: true }).click();
    await expect(page.getByTestId("decision-error")).toContainText("another person must");
    await expect(page.getByTestId("proposal-status")).toHaveText("Pending");
    const proposalUrl = page.url();
    const checker = await browser.newPage();
    await signIn(checker, s.tenant.host, s.admin.email, s.admin.password);
    await checker.goto(proposalUrl);
    await checker.getByRole("button", { name: "Approve", exact: true }).click();
    await expect(checker.getByTestId("proposal-status")).toHaveText("Approved");
    await checker.close();

    // The outbox sends the batch after the approval commits; the sandbox answers at once.
    await expect(async () => {
      await page.goto(batchUrl);
      await expect(page.getByTestId("batch-status")).toHaveText("Completed", { timeout: 1000 });
    }).toPass({ timeout: 30_000 });
    await expect(page.getByTestId("batch-payouts")).toContainText("Paid");
    await expect(page.getByTestId("batch-payouts")).toContainText("Failed");

    // The failed one is back in the wallet, with its timeline.
    await page.goto(`${s.tenant.host}/payouts/${failed.json.id}`);
    await expect(page.getByTestId("payout-status")).toHaveText("Failed");
    const timeline = page.getByTestId("payout-timeline");
    await expect(timeline.getByTestId("transition")).toHaveCount(4);
    await expect(timeline).toContainText("Sent to the bank");
    await expect(timeline).toContainText(s.admin.email);
    await page.goto(`${s.tenant.host}/wallets/${walletId}`);
    await expect(page.getByTestId("wallet-posted")).toContainText("700.00");
    await expect(page.getByTestId("wallet-available")).toContainText("700.00");
    await expect(page.getByRole("table", { name: "Ledger movements" })).toContainText("payout.bank_failure");
  });

  test("a DIRECT provider sees why there are no wallets, and no menu entry for them", async ({ page }) => {
    await signIn(page, HUIYUN.host, huiyunOwner.email, huiyunOwner.password);
    await expect(page.getByRole("navigation").getByRole("link", { name: /^(Wallets|钱包)$/ })).toHaveCount(0);
    await page.goto(`${HUIYUN.host}/wallets`);
    await expect(page.getByTestId("direct-mode-notice")).toBeVisible();
    await page.goto(`${HUIYUN.host}/payouts/batches`);
    await expect(page.getByTestId("direct-mode-notice")).toBeVisible();
  });
});
