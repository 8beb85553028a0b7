// Host → tenant key. Pure: used by proxy.ts (routing only) and by the server (which then looks
// the tenant up through a system_* function and re-checks membership — the host alone is never
// trusted).

export function baseHost(): string {
  return (process.env.SWITCHYARD_BASE_HOST ?? "localhost").toLowerCase();
}

export type HostKind =
  | { kind: "platform" }
  | { kind: "tenant-slug"; slug: string }
  | { kind: "custom-domain"; domain: string }
  // A subdomain of ours that cannot be a tenant (www.acme.localhost, ab.localhost): answered 404,
  // never with the operator console.
  | { kind: "unknown" };

export function stripPort(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith("[")) return h.includes("]") ? h.slice(0, h.indexOf("]") + 1) : "[invalid]";
  const i = h.lastIndexOf(":");
  return i === -1 ? h : h.slice(0, i);
}

export function classifyHost(hostHeader: string | null | undefined, base = baseHost()): HostKind {
  const host = stripPort(hostHeader ?? "");
  if (host === "" || host === base || host === "127.0.0.1" || host === "[::1]") return { kind: "platform" };
  if (host === "[invalid]") return { kind: "unknown" };
  if (host.endsWith(`.${base}`)) {
    const label = host.slice(0, -(base.length + 1));
    if (/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/.test(label)) return { kind: "tenant-slug", slug: label };
    return { kind: "unknown" };
  }
  return { kind: "custom-domain", domain: host };
}
