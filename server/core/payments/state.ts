import { DomainError } from "@/server/core/errors/domain-error";
import type { PaymentStatus, RefundStatus } from "@/server/db/generated/prisma/enums";

// The payment and refund state machines. PROCESSING is the only payment state with ordinary ways
// out. A final payment state is left only by the two explicit corrections, each its own transition
// cause: LATE_SUCCESS (the channel reports a success for a payment we hold as FAILED or CLOSED) and
// CORRECTED_BY_RECON (an approved reconciliation resolution).

const NEXT: Record<PaymentStatus, readonly PaymentStatus[]> = {
  PROCESSING: ["SUCCEEDED", "FAILED", "CLOSED"],
  SUCCEEDED: [],
  FAILED: [],
  CLOSED: [],
};

export function canMove(from: PaymentStatus, to: PaymentStatus): boolean {
  return NEXT[from].includes(to);
}

export function assertMove(from: PaymentStatus, to: PaymentStatus): void {
  if (!canMove(from, to)) {
    throw new DomainError("PRECONDITION", "ILLEGAL_TRANSITION", `A ${from} payment cannot become ${to}`, { params: { from, to } });
  }
}

/** A late success: only from FAILED or CLOSED, only to SUCCEEDED. */
export function isLateSuccess(from: PaymentStatus, to: PaymentStatus): boolean {
  return (from === "FAILED" || from === "CLOSED") && to === "SUCCEEDED";
}

/** Reconciliation may correct a final state to another final state, never to or from PROCESSING. */
export function assertCorrection(from: PaymentStatus, to: PaymentStatus): void {
  if (from === "PROCESSING" || to === "PROCESSING" || from === to) {
    throw new DomainError("PRECONDITION", "ILLEGAL_CORRECTION", `A ${from} payment cannot be corrected to ${to}: corrections move one final state to another`, { params: { from, to } });
  }
}

// Refunds: asynchronous at every channel. ABNORMAL (the payer's card or account could not take the
// money back) is left only by its resolution, a transfer to the payer's bank account (→ SUCCEEDED).
const REFUND_NEXT: Record<RefundStatus, readonly RefundStatus[]> = {
  PROCESSING: ["SUCCEEDED", "FAILED", "CLOSED", "ABNORMAL"],
  ABNORMAL: ["SUCCEEDED"],
  SUCCEEDED: [],
  FAILED: [],
  CLOSED: [],
};

export function canMoveRefund(from: RefundStatus, to: RefundStatus): boolean {
  return REFUND_NEXT[from].includes(to);
}

export function assertRefundMove(from: RefundStatus, to: RefundStatus): void {
  if (!canMoveRefund(from, to)) {
    throw new DomainError("PRECONDITION", "ILLEGAL_TRANSITION", `A ${from} refund cannot become ${to}`, { params: { from, to } });
  }
}
