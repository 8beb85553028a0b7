import { randomBytes } from "node:crypto";
import { z } from "zod";
import { findExceptions, resolveExceptionById } from "@/server/core/payments/exceptions";
import { findPaymentsPage, getPaymentDetail, listPaymentTransitions, summarizePayments, ZPaymentFilter, ZPaymentFind } from "@/server/core/payments/queries";
import { createRefund, queryRefund, refundsWithTransitions, resolveAbnormalRefund } from "@/server/core/payments/refunds";
import { ZConsoleRefund, ZExceptionFind, ZExceptionResolve, ZRefundResolution } from "@/server/core/payments/schema";
import { queryPayment } from "@/server/core/payments/service";
import { createTestPayment, ZPaymentTestCreate } from "@/server/core/payments/test-payment";
import { channelCallProcedure, permissionProcedure, router, tenantProcedure } from "../trpc";

const ZId = z.object({ id: z.string().uuid() });

/** A refund number for a console refund when the operator gives none: CONSOLE-<date>-<random>. */
const consoleRefundNo = () => `CONSOLE-${new Date().toISOString().slice(0, 10).replaceAll("-", "")}-${randomBytes(4).toString("hex").toUpperCase()}`;

export const paymentsRouter = router({
  find: tenantProcedure.input(ZPaymentFind).query(({ ctx, input }) => findPaymentsPage(ctx.tx, ctx.tctx, input)),
  /** Count and volume per status for the list's current filter. */
  summary: tenantProcedure.input(ZPaymentFilter).query(({ ctx, input }) => summarizePayments(ctx.tx, ctx.tctx, input)),
  get: tenantProcedure.input(ZId).query(({ ctx, input }) => getPaymentDetail(ctx.tx, ctx.tctx, input.id)),
  transitions: tenantProcedure.input(ZId).query(({ ctx, input }) => listPaymentTransitions(ctx.tx, ctx.tctx, input.id)),
  /** The payment's refunds with their transitions. */
  refunds: tenantProcedure.input(ZId).query(({ ctx, input }) => refundsWithTransitions(ctx.tx, ctx.tctx, input.id)),
  // These call the channel, so they run outside the request transaction (channelCallProcedure).
  query: channelCallProcedure("merchants.write").input(ZId).mutation(({ ctx, input }) => queryPayment(ctx.tctx, input.id)),
  createTest: channelCallProcedure("merchants.write").input(ZPaymentTestCreate).mutation(({ ctx, input }) => createTestPayment(ctx.tctx, input)),
  refund: channelCallProcedure("refunds.create")
    .input(ZConsoleRefund)
    .mutation(({ ctx, input }) =>
      createRefund(ctx.tctx, { paymentId: input.paymentId, merchantRefundNo: input.merchantRefundNo ?? consoleRefundNo(), amountMinor: input.amountMinor, reason: input.reason, origin: "CONSOLE" }),
    ),
  queryRefund: channelCallProcedure("refunds.create").input(ZId).mutation(({ ctx, input }) => queryRefund(ctx.tctx, input.id)),
  /** An ABNORMAL refund paid to the payer's bank account outside the channel. */
  resolveRefund: permissionProcedure("refunds.manage")
    .input(ZRefundResolution)
    .mutation(({ ctx, input }) =>
      resolveAbnormalRefund(ctx.tx, ctx.tctx, input.refundId, { accountName: input.accountName, accountLast4: input.accountLast4, bankName: input.bankName, reference: input.reference, ...(input.note ? { note: input.note } : {}) }),
    ),
});

export const exceptionsRouter = router({
  find: tenantProcedure.input(ZExceptionFind).query(({ ctx, input }) => findExceptions(ctx.tx, ctx.tctx, input)),
  resolve: permissionProcedure("refunds.manage").input(ZExceptionResolve).mutation(({ ctx, input }) => resolveExceptionById(ctx.tx, ctx.tctx, input.id, input.resolution)),
});
