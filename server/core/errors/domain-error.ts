// One error type for domain code. server/api/errors.ts maps each code to a tRPC code in one place;
// the REST and device APIs map them to HTTP statuses the same way.
export type DomainErrorKind =
  | "NOT_FOUND" // another tenant's record looks exactly like a missing one
  | "FORBIDDEN"
  | "UNAUTHORIZED"
  | "BAD_INPUT"
  | "CONFLICT" // idempotency or uniqueness clash
  | "PRECONDITION" // illegal state transition
  | "INVARIANT" // a broken invariant (unbalanced entry, bound violation)
  | "RATE_LIMITED";

export class DomainError extends Error {
  readonly code: string;
  readonly kind: DomainErrorKind;
  readonly field?: string;
  /** Values for the translated message (errors.<code> in the catalogues), e.g. { minutes: 15 }. */
  readonly params?: Record<string, string | number>;

  constructor(kind: DomainErrorKind, code: string, message: string, options?: { field?: string; cause?: unknown; params?: Record<string, string | number> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DomainError";
    this.kind = kind;
    this.code = code;
    if (options?.field !== undefined) this.field = options.field;
    if (options?.params !== undefined) this.params = options.params;
  }
}

export const notFound = (what: string) => new DomainError("NOT_FOUND", "NOT_FOUND", `${what} not found`);
export const forbidden = (message = "You do not have permission to do this") =>
  new DomainError("FORBIDDEN", "FORBIDDEN", message);
export const badInput = (code: string, message: string, field?: string) =>
  new DomainError("BAD_INPUT", code, message, field === undefined ? undefined : { field });

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
