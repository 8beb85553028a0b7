import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { alipayConnector } from "./connector";
import { formEncode } from "./protocol";
import {
  NOTIFY_KEY_V1,
  NOTIFY_KEY_V2,
  NOTIFY_SAMPLE_FIELDS,
  NOTIFY_SAMPLE_STRING,
  NOTIFY_V1_FIELDS,
  REQUEST_PARAMS,
  REQUEST_SIGN_STRING,
  RESPONSE_KEY,
  RESPONSE_METHOD_KEY,
  RESPONSE_RAW,
  SIGN_TYPE_INCLUDED_FIELDS,
  SPACED_RESPONSE_CONTENT,
  SPACED_RESPONSE_RAW,
} from "./published-vectors";
import { extractSignedResponse, loadPrivateKey, loadPublicKey, notifySignContent, requestSignContent, rsa2Sign, rsa2Verify } from "./signing";

const v1Key = loadPublicKey(NOTIFY_KEY_V1, "v1");
const v2Key = loadPublicKey(NOTIFY_KEY_V2, "v2");
const responseKey = loadPublicKey(RESPONSE_KEY, "response");
const signOf = (fields: ReadonlyArray<readonly [string, string]>) => fields.find(([key]) => key === "sign")?.[1] ?? "";

describe("request sign string (channels.md §2.1)", () => {
  it("sorts, keeps sign_type and biz_content raw, drops sign and empty values", () => {
    expect(requestSignContent(REQUEST_PARAMS)).toBe(REQUEST_SIGN_STRING);
  });

  it("verifies a real Alipay signature made under the sign_type-included rule", () => {
    expect(rsa2Verify(requestSignContent(SIGN_TYPE_INCLUDED_FIELDS), SIGN_TYPE_INCLUDED_FIELDS.sign ?? "", v2Key)).toBe(true);
    // The notify rule (sign_type removed) gives a different string, which must not verify.
    expect(rsa2Verify(notifySignContent(Object.entries(SIGN_TYPE_INCLUDED_FIELDS)), SIGN_TYPE_INCLUDED_FIELDS.sign ?? "", v2Key)).toBe(false);
  });

  it("signs what a verifier with the public key accepts, from PEM or bare base64 keys", () => {
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const bare = pair.privateKey.export({ type: "pkcs1", format: "der" }).toString("base64");
    const signature = rsa2Sign(REQUEST_SIGN_STRING, loadPrivateKey(bare, "key"));
    expect(verify("sha256", Buffer.from(REQUEST_SIGN_STRING, "utf8"), pair.publicKey, Buffer.from(signature, "base64"))).toBe(true);
    const spki = pair.publicKey.export({ type: "spki", format: "der" }).toString("base64");
    expect(rsa2Verify(REQUEST_SIGN_STRING, signature, loadPublicKey(spki, "key"))).toBe(true);
    expect(rsa2Verify(`${REQUEST_SIGN_STRING}x`, signature, loadPublicKey(spki, "key"))).toBe(false);
  });
});

describe("notify verification (channels.md §2.2, rsaCheckV1)", () => {
  it("builds the official sample's to-be-verified string", () => {
    expect(notifySignContent(NOTIFY_SAMPLE_FIELDS)).toBe(NOTIFY_SAMPLE_STRING);
  });

  it("verifies a real trade_status_sync with sign and sign_type excluded, and only so", () => {
    const signature = signOf(NOTIFY_V1_FIELDS);
    expect(rsa2Verify(notifySignContent(NOTIFY_V1_FIELDS), signature, v1Key)).toBe(true);
    expect(rsa2Verify(requestSignContent(Object.fromEntries(NOTIFY_V1_FIELDS)), signature, v1Key)).toBe(false);
    const tampered = NOTIFY_V1_FIELDS.map(([key, value]) => [key, key === "total_amount" ? "100.01" : value] as const);
    expect(rsa2Verify(notifySignContent(tampered), signature, v1Key)).toBe(false);
  });

  it("the connector parses that real notification", async () => {
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const ctx = {
      account: {
        channelAccountId: "acc",
        version: 1,
        channelType: "ALIPAY" as const,
        params: { gatewayUrl: "https://openapi.alipay.com/gateway.do", appId: "2018121762595097", sysServiceProviderId: "2088000000000000" },
        credentials: { appPrivateKeyPem: pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), alipayPublicKeyPem: NOTIFY_KEY_V1 },
      },
    };
    const body = formEncode(Object.fromEntries(NOTIFY_V1_FIELDS));
    const parsed = await alipayConnector.parseNotification(ctx, { headers: {}, body, receivedAt: new Date() });
    expect(parsed).toMatchObject({
      kind: "PAYMENT",
      eventId: "2019052300222141714026431019971405",
      outTradeNo: "tpxy23962362669658",
      channelTradeNo: "2019052322001426431037869358",
      status: "SUCCEEDED",
      amountMinor: 1n,
      subMerchant: "2018121762595097",
    });
    expect(parsed.occurredAt?.toISOString()).toBe("2019-05-23T06:17:13.000Z");
    // Form encoding with `+` for spaces (as servers send it) parses to the same thing.
    const plus = new URLSearchParams(Object.fromEntries(NOTIFY_V1_FIELDS)).toString();
    await expect(alipayConnector.parseNotification(ctx, { headers: {}, body: plus, receivedAt: new Date() })).resolves.toMatchObject({ eventId: parsed.eventId });
    await expect(alipayConnector.parseNotification(ctx, { headers: {}, body: body.replace("total_amount=0.01", "total_amount=0.02"), receivedAt: new Date() })).rejects.toMatchObject({
      code: "SIGNATURE_INVALID",
    });
  });
});

describe("response verification over the raw xxx_response text", () => {
  it("verifies a real response, escapes as sent; a re-serialised parse does not verify", () => {
    const signed = extractSignedResponse(RESPONSE_RAW, RESPONSE_METHOD_KEY);
    expect(signed?.key).toBe(RESPONSE_METHOD_KEY);
    expect(signed?.content).toContain(String.raw`https:\/\/oalipay`);
    expect(rsa2Verify(signed?.content ?? "", signed?.sign ?? "", responseKey)).toBe(true);
    const reserialised = JSON.stringify(JSON.parse(signed?.content ?? "{}"));
    expect(rsa2Verify(reserialised, signed?.sign ?? "", responseKey)).toBe(false);
  });

  it("takes the value's exact text with whitespace around it and ignores a nested sign", () => {
    const signed = extractSignedResponse(SPACED_RESPONSE_RAW, RESPONSE_METHOD_KEY);
    expect(signed?.content).toBe(SPACED_RESPONSE_CONTENT);
    expect(signed?.sign?.startsWith("P8xrBWqZCUv11UrE")).toBe(true);
  });

  it("handles sign first, braces and quotes inside strings, and error_response", () => {
    const inner = String.raw`{"code":"40004","msg":"Business Failed","sub_msg":"a } and a \" and {","list":[{"a":"]"}]}`;
    expect(extractSignedResponse(`{"sign":"abc=","alipay_trade_pay_response":${inner}}`, "alipay_trade_pay_response")).toEqual({
      key: "alipay_trade_pay_response",
      content: inner,
      sign: "abc=",
    });
    expect(extractSignedResponse(`{"error_response":${inner}}`, "alipay_trade_pay_response")).toEqual({ key: "error_response", content: inner });
    expect(extractSignedResponse("<html>502</html>", "alipay_trade_pay_response")).toBeUndefined();
    expect(extractSignedResponse(`{"alipay_trade_pay_response":{"code":"10000"`, "alipay_trade_pay_response")).toBeUndefined();
  });

  it("refuses malformed keys with CONFIG_INVALID naming the field", () => {
    expect(() => loadPrivateKey("not a key", "credentials.appPrivateKeyPem")).toThrow(/credentials\.appPrivateKeyPem/);
    expect(() => loadPublicKey("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "credentials.alipayPublicKeyPem")).toThrow(/alipayPublicKeyPem/);
    expect(createPublicKey(NOTIFY_KEY_V1).asymmetricKeyType).toBe("rsa");
  });
});
