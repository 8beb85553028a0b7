import { describe, expect, it } from "vitest";
import { signatureHeader, verifyWebhookSignature, webhookSignature, WEBHOOK_TOLERANCE_SECONDS } from "./signature";

// Vectors computed outside this code, with OpenSSL:
//   printf '%s' '1700000000.<body>' | openssl dgst -sha256 -hmac '<secret>'
const BODY = '{"id":"3f1c2a4e-0000-4000-8000-000000000001","type":"payment.succeeded"}';
const T = 1_700_000_000;
const NEW_SECRET = "whsec_test_secret";
const OLD_SECRET = "whsec_old_secret";
const NEW_V1 = "f4437cf0084fdb5815ac8fbb850c9b4d1232d6af5bee471e72e4d64ceb7e3e7e";
const OLD_V1 = "5948011d846dd3dab77aea06dbba5026b49eaee4ae9f6c6a36ab7628277ee38b";
const at = (seconds: number) => new Date(seconds * 1000);

describe("the webhook signature", () => {
  it("matches the OpenSSL vectors", () => {
    expect(webhookSignature(NEW_SECRET, T, BODY)).toBe(NEW_V1);
    expect(webhookSignature(OLD_SECRET, T, BODY)).toBe(OLD_V1);
  });

  it("is t=…,v1=… with one v1 per secret, the current one first", () => {
    expect(signatureHeader([NEW_SECRET], T, BODY)).toBe(`t=${T},v1=${NEW_V1}`);
    expect(signatureHeader([NEW_SECRET, OLD_SECRET], T, BODY)).toBe(`t=${T},v1=${NEW_V1},v1=${OLD_V1}`);
    expect(() => signatureHeader([], T, BODY)).toThrow(RangeError);
    expect(() => signatureHeader([NEW_SECRET], -1, BODY)).toThrow(RangeError);
  });

  it("signs the body's UTF-8 bytes (Chinese text included)", () => {
    const body = '{"subject":"午餐套餐"}';
    const header = signatureHeader([NEW_SECRET], T, body);
    expect(verifyWebhookSignature(header, Buffer.from(body, "utf8"), [NEW_SECRET], at(T))).toEqual({ ok: true, timestamp: T });
  });
});

describe("verifyWebhookSignature", () => {
  const header = `t=${T},v1=${NEW_V1},v1=${OLD_V1}`;

  it("accepts either v1 with either secret the receiver holds", () => {
    expect(verifyWebhookSignature(header, BODY, [NEW_SECRET], at(T))).toEqual({ ok: true, timestamp: T });
    expect(verifyWebhookSignature(header, BODY, [OLD_SECRET], at(T))).toEqual({ ok: true, timestamp: T });
    expect(verifyWebhookSignature(`t=${T},v1=${NEW_V1}`, BODY, [OLD_SECRET, NEW_SECRET], at(T))).toEqual({ ok: true, timestamp: T });
    // A receiver still on the old secret once the rotation window has closed (one v1) fails.
    expect(verifyWebhookSignature(`t=${T},v1=${NEW_V1}`, BODY, [OLD_SECRET], at(T))).toEqual({ ok: false, reason: "SIGNATURE_MISMATCH" });
  });

  it("refuses another body, another secret, a changed timestamp", () => {
    expect(verifyWebhookSignature(header, `${BODY} `, [NEW_SECRET], at(T)).ok).toBe(false);
    expect(verifyWebhookSignature(header, BODY, ["whsec_someone_else"], at(T))).toEqual({ ok: false, reason: "SIGNATURE_MISMATCH" });
    expect(verifyWebhookSignature(`t=${T + 1},v1=${NEW_V1}`, BODY, [NEW_SECRET], at(T))).toEqual({ ok: false, reason: "SIGNATURE_MISMATCH" });
  });

  it("allows ±300 s of clock difference by default, and a tolerance of your own", () => {
    expect(WEBHOOK_TOLERANCE_SECONDS).toBe(300);
    expect(verifyWebhookSignature(header, BODY, [NEW_SECRET], at(T + 300)).ok).toBe(true);
    expect(verifyWebhookSignature(header, BODY, [NEW_SECRET], at(T - 300)).ok).toBe(true);
    expect(verifyWebhookSignature(header, BODY, [NEW_SECRET], at(T + 301))).toEqual({ ok: false, reason: "TIMESTAMP_OUTSIDE_TOLERANCE" });
    expect(verifyWebhookSignature(header, BODY, [NEW_SECRET], at(T - 301))).toEqual({ ok: false, reason: "TIMESTAMP_OUTSIDE_TOLERANCE" });
    expect(verifyWebhookSignature(header, BODY, [NEW_SECRET], at(T + 30), 10)).toEqual({ ok: false, reason: "TIMESTAMP_OUTSIDE_TOLERANCE" });
  });

  it("says what is wrong with a malformed header, and ignores schemes it does not know", () => {
    expect(verifyWebhookSignature(undefined, BODY, [NEW_SECRET], at(T))).toEqual({ ok: false, reason: "HEADER_MISSING" });
    expect(verifyWebhookSignature("", BODY, [NEW_SECRET], at(T))).toEqual({ ok: false, reason: "HEADER_MISSING" });
    for (const bad of [`v1=${NEW_V1}`, `t=${T}`, `t=abc,v1=${NEW_V1}`, `t=${T},v1=xyz`, `t=${T},t=${T},v1=${NEW_V1}`, `t=${T},v1=${NEW_V1.toUpperCase()}`, "garbage"]) {
      expect(verifyWebhookSignature(bad, BODY, [NEW_SECRET], at(T)), bad).toEqual({ ok: false, reason: "HEADER_MALFORMED" });
    }
    expect(verifyWebhookSignature(`t=${T}, v0=abc, v1=${NEW_V1}`, BODY, [NEW_SECRET], at(T))).toEqual({ ok: true, timestamp: T });
  });
});
