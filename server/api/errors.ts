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
  return e;
}
