import { z } from "zod";
import { ZDirectConfirm, ZSettlementFind, ZSettlementPolicy, ZSettlementRun, ZSettlementSettings, ZSettlementTotals } from "@/server/core/settlement/schema";
import { confirmDirectSettlement, findSettlements, getSettlement, getSettlementPolicy, getSettlementSettings, runSettlement, settlementTotals, updateSettlementPolicy, updateSettlementSettings } from "@/server/core/settlement/service";
import { incomeStatement, ZIncomeStatement } from "@/server/core/settlement/income";
import { merchantStatement, ZStatementRequest } from "@/server/core/settlement/statement";
import { channelCallProcedure, permissionProcedure, router } from "../trpc";

// Settlement in the console (issue 8). A run settles each merchant in its own transaction, so it
// runs outside the request's transaction (channelCallProcedure). Statements as files come from
// /api/settlement-statement; `statement` here is the same data for the page.

const ZId = z.object({ id: z.string().uuid() });
const read = permissionProcedure("tenant.read");

export const settlementRouter = router({
  find: read.input(ZSettlementFind).query(({ ctx, input }) => findSettlements(ctx.tx, ctx.tctx, input)),
  get: read.input(ZId).query(({ ctx, input }) => getSettlement(ctx.tx, ctx.tctx, input.id)),
  totals: read.input(ZSettlementTotals).query(({ ctx, input }) => settlementTotals(ctx.tx, ctx.tctx, input)),
  statement: read.input(ZStatementRequest).query(({ ctx, input }) => merchantStatement(ctx.tx, ctx.tctx, input)),
  run: channelCallProcedure("settlement.run").input(ZSettlementRun).mutation(({ ctx, input }) => runSettlement(ctx.tctx, input)),
  confirmDirect: permissionProcedure("settlement.run").input(ZDirectConfirm).mutation(({ ctx, input }) => confirmDirectSettlement(ctx.tx, ctx.tctx, input)),
  /** The provider's monthly income by channel, product, merchant, store or device (ledger.read: it shows margins). */
  income: permissionProcedure("ledger.read").input(ZIncomeStatement).query(({ ctx, input }) => incomeStatement(ctx.tx, ctx.tctx, input)),
  settings: read.input(z.object({ merchantId: z.string().uuid() })).query(({ ctx, input }) => getSettlementSettings(ctx.tx, ctx.tctx, input.merchantId)),
  updateSettings: permissionProcedure("settlement.settings").input(ZSettlementSettings).mutation(({ ctx, input }) => updateSettlementSettings(ctx.tx, ctx.tctx, input)),
  /** The tenant's policy: hold a merchant's settlement while its reconciliation exceptions are open. */
  policy: read.query(({ ctx }) => getSettlementPolicy(ctx.tx, ctx.tctx)),
  setPolicy: permissionProcedure("settlement.settings").input(ZSettlementPolicy).mutation(({ ctx, input }) => updateSettlementPolicy(ctx.tx, ctx.tctx, input)),
});
