import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { ChannelError } from "../types";

// Alipay RSA2 = SHA256withRSA (PKCS#1 v1.5) over a `k=v&…` string, base64. Three rules, and
// mixing them up is the classic bug (reference/channels.md §2.1, §2.2):
//   requests:  every parameter but `sign`, INCLUDING `sign_type`; empty values dropped
//   responses: the raw text of the `xxx_response` value, byte for byte (`\/` stays `\/`)
//   notifies:  every field but `sign` AND `sign_type`; empty values kept (rsaCheckV1)

type Params = Readonly<Record<string, string | undefined>>;

function sortedPairs(entries: Iterable<readonly [string, string]>): string {
  // Plain code-unit order: Alipay's keys are ASCII, and localeCompare would sort `a_b` after `aB`.
  return [...entries]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join("&");
}

/** The string an outgoing gateway request is signed over. */
export function requestSignContent(params: Params): string {
  const entries: [string, string][] = [];
  for (const [key, value] of Object.entries(params)) {
    if (key === "sign" || value === undefined || value === "") continue;
    entries.push([key, value]);
  }
  return sortedPairs(entries);
}

/** The string an async notification is verified over. */
export function notifySignContent(fields: Iterable<readonly [string, string]>): string {
  const entries: [string, string][] = [];
  for (const [key, value] of fields) {
    if (key === "sign" || key === "sign_type") continue;
    entries.push([key, value]);
  }
  return sortedPairs(entries);
}

export function rsa2Sign(content: string, privateKey: KeyObject): string {
  return sign("sha256", Buffer.from(content, "utf8"), privateKey).toString("base64");
}

export function rsa2Verify(content: string, signatureBase64: string, publicKey: KeyObject): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signatureBase64)) return false;
  try {
    return verify("sha256", Buffer.from(content, "utf8"), publicKey, Buffer.from(signatureBase64, "base64"));
  } catch {
    return false;
  }
}

// The open platform hands out keys as bare base64 (no PEM armour): PKCS#8 or PKCS#1 for the app
// private key, SPKI for the Alipay public key. Accept those as well as PEM.
function der(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, "");
  return /^[A-Za-z0-9+/]+={0,2}$/.test(compact) ? Buffer.from(compact, "base64") : undefined;
}

export function loadPrivateKey(text: string, field: string): KeyObject {
  try {
    if (text.includes("-----BEGIN")) return createPrivateKey(text);
    const bytes = der(text);
    if (bytes) {
      try {
        return createPrivateKey({ key: bytes, format: "der", type: "pkcs8" });
      } catch {
        return createPrivateKey({ key: bytes, format: "der", type: "pkcs1" });
      }
    }
  } catch {
    // fall through to the configuration error, which names the field
  }
  throw new ChannelError("CONFIG_INVALID", `${field} is not an RSA private key`);
}

export function loadPublicKey(text: string, field: string): KeyObject {
  try {
    if (text.includes("-----BEGIN")) return createPublicKey(text);
    const bytes = der(text);
    if (bytes) return createPublicKey({ key: bytes, format: "der", type: "spki" });
  } catch {
    // fall through
  }
  throw new ChannelError("CONFIG_INVALID", `${field} is not an RSA public key`);
}

/**
 * Finds `responseKey` (or `error_response`) among the top-level members of a gateway response and
 * returns its value's exact source text with the top-level `sign`. Scans the text rather than
 * re-serialising a parse: Alipay signs its own bytes, escapes such as `\/` included, and a
 * `"sign"` nested inside the response must not be taken for the outer one.
 */
export function extractSignedResponse(raw: string, responseKey: string): { key: string; content: string; sign?: string } | undefined {
  const members = topLevelMembers(raw);
  if (!members) return undefined;
  const key = members.has(responseKey) ? responseKey : members.has("error_response") ? "error_response" : undefined;
  if (key === undefined) return undefined;
  const span = members.get(key);
  if (!span) return undefined;
  const content = raw.slice(span.start, span.end);
  const signSpan = members.get("sign");
  let signature: string | undefined;
  if (signSpan) {
    const value: unknown = JSON.parse(raw.slice(signSpan.start, signSpan.end));
    if (typeof value === "string") signature = value;
  }
  return signature === undefined ? { key, content } : { key, content, sign: signature };
}

function topLevelMembers(raw: string): Map<string, { start: number; end: number }> | undefined {
  const members = new Map<string, { start: number; end: number }>();
  let i = skipSpace(raw, 0);
  if (raw[i] !== "{") return undefined;
  i = skipSpace(raw, i + 1);
  if (raw[i] === "}") return members;
  for (;;) {
    if (raw[i] !== '"') return undefined;
    const keyEnd = skipString(raw, i);
    if (keyEnd < 0) return undefined;
    const key: unknown = JSON.parse(raw.slice(i, keyEnd));
    i = skipSpace(raw, keyEnd);
    if (raw[i] !== ":") return undefined;
    const start = skipSpace(raw, i + 1);
    const end = skipValue(raw, start);
    if (end < 0 || typeof key !== "string") return undefined;
    members.set(key, { start, end });
    i = skipSpace(raw, end);
    if (raw[i] === "}") return members;
    if (raw[i] !== ",") return undefined;
    i = skipSpace(raw, i + 1);
  }
}

function skipSpace(raw: string, i: number): number {
  while (i < raw.length && (raw[i] === " " || raw[i] === "\n" || raw[i] === "\r" || raw[i] === "\t")) i += 1;
  return i;
}

function skipString(raw: string, i: number): number {
  for (let j = i + 1; j < raw.length; j += 1) {
    if (raw[j] === "\\") j += 1;
    else if (raw[j] === '"') return j + 1;
  }
  return -1;
}

function skipValue(raw: string, i: number): number {
  const first = raw[i];
  if (first === '"') return skipString(raw, i);
  if (first === "{" || first === "[") {
    let depth = 0;
    for (let j = i; j < raw.length; ) {
      const c = raw[j];
      if (c === '"') {
        j = skipString(raw, j);
        if (j < 0) return -1;
        continue;
      }
      if (c === "{" || c === "[") depth += 1;
      else if (c === "}" || c === "]") {
        depth -= 1;
        if (depth === 0) return j + 1;
      }
      j += 1;
    }
    return -1;
  }
  let j = i;
  while (j < raw.length && !",}] \t\r\n".includes(raw[j] ?? "")) j += 1;
  return j > i ? j : -1;
}
