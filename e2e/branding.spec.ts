import { writeFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { Api, alerts, createTenant, rootCssVar, sessionCookieOf, signIn, solidPng } from "./fixtures";

// Branding values end up inside CSS on every page of the tenant, so the editor must refuse
// anything that is not exactly a colour; what it accepts shows in the preview at once and applies
// everywhere once saved. Each test brands a tenant of its own (the demo brands stay untouched).

const DEFAULT_PRIMARY_RGB = "rgb(37, 99, 235)"; // #2563eb, a new tenant's brand
const NEW_PRIMARY = "#7c3aed";
const NEW_PRIMARY_RGB = "rgb(124, 58, 237)";

test.describe("branding", () => {
  test("colours: invalid refused, valid previewed live, saved brand applies after reload", async ({ page, browser }) => {
    const tenant = await createTenant({ locale: "en" });
    await signIn(page, tenant.host, tenant.ownerEmail, tenant.ownerPassword);
    await page.goto(`${tenant.host}/branding`);

    const primary = page.getByRole("textbox", { name: "Primary colour", exact: true });
    const bar = page.getByTestId("preview-bar");
    const save = page.getByRole("button", { name: "Save", exact: true });
    await expect(bar).toHaveCSS("background-color", DEFAULT_PRIMARY_RGB);

    // A CSS injection attempt: field error, Save disabled, preview untouched.
    await primary.fill("red; background:url(x)");
    await expect(primary).toHaveAttribute("aria-invalid", "true");
    await expect(page.getByText(/^Use a hex colour/)).toBeVisible();
    await expect(save).toBeDisabled();
    await expect(bar).toHaveCSS("background-color", DEFAULT_PRIMARY_RGB);

    // The server refuses it too, whatever the browser does.
    const api = await Api.for(tenant.host, `swy_session=${await sessionCookieOf(page, tenant.host)}`);
    const settings = await api.query<{ branding: Record<string, unknown>; defaultLocale: string }>("settings.get");
    expect(settings.status).toBe(200);
    for (const evil of ["red; background:url(x)", "#fff;}body{display:none", "var(--x)", "oklch(0.5 0.1 20) !important"]) {
      const r = await api.mutation("settings.updateBranding", { ...settings.data?.branding, defaultLocale: settings.data?.defaultLocale, primaryColor: evil });
      expect(r.status, evil).toBe(400);
    }
    await api.dispose();

    // A valid colour shows in the preview before anything is saved.
    await primary.fill(NEW_PRIMARY);
    await expect(primary).not.toHaveAttribute("aria-invalid", "true");
    await expect(bar).toHaveCSS("background-color", NEW_PRIMARY_RGB);
    await expect(save).toBeEnabled();
    expect(await rootCssVar(page, "--brand-primary")).toBe("#2563eb");

    const saved = page.waitForResponse((r) => r.url().includes("settings.updateBranding"));
    await save.click();
    expect((await saved).status()).toBe(200);
    await expect(page.getByText("Branding saved")).toBeVisible();

    await page.reload();
    expect(await rootCssVar(page, "--brand-primary")).toBe(NEW_PRIMARY);
    await expect(page.getByRole("button", { name: "Save", exact: true })).toHaveCSS("background-color", NEW_PRIMARY_RGB);

    // And on the tenant's login page, for someone who is not signed in.
    const visitor = await browser.newPage();
    await visitor.goto(`${tenant.host}/login`);
    expect(await rootCssVar(visitor, "--brand-primary")).toBe(NEW_PRIMARY);
    await expect(visitor.getByRole("button", { name: "Sign in", exact: true })).toHaveCSS("background-color", NEW_PRIMARY_RGB);
    await visitor.close();
  });

  test("logo: a file that is not an image is refused, a PNG is shown", async ({ page }, testInfo) => {
    const tenant = await createTenant({ locale: "en" });
    await signIn(page, tenant.host, tenant.ownerEmail, tenant.ownerPassword);
    await page.goto(`${tenant.host}/branding`);
    const fileInput = page.getByLabel("Upload logo");
    const logo = page.locator('main img[src^="/api/brand/logo"]');
    await expect(logo).toHaveCount(0);

    const textFile = testInfo.outputPath("not-a-logo.txt");
    writeFileSync(textFile, "this is not an image\n");
    await fileInput.setInputFiles(textFile);
    await expect(page.getByText("The logo must be a PNG, JPEG, WebP or GIF image")).toBeVisible();
    await expect(logo).toHaveCount(0);

    // The bytes decide, not the name or the declared type: an SVG (which can carry script)
    // calling itself PNG is refused as well.
    await fileInput.setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>') });
    await expect(page.getByText("The logo must be a PNG, JPEG, WebP or GIF image")).toBeVisible();
    await expect(logo).toHaveCount(0);

    await fileInput.setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: solidPng(24, 24, [124, 58, 237]) });
    await expect(logo).toBeVisible();
    await expect(page.getByText("The logo must be a PNG, JPEG, WebP or GIF image")).toHaveCount(0);
    await expect.poll(() => logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(24);
    await expect(alerts(page)).toHaveCount(0);

    // After a reload the console shell shows it too, served as a PNG from the tenant's host.
    await page.reload();
    await expect(page.locator('aside img[src="/api/brand/logo"]')).toBeVisible();
    const contentType = await page.evaluate(() => fetch("/api/brand/logo").then((r) => r.headers.get("content-type")));
    expect(contentType).toBe("image/png");
  });
});
