import { z } from "zod";
import { closeBusinessDay, listBusinessDays } from "@/server/core/ledger/day-close";
import { ZAccountFind, ZAccountPage, ZBalanceAsOf, ZCloseDay, ZDayRange, ZEntryFind, ZStatement, ZTrialBalance } from "@/server/core/ledger/schema";
import { accountBalanceAsOf, accountStatement, findAccountPage, findEntries, getAccount, getEntry, listAccounts, trialBalance } from "@/server/core/ledger/service";
import { cancelProposal, createProposal, decideProposal, findProposals, getProposal } from "@/server/core/proposals/service";
import { ZProposalCreate, ZProposalDecide, ZProposalFind } from "@/server/core/proposals/schema";
import { permissionProcedure, router } from "../trpc";

const ZId = z.object({ id: z.string().uuid() });
const read = permissionProcedure("ledger.read");

export const ledgerRouter = router({
  /** At most 2,000 accounts, for pickers; the chart of accounts pages through chartOfAccounts. */
  findAccounts: read.input(ZAccountFind).query(({ ctx, input }) => listAccounts(ctx.tx, ctx.tctx, input)),
  chartOfAccounts: read.input(ZAccountPage).query(({ ctx, input }) => findAccountPage(ctx.tx, ctx.tctx, input)),
  getAccount: read.input(ZId).query(({ ctx, input }) => getAccount(ctx.tx, ctx.tctx, input.id)),
  balanceAsOf: read.input(ZBalanceAsOf).query(({ ctx, input }) => accountBalanceAsOf(ctx.tx, ctx.tctx, input)),
  statement: read.input(ZStatement).query(({ ctx, input }) => accountStatement(ctx.tx, ctx.tctx, input.accountId, input)),
  getEntry: read.input(ZId).query(({ ctx, input }) => getEntry(ctx.tx, ctx.tctx, input.id)),
  findEntries: read.input(ZEntryFind).query(({ ctx, input }) => findEntries(ctx.tx, ctx.tctx, input)),
  trialBalance: read.input(ZTrialBalance).query(({ ctx, input }) => trialBalance(ctx.tx, ctx.tctx, input)),
  businessDays: read.input(ZDayRange).query(({ ctx, input }) => listBusinessDays(ctx.tx, ctx.tctx, input.from, input.to)),
  closeDay: permissionProcedure("ledger.close").input(ZCloseDay).mutation(({ ctx, input }) => closeBusinessDay(ctx.tx, ctx.tctx, input.businessDate)),
});

export const proposalsRouter = router({
  find: read.input(ZProposalFind).query(({ ctx, input }) => findProposals(ctx.tx, ctx.tctx, input)),
  get: read.input(ZId).query(({ ctx, input }) => getProposal(ctx.tx, ctx.tctx, input.id)),
  create: permissionProcedure("ledger.propose").input(ZProposalCreate).mutation(({ ctx, input }) => createProposal(ctx.tx, ctx.tctx, input)),
  decide: permissionProcedure("proposals.decide").input(ZProposalDecide).mutation(({ ctx, input }) => decideProposal(ctx.tx, ctx.tctx, input)),
  cancel: permissionProcedure("ledger.propose").input(ZId).mutation(({ ctx, input }) => cancelProposal(ctx.tx, ctx.tctx, input.id)),
});
