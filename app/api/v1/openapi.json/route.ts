import { openApiDocument } from "@/server/core/merchant-api/openapi";

// Public: the document describes the API and holds nothing of any tenant.
export const dynamic = "force-dynamic";

export function GET() {
  return Response.json(openApiDocument(), { headers: { "cache-control": "public, max-age=300" } });
}
