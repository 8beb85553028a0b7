import { z } from "zod";
import { fetchStatuses } from "@/server/core/clearing/fetch-job";
import { listStatementFiles, ZStatementFileFind } from "@/server/core/clearing/files";
import { closeReconciledDay, dayCloseBlockers } from "@/server/core/clearing/day-close";
import { AGE_BUCKETS, assignableUsers, assignExceptions, commentOnException, findQueue, getExceptionItem, queueStats, setSla, slaSettings, transitionException } from "@/server/core/clearing/exceptions";
import "@/server/core/clearing/proposal-kinds";
import { proposeResolution, ZResolve } from "@/server/core/clearing/resolutions";
import { suggestMatches } from "@/server/core/clearing/suggestions";
import { proposeSupersede } from "@/server/core/clearing/supersede";
import { getStatementTemplate, listStatementTemplates, previewStatementTemplate, saveStatementTemplate, ZTemplateId, ZTemplatePreview, ZTemplateSave } from "@/server/core/clearing/templates";
import { permissionProcedure, router, tenantProcedure } from "../trpc";

// Clearing in the console. Files are uploaded through /api/console/statements (raw bytes, so the
// browser can show progress); the list is here.
export const statementsRouter = router({
  /** The imported files, newest first, a keyset page at a time, with their reconciliation outcomes. */
  find: tenantProcedure.input(ZStatementFileFind).query(({ ctx, input }) => listStatementFiles(ctx.tx, ctx.tctx, input)),
  /** A file waiting to replace the day's statement without a proposal (imported by the CLI or the fetch job): a person proposes it. */
  proposeSupersede: permissionProcedure("recon.import")
    .input(z.object({ fileId: z.string().uuid() }))
    .mutation(({ ctx, input }) => proposeSupersede(ctx.tx, ctx.tctx, input.fileId)),
  /** The scheduled fetch's tries per account and bill date (late or refused bills). */
  fetches: tenantProcedure.input(z.object({ days: z.number().int().min(1).max(31).optional() })).query(({ ctx, input }) => fetchStatuses(ctx.tx, ctx.tctx, input)),
  /** Finance-defined templates for files we have no parser for: each name's newest version. */
  templates: tenantProcedure.query(({ ctx }) => listStatementTemplates(ctx.tx, ctx.tctx)),
  template: tenantProcedure.input(ZTemplateId).query(({ ctx, input }) => getStatementTemplate(ctx.tx, ctx.tctx, input.id)),
  /** Runs a definition over a sample file; stores nothing (a mutation only because the sample is large). */
  previewTemplate: permissionProcedure("recon.import").input(ZTemplatePreview).mutation(({ input }) => previewStatementTemplate(input)),
  saveTemplate: permissionProcedure("recon.import").input(ZTemplateSave).mutation(({ ctx, input }) => saveStatementTemplate(ctx.tx, ctx.tctx, input)),
});

// The exception queue (issue 6): the differences reconciliation raises, worked from open to an
// approved resolution; and finance's day-end close.
const ZDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const ZQueueFind = z.object({
  status: z.enum(["ACTIVE", "OPEN", "INVESTIGATING", "RESOLUTION_PROPOSED", "RESOLVED", "WRITTEN_OFF"]).optional(),
  type: z.string().regex(/^[A-Z_]{2,60}$/).optional(),
  // Not "direction": tRPC's infinite queries send their own direction (forward/backward) in the input.
  diffDirection: z.enum(["OVERAGE", "SHORTAGE"]).optional(),
  channelAccountId: z.string().uuid().optional(),
  age: z.enum(AGE_BUCKETS).optional(),
  assigneeId: z.union([z.string().uuid(), z.literal("none")]).optional(),
  cursor: z.string().nullish(),
  limit: z.number().int().min(1).max(200).optional(),
});
const ZQueueId = z.object({ id: z.string().uuid() });
const ZQueuePropose = z.union([
  ZResolve.and(z.object({ reason: z.string().trim().min(3).max(1000) })),
  z.object({ exceptionId: z.string().uuid(), action: z.literal("WRITE_OFF"), note: z.string().trim().min(3).max(500), reason: z.string().trim().min(3).max(1000) }),
]);

export const exceptionQueueRouter = router({
  find: tenantProcedure.input(ZQueueFind).query(({ ctx, input }) => {
    const { diffDirection, ...rest } = input;
    return findQueue(ctx.tx, ctx.tctx, { ...rest, ...(diffDirection ? { direction: diffDirection } : {}) });
  }),
  get: tenantProcedure.input(ZQueueId).query(async ({ ctx, input }) => ({ ...(await getExceptionItem(ctx.tx, ctx.tctx, input.id)), suggestions: await suggestMatches(ctx.tx, ctx.tctx, input.id) })),
  stats: tenantProcedure.input(z.object({ days: z.number().int().min(7).max(120).optional() })).query(async ({ ctx, input }) => ({ ...(await queueStats(ctx.tx, ctx.tctx, input)), users: await assignableUsers(ctx.tx, ctx.tctx) })),
  transition: permissionProcedure("recon.import")
    .input(z.object({ id: z.string().uuid(), to: z.enum(["OPEN", "INVESTIGATING", "RESOLUTION_PROPOSED", "RESOLVED", "WRITTEN_OFF"]), note: z.string().trim().max(1000).optional() }))
    .mutation(({ ctx, input }) => transitionException(ctx.tx, ctx.tctx, input.id, input.to, input.note)),
  assign: permissionProcedure("recon.import")
    .input(z.object({ ids: z.array(z.string().uuid()).min(1).max(200), assigneeId: z.string().uuid().nullable() }))
    .mutation(({ ctx, input }) => assignExceptions(ctx.tx, ctx.tctx, input.ids, input.assigneeId)),
  comment: permissionProcedure("recon.import")
    .input(z.object({ id: z.string().uuid(), body: z.string().trim().min(1).max(4000) }))
    .mutation(({ ctx, input }) => commentOnException(ctx.tx, ctx.tctx, input.id, input.body)),
  propose: permissionProcedure("ledger.propose").input(ZQueuePropose).mutation(({ ctx, input }) => proposeResolution(ctx.tx, ctx.tctx, input as Parameters<typeof proposeResolution>[2])),
  dayReadiness: tenantProcedure.input(z.object({ businessDate: ZDate })).query(({ ctx, input }) => dayCloseBlockers(ctx.tx, ctx.tctx, input.businessDate)),
  closeDay: permissionProcedure("ledger.close").input(z.object({ businessDate: ZDate })).mutation(({ ctx, input }) => closeReconciledDay(ctx.tx, ctx.tctx, input.businessDate)),
  sla: tenantProcedure.query(({ ctx }) => slaSettings(ctx.tx, ctx.tctx)),
  setSla: permissionProcedure("recon.import")
    .input(z.object({ kind: z.string().regex(/^[A-Z_]{3,60}$/), hours: z.number().int().min(1).max(8760).nullable() }))
    .mutation(({ ctx, input }) => setSla(ctx.tx, ctx.tctx, input)),
});
