import { businessDashboard, ZBusinessDashboard } from "@/server/core/dashboard/business";
import { getDashboardSummary } from "@/server/core/dashboard/service";
import { router, tenantProcedure } from "../trpc";

export const dashboardRouter = router({
  summary: tenantProcedure.query(({ ctx }) => getDashboardSummary(ctx.tx, ctx.tctx)),
  /** Volume, success rate, margin, devices, suspense and webhooks: from the daily statistics, never payment scans. */
  business: tenantProcedure.input(ZBusinessDashboard).query(({ ctx, input }) => businessDashboard(ctx.tx, ctx.tctx, input)),
});
