import { z } from "zod";
import { DomainError, notFound } from "@/server/core/errors/domain-error";
import { registerProposalKind } from "@/server/core/proposals/registry";
import { correctPaymentByRecon } from "./service";

// CORRECTED_BY_RECON never happens directly: reconciliation (or finance, from the payment page)
// proposes it, a second person approves, and the approval moves the payment in its transaction.

export const ZPaymentCorrection = z.object({
  paymentId: z.string().uuid(),
  to: z.enum(["SUCCEEDED", "FAILED", "CLOSED"]),
  reason: z.string().trim().min(3).max(500),
  channelTradeNo: z.string().trim().min(1).max(64).optional(),
});

registerProposalKind("payment.correction", {
  async validate(tx, ctx, payload) {
    const p = ZPaymentCorrection.parse(payload);
    const payment = await tx.payment.findFirst({ where: { tenantId: ctx.tenantId, id: p.paymentId }, select: { status: true, amountMinor: true } });
    if (!payment) throw notFound("Payment");
    if (payment.status === "PROCESSING") throw new DomainError("PRECONDITION", "ILLEGAL_CORRECTION", "A processing payment is not corrected: query the channel instead");
    if (payment.status === p.to) throw new DomainError("PRECONDITION", "ILLEGAL_CORRECTION", `The payment is already ${p.to}`);
    return { amountMinor: payment.amountMinor };
  },
  async execute(tx, ctx, payload, proposal) {
    const p = ZPaymentCorrection.parse(payload);
    const after = await correctPaymentByRecon(tx, ctx, p.paymentId, { to: p.to, reason: p.reason, proposalId: proposal.id, ...(p.channelTradeNo ? { channelTradeNo: p.channelTradeNo } : {}) });
    return { paymentId: after.id, status: after.status };
  },
});
