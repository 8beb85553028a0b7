import { z } from "zod";
import { findPaymentsPage, getPaymentDetail, listPaymentTransitions, summarizePayments, ZPaymentFilter, ZPaymentFind } from "@/server/core/payments/queries";
import { queryPayment } from "@/server/core/payments/service";
import { createTestPayment, ZPaymentTestCreate } from "@/server/core/payments/test-payment";
import { channelCallProcedure, router, tenantProcedure } from "../trpc";

const ZId = z.object({ id: z.string().uuid() });

export const paymentsRouter = router({
  find: tenantProcedure.input(ZPaymentFind).query(({ ctx, input }) => findPaymentsPage(ctx.tx, ctx.tctx, input)),
  /** Count and volume per status for the list's current filter. */
  summary: tenantProcedure.input(ZPaymentFilter).query(({ ctx, input }) => summarizePayments(ctx.tx, ctx.tctx, input)),
  get: tenantProcedure.input(ZId).query(({ ctx, input }) => getPaymentDetail(ctx.tx, ctx.tctx, input.id)),
  transitions: tenantProcedure.input(ZId).query(({ ctx, input }) => listPaymentTransitions(ctx.tx, ctx.tctx, input.id)),
  // These two call the channel, so they run outside the request transaction (channelCallProcedure).
  query: channelCallProcedure("merchants.write").input(ZId).mutation(({ ctx, input }) => queryPayment(ctx.tctx, input.id)),
  createTest: channelCallProcedure("merchants.write").input(ZPaymentTestCreate).mutation(({ ctx, input }) => createTestPayment(ctx.tctx, input)),
});
