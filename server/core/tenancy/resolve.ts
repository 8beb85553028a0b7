import type { TenantStatus } from "@/server/db/generated/prisma/enums";
import { systemLookup } from "@/server/db/tenant-tx";
import { readBranding } from "@/branding/css-vars";
import type { TBranding } from "@/branding/schema";
import { isLocale, type Locale } from "@/i18n/define";
import { classifyHost } from "./host";

export interface PublicTenant {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  defaultLocale: Locale;
  timeZone: string;
  branding: TBranding;
  hasLogo: boolean;
}

interface Row {
  id: string;
  slug: string;
  name: string;
  status: TenantStatus;
  default_locale: string;
  time_zone: string;
  branding: unknown;
  has_logo: boolean;
}

/** The public face of the tenant a host names (brand, locale), or null. No membership implied. */
export async function systemResolveTenantByHost(host: string | null | undefined): Promise<PublicTenant | null> {
  const kind = classifyHost(host);
  if (kind.kind === "platform" || kind.kind === "unknown") return null;
  const rows = await systemLookup((tx) =>
    kind.kind === "tenant-slug"
      ? tx.$queryRaw<Row[]>`SELECT * FROM system_tenant_by_slug(${kind.slug})`
      : tx.$queryRaw<Row[]>`SELECT * FROM system_tenant_by_domain(${kind.domain})`,
  );
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id,
    slug: r.slug,
    name: r.name,
    status: r.status,
    defaultLocale: isLocale(r.default_locale) ? r.default_locale : "zh-CN",
    timeZone: r.time_zone,
    branding: readBranding(r.branding),
    hasLogo: r.has_logo,
  };
}

export async function systemTenantLogo(tenantId: string): Promise<{ logo: Uint8Array; contentType: string; updatedAt: Date } | null> {
  const rows = await systemLookup((tx) =>
    tx.$queryRaw<Array<{ logo: Uint8Array; content_type: string; updated_at: Date }>>`SELECT * FROM system_tenant_logo(${tenantId}::uuid)`,
  );
  const r = rows[0];
  return r ? { logo: r.logo, contentType: r.content_type, updatedAt: r.updated_at } : null;
}
