import { ZBrandingUpdate, ZLogoUpload } from "@/branding/schema";
import { findAuditLogs, ZAuditFind } from "@/server/core/audit/find";
import { getTenantSettings, removeLogo, updateBranding, uploadLogo } from "@/server/core/branding/service";
import { getTenantPolicies, updateTenantPolicies, ZTenantPoliciesUpdate } from "@/server/core/tenancy/policies";
import { permissionProcedure, router, tenantProcedure } from "../trpc";

export const settingsRouter = router({
  get: tenantProcedure.query(({ ctx }) => getTenantSettings(ctx.tx, ctx.tctx)),
  updateBranding: permissionProcedure("branding.manage").input(ZBrandingUpdate).mutation(({ ctx, input }) => updateBranding(ctx.tx, ctx.tctx, input)),
  uploadLogo: permissionProcedure("branding.manage").input(ZLogoUpload).mutation(({ ctx, input }) => uploadLogo(ctx.tx, ctx.tctx, input)),
  removeLogo: permissionProcedure("branding.manage").mutation(({ ctx }) => removeLogo(ctx.tx, ctx.tctx)),
  /** The business policies (refund shortfall, late successes, approval threshold): every staff member may read them. */
  policies: tenantProcedure.query(({ ctx }) => getTenantPolicies(ctx.tx, ctx.tctx)),
  // settings.manage (owner, admin): the tenant-wide settings; the threshold decides who approves money movements.
  updatePolicies: permissionProcedure("settings.manage").input(ZTenantPoliciesUpdate).mutation(({ ctx, input }) => updateTenantPolicies(ctx.tx, ctx.tctx, input)),
});

export const auditRouter = router({
  find: permissionProcedure("audit.read").input(ZAuditFind).query(({ ctx, input }) => findAuditLogs(ctx.tx, ctx.tctx, input)),
});
