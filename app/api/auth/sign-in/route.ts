import { randomUUID } from "node:crypto";
import { parseCookies } from "@/server/api/context";
import { jsonError, sameOrigin, sessionCookie } from "@/server/api/http";
import { SESSION_ABSOLUTE_MS, SESSION_COOKIE, PLATFORM_SESSION_COOKIE } from "@/server/core/auth/session";
import { ZSignIn, signInTenantUser } from "@/server/core/auth/sign-in";
import { isMerchantRole } from "@/server/core/auth/roles";
import { DomainError } from "@/server/core/errors/domain-error";
import { signInPlatformAdmin } from "@/server/core/platform/auth";
import { classifyHost } from "@/server/core/tenancy/host";
import { systemResolveTenantByHost } from "@/server/core/tenancy/resolve";
import { logger } from "@/server/lib/logger";

export const dynamic = "force-dynamic";

export async function POST(req: Request) {
  const requestId = req.headers.get("x-request-id")?.slice(0, 64) || randomUUID();
  if (!sameOrigin(req)) return jsonError(new DomainError("FORBIDDEN", "CSRF", "Cross-site request refused"));
  const body: unknown = await req.json().catch(() => null);
  const parsed = ZSignIn.safeParse(body);
  if (!parsed.success) return jsonError(new DomainError("BAD_INPUT", "INVALID_INPUT", "Enter your email and password"));
  const cookies = parseCookies(req.headers.get("cookie"));
  const maxAge = Math.floor(SESSION_ABSOLUTE_MS / 1000);
  const host = req.headers.get("host");
  try {
    if (classifyHost(host).kind === "platform") {
      const r = await signInPlatformAdmin(parsed.data, { requestId, previousToken: cookies.get(PLATFORM_SESSION_COOKIE) ?? null });
      logger.info({ requestId, platformAdminId: r.adminId }, "platform sign-in");
      return Response.json({ ok: true, redirect: "/" }, { headers: { "set-cookie": sessionCookie(PLATFORM_SESSION_COOKIE, r.token, req, maxAge) } });
    }
    const tenant = await systemResolveTenantByHost(host);
    if (!tenant) return jsonError(new DomainError("NOT_FOUND", "UNKNOWN_TENANT", "Unknown service provider"));
    const r = await signInTenantUser(tenant, parsed.data, {
      ip: req.headers.get("x-forwarded-for")?.split(",")[0]?.trim() ?? null,
      userAgent: req.headers.get("user-agent"),
      previousToken: cookies.get(SESSION_COOKIE) ?? null,
      requestId,
    });
    logger.info({ requestId, tenantId: tenant.id, userId: r.userId }, "sign-in");
    return Response.json(
      { ok: true, redirect: isMerchantRole(r.role) ? "/m" : "/" },
      { headers: { "set-cookie": sessionCookie(SESSION_COOKIE, r.token, req, maxAge) } },
    );
  } catch (e) {
    if (e instanceof DomainError) {
      logger.info({ requestId, code: e.code }, "sign-in refused");
      return jsonError(e);
    }
    throw e;
  }
}
