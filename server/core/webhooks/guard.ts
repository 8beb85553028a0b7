import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import { BoundedMap } from "@/server/lib/bounded-map";
import { addressRefusal, type TargetPolicy } from "./rules";

// Where a webhook may go. The URL's host is resolved here, every address it resolves to is
// checked, and the delivery then connects to exactly these addresses (deliver.ts pins them in the
// socket's lookup), so a DNS answer that changes between the check and the connection (DNS
// rebinding) cannot slip a private address in.

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export type TargetCheck =
  | { ok: true; url: URL; addresses: ResolvedAddress[] }
  | { ok: false; code: "WEBHOOK_URL_INVALID" | "WEBHOOK_TARGET_REFUSED" | "WEBHOOK_DNS_FAILED"; message: string };

export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) => {
  const rows = await dnsLookup(hostname, { all: true, verbatim: true });
  return rows.map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4 }));
};

/**
 * Remembers answers for `ttlMs`: at a thousand deliveries a second to a few hosts, asking the
 * system resolver every time would be a thousand lookups a second. Safe with the guard, since the
 * connection goes to exactly the (checked) addresses remembered. Failures are not remembered.
 */
export function cachedResolver(resolve: Resolver, ttlMs = 30_000, maxEntries = 10_000): Resolver {
  const cache = new BoundedMap<string, { addresses: ResolvedAddress[]; until: number }>(maxEntries);
  return async (hostname) => {
    const now = Date.now();
    const hit = cache.get(hostname);
    if (hit && hit.until > now) return hit.addresses;
    const addresses = await resolve(hostname);
    cache.set(hostname, { addresses, until: now + ttlMs });
    return addresses;
  };
}

/** The resolver deliveries use by default. */
export const deliveryResolver: Resolver = cachedResolver(systemResolver);

/** Parses a webhook URL: http or https, no user name or password in it. */
export function parseWebhookUrl(raw: string): { ok: true; url: URL } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, message: "The webhook URL is not a valid URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { ok: false, message: "The webhook URL must start with http:// or https://" };
  if (url.username || url.password) return { ok: false, message: "The webhook URL must not contain a user name or password" };
  if (!url.hostname) return { ok: false, message: "The webhook URL has no host" };
  return { ok: true, url };
}

/** The host as an address literal if it is one ("[::1]" → "::1"), else null. */
export function literalAddress(url: URL): ResolvedAddress | null {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const family = isIP(host);
  return family === 4 || family === 6 ? { address: host, family } : null;
}

/**
 * What can be said without the network, for saving an endpoint: the URL's shape, and a refusal
 * when its host is an address literal or `localhost` that the policy refuses. Host names are
 * resolved at delivery (the DNS answer then is the one that counts).
 */
export function checkUrlOffline(raw: string, policy: TargetPolicy): { ok: true; url: URL } | { ok: false; code: "WEBHOOK_URL_INVALID" | "WEBHOOK_TARGET_REFUSED"; message: string } {
  const parsed = parseWebhookUrl(raw);
  if (!parsed.ok) return { ok: false, code: "WEBHOOK_URL_INVALID", message: parsed.message };
  const host = parsed.url.hostname.toLowerCase();
  const literal = literalAddress(parsed.url) ?? (host === "localhost" || host.endsWith(".localhost") ? { address: "127.0.0.1", family: 4 as const } : null);
  if (literal) {
    const refusal = addressRefusal(literal.address, policy);
    if (refusal) return { ok: false, code: "WEBHOOK_TARGET_REFUSED", message: `Webhooks may not go to ${parsed.url.hostname}: ${refusal}` };
  }
  return parsed;
}

/** Resolves the URL's host and checks every address; the delivery connects only to these. */
export async function checkTarget(raw: string, policy: TargetPolicy, resolve: Resolver = systemResolver): Promise<TargetCheck> {
  const parsed = parseWebhookUrl(raw);
  if (!parsed.ok) return { ok: false, code: "WEBHOOK_URL_INVALID", message: parsed.message };
  const { url } = parsed;
  const literal = literalAddress(url);
  let addresses: ResolvedAddress[];
  if (literal) {
    addresses = [literal];
  } else {
    try {
      addresses = await resolve(url.hostname);
    } catch (e) {
      return { ok: false, code: "WEBHOOK_DNS_FAILED", message: `Could not resolve ${url.hostname}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
    }
    if (addresses.length === 0) return { ok: false, code: "WEBHOOK_DNS_FAILED", message: `${url.hostname} has no addresses` };
  }
  for (const a of addresses) {
    const refusal = addressRefusal(a.address, policy);
    if (refusal) return { ok: false, code: "WEBHOOK_TARGET_REFUSED", message: `Webhooks may not go to ${url.hostname}: ${refusal}` };
  }
  return { ok: true, url, addresses };
}
