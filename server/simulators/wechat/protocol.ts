import { createCipheriv, createHash, createHmac, createSign, createVerify, randomBytes, type KeyObject } from "node:crypto";

// The simulator's side of WeChat Pay's wire protocol, written independently of the connector
// (they must not share code, or a shared bug would pass both): parsing and checking the merchant's
// Authorization header, signing answers and callbacks with the platform key, sealing callback
// resources with AES-256-GCM, and v2 XML with MD5 / HMAC-SHA256 signs.

export interface AuthorizationParams {
  readonly mchid: string;
  readonly nonce_str: string;
  readonly timestamp: string;
  readonly serial_no: string;
  readonly signature: string;
}

/** `WECHATPAY2-SHA256-RSA2048 k="v",k="v"` with the pairs in any order (SDKs differ). */
export function parseAuthorization(header: string | undefined): AuthorizationParams | string {
  if (!header) return "Authorization header is missing";
  const space = header.indexOf(" ");
  if (space < 0 || header.slice(0, space) !== "WECHATPAY2-SHA256-RSA2048") return "Authorization scheme must be WECHATPAY2-SHA256-RSA2048";
  const pairs = new Map<string, string>();
  const pattern = /\s*([a-z_]+)="([^"]*)"\s*(?:,|$)/gy;
  const rest = header.slice(space + 1);
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(rest)) !== null) {
    pairs.set(match[1] as string, match[2] as string);
    if (pattern.lastIndex >= rest.length) break;
  }
  const mchid = pairs.get("mchid");
  const nonce = pairs.get("nonce_str");
  const timestamp = pairs.get("timestamp");
  const serial = pairs.get("serial_no");
  const signature = pairs.get("signature");
  if (!mchid || !nonce || !timestamp || !serial || !signature) return "Authorization must carry mchid, nonce_str, timestamp, serial_no and signature";
  return { mchid, nonce_str: nonce, timestamp, serial_no: serial, signature };
}

export function merchantSignatureValid(publicKey: KeyObject, auth: AuthorizationParams, method: string, pathAndQuery: string, body: string): boolean {
  const verifier = createVerify("RSA-SHA256");
  verifier.update([method, pathAndQuery, auth.timestamp, auth.nonce_str, body].join("\n") + "\n");
  try {
    return verifier.verify(publicKey, auth.signature, "base64");
  } catch {
    return false;
  }
}

/** Wechatpay-Signature over "TIMESTAMP\nNONCE\nBODY\n". */
export function platformSignature(privateKey: KeyObject, timestamp: string, nonce: string, body: string): string {
  const signer = createSign("RSA-SHA256");
  signer.update(`${timestamp}\n${nonce}\n${body}\n`);
  return signer.sign(privateKey, "base64");
}

export function randomToken(length: number): string {
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return Array.from(randomBytes(length), (byte) => letters.charAt(byte % letters.length)).join("");
}

/** AEAD_AES_256_GCM with the merchant's APIv3 key: base64(ciphertext || tag), a 12-character nonce. */
export function sealResource(apiV3Key: string, plaintext: string, associatedData: string, nonce = randomToken(12)): { ciphertext: string; nonce: string } {
  const cipher = createCipheriv("aes-256-gcm", Buffer.from(apiV3Key, "utf8"), Buffer.from(nonce, "utf8"));
  cipher.setAAD(Buffer.from(associatedData, "utf8"));
  const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return { ciphertext: sealed.toString("base64"), nonce };
}

// ---- APIv2 ----

export type WxSignType = "MD5" | "HMAC-SHA256";

export function wxSign(params: Readonly<Record<string, string>>, apiV2Key: string, signType: WxSignType): string {
  const names = Object.keys(params).filter((name) => name !== "sign" && params[name] !== "");
  names.sort();
  const text = names.map((name) => name + "=" + params[name]).join("&") + "&key=" + apiV2Key;
  const hash = signType === "HMAC-SHA256" ? createHmac("sha256", apiV2Key) : createHash("md5");
  return hash.update(text, "utf8").digest("hex").toUpperCase();
}

export function toXml(params: Readonly<Record<string, string>>): string {
  let xml = "<xml>";
  for (const [name, value] of Object.entries(params)) {
    xml += /^\d+$/.test(value) ? `<${name}>${value}</${name}>` : `<${name}><![CDATA[${value.split("]]>").join("]]]]><![CDATA[>")}]]></${name}>`;
  }
  return xml + "</xml>";
}

/** Flat `<xml>` only; anything with a DOCTYPE or nested elements is refused (returns undefined). */
export function fromXml(xml: string): Record<string, string> | undefined {
  if (/<!(DOCTYPE|ENTITY)/i.test(xml)) return undefined;
  const document = /^\s*(?:<\?xml[^?]*\?>)?\s*<xml>([\s\S]*)<\/xml>\s*$/.exec(xml);
  if (!document) return undefined;
  const inner = document[1] ?? "";
  const element = /\s*<(\w+)>((?:<!\[CDATA\[[\s\S]*?\]\]>|[^<])*)<\/\1>\s*/y;
  const params: Record<string, string> = {};
  let offset = 0;
  while (offset < inner.length) {
    element.lastIndex = offset;
    const found = element.exec(inner);
    if (!found) return inner.slice(offset).trim() === "" ? params : undefined;
    params[found[1] as string] = decodeText(found[2] as string);
    offset = element.lastIndex;
  }
  return params;
}

function decodeText(content: string): string {
  return content
    .split(/(<!\[CDATA\[[\s\S]*?\]\]>)/)
    .map((part) =>
      part.startsWith("<![CDATA[")
        ? part.slice(9, -3)
        : part.replace(/&(lt|gt|quot|apos|amp);/g, (_all, name: string) => ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" })[name] ?? ""),
    )
    .join("");
}
