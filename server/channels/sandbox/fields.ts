// The channel-account form for the sandbox channel: nothing is required, so a new tenant can
// add one and take demo payments at once.

export interface SandboxAccountField {
  readonly key: string;
  readonly label: { readonly en: string; readonly zh: string };
  /** Stored in the credentials envelope and never shown again once saved. */
  readonly secret: boolean;
  readonly required: boolean;
}

export const sandboxAccountFields: readonly SandboxAccountField[] = [
  { key: "feeRatePpm", label: { en: "Statement fee rate (ppm, default 6000 = 0.6%)", zh: "对账单费率（百万分之一，默认 6000 = 0.6%）" }, secret: false, required: false },
  { key: "declineAll", label: { en: "Decline every payment (\"true\"), to see routing fall back", zh: "拒绝所有支付（填 \"true\"），用于演示路由降级" }, secret: false, required: false },
  { key: "notifySecret", label: { en: "Notification signing secret", zh: "通知签名密钥" }, secret: true, required: false },
];
