import { randomBytes, randomInt } from "node:crypto";
import { expect, request, test, type Page } from "@playwright/test";
import { withCheckChar } from "../server/core/merchants/credit-code";
import { authorizationHeader } from "../server/core/merchant-api/signature";
import { asUser, createTenant, signIn, uniqueId, type TestTenant } from "./fixtures";

// The face-device fleet in a fresh DIRECT provider: a CSV import whose preview shows row-level
// errors (nothing imported until the file is clean), a bulk assignment to a store, then one device
// activated and paying through the signed device API, and its page's charts showing the day.

const CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const randomCode17 = () => `91${Array.from({ length: 6 }, () => randomInt(10)).join("")}${Array.from({ length: 9 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join("")}`;

interface Setup {
  tenant: TestTenant;
  merchantName: string;
  storeName: string;
}

async function setUp(): Promise<Setup> {
  const tenant = await createTenant({ locale: "en" });
  const merchantName = `Face Mart ${uniqueId()}`;
  const storeName = `Face Mart Store ${uniqueId()}`;
  await asUser(tenant.host, tenant.ownerEmail, tenant.ownerPassword, async (api) => {
    const m = await api.mutation<{ id: string }>("merchants.create", {
      legalName: `${merchantName} Co., Ltd.`,
      shortName: merchantName,
      creditCode: withCheckChar(randomCode17()),
      legalRepresentative: "Li Na",
      mcc: "5411",
      contactName: "Li Na",
      contactPhone: "+86 138 0000 0003",
    });
    expect(m.status, JSON.stringify(m.error)).toBe(200);
    const s = await api.mutation<{ id: string }>("stores.create", { merchantId: m.data?.id, name: storeName, address: "8 Test Road" });
    expect(s.status, JSON.stringify(s.error)).toBe(200);
    // A second channel account the merchant is registered on, for rebinding a device.
    const two = await api.mutation<{ id: string }>("channels.create", { channelType: "SANDBOX", name: "Sandbox Two", params: {}, credentials: { notifySecret: `nsec-${uniqueId()}` } });
    expect(two.status, JSON.stringify(two.error)).toBe(200);
    const reg = await api.mutation("registrations.create", { merchantId: m.data?.id, channelAccountId: two.data?.id, status: "ACTIVE", channelRatePpm: 3800 });
    expect(reg.status, JSON.stringify(reg.error)).toBe(200);
  });
  return { tenant, merchantName, storeName };
}

/** A device API call as a terminal makes it (activation unsigned, the rest signed with its secret). */
async function devicePost<T>(tenant: TestTenant, path: string, body: unknown, key?: { deviceId: string; secret: string }): Promise<{ status: number; json: T }> {
  const url = new URL(tenant.host);
  const ctx = await request.newContext({ baseURL: `http://127.0.0.1:${url.port}` });
  try {
    const text = JSON.stringify(body);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(16).toString("hex");
    const r = await ctx.post(path, {
      headers: {
        host: url.host,
        "content-type": "application/json",
        ...(key
          ? { "idempotency-key": `e2e-${uniqueId()}`, authorization: authorizationHeader(key.deviceId, key.secret, { method: "POST", pathWithQuery: path, timestamp, nonce, body: text }) }
          : {}),
      },
      data: text,
    });
    return { status: r.status(), json: (await r.json()) as T };
  } finally {
    await ctx.dispose();
  }
}

const nav = (page: Page, name: string) => page.getByRole("navigation").getByRole("link", { name, exact: true });

test.describe("devices", () => {
  test("bulk import with row errors, bulk assignment, activation, payments and the device page's charts", async ({ page }) => {
    const s = await setUp();
    const id = uniqueId().toUpperCase().replace(/[^A-Z0-9]/g, "");
    const sn1 = `E2E${id}A`;
    const sn2 = `E2E${id}B`;
    await signIn(page, s.tenant.host, s.tenant.ownerEmail, s.tenant.ownerPassword);
    await nav(page, "Devices").click();
    await expect(page.getByText("No devices yet")).toBeVisible();

    // A file with errors: the preview lists them by line, and there is no import button.
    await page.getByRole("navigation", { name: "Device sections" }).getByRole("link", { name: "Import", exact: true }).click();
    await page.getByLabel("Or paste the CSV").fill(`serialNumber,model,vendor\n${sn1},F4,WECHAT_FACE\nbad sn,F4,WECHAT_FACE\n${sn1},F4,OTHER\n${sn2},F4,NOPE\n`);
    await page.getByRole("button", { name: "Preview" }).click();
    const errors = page.getByTestId("import-errors");
    await expect(errors.locator("tr[data-line='3']")).toContainText("The serial number must be 4 to 64 letters");
    await expect(errors.locator("tr[data-line='4']")).toContainText("appears earlier in the file");
    await expect(errors.locator("tr[data-line='5']")).toContainText("WECHAT_FACE, ALIPAY_FACE or OTHER");
    await expect(page.getByRole("button", { name: /^Import \d+ device/ })).toHaveCount(0);

    // Fixed: two devices imported.
    await page.getByLabel("Or paste the CSV").fill(`serialNumber,model,vendor\n${sn1},F4,WECHAT_FACE\n${sn2},F4,ALIPAY_FACE\n`);
    await page.getByRole("button", { name: "Preview" }).click();
    await page.getByRole("button", { name: "Import 2 device(s)" }).click();
    await page.waitForURL(/\/devices$/);
    const table = page.getByTestId("devices-table");
    await expect(table.locator(`tr[data-serial='${sn1}']`)).toContainText("In stock");
    await expect(table.locator(`tr[data-serial='${sn2}']`)).toContainText("In stock");

    // Bulk assignment to the store on the merchant's sandbox account.
    await page.getByLabel("Select all shown").check();
    await page.getByTestId("bulk-bar").getByRole("button", { name: "Assign…" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Merchant").selectOption({ label: s.merchantName });
    await dialog.getByLabel("Store").selectOption({ label: s.storeName });
    // The merchant is registered on the tenant's sandbox and on Sandbox Two: both are offered.
    await expect(dialog.getByLabel("Channel account").locator("option")).toHaveCount(3);
    await dialog.getByLabel("Channel account").selectOption({ label: "Sandbox (SANDBOX)" });
    await dialog.getByLabel("Reason").fill("opening day");
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await expect(table.locator(`tr[data-serial='${sn1}']`)).toContainText("Assigned");
    await expect(table.locator(`tr[data-serial='${sn1}']`)).toContainText(s.storeName);

    // An activation code for the first device, then the terminal activates and takes two payments.
    await page.getByRole("navigation", { name: "Device sections" }).getByRole("link", { name: "Activation codes", exact: true }).click();
    // Filled again until the form has hydrated and took the value (the button enables with it).
    await expect(async () => {
      await page.getByLabel("Serial number").fill(sn1);
      await expect(page.getByRole("button", { name: "Create code" })).toBeEnabled({ timeout: 1000 });
    }).toPass({ timeout: 15_000 });
    await page.getByRole("button", { name: "Create code" }).click();
    const code = (await page.getByTestId("new-code").locator("p.font-mono").textContent())?.trim() ?? "";
    expect(code).toMatch(/^[A-Z2-9]{12}$/);
    const activated = await devicePost<{ deviceId: string; deviceSecret: string }>(s.tenant, "/api/device/v1/activate", { activationCode: code, serialNumber: sn1, model: "F4" });
    expect(activated.status, JSON.stringify(activated.json)).toBe(201);
    const key = { deviceId: activated.json.deviceId, secret: activated.json.deviceSecret };
    expect((await devicePost(s.tenant, "/api/device/v1/heartbeat", { appVersion: "3.0.0", network: "wifi" }, key)).status).toBe(200);
    for (const [n, amountMinor] of [[1, 1200], [2, 3400]] as const) {
      const p = await devicePost<{ status: string }>(s.tenant, "/api/device/v1/payments", { deviceOrderNo: `e2e-${n}`, amountMinor, faceCode: `FACE-${n}` }, key);
      expect([p.status, p.json.status]).toEqual([201, "SUCCEEDED"]);
    }

    // The device page: online, active, and its charts and totals once the statistics have caught up.
    await page.goto(`${s.tenant.host}/devices`);
    await table.locator(`tr[data-serial='${sn1}']`).getByRole("link", { name: sn1 }).click();
    await page.waitForURL(/\/devices\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("heading", { name: `Device ${sn1}` })).toBeVisible();
    await expect(page.getByText("Online", { exact: true }).first()).toBeVisible();
    await expect(async () => {
      await page.reload();
      await expect(page.getByText("46.00").first()).toBeVisible({ timeout: 1000 });
    }).toPass({ timeout: 30_000 });
    const charts = page.getByTestId("device-charts");
    await expect(charts.getByText("Payments per day")).toBeVisible();
    await expect(charts.getByText("Volume per day")).toBeVisible();
    await expect(charts.locator(".recharts-wrapper")).toHaveCount(2);
    await expect(charts.locator(".recharts-bar-rectangle").first()).toBeVisible();
    // The daily figures: today's two payments are valid for incentives, by two distinct payers (two face codes).
    const figures = page.getByTestId("device-daily");
    await expect(figures.locator("thead")).toContainText("Distinct payers");
    await expect(figures.locator("tbody tr").first().locator("td").nth(4)).toHaveText("2");
    await expect(figures.locator("tbody tr").first().locator("td").nth(5)).toHaveText("2");
    await expect(page.getByTestId("device-history")).toContainText("opening day");
    await expect(page.getByTestId("device-history")).toContainText("ACTIVATE");

    // Rebinding the active device to the merchant's other channel account.
    const rebind = page.getByTestId("rebind-device");
    await rebind.getByRole("combobox", { name: "Channel account" }).selectOption({ label: "Sandbox Two (SANDBOX)" });
    await rebind.getByLabel("Terminal number there").fill("T-0002");
    await rebind.getByLabel("Reason").fill("moved to the second acquirer");
    await rebind.getByRole("button", { name: "Rebind" }).click();
    await expect(page.getByText("Device rebound")).toBeVisible();
    await expect(page.getByText("Sandbox Two (SANDBOX)", { exact: true })).toBeVisible();
    await expect(page.getByTestId("device-history")).toContainText("REBIND");
  });
});
