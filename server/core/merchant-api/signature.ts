import { createHmac, timingSafeEqual } from "node:crypto";

// The merchant API's request signature (SWY1-HMAC-SHA256). Pure: no database, no clock.
//
//   Authorization: SWY1-HMAC-SHA256 keyId=<id>,timestamp=<unix seconds>,nonce=<random>,signature=<base64>
//   signature = base64(HMAC-SHA256(secret, METHOD "\n" PATH_WITH_QUERY "\n" timestamp "\n" nonce "\n" BODY "\n"))
//
// The HMAC key is the secret string's UTF-8 bytes; BODY is the request body's bytes exactly as
// sent (empty for a GET), so nothing is re-serialised before verifying.

export const AUTH_SCHEME = "SWY1-HMAC-SHA256";
/** Requests whose timestamp is further than this from the server's clock are refused. */
export const TIMESTAMP_WINDOW_SECONDS = 300;

export const KEY_ID_PATTERN = /^ak_[0-9A-Za-z]{24}$/;
export const NONCE_PATTERN = /^[A-Za-z0-9._~-]{16,128}$/;
const SIGNATURE_PATTERN = /^[A-Za-z0-9+/]{43}=$/;
const TIMESTAMP_PATTERN = /^[0-9]{1,12}$/;
// Loose on purpose: a well-formed header naming a key id we never issued is KEY_UNKNOWN, not malformed.
const KEY_ID_TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

export interface SignedParts {
  readonly method: string;
  /** The path and query string exactly as requested, e.g. `/api/v1/products?orderType=CONSUMPTION`. */
  readonly pathWithQuery: string;
  /** Unix seconds, as the decimal string sent in the header. */
  readonly timestamp: string;
  readonly nonce: string;
  readonly body: Uint8Array | string;
}

export function stringToSign(parts: SignedParts): Buffer {
  const head = `${parts.method.toUpperCase()}\n${parts.pathWithQuery}\n${parts.timestamp}\n${parts.nonce}\n`;
  const body = typeof parts.body === "string" ? Buffer.from(parts.body, "utf8") : Buffer.from(parts.body.buffer, parts.body.byteOffset, parts.body.byteLength);
  return Buffer.concat([Buffer.from(head, "utf8"), body, Buffer.from("\n", "utf8")]);
}

function mac(secret: string, parts: SignedParts): Buffer {
  return createHmac("sha256", Buffer.from(secret, "utf8")).update(stringToSign(parts)).digest();
}

/** The base64 signature of a request. */
export function sign(secret: string, parts: SignedParts): string {
  return mac(secret, parts).toString("base64");
}

/** The complete Authorization header value for a request (clients, tests and the README use it). */
export function authorizationHeader(keyId: string, secret: string, parts: SignedParts): string {
  return `${AUTH_SCHEME} keyId=${keyId},timestamp=${parts.timestamp},nonce=${parts.nonce},signature=${sign(secret, parts)}`;
}

/** Whether `signature` (base64 of 32 bytes, already format-checked) is right. Constant time in the signature. */
export function verifySignature(secret: string, parts: SignedParts, signature: string): boolean {
  const expected = mac(secret, parts);
  const given = Buffer.from(signature, "base64");
  // Both are 32 bytes once the header parser has accepted the signature; the length check only
  // guards timingSafeEqual, which throws on different lengths.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface ParsedAuthorization {
  readonly keyId: string;
  readonly timestamp: string;
  readonly nonce: string;
  readonly signature: string;
}

export type ParseResult = { ok: true; value: ParsedAuthorization } | { ok: false; code: "AUTH_HEADER_MISSING" | "AUTH_HEADER_MALFORMED"; message: string };

const FIELDS = ["keyId", "timestamp", "nonce", "signature"] as const;
type Field = (typeof FIELDS)[number];

const malformed = (message: string): ParseResult => ({ ok: false, code: "AUTH_HEADER_MALFORMED", message });

/** Parses the Authorization header: the scheme, then the four fields once each, in any order. */
export function parseAuthorization(header: string | null | undefined): ParseResult {
  if (header === null || header === undefined || header.trim() === "") {
    return { ok: false, code: "AUTH_HEADER_MISSING", message: `Send an Authorization header: ${AUTH_SCHEME} keyId=…,timestamp=…,nonce=…,signature=…` };
  }
  const text = header.trim();
  const space = text.indexOf(" ");
  if (space === -1 || text.slice(0, space) !== AUTH_SCHEME) return malformed(`The Authorization scheme must be ${AUTH_SCHEME}`);
  const fields = new Map<Field, string>();
  for (const raw of text.slice(space + 1).split(",")) {
    const part = raw.trim();
    const eq = part.indexOf("=");
    if (eq <= 0) return malformed(`"${part.slice(0, 40)}" is not a name=value pair`);
    const name = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (!(FIELDS as readonly string[]).includes(name)) return malformed(`Unknown Authorization field "${name.slice(0, 40)}"`);
    if (fields.has(name as Field)) return malformed(`The Authorization field ${name} is given twice`);
    fields.set(name as Field, value);
  }
  const missing = FIELDS.filter((f) => !fields.has(f));
  if (missing.length > 0) return malformed(`The Authorization header lacks ${missing.join(", ")}`);
  const value = { keyId: fields.get("keyId")!, timestamp: fields.get("timestamp")!, nonce: fields.get("nonce")!, signature: fields.get("signature")! };
  if (!KEY_ID_TOKEN.test(value.keyId)) return malformed("keyId is not a key id");
  if (!TIMESTAMP_PATTERN.test(value.timestamp)) return malformed("timestamp must be Unix time in whole seconds");
  if (!NONCE_PATTERN.test(value.nonce)) return malformed("nonce must be 16 to 128 characters of A-Z a-z 0-9 . _ ~ -");
  if (!SIGNATURE_PATTERN.test(value.signature)) return malformed("signature must be the base64 (with padding) of a 32-byte HMAC-SHA256");
  return { ok: true, value };
}

/** Whether a request timestamp is within the window around `nowMs` (inclusive: exactly 300 s off is accepted). */
export function timestampInWindow(timestamp: string, nowMs: number): boolean {
  const skew = Math.abs(Math.floor(nowMs / 1000) - Number(timestamp));
  return skew <= TIMESTAMP_WINDOW_SECONDS;
}
