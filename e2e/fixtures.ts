import { randomBytes, randomInt } from "node:crypto";
import { deflateSync } from "node:zlib";
import { expect, request, type APIRequestContext, type APIResponse, type Page, type Response } from "@playwright/test";
import superjson from "superjson";
import { withCheckChar } from "../server/core/merchants/credit-code";

// Shared helpers for the e2e specs. Demo data is only read; anything a spec changes (a tenant,
// a user, a merchant, branding) it creates first with a unique name.

// E2E_PORT lets two runs share a machine; CI uses the default.
export const PORT = Number(process.env.E2E_PORT ?? 3100);
export const PLATFORM = `http://localhost:${PORT}`;
export const tenantHost = (slug: string, port = PORT) => `http://${slug}.localhost:${port}`;

// Mirrors server/db/seed.ts (not imported: it pulls in the database layer).
export const DEMO_PASSWORD = "Demo-password-1";
export const PLATFORM_ADMIN = { email: "admin@switchyard.local", password: "Platform-admin-1" };
export const demoEmail = (slug: string, who: "owner" | "admin" | "operations" | "finance" | "viewer" | "merchant") => `${who}@${slug}.demo`;
export const HUIYUN = {
  slug: "huiyun",
  host: tenantHost("huiyun"),
  loginTitle: "汇云刷脸服务平台",
  primary: "#c2410c",
  primaryRgb: "rgb(194, 65, 12)",
  /** The first demo merchant, the one merchant@huiyun.demo belongs to. */
  merchant: { shortName: "鲜果时光", legalName: "杭州鲜果时光餐饮管理有限公司" },
  otherMerchants: ["邻家便利", "慢时光咖啡"],
} as const;
export const NORTHWIND = {
  slug: "northwind",
  host: tenantHost("northwind"),
  loginTitle: "Northwind Pay Console",
  primary: "#1d4ed8",
  primaryRgb: "rgb(29, 78, 216)",
} as const;

export const SESSION_COOKIE = "swy_session";

/** Unique enough for names, slugs and emails across runs against one database. */
export function uniqueId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

// The UI is Chinese or English depending on the tenant; selectors accept both.
export const L = {
  email: /^(Email|邮箱)/,
  password: /^(Password|密码)/,
  signIn: /^(Sign in|登录)$/,
  signOut: /^(Sign out|退出登录)$/,
  invalidCredentials: /^(Email or password is incorrect|邮箱或密码不正确)$/,
  locked: /Too many failed attempts|失败次数过多/,
  suspended: /This service provider is suspended|该服务商已被暂停/,
  language: /^(Language|语言)$/,
};

/** The page's own alerts (Next.js adds an empty role=alert route announcer to every page). */
export function alerts(page: Page) {
  return page.locator("[role=alert]:not(#__next-route-announcer__)");
}

/** Fills the login form of `host` and submits it; does not wait for the outcome. */
export async function submitLogin(page: Page, host: string, email: string, password: string): Promise<Response> {
  if (!page.url().startsWith(`${host}/login`)) await page.goto(`${host}/login`);
  await page.getByLabel(L.email).fill(email);
  await page.getByLabel(L.password).fill(password);
  const response = page.waitForResponse((r) => r.url().endsWith("/api/auth/sign-in"));
  await page.getByRole("button", { name: L.signIn }).click();
  return response;
}

/** Signs in through the login page and waits until the browser has left it. */
export async function signIn(page: Page, host: string, email: string, password: string): Promise<void> {
  await submitLogin(page, host, email, password);
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
}

/** The session cookie the browser holds for a host (host-only, so one per tenant host). */
export async function sessionCookieOf(page: Page, host: string, name = SESSION_COOKIE): Promise<string> {
  const cookie = (await page.context().cookies(host)).find((c) => c.name === name);
  expect(cookie, `${name} cookie for ${host}`).toBeTruthy();
  return cookie?.value ?? "";
}

export interface TrpcResult<T = unknown> {
  status: number;
  data: T | undefined;
  /** tRPC's error shape plus the app's errorFormatter fields (data.domainCode, data.field). */
  error: { message: string; data: { code: string; httpStatus: number; domainCode: string | null; field: string | null } } | undefined;
}

/**
 * A cookie-carrying HTTP client for one host, for setting up data and for attacking the API
 * directly. Node cannot resolve *.localhost (Chromium can), so requests go to 127.0.0.1 with the
 * Host header the app routes on. The cookie is sent explicitly on every request (never from the
 * context's jar), so a test decides exactly which credential each request carries.
 */
export class Api {
  /** The Origin header sent with every request; a page of the host by default. null: none. */
  origin: string | null;

  private constructor(
    private readonly ctx: APIRequestContext,
    readonly host: string,
    public cookie: string,
  ) {
    this.origin = host;
  }

  static async for(host: string, cookie = ""): Promise<Api> {
    const url = new URL(host);
    const ctx = await request.newContext({ baseURL: `http://127.0.0.1:${url.port || 80}` });
    return new Api(ctx, host, cookie);
  }

  private headers(): Record<string, string> {
    return { host: new URL(this.host).host, cookie: this.cookie, ...(this.origin === null ? {} : { origin: this.origin }) };
  }

  /** POST /api/auth/sign-in; keeps the session cookie it sets. */
  async signIn(email: string, password: string): Promise<APIResponse> {
    const r = await this.ctx.post("/api/auth/sign-in", { headers: this.headers(), data: { email, password } });
    const set = r.headersArray().find((h) => h.name.toLowerCase() === "set-cookie");
    if (r.ok() && set) this.cookie = set.value.split(";")[0] ?? "";
    return r;
  }

  async query<T = unknown>(path: string, input?: unknown): Promise<TrpcResult<T>> {
    const q = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
    return this.result<T>(await this.ctx.get(`/api/trpc/${path}${q}`, { headers: this.headers() }));
  }

  async mutation<T = unknown>(path: string, input?: unknown): Promise<TrpcResult<T>> {
    const body = input === undefined ? {} : superjson.serialize(input);
    return this.result<T>(await this.ctx.post(`/api/trpc/${path}`, { headers: { ...this.headers(), "content-type": "application/json" }, data: body }));
  }

  private async result<T>(r: APIResponse): Promise<TrpcResult<T>> {
    const body = (await r.json().catch(() => null)) as { result?: { data: Parameters<typeof superjson.deserialize>[0] }; error?: Parameters<typeof superjson.deserialize>[0] } | null;
    return {
      status: r.status(),
      data: body?.result ? superjson.deserialize<T>(body.result.data) : undefined,
      error: body?.error ? superjson.deserialize<TrpcResult["error"]>(body.error) : undefined,
    };
  }

  async dispose(): Promise<void> {
    await this.ctx.dispose();
  }
}

/** Runs `fn` with an Api signed in as `email` on `host`, then disposes of it. */
export async function asUser<T>(host: string, email: string, password: string, fn: (api: Api) => Promise<T>): Promise<T> {
  const api = await Api.for(host);
  try {
    const r = await api.signIn(email, password);
    expect(r.status(), `sign-in of ${email} on ${host}`).toBe(200);
    return await fn(api);
  } finally {
    await api.dispose();
  }
}

export interface TestTenant {
  id: string;
  slug: string;
  name: string;
  host: string;
  ownerEmail: string;
  ownerPassword: string;
}

/** A fresh tenant, created by the platform admin through the platform API. */
export async function createTenant(options: { name?: string; locale?: "zh-CN" | "en"; mode?: "DIRECT" | "CUSTODIAL" } = {}): Promise<TestTenant> {
  const id = uniqueId();
  const slug = `e2e-${id}`;
  const name = options.name ?? `E2E Provider ${id}`;
  const ownerEmail = `owner@${slug}.test`;
  const ownerPassword = "Owner-password-1";
  const mode = options.mode ?? "DIRECT";
  return asUser(PLATFORM, PLATFORM_ADMIN.email, PLATFORM_ADMIN.password, async (api) => {
    const r = await api.mutation<{ tenant: { id: string } }>("platform.createTenant", {
      slug,
      name,
      ownerEmail,
      ownerPassword,
      settlementMode: mode,
      ...(mode === "CUSTODIAL" ? { licenceNumber: `Z${id.toUpperCase()}` } : {}),
      defaultLocale: options.locale ?? "en",
    });
    expect(r.status, JSON.stringify(r.error)).toBe(200);
    return { id: r.data?.tenant.id ?? "", slug, name, host: tenantHost(slug), ownerEmail, ownerPassword };
  });
}

export interface TestUser {
  email: string;
  password: string;
}

type ConsoleRole = "OWNER" | "ADMIN" | "OPERATIONS" | "FINANCE" | "VIEWER";

/** A fresh console user of a tenant, created by one of its owners or admins through the API. */
export async function createUser(host: string, by: TestUser, role: ConsoleRole, label = role.toLowerCase()): Promise<TestUser> {
  const user = { email: `${label}-${uniqueId()}@${new URL(host).hostname.split(".")[0]}.test`, password: "User-password-1" };
  await asUser(host, by.email, by.password, async (api) => {
    const r = await api.mutation("users.create", { email: user.email, name: `E2E ${label}`, role, password: user.password });
    expect(r.status, JSON.stringify(r.error)).toBe(200);
  });
  return user;
}

export const huiyunOwner: TestUser = { email: demoEmail("huiyun", "owner"), password: DEMO_PASSWORD };

/** The value of a CSS custom property on <html> (where the tenant's brand variables are set). */
export async function rootCssVar(page: Page, name: string): Promise<string> {
  return page.evaluate((n) => getComputedStyle(document.documentElement).getPropertyValue(n).trim(), name);
}

/** A real PNG (solid colour), built byte by byte so the test owns its fixture. */
export function solidPng(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const byte of buf) c = (crcTable[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => [r, g, b]).flat())]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", pixels), chunk("IEND", Buffer.alloc(0))]);
}

const CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/** A merchant made through the console API as `api`'s user (its sandbox registration comes with it). */
export async function createMerchantAs(api: Api, shortName: string): Promise<{ id: string; shortName: string }> {
  const code17 = `91330106${Array.from({ length: 9 }, () => CREDIT_CODE_ALPHABET[randomInt(CREDIT_CODE_ALPHABET.length)]).join("")}`;
  const r = await api.mutation<{ id: string }>("merchants.create", {
    legalName: `Hangzhou ${shortName} Co., Ltd.`,
    shortName,
    creditCode: withCheckChar(code17),
    legalRepresentative: "Li Na",
    mcc: "5814",
    contactName: "Li Na",
    contactPhone: "+86 138 0000 0005",
  });
  expect(r.status, JSON.stringify(r.error)).toBe(200);
  return { id: r.data?.id ?? "", shortName };
}
