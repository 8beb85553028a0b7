import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { ChannelError, type ChannelAccountConfig, type ConnectorContext } from "../types";
import { DEFAULT_API_BASE_URL, DEFAULT_FACE_BASE_URL, wechatAccountFields } from "./fields";

// Reading and checking a WeChat partner account's params and credentials (fields.ts lists them).

export interface WechatConfig {
  readonly baseUrl: string;
  readonly faceBaseUrl: string;
  readonly spMchId: string;
  readonly spAppId: string;
  readonly merchantSerialNo: string;
  readonly merchantPrivateKey: KeyObject;
  /** Every serial WeChat may sign with (platform certificate serial and/or public key ID). */
  readonly platformKeys: ReadonlyMap<string, KeyObject>;
  /** Sent as `Wechatpay-Serial`; WeChat signs its responses with the key it names. */
  readonly preferredPlatformSerial: string;
  readonly apiV3Key: string;
  readonly apiV2Key: string;
  readonly notifyUrl?: string;
}

export function readWechatConfig(account: ChannelAccountConfig): WechatConfig {
  if (account.channelType !== "WECHAT") throw new ChannelError("CONFIG_INVALID", `channel account ${account.channelAccountId} is ${account.channelType}, not WECHAT`);
  const missing = wechatAccountFields
    .filter((field) => field.required && !((field.secret ? account.credentials : account.params)[field.key] ?? "").trim())
    .map((field) => `${field.secret ? "credentials" : "params"}.${field.key}`);
  if (missing.length > 0) throw new ChannelError("CONFIG_INVALID", `WeChat channel account is missing ${missing.join(", ")}`);

  const params = account.params;
  const credentials = account.credentials;
  const publicKeyId = params.publicKeyId?.trim() || undefined;
  const platformSerialNo = params.platformSerialNo?.trim() || undefined;
  if (!publicKeyId && !platformSerialNo) {
    throw new ChannelError("CONFIG_INVALID", "WeChat channel account needs params.publicKeyId or params.platformSerialNo to verify WeChat's signatures");
  }
  if (publicKeyId && !publicKeyId.startsWith("PUB_KEY_ID_")) throw new ChannelError("CONFIG_INVALID", "params.publicKeyId must start with PUB_KEY_ID_");

  const apiV3Key = required(credentials, "apiV3Key");
  if (Buffer.byteLength(apiV3Key, "utf8") !== 32) throw new ChannelError("CONFIG_INVALID", "credentials.apiV3Key must be exactly 32 bytes");
  const platformKey = readKey("credentials.platformPublicKeyPem", () => createPublicKey(required(credentials, "platformPublicKeyPem")));
  const platformKeys = new Map<string, KeyObject>();
  // One PEM serves both identifiers: during WeChat's migration to public-key mode an account is
  // configured with whichever it has; both names are accepted for the key it holds.
  if (publicKeyId) platformKeys.set(publicKeyId, platformKey);
  if (platformSerialNo) platformKeys.set(platformSerialNo, platformKey);

  return {
    baseUrl: readUrl("params.baseUrl", params.baseUrl, DEFAULT_API_BASE_URL),
    faceBaseUrl: readUrl("params.faceBaseUrl", params.faceBaseUrl, DEFAULT_FACE_BASE_URL),
    spMchId: required(params, "spMchId"),
    spAppId: required(params, "spAppId"),
    merchantSerialNo: required(params, "merchantSerialNo"),
    merchantPrivateKey: readKey("credentials.merchantPrivateKeyPem", () => createPrivateKey(required(credentials, "merchantPrivateKeyPem"))),
    platformKeys,
    preferredPlatformSerial: publicKeyId ?? platformSerialNo ?? "",
    apiV3Key,
    apiV2Key: required(credentials, "apiV2Key"),
    notifyUrl: params.notifyUrl?.trim() || undefined,
  };
}

/** The sub-merchant (特约商户) the payment is for: every partner-mode call names it. */
export function requireSubMerchant(ctx: ConnectorContext): { subMchId: string; subAppId?: string } {
  const subMchId = ctx.registration?.subMchId?.trim();
  if (!subMchId) throw new ChannelError("CONFIG_INVALID", "the merchant's WeChat registration has no subMchId (特约商户号)");
  return { subMchId, subAppId: ctx.registration?.subAppId?.trim() || undefined };
}

function required(values: Readonly<Record<string, string>>, key: string): string {
  const value = values[key]?.trim();
  if (!value) throw new ChannelError("CONFIG_INVALID", `WeChat channel account is missing ${key}`);
  return value;
}

function readKey(name: string, parse: () => KeyObject): KeyObject {
  try {
    const key = parse();
    if (key.asymmetricKeyType !== "rsa") throw new Error(`expected an RSA key, got ${key.asymmetricKeyType ?? "unknown"}`);
    return key;
  } catch (error) {
    if (error instanceof ChannelError) throw error;
    throw new ChannelError("CONFIG_INVALID", `${name} is not a usable RSA PEM: ${(error as Error).message}`);
  }
}

function readUrl(name: string, value: string | undefined, fallback: string): string {
  const raw = value?.trim() || fallback;
  try {
    const url = new URL(raw);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("not http(s)");
    return raw.replace(/\/+$/, "");
  } catch {
    throw new ChannelError("CONFIG_INVALID", `${name} is not a valid URL`);
  }
}
