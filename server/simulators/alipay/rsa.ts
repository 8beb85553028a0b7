import { createPublicKey, createSign, createVerify, generateKeyPairSync, type KeyObject } from "node:crypto";

// The simulator's own RSA2 (SHA256withRSA) handling, written apart from the connector's on
// purpose: if both sides shared one helper, a wrong rule would pass every test.

export interface PlatformKeys {
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
}

export function generatePlatformKeys(): PlatformKeys {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privateKey, publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() };
}

export function parseAppPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== "rsa") throw new Error("the app key must be RSA");
  return key;
}

/**
 * The string a request was signed over: every parameter except `sign`, sign_type included,
 * empty values skipped, keys in byte order.
 */
export function requestContent(params: ReadonlyMap<string, string>): string {
  const keys = [...params.keys()].filter((key) => key !== "sign" && params.get(key) !== "");
  keys.sort();
  return keys.map((key) => key + "=" + (params.get(key) ?? "")).join("&");
}

/** The string a notification is signed over: everything except `sign` and `sign_type`. */
export function notifyContent(fields: Readonly<Record<string, string>>): string {
  const keys = Object.keys(fields).filter((key) => key !== "sign" && key !== "sign_type");
  keys.sort();
  return keys.map((key) => key + "=" + fields[key]).join("&");
}

export function signText(text: string, privateKey: KeyObject): string {
  const signer = createSign("RSA-SHA256");
  signer.update(text, "utf8");
  return signer.sign(privateKey, "base64");
}

export function verifyText(text: string, signatureBase64: string, publicKey: KeyObject): boolean {
  try {
    const verifier = createVerify("RSA-SHA256");
    verifier.update(text, "utf8");
    return verifier.verify(publicKey, signatureBase64, "base64");
  } catch {
    return false;
  }
}
