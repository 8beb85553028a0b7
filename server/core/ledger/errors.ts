import { DomainError, type DomainErrorKind } from "@/server/core/errors/domain-error";

// The ledger's SQL functions raise "CODE: message" (SQLSTATE P0001). This maps each code to the
// domain error kind, so the API answers with the right status and a message a person can act on.
const KINDS: Record<string, DomainErrorKind> = {
  NO_TENANT: "INVARIANT",
  ENTRY_INVALID: "BAD_INPUT",
  UNBALANCED: "INVARIANT",
  INSUFFICIENT_FUNDS: "INVARIANT",
  IDEMPOTENCY_CONFLICT: "CONFLICT",
  ACCOUNT_NOT_FOUND: "NOT_FOUND",
  BUSINESS_DAY_CLOSED: "PRECONDITION",
  HOLD_INVALID: "BAD_INPUT",
  HOLD_NOT_FOUND: "NOT_FOUND",
  HOLD_NOT_PENDING: "PRECONDITION",
  HOLD_EXPIRED: "PRECONDITION",
  HOLD_AMOUNT_EXCEEDED: "INVARIANT",
  ENTRY_NOT_FOUND: "NOT_FOUND",
  ENTRY_NOT_REVERSIBLE: "PRECONDITION",
  ENTRY_ALREADY_REVERSED: "PRECONDITION",
  // A balance row locked out of the one order (test databases only): a missing lockAhead.
  LOCK_ORDER: "INVARIANT",
};

export function ledgerError(e: unknown): unknown {
  const text = e instanceof Error ? e.message : String(e);
  const m = /\b([A-Z][A-Z_]{2,}): ([^`\n]+)/.exec(text);
  if (m && m[1] && m[1] in KINDS) return new DomainError(KINDS[m[1]]!, m[1], m[2]!.trim(), { cause: e });
  // Two reversals of one entry at once: the unique key on reverses_entry_id decides.
  if (/journal_entry_tenant_id_reverses_entry_id_key|reverses_entry_id/.test(text) && /unique|23505|P2002/i.test(text)) {
    return new DomainError("PRECONDITION", "ENTRY_ALREADY_REVERSED", "This entry has already been reversed", { cause: e });
  }
  return e;
}
