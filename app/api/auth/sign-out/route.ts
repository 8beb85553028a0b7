import { parseCookies } from "@/server/api/context";
import { clearCookie, jsonError, sameOrigin } from "@/server/api/http";
import { deleteSessionByToken, PLATFORM_SESSION_COOKIE, SESSION_COOKIE } from "@/server/core/auth/session";
import { recordAudit } from "@/server/core/audit/service";
import { DomainError } from "@/server/core/errors/domain-error";
import { signOutPlatform } from "@/server/core/platform/auth";
import { classifyHost } from "@/server/core/tenancy/host";
import { systemResolveTenantByHost } from "@/server/core/tenancy/resolve";
import { validateSession } from "@/server/core/auth/session";
import { authorizedTenantId, withTenantTx } from "@/server/db/tenant-tx";

export const dynamic = "force-dynamic";

export async function POST(req: Request) {
  if (!sameOrigin(req)) return jsonError(new DomainError("FORBIDDEN", "CSRF", "Cross-site request refused"));
  const cookies = parseCookies(req.headers.get("cookie"));
  const host = req.headers.get("host");
  if (classifyHost(host).kind === "platform") {
    const token = cookies.get(PLATFORM_SESSION_COOKIE);
    if (token) await signOutPlatform(token);
    return Response.json({ ok: true, redirect: "/login" }, { headers: { "set-cookie": clearCookie(PLATFORM_SESSION_COOKIE) } });
  }
  const token = cookies.get(SESSION_COOKIE);
  const tenant = await systemResolveTenantByHost(host);
  if (token && tenant) {
    const tenantId = authorizedTenantId(tenant.id);
    await withTenantTx(tenantId, async (tx) => {
      const user = await validateSession(tx, tenant.id, token);
      await deleteSessionByToken(tx, tenantId, token);
      if (user) {
        await recordAudit(tx, { tenantId, actor: { kind: "USER", userId: user.userId, email: user.email, role: user.role, merchantId: user.merchantId } }, { action: "auth.sign_out", entityType: "user", entityId: user.userId });
      }
    });
  }
  return Response.json({ ok: true, redirect: "/login" }, { headers: { "set-cookie": clearCookie(SESSION_COOKIE) } });
}
