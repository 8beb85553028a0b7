import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomInt } from "node:crypto";
import { expect, test } from "@playwright/test";
import { withCheckChar } from "../server/core/merchants/credit-code";
import { verifyWebhookSignature } from "../server/core/webhooks/signature";
import { asUser, createTenant, createUser, signIn, uniqueId } from "./fixtures";

// A merchant's Developers tab, end to end: an operations user makes and revokes an API key (the
// secret shown once), sets up the webhook endpoint pointing at a receiver on 127.0.0.1 (the server
// runs with SWITCHYARD_WEBHOOK_ALLOW_LOOPBACK=1), a test payment's payment.succeeded arrives signed
// with the secret the page showed, the delivery log shows it delivered, a resend adds a manual
// attempt, and the secret rotates.

const CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const randomCreditCode = () => withCheckChar(`91330106${Array.from({ length: 9 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join("")}`);

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

test("an operations user manages API keys and the webhook endpoint, and sees deliveries", async ({ page }) => {
  const received: Received[] = [];
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "content-type": "text/plain" }).end("thanks");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/swy-hooks`;

  try {
    const tenant = await createTenant({ locale: "en" });
    const ops = await createUser(tenant.host, { email: tenant.ownerEmail, password: tenant.ownerPassword }, "OPERATIONS");
    const shortName = `Dev Tea ${uniqueId()}`;
    const merchantId = await asUser(tenant.host, tenant.ownerEmail, tenant.ownerPassword, async (api) => {
      const r = await api.mutation<{ id: string }>("merchants.create", {
        legalName: `${shortName} Co., Ltd.`,
        shortName,
        creditCode: randomCreditCode(),
        legalRepresentative: "Wang Wei",
        mcc: "5814",
        contactName: "Wang Wei",
        contactPhone: "+86 138 0000 0001",
      });
      expect(r.status, JSON.stringify(r.error)).toBe(200);
      return r.data?.id ?? "";
    });

    await signIn(page, tenant.host, ops.email, ops.password);
    await page.goto(`${tenant.host}/merchants/${merchantId}`);
    await page.getByRole("tab", { name: "Developers" }).click();
    const tab = page.getByTestId("developers-tab");
    await expect(tab.getByText("No API keys yet")).toBeVisible();
    await expect(tab.getByText("No webhook endpoint yet")).toBeVisible();
    await expect(tab.getByText("No events yet")).toBeVisible();

    // An API key: the secret is shown once, then the list has the key without it.
    await tab.getByRole("button", { name: "New API key" }).click();
    await page.getByRole("dialog").getByLabel("Label").fill("Flagship POS");
    await page.getByRole("dialog").getByRole("button", { name: "Create", exact: true }).click();
    const apiSecret = (await page.getByTestId("api-key-secret").textContent()) ?? "";
    expect(apiSecret).toMatch(/^sk_[0-9A-Za-z]{43}$/);
    await page.getByRole("button", { name: "I have stored it" }).click();
    const keyRow = tab.getByTestId("api-key-row");
    await expect(keyRow).toHaveCount(1);
    await expect(keyRow).toContainText("Flagship POS");
    await expect(tab).not.toContainText(apiSecret);
    await keyRow.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
    await expect(keyRow).toHaveAttribute("data-status", "REVOKED");

    // The webhook endpoint: a private-looking URL is fine here (loopback allowed for the test).
    await tab.getByRole("button", { name: "Set up endpoint" }).click();
    await page.getByRole("dialog").getByLabel("URL").fill(hookUrl);
    await page.getByRole("dialog").getByRole("button", { name: "Create", exact: true }).click();
    const hookSecret = (await page.getByTestId("endpoint-secret").textContent()) ?? "";
    expect(hookSecret).toMatch(/^whsec_[0-9A-Za-z]{43}$/);
    await page.getByRole("button", { name: "I have stored it" }).click();
    await expect(tab.getByTestId("endpoint-url")).toHaveText(hookUrl);
    await expect(tab.getByTestId("endpoint-enabled")).toHaveText("Deliveries on");

    // A test payment succeeds through the sandbox: its payment.succeeded webhook arrives, signed.
    await asUser(tenant.host, tenant.ownerEmail, tenant.ownerPassword, async (api) => {
      const r = await api.mutation<{ status: string }>("payments.createTest", { merchantId, product: "WECHAT_FACE", amountMinor: 1_000n, subject: "Developers tab test" });
      expect(r.status, JSON.stringify(r.error)).toBe(200);
      expect(r.data?.status).toBe("SUCCEEDED");
    });
    await expect.poll(() => received.length, { timeout: 20_000 }).toBeGreaterThan(0);
    const first = received[0]!;
    expect(first.headers["user-agent"]).toBe("Switchyard-Webhooks/1");
    expect(verifyWebhookSignature(first.headers["switchyard-signature"] as string, first.body, [hookSecret], new Date()).ok).toBe(true);
    const event = JSON.parse(first.body) as { id: string; type: string };
    expect(event.type).toBe("payment.succeeded");

    // The delivery log shows it delivered; its attempts, then a manual resend.
    await page.reload();
    await page.getByRole("tab", { name: "Developers" }).click();
    const row = page.getByTestId("webhook-event-row").first();
    await expect(row).toHaveAttribute("data-status", "DELIVERED", { timeout: 15_000 });
    await row.getByRole("button", { name: "View" }).click();
    const detail = page.getByTestId("webhook-event-detail");
    await expect(detail).toContainText(event.id);
    await expect(detail.getByTestId("webhook-attempt")).toHaveCount(1);
    await page.getByTestId("webhook-resend").click();
    await expect(detail.locator('[data-testid="webhook-attempt"][data-trigger="MANUAL"]')).toHaveCount(1);
    await expect.poll(() => received.filter((r) => r.body.includes(event.id)).length).toBe(2);
    await page.getByRole("dialog").getByRole("button", { name: "Close", exact: true }).last().click();

    // Rotation: a new secret once, the previous one still signing for a day.
    await tab.getByRole("button", { name: "Rotate secret" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Rotate secret" }).click();
    const rotated = (await page.getByTestId("endpoint-secret").textContent()) ?? "";
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(hookSecret);
    await page.getByRole("button", { name: "I have stored it" }).click();
    await expect(tab.getByTestId("previous-secret-until")).toBeVisible();
    await expect(tab.getByText("Secret version 2")).toBeVisible();

    // Deliveries off.
    await tab.getByRole("button", { name: "Turn off" }).click();
    await expect(tab.getByTestId("endpoint-enabled")).toHaveText("Deliveries off");
  } finally {
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
});
