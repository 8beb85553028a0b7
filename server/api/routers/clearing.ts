import { z } from "zod";
import { findStatementFiles } from "@/server/core/clearing/import";
import { router, tenantProcedure } from "../trpc";

// Clearing in the console. Files are uploaded through /api/console/statements (raw bytes, so the
// browser can show progress); the list is here.
export const statementsRouter = router({
  find: tenantProcedure
    .input(z.object({ channelAccountId: z.string().uuid().optional(), billDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(), limit: z.number().int().min(1).max(200).optional() }))
    .query(({ ctx, input }) => findStatementFiles(ctx.tx, ctx.tctx, input)),
});
