import { TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import { DomainError, type DomainErrorKind } from "@/server/core/errors/domain-error";

// The one table from domain error kinds to tRPC codes (and, for the REST APIs, HTTP statuses).
export const KIND_TO_TRPC = {
  NOT_FOUND: "NOT_FOUND",
  FORBIDDEN: "FORBIDDEN",
  UNAUTHORIZED: "UNAUTHORIZED",
  BAD_INPUT: "BAD_REQUEST",
  CONFLICT: "CONFLICT",
  PRECONDITION: "PRECONDITION_FAILED",
  INVARIANT: "UNPROCESSABLE_CONTENT",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
} as const satisfies Record<DomainErrorKind, TRPCError["code"]>;

export const KIND_TO_HTTP: Record<DomainErrorKind, number> = {
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  UNAUTHORIZED: 401,
  BAD_INPUT: 400,
  CONFLICT: 409,
  PRECONDITION: 422,
  INVARIANT: 422,
  RATE_LIMITED: 429,
};

export function toTRPCError(e: unknown): unknown {
  if (e instanceof DomainError) return new TRPCError({ code: KIND_TO_TRPC[e.kind], message: e.message, cause: e });
  if (e instanceof ZodError) return new TRPCError({ code: "BAD_REQUEST", message: e.issues[0]?.message ?? "Invalid input", cause: e });
  const db = fromDatabaseError(e);
  if (db) return new TRPCError({ code: KIND_TO_TRPC[db.kind], message: db.message, cause: e });
  return e;
}

/**
 * The database refusals a person's input can cause, which no service check caught first (two
 * people creating the same thing at once; a record removed meanwhile), as errors a person can act
 * on instead of the driver's text with table and constraint names. Anything else stays internal.
 */
export function fromDatabaseError(e: unknown): DomainError | null {
  if (typeof e !== "object" || e === null || !("code" in e)) return null;
  const { code, meta } = e as { code: unknown; meta?: { target?: unknown; driverAdapterError?: { cause?: { table?: unknown; constraint?: { fields?: unknown; index?: unknown } } } } };
  if (code === "P2002") {
    const what = uniqueFields(meta);
    return new DomainError("CONFLICT", "ALREADY_EXISTS", what ? `One with the same ${what} already exists; change it and try again` : "One with these details already exists; change them and try again");
  }
  if (code === "P2003") return new DomainError("BAD_INPUT", "REFERENCE_NOT_FOUND", "It refers to something that does not exist (any more); reload and try again");
  if (code === "P2025") return new DomainError("NOT_FOUND", "NOT_FOUND", "Not found: it may have been removed meanwhile; reload and try again");
  return null;
}

/** The columns of a unique violation in words ("credit code"), from the fields or the index name (<table>_<columns>_key); the tenant column left out. */
function uniqueFields(meta: { target?: unknown; driverAdapterError?: { cause?: { table?: unknown; constraint?: { fields?: unknown; index?: unknown } } } } | undefined): string | null {
  const cause = meta?.driverAdapterError?.cause;
  const listed = cause?.constraint?.fields ?? meta?.target;
  if (Array.isArray(listed)) {
    const fields = listed.filter((f): f is string => typeof f === "string" && f !== "tenant_id" && f !== "tenantId");
    return fields.length ? fields.map((f) => f.replaceAll("_", " ")).join(", ") : null;
  }
  const index = cause?.constraint?.index;
  const table = cause?.table;
  if (typeof index !== "string" || typeof table !== "string" || !index.startsWith(`${table}_`) || !index.endsWith("_key")) return null;
  const columns = index.slice(table.length + 1, -"_key".length).replace(/^tenant_id(_|$)/, "");
  return columns ? columns.replaceAll("_", " ") : null;
}
