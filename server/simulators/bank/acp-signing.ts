import { constants, createHash, createSign, createVerify, privateDecrypt, type KeyObject } from "node:crypto";

// The bank's side of ACP 5.1.0 signing (channels.md §3.1), written independently of the
// connector's codec so that the two check each other.

export type Form = Map<string, string>;

/** The string signMethod=01 covers: every field but `signature`, sorted by key, `k=v` joined by `&`. */
export function signingString(form: Form): string {
  const keys = [...form.keys()].filter((k) => k !== "signature");
  keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let out = "";
  for (const key of keys) out += `${out === "" ? "" : "&"}${key}=${form.get(key) ?? ""}`;
  return out;
}

function digestHex(form: Form): string {
  return createHash("sha256").update(Buffer.from(signingString(form), "utf8")).digest("hex");
}

export function signForm(form: Form, privateKey: KeyObject): string {
  const signer = createSign("RSA-SHA256");
  signer.update(digestHex(form), "utf8");
  return signer.sign(privateKey, "base64");
}

export function verifyForm(form: Form, publicKey: KeyObject): boolean {
  const signature = form.get("signature");
  if (!signature) return false;
  const verifier = createVerify("RSA-SHA256");
  verifier.update(digestHex(form), "utf8");
  try {
    return verifier.verify(publicKey, signature, "base64");
  } catch {
    return false;
  }
}

/** A synchronous answer is written raw, `k=v&…`, not URL-encoded (as the ACP gateway does). */
export function writeAnswer(form: Form): string {
  return [...form.entries()].map(([k, v]) => `${k}=${v}`).join("&");
}

/** Notifications are posted URL-encoded. */
export function writeNotification(form: Form): string {
  const params = new URLSearchParams();
  for (const [k, v] of form) params.append(k, v);
  return params.toString();
}

export function readForm(body: string): Form {
  const form: Form = new Map();
  for (const [k, v] of new URLSearchParams(body)) form.set(k, v);
  return form;
}

/** `{a=1&b=2}` (tokenPayData, customerInfo's content) → Map. Values here never nest. */
export function readBraced(value: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!value) return out;
  const inner = value.replace(/^\{/, "").replace(/\}$/, "");
  for (const part of inner.split("&")) {
    const eq = part.indexOf("=");
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

export function decryptSensitive(cipherBase64: string, privateKey: KeyObject): string | undefined {
  try {
    return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, Buffer.from(cipherBase64, "base64")).toString("utf8");
  } catch {
    return undefined;
  }
}
