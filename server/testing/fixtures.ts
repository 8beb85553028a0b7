import { randomBytes } from "node:crypto";
import { withCheckChar } from "@/server/core/merchants/credit-code";
import { createTenant } from "@/server/core/platform/service";
import { signInTenantUser } from "@/server/core/auth/sign-in";
import { resetKeyringCache } from "@/server/core/secrets/keyring";
import { authorizedTenantId, type TenantContext, type TenantId } from "@/server/db/tenant-tx";

// Small builders shared by the integration tests. Each test file has its own database, so fixed
// slugs are fine; anything that must be unique inside one database is randomised here.

export const TEST_PASSWORD = "Test-password-1";

/** An inline keyring with one fresh key, for code that seals secrets (merchant account numbers). */
export function useTestKeyring(): void {
  process.env.SWITCHYARD_KEYRING = JSON.stringify({ active: "k1", keys: { k1: randomBytes(32).toString("base64") } });
  resetKeyringCache();
}

const CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/** A valid, random unified social credit code. */
export function randomCreditCode(): string {
  const body = Array.from(randomBytes(9), (b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join("");
  return withCheckChar(`91330106${body}`);
}

export function merchantInput(shortName: string, extra: Record<string, unknown> = {}) {
  return {
    legalName: `${shortName} Co., Ltd.`,
    shortName,
    creditCode: randomCreditCode(),
    legalRepresentative: "Zhang San",
    mcc: "5812",
    contactName: "Li Si",
    contactPhone: "+86 138 0000 0000",
    ...extra,
  };
}

export interface TestTenant {
  id: TenantId;
  slug: string;
  status: "ACTIVE" | "SUSPENDED";
  ownerId: string;
  ownerEmail: string;
}

export async function makeTenant(slug: string, options: { mode?: "DIRECT" | "CUSTODIAL"; licence?: string } = {}): Promise<TestTenant> {
  const ownerEmail = `owner@${slug}.test`;
  const { tenant, owner } = await createTenant(
    { adminId: null, email: "test" },
    {
      slug,
      name: `Tenant ${slug}`,
      ownerEmail,
      ownerName: `Owner of ${slug}`,
      ownerPassword: TEST_PASSWORD,
      settlementMode: options.mode ?? "DIRECT",
      ...(options.licence ? { licenceNumber: options.licence } : {}),
      defaultLocale: "en",
    },
  );
  return { id: authorizedTenantId(tenant.id), slug: tenant.slug, status: tenant.status, ownerId: owner.id, ownerEmail };
}

/** The context services see when the tenant's owner acts (as through the console). */
export function ownerContext(t: TestTenant): TenantContext {
  return { tenantId: t.id, actor: { kind: "USER", userId: t.ownerId, email: t.ownerEmail, role: "OWNER", merchantId: null } };
}

export function systemContext(t: { id: TenantId }, name = "test"): TenantContext {
  return { tenantId: t.id, actor: { kind: "SYSTEM", name } };
}

export async function signIn(t: { id: string; status?: string }, email: string, password = TEST_PASSWORD): Promise<string> {
  const r = await signInTenantUser({ id: t.id, status: t.status ?? "ACTIVE" }, { email, password }, { ip: "127.0.0.1", userAgent: "vitest" });
  return r.token;
}
