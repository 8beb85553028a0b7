// The channel-account form for the bank / UnionPay ACP channel: what the console asks for and
// where each value is kept (secret ⇒ the credentials envelope, otherwise params). The connector's
// readConfig validates the same keys.

export interface BankAccountField {
  readonly key: string;
  readonly label: { readonly en: string; readonly zh: string };
  /** Stored in the credentials envelope and never shown again once saved. */
  readonly secret: boolean;
  readonly required: boolean;
}

export const bankAccountFields: readonly BankAccountField[] = [
  { key: "baseUrl", label: { en: "Gateway base URL", zh: "网关地址" }, secret: false, required: true },
  { key: "merId", label: { en: "Merchant ID (merId, 15 characters)", zh: "商户号 merId（15 位）" }, secret: false, required: true },
  { key: "certId", label: { en: "Signing certificate ID (certId)", zh: "签名证书序列号 certId" }, secret: false, required: true },
  { key: "trId", label: { en: "Token requestor ID (trId, default 62000000001)", zh: "标记请求者代码 trId（默认 62000000001）" }, secret: false, required: false },
  { key: "fileTransferUrl", label: { en: "File download URL (default: gateway /gateway/api/fileTransfer.do)", zh: "文件传输地址（默认网关 /gateway/api/fileTransfer.do）" }, secret: false, required: false },
  { key: "merchantPrivateKeyPem", label: { en: "Merchant signing private key (PEM)", zh: "商户签名私钥（PEM）" }, secret: true, required: true },
  // Not secret in itself, but it lives with the credentials: every answer and notification is
  // trusted against it, so it is versioned and replaced with the signing key.
  { key: "bankPublicKeyPem", label: { en: "Bank verification public key (PEM)", zh: "银行验签公钥（PEM）" }, secret: true, required: true },
];
