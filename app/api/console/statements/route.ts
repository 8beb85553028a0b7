import { ZodError } from "zod";
import { parseCookies } from "@/server/api/context";
import { jsonError, sameOrigin } from "@/server/api/http";
import { can, isConsoleRole } from "@/server/core/auth/roles";
import { SESSION_COOKIE, validateSession } from "@/server/core/auth/session";
import { importStatement } from "@/server/core/clearing/import";
import { STATEMENT_FORMATS, type StatementFormat } from "@/server/core/clearing/parsers/types";
import { DomainError } from "@/server/core/errors/domain-error";
import { toApiJson } from "@/server/core/merchant-api/json";
import { systemResolveTenantByHost } from "@/server/core/tenancy/resolve";
import { authorizedTenantId, withTenantTx, type TenantContext } from "@/server/db/tenant-tx";
import { logger } from "@/server/lib/logger";

export const dynamic = "force-dynamic";

// The console's statement upload: the file's bytes as the body (so the browser can show upload
// progress), what it is in the query string. Cookie session of a console user with recon.import,
// same-origin only. A file read by a finance-defined template names it (templateId). Import parses and stores the file whole, or refuses it with nothing stored.

const MAX_BYTES = 64 * 1024 * 1024;

export async function POST(req: Request): Promise<Response> {
  try {
    if (!sameOrigin(req)) throw new DomainError("FORBIDDEN", "CSRF", "Cross-site request refused");
    const tenant = await systemResolveTenantByHost(req.headers.get("host"));
    if (!tenant) throw new DomainError("NOT_FOUND", "UNKNOWN_TENANT", "Unknown service provider");
    if (tenant.status !== "ACTIVE") throw new DomainError("UNAUTHORIZED", "TENANT_SUSPENDED", "This service provider is suspended");
    const tenantId = authorizedTenantId(tenant.id);
    const user = await withTenantTx(tenantId, (tx) => validateSession(tx, tenant.id, parseCookies(req.headers.get("cookie")).get(SESSION_COOKIE)));
    if (!user) throw new DomainError("UNAUTHORIZED", "UNAUTHENTICATED", "Please sign in");
    if (!isConsoleRole(user.role) || !can(user.role, "recon.import")) throw new DomainError("FORBIDDEN", "FORBIDDEN", "Your role does not allow this");

    const q = new URL(req.url).searchParams;
    const format = q.get("format") || undefined;
    if (format !== undefined && !(STATEMENT_FORMATS as readonly string[]).includes(format)) {
      throw new DomainError("BAD_INPUT", "INVALID_REQUEST", `format must be one of ${STATEMENT_FORMATS.join(", ")}`, { field: "format" });
    }
    const declaredLength = Number(req.headers.get("content-length") ?? "0");
    if (declaredLength > MAX_BYTES) throw new DomainError("BAD_INPUT", "STATEMENT_TOO_LARGE", `A statement file may be at most ${MAX_BYTES / 1024 / 1024} MB`, { field: "file" });
    const bytes = Buffer.from(await req.arrayBuffer());
    if (bytes.length > MAX_BYTES) throw new DomainError("BAD_INPUT", "STATEMENT_TOO_LARGE", `A statement file may be at most ${MAX_BYTES / 1024 / 1024} MB`, { field: "file" });

    const ctx: TenantContext = { tenantId, actor: { kind: "USER", userId: user.userId, email: user.email, role: user.role, merchantId: user.merchantId } };
    const billType = q.get("billType") || undefined;
    const templateId = q.get("templateId") || undefined;
    if (templateId !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(templateId)) {
      throw new DomainError("BAD_INPUT", "INVALID_REQUEST", "templateId must be a template's id", { field: "template" });
    }
    const result = await importStatement(ctx, {
      channelAccountId: q.get("channelAccountId") ?? "",
      billDate: q.get("billDate") ?? "",
      fileName: (req.headers.get("x-file-name") ? decodeURIComponent(req.headers.get("x-file-name")!) : "statement").slice(0, 255),
      bytes,
      source: "UPLOAD",
      ...(format ? { format: format as StatementFormat } : {}),
      ...(templateId ? { templateId } : {}),
      ...(billType ? { billType } : {}),
    });
    return new Response(toApiJson(result), { status: result.outcome === "IMPORTED" ? 201 : 200, headers: { "content-type": "application/json" } });
  } catch (e) {
    if (e instanceof DomainError) return jsonError(e);
    if (e instanceof ZodError) return jsonError(new DomainError("BAD_INPUT", "INVALID_REQUEST", e.issues.map((i) => i.message).join("; ")));
    logger.error({ err: e instanceof Error ? e.message : String(e) }, "statement upload failed");
    return Response.json({ error: { code: "INTERNAL", message: "The file could not be imported; try again" } }, { status: 500 });
  }
}
