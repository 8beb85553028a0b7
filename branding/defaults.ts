import type { TBranding } from "./schema";

export const DEFAULT_BRANDING: TBranding = {
  primaryColor: "#2563eb",
  accentColor: "#0f766e",
  radius: "0.5rem",
  productName: "",
  loginTitle: { "zh-CN": "登录", en: "Sign in" },
  loginSubtitle: { "zh-CN": "刷脸支付服务商管理后台", en: "Face-payment provider console" },
};
