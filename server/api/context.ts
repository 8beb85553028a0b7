import { randomUUID } from "node:crypto";
import { classifyHost } from "@/server/core/tenancy/host";

export interface RequestContext {
  host: string;
  origin: string | null;
  cookies: Map<string, string>;
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  /** Cookies set by the procedure, written to the response by the HTTP adapter. */
  setCookies: string[];
}

export function parseCookies(header: string | null | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i <= 0) continue;
    const k = part.slice(0, i).trim();
    const v = part.slice(i + 1).trim();
    if (!map.has(k)) {
      try {
        map.set(k, decodeURIComponent(v));
      } catch {
        map.set(k, v);
      }
    }
  }
  return map;
}

export function contextFromHeaders(headers: Headers): RequestContext {
  const fwd = headers.get("x-forwarded-for");
  return {
    host: headers.get("host") ?? "",
    origin: headers.get("origin"),
    cookies: parseCookies(headers.get("cookie")),
    requestId: headers.get("x-request-id")?.slice(0, 64) || randomUUID(),
    ip: fwd ? (fwd.split(",")[0]?.trim() ?? null) : headers.get("x-real-ip"),
    userAgent: headers.get("user-agent"),
    setCookies: [],
  };
}

export function hostKind(ctx: RequestContext) {
  return classifyHost(ctx.host);
}
