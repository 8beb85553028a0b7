import { DomainError } from "@/server/core/errors/domain-error";
import type { PaymentStatus } from "@/server/db/generated/prisma/enums";

// The payment state machine. PROCESSING is the only state with ways out; a final state is left
// only by the explicit corrections of later slices (late success, reconciliation).

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
