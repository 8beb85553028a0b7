import { randomBytes, randomInt } from "node:crypto";
import { expect, request, test } from "@playwright/test";
import { withCheckChar } from "../server/core/merchants/credit-code";
import { authorizationHeader } from "../server/core/merchant-api/signature";
import { writePayoutResultFile } from "../server/simulators/bank/result-files";
import { asUser, createTenant, createUser, signIn, uniqueId, type TestTenant, type TestUser } from "./fixtures";

// A FILE payout batch answered by the bank's result file, in a fresh CUSTODIAL provider: two
// withdrawals are held, gathered into a FILE batch and released by a second person (through the
// API, as wallets.spec.ts covers those pages); the batch page shows both processing; the finance
// user uploads the bank's result file (one paid, one failed: account closed) on the batch page;
// the page shows one succeeded and one failed, and the failed payout's money is back in the wallet.

const CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const randomCode17 = () => `91${Array.from({ length: 6 }, () => randomInt(10)).join("")}${Array.from({ length: 9 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join("")}`;

interface Setup {
  tenant: TestTenant;
  admin: TestUser;
  key: { keyId: string; secret: string };
}

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

test("a failed payout in the bank's result file is credited back to the wallet", async ({ page }) => {
  const tenant = await createTenant({ locale: "en", mode: "CUSTODIAL" });
  const admin = await createUser(tenant.host, { email: tenant.ownerEmail, password: tenant.ownerPassword }, "ADMIN");
  const finance = await createUser(tenant.host, { email: tenant.ownerEmail, password: tenant.ownerPassword }, "FINANCE");
  const key = await asUser(tenant.host, tenant.ownerEmail, tenant.ownerPassword, async (api) => {
    const m = await api.mutation<{ id: string }>("merchants.create", {
      legalName: `Result Mart ${uniqueId()} Co., Ltd.`,
      shortName: `Result Mart ${uniqueId()}`,
      creditCode: withCheckChar(randomCode17()),
      legalRepresentative: "Li Na",
      mcc: "5411",
      contactName: "Li Na",
      contactPhone: "+86 138 0000 0003",
    });
    expect(m.status, JSON.stringify(m.error)).toBe(200);
    const k = await api.mutation<{ keyId: string; secret: string }>("apiKeys.create", { merchantId: m.data?.id, label: "e2e" });
    expect(k.status, JSON.stringify(k.error)).toBe(200);
    return { keyId: k.data?.keyId ?? "", secret: k.data?.secret ?? "" };
  });
  const s: Setup = { tenant, admin, key };

  const wallet = await apiPost<{ id: string }>(s, "/api/v1/wallets", { externalUserId: "e2e-result-user" });
  expect(wallet.status, JSON.stringify(wallet.json)).toBe(201);
  const walletId = wallet.json.id;
  // Fund it: an adjustment proposed by the owner, approved by the admin.
  const proposalId = await asUser(tenant.host, tenant.ownerEmail, tenant.ownerPassword, async (api) => {
    const accounts = await api.query<Array<{ id: string; code: string }>>("ledger.findAccounts", { book: "OWN" });
    const w = accounts.data?.find((a) => a.code === `wallet:${walletId}`);
    const bank = accounts.data?.find((a) => a.code === "customer_funds_bank");
    const p = await api.mutation<{ id: string }>("proposals.create", {
      kind: "ledger.adjustment",
      reason: "e2e opening balance",
      payload: {
        businessDate: new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10),
        description: "e2e opening balance",
        lines: [
          { accountId: bank?.id, debitMinor: 100_000n, creditMinor: 0n },
          { accountId: w?.id, debitMinor: 0n, creditMinor: 100_000n },
        ],
      },
    });
    expect(p.status, JSON.stringify(p.error)).toBe(200);
    return p.data?.id ?? "";
  });
  await asUser(tenant.host, admin.email, admin.password, async (api) => {
    const d = await api.mutation("proposals.decide", { id: proposalId, decision: "APPROVE" });
    expect(d.status, JSON.stringify(d.error)).toBe(200);
  });
  const withdraw = (amountMinor: number, name: string) =>
    apiPost<{ id: string; status: string }>(s, "/api/v1/withdrawals", { merchantWithdrawalNo: `W-${uniqueId()}`, walletId, amountMinor, bankAccount: { name, number: "6222020200001234", bankCode: "ICBC" } });
  const paid = await withdraw(30_000, "张三");
  const failed = await withdraw(20_000, "李四");
  expect([paid.status, failed.status]).toEqual([201, 201]);

  // A FILE batch, proposed by the owner and released by the admin.
  const batchId = await asUser(tenant.host, tenant.ownerEmail, tenant.ownerPassword, async (api) => {
    const b = await api.mutation<{ id: string }>("wallets.batches.gather", { delivery: "FILE" });
    expect(b.status, JSON.stringify(b.error)).toBe(200);
    const p = await api.mutation<{ proposalId: string }>("wallets.batches.proposeRelease", { batchId: b.data?.id, reason: "today's withdrawals" });
    expect(p.status, JSON.stringify(p.error)).toBe(200);
    await asUser(tenant.host, admin.email, admin.password, async (adminApi) => {
      const d = await adminApi.mutation("proposals.decide", { id: p.data?.proposalId, decision: "APPROVE" });
      expect(d.status, JSON.stringify(d.error)).toBe(200);
    });
    return b.data?.id ?? "";
  });
  const payoutFile = await asUser(tenant.host, tenant.ownerEmail, tenant.ownerPassword, async (api) => {
    const f = await api.mutation<{ content: string }>("wallets.batches.downloadFile", { id: batchId });
    expect(f.status, JSON.stringify(f.error)).toBe(200);
    return f.data?.content ?? "";
  });
  const numbers = [...payoutFile.matchAll(/^D\d{6}(.{32})/gmu)].map((m) => m[1]!.trim());
  expect(numbers).toHaveLength(2);
  // The payout file is ordered by payout no.; find which is which by amount.
  const amountOf = (no: string) => Number(payoutFile.split("\n").find((l) => l.includes(no))?.slice(141, 156));
  const paidNo = numbers.find((n) => amountOf(n) === 30_000)!;
  const failedNo = numbers.find((n) => amountOf(n) === 20_000)!;
  const result = writePayoutResultFile({
    batchId,
    processedAt: new Date(),
    payoutFile,
    lines: [
      { outPayoutNo: paidNo, verdict: "SUCCEEDED" },
      { outPayoutNo: failedNo, verdict: "FAILED", reasonCode: "62", reason: "账户已销户" },
    ],
  });

  await signIn(page, tenant.host, finance.email, finance.password);
  await page.goto(`${tenant.host}/payouts/batches/${batchId}`);
  const results = page.getByTestId("batch-results");
  await expect(results.getByTestId("result-sent-count")).toHaveText("2");
  await expect(results.getByTestId("result-processing-count")).toHaveText("2");
  await expect(results.getByTestId("result-processing")).toContainText("500.00");

  // A file for another batch is refused before anything is sent.
  await page.getByTestId("result-file").setInputFiles({ name: "other.txt", mimeType: "text/plain", buffer: Buffer.from(result.replace(batchId.replaceAll("-", ""), "0".repeat(32))) });
  await page.getByTestId("result-submit").click();
  await expect(page.getByTestId("result-outcome")).toContainText("another batch");

  await page.getByTestId("result-file").setInputFiles({ name: `RES_${batchId.slice(0, 8)}.txt`, mimeType: "text/plain", buffer: Buffer.from(result) });
  await page.getByTestId("result-submit").click();
  await expect(page.getByTestId("result-outcome")).toContainText("2 applied, 0 differences");
  await expect(results.getByTestId("result-succeeded-count")).toHaveText("1");
  await expect(results.getByTestId("result-failed-count")).toHaveText("1");
  await expect(results.getByTestId("result-failed")).toContainText("200.00");
  await expect(results.getByTestId("result-processing-count")).toHaveText("0");
  await expect(page.getByTestId("batch-status")).toHaveText("Completed");

  // The same file again changes nothing.
  await page.getByTestId("result-file").setInputFiles({ name: "again.txt", mimeType: "text/plain", buffer: Buffer.from(result) });
  await page.getByTestId("result-submit").click();
  await expect(page.getByTestId("result-outcome")).toContainText("imported before");

  // The failed payout's ¥200.00 is back in the wallet: ¥1,000 − ¥300 paid.
  await page.goto(`${tenant.host}/payouts/${failed.json.id}`);
  await expect(page.getByTestId("payout-status")).toHaveText("Failed");
  await page.goto(`${tenant.host}/wallets/${walletId}`);
  await expect(page.getByTestId("wallet-posted")).toContainText("700.00");
  await expect(page.getByTestId("wallet-available")).toContainText("700.00");
  await expect(page.getByRole("table", { name: "Ledger movements" })).toContainText("payout.bank_failure");
});
