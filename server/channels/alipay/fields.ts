// The channel-account form for Alipay: what the console asks for and where each value is kept
// (params vs the credentials envelope). config.ts validates the same keys.

export interface AlipayAccountField {
  readonly key: string;
  readonly label: { readonly en: string; readonly zh: string };
  /** Stored in the credentials envelope and never shown again once saved. */
  readonly secret: boolean;
  readonly required: boolean;
}

export const alipayAccountFields: readonly AlipayAccountField[] = [
  { key: "gatewayUrl", label: { en: "Gateway URL", zh: "网关地址" }, secret: false, required: true },
  { key: "appId", label: { en: "ISV app ID", zh: "第三方应用 APPID" }, secret: false, required: true },
  { key: "sysServiceProviderId", label: { en: "ISV PID (rebate attribution)", zh: "服务商 PID（返佣归属）" }, secret: false, required: true },
  { key: "appPrivateKeyPem", label: { en: "App private key (RSA2)", zh: "应用私钥（RSA2）" }, secret: true, required: true },
  // Not secret in itself, but it lives with the credentials: it is what every response and
  // notification is trusted against, so it is versioned and replaced with them.
  { key: "alipayPublicKeyPem", label: { en: "Alipay public key", zh: "支付宝公钥" }, secret: true, required: true },
];
