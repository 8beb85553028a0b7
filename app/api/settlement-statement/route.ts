import { ZodError } from "zod";
import { readBranding } from "@/branding/css-vars";
import { parseCookies } from "@/server/api/context";
import { jsonError } from "@/server/api/http";
import { can, isConsoleRole } from "@/server/core/auth/roles";
import { SESSION_COOKIE, validateSession } from "@/server/core/auth/session";
import { DomainError } from "@/server/core/errors/domain-error";
import { statementPdf } from "@/server/core/settlement/pdf";
import { merchantStatement, statementCsv, ZStatementRequest } from "@/server/core/settlement/statement";
import { systemResolveTenantByHost } from "@/server/core/tenancy/resolve";
import { authorizedTenantId, withTenantTx, type TenantContext } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

// A merchant's settlement statement as CSV or PDF:
//   GET /api/settlement-statement?merchantId=…&from=YYYY-MM-DD&to=YYYY-MM-DD&format=pdf|csv&locale=zh-CN|en
// Cookie session: the provider's staff (tenant.read) for any of its merchants; a merchant user
// for its own merchant only (the merchantId in the query is ignored for them).

export async function GET(req: Request): Promise<Response> {
  try {
    const tenant = await systemResolveTenantByHost(req.headers.get("host"));
    if (!tenant) throw new DomainError("NOT_FOUND", "UNKNOWN_TENANT", "Unknown service provider");
    if (tenant.status !== "ACTIVE") throw new DomainError("UNAUTHORIZED", "TENANT_SUSPENDED", "This service provider is suspended");
    const tenantId = authorizedTenantId(tenant.id);
    const user = await withTenantTx(tenantId, (tx) => validateSession(tx, tenant.id, parseCookies(req.headers.get("cookie")).get(SESSION_COOKIE)));
    if (!user) throw new DomainError("UNAUTHORIZED", "UNAUTHENTICATED", "Please sign in");
    const q = new URL(req.url).searchParams;
    let merchantId = q.get("merchantId") ?? "";
    if (isConsoleRole(user.role)) {
      if (!can(user.role, "tenant.read")) throw new DomainError("FORBIDDEN", "FORBIDDEN", "Your role does not allow this");
    } else {
      if (!user.merchantId) throw new DomainError("FORBIDDEN", "FORBIDDEN", "Your role does not allow this");
      merchantId = user.merchantId;
    }
    const format = q.get("format") ?? "pdf";
    if (format !== "pdf" && format !== "csv") throw new DomainError("BAD_INPUT", "INVALID_REQUEST", "format must be pdf or csv", { field: "format" });
    const input = ZStatementRequest.parse({ merchantId, from: q.get("from") ?? "", to: q.get("to") ?? "", locale: q.get("locale") ?? "zh-CN" });
    const ctx: TenantContext = { tenantId, actor: { kind: "USER", userId: user.userId, email: user.email, role: user.role, merchantId: user.merchantId } };
    const { statement, brand } = await withTenantTx(tenantId, async (tx) => {
      const statement = await merchantStatement(tx, ctx, input);
      const t = await tx.tenant.findFirst({ where: { id: tenantId }, select: { branding: true } });
      return { statement, brand: readBranding(t?.branding) };
    });
    const base = `statement-${statement.merchant.shortName}-${input.from}-${input.to}`;
    const disposition = (ext: string) => `attachment; filename="statement-${input.from}-${input.to}.${ext}"; filename*=UTF-8''${encodeURIComponent(`${base}.${ext}`)}`;
    if (format === "csv") {
      return new Response(statementCsv(statement, input.locale), { headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": disposition("csv"), "cache-control": "no-store" } });
    }
    const pdf = await statementPdf(statement, input.locale, brand);
    return new Response(new Uint8Array(pdf), { headers: { "content-type": "application/pdf", "content-disposition": disposition("pdf"), "cache-control": "no-store" } });
  } catch (e) {
    if (e instanceof DomainError) return jsonError(e);
    if (e instanceof ZodError) return jsonError(new DomainError("BAD_INPUT", "INVALID_REQUEST", e.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")));
    logger.error({ err: e instanceof Error ? e.message : String(e) }, "settlement statement failed");
    return Response.json({ error: { code: "INTERNAL", message: "The statement could not be produced; try again" } }, { status: 500 });
  }
}
