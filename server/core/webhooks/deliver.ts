import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { checkTarget, deliveryResolver, type ResolvedAddress, type Resolver } from "./guard";
import { isDeliveredStatus, targetPolicyFromEnv, type TargetPolicy } from "./rules";
import { WEBHOOK_SIGNATURE_HEADER, WEBHOOK_USER_AGENT } from "./signature";

// One HTTP attempt of a webhook: check the target, POST the body with its signature, read a little
// of the answer. Never throws for anything the target does; the outcome is data the caller records.

/** A merchant's server gets this long (name resolution, connection, response) before the attempt fails. */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** What is kept of a response body in webhook_attempt. */
export const RESPONSE_EXCERPT_CHARS = 500;
// Enough bytes for 500 characters of any UTF-8; the rest of a large answer is not read at all.
const RESPONSE_READ_BYTES = 4 * RESPONSE_EXCERPT_CHARS;

// Keep-alive: at a thousand deliveries a second a new TCP (and TLS) connection per attempt would
// cost more than the attempt. LIFO keeps the warmest sockets busy and lets idle ones go; an idle
// socket is dropped after 4 s, before the 5 s keep-alive timeout common on servers (Node's
// default), so we rarely write to a socket the other side is closing.
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 256, maxFreeSockets: 64, scheduling: "lifo" as const, timeout: 4_000 };
const agents = { http: new http.Agent(AGENT_OPTIONS), https: new https.Agent(AGENT_OPTIONS) };

export interface AttemptResult {
  delivered: boolean;
  statusCode: number | null;
  latencyMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

export interface DeliveryOptions {
  timeoutMs?: number;
  policy?: TargetPolicy;
  resolve?: Resolver;
}

/** A socket lookup that only ever answers with the addresses the guard approved. */
function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const first = addresses[0];
    if (!first) {
      callback(Object.assign(new Error("no approved address"), { code: "ENOTFOUND" }), "", 4);
      return;
    }
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (err: null, addresses: ResolvedAddress[]) => void)(null, [...addresses]);
    } else {
      callback(null, first.address, first.family);
    }
  };
}

function excerpt(chunks: Buffer[]): string | null {
  if (chunks.length === 0) return null;
  const text = Buffer.concat(chunks).toString("utf8");
  // Characters, not bytes, and never half a surrogate pair.
  return Array.from(text).slice(0, RESPONSE_EXCERPT_CHARS).join("");
}

/** POSTs `body` to `target` with its signature header. */
export async function postWebhook(target: string, body: string, signature: string, options: DeliveryOptions = {}): Promise<AttemptResult> {
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const started = performance.now();
  const elapsed = () => Math.max(0, Math.round(performance.now() - started));
  const failed = (error: string, statusCode: number | null = null, responseExcerpt: string | null = null): AttemptResult => ({
    delivered: false,
    statusCode,
    latencyMs: elapsed(),
    responseExcerpt,
    error,
  });

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
    timer.unref?.();
  });
  try {
    const check = await Promise.race([checkTarget(target, options.policy ?? targetPolicyFromEnv(), options.resolve ?? deliveryResolver), deadline]);
    if (check === "timeout") return failed(`timed out after ${timeoutMs} ms resolving the host`);
    if (!check.ok) return failed(`${check.code}: ${check.message}`);
    const { url, addresses } = check;
    const isHttps = url.protocol === "https:";
    const outcome = await new Promise<AttemptResult>((resolve) => {
      const req = (isHttps ? https : http).request({
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ""),
        port: url.port || (isHttps ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        method: "POST",
        agent: isHttps ? agents.https : agents.http,
        lookup: pinnedLookup(addresses),
        headers: {
          "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(body, "utf8"),
          "User-Agent": WEBHOOK_USER_AGENT,
          [WEBHOOK_SIGNATURE_HEADER]: signature,
        },
      });
      let settled = false;
      const settle = (r: AttemptResult) => {
        if (settled) return;
        settled = true;
        resolve(r);
      };
      void deadline.then(() => {
        if (!settled) {
          settle(failed(`timed out after ${timeoutMs} ms`));
          req.destroy();
        }
      });
      req.on("error", (e: NodeJS.ErrnoException) => settle(failed(e.message || e.code || "request failed")));
      req.on("response", (res) => {
        const statusCode = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let read = 0;
        res.on("data", (chunk: Buffer) => {
          if (read >= RESPONSE_READ_BYTES) return;
          chunks.push(chunk.subarray(0, RESPONSE_READ_BYTES - read));
          read += chunk.length;
          // Past what we keep: stop reading a huge body rather than waiting for all of it. The
          // socket is then not reused, which is the cheaper loss.
          if (read >= RESPONSE_READ_BYTES && !res.complete) {
            settle(done());
            res.destroy();
          }
        });
        const done = (): AttemptResult => {
          const text = excerpt(chunks);
          return isDeliveredStatus(statusCode)
            ? { delivered: true, statusCode, latencyMs: elapsed(), responseExcerpt: text, error: null }
            : failed(`HTTP ${statusCode}`, statusCode, text);
        };
        res.on("end", () => settle(done()));
        res.on("error", (e) => settle(failed(e.message, statusCode, excerpt(chunks))));
        res.on("aborted", () => settle(failed("the response was cut off", statusCode, excerpt(chunks))));
      });
      req.end(body);
    });
    return outcome;
  } finally {
    clearTimeout(timer);
  }
}
