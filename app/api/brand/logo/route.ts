import { systemResolveTenantByHost, systemTenantLogo } from "@/server/core/tenancy/resolve";

export const dynamic = "force-dynamic";

export async function GET(req: Request) {
  const tenant = await systemResolveTenantByHost(req.headers.get("host"));
  const logo = tenant ? await systemTenantLogo(tenant.id) : null;
  if (!logo) return new Response("Not found", { status: 404 });
  return new Response(Buffer.from(logo.logo), {
    headers: {
      "content-type": logo.contentType,
      "cache-control": "private, max-age=60",
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'",
    },
  });
}
