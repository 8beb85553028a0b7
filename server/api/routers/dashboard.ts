import { getDashboardSummary } from "@/server/core/dashboard/service";
import { router, tenantProcedure } from "../trpc";

export const dashboardRouter = router({
  summary: tenantProcedure.query(({ ctx }) => getDashboardSummary(ctx.tx, ctx.tctx)),
});
