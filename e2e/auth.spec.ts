import { expect, test } from "@playwright/test";
import { Api, HUIYUN, alerts, L, PLATFORM, PLATFORM_ADMIN, createTenant, createUser, huiyunOwner, sessionCookieOf, signIn, submitLogin, uniqueId } from "./fixtures";

test.describe("sign-in and sessions", () => {
  test("signing out ends the session on the server, not only in the browser", async ({ page }) => {
    const user = await createUser(HUIYUN.host, huiyunOwner, "FINANCE");
    await signIn(page, HUIYUN.host, user.email, user.password);
    await expect(page.getByTestId("stat-merchants")).toBeVisible();
    const cookie = await sessionCookieOf(page, HUIYUN.host);

    // While signed in the cookie works against the API (so the 401 below is not a false pass).
    const api = await Api.for(HUIYUN.host, `swy_session=${cookie}`);
    expect((await api.query("account.me")).status).toBe(200);

    await page.getByRole("button", { name: L.signOut }).click();
    await page.waitForURL(`${HUIYUN.host}/login`);
    await expect(page.getByRole("button", { name: L.signIn })).toBeVisible();

    // A copy of the old cookie (stolen, or kept by a shared computer) is dead.
    const me = await api.query("account.me");
    expect(me.status).toBe(401);
    expect(me.error?.data.code).toBe("UNAUTHORIZED");
    await api.dispose();

    await page.goto(`${HUIYUN.host}/merchants`);
    await expect(page).toHaveURL(`${HUIYUN.host}/login`);
  });

  test("a wrong password and an unknown email get the same generic error", async ({ page }) => {
    const user = await createUser(HUIYUN.host, huiyunOwner, "VIEWER");

    await submitLogin(page, HUIYUN.host, user.email, "Wrong-password-1");
    await expect(alerts(page)).toHaveText(L.invalidCredentials);
    await expect(page).toHaveURL(`${HUIYUN.host}/login`);

    await submitLogin(page, HUIYUN.host, `nobody-${uniqueId()}@huiyun.test`, "Wrong-password-1");
    await expect(alerts(page)).toHaveText(L.invalidCredentials);

    // The right password still works after one miss.
    await signIn(page, HUIYUN.host, user.email, user.password);
    await expect(page.getByTestId("stat-merchants")).toBeVisible();
  });

  test("five failures lock the email out, even against the right password", async ({ page }) => {
    const user = await createUser(HUIYUN.host, huiyunOwner, "VIEWER");
    for (let attempt = 1; attempt <= 5; attempt++) {
      const r = await submitLogin(page, HUIYUN.host, user.email, `Wrong-password-${attempt}`);
      expect(r.status(), `attempt ${attempt}`).not.toBe(200);
      if (attempt < 5) await expect(alerts(page)).toHaveText(L.invalidCredentials);
    }
    const sixth = await submitLogin(page, HUIYUN.host, user.email, user.password);
    expect(sixth.status()).toBe(429);
    await expect(alerts(page)).toContainText(L.locked);
    await expect(page).toHaveURL(`${HUIYUN.host}/login`);

    // The lock is per email: another user of the same tenant is not affected.
    const other = await createUser(HUIYUN.host, huiyunOwner, "VIEWER");
    await signIn(page, HUIYUN.host, other.email, other.password);
    await expect(page.getByTestId("stat-merchants")).toBeVisible();
  });

  test("suspending a tenant ends its users' sessions", async ({ page, browser }) => {
    const tenant = await createTenant({ locale: "en" });
    await signIn(page, tenant.host, tenant.ownerEmail, tenant.ownerPassword);
    await expect(page.getByTestId("brand-name")).toHaveText(tenant.name);
    const cookie = await sessionCookieOf(page, tenant.host);

    // The platform admin suspends it from the platform console, in a browser of their own.
    const adminContext = await browser.newContext();
    const admin = await adminContext.newPage();
    await signIn(admin, PLATFORM, PLATFORM_ADMIN.email, PLATFORM_ADMIN.password);
    const row = admin.getByTestId(`tenant-${tenant.slug}`);
    await row.getByRole("button", { name: /^(Suspend|暂停)$/ }).click();
    const dialog = admin.getByRole("dialog");
    await dialog.getByLabel(/^(Reason|原因)/).fill("e2e: suspension ends sessions");
    await dialog.getByRole("button", { name: /^(Confirm|确认)$/ }).click();
    await expect(row.getByRole("button", { name: /^(Reopen|恢复)$/ })).toBeVisible();
    await adminContext.close();

    // The tenant user's next navigation lands on the login page, which says why.
    await page.goto(`${tenant.host}/merchants`);
    await expect(page).toHaveURL(`${tenant.host}/login`);
    await expect(alerts(page)).toHaveText(L.suspended);
    await expect(page.getByRole("button", { name: L.signIn })).toHaveCount(0);

    // And the old cookie is refused by the API too.
    const api = await Api.for(tenant.host, `swy_session=${cookie}`);
    expect((await api.query("account.me")).status).toBe(401);
    await api.dispose();
  });
});
