import { createDecipheriv, randomBytes, sign, verify, type KeyObject } from "node:crypto";
import { ChannelError } from "../types";

// WeChat Pay APIv3: request signing (WECHATPAY2-SHA256-RSA2048), verification of the signature
// WeChat puts on responses and callbacks, and AEAD_AES_256_GCM decryption of callback resources.
// Formats follow wechatpay-go core/auth and core/notify (reference/channels.md §1.2–1.4).

export const SIGNATURE_SCHEME = "WECHATPAY2-SHA256-RSA2048";

/** WeChat's replay window for signed responses and callbacks, in seconds. */
export const TIMESTAMP_WINDOW_SECONDS = 300;

const NONCE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** 32 characters of [0-9A-Za-z], as the SDKs generate. */
export function randomNonce(length = 32): string {
  const bytes = randomBytes(length);
  let nonce = "";
  for (const byte of bytes) nonce += NONCE_ALPHABET[byte % NONCE_ALPHABET.length];
  return nonce;
}

/**
 * The five-line message a request signature covers. `canonicalUrl` is the path and query exactly
 * as sent; `body` is the raw JSON, or "" for GET (so the message ends "...NONCE\n\n").
 */
export function requestSigningMessage(method: string, canonicalUrl: string, timestamp: number, nonce: string, body: string): string {
  return `${method}\n${canonicalUrl}\n${timestamp}\n${nonce}\n${body}\n`;
}

export interface RequestSigner {
  readonly mchId: string;
  readonly serialNo: string;
  readonly privateKey: KeyObject;
}

export function signRequest(
  signer: RequestSigner,
  request: { method: string; canonicalUrl: string; body: string; timestamp: number; nonce: string },
): string {
  const message = requestSigningMessage(request.method, request.canonicalUrl, request.timestamp, request.nonce, request.body);
  const signature = sign("sha256", Buffer.from(message, "utf8"), signer.privateKey).toString("base64");
  return (
    `${SIGNATURE_SCHEME} mchid="${signer.mchId}",nonce_str="${request.nonce}",` +
    `timestamp="${request.timestamp}",serial_no="${signer.serialNo}",signature="${signature}"`
  );
}

/** Header names are compared case-insensitively: Node lowercases them, fetch keeps them as sent. */
export function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/**
 * Verifies `Wechatpay-Signature` over "TIMESTAMP\nNONCE\nBODY\n". `platformKeys` maps every serial
 * we accept (a platform certificate serial and/or a `PUB_KEY_ID_…`) to its public key; an unknown
 * serial is refused rather than guessed, since it is how a forged key would announce itself.
 * Throws ChannelError SIGNATURE_INVALID or NOTIFICATION_EXPIRED.
 */
export function verifyWechatSignature(input: {
  headers: Readonly<Record<string, string>>;
  body: string;
  now: Date;
  platformKeys: ReadonlyMap<string, KeyObject>;
}): void {
  const timestamp = headerValue(input.headers, "Wechatpay-Timestamp");
  const nonce = headerValue(input.headers, "Wechatpay-Nonce");
  const signature = headerValue(input.headers, "Wechatpay-Signature");
  const serial = headerValue(input.headers, "Wechatpay-Serial");
  if (!timestamp || !nonce || !signature || !serial) {
    throw new ChannelError("SIGNATURE_INVALID", "missing Wechatpay-Timestamp, -Nonce, -Signature or -Serial header");
  }
  const signatureType = headerValue(input.headers, "Wechatpay-Signature-Type");
  if (signatureType !== undefined && signatureType !== SIGNATURE_SCHEME) {
    throw new ChannelError("SIGNATURE_INVALID", `unsupported Wechatpay-Signature-Type ${signatureType}`);
  }
  if (!/^\d{1,12}$/.test(timestamp)) throw new ChannelError("SIGNATURE_INVALID", "Wechatpay-Timestamp is not unix seconds");
  const skewSeconds = Math.abs(Math.floor(input.now.getTime() / 1000) - Number(timestamp));
  if (skewSeconds > TIMESTAMP_WINDOW_SECONDS) {
    throw new ChannelError("NOTIFICATION_EXPIRED", `Wechatpay-Timestamp is ${skewSeconds}s away from now (window ${TIMESTAMP_WINDOW_SECONDS}s)`);
  }
  const key = input.platformKeys.get(serial);
  if (!key) throw new ChannelError("SIGNATURE_INVALID", `unknown Wechatpay-Serial ${serial}`);
  const message = Buffer.from(`${timestamp}\n${nonce}\n${input.body}\n`, "utf8");
  if (!verify("sha256", message, key, Buffer.from(signature, "base64"))) {
    throw new ChannelError("SIGNATURE_INVALID", "Wechatpay-Signature does not verify");
  }
}

const GCM_TAG_BYTES = 16;

/**
 * AEAD_AES_256_GCM as WeChat uses it: the 32-character APIv3 key as raw bytes, the nonce and
 * associated data as given, and a ciphertext that is base64(ciphertext || 16-byte tag).
 * Throws ChannelError DECRYPT_FAILED (a wrong key and a tampered ciphertext look the same).
 */
export function decryptResource(input: { apiV3Key: string; nonce: string; associatedData: string; ciphertext: string }): string {
  const key = Buffer.from(input.apiV3Key, "utf8");
  if (key.length !== 32) throw new ChannelError("DECRYPT_FAILED", "the APIv3 key must be 32 bytes");
  const data = Buffer.from(input.ciphertext, "base64");
  if (data.length <= GCM_TAG_BYTES) throw new ChannelError("DECRYPT_FAILED", "ciphertext is shorter than the GCM tag");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(input.nonce, "utf8"));
    decipher.setAAD(Buffer.from(input.associatedData, "utf8"));
    decipher.setAuthTag(data.subarray(data.length - GCM_TAG_BYTES));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - GCM_TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch (error) {
    throw new ChannelError("DECRYPT_FAILED", `resource does not decrypt: ${(error as Error).message}`);
  }
}
