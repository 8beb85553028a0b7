import { z } from "zod";
import { ZBatchFind, ZBatchGather, ZBatchPropose, ZPayoutCancel, ZPayoutFind, ZPayoutReturn } from "@/server/core/payouts/schema";
import { queryPayoutNow, sendBatch } from "@/server/core/payouts/send";
import {
  cancelPayout,
  downloadBatchFile,
  findBatches,
  findPayouts,
  gatherBatch,
  getBatch,
  getPayoutDetail,
  markPayoutReturned,
  payoutsOverview,
  proposeRelease,
} from "@/server/core/payouts/service";
import { ZTransferFind, ZWalletFind, ZWalletMovements } from "@/server/core/wallets/schema";
import { findTransfers, findWallets, getWallet, walletMovements } from "@/server/core/wallets/service";
import { channelCallProcedure, permissionProcedure, router } from "../trpc";

// Wallets, transfers and payouts in the console (CUSTODIAL providers; a DIRECT one is refused
// every procedure but the overview with NOT_AVAILABLE_IN_DIRECT_MODE). Releasing a batch is not
// here: it is a proposal another person approves through proposals.decide.

const ZId = z.object({ id: z.string().uuid() });
const read = permissionProcedure("tenant.read");
const manage = permissionProcedure("payouts.manage");

const payoutsRouter = router({
  find: read.input(ZPayoutFind).query(({ ctx, input }) => findPayouts(ctx.tx, ctx.tctx, input)),
  /** The payout with its timeline (every transition with actor, time, reason and exchanges). */
  get: read.input(ZId).query(({ ctx, input }) => getPayoutDetail(ctx.tx, ctx.tctx, input.id)),
  cancel: manage.input(ZPayoutCancel).mutation(({ ctx, input }) => cancelPayout(ctx.tx, ctx.tctx, input)),
  // Asks the bank now (outside the request transaction: channelCallProcedure).
  query: channelCallProcedure("payouts.manage").input(ZId).mutation(({ ctx, input }) => queryPayoutNow(ctx.tctx, input.id)),
  markReturned: permissionProcedure("payouts.return").input(ZPayoutReturn).mutation(({ ctx, input }) => markPayoutReturned(ctx.tx, ctx.tctx, input)),
});

const batchesRouter = router({
  find: read.input(ZBatchFind).query(({ ctx, input }) => findBatches(ctx.tx, ctx.tctx, input)),
  get: read.input(ZId).query(({ ctx, input }) => getBatch(ctx.tx, ctx.tctx, input.id)),
  gather: manage.input(ZBatchGather).mutation(({ ctx, input }) => gatherBatch(ctx.tx, ctx.tctx, input)),
  proposeRelease: manage.input(ZBatchPropose).mutation(({ ctx, input }) => proposeRelease(ctx.tx, ctx.tctx, input)),
  // A mutation, not a query: the file holds full account numbers and every download is audited.
  downloadFile: manage.input(ZId).mutation(({ ctx, input }) => downloadBatchFile(ctx.tx, ctx.tctx, input.id)),
  // Sends a released SEND batch's unsent payouts now (the outbox does it after approval; this retries).
  send: channelCallProcedure("payouts.manage").input(ZId).mutation(({ ctx, input }) => sendBatch(ctx.tctx, input.id)),
});

export const walletsRouter = router({
  /** Settlement mode, payout channel accounts and what is on hold: answered for DIRECT providers too, so pages can explain. */
  overview: read.query(({ ctx }) => payoutsOverview(ctx.tx, ctx.tctx)),
  find: read.input(ZWalletFind).query(({ ctx, input }) => findWallets(ctx.tx, ctx.tctx, input)),
  get: read.input(ZId).query(({ ctx, input }) => getWallet(ctx.tx, ctx.tctx, input.id)),
  movements: read.input(ZWalletMovements).query(({ ctx, input }) => walletMovements(ctx.tx, ctx.tctx, input)),
  transfers: read.input(ZTransferFind).query(({ ctx, input }) => findTransfers(ctx.tx, ctx.tctx, input)),
  payouts: payoutsRouter,
  batches: batchesRouter,
});
