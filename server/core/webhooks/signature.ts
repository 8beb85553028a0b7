import { createHmac, timingSafeEqual } from "node:crypto";

// The signature on every webhook we send, and the check a merchant runs on receipt. Pure: no
// database, no clock of its own. verifyWebhookSignature only needs node:crypto, so merchants can
// copy it as it is (the README shows it).
//
//   Switchyard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>[,v1=<…>]
//
// The HMAC key is the secret string's UTF-8 bytes; the body is the request body's bytes exactly as
// sent. While a rotated secret is still valid the header carries a second v1, made with it, so a
// receiver that has not switched to the new secret yet keeps verifying.

export const WEBHOOK_SIGNATURE_HEADER = "Switchyard-Signature";
export const WEBHOOK_USER_AGENT = "Switchyard-Webhooks/1";
/** How far a signature's timestamp may be from the receiver's clock: replayed old deliveries are refused. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** The hex HMAC-SHA256 of `t.body` under one secret. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return createHmac("sha256", Buffer.from(secret, "utf8")).update(`${timestamp}.${body}`, "utf8").digest("hex");
}

/** The header value: one v1 per secret, the current secret first. */
export function signatureHeader(secrets: readonly string[], timestamp: number, body: string): string {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError("timestamp must be unix seconds");
  if (secrets.length === 0) throw new RangeError("at least one secret is needed to sign a webhook");
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${webhookSignature(s, timestamp, body)}`)].join(",");
}

export type WebhookVerification =
  | { ok: true; timestamp: number }
  | { ok: false; reason: "HEADER_MISSING" | "HEADER_MALFORMED" | "TIMESTAMP_OUTSIDE_TOLERANCE" | "SIGNATURE_MISMATCH" };

/**
 * Checks a received webhook. `header` is the Switchyard-Signature header, `body` the raw request
 * body (not re-serialised JSON), `secrets` the endpoint secrets you accept (during your own
 * rotation, both), `now` your clock. Valid when the timestamp is within `toleranceSeconds` of
 * `now` and any v1 matches any of your secrets.
 */
export function verifyWebhookSignature(
  header: string | null | undefined,
  body: string | Buffer,
  secrets: readonly string[],
  now: Date,
  toleranceSeconds = WEBHOOK_TOLERANCE_SECONDS,
): WebhookVerification {
  if (!header) return { ok: false, reason: "HEADER_MISSING" };
  let timestamp: number | null = null;
  const candidates: Buffer[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq < 0) return { ok: false, reason: "HEADER_MALFORMED" };
    if (key === "t") {
      if (timestamp !== null || !/^[0-9]{1,12}$/.test(value)) return { ok: false, reason: "HEADER_MALFORMED" };
      timestamp = Number(value);
    } else if (key === "v1") {
      if (!/^[0-9a-f]{64}$/.test(value)) return { ok: false, reason: "HEADER_MALFORMED" };
      candidates.push(Buffer.from(value, "hex"));
    }
    // Other schemes (a future v2) are ignored, so adding one never breaks an old receiver.
  }
  if (timestamp === null || candidates.length === 0) return { ok: false, reason: "HEADER_MALFORMED" };
  if (Math.abs(Math.floor(now.getTime() / 1000) - timestamp) > toleranceSeconds) return { ok: false, reason: "TIMESTAMP_OUTSIDE_TOLERANCE" };
  const payload = Buffer.concat([Buffer.from(`${timestamp}.`, "utf8"), typeof body === "string" ? Buffer.from(body, "utf8") : body]);
  for (const secret of secrets) {
    const expected = createHmac("sha256", Buffer.from(secret, "utf8")).update(payload).digest();
    // Constant time per comparison; which secret matched is not a secret, so stopping early is fine.
    if (candidates.some((c) => c.length === expected.length && timingSafeEqual(c, expected))) return { ok: true, timestamp };
  }
  return { ok: false, reason: "SIGNATURE_MISMATCH" };
}
