import { createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ChannelError, type ChannelAccountConfig } from "../types";
import { buildXml, parseXml, v2Sign, v2SignatureMatches, v2SigningString } from "./apiv2";
import { decryptResource, requestSigningMessage, signRequest, verifyWechatSignature } from "./apiv3";
import { billYuanToFen } from "./bill";
import { readWechatConfig } from "./config";
import { wechatConnector } from "./connector";
import { AES_256_GCM_VECTOR, NOTIFY_SIGNATURE_VECTOR, REQUEST_SIGNING_VECTOR, V2_SIGN_VECTOR } from "./published-vectors";

const vectorKey = createPublicKey(NOTIFY_SIGNATURE_VECTOR.certificatePem);
const vectorNow = new Date(NOTIFY_SIGNATURE_VECTOR.nowUnixSeconds * 1000);

function expectChannelError(action: () => unknown, code: ChannelError["code"]): void {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ChannelError);
    expect((error as ChannelError).code).toBe(code);
    return;
  }
  throw new Error(`expected ChannelError ${code}, nothing was thrown`);
}

describe("callback signature: the wechatpay-go notify vector", () => {
  const keys = new Map([[NOTIFY_SIGNATURE_VECTOR.serial, vectorKey]]);

  it("verifies the published signature over the exact body", () => {
    expect(() => verifyWechatSignature({ headers: NOTIFY_SIGNATURE_VECTOR.headers, body: NOTIFY_SIGNATURE_VECTOR.body, now: vectorNow, platformKeys: keys })).not.toThrow();
  });

  it("refuses the body with one character changed", () => {
    const body = NOTIFY_SIGNATURE_VECTOR.body.replace("签约成功", "签约失败");
    expectChannelError(() => verifyWechatSignature({ headers: NOTIFY_SIGNATURE_VECTOR.headers, body, now: vectorNow, platformKeys: keys }), "SIGNATURE_INVALID");
  });

  it("refuses an unknown serial, a missing header and a foreign key", () => {
    const unknownSerial = { ...NOTIFY_SIGNATURE_VECTOR.headers, "Wechatpay-Serial": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1" };
    expectChannelError(() => verifyWechatSignature({ headers: unknownSerial, body: NOTIFY_SIGNATURE_VECTOR.body, now: vectorNow, platformKeys: keys }), "SIGNATURE_INVALID");
    const { "Wechatpay-Nonce": _nonce, ...withoutNonce } = NOTIFY_SIGNATURE_VECTOR.headers;
    expectChannelError(() => verifyWechatSignature({ headers: withoutNonce, body: NOTIFY_SIGNATURE_VECTOR.body, now: vectorNow, platformKeys: keys }), "SIGNATURE_INVALID");
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey;
    expectChannelError(
      () => verifyWechatSignature({ headers: NOTIFY_SIGNATURE_VECTOR.headers, body: NOTIFY_SIGNATURE_VECTOR.body, now: vectorNow, platformKeys: new Map([[NOTIFY_SIGNATURE_VECTOR.serial, other]]) }),
      "SIGNATURE_INVALID",
    );
  });

  it("accepts a PUB_KEY_ID_… serial mapped to the same key (public-key mode)", () => {
    const publicKeyId = "PUB_KEY_ID_0114232019092100397400000000";
    const headers = { ...NOTIFY_SIGNATURE_VECTOR.headers, "Wechatpay-Serial": publicKeyId };
    expect(() => verifyWechatSignature({ headers, body: NOTIFY_SIGNATURE_VECTOR.body, now: vectorNow, platformKeys: new Map([[publicKeyId, vectorKey]]) })).not.toThrow();
  });

  it("reads header names case-insensitively", () => {
    const lower = Object.fromEntries(Object.entries(NOTIFY_SIGNATURE_VECTOR.headers).map(([key, value]) => [key.toLowerCase(), value]));
    expect(() => verifyWechatSignature({ headers: lower, body: NOTIFY_SIGNATURE_VECTOR.body, now: vectorNow, platformKeys: keys })).not.toThrow();
  });

  it("holds the ±300 s window: 300 s either side passes, 301 s is expired", () => {
    const at = (seconds: number) => new Date((NOTIFY_SIGNATURE_VECTOR.nowUnixSeconds + seconds) * 1000);
    for (const seconds of [300, -300]) {
      expect(() => verifyWechatSignature({ headers: NOTIFY_SIGNATURE_VECTOR.headers, body: NOTIFY_SIGNATURE_VECTOR.body, now: at(seconds), platformKeys: keys })).not.toThrow();
    }
    for (const seconds of [301, -301]) {
      expectChannelError(() => verifyWechatSignature({ headers: NOTIFY_SIGNATURE_VECTOR.headers, body: NOTIFY_SIGNATURE_VECTOR.body, now: at(seconds), platformKeys: keys }), "NOTIFICATION_EXPIRED");
    }
  });

  it("through the connector: the signature passes and only then decryption is attempted", async () => {
    // The vector's resource was sealed with a 16-byte key; an account key is 32 bytes, so a
    // verified callback reaches decryption and fails there, not at the signature.
    const account = vectorAccount({ platformSerialNo: NOTIFY_SIGNATURE_VECTOR.serial, platformPublicKeyPem: NOTIFY_SIGNATURE_VECTOR.certificatePem });
    await expect(
      wechatConnector.parseNotification({ account }, { headers: NOTIFY_SIGNATURE_VECTOR.headers, body: NOTIFY_SIGNATURE_VECTOR.body, receivedAt: vectorNow }),
    ).rejects.toMatchObject({ code: "DECRYPT_FAILED" });
    await expect(
      wechatConnector.parseNotification({ account }, { headers: NOTIFY_SIGNATURE_VECTOR.headers, body: `${NOTIFY_SIGNATURE_VECTOR.body} `, receivedAt: vectorNow }),
    ).rejects.toMatchObject({ code: "SIGNATURE_INVALID" });
    await expect(
      wechatConnector.parseNotification({ account }, { headers: NOTIFY_SIGNATURE_VECTOR.headers, body: NOTIFY_SIGNATURE_VECTOR.body, receivedAt: new Date(vectorNow.getTime() + 600_000) }),
    ).rejects.toMatchObject({ code: "NOTIFICATION_EXPIRED" });
  });
});

describe("AEAD_AES_256_GCM resource decryption", () => {
  it("decrypts the published vector", () => {
    const plaintext = decryptResource({ apiV3Key: AES_256_GCM_VECTOR.key, nonce: AES_256_GCM_VECTOR.nonce, associatedData: AES_256_GCM_VECTOR.associatedData, ciphertext: AES_256_GCM_VECTOR.ciphertext });
    expect(plaintext).toBe(AES_256_GCM_VECTOR.plaintext);
  });

  it("refuses a flipped ciphertext byte, the wrong associated data and the wrong key", () => {
    const bytes = Buffer.from(AES_256_GCM_VECTOR.ciphertext, "base64");
    bytes[10] = (bytes[10] ?? 0) ^ 0x01;
    const base = { apiV3Key: AES_256_GCM_VECTOR.key, nonce: AES_256_GCM_VECTOR.nonce, associatedData: AES_256_GCM_VECTOR.associatedData, ciphertext: AES_256_GCM_VECTOR.ciphertext };
    expectChannelError(() => decryptResource({ ...base, ciphertext: bytes.toString("base64") }), "DECRYPT_FAILED");
    expectChannelError(() => decryptResource({ ...base, associatedData: "refund" }), "DECRYPT_FAILED");
    expectChannelError(() => decryptResource({ ...base, apiV3Key: "vutsrqponmlkjihgfedcba9876543210" }), "DECRYPT_FAILED");
  });
});

describe("v2 MD5 / HMAC-SHA256 signing", () => {
  it("builds the official signing string and both signatures", () => {
    expect(v2SigningString(V2_SIGN_VECTOR.fields)).toBe(V2_SIGN_VECTOR.signingString);
    expect(v2Sign(V2_SIGN_VECTOR.fields, V2_SIGN_VECTOR.key, "MD5")).toBe(V2_SIGN_VECTOR.md5);
    expect(v2Sign(V2_SIGN_VECTOR.fields, V2_SIGN_VECTOR.key, "HMAC-SHA256")).toBe(V2_SIGN_VECTOR.hmacSha256);
  });

  it("leaves out sign and empty values, and checks a received sign", () => {
    const fields = { ...V2_SIGN_VECTOR.fields, attach: "", sign: V2_SIGN_VECTOR.hmacSha256 };
    expect(v2SigningString(fields)).toBe(V2_SIGN_VECTOR.signingString);
    expect(v2SignatureMatches(fields, V2_SIGN_VECTOR.key, "HMAC-SHA256")).toBe(true);
    expect(v2SignatureMatches({ ...fields, body: "tset" }, V2_SIGN_VECTOR.key, "HMAC-SHA256")).toBe(false);
    expect(v2SignatureMatches(fields, V2_SIGN_VECTOR.key, "MD5")).toBe(false);
  });

  it("round-trips XML with CDATA, entities and a ']]>' inside a value; refuses DOCTYPE", () => {
    const fields = { return_code: "SUCCESS", body: "刷脸 <消费> & a]]>b", total_fee: "1" };
    expect(parseXml(buildXml(fields))).toEqual(fields);
    expect(parseXml("<xml><a>1 &lt; 2 &amp; 3</a>\n<b><![CDATA[x]]></b></xml>")).toEqual({ a: "1 < 2 & 3", b: "x" });
    expectChannelError(() => parseXml('<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>'), "MALFORMED");
    expectChannelError(() => parseXml("<html></html>"), "MALFORMED");
  });
});

describe("APIv3 request signing", () => {
  it("builds the five-line message of the official example", () => {
    const { method, canonicalUrl, timestamp, nonce, body, message } = REQUEST_SIGNING_VECTOR;
    expect(requestSigningMessage(method, canonicalUrl, timestamp, nonce, body)).toBe(message);
  });

  it("puts a SHA256withRSA signature of that message in the Authorization header", () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const { method, canonicalUrl, timestamp, nonce, body, message } = REQUEST_SIGNING_VECTOR;
    const header = signRequest({ mchId: "1900000001", serialNo: "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C", privateKey }, { method, canonicalUrl, timestamp, nonce, body });
    expect(header.startsWith("WECHATPAY2-SHA256-RSA2048 ")).toBe(true);
    const params = Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1], match[2]]));
    expect(params).toMatchObject({ mchid: "1900000001", nonce_str: nonce, timestamp: String(timestamp), serial_no: "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C" });
    expect(verify("sha256", Buffer.from(message), publicKey, Buffer.from(params.signature ?? "", "base64"))).toBe(true);
  });
});

describe("account configuration", () => {
  it("names the missing field", () => {
    const account = vectorAccount({});
    const { apiV2Key: _dropped, ...credentials } = account.credentials;
    expect(() => readWechatConfig({ ...account, credentials })).toThrow(/credentials\.apiV2Key/);
    expect(() => readWechatConfig({ ...account, params: { ...account.params, spMchId: "" } })).toThrow(/params\.spMchId/);
    const { platformSerialNo: _serial, ...params } = account.params;
    expect(() => readWechatConfig({ ...account, params })).toThrow(/publicKeyId or params\.platformSerialNo/);
    expect(() => readWechatConfig({ ...account, credentials: { ...account.credentials, apiV3Key: "short" } })).toThrow(/32 bytes/);
    expect(() => readWechatConfig({ ...account, credentials: { ...account.credentials, merchantPrivateKeyPem: "not a key" } })).toThrow(ChannelError);
  });
});

describe("bill amounts", () => {
  it("reads yuan, five-decimal fees, negative fees and counts as fen", () => {
    expect(billYuanToFen("25.50")).toBe(2550n);
    expect(billYuanToFen("0.04000")).toBe(4n);
    expect(billYuanToFen("-0.02000")).toBe(-2n);
    expect(billYuanToFen("0.00500")).toBe(1n);
    expect(billYuanToFen("45.0")).toBe(4500n);
    expect(() => billYuanToFen("1,000.00")).toThrow(ChannelError);
  });
});

function vectorAccount(overrides: Record<string, string>): ChannelAccountConfig {
  const merchant = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    channelAccountId: "acct-vector",
    version: 1,
    channelType: "WECHAT",
    params: { spMchId: "1230000109", spAppId: "wx8888888888888888", merchantSerialNo: "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C", platformSerialNo: overrides.platformSerialNo ?? "D7CE59D1F522D701" },
    credentials: {
      merchantPrivateKeyPem: merchant.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      platformPublicKeyPem: overrides.platformPublicKeyPem ?? NOTIFY_SIGNATURE_VECTOR.certificatePem,
      apiV3Key: "0123456789abcdefghijklmnopqrstuv",
      apiV2Key: "192006250b4c09247ec02edce69f6a2d",
    },
  };
}
