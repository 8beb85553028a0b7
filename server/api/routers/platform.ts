import { z } from "zod";
import { createTenant, listTenants, reopenTenant, suspendTenant } from "@/server/core/platform/service";
import { ZCreateTenant, ZTenantStatusChange } from "@/server/core/platform/schema";
import { platformOverview, setPlatformFee, ZPlatformFeeSet } from "@/server/core/platform/overview";
import { platformProcedure, router } from "../trpc";

const actor = (ctx: { admin: { adminId: string; email: string }; requestId: string }) => ({
  adminId: ctx.admin.adminId,
  email: ctx.admin.email,
  requestId: ctx.requestId,
});

export const platformRouter = router({
  me: platformProcedure.query(({ ctx }) => ctx.admin),
  findTenants: platformProcedure.input(z.object({}).optional()).query(() => listTenants()),
  createTenant: platformProcedure.input(ZCreateTenant).mutation(({ ctx, input }) => createTenant(actor(ctx), input)),
  suspendTenant: platformProcedure.input(ZTenantStatusChange).mutation(({ ctx, input }) => suspendTenant(actor(ctx), input.tenantId, input.reason)),
  /** Per-tenant volume, margin, platform fee and health, from aggregates only. */
  overview: platformProcedure.input(z.object({ days: z.number().int().min(1).max(366).optional() }).optional()).query(({ input }) => platformOverview(input ?? {})),
  setPlatformFee: platformProcedure.input(ZPlatformFeeSet).mutation(({ ctx, input }) => setPlatformFee(actor(ctx), input)),
  reopenTenant: platformProcedure.input(ZTenantStatusChange).mutation(({ ctx, input }) => reopenTenant(actor(ctx), input.tenantId, input.reason)),
});
