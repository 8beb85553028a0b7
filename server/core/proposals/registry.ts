import type { TenantContext, Tx } from "@/server/db/tenant-tx";

// What an approved proposal does, by kind. Each module registers its own kinds (ledger
// adjustments here; exception resolutions, payout batch release and statement supersede later).
export interface ProposalHandler {
  /** Validate the payload when proposed, so an approval cannot fail on input a person could fix. */
  validate(tx: Tx, ctx: TenantContext, payload: unknown): Promise<{ amountMinor: bigint }>;
  /** Carry it out, in the approver's transaction; returns what to record as the result. */
  execute(tx: Tx, ctx: TenantContext, payload: unknown, proposal: { id: string }): Promise<unknown>;
  /** Optional: undo what proposing set aside (a payout batch goes back), in the rejecter's or withdrawer's transaction. */
  decline?(tx: Tx, ctx: TenantContext, payload: unknown, proposal: { id: string }): Promise<void>;
}

const handlers = new Map<string, ProposalHandler>();

export function registerProposalKind(kind: string, handler: ProposalHandler): void {
  handlers.set(kind, handler);
}

export function proposalHandler(kind: string): ProposalHandler | undefined {
  return handlers.get(kind);
}

export function proposalKinds(): string[] {
  return [...handlers.keys()];
}
