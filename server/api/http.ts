import { DomainError } from "@/server/core/errors/domain-error";
import { KIND_TO_HTTP } from "./errors";

export function sessionCookie(name: string, token: string, req: Request, maxAgeSeconds: number): string {
  // Host-only (no Domain attribute): a cookie set on acme.localhost is never sent to beta.localhost.
  const secure = req.headers.get("x-forwarded-proto") === "https" || new URL(req.url).protocol === "https:" || process.env.SWITCHYARD_SECURE_COOKIES === "1";
  return `${name}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure ? "; Secure" : ""}`;
}

export function clearCookie(name: string): string {
  return `${name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
}

export function jsonError(e: DomainError, extraHeaders?: HeadersInit): Response {
  return Response.json(
    { error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}), ...(e.params ? { params: e.params } : {}) } },
    { status: KIND_TO_HTTP[e.kind], headers: extraHeaders },
  );
}

/** Same-origin check for cookie-authenticated POSTs (CSRF). */
export function sameOrigin(req: Request): boolean {
  const origin = req.headers.get("origin");
  const host = req.headers.get("host");
  if (!origin || !host) return false;
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}
