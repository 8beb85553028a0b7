import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { withCheckChar } from "../server/core/merchants/credit-code";
import { asUser, createTenant, signIn, uniqueId } from "./fixtures";

// Settlement and the merchant portal (issue 8) in a fresh CUSTODIAL provider: two sandbox payments
// of a merchant with a Chinese name; the merchant's administrator signs in under the provider's
// brand, sees its balances, downloads its statement as a PDF whose first page's text has its
// Chinese name and the closing balance the books hold, then creates an API key, rotates it (a
// second key, the first revoked) and sees the secret once. The owner runs settlement for a date
// from the console and sees the run's outcome per merchant.

const CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const randomCode17 = () => `91${Array.from({ length: 6 }, () => randomInt(10)).join("")}${Array.from({ length: 9 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join("")}`;
const yuan = (minor: bigint) => `¥${minor / 100n}.${(minor % 100n).toString().padStart(2, "0")}`;

test("a merchant downloads its statement PDF and rotates its API key; the owner runs settlement", async ({ page, browser }) => {
  const tenant = await createTenant({ locale: "zh-CN", mode: "CUSTODIAL" });
  const id = uniqueId();
  const legalName = `杭州结算测试餐饮有限公司${id}`;
  const portalUser = { email: `boss-${id}@merchant.test`, password: "Portal-password-1" };
  const owner = { email: tenant.ownerEmail, password: tenant.ownerPassword };

  const { merchantId, closingMinor, today } = await asUser(tenant.host, owner.email, owner.password, async (api) => {
    const m = await api.mutation<{ id: string }>("merchants.create", {
      legalName,
      shortName: `结算测试${id}`,
      creditCode: withCheckChar(randomCode17()),
      legalRepresentative: "王芳",
      mcc: "5812",
      contactName: "王芳",
      contactPhone: "+86 138 0000 0003",
    });
    expect(m.status, JSON.stringify(m.error)).toBe(200);
    const merchantId = m.data!.id;
    const u = await api.mutation("merchants.createUser", { merchantId, email: portalUser.email, name: "王老板", role: "MERCHANT_ADMIN", password: portalUser.password });
    expect(u.status, JSON.stringify(u.error)).toBe(200);
    for (const amountMinor of [12_345n, 6_789n]) {
      const p = await api.mutation<{ status: string }>("payments.createTest", { merchantId, product: "WECHAT_FACE", amountMinor, subject: "结算测试" });
      expect(p.status, JSON.stringify(p.error)).toBe(200);
      expect(p.data?.status).toBe("SUCCEEDED");
    }
    const settings = await api.query<{ today: string }>("settlement.settings", { merchantId });
    const today = settings.data!.today;
    // What the books say the merchant has: the payments net of their fees.
    const payments = await api.query<{ items: Array<{ amountMinor: bigint; feeMinor: bigint; status: string }> }>("payments.find", { merchantId });
    const net = payments.data!.items.filter((p) => p.status === "SUCCEEDED").reduce((s, p) => s + p.amountMinor - p.feeMinor, 0n);
    const st = await api.query<{ closingMinor: bigint }>("settlement.statement", { merchantId, from: today, to: today });
    expect(st.data!.closingMinor).toBe(net);
    return { merchantId, closingMinor: net, today };
  });
  expect(closingMinor).toBeGreaterThan(0n);

  // The merchant's administrator in the portal.
  await signIn(page, tenant.host, portalUser.email, portalUser.password);
  await expect(page).toHaveURL(`${tenant.host}/m`);
  await page.getByRole("navigation").getByRole("link", { name: "结算", exact: true }).click();
  await expect(page.getByRole("heading", { name: "余额" })).toBeVisible();
  await expect(page.getByText("待结算")).toBeVisible();
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "下载 PDF" }).click();
  const file = await (await download).path();
  const pdf = readFileSync(file);
  expect(pdf.subarray(0, 5).toString()).toBe("%PDF-");
  const { extractText, getDocumentProxy } = await import("unpdf");
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(pdf)), { mergePages: false });
  expect(text[0]).toContain(legalName);
  expect(text[0]).toContain(`期末余额: ${yuan(closingMinor)}`);
  // The CSV of the same statement, fetched with the same session.
  const csv = await page.evaluate(async (url) => {
    const r = await fetch(url);
    return { status: r.status, text: await r.text() };
  }, `/api/settlement-statement?from=${today}&to=${today}&format=csv&locale=en&merchantId=${merchantId}`);
  expect(csv.status).toBe(200);
  expect(csv.text).toContain(`Closing balance,${yuan(closingMinor).slice(1)}`);

  // API keys: create, rotate (a second key, then the first revoked).
  await page.getByRole("navigation").getByRole("link", { name: "API 密钥" }).click();
  await expect(page.getByText("暂无 API 密钥")).toBeVisible();
  await page.getByLabel("备注").fill("ERP");
  await page.getByRole("button", { name: "创建密钥" }).click();
  const first = (await page.getByTestId("new-key-id").textContent()) ?? "";
  expect(first).not.toBe("");
  await expect(page.getByTestId("new-key-secret")).not.toBeEmpty();
  await page.getByLabel("备注").fill("ERP 2");
  await page.getByRole("button", { name: "创建密钥" }).click();
  await expect(page.getByTestId("new-key-id")).not.toHaveText(first);
  await page.getByTestId(`api-key-${first}`).getByRole("button", { name: "吊销" }).click();
  await expect(page.getByTestId(`api-key-${first}`).getByText("REVOKED")).toBeVisible();
  await expect(page.getByRole("button", { name: "吊销" })).toHaveCount(1);

  // A refund from the portal: the administrator refunds part of a payment; it is listed with its status.
  await page.getByRole("navigation").getByRole("link", { name: "交易", exact: true }).click();
  await page.getByRole("row").filter({ hasText: "67.89" }).getByRole("button", { name: "退款" }).click();
  const refunds = page.getByRole("dialog");
  await expect(refunds).toContainText("暂无退款。");
  await refunds.getByLabel("退款金额（元）").fill("abc");
  await refunds.getByRole("button", { name: "退款" }).click();
  await expect(refunds.getByText("请输入以元为单位")).toBeVisible();
  await refunds.getByLabel("退款金额（元）").fill("10.00");
  await refunds.getByLabel("退款原因").fill("顾客退一份");
  await refunds.getByRole("button", { name: "退款" }).click();
  await expect(page.getByText("退款结果：已退款")).toBeVisible();
  await expect(refunds.getByRole("list", { name: "退款" })).toContainText("10.00");
  await refunds.getByRole("button", { name: "关闭" }).click();

  // The devices at the merchant's stores: none yet.
  await page.getByRole("navigation").getByRole("link", { name: "设备", exact: true }).click();
  await expect(page.getByText("您的门店暂无设备")).toBeVisible();

  // The owner runs settlement for today: today's money is not due yet (T+1).
  const console = await browser.newPage();
  await signIn(console, tenant.host, owner.email, owner.password);
  await console.getByRole("navigation").getByRole("link", { name: "结算", exact: true }).click();
  await expect(console.getByRole("heading", { name: "执行结算" })).toBeVisible();
  const runForm = console.getByRole("form", { name: "执行结算" });
  await runForm.getByLabel("结算日期").fill(today);
  await runForm.getByRole("button", { name: "执行" }).click();
  await expect(console.getByTestId("settlement-run-result")).toContainText(today);

  // The settlement policy: the owner holds merchants with open exceptions; it survives a reload; back off again.
  const hold = console.getByRole("checkbox", { name: /商户存在未关闭的对账差错时暂缓结算/ });
  await expect(hold).not.toBeChecked();
  await hold.check();
  await expect(console.getByText("结算策略已保存")).toBeVisible();
  await console.reload();
  await expect(console.getByRole("checkbox", { name: /商户存在未关闭的对账差错时暂缓结算/ })).toBeChecked();
  await console.getByRole("checkbox", { name: /商户存在未关闭的对账差错时暂缓结算/ }).uncheck();
  await expect(console.getByRole("checkbox", { name: /商户存在未关闭的对账差错时暂缓结算/ })).not.toBeChecked();

  // The dashboard's business charts, from the daily statistics (kept by the outbox in the app).
  await console.goto(`${tenant.host}/`);
  await expect
    .poll(async () => {
      await console.goto(`${tenant.host}/`);
      return (await console.getByTestId("kpi-count").textContent({ timeout: 10_000 }))?.trim();
    }, { timeout: 60_000, intervals: [2_000] })
    .toBe("2");
  await expect(console.getByRole("heading", { name: "交易额与分润" })).toBeVisible();
  await expect(console.locator("svg.recharts-surface").first()).toBeVisible();
  // Every chart has its table.
  await console.getByRole("button", { name: /以表格显示|Show as table/ }).first().click();
  await expect(console.getByRole("table").first()).toContainText(today);
  await console.close();
});

// DIRECT: the channel pays the merchant itself. The run records what it owes; finance imports the
// channel's settlement statement to merchants (结算对账单) on the Statements page, and the
// settlement is confirmed from it.
test("a direct-mode settlement is confirmed by the channel's settlement statement", async ({ page }) => {
  const tenant = await createTenant({ locale: "en", mode: "DIRECT" });
  const id = uniqueId();
  const shortName = `Direct Noodles ${id}`;
  const owner = { email: tenant.ownerEmail, password: tenant.ownerPassword };
  const subMchId = `19${String(randomInt(10 ** 8)).padStart(8, "0")}`;
  const { date, owed } = await asUser(tenant.host, owner.email, owner.password, async (api) => {
    const m = await api.mutation<{ id: string }>("merchants.create", {
      legalName: `Direct Noodles Ltd ${id}`,
      shortName,
      creditCode: withCheckChar(randomCode17()),
      legalRepresentative: "Wang Fang",
      mcc: "5812",
      contactName: "Wang Fang",
      contactPhone: "+86 138 0000 0004",
    });
    expect(m.status, JSON.stringify(m.error)).toBe(200);
    const merchantId = m.data!.id;
    expect((await api.mutation("settlement.updateSettings", { merchantId, settlementCycle: "D1" })).status).toBe(200);
    const regs = await api.query<{ items: Array<{ id: string }> }>("registrations.find", { merchantId });
    expect(regs.data?.items.length, JSON.stringify(regs.error)).toBe(1);
    const u = await api.mutation("registrations.update", { id: regs.data!.items[0]!.id, subMchId });
    expect(u.status, JSON.stringify(u.error)).toBe(200);
    for (const amountMinor of [12_800n, 3_300n]) {
      const p = await api.mutation<{ status: string }>("payments.createTest", { merchantId, product: "WECHAT_FACE", amountMinor, subject: "Direct" });
      expect(p.data?.status, JSON.stringify(p.error)).toBe("SUCCEEDED");
    }
    const payments = await api.query<{ items: Array<{ amountMinor: bigint; feeMinor: bigint; status: string }> }>("payments.find", { merchantId });
    const owed = payments.data!.items.filter((p) => p.status === "SUCCEEDED").reduce((s, p) => s + p.amountMinor - p.feeMinor, 0n);
    const today = (await api.query<{ today: string }>("settlement.settings", { merchantId })).data!.today;
    const date = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const run = await api.mutation<{ outcomes: Array<{ status: string; netMinor: bigint }> }>("settlement.run", { date, merchantId });
    expect(run.data?.outcomes[0], JSON.stringify(run.error)).toMatchObject({ status: "EXPECTED", netMinor: owed });
    return { date, owed };
  });

  await signIn(page, tenant.host, owner.email, owner.password);
  await page.getByRole("navigation").getByRole("link", { name: "Statements", exact: true }).click();
  const form = page.getByTestId("statement-upload");
  const account = form.getByRole("combobox", { name: "Channel account" });
  await expect(async () => {
    await account.selectOption({ label: "Sandbox" });
    await expect(account).not.toHaveValue("", { timeout: 1000 });
  }).toPass();
  await form.getByLabel("Bill date").fill(date);
  await form.getByRole("combobox", { name: "Format" }).selectOption("MERCHANT_SETTLEMENT");
  const paid = yuan(owed).slice(1);
  const csv = [
    "结算日期,商户编号,商户名称,结算笔数,交易金额(元),手续费(元),结算金额(元),结算流水号,入账账户",
    `${date},${subMchId},${shortName},2,${paid},0.00,${paid},ST${id},6222020200001234`,
    `合计,,,2,${paid},0.00,${paid},,`,
  ].join("\n");
  await form.getByLabel("File").setInputFiles({ name: `settlement-${date}.csv`, mimeType: "text/csv", buffer: Buffer.from(csv, "utf8") });
  await form.getByRole("button", { name: "Import" }).click();
  await expect(page.getByTestId("upload-result")).toHaveText("Imported: 1 line · 1 settlement(s) confirmed");

  await page.getByRole("navigation").getByRole("link", { name: "Settlement", exact: true }).click();
  await expect(page.getByRole("row").filter({ hasText: shortName }).first()).toContainText("Confirmed");
});
