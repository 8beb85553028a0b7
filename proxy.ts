import { NextResponse, type NextRequest } from "next/server";
import { classifyHost } from "@/server/core/tenancy/host";

// Maps the host to a route tree and does nothing else: the tenant subdomain or custom domain to
// /t/<key>/… (console) or /m/<key>/… (merchant portal), the bare host to /platform/…. Nothing is
// decided here about who may see what: pages and procedures resolve the tenant from the Host
// header again and re-check the session.
export function proxy(request: NextRequest) {
  const url = request.nextUrl.clone();
  const host = classifyHost(request.headers.get("host"));
  const path = url.pathname === "/" ? "" : url.pathname;
  if (host.kind === "unknown") return new NextResponse("Not found", { status: 404 });
  if (host.kind === "platform") {
    url.pathname = `/platform${path}`;
  } else {
    const key = host.kind === "tenant-slug" ? host.slug : `~${host.domain}`;
    if (path === "/m" || path.startsWith("/m/")) url.pathname = `/m/${encodeURIComponent(key)}${path.slice(2)}`;
    else url.pathname = `/t/${encodeURIComponent(key)}${path}`;
  }
  return NextResponse.rewrite(url);
}

export const config = {
  matcher: ["/((?!api/|_next/|favicon.ico|robots.txt).*)"],
};
