import { DomainError } from "@/server/core/errors/domain-error";
import type { PayoutBatchStatus, PayoutStatus } from "@/server/db/generated/prisma/enums";

// The payout and batch state machines (ARCHITECTURE.md §5). A payout is HELD from its request
// (the source's funds on hold), BATCHED when gathered, IN_TRANSIT once its batch's release is
// approved (the hold posted), then SUCCEEDED or FAILED by the bank's answer; a SUCCEEDED payout
// may later be RETURNED (退汇). Before release it may be CANCELLED (the hold voided). A BATCHED
// payout goes back to HELD when its batch's release is rejected.

const NEXT: Record<PayoutStatus, readonly PayoutStatus[]> = {
  HELD: ["BATCHED", "CANCELLED"],
  BATCHED: ["IN_TRANSIT", "HELD", "CANCELLED"],
  IN_TRANSIT: ["SUCCEEDED", "FAILED"],
  SUCCEEDED: ["RETURNED"],
  FAILED: [],
  RETURNED: [],
  CANCELLED: [],
};

export function canMovePayout(from: PayoutStatus, to: PayoutStatus): boolean {
  return NEXT[from].includes(to);
}

export function assertPayoutMove(from: PayoutStatus, to: PayoutStatus): void {
  if (!canMovePayout(from, to)) throw new DomainError("PRECONDITION", "ILLEGAL_TRANSITION", `A ${from} payout cannot become ${to}`, { params: { from, to } });
}

export const FINAL_PAYOUT_STATUSES: ReadonlySet<PayoutStatus> = new Set(["SUCCEEDED", "FAILED", "RETURNED", "CANCELLED"]);

const BATCH_NEXT: Record<PayoutBatchStatus, readonly PayoutBatchStatus[]> = {
  OPEN: ["PROPOSED"],
  PROPOSED: ["RELEASED", "REJECTED"],
  RELEASED: ["COMPLETED"],
  COMPLETED: [],
  REJECTED: [],
};

export function assertBatchMove(from: PayoutBatchStatus, to: PayoutBatchStatus): void {
  if (!BATCH_NEXT[from].includes(to)) throw new DomainError("PRECONDITION", "BATCH_ILLEGAL_TRANSITION", `A ${from} batch cannot become ${to}`, { params: { from, to } });
}

/** Which bank answers move an IN_TRANSIT payout, and where to. RETURNED means paid, then returned. */
export function outcomeOfBankStatus(status: "PROCESSING" | "SUCCEEDED" | "FAILED" | "RETURNED" | "NOT_FOUND"): "WAIT" | "SUCCEEDED" | "FAILED" | "RETURNED" | "RESEND" {
  switch (status) {
    case "SUCCEEDED":
    case "FAILED":
    case "RETURNED":
      return status;
    case "NOT_FOUND":
      // The bank never received it (the send was lost before it arrived): send it again. Banks
      // deduplicate by our payout number, so a send that did arrive is answered, not repeated.
      return "RESEND";
    default:
      return "WAIT";
  }
}
