import { isIP } from "node:net";

// Pure rules of merchant webhooks: the retry schedule and which network addresses a delivery may
// reach. No clock, no network, no database.

/**
 * Seconds to wait after attempt n (index n − 1) before attempt n + 1. Sixteen attempts in all,
 * 24 hours and 4 minutes from the first to the last, the same event id every time; after the sixteenth
 * failure the event is FAILED and only a manual resend from the console tries again.
 */
export const RETRY_DELAYS_SECONDS = [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600] as const;
export const WEBHOOK_MAX_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;

/** The wait after the `attemptsMade`-th failed attempt, or null when that was the last one. */
export function retryDelaySeconds(attemptsMade: number): number | null {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) throw new RangeError(`attemptsMade must be a positive integer, got ${attemptsMade}`);
  return RETRY_DELAYS_SECONDS[attemptsMade - 1] ?? null;
}

/** A response the merchant's server sent counts as delivered only with a 2xx status. */
export const isDeliveredStatus = (statusCode: number) => statusCode >= 200 && statusCode < 300;

// ---------------------------------------------------------------------------------------------
// Address ranges (SSRF guard). A webhook URL is chosen by a merchant (or a request's notifyUrl),
// so without this a merchant could make our servers call our own database, metadata service or
// office network. Every address a host name resolves to is checked, not only the first one.

export type AddressClass =
  | "public"
  | "loopback" // 127/8, ::1
  | "unspecified" // 0/8, :: — connecting to them reaches this host, so they count as loopback
  | "private" // 10/8, 172.16/12, 192.168/16
  | "link-local" // 169.254/16 (cloud metadata lives here), fe80::/10
  | "cgnat" // 100.64/10, carrier-grade NAT, often a provider's internal network
  | "unique-local" // fc00::/7, IPv6's private range
  | "reserved"; // multicast, broadcast, documentation and other special-purpose ranges

function ipv4Bytes(ip: string): number[] | null {
  const parts = ip.split(".");
  if (parts.length !== 4) return null;
  const bytes = parts.map((p) => (/^[0-9]{1,3}$/.test(p) ? Number(p) : NaN));
  return bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255) ? bytes : null;
}

/** The 16 bytes of an IPv6 address (zone id dropped, embedded dotted quad allowed), or null. */
export function ipv6Bytes(input: string): number[] | null {
  const ip = input.replace(/^\[|\]$/g, "").split("%")[0] ?? "";
  if (isIP(ip) !== 6) return null;
  let text = ip;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  const last = text.slice(lastColon + 1);
  if (last.includes(".")) {
    const v4 = ipv4Bytes(last);
    if (!v4) return null;
    tail.push(...v4);
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = "", rest] = text.split("::");
  const groups = (s: string) => (s === "" ? [] : s.split(":").map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const fill = rest === undefined ? 0 : 8 - left.length - right.length;
  const words = [...left, ...Array<number>(fill).fill(0), ...right];
  if (words.length !== 8 || words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffff)) return null;
  const bytes = words.flatMap((w) => [w >> 8, w & 0xff]);
  if (tail.length) bytes.splice(12, 4, ...tail);
  return bytes;
}

function classifyIpv4([a = 0, b = 0, c = 0]: number[]): AddressClass {
  if (a === 127) return "loopback";
  if (a === 0) return "unspecified";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
  if (a === 169 && b === 254) return "link-local";
  if (a === 100 && b >= 64 && b <= 127) return "cgnat";
  if (a >= 224) return "reserved"; // multicast 224/4, 240/4 and the broadcast address
  // 192.0.0/24 (IETF protocol assignments), 198.18/15 (benchmarking), documentation ranges.
  if ((a === 192 && b === 0 && (c === 0 || c === 2)) || (a === 198 && (b === 18 || b === 19)) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) {
    return "reserved";
  }
  return "public";
}

function classifyIpv6(bytes: number[]): AddressClass {
  const zeroUpTo = (n: number) => bytes.slice(0, n).every((x) => x === 0);
  const v4 = bytes.slice(12, 16);
  if (zeroUpTo(15) && bytes[15] === 1) return "loopback";
  if (zeroUpTo(16)) return "unspecified";
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): the IPv4 address is what is reached.
  if (zeroUpTo(10) && ((bytes[10] === 0xff && bytes[11] === 0xff) || (bytes[10] === 0 && bytes[11] === 0))) return classifyIpv4(v4);
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address too.
  if (bytes[0] === 0x00 && bytes[1] === 0x64 && bytes[2] === 0xff && bytes[3] === 0x9b && bytes.slice(4, 12).every((x) => x === 0)) return classifyIpv4(v4);
  if (bytes[0] === 0x20 && bytes[1] === 0x02) return classifyIpv4(bytes.slice(2, 6));
  const first = bytes[0] ?? 0;
  if ((first & 0xfe) === 0xfc) return "unique-local";
  if (first === 0xfe && ((bytes[1] ?? 0) & 0xc0) === 0x80) return "link-local";
  if (first === 0xfe && ((bytes[1] ?? 0) & 0xc0) === 0xc0) return "private"; // deprecated site-local fec0::/10
  if (first === 0xff) return "reserved"; // multicast
  if (first === 0x20 && bytes[1] === 0x01 && bytes[2] === 0x0d && bytes[3] === 0xb8) return "reserved"; // documentation 2001:db8::/32
  return "public";
}

/** The class of an IP address literal (IPv4 or IPv6); null if it is not one. */
export function classifyAddress(ip: string): AddressClass | null {
  const v4 = ipv4Bytes(ip);
  if (v4 && isIP(ip) === 4) return classifyIpv4(v4);
  const v6 = ipv6Bytes(ip);
  return v6 ? classifyIpv6(v6) : null;
}

export interface TargetPolicy {
  /** NODE_ENV=production: private, link-local, CGNAT, unique-local and reserved ranges are refused. */
  readonly production: boolean;
  /** SWITCHYARD_WEBHOOK_ALLOW_LOOPBACK=1: loopback allowed (tests, the demo, the benchmark). */
  readonly allowLoopback: boolean;
}

export function targetPolicyFromEnv(env: Record<string, string | undefined> = process.env): TargetPolicy {
  return { production: env.NODE_ENV === "production", allowLoopback: env.SWITCHYARD_WEBHOOK_ALLOW_LOOPBACK === "1" };
}

/**
 * Why this address may not be a webhook target under `policy`, or null if it may. Loopback is
 * refused in every environment unless explicitly allowed (a developer's own machine runs the
 * database on it too); the private ranges only in production, where they are someone's network.
 */
export function addressRefusal(ip: string, policy: TargetPolicy): string | null {
  const kind = classifyAddress(ip);
  if (kind === null) return `${ip} is not an IP address`;
  if (kind === "loopback" || kind === "unspecified") {
    return policy.allowLoopback ? null : `${ip} is a loopback address (set SWITCHYARD_WEBHOOK_ALLOW_LOOPBACK=1 to allow it)`;
  }
  if (kind !== "public" && policy.production) return `${ip} is in a ${kind} address range`;
  return null;
}
