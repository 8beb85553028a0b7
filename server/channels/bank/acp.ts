import { createHash, publicEncrypt, sign, verify, constants, type KeyObject } from "node:crypto";

// UnionPay ACP 5.1.0 message codec, connector side (channels.md §3.1). The simulator has its own
// implementation on purpose: a shared bug would sign and verify consistently and prove nothing.

export type AcpFields = Record<string, string>;

/** coverMap2String: keys ascending, `k=v` joined by `&`, `signature` left out, values raw (not URL-encoded). */
export function coverMap2String(fields: Readonly<AcpFields>): string {
  return Object.keys(fields)
    .filter((key) => key !== "signature")
    .sort()
    .map((key) => `${key}=${fields[key] ?? ""}`)
    .join("&");
}

/**
 * signMethod=01: base64(RSA-SHA256(privateKey, hex_lower(SHA-256(utf8(coverMap2String))))).
 * The bytes signed are the 64 ASCII characters of the hex digest, not the digest itself.
 */
export function acpSign(fields: Readonly<AcpFields>, privateKey: KeyObject): string {
  const digestHex = createHash("sha256").update(coverMap2String(fields), "utf8").digest("hex");
  return sign("sha256", Buffer.from(digestHex, "utf8"), privateKey).toString("base64");
}

export function acpVerify(fields: Readonly<AcpFields>, publicKey: KeyObject): boolean {
  const signature = fields.signature;
  if (signature === undefined || signature === "") return false;
  const digestHex = createHash("sha256").update(coverMap2String(fields), "utf8").digest("hex");
  try {
    return verify("sha256", Buffer.from(digestHex, "utf8"), publicKey, Buffer.from(signature, "base64"));
  } catch {
    return false;
  }
}

/**
 * Parses a synchronous ACP answer: `k=v&k=v`, values not URL-encoded, and values in braces
 * (`tokenPayData={token=…&trId=…}`) may contain `&` and `=` (the SDK's convertResultStringToMap).
 */
export function parseAcpResponse(raw: string): AcpFields {
  const text = raw.trimEnd();
  const fields: AcpFields = {};
  let depth = 0;
  let start = 0;
  const take = (end: number) => {
    const pair = text.slice(start, end);
    if (pair === "") return;
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new Error(`not an ACP key=value pair: "${pair.slice(0, 40)}"`);
    fields[pair.slice(0, eq)] = pair.slice(eq + 1);
  };
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (ch === "{") depth += 1;
    else if (ch === "}") depth = Math.max(0, depth - 1);
    else if (ch === "&" && depth === 0) {
      take(i);
      start = i + 1;
    }
  }
  take(text.length);
  return fields;
}

/** `{a=1&b=2}` → { a: "1", b: "2" } (tokenPayData, customerInfo's inner form). */
export function parseBraced(value: string | undefined): AcpFields {
  if (value === undefined) return {};
  const inner = value.startsWith("{") && value.endsWith("}") ? value.slice(1, -1) : value;
  return parseAcpResponse(inner);
}

/** { a: "1" } → `{a=1&…}` in insertion order, the way the SDK builds tokenPayData. */
export function braced(values: Readonly<AcpFields>): string {
  return `{${Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join("&")}}`;
}

/**
 * Sensitive elements (accNo, phone, id number) travel encrypted under the bank's key.
 * Real ACP uses a separate encryption certificate and PKCS#1 v1.5; we use OAEP-SHA256 under the
 * bank's key, since Node 20 refuses PKCS#1 v1.5 private decryption (the Marvin attack).
 */
export function encryptSensitive(plain: string, bankPublicKey: KeyObject): string {
  return publicEncrypt({ key: bankPublicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, Buffer.from(plain, "utf8")).toString("base64");
}

/** yyyyMMddHHmmss in Beijing time (UTC+8, no daylight saving), the form of `txnTime`. */
export function acpTime(at: Date): string {
  const b = new Date(at.getTime() + 8 * 3_600_000);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(b.getUTCFullYear(), 4)}${p(b.getUTCMonth() + 1)}${p(b.getUTCDate())}${p(b.getUTCHours())}${p(b.getUTCMinutes())}${p(b.getUTCSeconds())}`;
}

/** Parses `yyyyMMddHHmmss` (Beijing time). */
export function parseAcpTime(text: string | undefined): Date | undefined {
  const m = text === undefined ? null : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h - 8, mi, s));
}

/**
 * Parses `MMddHHmmss` (traceTime, Beijing time), which has no year: the year is the one that puts
 * it closest before `reference` (a January notification can carry a December trace time).
 */
export function parseTraceTime(text: string | undefined, reference: Date): Date | undefined {
  const m = text === undefined ? null : /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number];
  const refYear = new Date(reference.getTime() + 8 * 3_600_000).getUTCFullYear();
  const at = (year: number) => new Date(Date.UTC(year, mo - 1, d, h - 8, mi, s));
  const candidate = at(refYear);
  // More than a day in the future: it belongs to last year.
  return candidate.getTime() > reference.getTime() + 86_400_000 ? at(refYear - 1) : candidate;
}

/** Fen as the channel writes them (`1000`, `000000001000`) → bigint; anything else is refused. */
export function parseFen(text: string | undefined): bigint | undefined {
  if (text === undefined || !/^\d{1,18}$/.test(text)) return undefined;
  return BigInt(text);
}
