import { recordAudit } from "@/server/core/audit/service";
import { badInput, notFound } from "@/server/core/errors/domain-error";
import { readBranding } from "@/branding/css-vars";
import { LOGO_MAX_BYTES, sniffLogoType, ZBrandingUpdate, ZLogoUpload, type TBrandingUpdate } from "@/branding/schema";
import type { TenantContext, Tx } from "@/server/db/tenant-tx";

export async function getTenantSettings(tx: Tx, ctx: TenantContext) {
  const t = await tx.tenant.findFirst({
    where: { id: ctx.tenantId },
    select: { id: true, slug: true, name: true, status: true, timeZone: true, settlementMode: true, licenceNumber: true, defaultLocale: true, customDomain: true, branding: true, logoContentType: true, updatedAt: true },
  });
  if (!t) throw notFound("Service provider");
  const { branding, logoContentType, ...rest } = t;
  return { ...rest, branding: readBranding(branding), hasLogo: logoContentType !== null };
}

export async function updateBranding(tx: Tx, ctx: TenantContext, raw: TBrandingUpdate) {
  const { defaultLocale, ...branding } = ZBrandingUpdate.parse(raw);
  const before = await getTenantSettings(tx, ctx);
  await tx.tenant.update({ where: { id: ctx.tenantId }, data: { branding, defaultLocale } });
  await recordAudit(tx, ctx, {
    action: "branding.update",
    entityType: "tenant",
    entityId: ctx.tenantId,
    before: { branding: before.branding, defaultLocale: before.defaultLocale },
    after: { branding, defaultLocale },
  });
  return getTenantSettings(tx, ctx);
}

export function decodeLogo(dataUrl: string): { bytes: Buffer; contentType: string } {
  const m = /^data:([a-z/+.-]+);base64,([A-Za-z0-9+/=]+)$/.exec(dataUrl);
  if (!m) throw badInput("LOGO_NOT_IMAGE", "The logo must be a PNG, JPEG, WebP or GIF image", "logo");
  const bytes = Buffer.from(m[2]!, "base64");
  if (bytes.length === 0) throw badInput("LOGO_EMPTY", "The logo file is empty", "logo");
  if (bytes.length > LOGO_MAX_BYTES) throw badInput("LOGO_TOO_LARGE", "The logo is larger than 256 KB", "logo");
  // The declared type is ignored: only the bytes decide (an SVG or HTML file renamed .png is refused).
  const contentType = sniffLogoType(bytes);
  if (!contentType) throw badInput("LOGO_NOT_IMAGE", "The logo must be a PNG, JPEG, WebP or GIF image", "logo");
  return { bytes, contentType };
}

export async function uploadLogo(tx: Tx, ctx: TenantContext, raw: unknown) {
  const { dataUrl } = ZLogoUpload.parse(raw);
  const { bytes, contentType } = decodeLogo(dataUrl);
  await tx.tenant.update({ where: { id: ctx.tenantId }, data: { logo: new Uint8Array(bytes), logoContentType: contentType } });
  await recordAudit(tx, ctx, { action: "branding.logo_upload", entityType: "tenant", entityId: ctx.tenantId, after: { contentType, bytes: bytes.length } });
  return { contentType, bytes: bytes.length };
}

export async function removeLogo(tx: Tx, ctx: TenantContext) {
  await tx.tenant.update({ where: { id: ctx.tenantId }, data: { logo: null, logoContentType: null } });
  await recordAudit(tx, ctx, { action: "branding.logo_remove", entityType: "tenant", entityId: ctx.tenantId });
  return { ok: true as const };
}
