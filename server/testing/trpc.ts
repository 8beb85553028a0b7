import { TRPCError } from "@trpc/server";
import { contextFromHeaders } from "@/server/api/context";
import { createCaller } from "@/server/api/root";
import { PLATFORM_SESSION_COOKIE, SESSION_COOKIE } from "@/server/core/auth/session";

// Calling procedures the way the HTTP adapter does: a RequestContext built from request headers,
// so host → tenant resolution, cookies and the CSRF origin check all run for real.

export const PLATFORM_HOST = "localhost:3000";
export const tenantHost = (slug: string) => `${slug}.localhost:3000`;

export type Caller = ReturnType<typeof createCaller>;

export interface CallAs {
  host: string;
  /** Tenant session token (swy_session). */
  session?: string;
  /** Platform session token (swy_platform_session). */
  platformSession?: string;
  /** Defaults to http://<host> (same origin); null sends no Origin header at all. */
  origin?: string | null;
}

export function callerAs(as: CallAs): Caller {
  const headers = new Headers({ host: as.host, "user-agent": "vitest" });
  const cookies: string[] = [];
  if (as.session !== undefined) cookies.push(`${SESSION_COOKIE}=${as.session}`);
  if (as.platformSession !== undefined) cookies.push(`${PLATFORM_SESSION_COOKIE}=${as.platformSession}`);
  if (cookies.length > 0) headers.set("cookie", cookies.join("; "));
  const origin = as.origin === undefined ? `http://${as.host}` : as.origin;
  if (origin !== null) headers.set("origin", origin);
  return createCaller(contextFromHeaders(headers));
}

/** Calls a procedure by its dotted path (`merchants.get`), as listed in appRouter._def.procedures. */
export function callPath(caller: Caller, path: string, input?: unknown): Promise<unknown> {
  let target: unknown = caller;
  for (const part of path.split(".")) target = (target as Record<string, unknown>)[part];
  return (target as (input: unknown) => Promise<unknown>)(input);
}

export type Outcome = { code: "OK"; value: unknown } | { code: TRPCError["code"]; error: TRPCError };

/** Settles a call into its tRPC code ("OK" with the value, or the error's code). Other errors are rethrown. */
export async function outcome(call: Promise<unknown>): Promise<Outcome> {
  try {
    return { code: "OK", value: await call };
  } catch (e) {
    if (e instanceof TRPCError) return { code: e.code, error: e };
    throw e;
  }
}

/** The error code a call failed with; fails the test with the value if it succeeded. */
export async function failureCode(call: Promise<unknown>): Promise<string> {
  const r = await outcome(call);
  if (r.code === "OK") throw new Error(`expected the call to fail, but it returned ${stringify(r.value).slice(0, 500)}`);
  return r.code;
}

/** JSON with bigint and Buffer made printable, for leak scans and messages. */
export function stringify(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? "undefined";
}
