// The channel-account form for a WeChat Pay partner (服务商) account: what the console asks for
// and where each value is kept (secret ⇒ the credentials envelope, otherwise params).
// config.ts validates the same keys.

export interface WechatAccountField {
  readonly key: string;
  readonly label: { readonly en: string; readonly zh: string };
  /** Stored in the credentials envelope and never shown again once saved. */
  readonly secret: boolean;
  readonly required: boolean;
  /** A PEM block: render a textarea. */
  readonly multiline?: boolean;
}

export const DEFAULT_API_BASE_URL = "https://api.mch.weixin.qq.com";
export const DEFAULT_FACE_BASE_URL = "https://payapp.weixin.qq.com";

export const wechatAccountFields: readonly WechatAccountField[] = [
  { key: "spMchId", label: { en: "Service provider merchant ID (sp_mchid)", zh: "服务商商户号" }, secret: false, required: true },
  { key: "spAppId", label: { en: "Service provider AppID (sp_appid)", zh: "服务商 AppID" }, secret: false, required: true },
  { key: "merchantSerialNo", label: { en: "Merchant API certificate serial number", zh: "商户 API 证书序列号" }, secret: false, required: true },
  // One of the two below names the key WeChat signs with: the public key ID (微信支付公钥 mode,
  // the default for new merchants) or the platform certificate serial (older accounts).
  { key: "publicKeyId", label: { en: "WeChat Pay public key ID (PUB_KEY_ID_…)", zh: "微信支付公钥 ID" }, secret: false, required: false },
  { key: "platformSerialNo", label: { en: "WeChat Pay platform certificate serial number", zh: "微信支付平台证书序列号" }, secret: false, required: false },
  { key: "baseUrl", label: { en: "API base URL (default https://api.mch.weixin.qq.com)", zh: "API 地址（默认 https://api.mch.weixin.qq.com）" }, secret: false, required: false },
  { key: "faceBaseUrl", label: { en: "Face SDK credential base URL (default https://payapp.weixin.qq.com)", zh: "刷脸凭证接口地址（默认 https://payapp.weixin.qq.com）" }, secret: false, required: false },
  { key: "notifyUrl", label: { en: "Default notification URL", zh: "默认回调地址" }, secret: false, required: false },
  { key: "merchantPrivateKeyPem", label: { en: "Merchant API private key (apiclient_key.pem)", zh: "商户 API 私钥（apiclient_key.pem）" }, secret: true, required: true, multiline: true },
  // Not secret in itself, but it lives with the credentials: every answer and callback is trusted
  // against it, so it is versioned and replaced with them.
  { key: "platformPublicKeyPem", label: { en: "WeChat Pay public key or platform certificate (PEM)", zh: "微信支付公钥或平台证书（PEM）" }, secret: true, required: true, multiline: true },
  { key: "apiV3Key", label: { en: "API v3 key (32 characters)", zh: "APIv3 密钥（32 位）" }, secret: true, required: true },
  { key: "apiV2Key", label: { en: "API v2 key (micropay, face credentials)", zh: "APIv2 密钥（付款码、刷脸凭证）" }, secret: true, required: true },
];
