import { expect, test } from "@playwright/test";
import { withCheckChar } from "../server/core/merchants/credit-code";
import { Api, DEMO_PASSWORD, HUIYUN, L, NORTHWIND, PLATFORM, asUser, demoEmail, rootCssVar, sessionCookieOf, signIn } from "./fixtures";

// One deployment, many tenants: each host gets its own brand, and nothing a session of one
// tenant holds opens anything of another — in the browser or straight at the API.

test.describe("tenant isolation", () => {
  test("each host shows its own tenant's name and colours", async ({ page }) => {
    const seen: Array<{ title: string; primary: string; button: string }> = [];
    for (const tenant of [HUIYUN, NORTHWIND]) {
      await page.goto(`${tenant.host}/login`);
      await expect(page.getByTestId("login-title")).toHaveText(tenant.loginTitle);
      expect(await rootCssVar(page, "--brand-primary")).toBe(tenant.primary);
      const button = page.getByRole("button", { name: L.signIn });
      await expect(button).toHaveCSS("background-color", tenant.primaryRgb);
      seen.push({
        title: (await page.getByTestId("login-title").textContent()) ?? "",
        primary: await rootCssVar(page, "--brand-primary"),
        button: await button.evaluate((el) => getComputedStyle(el).backgroundColor),
      });
    }
    const [a, b] = seen;
    expect(a?.title).not.toBe(b?.title);
    expect(a?.primary).not.toBe(b?.primary);
    expect(a?.button).not.toBe(b?.button);
  });

  test("a session of one tenant opens nothing of another", async ({ page }) => {
    await signIn(page, HUIYUN.host, demoEmail("huiyun", "owner"), DEMO_PASSWORD);
    await expect(page.getByTestId("stat-merchants")).toBeVisible();
    const cookie = `swy_session=${await sessionCookieOf(page, HUIYUN.host)}`;

    // The cookie is host-only: the browser does not even send it to the other tenant's host.
    await page.goto(`${NORTHWIND.host}/`);
    await expect(page).toHaveURL(`${NORTHWIND.host}/login`);
    expect(await page.context().cookies(NORTHWIND.host)).toEqual([]);

    // Sent there on purpose, it is refused: sessions are looked up within the host's tenant.
    const atHuiyun = await Api.for(HUIYUN.host, cookie);
    const atNorthwind = await Api.for(NORTHWIND.host, cookie);
    expect((await atHuiyun.query("account.me")).status).toBe(200);
    expect((await atNorthwind.query("account.me")).status).toBe(401);
    expect((await atNorthwind.query("merchants.find", {})).status).toBe(401);

    // Naming another tenant's record by id from one's own host finds nothing (row-level security).
    const northwindMerchantId = await asUser(NORTHWIND.host, demoEmail("northwind", "owner"), DEMO_PASSWORD, async (api) => {
      const r = await api.query<{ items: Array<{ id: string }> }>("merchants.find", {});
      expect(r.status).toBe(200);
      return r.data?.items[0]?.id ?? "";
    });
    expect(northwindMerchantId).not.toBe("");
    const stolen = await atHuiyun.query("merchants.get", { id: northwindMerchantId });
    expect(stolen.status).toBe(404);
    const edit = await atHuiyun.mutation("merchants.update", { id: northwindMerchantId, shortName: "Hijacked" });
    expect(edit.status).toBe(404);
    await atHuiyun.dispose();
    await atNorthwind.dispose();
  });

  test("cross-site requests and the platform API are out of a tenant session's reach", async () => {
    await asUser(HUIYUN.host, demoEmail("huiyun", "owner"), DEMO_PASSWORD, async (api) => {
      const input = { email: `csrf-${Date.now()}@huiyun.test`, name: "CSRF", role: "ADMIN", password: "Csrf-password-1" };
      // A page on another origin (even a sibling tenant) cannot make the owner's browser act.
      api.origin = NORTHWIND.host;
      expect((await api.mutation("users.create", input)).status).toBe(403);
      api.origin = null;
      expect((await api.mutation("users.create", input)).status).toBe(403);
      api.origin = api.host;

      // Platform procedures do not exist on a tenant host …
      expect((await api.query("platform.findTenants", {})).status).toBe(404);
      expect((await api.mutation("platform.createTenant", { slug: "evil-corp", name: "Evil", ownerEmail: "e@evil.test", ownerPassword: "Evil-password-1" })).status).toBe(404);
      // … and a tenant session is no platform session on the platform host.
      const atPlatform = await Api.for(PLATFORM, api.cookie);
      expect((await atPlatform.query("platform.findTenants", {})).status).toBe(401);
      await atPlatform.dispose();
    });
  });

  test("a viewer cannot reach the admin pages or call admin procedures", async ({ page }) => {
    await signIn(page, HUIYUN.host, demoEmail("huiyun", "viewer"), DEMO_PASSWORD);
    const nav = page.getByRole("navigation");
    await expect(nav.getByRole("link", { name: /^(Merchants|商户)$/ })).toBeVisible();
    await expect(nav.getByRole("link", { name: /^(Users|用户)$/ })).toHaveCount(0);
    await expect(nav.getByRole("link", { name: /^(Branding|品牌设置)$/ })).toHaveCount(0);

    // The page checks the permission itself; hiding the link is not the protection.
    await page.goto(`${HUIYUN.host}/users`);
    await expect(page.getByTestId("forbidden")).toBeVisible();
    await page.goto(`${HUIYUN.host}/branding`);
    await expect(page.getByTestId("forbidden")).toBeVisible();

    const api = await Api.for(HUIYUN.host, `swy_session=${await sessionCookieOf(page, HUIYUN.host)}`);
    const create = await api.mutation("users.create", { email: "sneaky@huiyun.test", name: "Sneaky", role: "OWNER", password: "Sneaky-password-1" });
    expect(create.status).toBe(403);
    expect(create.error?.data.code).toBe("FORBIDDEN");
    expect((await api.query("users.find", {})).status).toBe(403);
    await api.dispose();
  });

  test("a merchant user gets the merchant portal with only its own merchant", async ({ page }) => {
    await signIn(page, HUIYUN.host, demoEmail("huiyun", "merchant"), DEMO_PASSWORD);
    await expect(page).toHaveURL(`${HUIYUN.host}/m`);
    await expect(page.getByRole("heading", { level: 1, name: HUIYUN.merchant.shortName })).toBeVisible();
    await expect(page.getByText(withCheckChar("91330106MA2H3K7L0"), { exact: true })).toBeVisible();
    await expect(page.getByText(/^•••• \d{4}$/)).toBeVisible();
    for (const other of HUIYUN.otherMerchants) await expect(page.getByText(other)).toHaveCount(0);

    // The console is for the provider's staff: the merchant is sent back to its portal.
    await page.goto(`${HUIYUN.host}/merchants`);
    await expect(page).toHaveURL(`${HUIYUN.host}/m`);

    const api = await Api.for(HUIYUN.host, `swy_session=${await sessionCookieOf(page, HUIYUN.host)}`);
    expect((await api.query("merchants.find", {})).status).toBe(403);
    const own = await api.query<{ shortName: string }>("merchantPortal.profile");
    expect(own.status).toBe(200);
    expect(own.data?.shortName).toBe(HUIYUN.merchant.shortName);
    await api.dispose();
  });
});
