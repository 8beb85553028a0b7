import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { DomainError } from "@/server/core/errors/domain-error";
import { KEY_ID, type Keyring, loadKeyring, resetKeyringCache } from "./keyring";

// The one envelope for every secret Switchyard stores:
//   swy1:<key id>:<base64url 12-byte IV>:<base64url ciphertext || 16-byte GCM tag>
// The AAD binds the value to tenant, table, row and field, so a ciphertext copied anywhere else
// fails to open instead of silently decrypting there. Errors name the place, never the value.

const VERSION = "swy1";
const ALGORITHM = "aes-256-gcm";
// Random 96-bit IVs stay safe up to about 2^32 seals per key; key rotation resets the count.
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export interface SealContext {
  tenantId: string;
  table: string;
  rowId: string;
  field: string;
}

function describe(ctx: SealContext): string {
  return `${ctx.table}.${ctx.field} of row ${ctx.rowId} (tenant ${ctx.tenantId})`;
}

function additionalData(ctx: SealContext): Buffer {
  const parts = [
    ["tenantId", ctx.tenantId],
    ["table", ctx.table],
    ["rowId", ctx.rowId],
    ["field", ctx.field],
  ] as const;
  for (const [name, value] of parts) {
    // A '|' inside a part would let two different contexts produce the same AAD.
    if (value === "" || value.includes("|")) {
      throw new DomainError("INVARIANT", "SECRET_CONTEXT_INVALID", `Secret context ${name} must be non-empty and contain no "|"`);
    }
  }
  return Buffer.from(`${VERSION}|${ctx.tenantId}|${ctx.table}|${ctx.rowId}|${ctx.field}`, "utf8");
}

type Parsed = { ok: true; keyId: string; iv: Buffer; body: Buffer } | { ok: false; reason: string };

function decodeBase64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64url");
  return bytes.toString("base64url") === text ? bytes : undefined;
}

function parse(sealed: string): Parsed {
  const parts = sealed.split(":");
  if (parts[0] !== VERSION) return { ok: false, reason: `does not start with "${VERSION}:"` };
  if (parts.length !== 4) return { ok: false, reason: `has ${parts.length} parts, expected 4` };
  const [, keyId = "", ivText = "", bodyText = ""] = parts;
  if (!KEY_ID.test(keyId)) return { ok: false, reason: "has an invalid key id" };
  const iv = decodeBase64url(ivText);
  if (iv?.length !== IV_BYTES) return { ok: false, reason: `IV is not ${IV_BYTES} bytes of base64url` };
  const body = decodeBase64url(bodyText);
  if (body === undefined) return { ok: false, reason: "ciphertext is not base64url" };
  if (body.length < TAG_BYTES) return { ok: false, reason: `ciphertext is shorter than the ${TAG_BYTES}-byte tag` };
  return { ok: true, keyId, iv, body };
}

/** Encrypts `plaintext` for exactly this tenant, table, row and field with the active key. */
export function seal(ctx: SealContext, plaintext: string, keyring: Keyring = loadKeyring()): string {
  const aad = additionalData(ctx);
  const key = keyring.keys.get(keyring.activeKeyId);
  if (key === undefined) {
    throw new DomainError("INVARIANT", "SECRET_KEY_UNKNOWN", `Active key "${keyring.activeKeyId}" is not in the keyring`);
  }
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}:${keyring.activeKeyId}:${iv.toString("base64url")}:${body.toString("base64url")}`;
}

function keyFor(keyId: string, keyring: Keyring | undefined): Buffer | undefined {
  if (keyring !== undefined) return keyring.keys.get(keyId);
  const key = loadKeyring().keys.get(keyId);
  if (key !== undefined) return key;
  // Another process (the key-rotation command) may have added a key to the keyring file since
  // this one cached it; re-read once rather than fail until restart.
  resetKeyringCache();
  return loadKeyring().keys.get(keyId);
}

/**
 * Decrypts a value sealed for exactly this context. Without an explicit keyring it uses the
 * process keyring, re-reading it once if the value's key is unknown.
 */
export function open(ctx: SealContext, sealed: string, keyring?: Keyring): string {
  const aad = additionalData(ctx);
  const parsed = parse(sealed);
  if (!parsed.ok) {
    throw new DomainError("INVARIANT", "SECRET_MALFORMED", `Sealed ${describe(ctx)} is malformed: it ${parsed.reason}`);
  }
  const key = keyFor(parsed.keyId, keyring);
  if (key === undefined) {
    throw new DomainError(
      "INVARIANT",
      "SECRET_KEY_UNKNOWN",
      `Sealed ${describe(ctx)} uses key "${parsed.keyId}", which is not in the keyring`,
    );
  }
  const tagStart = parsed.body.length - TAG_BYTES;
  try {
    const decipher = createDecipheriv(ALGORITHM, key, parsed.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(parsed.body.subarray(tagStart));
    return Buffer.concat([decipher.update(parsed.body.subarray(0, tagStart)), decipher.final()]).toString("utf8");
  } catch {
    throw new DomainError(
      "INVARIANT",
      "SECRET_TAMPERED",
      `Sealed ${describe(ctx)} failed authentication: it was altered, or sealed for another tenant, table, row or field`,
    );
  }
}

/** The id of the key a value is sealed with; throws SECRET_MALFORMED if it is not an envelope. */
export function keyIdOf(sealed: string): string {
  const parsed = parse(sealed);
  if (!parsed.ok) throw new DomainError("INVARIANT", "SECRET_MALFORMED", `Value is not a sealed secret: it ${parsed.reason}`);
  return parsed.keyId;
}

/** True if `value` has the envelope's shape (it may still fail to open). */
export function isSealed(value: unknown): value is string {
  return typeof value === "string" && parse(value).ok;
}

/**
 * "••••" and the last `visible` characters, ignoring spaces and dashes: `6222 0212 3456 7890` →
 * `••••7890`. At least four characters always stay hidden, so a short value is never shown whole.
 */
export function maskTail(value: string, visible = 4): string {
  const compact = value.replace(/[\s-]/g, "");
  if (compact === "") return "";
  const shown = Math.max(0, Math.min(Math.trunc(visible), compact.length - 4));
  return `••••${shown === 0 ? "" : compact.slice(-shown)}`;
}
