import type { KeyObject } from "node:crypto";
import { ChannelError, type ChannelAccountConfig, type ConnectorContext } from "../types";
import { loadPrivateKey, loadPublicKey } from "./signing";

// An Alipay channel account is one ISV (第三方应用) app: its gateway, app id, the ISV's PID for
// rebate attribution, and the RSA2 key pair. Merchants act through it with their app_auth_token.

export interface AlipayConfig {
  readonly gatewayUrl: string;
  readonly appId: string;
  readonly sysServiceProviderId: string;
  readonly appPrivateKey: KeyObject;
  readonly alipayPublicKey: KeyObject;
}

function required(source: Readonly<Record<string, string>>, where: string, key: string): string {
  const value = source[key]?.trim();
  if (!value) throw new ChannelError("CONFIG_INVALID", `Alipay account ${where}.${key} is missing`);
  return value;
}

export function readAlipayConfig(account: ChannelAccountConfig): AlipayConfig {
  if (account.channelType !== "ALIPAY") throw new ChannelError("CONFIG_INVALID", `channel account ${account.channelAccountId} is ${account.channelType}, not ALIPAY`);
  const gatewayUrl = required(account.params, "params", "gatewayUrl");
  let parsed: URL;
  try {
    parsed = new URL(gatewayUrl);
  } catch {
    throw new ChannelError("CONFIG_INVALID", "Alipay account params.gatewayUrl is not a URL");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw new ChannelError("CONFIG_INVALID", "Alipay account params.gatewayUrl must be http(s)");
  const appId = required(account.params, "params", "appId");
  if (!/^\d{16}$/.test(appId)) throw new ChannelError("CONFIG_INVALID", "Alipay account params.appId must be 16 digits");
  const sysServiceProviderId = required(account.params, "params", "sysServiceProviderId");
  if (!/^2088\d{12}$/.test(sysServiceProviderId)) throw new ChannelError("CONFIG_INVALID", "Alipay account params.sysServiceProviderId must be a PID (2088 + 12 digits)");
  return {
    gatewayUrl,
    appId,
    sysServiceProviderId,
    appPrivateKey: loadPrivateKey(required(account.credentials, "credentials", "appPrivateKeyPem"), "credentials.appPrivateKeyPem"),
    alipayPublicKey: loadPublicKey(required(account.credentials, "credentials", "alipayPublicKeyPem"), "credentials.alipayPublicKeyPem"),
  };
}

/** Who the call is for: the merchant's app_auth_token (ISV mode) and, for 直付通/间连, its smid. */
export interface AlipayMerchant {
  readonly appAuthToken?: string;
  readonly smid?: string;
  readonly storeId?: string;
  readonly terminalId?: string;
}

export function readMerchant(ctx: ConnectorContext): AlipayMerchant {
  const registration = ctx.registration;
  const appAuthToken = registration?.appAuthToken?.trim() || undefined;
  const smid = registration?.smid?.trim() || undefined;
  // Without either, the call would run as the ISV's own merchant account: money to the wrong payee.
  if (appAuthToken === undefined && smid === undefined) {
    throw new ChannelError("CONFIG_INVALID", "Alipay registration.appAuthToken is missing (or registration.smid for an indirect merchant)");
  }
  return {
    appAuthToken,
    smid,
    storeId: registration?.shopId?.trim() || undefined,
    terminalId: registration?.terminalNo?.trim() || undefined,
  };
}
